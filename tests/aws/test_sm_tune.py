"""The tune step on --backend sagemaker against the fake SageMaker (tests/aws/fakes/tuning.py runs the trials with
the fake container's training): the plan and its price, the run, the best job's model down the flow, the real
DescribeHyperParameterTuningJob response on disk, and StopHyperParameterTuningJob on a failure and on Ctrl-C."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.validate import problems_for
from sagecli.contracts import FlowOptions
from sagecli.flow import tune_spec as spec
from sagecli.flow.runner import run_flow
from tests.aws.conftest import ROLE_ARN
from tests.aws.fakes import tuning
from tests.aws.helpers import backend_options, leftovers
from tests.conftest import ROOT, run_cli

RUN_ID = "20260101-000000-7a7a7a"
AWS_ARGS = ("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1")


@pytest.fixture
def hold():
    tuning.HOLD["in_progress"] = True
    tuning.STOPS.clear()
    yield tuning.STOPS
    tuning.HOLD["in_progress"] = False
    tuning.STOPS.clear()


def _opts(**backend: object) -> FlowOptions:
    return FlowOptions(rows=600, min_auc=0.0, steps=("tune", "evaluate"), tune_max_jobs=3, tune_max_parallel=2,
                       backend_options=backend_options(**backend))


def test_tune_runs_a_tuning_job_and_its_best_model_continues(fake, tmp_path: Path):
    result = run_flow("sagemaker", _opts(), tmp_path / "run", RUN_ID)
    assert result.ok, result.error
    tune = result.step("tune")
    data = tune.data
    assert data["status"] == "Completed" and data["training_job_status_counters"]["Completed"] == 3
    assert data["early_stopped"] == [] and data["sampler"] == "Bayesian: SageMaker's own strategy"
    objectives = [j["objective"] for j in data["jobs"]]
    assert len(objectives) == 3 and data["best_training_job"]["FinalHyperParameterTuningJobObjectiveMetric"][
        "Value"] == max(objectives)
    assert {"max_depth", "eta", "subsample", "grow_policy"} == set(data["jobs"][0]["hyperparameters"])
    # the real response, where the local step writes its look-alike, and it is DescribeHyperParameterTuningJob's shape
    described = json.loads(Path(tune.artifacts["description"]).read_text())
    assert Path(tune.artifacts["description"]).parent == tmp_path / "run" / "tuning" / f"tune-{RUN_ID}"
    spec.check_shape(described, operation="DescribeHyperParameterTuningJob")
    definition = described["TrainingJobDefinition"]
    assert "eta" not in definition["StaticHyperParameters"] and definition["StaticHyperParameters"]["num_round"]
    assert definition["AlgorithmSpecification"]["TrainingImage"].endswith("sagemaker-xgboost:1.7-1")
    # evaluate scored the best job's model
    best = data["best_training_job"]["TrainingJobName"]
    assert tune.artifacts["model_artifact"].endswith(f"/{best}/output/model.tar.gz")
    assert result.step("evaluate").data["metrics"]["auc"] > 0.5
    ledger = Ledger.load(ledger_dir() / f"{RUN_ID}.json")
    kinds = {e.kind: e.state for e in ledger.entries}
    assert kinds["HyperParameterTuningJob"] == "finished" and ledger.live() == []
    assert leftovers(fake, RUN_ID) == []
    assert "CreateTrainingJob" in fake.faults.seen  # the trials trained through the fake container


def test_plan_prices_the_tuning_job_as_max_jobs_training_jobs(fake):
    res = run_cli(*AWS_ARGS, "--steps", "tune,evaluate", "--tune-max-jobs", "6", "--tune-parallel", "2",
                  "--dry-run", "--json")
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    ops = [r["operation"] for r in plan["requests"]]
    assert "CreateHyperParameterTuningJob" in ops and "CreateTrainingJob" not in ops
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    req = next(r["request"] for r in plan["requests"] if r["operation"] == "CreateHyperParameterTuningJob")
    assert req["HyperParameterTuningJobConfig"]["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 6,
                                                                      "MaxParallelTrainingJobs": 2}
    line = next(c for c in plan["cost"] if c["resource"] == "HyperParameterTuningJob")
    one_job = next(c for c in json.loads(run_cli(*AWS_ARGS, "--dry-run", "--json").stdout)["cost"]
                   if c["resource"] == "TrainingJob")
    assert line["instances"] == 2 and "max_jobs x training cost" in line["bound"]
    if one_job["max_usd"] is not None:
        assert line["max_usd"] == pytest.approx(6 * one_job["max_usd"])
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def test_failed_create_tears_down(fake, tmp_path: Path):
    fake.faults.fail = "CreateHyperParameterTuningJob"
    result = run_flow("sagemaker", _opts(), tmp_path / "run", RUN_ID)
    fake.faults.fail = None
    assert not result.ok and "CreateHyperParameterTuningJob failed" in (result.error or "")
    assert leftovers(fake, RUN_ID) == [] and fake.client("s3").list_buckets()["Buckets"] == []


def test_a_wait_that_fails_stops_the_tuning_job(fake, tmp_path: Path, hold):
    result = run_flow("sagemaker", _opts(max_runtime_s=1), tmp_path / "run", RUN_ID)
    assert not result.ok and "still InProgress" in (result.error or "")
    assert hold and hold[0] == f"tune-{RUN_ID}"
    desc = fake.client("sagemaker").describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=f"tune-{RUN_ID}")
    assert desc["HyperParameterTuningJobStatus"] == "Stopped"
    assert Ledger.load(ledger_dir() / f"{RUN_ID}.json").live() == []
    assert leftovers(fake, RUN_ID) == []


def test_ctrl_c_while_tuning_stops_it_and_leaves_nothing(fake, hold):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sagecli", *AWS_ARGS, "--steps", "tune,evaluate", "--yes",
                             "--json", "--rows", "400"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    fake.faults.pid, fake.faults.interrupt = proc.pid, ["DescribeHyperParameterTuningJob"]
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert fake.faults.interrupt == []
    assert len(hold) >= 1 and hold[0].startswith("tune-")
    sm = fake.client("sagemaker")
    assert sm.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=hold[0])["HyperParameterTuningJobStatus"] == "Stopped"
    run_id = next(p.stem for p in ledger_dir().glob("*.json"))
    assert leftovers(fake, run_id) == [] and fake.client("s3").list_buckets()["Buckets"] == []


def test_cleanup_stops_a_killed_runs_tuning_job_by_its_tag(fake, hold):
    from sagecli.aws import api_calls as calls
    from sagecli.aws import tuning_calls

    orphan = "20251231-230000-0d0d0d"
    config = spec.tuning_config("Random", 2, 1, spec.DEFAULT_RANGES, "validation:auc", "Maximize", "Off", 1)
    train = calls.create_training_job(
        name="x", image="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", role_arn=ROLE_ARN,
        channels={"train": "s3://b/t/", "validation": "s3://b/v/"}, hyperparameters={"num_round": "5"},
        input_mode="File", instance_type="ml.m5.xlarge", instance_count=1, output_path="s3://b/o/",
        max_runtime_s=3600, run_id=orphan)
    call = tuning_calls.plan_call(f"tune-{orphan}", config, train, {"eta"}, orphan)
    fake.client("sagemaker").create_hyper_parameter_tuning_job(**call.params)  # a run killed with -9: no teardown
    dry = run_cli("cleanup", "--run-id", orphan, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert [f["kind"] for f in json.loads(dry.stdout)["found"]] == ["HyperParameterTuningJob"]
    done = run_cli("cleanup", "--run-id", orphan, "--yes")
    assert done.returncode == 0, done.stderr
    assert hold == [f"tune-{orphan}"]
    assert fake.client("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=f"tune-{orphan}")["HyperParameterTuningJobStatus"] == "Stopped"


def test_tune_alone_still_checks_the_training_instance_type(fake):
    res = run_cli(*AWS_ARGS, "--steps", "tune,evaluate", "--instance-type", "ml.t2.medium", "--dry-run")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "'ml.t2.medium' is not accepted for training" in res.stderr
