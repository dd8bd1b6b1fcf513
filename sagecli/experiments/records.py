"""A finished run-demo as a tree of run records, built from the flow's result and the run folder's files.

Pure: no mlflow here. store.py writes the tree as MLflow runs: a parent run per demo run, a child run per
training job, and for the tune step a tuning run whose children are the trials. Per-round metrics come from
each job's output/training.log (the same `[round]#011train-auc:...` lines the metric definitions read);
a job with no log (the sagemaker backend keeps its log in CloudWatch) has its final metrics only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# tag keys (MLflow's own names where it has one)
RUN_ID = "sagecli.run_id"
KIND = "sagecli.kind"  # demo | training-job | tuning-job | trial
BACKEND = "sagecli.backend"
MODEL_VERSION = "sagecli.model_package_version"
RUN_NAME = "mlflow.runName"
PARENT = "mlflow.parentRunId"
MAX_PARAM_CHARS = 6000  # MLflow refuses longer parameter values


@dataclass
class Metric:
    """One metric value; step is the boosting round (0 for a single value)."""

    key: str
    value: float
    step: int = 0


@dataclass
class RunRecord:
    """One MLflow run to write, with its children."""

    name: str
    kind: str
    status: str = "FINISHED"  # FINISHED | FAILED | KILLED (MLflow RunStatus)
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    children: list[RunRecord] = field(default_factory=list)

    def count(self) -> int:
        """This run and all its descendants."""
        return 1 + sum(c.count() for c in self.children)


def metric_key(name: str) -> str:
    """`validation:auc` -> `validation_auc`: one spelling for every store (MLflow servers differ on colons)."""
    return name.replace(":", "_").replace("-", "_")


def log_metrics(log: Path) -> list[Metric]:
    """The per-round metrics of a training log (nothing when the log is missing)."""
    from sagecli.train.job import parse_metric_line

    if not log.is_file():
        return []
    out = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        out.extend(Metric(metric_key(p.name), p.value, p.step or 0) for p in parse_metric_line(line))
    return out


def _status(step_status: str) -> str:
    return {"ok": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}.get(step_status, "FINISHED")


def _job_status(status: str) -> str:
    return {"Completed": "FINISHED", "Failed": "FAILED", "Stopped": "KILLED"}.get(status, "FINISHED")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _params(values: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v)[:MAX_PARAM_CHARS] for k, v in values.items() if v is not None}


def _steps(result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in result.get("steps", [])}


def demo_record(result: Mapping[str, Any], options: Any = None) -> RunRecord:
    """The parent run of a run-demo (result: FlowResult.to_dict(); options: its FlowOptions, when known)."""
    steps = _steps(result)
    run_id = str(result["run_id"])
    run_dir = Path(str(result.get("run_dir", ".")))
    base_tags = {RUN_ID: run_id, BACKEND: str(result.get("backend", ""))}
    status = "FINISHED" if result.get("ok", True) else "FAILED"
    if any(s.get("status") == "interrupted" for s in steps.values()):
        status = "KILLED"
    parent = RunRecord(run_id, "demo", status, duration_s=float(result.get("duration_s") or 0.0),
                       tags={**base_tags, KIND: "demo"})
    parent.params = _params(_option_params(options))
    parent.params["steps"] = ",".join(n for n, s in steps.items() if s.get("status") != "skipped")[:MAX_PARAM_CHARS]
    register = steps.get("register", {}).get("data") or {}
    if register.get("version") is not None:
        parent.tags[MODEL_VERSION] = f"{register.get('group')}/{register['version']}"
        parent.tags["sagecli.approval_status"] = str(register.get("approval_status", ""))
    if result.get("error"):
        parent.tags["sagecli.error"] = str(result["error"])[:MAX_PARAM_CHARS]
    evaluation = (steps.get("evaluate", {}).get("data") or {}).get("metrics") or {}
    parent.metrics = [Metric(f"test_{metric_key(k)}", float(v)) for k, v in sorted(evaluation.items())]
    train = steps.get("train")
    if train and train.get("data", {}).get("job_name"):
        parent.children.append(training_record(train, options, base_tags))
        parent.params.update(_params(train["data"].get("hyperparameters", {})))  # the names the jobs use
        parent.metrics += [Metric(metric_key(k), float(v)) for k, v in
                           sorted(train["data"].get("final_metrics", {}).items())]
    tune = steps.get("tune")
    if tune and tune.get("data", {}).get("tuning_job_name"):
        tuning = tuning_record(tune, run_dir, options, base_tags)
        parent.children.append(tuning)
        parent.metrics += [Metric(f"tune_{m.key}", m.value) for m in tuning.metrics]  # the best trial's objective
    return parent


OPTION_NAMES = ("seed", "rows", "input_mode", "instance_type", "instance_count", "inference", "min_auc",
                "model_package_group")


def option_values(options: Any) -> dict[str, Any]:
    """The FlowOptions fields a run records, as plain values (a dict passes through)."""
    if options is None:
        return {}
    if isinstance(options, Mapping):
        return {n: options[n] for n in OPTION_NAMES if n in options}
    return {n: getattr(options, n) for n in OPTION_NAMES if hasattr(options, n)}


def _option_params(options: Any) -> dict[str, Any]:
    return option_values(options)


def _instance_params(options: Any) -> dict[str, str]:
    keep = ("input_mode", "instance_type", "instance_count")
    return _params({k: v for k, v in _option_params(options).items() if k in keep})


def training_record(step: Mapping[str, Any], options: Any, tags: Mapping[str, str]) -> RunRecord:
    """The train step's job: its hyperparameters, input mode, instance type and per-round metrics."""
    data = step.get("data", {})
    rec = RunRecord(str(data["job_name"]), "training-job", _job_status(str(data.get("status", ""))),
                    duration_s=float(step.get("duration_s") or 0.0),
                    tags={**tags, KIND: "training-job", "sagecli.job_name": str(data["job_name"])})
    rec.params = {**_params(data.get("hyperparameters", {})), **_instance_params(options)}
    if data.get("input_mode"):
        rec.params["input_mode"] = str(data["input_mode"])
    job_dir = step.get("artifacts", {}).get("job_dir")
    rec.metrics = log_metrics(Path(job_dir) / "output" / "training.log") if job_dir else []
    rec.metrics += _finals(data.get("final_metrics", {}), rec.metrics)
    return rec


