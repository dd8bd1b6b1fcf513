"""Shared helpers: what a run left behind in the fake SageMaker, and a backend for a run id."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sagecli.aws.api_calls import TAG_KEY
from tests.aws.conftest import ROLE_ARN

BUCKET = "sagemaker-us-east-1-123456789012"


def leftovers(fake: Any, run_id: str) -> list[str]:
    """Everything tagged with the run id (or under its S3 prefix) that still exists; running jobs too."""
    sm, s3 = fake.client("sagemaker"), fake.client("s3")
    left = []

    def tagged(arn: str) -> bool:
        return any(t["Key"] == TAG_KEY and t["Value"] == run_id for t in sm.list_tags(ResourceArn=arn)["Tags"])

    for method, key, arn_key in (("list_endpoints", "Endpoints", "EndpointArn"),
                                 ("list_endpoint_configs", "EndpointConfigs", "EndpointConfigArn"),
                                 ("list_models", "Models", "ModelArn"),
                                 ("list_model_package_groups", "ModelPackageGroupSummaryList", "ModelPackageGroupArn")):
        left += [f"{key}: {item[arn_key]}" for item in getattr(sm, method)()[key] if tagged(item[arn_key])]
    for group in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]:
        pkgs = sm.list_model_packages(ModelPackageGroupName=group["ModelPackageGroupName"])
        left += [f"package: {p['ModelPackageArn']}" for p in pkgs["ModelPackageSummaryList"]
                 if tagged(p["ModelPackageArn"])]
    for job in sm.list_training_jobs()["TrainingJobSummaries"]:
        if job["TrainingJobStatus"] == "InProgress" and tagged(job["TrainingJobArn"]):
            left.append(f"running training job {job['TrainingJobName']}")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    for bucket in buckets:
        objs = s3.list_objects_v2(Bucket=bucket, Prefix=f"sagecli/{run_id}/").get("Contents", [])
        left += [f"s3://{bucket}/{o['Key']}" for o in objs]
        tags = []
        with contextlib.suppress(Exception):
            tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
        if any(t["Key"] == TAG_KEY and t["Value"] == run_id for t in tags):
            left.append(f"bucket {bucket}")
    return left


def write_channels(root: Path) -> dict[str, Path]:
    """Small headerless label-first CSV channels (and a label-free transform input)."""
    import numpy as np

    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    dirs = {}
    parts = {"train": slice(0, 200), "validation": slice(200, 250), "test": slice(250, 300)}
    for name, sl in parts.items():
        dirs[name] = root / name
        dirs[name].mkdir(parents=True)
        rows = [",".join([str(y[i])] + [f"{v:.4f}" for v in x[i]]) for i in range(300)[sl]]
        (dirs[name] / f"{name}.csv").write_text("\n".join(rows) + "\n")
    dirs["transform"] = root / "transform"
    dirs["transform"].mkdir()
    (dirs["transform"] / "test.csv").write_text(
        "\n".join(",".join(f"{v:.4f}" for v in x[i]) for i in range(250, 300)) + "\n")
    return dirs


def backend_options(**extra: Any) -> dict[str, Any]:
    """backend_options for the sagemaker backend against the fake (fast polling)."""
    return {"role_arn": ROLE_ARN, "region": "us-east-1", "poll_s": 0.01, **extra}
