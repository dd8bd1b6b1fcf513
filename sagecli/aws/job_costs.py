"""The worst case of a tuning job and of a Clarify processing job, for the plan's cost lines (sagecli/aws/cost.py).

A tuning job bills every training job it launches: at most MaxNumberOfTrainingJobs jobs of the definition's
instances, each stopped after MaxRuntimeInSeconds, MaxParallelTrainingJobs at a time; so the line shows the
instances billed at once and hours such that rate x hours = max_jobs x one job's worst case.
A Clarify job bills its processing instances and, for post-training bias or SHAP, the shadow endpoint Clarify
creates from the predictor's model while it runs
(https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-run.html).
"""

from __future__ import annotations

from sagecli.aws.api_calls import ApiCall


def billed(call: ApiCall) -> tuple[str, int, str]:
    """(instance type, instances billed at once, what bounds the cost)."""
    p = call.params
    if call.operation == "CreateHyperParameterTuningJob":
        limits = p["HyperParameterTuningJobConfig"]["ResourceLimits"]
        d = p["TrainingJobDefinition"]
        runtime_h = d["StoppingCondition"]["MaxRuntimeInSeconds"] / 3600
        jobs = limits["MaxNumberOfTrainingJobs"]
        parallel = min(jobs, limits["MaxParallelTrainingJobs"])
        return (d["ResourceConfig"]["InstanceType"], d["ResourceConfig"]["InstanceCount"] * parallel,
                f"max_jobs x training cost: up to {jobs} training jobs of at most {runtime_h:g} h each, "
                f"{parallel} at a time")
    cc = p["ProcessingResources"]["ClusterConfig"]
    shadow = int(call.extra.get("shadow_endpoint_instances", 0))
    runtime_h = p.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400) / 3600
    extra = f" plus {shadow} shadow endpoint instance(s) Clarify runs meanwhile" if shadow else ""
    return cc["InstanceType"], cc["InstanceCount"] + shadow, f"while the job runs, at most {runtime_h:g} h{extra}"


def max_hours(call: ApiCall) -> float:
    """Hours that, times the line's hourly rate, give the job's worst case."""
    p = call.params
    if call.operation == "CreateHyperParameterTuningJob":
        limits = p["HyperParameterTuningJobConfig"]["ResourceLimits"]
        runtime_h = p["TrainingJobDefinition"]["StoppingCondition"]["MaxRuntimeInSeconds"] / 3600
        jobs = limits["MaxNumberOfTrainingJobs"]
        return runtime_h * jobs / min(jobs, limits["MaxParallelTrainingJobs"])
    return float(p.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400)) / 3600
