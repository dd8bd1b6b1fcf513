"""The bias step on --backend sagemaker against the fake SageMaker (tests/aws/fakes/clarify.py plays the Clarify
container): the request and analysis configuration, analysis.json read back into the local step's result, SHAP,
the condition, the plan and its price, the Region check, and teardown after failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.validate import problems_for
from sagecli.contracts import FlowOptions
from sagecli.flow import bias_metrics as bm
from sagecli.flow.data import FEATURES, make_dataset, make_facet
from sagecli.flow.runner import run_flow
from tests.aws.conftest import ROLE_ARN
from tests.aws.fakes import clarify
from tests.aws.helpers import backend_options, leftovers
from tests.conftest import run_cli

RUN_ID = "20260101-000000-b1a5b1"
AWS_ARGS = ("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1")


def _opts(steps=("bias", "register"), **kw) -> FlowOptions:
    backend = kw.pop("backend", {})
    return FlowOptions(rows=800, min_auc=0.0, steps=steps, backend_options=backend_options(**backend), **kw)


def test_bias_runs_a_clarify_job_and_reads_its_analysis(fake, tmp_path: Path):
    result = run_flow("sagemaker", _opts(shap=True), tmp_path / "run", RUN_ID)
    assert result.ok, result.error
    bias = result.step("bias")
    assert bias.data["processing_job_status"] == "Completed" and "Clarify" in bias.summary
    # the pre-training metrics are the published definitions on the same training rows
    ds = make_dataset(7, 800)
    x, y = ds.splits["train"]
    want = bm.pre_training_metrics(y, make_facet(7, "train", y), x[:, [n for n, _ in FEATURES].index("region")])
    assert bias.data["pre_training"] == pytest.approx(want)
    assert set(bias.data["post_training"]) == set(bm.POST_TRAINING) and bias.data["post_training"]["DPPL"] is not None
    # SHAP came back from the job: out.csv has a row per training record, analysis.json the global values
    rows = (tmp_path / "run" / "bias" / "explanations_shap" / "out.csv").read_text().splitlines()
    assert rows[0].split(",") == [n for n, _ in FEATURES] and len(rows) == len(y) + 1
    assert len(bias.data["shap"]["top"]) == 3 and "SHAP top" in bias.summary
    doc = json.loads((tmp_path / "run" / "bias" / "analysis.json").read_text())
    assert doc["explanations"]["kernel_shap"]["label0"]["global_shap_values"].keys() == {n for n, _ in FEATURES}
    # what the job was given: the request and the uploaded analysis configuration
    s3 = fake.client("s3")
    sm = fake.client("sagemaker")
    job = sm.describe_processing_job(ProcessingJobName=f"sagecli-{RUN_ID}-clarify")
    assert job["AppSpecification"]["ImageUri"] == \
        "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
    assert [i["InputName"] for i in job["ProcessingInputs"]] == ["analysis_config", "dataset"]
    assert leftovers(fake, RUN_ID) == [] and s3.list_buckets()["Buckets"] == []  # everything torn down after
    ledger = Ledger.load(ledger_dir() / f"{RUN_ID}.json")
    states = {e.kind: e.state for e in ledger.entries}
    assert states["ProcessingJob"] == "finished" and states["Model"] == "deleted" and ledger.live() == []
    config = json.loads((tmp_path / "run" / "bias" / "analysis_config.json").read_text())
    assert config["excluded_columns"] == ["customer_group"] and "sagecli_condition" not in config
    assert config["methods"]["shap"]["agg_method"] == "mean_abs"


def test_the_condition_reads_clarify_numbers_and_rejects(fake, tmp_path: Path):
    result = run_flow("sagemaker", _opts(bias_max=(("DPPL", 0.0001),)), tmp_path / "run", RUN_ID)
    assert result.ok, result.error
    assert result.step("bias").data["condition"]["passed"] is False
    assert result.step("register").data["approval_status"] == "Rejected"
    assert leftovers(fake, RUN_ID) == []


def test_plan_lists_and_prices_the_clarify_job(fake):
    res = run_cli(*AWS_ARGS, "--steps", "bias,register", "--shap", "--dry-run", "--json")
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    ops = [r["operation"] for r in plan["requests"]]
    assert ops.count("CreateProcessingJob") == 1 and ops.count("CreateModel") == 1
    assert ops.index("CreateTrainingJob") < ops.index("CreateProcessingJob") < ops.index("CreateModelPackage")
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    line = next(c for c in plan["cost"] if c["resource"] == "ProcessingJob")
    assert line["instances"] == 2 and "shadow endpoint" in line["bound"]
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def test_a_region_without_the_clarify_image_is_refused_before_anything(fake):
    res = run_cli(*AWS_ARGS[:-1], "il-central-1", "--steps", "bias", "--dry-run")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "no sagemaker-clarify-processing registry for region 'il-central-1'" in res.stderr
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


@pytest.mark.parametrize("operation", ["CreateProcessingJob", "CreateModel"])
def test_failure_tears_down(fake, tmp_path: Path, operation):
    fake.faults.fail = operation
    result = run_flow("sagemaker", _opts(), tmp_path / "run", RUN_ID)
    fake.faults.fail = None
    assert not result.ok and f"{operation} failed" in (result.error or "")
    assert leftovers(fake, RUN_ID) == [] and fake.client("s3").list_buckets()["Buckets"] == []


def test_a_stuck_job_is_stopped(fake, tmp_path: Path):
    clarify.HOLD["in_progress"] = True
    try:
        result = run_flow("sagemaker", _opts(backend={"max_runtime_s": 1}), tmp_path / "run", RUN_ID)
    finally:
        clarify.HOLD["in_progress"] = False
    assert not result.ok and "still InProgress" in (result.error or "")
    job = fake.client("sagemaker").describe_processing_job(ProcessingJobName=f"sagecli-{RUN_ID}-clarify")
    assert job["ProcessingJobStatus"] == "Stopped"
    assert Ledger.load(ledger_dir() / f"{RUN_ID}.json").live() == [] and leftovers(fake, RUN_ID) == []


def test_a_bad_analysis_config_fails_the_job(fake, tmp_path: Path, monkeypatch):
    from sagecli.flow import bias_sagemaker

    real = bias_sagemaker.clarify_config
    monkeypatch.setattr(bias_sagemaker, "clarify_config",
                        lambda *a, **k: {k2: v for k2, v in real(*a, **k).items() if k2 != "facet"})
    result = run_flow("sagemaker", _opts(), tmp_path / "run", RUN_ID)
    assert not result.ok and "Failed: analysis_config.json lacks facet" in (result.error or "")
    assert leftovers(fake, RUN_ID) == []


def test_cleanup_stops_a_killed_runs_clarify_job_by_its_tag(fake):
    from sagecli.aws.clarify_calls import create_clarify_job

    orphan = "20251231-230000-0e0e0e"
    call = create_clarify_job(name=f"sagecli-{orphan}-clarify",
                              image="205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0",
                              role_arn=ROLE_ARN, config_uri="s3://b/c/analysis_config.json", dataset_uri="s3://b/d/",
                              output_uri="s3://b/o/", instance_type="ml.m5.xlarge", run_id=orphan)
    clarify.HOLD["in_progress"] = True
    try:
        fake.client("sagemaker").create_processing_job(**call.params)  # a run killed with -9: no teardown
    finally:
        clarify.HOLD["in_progress"] = False
    dry = run_cli("cleanup", "--run-id", orphan, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert [f["kind"] for f in json.loads(dry.stdout)["found"]] == ["ProcessingJob"]
    assert run_cli("cleanup", "--run-id", orphan, "--yes").returncode == 0
    job = fake.client("sagemaker").describe_processing_job(ProcessingJobName=f"sagecli-{orphan}-clarify")
    assert job["ProcessingJobStatus"] == "Stopped"


def test_the_whole_demo_with_tune_bias_and_shap_on_the_fake(fake, sagecli_home):
    res = run_cli(*AWS_ARGS, "--steps", "process,tune,evaluate,bias,register,deploy,invoke,transform,monitor",
                  "--tune-max-jobs", "2", "--shap", "--yes", "--json", "--rows", "600", "--min-auc", "0",
                  timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    assert all(s["status"] == "ok" for s in summary["steps"]), [(s["name"], s["summary"]) for s in summary["steps"]]
    assert fake.faults.seen.count("CreateModel") == 1  # the bias step's model is the one deploy and transform use
    assert fake.faults.seen.index("CreateProcessingJob") < fake.faults.seen.index("CreateEndpoint")
    assert leftovers(fake, summary["run_id"]) == [] and fake.client("s3").list_buckets()["Buckets"] == []
