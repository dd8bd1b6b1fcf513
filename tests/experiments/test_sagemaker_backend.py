"""A run-demo on the fake SageMaker (moto on 127.0.0.1) is tracked too: backend tag, final metrics only, trials."""

from __future__ import annotations

import json

import pytest

from tests.aws.conftest import ROLE_ARN, fake, fake_server  # noqa: F401  (pytest fixtures, used by name)
from tests.clifork import MLFLOW
from tests.conftest import run_cli

pytest.importorskip("mlflow")


def test_a_sagemaker_run_is_tracked_with_its_final_metrics(fake, sagecli_home):  # noqa: F811
    res = run_cli("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1", "--yes",
                  "--json", "--rows", "600", "--steps", "process,train,tune,evaluate,register", "--tune-max-jobs", "2",
                  env={"SAGECLI_TRACK": "1"}, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    run = json.loads(res.stdout)
    assert run["tracking"]["runs"] == 1 + 1 + 1 + 2, run["tracking"]  # parent, train, tuning job, two trials
    shown = json.loads(run_cli("experiments", "show", run["run_id"], "--json", preload=MLFLOW).stdout)
    assert shown["tags"]["sagecli.backend"] == "sagemaker"
    assert shown["tags"]["sagecli.model_package_version"].startswith("sagecli-demo-churn/")
    job = json.loads(run_cli("experiments", "show", shown["children"][0]["name"], "--json", preload=MLFLOW).stdout)
    assert job["kind"] == "training-job" and job["params"]["instance_type"] == "ml.m5.xlarge"
    final = next(s for s in run["steps"] if s["name"] == "train")["data"]["final_metrics"]
    assert final and job["metrics"] == {k.replace(":", "_").replace("-", "_"): v for k, v in final.items()}
    assert all(len(points) <= 1 for points in job["curves"].get("series", {}).values())  # no log, no rounds
    trials = shown["trials"]["trials"]
    tune = next(s for s in run["steps"] if s["name"] == "tune")["data"]
    assert [t["name"] for t in trials] == sorted(j["name"] for j in tune["jobs"])
    assert [t["objective"] for t in trials] == [j["objective"] for j in sorted(tune["jobs"], key=lambda j: j["name"])]
