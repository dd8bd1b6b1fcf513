"""Checks that must pass before anything is created: region, role ARN, instance types, input mode.

Each raises SageCliError with one line and a hint. They are pure (no AWS call); credentials and
the account id are checked in session.py.
"""

from __future__ import annotations

import re

from sagecli.errors import SageCliError, UsageError

# Which botocore enum says an instance type is accepted for each kind of job.
INSTANCE_ENUMS: dict[str, str] = {
    "training": "TrainingInstanceType",
    "hosting": "ProductionVariantInstanceType",
    "transform": "TransformInstanceType",
    "processing": "ProcessingInstanceType",
}
PARTITION_PREFIX = {"cn-": "aws-cn", "us-gov-": "aws-us-gov"}


def partition_for(region: str) -> str:
    """The AWS partition of a Region name (aws, aws-cn or aws-us-gov)."""
    for prefix, partition in PARTITION_PREFIX.items():
        if region.startswith(prefix):
            return partition
    return "aws"


def known_regions() -> list[str]:
    """Regions where botocore's endpoint data lists SageMaker, across the public partitions."""
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        regions.update(session.get_available_regions("sagemaker", partition_name=partition))
    return sorted(regions)


def check_region(region: str | None) -> str:
    """The region if SageMaker is known there; else a one-line error."""
    if not region:
        raise SageCliError("no AWS region", hint="pass --region, or set AWS_REGION / AWS_DEFAULT_REGION")
    regions = known_regions()
    if region not in regions:
        import difflib

        close = difflib.get_close_matches(region, regions, n=2)
        hint = f"did you mean {' or '.join(close)}?" if close else "SageMaker regions: " + ", ".join(regions)
        raise SageCliError(f"unknown region {region!r}: botocore lists no SageMaker endpoint there", hint=hint)
    return region


def check_role_arn(role_arn: str | None, region: str) -> str:
    """An IAM role ARN in the Region's partition, matching the API's RoleArn pattern."""
    from sagecli.aws.validate import service_model

    if not role_arn:
        raise SageCliError(
            "--role-arn is required for the sagemaker backend",
            hint="an IAM role SageMaker can assume, e.g. arn:aws:iam::123456789012:role/SageMakerExecution",
        )
    shape = service_model("sagemaker").shape_for("RoleArn")
    if not re.fullmatch(shape.metadata["pattern"], role_arn) or len(role_arn) > shape.metadata["max"]:
        raise SageCliError(
            f"invalid role ARN {role_arn!r}",
            hint="expected arn:aws:iam::<12-digit account>:role/<name> (a role, not a user or policy)",
        )
    partition = role_arn.split(":")[1]
    if partition != partition_for(region):
        raise SageCliError(
            f"role ARN is in partition {partition!r} but region {region} is in {partition_for(region)!r}"
        )
    return role_arn


def check_instance_type(instance_type: str, uses: tuple[str, ...] = ("training", "hosting", "transform")) -> None:
    """Fail unless the API accepts the instance type for every use (botocore's enums decide)."""
    from sagecli.aws.validate import enum_values

    for use in uses:
        enum = INSTANCE_ENUMS[use]
        if instance_type not in enum_values(enum):
            raise SageCliError(
                f"instance type {instance_type!r} is not accepted for {use} (not in the API's {enum} list)",
                hint="`sagecli kb list instance_family` shows what each size is accepted for",
            )


# S3 general purpose bucket naming rules:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")


def check_bucket_name(bucket: str) -> str:
    """A name S3 accepts for a new general purpose bucket; else a one-line error (before anything is created)."""
    why = None
    if not BUCKET_CHARS.match(bucket):
        why = "use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    elif ".." in bucket:
        why = "it has two adjacent dots"
    elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+", bucket):
        why = "it is formatted as an IP address"
    elif bucket.startswith(BUCKET_RESERVED_PREFIXES) or bucket.endswith(BUCKET_RESERVED_SUFFIXES):
        why = "it uses a reserved prefix or suffix (xn--, sthree-, amzn-s3-demo-, -s3alias, --ol-s3, .mrap, --x-s3)"
    if why:
        raise SageCliError(f"invalid S3 bucket name {bucket!r}: {why}",
                           hint="pass --bucket with a valid name, or leave it out for sagemaker-<region>-<account>")
    return bucket


def check_input_mode(mode: str) -> str:
    """A TrainingInputMode value (File, Pipe, FastFile)."""
    from sagecli.aws.validate import enum_values

    values = enum_values("TrainingInputMode")
    if mode not in values:
        raise UsageError(f"input mode {mode!r} is not one of {', '.join(values)}")
    return mode


def check_counts(instance_count: int, max_runtime_s: int) -> None:
    """Instance count at least 1 and a positive MaxRuntimeInSeconds."""
    if instance_count < 1:
        raise UsageError(f"--instance-count must be at least 1, got {instance_count}")
    if max_runtime_s < 1:
        raise UsageError(f"max runtime must be at least 1 second, got {max_runtime_s}")
