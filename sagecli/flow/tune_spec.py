"""Automatic Model Tuning, the pure parts: ranges, the objective metric's regex, early stopping, the description.

Everything here is plain data in and out (no processes, no clock, no randomness), shaped like the SageMaker
API: ParameterRanges (IntegerParameterRanges, ContinuousParameterRanges, CategoricalParameterRanges, values
as strings), HyperParameterTuningJobConfig, and DescribeHyperParameterTuningJob's response. The shapes and
enums are checked against botocore's service model for `sagemaker` (imported only when checking).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagecli.errors import UsageError

# The metric definitions of the built-in XGBoost algorithm (as its training jobs list them in MetricDefinitions):
# the value is the regex's first group; `#011` is how a tab in the algorithm's log line appears in CloudWatch
# Logs. validation:auc is one of the algorithm's tunable objective metrics:
# https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost-tuning.html
XGBOOST_METRIC_REGEX: dict[str, str] = {
    "validation:auc": r".*\[[0-9]+\].*#011validation-auc:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
    "train:auc": r".*\[[0-9]+\].*#011train-auc:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
    "validation:logloss": r".*\[[0-9]+\].*#011validation-logloss:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
    "validation:error": r".*\[[0-9]+\].*#011validation-error:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
}
SCALING_TYPES = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")  # botocore HyperParameterScalingType
LOCAL_SCALING = ("Auto", "Linear", "Logarithmic")
STRATEGIES = ("Bayesian", "Random", "Hyperband", "Grid")  # botocore HyperParameterTuningJobStrategyType
LOCAL_STRATEGIES = ("Bayesian", "Random")
EARLY_STOPPING = ("Off", "Auto")  # botocore TrainingJobEarlyStoppingType
EARLY_STOPPING_DOC = "https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-early-stopping.html"
DESCRIBE_FILE = "describe-hyper-parameter-tuning-job.json"  # <run>/tuning/<name>/, both backends
JOBS_FILE = "list-training-jobs-for-hyper-parameter-tuning-job.json"
OBJECTIVE = "validation:auc"
TUNING_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")  # HyperParameterTuningJobName

# What the demo tunes: the built-in XGBoost job with one range of each kind and both scalings.
DEFAULT_RANGES: dict[str, list[dict[str, str]]] = {
    "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2", "MaxValue": "8", "ScalingType": "Linear"}],
    "ContinuousParameterRanges": [
        {"Name": "eta", "MinValue": "0.02", "MaxValue": "0.5", "ScalingType": "Logarithmic"},
        {"Name": "subsample", "MinValue": "0.5", "MaxValue": "1.0", "ScalingType": "Linear"},
    ],
    "CategoricalParameterRanges": [{"Name": "grow_policy", "Values": ["depthwise", "lossguide"]}],
}


@dataclass(frozen=True)
class Range:
    """One tunable hyperparameter: kind is integer, continuous or categorical."""

    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    values: tuple[str, ...] = ()


def parse_ranges(ranges: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Range]:
    """ParameterRanges (API shape, values as strings) -> Range list; a clear UsageError for what SageMaker refuses."""
    out: list[Range] = []
    for key, kind in (("IntegerParameterRanges", "integer"), ("ContinuousParameterRanges", "continuous")):
        for item in ranges.get(key, []):
            name, scaling = str(item["Name"]), str(item.get("ScalingType", "Auto"))
            if scaling not in SCALING_TYPES:
                raise UsageError(f"{name}: ScalingType {scaling!r} is not one of {', '.join(SCALING_TYPES)}")
            if scaling not in LOCAL_SCALING:
                raise UsageError(f"{name}: ScalingType {scaling} is not supported locally",
                                 hint="use Auto, Linear or Logarithmic")
            try:
                low, high = float(item["MinValue"]), float(item["MaxValue"])
            except ValueError:
                raise UsageError(f"{name}: MinValue and MaxValue must be numbers (as strings)") from None
            if kind == "integer" and (low != int(low) or high != int(high)):
                raise UsageError(f"{name}: an integer range needs whole MinValue and MaxValue")
            if low > high:
                raise UsageError(f"{name}: MinValue {item['MinValue']} is above MaxValue {item['MaxValue']}")
            if scaling == "Logarithmic" and low <= 0:
                raise UsageError(f"{name}: Logarithmic scaling needs MinValue > 0 (got {item['MinValue']})")
            out.append(Range(name, kind, low, high, log=scaling == "Logarithmic"))
    for item in ranges.get("CategoricalParameterRanges", []):
        values = tuple(str(v) for v in item["Values"])
        if not values:
            raise UsageError(f"{item['Name']}: a categorical range needs at least one value")
        out.append(Range(str(item["Name"]), "categorical", values=values))
    names = [r.name for r in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UsageError(f"hyperparameter(s) in more than one range: {', '.join(dup)}")
    if not out:
        raise UsageError("no hyperparameter ranges to tune")
    return out


def format_value(rng: Range, value: Any) -> str:
    """A sampled value as the API carries it: a string (integers without a decimal point)."""
    if rng.kind == "integer":
        return str(int(value))
    if rng.kind == "continuous":
        return repr(float(value))
    return str(value)


def tuning_config(strategy: str, max_jobs: int, max_parallel: int, ranges: Mapping[str, Any], objective: str,
                  objective_type: str, early_stopping: str, seed: int) -> dict[str, Any]:
    """HyperParameterTuningJobConfig as CreateHyperParameterTuningJob takes it; raises UsageError when invalid."""
    if strategy not in STRATEGIES:
        raise UsageError(f"strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    if strategy not in LOCAL_STRATEGIES:
        raise UsageError(f"strategy {strategy} is not supported locally", hint="use Bayesian or Random")
    if early_stopping not in EARLY_STOPPING:
        raise UsageError(f"early stopping {early_stopping!r} is not one of Off, Auto")
    if max_jobs < 1 or max_parallel < 1:
        raise UsageError("max jobs and max parallel jobs must be at least 1")
    parse_ranges(ranges)
    return {
        "Strategy": strategy,
        "HyperParameterTuningJobObjective": {"Type": objective_type, "MetricName": objective},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": max_parallel},
        "ParameterRanges": {k: [dict(i) for i in v] for k, v in ranges.items()},
        "TrainingJobEarlyStoppingType": early_stopping,
        "RandomSeed": seed,
    }


def objective_values(lines: Sequence[str], regex: str) -> list[float]:
    """Every value the metric's regex finds in the log, in order (SageMaker reads the first group of each match)."""
    pattern = re.compile(regex)
    out = []
    for line in lines:
        m = pattern.match(line.rstrip("\n"))
        if m:
            try:
                out.append(float(m.group(1)))
            except ValueError:
                continue
    return out


