"""Delete what a run created, newest first; tolerate what is already gone; report what is left.

Jobs cannot be deleted: a running training or transform job is stopped, a finished one is left
(it no longer bills). Deleting an endpoint stops its billing; the endpoint config and model go
after it, then model package versions and their group, then the run's S3 prefix, then the bucket
if this run created it and nothing else is in it.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sagecli.aws.api_calls import split_s3
from sagecli.aws.ledger import Entry, Ledger
from sagecli.aws.session import AwsContext, error_code, error_line
from sagecli.errors import SageCliError

# Deleting one of these stops a charge or frees a name; the rest are records.
KEEP_WITH_ENDPOINT = {"Endpoint", "EndpointConfig", "Model", "MonitoringSchedule", "S3Prefix", "S3Bucket",
                      "ScalingPolicy", "ScalableTarget", "SnsTopic"}  # the last three: --inference async
GONE_CODES = {"ResourceNotFound", "NoSuchBucket", "NoSuchKey", "404", "NotFound"}
STOP_WAIT_S = 600.0  # a stopped job may still upload its model or outputs; wait for that before emptying S3
STOP_POLL_S = 5.0
ENDPOINT_SETTLE_S = 1800.0  # an endpoint still Creating cannot be deleted until it is InService or Failed
BUSY_ENDPOINT = ("Creating", "Updating", "SystemUpdating", "RollingBack")
# Delete order when there is no ledger order to reverse (cleanup by tag).
KIND_ORDER = ["PipelineExecution", "CloudWatchAlarm", "MonitoringSchedule", "ProcessingJob",
              "HyperParameterTuningJob", "TransformJob", "ScalingPolicy", "ScalableTarget", "Endpoint",
              "EndpointConfig", "Model", "ModelPackage", "ModelPackageGroup", "TrainingJob", "FeatureGroup",
              "Pipeline", "SnsTopic", "S3Prefix", "S3Bucket"]


def is_gone(exc: BaseException) -> bool:
    """True when an AWS error says the resource does not exist (already deleted)."""
    code = error_code(exc)
    if code in GONE_CODES:
        return True
    text = error_line(exc).lower()
    return code == "ValidationException" and ("could not find" in text or "does not exist" in text)


@dataclass
class TeardownReport:
    """What happened to each resource."""

    removed: list[Entry] = field(default_factory=list)
    kept: list[Entry] = field(default_factory=list)
    failed: list[tuple[Entry, str]] = field(default_factory=list)


# Job kinds: (Describe operation, Stop operation, name parameter, status key). Jobs are stopped, never deleted;
# stopping a tuning job stops its training jobs too.
JOB_APIS = {
    "TrainingJob": ("describe_training_job", "stop_training_job", "TrainingJobName", "TrainingJobStatus"),
    "TransformJob": ("describe_transform_job", "stop_transform_job", "TransformJobName", "TransformJobStatus"),
    "ProcessingJob": ("describe_processing_job", "stop_processing_job", "ProcessingJobName",
                      "ProcessingJobStatus"),
    "HyperParameterTuningJob": ("describe_hyper_parameter_tuning_job", "stop_hyper_parameter_tuning_job",
                                "HyperParameterTuningJobName", "HyperParameterTuningJobStatus"),
}
JOB_KINDS = tuple(JOB_APIS)


def _operation(method: str) -> str:
    """boto3's method name as the API's operation name: stop_processing_job -> StopProcessingJob."""
    return "".join(word.capitalize() for word in method.split("_"))


def wait_or_stop(sm: Any, kind: str, name: str, wait: Callable[[], dict[str, Any]], say: Callable[[str], None],
                 what: str = "job") -> dict[str, Any]:
    """Wait for a job; anything that ends the wait early (a failed describe, a timeout, Ctrl-C) stops it at once.

    Teardown then waits for the Stopped status, so no job keeps running (or billing) after a failed run.
    """
    from botocore.exceptions import ClientError

    describe, stop, param, _ = JOB_APIS[kind]
    try:
        return wait()
    except BaseException as exc:
        with contextlib.suppress(Exception):
            getattr(sm, stop)(**{param: name})
            say(f"{name}: {_operation(stop)} sent")
        if isinstance(exc, ClientError):
            raise SageCliError(f"{_operation(describe)} failed: {error_line(exc)}",
                               hint=f"the {what} was stopped; teardown runs now") from None
        raise


def _stop_job(sm: Any, kind: str, name: str) -> str:
    """Stop a running job and wait until it has stopped, so its last outputs land before the prefix goes."""
    describe, stop, param, key = JOB_APIS[kind]
    status_of = lambda: getattr(sm, describe)(**{param: name})[key]  # noqa: E731
    status = status_of()
    if status not in ("InProgress", "Stopping"):
        return f"{status} (jobs are records, not deleted)"
    if status == "InProgress":
        getattr(sm, stop)(**{param: name})
        status = status_of()
    deadline = time.monotonic() + STOP_WAIT_S
    while status in ("InProgress", "Stopping") and time.monotonic() < deadline:
        time.sleep(STOP_POLL_S)
        status = status_of()
    return f"stopped ({status})"


def _delete_endpoint(sm: Any, name: str) -> str:
    """DeleteEndpoint; an endpoint still Creating or Updating is refused, so wait for it to settle and retry."""
    try:
        sm.delete_endpoint(EndpointName=name)
        return "deleted"
    except Exception as exc:
        if is_gone(exc) or error_code(exc) != "ValidationException":
            raise
        first = exc
    deadline = time.monotonic() + ENDPOINT_SETTLE_S
    status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
    if status not in BUSY_ENDPOINT:
        raise first
    busy = status
    while status in BUSY_ENDPOINT and time.monotonic() < deadline:
        time.sleep(STOP_POLL_S)
        status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
    if status == "Deleting":
        return "deleting"
    sm.delete_endpoint(EndpointName=name)
    return f"deleted (waited for it to leave {busy})"


def _empty_prefix(s3: Any, uri: str) -> str:
    bucket, prefix = split_s3(uri)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            count += len(keys)
    return f"deleted {count} object(s)"


def _delete_group(sm: Any, name: str) -> str:
    left = sm.list_model_packages(ModelPackageGroupName=name).get("ModelPackageSummaryList", [])
    if left:
        return f"kept: still holds {len(left)} version(s) from elsewhere"
    sm.delete_model_package_group(ModelPackageGroupName=name)
    return "deleted"


def _delete_bucket(s3: Any, name: str) -> str:
    if s3.list_objects_v2(Bucket=name, MaxKeys=1).get("KeyCount", 0):
        return "kept: the bucket holds other objects"
    s3.delete_bucket(Bucket=name)
    return "deleted"


def delete_one(aws: AwsContext, entry: Entry) -> str:
    """Delete (or stop) one resource; return what was done. Raises the AWS error if it fails."""
    sm = aws.client("sagemaker")
    kind, name = entry.kind, entry.name
    actions: dict[str, Callable[[], Any]] = {
        "MonitoringSchedule": lambda: sm.delete_monitoring_schedule(MonitoringScheduleName=name),
        "EndpointConfig": lambda: sm.delete_endpoint_config(EndpointConfigName=name),
        "Model": lambda: sm.delete_model(ModelName=name),
        "ModelPackage": lambda: sm.delete_model_package(ModelPackageName=entry.arn or name),
    }
    if kind == "CloudWatchAlarm":  # run-demo --rollout's auto-rollback alarms
        aws.client("cloudwatch").delete_alarms(AlarmNames=[name])
        return "deleted"
    if kind in actions:
        actions[kind]()
        return "deleted"
    if kind == "Endpoint":
        return _delete_endpoint(sm, name)
    if kind in ("ScalingPolicy", "ScalableTarget", "SnsTopic"):  # --inference async (endpoint_calls.py)
        from sagecli.aws.endpoint_calls import delete_resource

        return delete_resource(aws, kind, name, entry.arn)
    if kind in JOB_APIS:
        return _stop_job(sm, kind, name)
    if kind == "ModelPackageGroup":
        return _delete_group(sm, name)
    if kind in ("Pipeline", "PipelineExecution"):  # run-demo --as-pipeline (sagecli/aws/pipeline_calls.py)
        from sagecli.aws import pipeline_calls as pc

        return pc.delete_pipeline(sm, name) if kind == "Pipeline" else pc.stop_execution(sm, entry.arn or name)
    if kind == "FeatureGroup":  # waits out Creating (sagecli/aws/featurestore_calls.py)
        from sagecli.aws.featurestore_calls import delete_feature_group

        return delete_feature_group(sm, name, STOP_POLL_S)
    if kind == "S3Prefix":
        return _empty_prefix(aws.client("s3"), name)
    if kind == "S3Bucket":
        return _delete_bucket(aws.client("s3"), name)
    return "nothing to delete"


@contextlib.contextmanager
def finish_before_interrupt(say: Callable[[str], None]) -> Iterator[None]:
    """The first Ctrl-C during teardown is noted and ignored; a second one abandons it."""
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    presses = {"n": 0}

    def handler(signum: int, frame: Any) -> None:
        presses["n"] += 1
        if presses["n"] > 1:
            raise KeyboardInterrupt
        say("Ctrl-C: finishing teardown first so nothing keeps billing (press again to abandon it)")

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def teardown(aws: AwsContext, ledger: Ledger, keep_endpoint: bool = False,
             say: Callable[[str], None] = lambda m: None) -> TeardownReport:
    """Delete the ledger's live resources in reverse creation order; never raise for one failure."""
    report = TeardownReport()
    with finish_before_interrupt(print_err):  # stderr: the live view may be gone after the first Ctrl-C
        for entry in reversed(ledger.live()):
            if entry.state == "kept":
                continue
            if keep_endpoint and entry.kind in KEEP_WITH_ENDPOINT:
                ledger.mark(entry, "kept", note="--keep-endpoint")
                report.kept.append(entry)
                continue
            try:
                done = delete_one(aws, entry)
            except Exception as exc:  # one failure must not stop the others
                if is_gone(exc):
                    done = "already gone"
                else:
                    ledger.mark(entry, "delete_failed", note=error_line(exc))
                    report.failed.append((entry, error_line(exc)))
                    say(f"could not delete {entry.kind} {entry.name}: {error_line(exc)}")
                    continue
            state = "kept" if done.startswith("kept") else "stopped" if done.startswith("stopped") else \
                "finished" if entry.kind in (*JOB_KINDS, "PipelineExecution") else "deleted"
            ledger.mark(entry, state, note=done)
            (report.kept if state == "kept" else report.removed).append(entry)
            say(f"{entry.kind} {entry.name}: {done}")
    return report


def print_err(message: str) -> None:
    """Write one teardown line to stderr."""
    sys.stderr.write(message + "\n")
