"""A run-demo result and run folder made by hand (fast, exact) for the record and store tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

RUN_ID = "20260101-120000-5eed07"
TUNING = f"tune-{RUN_ID}"
TRIALS = [f"{TUNING}-001-aaaaaaaa", f"{TUNING}-002-bbbbbbbb", f"{TUNING}-003-cccccccc"]


def write_log(job_dir: Path, rounds: list[tuple[float, float]]) -> None:
    """output/training.log in the built-in XGBoost's format, one line per round."""
    log = job_dir / "output" / "training.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(f"[{i}]#011train-auc:{t:.5f}#011validation-auc:{v:.5f}\n"
                           for i, (t, v) in enumerate(rounds)))


def make_run(root: Path, ok: bool = True, with_tune: bool = True) -> dict[str, Any]:
    """A FlowResult.to_dict() with train, tune (3 trials, the third stopped early), evaluate and register."""
    run_dir = root / "runs" / RUN_ID
    train_dir = run_dir / "jobs" / f"sagecli-{RUN_ID}-train"
    write_log(train_dir, [(0.80, 0.78), (0.85, 0.81), (0.90, 0.83)])
    hps = {"num_round": "3", "eta": "0.2", "max_depth": "4", "seed": "7"}
    steps: list[dict[str, Any]] = [
        {"name": "process", "status": "ok", "duration_s": 0.1, "summary": "", "artifacts": {}, "data": {}},
        {"name": "train", "status": "ok", "duration_s": 1.5, "summary": "", "artifacts": {"job_dir": str(train_dir)},
         "data": {"job_name": f"sagecli-{RUN_ID}-train", "status": "Completed", "input_mode": "Pipe",
                  "hyperparameters": hps, "final_metrics": {"train:auc": 0.9, "validation:auc": 0.83}}}]
    if with_tune:
        objectives = [0.84, 0.86, 0.80]
        for i, name in enumerate(TRIALS):
            job = run_dir / "jobs" / name
            write_log(job, [(0.8, 0.79), (0.85, objectives[i])][: 1 if i == 2 else 2])
            (job / "input" / "config").mkdir(parents=True)
            (job / "input" / "config" / "hyperparameters.json").write_text(
                json.dumps({"num_round": "3", "seed": "7", "eta": str(0.1 * (i + 1)), "max_depth": str(i + 2)}))
        summaries = [{"TrainingJobName": n, "TrainingStartTime": "2026-01-01T12:00:01+00:00",
                      "TrainingEndTime": f"2026-01-01T12:00:0{2 + i}+00:00"} for i, n in enumerate(TRIALS)]
        (run_dir / "tuning" / TUNING).mkdir(parents=True)
        (run_dir / "tuning" / TUNING / "list-training-jobs-for-hyper-parameter-tuning-job.json").write_text(
            json.dumps({"TrainingJobSummaries": summaries}))
        steps.append({"name": "tune", "status": "ok", "duration_s": 4.0, "summary": "", "artifacts": {}, "data": {
            "tuning_job_name": TUNING, "status": "Completed", "strategy": "Bayesian", "sampler": "TPE",
            "objective": {"Type": "Maximize", "MetricName": "validation:auc"}, "max_jobs": 3,
            "max_parallel_jobs": 2, "early_stopping": "Auto", "early_stopped": [TRIALS[2]],
            "best_training_job": {"TrainingJobName": TRIALS[1],
                                  "FinalHyperParameterTuningJobObjectiveMetric": {"Value": 0.86}},
            "jobs": [{"name": n, "status": "Stopped" if i == 2 else "Completed", "objective": objectives[i],
                      "hyperparameters": {"eta": str(0.1 * (i + 1)), "max_depth": str(i + 2)}}
                     for i, n in enumerate(TRIALS)]}})
    steps += [
        {"name": "evaluate", "status": "ok", "duration_s": 0.2, "summary": "", "artifacts": {},
         "data": {"metrics": {"auc": 0.85, "f1": 0.5}}},
        {"name": "register", "status": "ok" if ok else "failed", "duration_s": 0.1, "summary": "", "artifacts": {},
         "data": {"group": "sagecli-demo-churn", "version": 3, "approval_status": "Approved"} if ok else {}},
        {"name": "deploy", "status": "ok" if ok else "skipped", "duration_s": 0.0, "summary": "", "artifacts": {},
         "data": {}}]
    return {"run_id": RUN_ID, "run_dir": str(run_dir), "backend": "local", "ok": ok,
            "error": None if ok else "register: boom", "duration_s": 9.5, "added_steps": [], "steps": steps}


@pytest.fixture
def demo_run(tmp_path: Path) -> dict[str, Any]:
    return make_run(tmp_path)
