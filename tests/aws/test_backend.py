"""SageMakerBackend against the fake SageMaker: the protocol methods in flow order, teardown, the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.contracts import (
    ChannelData,
    EndpointRequest,
    FlowOptions,
    ModelPackageRequest,
    RunContext,
    TrainingRequest,
    TransformRequest,
)
from sagecli.errors import SageCliError
from sagecli.flow.backends.sagemaker import PlanShown, SageMakerBackend
from tests.aws.conftest import ACCESS_KEY, SECRET_KEY
from tests.aws.helpers import BUCKET, backend_options, leftovers, write_channels

RUN = "20260101-000000-abcdef"
HPS = {"num_round": "5", "objective": "binary:logistic", "eval_metric": "auc"}


def _backend(tmp_path: Path, **opts) -> tuple[SageMakerBackend, RunContext]:
    flow = {k: opts.pop(k) for k in ("instance_count", "keep_endpoint") if k in opts}
    ctx = RunContext(run_id=RUN, run_dir=tmp_path, options=FlowOptions(backend_options=backend_options(**opts), **flow))
    return SageMakerBackend(ctx), ctx


def _drive(backend: SageMakerBackend, ctx: RunContext, tmp_path: Path, keep: bool = False) -> dict:
    """The backend calls in the flow's order, torn down in a finally (as the runner does)."""
    out: dict = {}
    try:
        backend.prepare(ctx)
        dirs = write_channels(tmp_path / "data")
        uris = backend.upload_channels([ChannelData(n, d) for n, d in dirs.items()])
        tr = backend.train(TrainingRequest(job_name=f"sagecli-{RUN}-train",
                                           channels={k: uris[k] for k in ("train", "validation")},
                                           hyperparameters=HPS, instance_count=ctx.options.instance_count))
        out["training"] = tr
        out["model_files"] = backend.download(tr.model_artifact, tmp_path / "model")
        out["package"] = backend.register_model(ModelPackageRequest(
            group_name="sagecli-demo-churn", model_artifact=tr.model_artifact, metrics={"auc": 0.91},
            approval_status="Approved"))
        out["package_spec"] = backend.aws.client("sagemaker").describe_model_package(
            ModelPackageName=out["package"].arn)["InferenceSpecification"]
        ep = backend.deploy(EndpointRequest(endpoint_name=f"sagecli-demo-{RUN}", model_artifact=tr.model_artifact))
        out["endpoint"] = ep
        out["csv"] = backend.invoke(ep, b"0.1,0.2,0.3,0.4\n1.0,-1.0,0.5,0.0\n", inference_id="t-1")
        out["transform"] = backend.batch_transform(TransformRequest(
            job_name=f"sagecli-{RUN}-transform", model_artifact=tr.model_artifact, input_uri=uris["transform"]))
        out["transform_files"] = backend.download(out["transform"].output_uri, tmp_path / "tout")
        out["capture"] = backend.fetch_capture(ep, tmp_path / "capture", min_records=1, timeout_s=1)
    finally:
        out["removed"] = backend.teardown(keep_endpoint=keep)
    return out


