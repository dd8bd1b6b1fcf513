"""Automatic Model Tuning for the fake SageMaker (moto 5.2 stores tuning jobs but runs nothing, has no Stop and no
ListTrainingJobsForHyperParameterTuningJob).

CreateHyperParameterTuningJob validates the request against botocore's model (as the service would refuse it),
then runs the trials with the fake container's training: each trial is a CreateTrainingJob through the server
(so tests/aws/fake_sagemaker.py trains a real booster), its hyperparameters drawn from the ParameterRanges with
RandomSeed, its objective the validation AUC of the model it wrote. The job then reads Completed with
TrainingJobStatusCounters, ObjectiveStatusCounters and BestTrainingJob as DescribeHyperParameterTuningJob has them.
HOLD["in_progress"] = True keeps a new job InProgress with no trials, for the stop and interrupt tests; STOPS
records every StopHyperParameterTuningJob.
"""

from __future__ import annotations

import json
import math
import random
import time
import zlib
from typing import Any

HOLD = {"in_progress": False}
STOPS: list[str] = []


def _jobs(backend: Any) -> dict[str, dict[str, Any]]:
    """The tuning jobs, kept on moto's backend object so the server's reset forgets them."""
    if not hasattr(backend, "_sagecli_tuning"):
        backend._sagecli_tuning = {}
    return backend._sagecli_tuning


def _draw(ranges: dict[str, Any], rng: random.Random) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in ranges.get("IntegerParameterRanges", []):
        out[r["Name"]] = str(rng.randint(int(r["MinValue"]), int(r["MaxValue"])))
    for r in ranges.get("ContinuousParameterRanges", []):
        lo, hi = float(r["MinValue"]), float(r["MaxValue"])
        value = math.exp(rng.uniform(math.log(lo), math.log(hi))) if r.get("ScalingType") == "Logarithmic" \
            else rng.uniform(lo, hi)
        out[r["Name"]] = repr(value)
    for r in ranges.get("CategoricalParameterRanges", []):
        out[r["Name"]] = rng.choice(r["Values"])
    return out


def _validation_auc(url: str, definition: dict[str, Any], model_uri: str) -> float:
    from sagecli.flow.evaluation import auc
    from tests.aws.fake_sagemaker import _matrix, _objects, client, load_booster, predict

    uri = next(c["DataSource"]["S3DataSource"]["S3Uri"] for c in definition["InputDataConfig"]
               if c["ChannelName"] == "validation")
    x, y = zip(*(_matrix(body, True) for _, body in _objects(client(url, "s3"), uri)), strict=True)
    import numpy as np

    return auc(np.concatenate(y), predict(load_booster(url, model_uri), np.vstack(x)))


def run_trials(url: str, job: dict[str, Any]) -> None:
    """Each trial a real CreateTrainingJob on the fake server; the objective from the model's validation AUC."""
    from tests.aws.fake_sagemaker import client

    params = job["params"]
    config, definition = params["HyperParameterTuningJobConfig"], params["TrainingJobDefinition"]
    rng = random.Random(config.get("RandomSeed", 0))
    sm = client(url, "sagemaker")
    objective = config["HyperParameterTuningJobObjective"]
    for i in range(1, config["ResourceLimits"]["MaxNumberOfTrainingJobs"] + 1):
        name = job["name"]
        trial = f"{name}-{i:03d}-{zlib.crc32(f'{name}/{i}'.encode()):08x}"
        tuned = _draw(config["ParameterRanges"], rng)
        started = time.time()
        request = {k: v for k, v in definition.items() if k != "StaticHyperParameters"}
        sm.create_training_job(TrainingJobName=trial, HyperParameters={**definition["StaticHyperParameters"], **tuned},
                               Tags=params.get("Tags", []), **request)
        desc = sm.describe_training_job(TrainingJobName=trial)
        value = _validation_auc(url, definition, desc["ModelArtifacts"]["S3ModelArtifacts"])
        job["summaries"].append({
            "TrainingJobName": trial, "TrainingJobArn": desc["TrainingJobArn"], "TuningJobName": name,
            "CreationTime": started, "TrainingStartTime": started, "TrainingEndTime": time.time(),
            "TrainingJobStatus": "Completed", "TunedHyperParameters": tuned, "ObjectiveStatus": "Succeeded",
            "FinalHyperParameterTuningJobObjectiveMetric": {"Type": objective["Type"],
                                                            "MetricName": objective["MetricName"], "Value": value}})
    job["status"] = "Completed"
    job["ended"] = time.time()