def should_stop_early(current: Sequence[float], earlier: Sequence[Sequence[float]], maximize: bool) -> bool:
    """Automatic early stopping's rule at the current job's latest epoch (the AWS page in EARLY_STOPPING_DOC).

    "Compute the running average of the objective metric for all previous training jobs up to the same epoch,
    and then compute the median of all of the running averages. If the value of the objective metric for the
    current training job is worse [...] than the median value [...], SageMaker AI stops the current training job."
    `current` is the job's objective so far (one value per epoch); `earlier` holds the curves of the jobs that
    ended before (the API reference: "unlikely to perform better than previously completed training jobs"). Only
    those that reached this epoch count; with none, the job keeps running.
    """
    if not current:
        return False
    epoch = len(current)
    averages = [math.fsum(curve[:epoch]) / epoch for curve in earlier if len(curve) >= epoch]
    if not averages:
        return False
    median = statistics.median(averages)
    value = current[-1]
    if math.isclose(value, median, rel_tol=1e-9, abs_tol=1e-12):  # equal up to rounding in the average: not worse
        return False
    return value < median if maximize else value > median


def best_job(summaries: Sequence[Mapping[str, Any]], maximize: bool) -> Mapping[str, Any] | None:
    """The Completed job with the best final objective (earliest first on a tie), or None."""
    scored = [s for s in summaries if s.get("TrainingJobStatus") == "Completed"
              and s.get("ObjectiveStatus") == "Succeeded"
              and math.isfinite(s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])]
    if not scored:
        return None
    sign = -1.0 if maximize else 1.0
    return min(scored, key=lambda s: sign * s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])


def status_counters(summaries: Sequence[Mapping[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    """TrainingJobStatusCounters and ObjectiveStatusCounters over the jobs' summaries."""
    jobs = {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
    objectives = {"Succeeded": 0, "Pending": 0, "Failed": 0}
    for s in summaries:
        status = s["TrainingJobStatus"]
        jobs["NonRetryableError" if status == "Failed" else status] += 1
        objectives[s.get("ObjectiveStatus", "Pending")] += 1
    return jobs, objectives


def describe_tuning_job(name: str, arn: str, config: Mapping[str, Any], definition: Mapping[str, Any],
                        summaries: Sequence[Mapping[str, Any]], status: str, created: Any, ended: Any,
                        failure_reason: str | None = None) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob's response for the finished tuning job."""
    maximize = config["HyperParameterTuningJobObjective"]["Type"] == "Maximize"
    jobs, objectives = status_counters(summaries)
    out: dict[str, Any] = {
        "HyperParameterTuningJobName": name, "HyperParameterTuningJobArn": arn,
        "HyperParameterTuningJobConfig": dict(config), "TrainingJobDefinition": dict(definition),
        "HyperParameterTuningJobStatus": status, "CreationTime": created, "HyperParameterTuningEndTime": ended,
        "LastModifiedTime": ended, "TrainingJobStatusCounters": jobs, "ObjectiveStatusCounters": objectives,
    }
    best = best_job(summaries, maximize)
    if best is not None:
        out["BestTrainingJob"] = dict(best)
    if failure_reason:
        out["FailureReason"] = failure_reason
    return out


def check_shape(data: Mapping[str, Any], shape_name: str | None = None, operation: str | None = None) -> None:
    """Validate `data` against a sagemaker shape (or an operation's output shape) in botocore's model.

    botocore's ParamValidator checks members, required members, types and lengths; the enums it does not check
    (strategy, scaling, statuses) are checked here. Raises ValueError listing every problem.
    """
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model(operation).output_shape if operation else model.shape_for(shape_name)
    report = ParamValidator().validate(data, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems += _enum_errors(data, shape, "")
    if problems:
        raise ValueError("\n".join(problems))


def _enum_errors(value: Any, shape: Any, where: str) -> list[str]:
    if shape.type_name == "structure" and isinstance(value, Mapping):
        return [e for k, v in value.items() if k in shape.members
                for e in _enum_errors(v, shape.members[k], f"{where}.{k}")]
    if shape.type_name == "list" and isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _enum_errors(v, shape.member, f"{where}[{i}]")]
    if shape.type_name == "map" and isinstance(value, Mapping):
        return [e for k, v in value.items() for e in _enum_errors(v, shape.value, f"{where}.{k}")]
    if shape.type_name == "string" and getattr(shape, "enum", None) and value not in shape.enum:
        return [f"{where or 'value'}: {value!r} is not one of {', '.join(shape.enum)}"]
    return []
