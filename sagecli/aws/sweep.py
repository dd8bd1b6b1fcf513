"""`sagecli cleanup`: find a run's leftovers by their `sagecli:run-id` tag (and the run's S3 prefix) and delete them.

The tag is the source of truth, so cleanup works without the local ledger (another machine, a
deleted $SAGECLI_HOME). S3 objects are found by the run's prefix, sagecli/<run-id>/, in the
default bucket and in any bucket a ledger names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sagecli.aws.api_calls import TAG_KEY
from sagecli.aws.ledger import Entry, all_ledgers
from sagecli.aws.session import AwsContext, error_line
from sagecli.aws.teardown import JOB_KINDS, KIND_ORDER, delete_one, is_gone
from sagecli.errors import UsageError

# kind -> (list method, list key, name key, arn key, status key or None)
LISTERS: dict[str, tuple[str, str, str, str, str | None]] = {
    "MonitoringSchedule": ("list_monitoring_schedules", "MonitoringScheduleSummaries", "MonitoringScheduleName",
                           "MonitoringScheduleArn", None),
    "TransformJob": ("list_transform_jobs", "TransformJobSummaries", "TransformJobName", "TransformJobArn",
                     "TransformJobStatus"),
    "HyperParameterTuningJob": ("list_hyper_parameter_tuning_jobs", "HyperParameterTuningJobSummaries",
                                "HyperParameterTuningJobName", "HyperParameterTuningJobArn",
                                "HyperParameterTuningJobStatus"),
    "ProcessingJob": ("list_processing_jobs", "ProcessingJobSummaries", "ProcessingJobName", "ProcessingJobArn",
                      "ProcessingJobStatus"),
    "TrainingJob": ("list_training_jobs", "TrainingJobSummaries", "TrainingJobName", "TrainingJobArn",
                    "TrainingJobStatus"),
    "Endpoint": ("list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "EndpointStatus"),
    "EndpointConfig": ("list_endpoint_configs", "EndpointConfigs", "EndpointConfigName", "EndpointConfigArn", None),
    "Model": ("list_models", "Models", "ModelName", "ModelArn", None),
    "ModelPackageGroup": ("list_model_package_groups", "ModelPackageGroupSummaryList", "ModelPackageGroupName",
                          "ModelPackageGroupArn", None),
    "FeatureGroup": ("list_feature_groups", "FeatureGroupSummaries", "FeatureGroupName", "FeatureGroupArn",
                     "FeatureGroupStatus"),
    "Pipeline": ("list_pipelines", "PipelineSummaries", "PipelineName", "PipelineArn", None),  # --as-pipeline
}
DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(text: str | None) -> timedelta | None:
    """'90s', '30m', '2h', '1.5d' -> timedelta; None passes through."""
    if text is None:
        return None
    m = DURATION_RE.match(text.strip().lower())
    if not m:
        raise UsageError(f"--older-than {text!r} is not a duration", hint="use a number and s, m, h or d, e.g. 2h")
    return timedelta(seconds=float(m.group(1)) * UNITS[m.group(2)])


@dataclass
class Found:
    """A tagged resource (or a run's S3 prefix) that cleanup may delete."""

    kind: str
    name: str
    arn: str | None
    run_id: str
    created: datetime | None
    status: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"kind": self.kind, "name": self.name, "arn": self.arn, "run_id": self.run_id,
                "created": self.created.isoformat() if self.created else None, "status": self.status}


def _pages(sm: Any, method: str, key: str) -> Iterator[dict[str, Any]]:
    token = None
    while True:
        resp = getattr(sm, method)(**({"NextToken": token} if token else {}))
        yield from resp.get(key, [])
        token = resp.get("NextToken")
        if not token:
            return


def _run_tag(sm: Any, arn: str) -> str | None:
    try:
        tags = sm.list_tags(ResourceArn=arn).get("Tags", [])
    except Exception:  # a resource we cannot read tags of is not one we can prove is ours: leave it
        return None
    return next((t["Value"] for t in tags if t["Key"] == TAG_KEY), None)


