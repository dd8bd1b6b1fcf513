"""Send validated requests and keep the ledger: pending before the call, created (with ARN) after.

A request the server rejects is marked failed (nothing was created). Anything else that interrupts
a call (a timeout, Ctrl-C) leaves the entry pending, so teardown still tries to delete it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sagecli.aws.api_calls import ApiCall, split_s3
from sagecli.aws.ledger import Ledger
from sagecli.aws.session import AwsContext, error_code, error_line
from sagecli.aws.validate import check
from sagecli.errors import SageCliError

ARN_KEYS = ("TrainingJobArn", "ModelPackageGroupArn", "ModelPackageArn", "ModelArn", "EndpointConfigArn",
            "EndpointArn", "TransformJobArn", "MonitoringScheduleArn", "HyperParameterTuningJobArn", "ProcessingJobArn",
            "FeatureGroupArn", "TopicArn", "ScalableTargetARN", "PolicyARN")


class Executor:
    """Runs ApiCalls against AWS for one run, recording what each creates."""

    def __init__(self, aws: AwsContext, ledger: Ledger) -> None:
        self.aws = aws
        self.ledger = ledger

    def call(self, call: ApiCall, **unvalidated: Any) -> dict[str, Any]:
        """Validate offline, record, send; `unvalidated` adds members such as an upload Body."""
        from botocore.exceptions import ClientError

        check(call.service, call.operation, call.params)
        entry = self.ledger.begin(call.kind, call.name, call.summary) if call.kind else None
        try:
            response = getattr(self.aws.client(call.service), call.method)(**call.params, **unvalidated)
        except ClientError as exc:
            if entry is not None:
                self.ledger.mark(entry, "failed", note=error_line(exc))
            raise SageCliError(f"{call.operation} failed: {error_line(exc)}",
                               hint="everything created before it is torn down now") from None
        if entry is not None:
            arn = next((response[k] for k in ARN_KEYS if k in response), None)
            self.ledger.mark(entry, "created", arn=arn)
        return response

    def upload(self, call: ApiCall, path: Path) -> None:
        """PutObject with a local file as the body."""
        with open(path, "rb") as fh:
            self.call(call, Body=fh)

    def put_bytes(self, call: ApiCall, data: bytes) -> None:
        """PutObject with bytes as the body."""
        self.call(call, Body=data)

    def download(self, uri: str, dest: Path) -> list[Path]:
        """Copy one object, or every object under a prefix, into dest (see download_objects)."""
        return download_objects(self.aws.client("s3"), uri, dest)


def download_objects(s3: Any, uri: str, dest: Path) -> list[Path]:
    """Copy one object, or every object under a prefix, into dest keeping relative paths.

    Files already there with the same size are not fetched again (capture files are re-read
    as traffic grows). Every key must land inside dest: a key with `..` segments or an absolute
    path is refused (SageCliError naming it) before anything is written.
    """
    bucket, key = split_s3(uri)
    dest.mkdir(parents=True, exist_ok=True)
    if key and not key.endswith("/"):
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        except Exception as exc:
            if error_code(exc) not in ("NoSuchKey", "404"):
                raise SageCliError(f"cannot read {uri}: {error_line(exc)}") from None
        else:
            target = inside(dest, key.rsplit("/", 1)[-1], key, bucket)
            target.write_bytes(body.read())
            return [target]
        key += "/"
    wanted: list[tuple[str, Path, int]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(key):]
            if not rel or rel.endswith("/"):
                continue
            wanted.append((obj["Key"], inside(dest, rel, obj["Key"], bucket), obj["Size"]))
    out: list[Path] = []
    for obj_key, target, size in wanted:
        if not (target.is_file() and target.stat().st_size == size):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=obj_key)["Body"].read())
        out.append(target)
    if not out:
        raise SageCliError(f"nothing found at {uri}")
    return sorted(out)


class UnsafeKey(SageCliError):
    """An S3 key that would be written outside the destination folder."""


def inside(dest: Path, rel: str, key: str, bucket: str) -> Path:
    """dest/rel for the object `key`, or SageCliError when that path would leave dest."""
    parts = rel.split("/")
    root = dest.resolve()
    target = root.joinpath(*parts)
    if (not rel or rel.startswith("/") or any(p in (".", "..") for p in parts) or "\0" in rel
            or not target.resolve().is_relative_to(root) or target.resolve() == root):
        shown = f"s3://{bucket}/{key}"
        raise UnsafeKey(f"refusing to download {shown!r}: its key leads outside {dest}",
                           hint="object keys with '..', '.' or a leading '/' are not written to disk")
    return dest.joinpath(*parts)


def wait_for(describe: Callable[[], dict[str, Any]], status_key: str, done: tuple[str, ...],
             say: Callable[[str], None], poll_s: float, timeout_s: float,
             detail: Callable[[dict[str, Any]], str] = lambda d: "") -> dict[str, Any]:
    """Describe until the status is one of `done`; report each change of status and detail."""
    start = time.monotonic()
    last = ""
    while True:
        desc = describe()
        status = desc[status_key]
        line = " / ".join(x for x in (status, detail(desc)) if x)
        if line != last:
            say(f"{line} ({time.monotonic() - start:.0f}s)")
            last = line
        if status in done:
            return desc
        if time.monotonic() - start > timeout_s:
            raise SageCliError(f"still {status} after {timeout_s:.0f}s", hint="teardown runs now")
        time.sleep(poll_s)
