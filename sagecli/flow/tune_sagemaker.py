"""The tune step on --backend sagemaker: a real CreateHyperParameterTuningJob, its best job continues the flow.

The same HyperParameterTuningJobConfig as the local step (sagecli/flow/tune_spec.py), a TrainingJobDefinition made
from the train step's own CreateTrainingJob request, and DescribeHyperParameterTuningJob's real response written
where the local step writes its look-alike (<run>/tuning/<name>/describe-hyper-parameter-tuning-job.json).
AWS picks the hyperparameters here (its Bayesian strategy, not optuna's TPE); the live view shows the training
job counters from each poll. Priced in the plan as MaxNumberOfTrainingJobs x one training job's worst case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sagecli.contracts import FlowOptions, RunState, StepFailed, StepResult, TrainingRequest
from sagecli.flow import tune_spec as spec
from sagecli.flow.tune_spec import DESCRIBE_FILE, JOBS_FILE, OBJECTIVE


@dataclass(frozen=True)
class TuningSettings:
    """What the plan and the step share: the job's name, its config, the static and the tuned hyperparameters."""

    name: str
    config: dict[str, Any]
    static: dict[str, str]
    tuned: frozenset[str]


def tuning_name(run_id: str) -> str:
    """HyperParameterTuningJobName: at most 32 characters."""
    return f"tune-{run_id}"[:32].rstrip("-")


def settings(opts: FlowOptions, run_id: str) -> TuningSettings:
    """The tuning job of a run (the same ranges and objective as the local step)."""
    from sagecli.flow.scoring import DEFAULT_HYPERPARAMETERS

    tuned = frozenset(r["Name"] for group in spec.DEFAULT_RANGES.values() for r in group)
    static = {k: v for k, v in {**DEFAULT_HYPERPARAMETERS, "seed": str(opts.seed), **dict(opts.hyperparameters)}.items()
              if k not in tuned}
    config = spec.tuning_config(opts.tune_strategy, opts.tune_max_jobs, opts.tune_max_parallel, spec.DEFAULT_RANGES,
                                OBJECTIVE, "Maximize", opts.tune_early_stopping, opts.seed)
    return TuningSettings(tuning_name(run_id), config, static, tuned)


def plan_settings(opts: FlowOptions, run_id: str) -> dict[str, Any]:
    """PlanSpec.tuning: what aws/tuning_calls.plan_calls needs."""
    s = settings(opts, run_id)
    return {"name": s.name, "config": s.config, "tuned": sorted(s.tuned)}


def sagemaker_tune_step(run: RunState, res: StepResult) -> None:
    """Run the tuning job on SageMaker; the best training job's ModelArtifacts continue down the flow."""
    from sagecli.paths import atomic_write_text

    opts = run.ctx.options
    s = settings(opts, run.ctx.run_id)
    request = TrainingRequest(
        job_name=f"sagecli-{run.ctx.run_id}-train", channels={k: run.channels[k] for k in ("train", "validation")},
        hyperparameters=dict(s.static), input_mode=opts.input_mode,
        instance_type=opts.instance_type, instance_count=opts.instance_count, tags=run.ctx.tags)
    run.ctx.emit("tune", f"{s.name}: up to {opts.tune_max_jobs} jobs, {opts.tune_max_parallel} at a time "
                         f"({opts.tune_strategy}, on SageMaker)")
    desc, summaries, best_result = run.backend.tune(request, s.name, s.config, set(s.tuned))  # type: ignore[attr-defined]
    folder = run.ctx.run_dir / "tuning" / s.name
    folder.mkdir(parents=True, exist_ok=True)
    describe = folder / DESCRIBE_FILE
    clean = {k: v for k, v in desc.items() if k != "ResponseMetadata"}
    atomic_write_text(describe, json.dumps(clean, indent=2, default=str))
    atomic_write_text(folder / JOBS_FILE, json.dumps({"TrainingJobSummaries": summaries}, indent=2, default=str))
    best = desc.get("BestTrainingJob")
    counters = desc.get("TrainingJobStatusCounters", {})
    res.artifacts = {"description": str(describe)}
    res.data = {"tuning_job_name": s.name, "status": desc["HyperParameterTuningJobStatus"],
                "strategy": opts.tune_strategy, "sampler": f"{opts.tune_strategy}: SageMaker's own strategy",
                "objective": s.config["HyperParameterTuningJobObjective"], "max_jobs": opts.tune_max_jobs,
                "max_parallel_jobs": opts.tune_max_parallel, "early_stopping": opts.tune_early_stopping,
                "early_stopped": [j["TrainingJobName"] for j in summaries if j["TrainingJobStatus"] == "Stopped"],
                "training_job_status_counters": counters,
                "objective_status_counters": desc.get("ObjectiveStatusCounters", {}),
                "best_training_job": json.loads(json.dumps(best, default=str)) if best else None,
                "jobs": [{"name": j["TrainingJobName"], "status": j["TrainingJobStatus"],
                          "objective": j.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value"),
                          "hyperparameters": j.get("TunedHyperParameters", {})} for j in summaries]}
    if run.training is not None:
        res.data["baseline"] = {"job_name": run.training.job_name, OBJECTIVE: run.training.final_metrics.get(OBJECTIVE)}
    if best_result is None or not best_result.model_artifact:
        reason = desc.get("FailureReason", "no training job completed with an objective value")
        raise StepFailed(f"tuning job {s.name} {desc['HyperParameterTuningJobStatus']}: {reason}")
    run.training = best_result
    res.artifacts["model_artifact"] = best_result.model_artifact
    value = float(best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    res.summary = (f"best {best['TrainingJobName'][-12:]} of {len(summaries)}: {OBJECTIVE} {value:.4f}; "
                   f"{counters.get('Completed', 0)} completed, {counters.get('Stopped', 0)} stopped early, "
                   f"{counters.get('NonRetryableError', 0)} failed (SageMaker {opts.tune_strategy})")
