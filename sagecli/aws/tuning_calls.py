"""Automatic Model Tuning on SageMaker: the CreateHyperParameterTuningJob request, the wait, the stop.

The tuning job's TrainingJobDefinition is made from the very CreateTrainingJob request the train step sends
(api_calls.create_training_job), minus what a definition does not carry (the job name, the tuned
hyperparameters, the tags: SageMaker adds the tuning job's tags to every training job it launches).
API reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html
How it runs: https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-how-it-works.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from sagecli.aws.api_calls import ApiCall, tag_list
from sagecli.contracts import MetricPoint, TrainingResult

DONE = ("Completed", "Failed", "Stopped")
# What a HyperParameterTrainingJobDefinition takes over from a CreateTrainingJob request unchanged.
CARRIED = ("AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig",
           "StoppingCondition", "EnableManagedSpotTraining", "CheckpointConfig")


def training_job_definition(train_call: ApiCall, tuned: set[str] | frozenset[str]) -> dict[str, Any]:
    """HyperParameterTrainingJobDefinition from a CreateTrainingJob call: tuned hyperparameters left out."""
    p = train_call.params
    out = {k: p[k] for k in CARRIED if k in p}
    out["StaticHyperParameters"] = {k: v for k, v in p.get("HyperParameters", {}).items() if k not in tuned}
    return out


def create_tuning_job(name: str, config: Mapping[str, Any], definition: Mapping[str, Any], run_id: str) -> ApiCall:
    """CreateHyperParameterTuningJob: at most MaxNumberOfTrainingJobs jobs, MaxParallelTrainingJobs at a time."""
    limits = config["ResourceLimits"]
    rc = definition["ResourceConfig"]
    params = {"HyperParameterTuningJobName": name, "HyperParameterTuningJobConfig": dict(config),
              "TrainingJobDefinition": dict(definition), "Tags": tag_list(run_id)}
    summary = (f"tune {name}: {config['Strategy']}, up to {limits['MaxNumberOfTrainingJobs']} training jobs of "
               f"{rc['InstanceCount']} x {rc['InstanceType']}, {limits['MaxParallelTrainingJobs']} at a time")
    return ApiCall("sagemaker", "CreateHyperParameterTuningJob", params, "HyperParameterTuningJob", name, summary)


def counters_line(desc: Mapping[str, Any]) -> str:
    """The live view's detail: how many training jobs are in each state, and the best objective so far."""
    c = desc.get("TrainingJobStatusCounters", {})
    parts = [f"{c.get(k, 0)} {label}" for k, label in (("Completed", "completed"), ("InProgress", "running"),
                                                       ("Stopped", "stopped"), ("NonRetryableError", "failed"))
             if c.get(k)]
    best = desc.get("BestTrainingJob", {}).get("FinalHyperParameterTuningJobObjectiveMetric")
    if best:
        parts.append(f"best {best['MetricName']} {float(best['Value']):.4f}")
    return ", ".join(parts)


def wait_tuning(sm: Any, name: str, say: Callable[[str], None], poll_s: float, timeout_s: float) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob until it is Completed, Failed or Stopped; report every change."""
    from sagecli.aws.executor import wait_for

    return wait_for(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
                    "HyperParameterTuningJobStatus", DONE, say, poll_s, timeout_s, counters_line)


def training_jobs(sm: Any, name: str) -> list[dict[str, Any]]:
    """ListTrainingJobsForHyperParameterTuningJob, every page, oldest first."""
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"HyperParameterTuningJobName": name, "MaxResults": 100}
    while True:
        page = sm.list_training_jobs_for_hyper_parameter_tuning_job(**kwargs)
        out += page.get("TrainingJobSummaries", [])
        if not page.get("NextToken"):
            return sorted(out, key=lambda s: str(s.get("CreationTime", "")) + s["TrainingJobName"])
        kwargs["NextToken"] = page["NextToken"]


def plan_call(tuning_name: str, config: Mapping[str, Any], train_call: ApiCall, tuned: set[str],
              run_id: str) -> ApiCall:
    """The plan's tuning request, from the same training request the train step would send."""
    return create_tuning_job(tuning_name, config, training_job_definition(train_call, tuned), run_id)


def plan_calls(tuning: Mapping[str, Any] | None, train_call: ApiCall, run_id: str) -> list[ApiCall]:
    """The plan's tuning request (none without the tune step): `tuning` holds name, config and tuned names."""
    if not tuning:
        return []
    return [plan_call(tuning["name"], tuning["config"], train_call, set(tuning["tuned"]), run_id)]


def result_of(desc: Mapping[str, Any], duration_s: float) -> TrainingResult:
    """A TrainingResult from DescribeTrainingJob's response (the best job of a tuning job)."""
    final = {m["MetricName"]: float(m["Value"]) for m in desc.get("FinalMetricDataList", [])}
    return TrainingResult(
        job_name=desc["TrainingJobName"], status=desc["TrainingJobStatus"],
        model_artifact=desc.get("ModelArtifacts", {}).get("S3ModelArtifacts"),
        metrics=[MetricPoint(k, v) for k, v in final.items()], final_metrics=final,
        failure_reason=desc.get("FailureReason"), secondary_status=desc.get("SecondaryStatus"),
        duration_s=duration_s, arn=desc.get("TrainingJobArn"))


def run_tuning(exe: Any, sm: Any, call: ApiCall, say: Callable[[str], None], poll_s: float,
               timeout_s: float) -> tuple[dict[str, Any], list[dict[str, Any]], TrainingResult | None]:
    """Create the tuning job and wait for it: (description, training job summaries, best job or None).

    Anything that stops the wait (a failed describe, a timeout, Ctrl-C) sends StopHyperParameterTuningJob at
    once, so no training job keeps running; teardown then waits for the Stopped status.
    """
    from sagecli.aws.teardown import wait_or_stop

    name = call.params["HyperParameterTuningJobName"]
    t0 = time.monotonic()
    exe.call(call)
    desc = wait_or_stop(sm, "HyperParameterTuningJob", name, lambda: wait_tuning(sm, name, say, poll_s, timeout_s),
                        say, what="tuning job")
    summaries = training_jobs(sm, name)
    best = desc.get("BestTrainingJob")
    if best is None:
        return desc, summaries, None
    job = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    return desc, summaries, result_of(job, time.monotonic() - t0)
