"""The features step on AWS: CreateFeatureGroup (online + offline store), PutRecord and GetRecord through
sagemaker-featurestore-runtime, DeleteFeatureGroup at teardown (sagecli/aws/teardown.py).

Sources (docs.aws.amazon.com/sagemaker/latest/):
- APIReference/API_CreateFeatureGroup.html: RecordIdentifierFeatureName, EventTimeFeatureName,
  FeatureDefinitions, OnlineStoreConfig.EnableOnlineStore, OfflineStoreConfig.S3StorageConfig.S3Uri, RoleArn.
- APIReference/API_DescribeFeatureGroup.html: FeatureGroupStatus Creating | Created | CreateFailed | Deleting |
  DeleteFailed; OfflineStoreConfig.S3StorageConfig.ResolvedOutputS3Uri.
- APIReference/API_feature_store_PutRecord.html, API_feature_store_GetRecord.html: Record is a list of
  {FeatureName, ValueAsString}.
- dg/feature-store-offline.html: PutRecord data is buffered and written to the offline store in S3 within
  15 minutes, so the flow cannot read its own records back from S3 in the same run (see AwsFeatureStore).
- dg/feature-store-throughput-mode.html: an On-demand group bills the reads and writes it serves, measured in
  ReadRequestsUnits and WriteRequestsUnits (rates: aws.amazon.com/sagemaker/pricing/); no instance-hour.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sagecli.aws.api_calls import ApiCall, tag_list
from sagecli.errors import SageCliError

RUNTIME = "sagemaker-featurestore-runtime"
PUT_THREADS = 8  # PutRecord is one record per call: a few in flight keep a 4,000-row demo to seconds
OFFLINE_LAG_NOTE = ("SageMaker writes PutRecord data to the offline store within 15 minutes, so this run built "
                    "its point-in-time training set from the records PutRecord accepted, with the same join")


def value_as_string(value: Any) -> str:
    """A feature value as PutRecord and GetRecord carry it (ValueAsString): repr keeps a float exact."""
    return repr(value) if isinstance(value, float) else str(value)


def record_values(record: dict[str, Any]) -> list[dict[str, str]]:
    """PutRecord's Record: one {FeatureName, ValueAsString} per feature."""
    return [{"FeatureName": k, "ValueAsString": value_as_string(v)} for k, v in record.items()]


def create_feature_group(*, name: str, definitions: Sequence[dict[str, str]], record_id: str, event_time: str,
                         s3_uri: str, role_arn: str, run_id: str) -> ApiCall:
    """CreateFeatureGroup with an online store and an offline store under the run's S3 prefix (no Glue table)."""
    params = {
        "FeatureGroupName": name,
        "RecordIdentifierFeatureName": record_id,
        "EventTimeFeatureName": event_time,
        "FeatureDefinitions": [dict(d) for d in definitions],
        "OnlineStoreConfig": {"EnableOnlineStore": True},
        # the offline files live under the run's prefix, emptied at teardown; no Glue table is left behind
        "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": s3_uri}, "DisableGlueTableCreation": True},
        "ThroughputConfig": {"ThroughputMode": "OnDemand"},  # billed per request unit used (the default)
        "RoleArn": role_arn,
        "Description": f"sagecli run-demo {run_id}: the features step",
        "Tags": tag_list(run_id),
    }
    summary = (f"feature group {name}: online store + offline store under {s3_uri} (on-demand: billed per "
               "read/write request unit and GB-month, no instance-hours)")
    return ApiCall("sagemaker", "CreateFeatureGroup", params, "FeatureGroup", name, summary)


def put_record(group: str, values: list[dict[str, str]], count: int = 1) -> ApiCall:
    """PutRecord of one record version (the plan shows one for all `count`)."""
    what = "one record version" if count == 1 else f"{count} record versions, one call each"
    return ApiCall(RUNTIME, "PutRecord", {"FeatureGroupName": group, "Record": values}, None, group,
                   f"PutRecord into {group}: {what}", extra={"count": count})


def plan_calls(*, name: str, definitions: Sequence[dict[str, str]], record_id: str, event_time: str,
               s3_uri: str, role_arn: str, run_id: str, sample: list[dict[str, str]], count: int) -> list[ApiCall]:
    """The features step's calls for the plan shown before anything is created."""
    return [create_feature_group(name=name, definitions=definitions, record_id=record_id, event_time=event_time,
                                 s3_uri=s3_uri, role_arn=role_arn, run_id=run_id),
            put_record(name, sample, count)]


def delete_feature_group(sm: Any, name: str, poll_s: float = 5.0, settle_s: float = 1800.0) -> str:
    """DeleteFeatureGroup; a group still Creating cannot be deleted yet, so wait for it to settle first."""
    from sagecli.aws.session import error_code

    deadline = time.monotonic() + settle_s
    waited = False
    while True:
        try:
            sm.delete_feature_group(FeatureGroupName=name)
            return "deleted" + (" (after it left Creating)" if waited else "")
        except Exception as exc:
            if error_code(exc) not in ("ResourceInUse", "ValidationException", "ConflictException"):
                raise
            status = sm.describe_feature_group(FeatureGroupName=name)["FeatureGroupStatus"]
            if status == "Deleting":
                return "deleting"
            if status == "Creating" and time.monotonic() <= deadline:
                waited = True
                time.sleep(poll_s)
            elif status == "Created" and waited:  # it has just settled: one more try
                waited = False
            else:
                raise


