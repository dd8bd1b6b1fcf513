"""The tune step: Automatic Model Tuning of the built-in XGBoost job, on this machine.

A tuning job asks an optimiser for hyperparameters, runs up to MaxParallelTrainingJobs training jobs at once
(each a full SageMaker-shaped job directory under <run>/jobs/, run by sagecli/train/job.py as its own
process), reads each job's objective from its log with the metric definition's regex (validation:auc for
XGBoost), stops jobs early when TrainingJobEarlyStoppingType is Auto (sagecli/flow/tune_spec.py has the
rule), and writes <run>/tuning/<name>/describe-hyper-parameter-tuning-job.json shaped like
DescribeHyperParameterTuningJob. The best job becomes the run's training result: evaluate, register and
deploy use its model.

What stands in for AWS's search strategies (optuna, https://optuna.readthedocs.io):
- Random: optuna's RandomSampler (independent uniform draws, log-uniform for Logarithmic ranges).
- Bayesian: optuna's TPESampler (Tree-structured Parzen Estimator, with the constant liar for jobs still
  running). AWS describes its Bayesian strategy as treating tuning as a regression problem that balances
  exploring new regions against refining good ones
  (https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-how-it-works.html) and does not
  publish its model; TPE is one Bayesian optimisation algorithm, not AWS's, so the jobs it picks differ from
  AWS's. The first jobs are random draws (n_startup_trials) before TPE models the results.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagecli.contracts import COMPLETED, FAILED, STOPPED, RunState, StepFailed, StepResult, TrainingResult
from sagecli.flow import tune_spec as spec

DESCRIBE_FILE = spec.DESCRIBE_FILE
JOBS_FILE = spec.JOBS_FILE
OBJECTIVE = spec.OBJECTIVE


def sampler_note(strategy: str, max_jobs: int) -> str:
    """One honest line on which optuna sampler stands in for the strategy."""
    if strategy == "Random":
        return "Random: optuna RandomSampler"
    return f"Bayesian: optuna TPE stands in, {startup_trials(max_jobs)} random starts"


def startup_trials(max_jobs: int) -> int:
    """Random draws TPE makes before modelling: half the jobs, at least 1, at most optuna's default 10."""
    return max(1, min(10, max_jobs // 2))


def _sampler(strategy: str, seed: int, max_jobs: int) -> Any:
    import optuna

    if strategy == "Random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials(max_jobs), constant_liar=True)


def _distributions(ranges: list[spec.Range]) -> dict[str, Any]:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for r in ranges:
        if r.kind == "integer":
            out[r.name] = IntDistribution(int(r.low), int(r.high), log=r.log)
        elif r.kind == "continuous":
            out[r.name] = FloatDistribution(r.low, r.high, log=r.log)
        else:
            out[r.name] = CategoricalDistribution(list(r.values))
    return out


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def training_job_name(tuning_name: str, index: int) -> str:
    """<tuning-job>-<NNN>-<8 hex>, as the training jobs of a SageMaker tuning job are named."""
    tag = f"{zlib.crc32(f'{tuning_name}/{index}'.encode()):08x}"
    return f"{tuning_name}-{index:03d}-{tag}"


@dataclass
class TuningOutcome:
    """What run_tuning returns: the description, the per-job summaries and results, the best job's result."""

    description: dict[str, Any]
    summaries: list[dict[str, Any]]
    results: dict[str, TrainingResult]
    best: TrainingResult | None
    max_running: int = 0  # the most training jobs that ran at the same time
    early_stopped: list[str] = field(default_factory=list)


def run_tuning(tuning_name: str, run_dir: Path, channels: Mapping[str, Path], static_hps: Mapping[str, str],
               config: Mapping[str, Any], seed: int, clock: Callable[[], float] = time.time,
               input_mode: str = "File", instance_type: str = "ml.m5.xlarge", entry_point: Path | None = None,
               on_event: Callable[[str], None] = lambda msg: None) -> TuningOutcome:
    """Run the tuning job described by `config` (HyperParameterTuningJobConfig) to the end."""
    import optuna

    from sagecli.procgroup import stop_group
    from sagecli.train.job import run_training_job

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ranges = spec.parse_ranges(config["ParameterRanges"])
    objective = config["HyperParameterTuningJobObjective"]
    maximize = objective["Type"] == "Maximize"
    regex = spec.XGBOOST_METRIC_REGEX[objective["MetricName"]]
    limits = config["ResourceLimits"]
    max_jobs, max_parallel = limits["MaxNumberOfTrainingJobs"], limits["MaxParallelTrainingJobs"]
    early = config.get("TrainingJobEarlyStoppingType", "Off") == "Auto"
    study = optuna.create_study(direction="maximize" if maximize else "minimize",
                                sampler=_sampler(config["Strategy"], seed, max_jobs))
    dists = _distributions(ranges)
    by_name = {r.name: r for r in ranges}
    created = clock()
    lock = threading.Lock()
    curves: dict[int, list[float]] = {}  # job index -> objective per epoch so far
    procs: dict[int, int] = {}  # job index -> pid of a running job
    stopped: set[int] = set()
    finished: set[int] = set()  # jobs that ended: the "previously completed training jobs" early stopping uses
    running = [0, 0]  # now, most at once
    starts: dict[int, float] = {}  # job index -> when its process started (TrainingStartTime)
    cancelled = [False]  # set when the step stops (Ctrl-C, an error): a job starting after that is stopped
    summaries: dict[int, dict[str, Any]] = {}
    results: dict[str, TrainingResult] = {}
    pattern = re.compile(regex)

    def job(index: int, hps: dict[str, str], name: str) -> TrainingResult:
        def on_line(line: str) -> None:
            m = pattern.match(line)
            if not m:
                return
            with lock:
                curve = curves[index]
                curve.append(float(m.group(1)))
                earlier = [list(curves[i]) for i in finished]
                if not early or index in stopped or not spec.should_stop_early(curve, earlier, maximize):
                    return
                stopped.add(index)
                pid = procs.get(index)
            if pid is not None:  # the job's own process group; run_training_job reaps it when it ends
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGTERM)

        def on_start(proc: Any) -> None:
            with lock:
                procs[index] = proc.pid
                starts[index] = clock()
                running[0] += 1
                running[1] = max(running[1], running[0])
                late = cancelled[0]
            if late:  # started while the step was being stopped: stop it at once
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)

        try:
            return run_training_job(run_dir / "jobs" / name, name, channels, {**static_hps, **hps},
                                    input_mode=input_mode, instance_type=instance_type, entry_point=entry_point,
                                    on_line=on_line,
                                    on_start=on_start)
        finally:
            with lock:
                if procs.pop(index, None) is not None:
                    running[0] -= 1

    def finish(index: int, trial: Any, hps: dict[str, str], name: str, started: float, fut: Future) -> None:
        result = fut.result()
        values = spec.objective_values(_read_lines(result.log_path), regex)  # the log, read as SageMaker does
        if index in stopped and result.status != COMPLETED:  # a job that ended before the stop took effect completed
            result = replace(result, status=STOPPED, secondary_status="Stopped", model_artifact=None,
                             failure_reason=None)
        results[name] = result
        summary: dict[str, Any] = {
            "TrainingJobName": name, "TrainingJobArn": f"arn:aws:sagemaker:local:000000000000:training-job/{name}",
            "TuningJobName": tuning_name, "CreationTime": _iso(started),
            "TrainingStartTime": _iso(starts.get(index, started)),
            "TrainingEndTime": _iso(clock()), "TrainingJobStatus": result.status, "TunedHyperParameters": hps,
        }
        if values:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": objective["Type"], "MetricName": objective["MetricName"], "Value": values[-1]}
        if result.status == FAILED:
            summary["FailureReason"] = result.failure_reason or "no reason given"
            summary["ObjectiveStatus"] = "Failed"
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        elif not values:
            summary["ObjectiveStatus"] = "Failed"
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            summary["ObjectiveStatus"] = "Succeeded"
            if result.status == STOPPED:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, values[-1])
        summaries[index] = summary
        with lock:
            finished.add(index)
        mark = "stopped early" if result.status == STOPPED else result.status
        value = f" {values[-1]:.4f}" if values else ""
        on_event(f"{len(summaries)}/{max_jobs} done: {name[-12:]} {mark}{value}")

    pending: dict[Future, tuple[int, Any, dict[str, str], str, float]] = {}
    pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="tune")
    next_index = 1
    try:
        while next_index <= max_jobs or pending:
            while next_index <= max_jobs and len(pending) < max_parallel:
                trial = study.ask(dists)
                hps = {k: spec.format_value(by_name[k], v) for k, v in trial.params.items()}
                name = training_job_name(tuning_name, next_index)
                with lock:
                    curves[next_index] = []
                fut = pool.submit(job, next_index, hps, name)
                pending[fut] = (next_index, trial, hps, name, clock())
                next_index += 1
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: pending[f][0]):
                finish(*pending.pop(fut), fut)
    except BaseException:
        with lock:
            cancelled[0] = True
            live = list(procs.values())
        for pid in live:  # Ctrl-C or a crash: no training job outlives the step
            stop_group(pid, grace_s=2.0)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    ordered = [summaries[i] for i in sorted(summaries)]
    best = spec.best_job(ordered, maximize)
    status = "Completed" if best is not None else "Failed"
    definition = training_job_definition(channels, static_hps, input_mode, instance_type, run_dir)
    description = spec.describe_tuning_job(
        tuning_name, f"arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/{tuning_name}", config,
        definition, ordered, status, _iso(created), _iso(clock()),
        failure_reason=None if best is not None else _failure_reason(ordered))
    return TuningOutcome(description=description, summaries=ordered, results=results,
                         best=results[best["TrainingJobName"]] if best is not None else None,
                         max_running=running[1],
                         early_stopped=[s["TrainingJobName"] for s in ordered if s["TrainingJobStatus"] == STOPPED])