def _finals(final: Mapping[str, Any], rounds: list[Metric]) -> list[Metric]:
    """Final metrics not already in the per-round series (a job without a log has only these)."""
    have = {m.key for m in rounds}
    return [Metric(metric_key(k), float(v)) for k, v in sorted(final.items()) if metric_key(k) not in have]


def tuning_record(step: Mapping[str, Any], run_dir: Path, options: Any, tags: Mapping[str, str]) -> RunRecord:
    """The tune step as a tuning run (strategy, limits, best objective) with one child run per trial."""
    data = step.get("data", {})
    name = str(data["tuning_job_name"])
    objective = (data.get("objective") or {}).get("MetricName", "validation:auc")
    rec = RunRecord(name, "tuning-job", _status(str(step.get("status", ""))),
                    duration_s=float(step.get("duration_s") or 0.0),
                    tags={**tags, KIND: "tuning-job", "sagecli.objective": metric_key(objective),
                          "sagecli.objective_type": str((data.get("objective") or {}).get("Type", "Maximize"))})
    rec.params = _params({"strategy": data.get("strategy"), "max_jobs": data.get("max_jobs"),
                          "max_parallel_jobs": data.get("max_parallel_jobs"),
                          "early_stopping": data.get("early_stopping"), "objective": objective,
                          "sampler": data.get("sampler")})
    best = (data.get("best_training_job") or {}).get("TrainingJobName")
    if best:
        rec.tags["sagecli.best_trial"] = str(best)
        value = ((data.get("best_training_job") or {}).get("FinalHyperParameterTuningJobObjectiveMetric")
                 or {}).get("Value")
        if value is not None:
            rec.metrics.append(Metric(f"best_{metric_key(objective)}", float(value)))
    stopped = set(data.get("early_stopped") or [])
    times = _trial_times(run_dir / "tuning" / name)
    for trial in data.get("jobs", []):
        rec.children.append(trial_record(trial, run_dir, objective, stopped, times, tags, options))
    return rec


def _trial_times(folder: Path) -> dict[str, float]:
    """Trial name -> seconds between TrainingStartTime and TrainingEndTime, from the tuning job's job list."""
    from datetime import datetime

    out: dict[str, float] = {}
    for job in _read_json(folder / "list-training-jobs-for-hyper-parameter-tuning-job.json").get(
            "TrainingJobSummaries", []):
        try:
            start = datetime.fromisoformat(job["TrainingStartTime"])
            end = datetime.fromisoformat(job["TrainingEndTime"])
        except (KeyError, TypeError, ValueError):
            continue
        out[str(job.get("TrainingJobName"))] = max(0.0, (end - start).total_seconds())
    return out


def trial_record(trial: Mapping[str, Any], run_dir: Path, objective: str, stopped: set[str],
                 times: Mapping[str, float], tags: Mapping[str, str], options: Any) -> RunRecord:
    """One tuning trial: every hyperparameter it ran with (static + tuned), its curve and its objective."""
    name = str(trial["name"])
    job_dir = run_dir / "jobs" / name
    rec = RunRecord(name, "trial", _job_status(str(trial.get("status", ""))), duration_s=times.get(name, 0.0),
                    tags={**tags, KIND: "trial", "sagecli.job_name": name,
                          "sagecli.early_stopped": str(name in stopped).lower()})
    static = _read_json(job_dir / "input" / "config" / "hyperparameters.json")
    rec.params = {**_params(static), **_params(trial.get("hyperparameters", {})), **_instance_params(options)}
    rec.params["tuned"] = ",".join(sorted(trial.get("hyperparameters", {})))[:MAX_PARAM_CHARS]
    rec.metrics = log_metrics(job_dir / "output" / "training.log")
    if trial.get("objective") is not None:
        rec.metrics.append(Metric(f"objective_{metric_key(objective)}", float(trial["objective"])))
    return rec