def find_tagged(aws: AwsContext, run_id: str | None = None, older_than: timedelta | None = None,
                now: datetime | None = None, buckets: tuple[str, ...] = (),
                warn: Callable[[str], None] = lambda m: None) -> list[Found]:
    """Every sagecli-tagged resource in the Region (one run's, with run_id), oldest-first within a kind."""
    now = now or datetime.now(UTC)
    sm = aws.client("sagemaker")
    found: list[Found] = []

    def keep(created: datetime | None) -> bool:
        return older_than is None or (created is not None and now - created >= older_than)

    for kind, (method, key, name_key, arn_key, status_key) in LISTERS.items():
        try:
            items = list(_pages(sm, method, key))
        except Exception as exc:  # e.g. an API the account or the endpoint does not offer
            warn(f"cannot list {kind}: {error_line(exc)}")
            continue
        if kind in JOB_KINDS:  # finished jobs are records that bill nothing: only stop runners
            items = [i for i in items if i.get(status_key or "") in ("InProgress", "Stopping")]
        for item in items:
            tag = _run_tag(sm, item[arn_key])
            created = item.get("CreationTime")
            if tag is None or (run_id and tag != run_id) or not keep(created):
                continue
            found.append(Found(kind, item[name_key], item[arn_key], tag, created, item.get(status_key or "", "")))
        if kind == "ModelPackageGroup":  # versions are tagged even when their group is not (a shared group)
            for item in items:
                found += [f for f in _packages(sm, item[name_key], run_id) if keep(f.created)]
    from sagecli.aws.endpoint_calls import tagged_leftovers  # --inference async: SNS topics, scaling targets

    found += [Found(*item) for item in tagged_leftovers(aws, run_id, warn) if keep(item[4])]
    found += _s3_prefixes(aws, run_id, keep, buckets, warn)
    try:  # run-demo --rollout's CloudWatch alarms (sagecli/aws/rollout_calls.py)
        from sagecli.aws.rollout_calls import tagged_alarms

        found += [Found("CloudWatchAlarm", n, arn, tag, at) for n, arn, tag, at in tagged_alarms(aws, run_id)
                  if keep(at)]
    except Exception as exc:  # noqa: BLE001 - no CloudWatch access: the rest can still be cleaned up
        warn(f"cannot list CloudWatchAlarm: {error_line(exc)}")
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(found, key=lambda f: (order.get(f.kind, 99), f.name))


def _packages(sm: Any, group: str, run_id: str | None) -> list[Found]:
    out = []
    for pkg in sm.list_model_packages(ModelPackageGroupName=group).get("ModelPackageSummaryList", []):
        tag = _run_tag(sm, pkg["ModelPackageArn"])
        if tag is not None and (run_id is None or tag == run_id):
            out.append(Found("ModelPackage", pkg["ModelPackageArn"], pkg["ModelPackageArn"], tag,
                             pkg.get("CreationTime"), pkg.get("ModelApprovalStatus", "")))
    return out


def _s3_prefixes(aws: AwsContext, run_id: str | None, keep: Callable[[datetime | None], bool],
                 buckets: tuple[str, ...], warn: Callable[[str], None]) -> list[Found]:
    s3 = aws.client("s3")
    names = {f"sagemaker-{aws.region}-{aws.account}", *buckets}
    for led in all_ledgers():
        names.update(e.name for e in led.entries if e.kind == "S3Bucket" and led.region == aws.region)
    out = []
    for bucket in sorted(names):
        try:
            resp = s3.list_objects_v2(Bucket=bucket, Prefix="sagecli/", Delimiter="/")
        except Exception as exc:
            if not is_gone(exc):
                warn(f"cannot list s3://{bucket}/sagecli/: {error_line(exc)}")
            continue
        for cp in resp.get("CommonPrefixes", []):
            rid = cp["Prefix"].split("/")[1]
            if run_id and rid != run_id:
                continue
            first = s3.list_objects_v2(Bucket=bucket, Prefix=cp["Prefix"], MaxKeys=1).get("Contents", [])
            created = first[0]["LastModified"] if first else None
            if keep(created):
                out.append(Found("S3Prefix", f"s3://{bucket}/{cp['Prefix']}", None, rid, created))
        if _bucket_run(s3, bucket) and (run_id is None or _bucket_run(s3, bucket) == run_id):
            out.append(Found("S3Bucket", bucket, None, _bucket_run(s3, bucket) or "", None, "if empty"))
    return out


def _bucket_run(s3: Any, bucket: str) -> str | None:
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
    except Exception:
        return None
    return next((t["Value"] for t in tags if t["Key"] == TAG_KEY), None)


def delete_found(aws: AwsContext, found: list[Found], say: Callable[[str], None]) -> list[tuple[Found, str]]:
    """Delete in dependency order; return (resource, error) for each failure. Ledgers are updated."""
    failures = []
    ledgers = {led.run_id: led for led in all_ledgers()}
    for item in found:
        entry = Entry(kind=item.kind, name=item.name, arn=item.arn)
        try:
            done = delete_one(aws, entry)
        except Exception as exc:
            if not is_gone(exc):
                failures.append((item, error_line(exc)))
                say(f"could not delete {item.kind} {item.name}: {error_line(exc)}")
                continue
            done = "already gone"
        say(f"{item.kind} {item.name}: {done}")
        led = ledgers.get(item.run_id)
        if led is not None and not done.startswith("kept"):
            for e in led.entries:
                if e.kind == item.kind and (e.name == item.name or (e.arn and e.arn == item.arn)):
                    led.mark(e, "deleted", note=f"sagecli cleanup: {done}")
    return failures