def cost_fields(create: ApiCall, plan: Sequence[ApiCall]) -> dict[str, Any]:
    """The plan's cost line (CostLine fields) for a feature group: request units, not instance-hours."""
    puts = sum(c.extra.get("count", 1) for c in plan if c.operation == "PutRecord")
    mode = create.params.get("ThroughputConfig", {}).get("ThroughputMode", "OnDemand")
    return {"resource": "FeatureGroup", "instance_type": mode, "instances": 1, "usd_per_hour": None,
            "bound": f"billed per request unit ({puts} PutRecord, 1 GetRecord) and per GB-month stored, no "
                     "instance-hours; deleted at teardown",
            "note": "price unknown: the knowledge base has no Feature Store rates (aws.amazon.com/sagemaker/pricing/)"}


class AwsFeatureStore:
    """One feature group of a SageMaker run, on the backend's session, executor and ledger."""

    kind = "sagemaker"

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.group = ""
        self.info: dict[str, Any] = {}
        self.written: list[dict[str, Any]] = []

    def s3_uri(self) -> str:
        """OfflineStoreConfig.S3StorageConfig.S3Uri: under the run's prefix (emptied at teardown)."""
        return self.backend.layout.uri("feature-store")

    def create(self, group: str, s3_uri: str, definitions: Sequence[dict[str, str]], record_id: str,
               event_time: str) -> dict[str, Any]:
        """CreateFeatureGroup (recorded in the ledger), then DescribeFeatureGroup until Created."""
        from sagecli.aws.executor import wait_for

        b = self.backend
        b.exe.call(create_feature_group(name=group, definitions=definitions, record_id=record_id,
                                        event_time=event_time, s3_uri=s3_uri, role_arn=b.spec.role_arn,
                                        run_id=b.ctx.run_id))
        self.group = group
        sm = b.aws.client("sagemaker")
        desc = wait_for(lambda: sm.describe_feature_group(FeatureGroupName=group), "FeatureGroupStatus",
                        ("Created", "CreateFailed"), lambda m: b.ctx.emit("features", f"{group}: {m}"),
                        b.poll_s, 1800)
        if desc["FeatureGroupStatus"] != "Created":
            raise SageCliError(f"feature group {group} is {desc['FeatureGroupStatus']}: "
                               f"{desc.get('FailureReason', 'no reason given')}")
        self.info = {k: v for k, v in desc.items() if k != "ResponseMetadata"}
        return self.info

    def put_records(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """PutRecord for every record version (each request validated offline first), a few calls in flight."""
        from sagecli.aws.session import error_line
        from sagecli.aws.validate import check

        client = self.backend.aws.client(RUNTIME)
        requests = [record_values(r) for r in records]
        for values in requests:
            check(RUNTIME, "PutRecord", {"FeatureGroupName": self.group, "Record": values})
        self.written = [{**r, "api_invocation_time": None} for r in records]

        def put(values: list[dict[str, str]]) -> None:
            client.put_record(FeatureGroupName=self.group, Record=values)

        t0 = time.monotonic()
        pool = ThreadPoolExecutor(PUT_THREADS)
        try:
            list(pool.map(put, requests))
        except Exception as exc:  # botocore ClientError / connection errors
            raise SageCliError(f"PutRecord into {self.group} failed: {error_line(exc)}",
                               hint="everything created before it is torn down now") from None
        finally:  # on a failure or Ctrl-C the queued calls are dropped, so teardown starts at once
            pool.shutdown(wait=True, cancel_futures=True)
        return {"put": len(records), "seconds": round(time.monotonic() - t0, 3)}

    def get_record(self, record_id: str, names: list[str] | None = None) -> dict[str, Any]:
        """GetRecord from the online store through sagemaker-featurestore-runtime."""
        kwargs: dict[str, Any] = {"FeatureGroupName": self.group, "RecordIdentifierValueAsString": record_id}
        if names:
            kwargs["FeatureNames"] = names
        from sagecli.aws.session import error_line
        from sagecli.aws.validate import check

        check(RUNTIME, "GetRecord", kwargs)
        try:
            resp = self.backend.aws.client(RUNTIME).get_record(**kwargs)
        except Exception as exc:  # botocore ClientError / connection errors
            raise SageCliError(f"GetRecord from {self.group} failed: {error_line(exc)}",
                               hint="everything created before it is torn down now") from None
        return {k: v for k, v in resp.items() if k != "ResponseMetadata"}

    def offline_rows(self) -> tuple[list[dict[str, Any]], str]:
        """The records PutRecord accepted (the offline store in S3 lags up to 15 minutes), and that note."""
        return [dict(r) for r in self.written], OFFLINE_LAG_NOTE

    def upload_channel(self, name: str, local_dir: Path) -> str:
        """PutObject the channel's files again, over the process step's objects (train sharded per instance)."""
        from sagecli.aws import api_calls as calls

        b = self.backend
        lay, run_id, count = b.layout, b.ctx.run_id, b.ctx.options.instance_count
        for path in sorted(p for p in local_dir.iterdir() if p.is_file()):
            if name == "train" and count > 1:
                b._upload_shards(path, lay, count)  # the same shards the process step uploaded
            else:
                b.exe.upload(calls.put_object(lay.uri("input", name, path.name), run_id, str(path)), path)
        return lay.uri("input", name) + "/"

    def close(self) -> None:
        """Nothing to release: the group itself is deleted at teardown (its ledger entry)."""
