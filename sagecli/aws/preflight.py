"""Look-ups before anything is created (bucket, group, what the KB says), and the request-body adapter."""

from __future__ import annotations

import json
from typing import Any

from sagecli.errors import SageCliError


def bucket_exists(aws: Any, bucket: str) -> bool:
    """True if the bucket exists and this account can use it; a one-line error if it belongs to someone else."""
    from sagecli.aws.session import error_code, error_line

    try:
        aws.client("s3").head_bucket(Bucket=bucket)
        return True
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        if error_code(exc) in ("403", "AccessDenied", "Forbidden"):
            raise SageCliError(f"bucket {bucket} exists but this account cannot use it",
                               hint="pass --bucket with a bucket you own") from None
        raise SageCliError(f"cannot check bucket {bucket}: {error_line(exc)}") from None


def group_exists(aws: Any, name: str) -> bool:
    """True if the model package group exists."""
    try:
        aws.client("sagemaker").describe_model_package_group(ModelPackageGroupName=name)
        return True
    except Exception:
        return False


def algorithm_notes(input_mode: str) -> list[str]:
    """What the knowledge base says about the built-in XGBoost algorithm that this run goes against."""
    from sagecli.knowledge.store import load_kb

    kb = load_kb()
    if "xgboost" not in kb.records:
        return []
    rec = kb.get("xgboost")
    modes = rec.get("input_modes", [])
    if modes and input_mode not in modes:
        return [f"the knowledge base lists {' and '.join(modes)} input modes for the built-in XGBoost algorithm "
                f"({rec['sources'][0]}); {input_mode} is not among them, so the job may be refused"]
    return []


# Request types the built-in XGBoost container parses (sagemaker-xgboost-container serve_utils): no JSON.
XGBOOST_REQUEST_TYPES = ("text/csv", "text/libsvm", "text/x-libsvm", "application/x-recordio-protobuf")


def xgboost_request_types(wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The requested content types the XGBoost container accepts (text/csv if none)."""
    return tuple(t for t in wanted if t in XGBOOST_REQUEST_TYPES) or ("text/csv",)


def json_instances_to_csv(body: bytes) -> bytes | None:
    """{"instances": [[...], ...]} (or a bare list of rows) as headerless CSV; None if it is not that shape."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    rows = data.get("instances") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        return None
    rows = [r if isinstance(r, list) else [r] for r in rows]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for r in rows for v in r):
        return None
    return ("\n".join(",".join(repr(v) for v in r) for r in rows) + "\n").encode()