def test_whole_lifecycle_then_nothing_left(fake, tmp_path, capsys):
    backend, ctx = _backend(tmp_path)
    out = _drive(backend, ctx, tmp_path)
    assert out["training"].status == "Completed"
    assert [p.name for p in out["model_files"]] == ["model.tar.gz"]
    assert out["package"].version == 1 and out["package"].approval_status == "Approved"
    assert out["package_spec"]["SupportedContentTypes"] == ["text/csv"]  # the XGBoost container takes no JSON
    assert out["endpoint"].status == "InService"
    scores = [float(v) for v in out["csv"].body.decode().split()]
    assert len(scores) == 2 and all(0 < s < 1 for s in scores)
    assert [p.name for p in out["transform_files"]] == ["test.csv.out"]
    assert len(out["transform_files"][0].read_text().splitlines()) == 50
    record = json.loads(out["capture"][0].read_text().splitlines()[0])
    assert record["captureData"]["endpointInput"]["mode"] == "INPUT"
    assert record["eventMetadata"]["inferenceId"] == "t-1"
    assert out["capture"][0].relative_to(tmp_path / "capture").parts[:2] == (f"sagecli-demo-{RUN}", "AllTraffic")
    kinds = [r.kind for r in out["removed"]]
    assert kinds.index("Endpoint") < kinds.index("EndpointConfig") < kinds.index("Model")
    assert kinds.index("ModelPackage") < kinds.index("ModelPackageGroup") < kinds.index("S3Prefix")
    assert kinds[-1] == "S3Bucket"
    assert leftovers(fake, RUN) == []
    assert fake.client("s3").list_buckets()["Buckets"] == []  # the bucket was created by the run, so it went too
    ledger = Ledger.load(ledger_dir() / f"{RUN}.json")
    assert ledger.live() == []
    assert {e.kind: e.state for e in ledger.entries if e.kind.endswith("Job")} == \
        {"TrainingJob": "finished", "TransformJob": "finished"}
    assert {e.state for e in ledger.entries if not e.kind.endswith("Job")} == {"deleted"}
    text = capsys.readouterr().out + (ledger_dir() / f"{RUN}.json").read_text()
    assert ACCESS_KEY not in text and SECRET_KEY not in text


def test_existing_bucket_and_other_objects_are_kept(fake, tmp_path):
    s3 = fake.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="someone-else/data.csv", Body=b"1,2\n")
    backend, ctx = _backend(tmp_path)
    _drive(backend, ctx, tmp_path)
    assert leftovers(fake, RUN) == []
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["someone-else/data.csv"]


def test_sharded_training_input_with_several_instances(fake, tmp_path):
    backend, ctx = _backend(tmp_path, instance_count=2)
    backend.prepare(ctx)
    try:
        uris = backend.upload_channels([ChannelData(n, d) for n, d in write_channels(tmp_path / "d").items()])
        keys = [o["Key"] for o in fake.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"sagecli/{RUN}/input/train/")
                ["Contents"]]
        assert [k.rsplit("/", 1)[1] for k in keys] == ["train-part00.csv", "train-part01.csv"]
        backend.train(TrainingRequest(job_name=f"sagecli-{RUN}-train", channels={"train": uris["train"]},
                                      hyperparameters=HPS, instance_count=2))
        job = fake.client("sagemaker").describe_training_job(TrainingJobName=f"sagecli-{RUN}-train")
        assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] == "ShardedByS3Key"
    finally:
        backend.teardown()
    assert leftovers(fake, RUN) == []


def test_keep_endpoint_keeps_what_serves_and_says_it_bills(fake, tmp_path):
    backend, ctx = _backend(tmp_path)
    out = _drive(backend, ctx, tmp_path, keep=True)
    left = leftovers(fake, RUN)
    assert any(x.startswith("Endpoints:") for x in left) and any(x.startswith("Models:") for x in left)
    assert not any(x.startswith("package:") or x.startswith("ModelPackageGroupSummaryList") for x in left)
    note = backend.kept_endpoint_note(out["endpoint"])
    assert "billing per instance-hour" in note and f"sagecli cleanup --run-id {RUN}" in note
    assert "sagecli endpoint stop" not in note


def test_dry_run_stops_after_the_plan(fake, tmp_path, capsys):
    backend, ctx = _backend(tmp_path, dry_run=True)
    with pytest.raises(PlanShown) as stop:
        backend.prepare(ctx)
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "account 123456789012, region us-east-1" in out and "CreateEndpoint" in out
    assert fake.client("s3").list_buckets()["Buckets"] == []
    assert not [op for op in fake.faults.seen if op.startswith("Create") or op.startswith("Put")]


