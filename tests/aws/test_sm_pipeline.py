"""`run-demo --backend sagemaker --as-pipeline` against the fake SageMaker (moto + tests/aws/fakes/pipeline.py):
the plan, one execution, the condition, and teardown of the pipeline and of what its execution created."""

from __future__ import annotations

import json

import pytest

from sagecli.aws import pipeline_calls as pc
from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.validate import problems_for
from tests.aws.conftest import ACCESS_KEY, ROLE_ARN, SECRET_KEY
from tests.aws.helpers import leftovers
from tests.conftest import run_cli

ARGS = ("run-demo", "--backend", "sagemaker", "--as-pipeline", "--role-arn", ROLE_ARN, "--region", "us-east-1",
        "--rows", "400")
STEPS = "process,train,evaluate,register,transform"


def _gone(fake, run_id: str) -> None:
    sm = fake.client("sagemaker")
    assert leftovers(fake, run_id) == []
    assert sm.list_pipelines()["PipelineSummaries"] == []
    assert sm.list_models()["Models"] == []
    assert Ledger.load(ledger_dir() / f"{run_id}.json").live() == []


def test_dry_run_plans_validates_and_prices_the_execution(fake, sagecli_home):
    res = run_cli(*ARGS, "--steps", f"{STEPS},monitor", "--dry-run", "--json")
    assert res.returncode == 0, res.stderr[-2000:]
    plan = json.loads(res.stdout)
    ops = [r["operation"] for r in plan["requests"]]
    assert ops[:2] == ["CreateBucket", "PutBucketTagging"]
    assert ops.index("CreatePipeline") < ops.index("StartPipelineExecution") < ops.index("CreateTrainingJob")
    assert ops.count("CreateProcessingJob") == 3  # Process, DataQualityCheck, Evaluate: sent by the pipeline
    assert {r["request"]["Key"].rsplit("/", 1)[-1] for r in plan["requests"] if r["operation"] == "PutObject"} \
        >= {"process.py", "evaluate.py", "train.csv", "train-features.csv"}
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    location = next(r for r in plan["requests"] if r["operation"] == "CreatePipeline")["request"][
        "PipelineDefinitionS3Location"]
    assert location["ObjectKey"] == f"sagecli/{plan['run_id']}/pipeline.json"
    definition = json.loads((sagecli_home / "runs" / plan["run_id"] / "pipeline.json").read_text())
    assert [s["Type"] for s in definition["Steps"]][:2] == ["Processing", "QualityCheck"]
    priced = {c["resource"].split()[0] for c in plan["cost"]}
    assert {"TrainingJob", "TransformJob", "ProcessingJob"} <= priced
    assert any("new customers cannot use Model Monitor" in n for n in plan["notes"])  # availability
    assert fake.client("sagemaker").list_pipelines()["PipelineSummaries"] == []
    assert "CreatePipeline" not in fake.faults.seen


