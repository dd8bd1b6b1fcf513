"""A demo's result and run folder -> the tree of MLflow runs to write (pure: no mlflow)."""

from __future__ import annotations

from pathlib import Path

from sagecli.contracts import FlowOptions
from sagecli.experiments.records import Metric, demo_record, log_metrics, metric_key
from tests.experiments.conftest import RUN_ID, TRIALS, TUNING, make_run


def test_parent_run_has_options_hyperparameters_evaluation_and_tags(demo_run):
    rec = demo_record(demo_run, FlowOptions(rows=500, instance_type="ml.c5.xlarge", input_mode="Pipe"))
    assert (rec.name, rec.kind, rec.status, rec.duration_s) == (RUN_ID, "demo", "FINISHED", 9.5)
    assert rec.params["rows"] == "500" and rec.params["instance_type"] == "ml.c5.xlarge"
    assert rec.params["eta"] == "0.2" and rec.params["input_mode"] == "Pipe"
    assert rec.params["steps"] == "process,train,tune,evaluate,register,deploy"
    assert rec.tags == {"sagecli.run_id": RUN_ID, "sagecli.backend": "local", "sagecli.kind": "demo",
                        "sagecli.model_package_version": "sagecli-demo-churn/3", "sagecli.approval_status": "Approved"}
    assert Metric("test_auc", 0.85) in rec.metrics and Metric("test_f1", 0.5) in rec.metrics
    assert Metric("validation_auc", 0.83) in rec.metrics  # the training job's final value
    assert Metric("tune_best_validation_auc", 0.86) in rec.metrics
    assert [c.kind for c in rec.children] == ["training-job", "tuning-job"]
    assert rec.count() == 1 + 1 + 1 + 3


def test_training_job_run_has_a_metric_per_boosting_round(demo_run):
    job = demo_record(demo_run, FlowOptions(instance_type="ml.m5.2xlarge")).children[0]
    assert job.name == f"sagecli-{RUN_ID}-train"
    assert job.params == {"num_round": "3", "eta": "0.2", "max_depth": "4", "seed": "7", "input_mode": "Pipe",
                          "instance_type": "ml.m5.2xlarge", "instance_count": "1"}
    assert [(m.key, m.step, m.value) for m in job.metrics if m.key == "validation_auc"] == [
        ("validation_auc", 0, 0.78), ("validation_auc", 1, 0.81), ("validation_auc", 2, 0.83)]
    assert len(job.metrics) == 6  # the final values are the last rounds: not logged twice


def test_tuning_run_has_one_child_per_trial_with_objective_and_early_stopping(demo_run):
    tuning = demo_record(demo_run).children[1]
    assert tuning.name == TUNING and tuning.params["strategy"] == "Bayesian"
    assert tuning.tags["sagecli.best_trial"] == TRIALS[1] and tuning.tags["sagecli.objective"] == "validation_auc"
    assert [t.name for t in tuning.children] == TRIALS
    third = tuning.children[2]
    assert third.status == "KILLED" and third.tags["sagecli.early_stopped"] == "true"
    assert third.params["eta"] == "0.30000000000000004" and third.params["tuned"] == "eta,max_depth"
    assert third.params["num_round"] == "3"  # the static hyperparameters from the job's own config
    assert Metric("objective_validation_auc", 0.80) in third.metrics
    assert [m.step for m in third.metrics if m.key == "train_auc"] == [0]  # stopped after one round
    assert [t.duration_s for t in tuning.children] == [1.0, 2.0, 3.0]


def test_failed_run_is_failed_and_keeps_the_error(tmp_path):
    rec = demo_record(make_run(tmp_path, ok=False, with_tune=False))
    assert rec.status == "FAILED" and rec.tags["sagecli.error"] == "register: boom"
    assert "sagecli.model_package_version" not in rec.tags
    assert "register" in rec.params["steps"] and "deploy" not in rec.params["steps"]  # skipped steps left out
    assert [c.kind for c in rec.children] == ["training-job"]


def test_a_job_without_a_log_keeps_its_final_metrics(demo_run):
    train = next(s for s in demo_run["steps"] if s["name"] == "train")
    train["artifacts"] = {}  # the sagemaker backend: the log is in CloudWatch
    job = demo_record(demo_run).children[0]
    assert job.metrics == [Metric("train_auc", 0.9), Metric("validation_auc", 0.83)]


def test_log_metrics_reads_rounds_and_ignores_other_lines(tmp_path: Path):
    log = tmp_path / "training.log"
    log.write_text("starting\n[0]\ttrain-auc:0.5\tvalidation-auc:0.4\n[1]#011train-logloss:0.3\nTraceback\n")
    assert log_metrics(log) == [Metric("train_auc", 0.5, 0), Metric("validation_auc", 0.4, 0),
                                Metric("train_logloss", 0.3, 1)]
    assert log_metrics(tmp_path / "missing.log") == []
    assert metric_key("validation:auc") == "validation_auc"
