"""SageMaker Pipelines on AWS (run-demo --backend sagemaker --as-pipeline): requests, cost, polling, teardown.

CreatePipeline takes the definition as a JSON string with the role Pipelines assumes to create each
step's job; StartPipelineExecution runs it; DescribePipelineExecution gives the execution's status
(Executing, Stopping, Stopped, Failed, Succeeded) and ListPipelineExecutionSteps each step's status,
its cache hit (CacheHitResult) and, in Metadata, the ARN of the job, model or model package it made
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListPipelineExecutionSteps.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PipelineExecutionStepMetadata.html).
Jobs cannot be deleted (they stop billing when they end); models and model package versions can, and
teardown deletes them, then the pipeline (DeletePipeline), as it deletes everything a run created.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sagecli.aws.api_calls import ApiCall, tag_list
from sagecli.errors import SageCliError

DONE = ("Succeeded", "Failed", "Stopped")
# PipelineExecutionStepMetadata member -> (ledger kind, still billable or deletable after the execution)
METADATA_KINDS: dict[str, str] = {"TrainingJob": "TrainingJob", "ProcessingJob": "ProcessingJob",
                                  "TransformJob": "TransformJob", "TuningJob": "HyperParameterTuningJob",
                                  "Model": "Model", "RegisterModel": "ModelPackage"}
DELETABLE = ("Model", "ModelPackage")  # jobs are records once the execution has ended
STEP_STATUS = {"Succeeded": "ok", "Failed": "failed", "Stopped": "interrupted", "Executing": "running",
               "Starting": "running", "Stopping": "running"}


def create_pipeline(name: str, definition_uri: str, steps: int, role_arn: str, run_id: str) -> ApiCall:
    """CreatePipeline reading the definition from S3 (PipelineDefinitionS3Location): the plan stays readable
    and the definition's size is S3's concern; the same JSON is kept beside the run's files."""
    from sagecli.aws.api_calls import split_s3

    bucket, key = split_s3(definition_uri)
    params = {"PipelineName": name, "PipelineDefinitionS3Location": {"Bucket": bucket, "ObjectKey": key},
              "RoleArn": role_arn, "PipelineDescription": f"sagecli run-demo --as-pipeline, run {run_id}",
              "ClientRequestToken": uuid.uuid4().hex, "Tags": tag_list(run_id)}
    return ApiCall("sagemaker", "CreatePipeline", params, kind="Pipeline", name=name,
                   summary=f"the pipeline {name} ({steps} top-level steps, definition {definition_uri})")


def start_execution(name: str, run_id: str, parameters: Mapping[str, Any] | None = None) -> ApiCall:
    """StartPipelineExecution (parameters other than the definition's defaults, as strings)."""
    params: dict[str, Any] = {"PipelineName": name, "PipelineExecutionDisplayName": f"sagecli-{run_id}"[:82],
                              "ClientRequestToken": uuid.uuid4().hex}
    if parameters:
        params["PipelineParameters"] = [{"Name": k, "Value": str(v)} for k, v in parameters.items()]
    return ApiCall("sagemaker", "StartPipelineExecution", params, kind="PipelineExecution", name=name,
                   summary="one execution: Pipelines creates each step's job, model and model package")


def step_call(operation: str, request: dict[str, Any], step: str) -> ApiCall:
    """A request the execution sends for a step (shown and priced in the plan, never sent by sagecli)."""
    return ApiCall("sagemaker", operation, request, kind=None, name=step,
                   summary=f"sent by the pipeline for step {step} (not by sagecli)")


def execution_steps(sm: Any, arn: str) -> list[dict[str, Any]]:
    """Every step record of an execution (ListPipelineExecutionSteps pages), in the order they started."""
    out: list[dict[str, Any]] = []
    token = None
    while True:
        page = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending",
                                                **({"NextToken": token} if token else {}))
        out += page.get("PipelineExecutionSteps", [])
        token = page.get("NextToken")
        if not token:
            return out


def step_line(step: Mapping[str, Any]) -> str:
    """`Train: Succeeded (cache hit from <execution>)` for progress lines."""
    hit = step.get("CacheHitResult", {}).get("SourcePipelineExecutionArn")
    reason = step.get("FailureReason")
    return (f"{step['StepName']}: {step.get('StepStatus', '?')}" + (f" (cache hit from {hit})" if hit else "")
            + (f": {reason}" if reason else ""))


def wait_for_execution(sm: Any, arn: str, say: Callable[[str], None], poll_s: float, timeout_s: float,
                       clock: Callable[[], float] = time.monotonic,
                       sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll DescribePipelineExecution and the step list until the execution ends; say each change once."""
    start = clock()
    seen: dict[str, str] = {}
    while True:
        desc = sm.describe_pipeline_execution(PipelineExecutionArn=arn)
        for step in execution_steps(sm, arn):
            line = step_line(step)
            if seen.get(step["StepName"]) != line:
                seen[step["StepName"]] = line
                say(line)
        if desc["PipelineExecutionStatus"] in DONE:
            return desc
        if clock() - start > timeout_s:
            raise SageCliError(f"the pipeline execution is still {desc['PipelineExecutionStatus']} after "
                               f"{timeout_s:.0f}s", hint="teardown stops it now")
        sleep(poll_s)


def created_by(steps: list[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(ledger kind, name, ARN) of what each step made, from its Metadata; cache hits made nothing new."""
    out = []
    for step in steps:
        if step.get("CacheHitResult"):
            continue
        for member, kind in METADATA_KINDS.items():
            arn = step.get("Metadata", {}).get(member, {}).get("Arn")
            if arn:
                out.append((kind, arn.split("/", 1)[-1], arn))
    return out


def stop_execution(sm: Any, arn: str, poll_s: float = 5.0, timeout_s: float = 600.0) -> str:
    """StopPipelineExecution if it is still running, then wait until it has ended (its jobs stopped)."""
    status = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
    if status in DONE:
        return f"{status} (executions are records, not deleted)"
    if status != "Stopping":
        sm.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=uuid.uuid4().hex)
    deadline = time.monotonic() + timeout_s
    while status not in DONE and time.monotonic() < deadline:
        time.sleep(poll_s)
        status = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
    return f"stopped ({status})"


def delete_pipeline(sm: Any, name: str) -> str:
    """DeletePipeline (its executions' records go with it)."""
    sm.delete_pipeline(PipelineName=name, ClientRequestToken=uuid.uuid4().hex)
    return "deleted"