def test_failed_training_job_is_reported_not_raised(fake, tmp_path, monkeypatch):
    backend, ctx = _backend(tmp_path)
    backend.prepare(ctx)
    try:
        uris = backend.upload_channels([ChannelData(n, d) for n, d in write_channels(tmp_path / "d").items()])
        real = backend.aws.client("sagemaker").describe_training_job

        def failed(**kw):
            desc = real(**kw)
            return {**desc, "TrainingJobStatus": "Failed", "FailureReason": "AlgorithmError: bad csv"}

        monkeypatch.setattr(backend.aws.client("sagemaker"), "describe_training_job", failed)
        result = backend.train(TrainingRequest(job_name=f"sagecli-{RUN}-train", channels={"train": uris["train"]},
                                               hyperparameters=HPS))
        assert result.status == "Failed" and result.failure_reason == "AlgorithmError: bad csv"
    finally:
        backend.teardown()
    assert leftovers(fake, RUN) == []


def test_teardown_failure_names_the_cleanup_command(fake, tmp_path):
    backend, ctx = _backend(tmp_path)
    with pytest.raises(SageCliError) as err:
        try:
            backend.prepare(ctx)
            backend.upload_channels([ChannelData(n, d) for n, d in write_channels(tmp_path / "d").items()])
            fake.faults.fail = "DeleteObjects"
        finally:
            backend.teardown()
    assert f"sagecli cleanup --run-id {RUN}" in err.value.hint
    assert "S3Prefix" in err.value.message
    fake.faults.reset()
    states = {e.kind: e.state for e in Ledger.load(ledger_dir() / f"{RUN}.json").live()}
    assert states == {"S3Bucket": "kept", "S3Prefix": "delete_failed"}


def test_json_instances_become_csv_the_container_accepts():
    from sagecli.aws.preflight import json_instances_to_csv

    assert json_instances_to_csv(b'{"instances": [[1, 2.5, -3e-05], [0, 0.1, 7]]}') == b"1,2.5,-3e-05\n0,0.1,7\n"
    assert json_instances_to_csv(b"[[1, 2]]") == b"1,2\n"
    for body in (b"not json", b'{"instances": []}', b'{"instances": [["a"]]}', b'{"data": 1}', b"[[true]]"):
        assert json_instances_to_csv(body) is None


def _train_and_deploy(backend, ctx, tmp_path):
    """Prepare, upload the channels, train and deploy: the endpoint the invoke-side tests start from."""
    backend.prepare(ctx)
    uris = backend.upload_channels([ChannelData(n, d) for n, d in write_channels(tmp_path / "d").items()])
    tr = backend.train(TrainingRequest(job_name=f"sagecli-{RUN}-train", channels={"train": uris["train"]},
                                       hyperparameters=HPS))
    return backend.deploy(EndpointRequest(endpoint_name=f"sagecli-demo-{RUN}", model_artifact=tr.model_artifact))


def test_json_request_through_the_backend(fake, tmp_path):
    backend, ctx = _backend(tmp_path)
    try:
        ep = _train_and_deploy(backend, ctx, tmp_path)
        out = backend.invoke(ep, b'{"instances": [[0.1, 0.2, 0.3, 0.4]]}', "application/json", "application/json")
        assert len(json.loads(out.body)["predictions"]) == 1
        raw = backend.aws.client("sagemaker-runtime")
        with pytest.raises(Exception, match="415"):  # what the real container says to application/json
            raw.invoke_endpoint(EndpointName=ep.name, Body=b'{"instances": [[1]]}', ContentType="application/json")
    finally:
        backend.teardown()


def test_monitoring_schedule_refused_is_a_warning(fake, tmp_path):
    backend, ctx = _backend(tmp_path, monitoring_schedule=True)
    said: list[str] = []
    ctx.emit = lambda step, message: said.append(message)
    fake.faults.fail = "CreateMonitoringSchedule"  # as for an account Model Monitor no longer accepts
    try:
        ep = _train_and_deploy(backend, ctx, tmp_path)
        assert ep.status == "InService"
        assert any("monitoring schedule not created" in m for m in said)
    finally:
        backend.teardown()
    assert leftovers(fake, RUN) == []