def _failure_reason(summaries: list[dict[str, Any]]) -> str:
    """Why the tuning job failed: no job gave an objective; the first job's own reason when it failed."""
    reasons = [s["FailureReason"] for s in summaries if s.get("FailureReason")]
    text = "No training job completed with an objective value" + (f"; first failure: {reasons[0]}" if reasons else "")
    return text[:1024]  # FailureReason: at most 1024 characters


def _read_lines(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def training_job_definition(channels: Mapping[str, Path], static_hps: Mapping[str, str], input_mode: str,
                            instance_type: str, run_dir: Path) -> dict[str, Any]:
    """HyperParameterTrainingJobDefinition for the local jobs (file:// URIs; the local built-in XGBoost program)."""
    return {
        "StaticHyperParameters": dict(static_hps),
        "AlgorithmSpecification": {"TrainingImage": "sagecli.train.algorithm (local built-in XGBoost)",
                                   "TrainingInputMode": input_mode},
        "RoleArn": "arn:aws:iam::000000000000:role/local",
        "InputDataConfig": [{"ChannelName": name, "ContentType": "text/csv", "InputMode": input_mode,
                             "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                             "S3Uri": Path(path).resolve().as_uri(),
                                                             "S3DataDistributionType": "FullyReplicated"}}}
                            for name, path in channels.items()],
        "OutputDataConfig": {"S3OutputPath": (run_dir / "jobs").resolve().as_uri()},
        "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def tune_step(run: RunState, res: StepResult) -> None:
    """The flow's tune step: run the tuning job (here, or on SageMaker); its best job's model continues."""
    import json

    from sagecli.flow.backends.local import uri_to_path
    from sagecli.flow.scoring import DEFAULT_HYPERPARAMETERS
    from sagecli.paths import atomic_write_text

    if run.backend.name == "sagemaker":  # a real tuning job (sagecli/flow/tune_sagemaker.py)
        from sagecli.flow.tune_sagemaker import sagemaker_tune_step

        sagemaker_tune_step(run, res)
        return
    if run.backend.name != "local":
        raise StepFailed(f"the tune step does not run on --backend {run.backend.name}")
    from sagecli.deps import require

    require("xgboost")
    require("optuna")
    opts = run.ctx.options
    tuned = {r["Name"] for group in spec.DEFAULT_RANGES.values() for r in group}
    static = {k: v for k, v in {**DEFAULT_HYPERPARAMETERS, "seed": str(opts.seed), **dict(opts.hyperparameters)}.items()
              if k not in tuned}
    config = spec.tuning_config(opts.tune_strategy, opts.tune_max_jobs, opts.tune_max_parallel, spec.DEFAULT_RANGES,
                                OBJECTIVE, "Maximize", opts.tune_early_stopping, opts.seed)
    name = f"tune-{run.ctx.run_id}"[:32].rstrip("-")
    channels = {k: uri_to_path(run.channels[k]) for k in ("train", "validation")}
    run.ctx.emit("tune", f"{name}: {opts.tune_max_jobs} jobs, {opts.tune_max_parallel} at a time "
                         f"({opts.tune_strategy})")
    outcome = run_tuning(name, run.ctx.run_dir, channels, static, config, opts.seed, input_mode=opts.input_mode,
                         instance_type=opts.instance_type, entry_point=opts.entry_point,
                         on_event=lambda msg: run.ctx.emit("tune", msg))
    folder = run.ctx.run_dir / "tuning" / name
    folder.mkdir(parents=True, exist_ok=True)
    describe = folder / DESCRIBE_FILE
    atomic_write_text(describe, json.dumps(outcome.description, indent=2))
    atomic_write_text(folder / JOBS_FILE, json.dumps({"TrainingJobSummaries": outcome.summaries}, indent=2))
    desc = outcome.description
    best = desc.get("BestTrainingJob")
    res.artifacts = {"description": str(describe), "jobs": str(run.ctx.run_dir / "jobs")}
    res.data = {"tuning_job_name": name, "status": desc["HyperParameterTuningJobStatus"],
                "strategy": opts.tune_strategy, "sampler": sampler_note(opts.tune_strategy, opts.tune_max_jobs),
                "objective": desc["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"],
                "max_jobs": opts.tune_max_jobs, "max_parallel_jobs": opts.tune_max_parallel,
                "max_running_at_once": outcome.max_running, "early_stopping": opts.tune_early_stopping,
                "early_stopped": outcome.early_stopped,
                "training_job_status_counters": desc["TrainingJobStatusCounters"],
                "objective_status_counters": desc["ObjectiveStatusCounters"],
                "best_training_job": best,
                "jobs": [{"name": s["TrainingJobName"], "status": s["TrainingJobStatus"],
                          "objective": s.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value"),
                          "hyperparameters": s["TunedHyperParameters"]} for s in outcome.summaries]}
    if run.training is not None:  # the train step ran too: its job is the untuned baseline
        res.data["baseline"] = {"job_name": run.training.job_name,
                                OBJECTIVE: run.training.final_metrics.get(OBJECTIVE)}
    if outcome.best is None:
        raise StepFailed(f"tuning job {name} Failed: {desc.get('FailureReason', 'no job completed')}")
    run.training = outcome.best
    counters = desc["TrainingJobStatusCounters"]
    value = best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    index = int(best["TrainingJobName"].rsplit("-", 2)[-2])
    failed = f", {counters['NonRetryableError']} failed" if counters["NonRetryableError"] else ""
    res.summary = (f"best #{index} of {len(outcome.summaries)}: {OBJECTIVE} {value:.4f}; {counters['Completed']} "
                   f"completed, {counters['Stopped']} stopped early{failed}; {outcome.max_running} at once "
                   f"({'optuna TPE stands in' if opts.tune_strategy == 'Bayesian' else 'random search'})")