def describe(job: dict[str, Any]) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob's response for a fake job."""
    params = job["params"]
    summaries = job["summaries"]
    done = [s for s in summaries if s["ObjectiveStatus"] == "Succeeded"]
    out: dict[str, Any] = {
        "HyperParameterTuningJobName": job["name"], "HyperParameterTuningJobArn": job["arn"],
        "HyperParameterTuningJobConfig": params["HyperParameterTuningJobConfig"],
        "TrainingJobDefinition": params["TrainingJobDefinition"], "HyperParameterTuningJobStatus": job["status"],
        "CreationTime": job["created"], "LastModifiedTime": job.get("ended", job["created"]),
        "TrainingJobStatusCounters": {"Completed": len(summaries), "InProgress": 0, "RetryableError": 0,
                                      "NonRetryableError": 0, "Stopped": 0},
        "ObjectiveStatusCounters": {"Succeeded": len(done), "Pending": 0, "Failed": 0}}
    if "ended" in job:
        out["HyperParameterTuningEndTime"] = job["ended"]
    if done:
        maximize = params["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["Type"] == "Maximize"
        sign = -1 if maximize else 1
        out["BestTrainingJob"] = min(done, key=lambda s: sign * s["FinalHyperParameterTuningJobObjectiveMetric"]
                                     ["Value"])
    return out


def patches(url_box: dict[str, str]) -> list[Any]:
    """mock.patch objects adding the tuning APIs to moto's SageMaker responses."""
    from unittest import mock

    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    from sagecli.aws.validate import problems_for
    from tests.aws.fake_sagemaker import ACCOUNT, REGION

    original_create = SageMakerResponse.create_hyper_parameter_tuning_job

    def create(self: Any) -> Any:
        params = json.loads(self.body)
        problems = problems_for("sagemaker", "CreateHyperParameterTuningJob", params)
        if problems:
            raise ValidationError(message="; ".join(problems))
        name = params["HyperParameterTuningJobName"]
        jobs = _jobs(self.sagemaker_backend)
        if name in jobs:
            raise ValidationError(message=f"Tuning job {name} already exists")
        original_create(self)  # moto keeps the job and its tags too (ListTags, for cleanup)
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/{name.lower()}"
        job = {"name": name, "arn": arn, "params": params, "status": "InProgress", "created": time.time(),
               "summaries": []}
        jobs[name] = job
        if not HOLD["in_progress"]:
            run_trials(url_box["url"], job)
        return ActionResult({"HyperParameterTuningJobArn": arn})

    def _job(self: Any) -> dict[str, Any]:
        name = self._get_param("HyperParameterTuningJobName")
        job = _jobs(self.sagemaker_backend).get(name)
        if job is None:
            raise ValidationError(message=f"Could not find tuning job {name}")  # the service's ResourceNotFound
        return job

    def describe_job(self: Any) -> Any:
        return ActionResult(describe(_job(self)))

    def stop(self: Any) -> Any:
        job = _job(self)
        STOPS.append(job["name"])
        if job["status"] == "InProgress":
            job["status"], job["ended"] = "Stopped", time.time()
        return EmptyResult()

    def list_tuning_jobs(self: Any) -> Any:
        return ActionResult({"HyperParameterTuningJobSummaries": [{
            "HyperParameterTuningJobName": j["name"], "HyperParameterTuningJobArn": j["arn"],
            "HyperParameterTuningJobStatus": j["status"], "Strategy": j["params"]["HyperParameterTuningJobConfig"][
                "Strategy"], "CreationTime": j["created"], "TrainingJobStatusCounters": describe(j)[
                "TrainingJobStatusCounters"], "ObjectiveStatusCounters": describe(j)["ObjectiveStatusCounters"],
            "ResourceLimits": j["params"]["HyperParameterTuningJobConfig"]["ResourceLimits"]}
            for j in _jobs(self.sagemaker_backend).values()]})

    def list_jobs(self: Any) -> Any:
        return ActionResult({"TrainingJobSummaries": _job(self)["summaries"]})

    return [
        mock.patch.object(SageMakerResponse, "create_hyper_parameter_tuning_job", create),
        mock.patch.object(SageMakerResponse, "describe_hyper_parameter_tuning_job", describe_job),
        mock.patch.object(SageMakerResponse, "stop_hyper_parameter_tuning_job", stop, create=True),
        mock.patch.object(SageMakerResponse, "list_hyper_parameter_tuning_jobs", list_tuning_jobs),
        mock.patch.object(SageMakerResponse, "list_training_jobs_for_hyper_parameter_tuning_job", list_jobs,
                          create=True),
    ]
