"""The features step on `--backend sagemaker` against the fake SageMaker: CreateFeatureGroup in the plan and the
ledger, PutRecord/GetRecord through sagemaker-featurestore-runtime, the training channel rebuilt point in time,
DeleteFeatureGroup at teardown, and a failure at CreateFeatureGroup leaving nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.validate import problems_for
from sagecli.contracts import FlowOptions
from sagecli.errors import UsageError
from sagecli.flow.runner import run_flow
from tests.aws.conftest import ROLE_ARN
from tests.aws.fakes import featurestore
from tests.aws.helpers import BUCKET, backend_options, leftovers
from tests.conftest import run_cli

RUN_ID = "20260101-000000-fea7e5"
GROUP = f"sagecli-{RUN_ID}-features"


def _options(**extra) -> FlowOptions:
    return FlowOptions(rows=400, steps=("process", "features", "train"), min_auc=0.0,
                       backend_options=backend_options(), **extra)


def test_feature_group_round_trip_and_teardown(fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sagecli.aws.featurestore_calls import AwsFeatureStore

    featurestore.CALLS.clear()
    uploads: list[tuple[str, bytes]] = []
    original = AwsFeatureStore.upload_channel

    def upload_channel(self, name: str, local_dir: Path) -> str:
        uri = original(self, name, local_dir)
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        body = fake.client("s3").get_object(Bucket=bucket, Key=key + "train.csv")["Body"].read()
        uploads.append((uri, body))
        return uri

    monkeypatch.setattr(AwsFeatureStore, "upload_channel", upload_channel)
    result = run_flow("sagemaker", _options(), tmp_path / "run", RUN_ID)
    assert result.ok, result.error
    step = result.step("features")
    data = step.data
    assert data["feature_group"] == GROUP and data["status"] == "Created"
    assert featurestore.CALLS["PutRecord"] == data["record_versions"] == data["put"]["put"] > 400
    # GetRecord answers from the online store: the newest version, written after the label event
    got = {f["FeatureName"]: f["ValueAsString"] for f in data["online_store"]["get_record"]["response"]["Record"]}
    at_label = data["point_in_time"]["probe_at_label"]
    assert got["record_id"] == data["online_store"]["get_record"]["record_id"]
    assert int(got["support_calls"]) == at_label["support_calls"] + 4 and got["autopay"] == "0"
    resolved = data["offline_store"]["resolved_uri"]
    assert resolved.startswith(f"s3://{BUCKET}/sagecli/{RUN_ID}/feature-store/123456789012/sagemaker/us-east-1/"
                               f"offline-store/{GROUP}-") and resolved.endswith("/data")
    assert "15 minutes" in data["offline_store"]["source"]  # said honestly: the join ran over what PutRecord took
    assert f"sagecli cleanup --run-id {RUN_ID}" in data["after_teardown"]
    pit = data["point_in_time"]
    assert pit["rows"] == pit["label_events"] == 280 and pit["future_versions_excluded"] > 0
    assert pit["naive_latest_join_would_leak_rows"] == pit["future_versions_excluded"]
    # the train channel in S3 was replaced by the point-in-time rows, before the training job read it
    assert uploads == [(f"s3://{BUCKET}/sagecli/{RUN_ID}/input/train/",
                        (tmp_path / "run" / "data" / "train" / "train.csv").read_bytes())]
    assert uploads[0][1].count(b"\n") == 280
    assert result.step("train").data["status"] == "Completed"
    s3 = fake.client("s3")
    # teardown deleted the group (newest first, before the S3 prefix) and the ledger agrees
    removed = result.step("teardown").data["removed"]
    assert f"FeatureGroup {GROUP}" in removed
    assert removed.index(f"FeatureGroup {GROUP}") < removed.index(f"S3Prefix s3://{BUCKET}/sagecli/{RUN_ID}/")
    assert featurestore.CALLS["DeleteFeatureGroup"] == 1
    sm = fake.client("sagemaker")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_feature_group(FeatureGroupName=GROUP)
    ledger = Ledger.load(ledger_dir() / f"{RUN_ID}.json")
    assert ledger.live() == []
    entry = next(e for e in ledger.entries if e.kind == "FeatureGroup")
    assert entry.arn and entry.arn.endswith(f":feature-group/{GROUP}")
    assert leftovers(fake, RUN_ID) == [] and s3.list_buckets()["Buckets"] == []


def test_plan_shows_the_feature_group_and_creates_nothing(fake):
    res = run_cli("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1",
                  "--steps", "process,features,train", "--rows", "400", "--dry-run", "--json")
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    ops = [r["operation"] for r in plan["requests"]]
    assert ops.index("CreateFeatureGroup") < ops.index("PutRecord") < ops.index("CreateTrainingJob")
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    create = plan["requests"][ops.index("CreateFeatureGroup")]
    assert create["creates"] == "FeatureGroup"
    assert create["request"]["OnlineStoreConfig"] == {"EnableOnlineStore": True}
    assert create["request"]["OfflineStoreConfig"]["S3StorageConfig"]["S3Uri"].endswith("/feature-store")
    assert create["request"]["RecordIdentifierFeatureName"] == "record_id"
    put = plan["requests"][ops.index("PutRecord")]
    assert put["service"] == "sagemaker-featurestore-runtime" and "record versions, one call each" in put["summary"]
    cost = next(c for c in plan["cost"] if c["resource"] == "FeatureGroup")
    assert cost["instance_type"] == "OnDemand" and cost["usd_per_hour"] is None and cost["max_usd"] is None
    assert f"({_count(put['summary'])} PutRecord, 1 GetRecord)" in cost["bound"]
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def _count(summary: str) -> int:
    import re

    return int(re.search(r"(\d+) record versions", summary).group(1))


@pytest.mark.parametrize("operation", ["CreateFeatureGroup", "PutRecord", "GetRecord"])
def test_failure_at_each_feature_store_call_tears_down_the_rest(fake, tmp_path: Path, operation: str):
    fake.faults.fail = operation
    result = run_flow("sagemaker", _options(), tmp_path / "run", RUN_ID)
    fake.faults.fail = None
    assert not result.ok and operation in (result.error or "") and "failed" in (result.error or "")
    assert not fake.client("sagemaker").list_feature_groups()["FeatureGroupSummaries"]
    assert result.step("train").status == "skipped"
    assert leftovers(fake, RUN_ID) == [] and fake.client("s3").list_buckets()["Buckets"] == []
    assert Ledger.load(ledger_dir() / f"{RUN_ID}.json").live() == []


def test_too_many_rows_for_put_record_is_refused_before_anything(fake, tmp_path: Path):
    opts = FlowOptions(rows=20_001, steps=("process", "features"), backend_options=backend_options())
    with pytest.raises(UsageError, match="at most 20000 --rows"):
        run_flow("sagemaker", opts, tmp_path / "run", RUN_ID)
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def test_cleanup_by_tag_finds_and_deletes_a_left_feature_group(fake, tmp_path: Path, monkeypatch):
    from sagecli.aws import session
    from sagecli.aws.api_calls import tag_list
    from sagecli.aws.sweep import delete_found, find_tagged

    sm = fake.client("sagemaker")
    sm.create_feature_group(FeatureGroupName=GROUP, RecordIdentifierFeatureName="record_id",
                            EventTimeFeatureName="event_time", RoleArn=ROLE_ARN, Tags=tag_list(RUN_ID),
                            FeatureDefinitions=[{"FeatureName": "record_id", "FeatureType": "String"},
                                                {"FeatureName": "event_time", "FeatureType": "String"}],
                            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/x"}})
    sm.create_feature_group(FeatureGroupName="someone-elses", RecordIdentifierFeatureName="record_id",
                            EventTimeFeatureName="event_time", RoleArn=ROLE_ARN,
                            FeatureDefinitions=[{"FeatureName": "record_id", "FeatureType": "String"},
                                                {"FeatureName": "event_time", "FeatureType": "String"}],
                            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/y"}})
    aws = session.connect("us-east-1")
    warnings: list[str] = []
    found = [f for f in find_tagged(aws, run_id=RUN_ID, warn=warnings.append)]
    assert [(f.kind, f.name) for f in found] == [("FeatureGroup", GROUP)] and warnings == []
    assert delete_found(aws, found, lambda m: None) == []
    names = [g["FeatureGroupName"] for g in sm.list_feature_groups()["FeatureGroupSummaries"]]
    assert names == ["someone-elses"]


def test_rebuilt_train_channel_keeps_one_shard_per_instance(fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sagecli.aws.featurestore_calls import AwsFeatureStore

    seen: dict[str, bytes] = {}
    original = AwsFeatureStore.upload_channel

    def upload_channel(self, name: str, local_dir: Path) -> str:
        uri = original(self, name, local_dir)
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        s3 = fake.client("s3")
        for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
            seen[obj["Key"].rsplit("/", 1)[-1]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        return uri

    monkeypatch.setattr(AwsFeatureStore, "upload_channel", upload_channel)
    opts = FlowOptions(rows=400, steps=("process", "features"), instance_count=2, backend_options=backend_options())
    result = run_flow("sagemaker", opts, tmp_path / "run", RUN_ID)
    assert result.ok, result.error
    assert sorted(seen) == ["train-part00.csv", "train-part01.csv"]  # ShardedByS3Key, as the process step uploaded
    lines = (tmp_path / "run" / "data" / "train" / "train.csv").read_bytes().splitlines(keepends=True)
    assert seen["train-part00.csv"] == b"".join(lines[0::2]) and seen["train-part01.csv"] == b"".join(lines[1::2])
    assert leftovers(fake, RUN_ID) == []


class _Settling:
    """A feature group still Creating for two polls: DeleteFeatureGroup is refused until it is Created."""

    def __init__(self) -> None:
        self.statuses = ["Creating", "Creating", "Created"]
        self.deletes = 0

    def delete_feature_group(self, FeatureGroupName: str) -> None:  # noqa: N803 (boto3's spelling)
        from botocore.exceptions import ClientError

        self.deletes += 1
        if self.statuses[0] == "Creating":
            raise ClientError({"Error": {"Code": "ResourceInUse", "Message": "still Creating"}}, "DeleteFeatureGroup")

    def describe_feature_group(self, FeatureGroupName: str) -> dict:  # noqa: N803
        return {"FeatureGroupStatus": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}


def test_teardown_waits_for_a_group_still_creating():
    from botocore.exceptions import ClientError

    from sagecli.aws.featurestore_calls import delete_feature_group

    sm = _Settling()
    assert delete_feature_group(sm, GROUP, poll_s=0.0) == "deleted (after it left Creating)"
    assert sm.deletes == 3
    stuck = _Settling()
    stuck.statuses = ["Creating"] * 100
    with pytest.raises(ClientError):  # still Creating when the wait runs out: the error reaches the ledger
        delete_feature_group(stuck, GROUP, poll_s=0.0, settle_s=0.0)


def test_the_cli_runs_the_features_step_on_the_fake(fake, sagecli_home):
    res = run_cli("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1",
                  "--steps", "features", "--rows", "400", "--yes", "--json", timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    assert [(s["name"], s["status"]) for s in summary["steps"]] == [
        ("process", "ok"), ("features", "ok"), ("teardown", "ok")]  # process added, teardown because of the group
    assert summary["added_steps"] == ["process"]
    assert any(r.startswith("FeatureGroup sagecli-") for r in summary["steps"][2]["data"]["removed"])
    assert "Traceback" not in res.stderr and leftovers(fake, summary["run_id"]) == []