def test_one_execution_then_everything_is_deleted(fake, sagecli_home):
    res = run_cli(*ARGS, "--steps", STEPS, "--yes", "--json", timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads(res.stdout)
    names = [s["name"] for s in doc["steps"]]
    assert names == ["Process", "Train", "Evaluate", "CheckAuc", "Register", "CreateModel", "Transform", "teardown"]
    assert all(s["status"] == "ok" for s in doc["steps"])
    removed = doc["steps"][-1]["data"]["removed"]
    assert any(r.startswith("Model ") for r in removed) and any(r.startswith("ModelPackage ") for r in removed)
    assert any(r.startswith("Pipeline ") for r in removed)
    _gone(fake, doc["run_id"])
    ops = fake.faults.seen
    assert ops.index("PutObject") < ops.index("CreatePipeline") < ops.index("StartPipelineExecution") \
        < ops.index("ListPipelineExecutionSteps") < ops.index("DeleteModel") < ops.index("DeletePipeline")
    for text in (res.stdout, res.stderr):
        assert ACCESS_KEY not in text and SECRET_KEY not in text


def test_condition_false_fails_the_execution_and_registers_nothing(fake, sagecli_home):
    res = run_cli(*ARGS, "--steps", STEPS, "--min-auc", "0.99", "--yes", timeout=120, env={"COLUMNS": "80"})
    assert res.returncode != 0
    lines = [line for line in res.stderr.splitlines() if line.startswith("Error:")]
    assert lines and "AucTooLow" in lines[0] and "Traceback" not in res.stderr
    table = res.stdout.split("STEP ")[-1].splitlines()
    assert [line.split()[:2] for line in table if line.startswith(("Register", "AucTooLow"))] == [
        ["AucTooLow", "failed"]]  # the else branch ran, Register did not
    assert all(len(line) <= 80 for line in table if not line.startswith("Artifacts:"))
    run_id = json.loads((sagecli_home / "aws" / "runs").iterdir().__next__().read_text())["run_id"]
    _gone(fake, run_id)
    groups = fake.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert groups == []  # the group this run created is deleted with it


@pytest.mark.parametrize("operation", ["CreatePipeline", "StartPipelineExecution"])
def test_a_failed_create_tears_down_what_exists(fake, sagecli_home, operation):
    fake.faults.fail = operation
    res = run_cli(*ARGS, "--steps", "process,train", "--yes", timeout=120)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert f"{operation} failed" in res.stderr
    run_id = json.loads(next((sagecli_home / "aws" / "runs").iterdir()).read_text())["run_id"]
    _gone(fake, run_id)


def test_created_by_reads_step_metadata_and_skips_cache_hits():
    steps = [{"StepName": "Train", "Metadata": {"TrainingJob": {"Arn": "arn:aws:sagemaker:r:1:training-job/t"}}},
             {"StepName": "M", "Metadata": {"Model": {"Arn": "arn:aws:sagemaker:r:1:model/m"}}},
             {"StepName": "P", "CacheHitResult": {"SourcePipelineExecutionArn": "x"},
              "Metadata": {"ProcessingJob": {"Arn": "arn:aws:sagemaker:r:1:processing-job/p"}}},
             {"StepName": "C", "Metadata": {"Condition": {"Outcome": "True"}}}]
    assert pc.created_by(steps) == [("TrainingJob", "t", "arn:aws:sagemaker:r:1:training-job/t"),
                                    ("Model", "m", "arn:aws:sagemaker:r:1:model/m")]


def test_wait_reports_each_change_once():
    class Sm:
        def __init__(self):
            self.n = 0

        def describe_pipeline_execution(self, **kw):
            self.n += 1
            return {"PipelineExecutionStatus": "Succeeded" if self.n >= 3 else "Executing"}

        def list_pipeline_execution_steps(self, **kw):
            status = "Succeeded" if self.n >= 2 else "Executing"
            return {"PipelineExecutionSteps": [{"StepName": "Train", "StepStatus": status}]}

    said = []
    desc = pc.wait_for_execution(Sm(), "arn", said.append, 0, 60, sleep=lambda s: None)
    assert desc["PipelineExecutionStatus"] == "Succeeded"
    assert said == ["Train: Executing", "Train: Succeeded"]


@pytest.mark.parametrize("operation", ["CreatePipeline", "StartPipelineExecution"])
def test_ctrl_c_with_the_answer_lost_still_deletes_what_the_execution_made(fake, sagecli_home, operation):
    """SIGINT arrives after the server has done the call and before sagecli reads its answer."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sagecli", *ARGS, "--steps", STEPS, "--yes", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    fake.faults.pid, fake.faults.interrupt = proc.pid, [operation]
    out, err = proc.communicate(timeout=120)
    assert fake.faults.interrupt == []  # the signal was sent in the middle of the call
    assert proc.returncode == 130, err[-2000:]
    run_id = next(p.stem for p in ledger_dir().glob("*.json"))
    _gone(fake, run_id)
    assert fake.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    assert "Traceback" not in err


def test_cleanup_by_tag_finds_a_left_pipeline(fake, sagecli_home):
    """A pipeline whose ledger is gone is still found by its run-id tag and deleted (sagecli cleanup)."""
    from sagecli.aws.api_calls import tag_list
    from sagecli.aws.session import connect
    from sagecli.aws.sweep import delete_found, find_tagged

    sm = fake.client("sagemaker")
    for name, run_id in (("sagecli-r1-pipeline", "20260101-000000-aaaaaa"), ("other", "20260101-000000-bbbbbb")):
        sm.create_pipeline(PipelineName=name, PipelineDefinition="{}", RoleArn=ROLE_ARN, ClientRequestToken="t" * 32,
                           Tags=tag_list(run_id))
    aws = connect("us-east-1")
    found = [f for f in find_tagged(aws, "20260101-000000-aaaaaa") if f.kind == "Pipeline"]
    assert [f.name for f in found] == ["sagecli-r1-pipeline"]
    delete_found(aws, found, lambda m: None)
    assert [p["PipelineName"] for p in sm.list_pipelines()["PipelineSummaries"]] == ["other"]


BIAS_STEPS = "process,train,evaluate,bias,register,transform"


def test_bias_dry_run_uploads_the_clarify_config_the_check_reads(fake, sagecli_home):
    """The ClarifyCheck's analysis_config input is a file sagecli uploads: the bias step's Clarify config."""
    from sagecli.flow.bias_sagemaker import clarify_config

    res = run_cli(*ARGS, "--steps", BIAS_STEPS, "--dry-run", "--json")
    assert res.returncode == 0, res.stderr[-2000:]
    plan = json.loads(res.stdout)
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    puts = {r["request"]["Key"] for r in plan["requests"] if r["operation"] == "PutObject"}
    prefix = f"sagecli/{plan['run_id']}/clarify/"
    assert {prefix + "analysis_config.json", prefix + "dataset/train-with-facet.csv"} <= puts
    definition = json.loads((sagecli_home / "runs" / plan["run_id"] / "pipeline.json").read_text())
    check = next(s for s in definition["Steps"] if s["Name"] == "BiasCheck")
    uris = {i["InputName"]: i["S3Input"]["S3Uri"] for i in check["Arguments"]["ProcessingInputs"]}
    bucket = uris["analysis_config"].removeprefix("s3://").split("/", 1)[0]
    assert uris == {"analysis_config": f"s3://{bucket}/{prefix}analysis_config.json",
                    "dataset": f"s3://{bucket}/{prefix}dataset/"}
    config = json.loads((sagecli_home / "runs" / plan["run_id"] / "clarify" / "analysis_config.json").read_text())
    assert config == clarify_config(config["headers"], predictor={
        "instance_type": "ml.m5.xlarge", "initial_instance_count": 1, "content_type": "text/csv",
        "accept_type": "text/csv"})  # the bias step's config; the model comes from the step's ModelName
    rows = (sagecli_home / "runs" / plan["run_id"] / "clarify" / "dataset" / "train-with-facet.csv").read_text()
    assert {len(r.split(",")) for r in rows.splitlines()} == {len(config["headers"])}
    jobs = [r for r in plan["requests"] if r["operation"] == "CreateProcessingJob"]
    assert any("clarify" in r["request"]["AppSpecification"]["ImageUri"] for r in jobs)
    priced = [c for c in plan["cost"] if c["resource"] == "ProcessingJob"]
    assert len(priced) == len(jobs) == 3  # Process, Evaluate, BiasCheck (at most its 0.5 h MaxRuntimeInSeconds)
    assert [c["max_hours"] for c in priced].count(0.5) == 1
    shadow = [c for c in plan["cost"] if c["resource"] == "Endpoint"]
    assert len(shadow) == 1 and "shadow" in shadow[0]["bound"] and shadow[0]["max_hours"] == 0.5
    assert shadow[0]["max_usd"] is not None and shadow[0]["max_usd"] > 0
    assert any("Clarify" in n and "shadow" in n for n in plan["notes"])
    assert fake.faults.seen.count("PutObject") == 0 and "CreateBucket" not in fake.faults.seen


def test_bias_execution_runs_the_check_then_everything_is_deleted(fake, sagecli_home):
    res = run_cli(*ARGS, "--steps", BIAS_STEPS, "--yes", "--json", timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads(res.stdout)
    assert [s["name"] for s in doc["steps"]] == ["Process", "Train", "Evaluate", "CreateModel", "BiasCheck",
                                                 "CheckAuc", "Register", "Transform", "teardown"]
    assert all(s["status"] == "ok" for s in doc["steps"]), [s["summary"] for s in doc["steps"]]
    ops = fake.faults.seen
    assert ops.index("PutObject") < ops.index("CreatePipeline")
    _gone(fake, doc["run_id"])


def test_the_fake_clarify_check_fails_without_its_config(fake, sagecli_home, tmp_path):
    """The fake's check can fail: no configuration, then a wrong one, then the uploaded inputs pass."""
    from sagecli.aws.plan import Layout
    from sagecli.contracts import FlowOptions
    from sagecli.flow import pipeline_bias
    from sagecli.flow.pipeline_export import build_definition
    from tests.aws.fakes.pipeline import clarify_problem

    B = "sagecli-fake-clarify"
    s3 = fake.client("s3")
    s3.create_bucket(Bucket=B)
    opts = FlowOptions(rows=400)
    definition, _ = build_definition(opts, ["process", "train", "evaluate", "bias"], run_id="r1", region="us-east-1",
                                     image="img", bucket=B)
    check = next(s for s in definition["Steps"] if s["Name"] == "BiasCheck")
    assert "no analysis configuration" in clarify_problem(s3, check)
    config, rows = pipeline_bias.write_inputs(opts, tmp_path)
    lay = Layout("r1", B)
    key = pipeline_bias.config_uri(lay).removeprefix(f"s3://{B}/")
    s3.put_object(Bucket=B, Key=key, Body=b'{"predictor": {"model_name": "m"}}')
    assert "must not name the model" in clarify_problem(s3, check)
    s3.put_object(Bucket=B, Key=key, Body=config.read_bytes())
    assert "no dataset" in clarify_problem(s3, check)
    s3.put_object(Bucket=B, Key=pipeline_bias.dataset_uri(lay).removeprefix(f"s3://{B}/") + rows.name,
                  Body=rows.read_bytes())
    assert clarify_problem(s3, check) is None


def test_bias_options_the_check_does_not_use_are_named(fake, sagecli_home):
    res = run_cli(*ARGS, "--steps", BIAS_STEPS, "--shap", "--bias-max", "DPPL=0.1", "--dry-run",
                  env={"COLUMNS": "80"})
    assert res.returncode == 0, res.stderr[-2000:]
    note = " ".join(res.stderr.split())
    assert "--as-pipeline: --shap and --bias-max do not apply" in note
    assert all(len(line) <= 80 for line in res.stderr.splitlines())


def test_bias_execution_screen_fits_80_columns(fake, sagecli_home):
    res = run_cli(*ARGS, "--steps", BIAS_STEPS, "--yes", timeout=120, env={"COLUMNS": "80"})
    assert res.returncode == 0, res.stderr[-2000:]
    table = res.stdout.split("STEP ")[-1].splitlines()
    assert [line.split()[:2] for line in table if line.startswith("BiasCheck")] == [["BiasCheck", "ok"]]
    assert all(len(line) <= 80 for line in table if not line.startswith("Artifacts:"))
    note = res.stdout[res.stdout.index("Note: The BiasCheck"):].split("\nNote:")[0].split("\nEvery")[0]
    assert "shadow" in note and all(len(line) <= 80 for line in note.splitlines())  # the plan's note, wrapped
