"""SageMaker Pipelines executions for the fake SageMaker (test-only): moto 5.2 stores pipelines and executions
but runs nothing, and has no ListPipelineExecutionSteps.

StartPipelineExecution here also "runs" the definition at once, as far as the tests need: each top-level
step succeeds in order with the Metadata ListPipelineExecutionSteps reports (job ARNs); the Condition step
compares the Train step's validation AUC, FAKE_AUC, with its right value (the MinAuc parameter: the
definition's default or the execution's PipelineParameters) and runs its IfSteps or ElseSteps; a Model step
creates a model and a RegisterModel step a model package version in moto (with the step's tags), so
teardown has real things to delete; the Evaluate step writes evaluation.json under its output. A Fail step
ends the execution Failed with its ErrorMessage, as in Pipelines.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from unittest import mock

FAKE_AUC = 0.85
STEPS: dict[str, list[dict[str, Any]]] = {}  # execution ARN -> its step records
FAILURES: dict[str, str] = {}  # execution ARN -> FailureReason


def _value(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"Get"}:
        path = value["Get"]
        if path.startswith("Parameters."):
            return params[path.split(".", 1)[1]]
        if "FinalMetricDataList" in path:
            return FAKE_AUC
        return f"fake-{path}"
    return value


def _arn(kind: str, name: str) -> str:
    from tests.aws.fake_sagemaker import ACCOUNT, REGION

    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


def run_definition(url: str, arn: str, definition: dict[str, Any], overrides: list[dict[str, str]]) -> None:
    """Play the execution: step records, the models and packages it makes, its end state."""
    from tests.aws.fake_sagemaker import client

    params = {p["Name"]: p.get("DefaultValue") for p in definition.get("Parameters", [])}
    casts = {p["Name"]: {"Float": float, "Integer": int}.get(p["Type"], str) for p in definition["Parameters"]}
    params.update({o["Name"]: casts[o["Name"]](o["Value"]) for o in overrides or []})
    sm, s3 = client(url, "sagemaker"), client(url, "s3")
    exec_id = arn.rsplit("/", 1)[-1]
    records: list[dict[str, Any]] = []
    artifact = "s3://fake/model.tar.gz"

    def play(step: dict[str, Any]) -> bool:
        name, kind, args = step["Name"], step["Type"], step.get("Arguments", {})
        job = f"pipelines-{exec_id}-{name}"[:63]
        record: dict[str, Any] = {"StepName": name, "StepStatus": "Succeeded", "Metadata": {}}
        records.append(record)
        if kind in ("Processing", "QualityCheck", "ClarifyCheck"):
            record["Metadata"]["ProcessingJob"] = {"Arn": _arn("processing-job", job)}
            for out in args.get("ProcessingOutputConfig", {}).get("Outputs", []):
                if out["OutputName"] == "evaluation":
                    bucket, _, key = out["S3Output"]["S3Uri"].removeprefix("s3://").partition("/")
                    s3.put_object(Bucket=bucket, Key=key + "evaluation.json", Body=b"{}")
        elif kind == "Training":
            record["Metadata"]["TrainingJob"] = {"Arn": _arn("training-job", job)}
        elif kind == "Transform":
            record["Metadata"]["TransformJob"] = {"Arn": _arn("transform-job", job)}
        elif kind == "Model":
            container = {**args["PrimaryContainer"], "ModelDataUrl": artifact}
            resp = sm.create_model(ModelName=job, PrimaryContainer=container, ExecutionRoleArn=args["ExecutionRoleArn"],
                                   Tags=args.get("Tags", []))
            record["Metadata"]["Model"] = {"Arn": resp["ModelArn"]}
        elif kind == "RegisterModel":
            spec = args["InferenceSpecification"]
            spec = {**spec, "Containers": [{**spec["Containers"][0], "ModelDataUrl": artifact}]}
            tags = next((s["Arguments"]["Tags"] for s in definition["Steps"] if s["Type"] == "Training"), [])
            resp = sm.create_model_package(ModelPackageGroupName=args["ModelPackageGroupName"],
                                           InferenceSpecification=spec, ModelApprovalStatus="Approved", Tags=tags)
            record["Metadata"]["RegisterModel"] = {"Arn": resp["ModelPackageArn"]}
        elif kind == "Condition":
            ok = all(_value(c["LeftValue"], params) >= _value(c["RightValue"], params) for c in args["Conditions"])
            record["Metadata"]["Condition"] = {"Outcome": str(ok)}
            return all(play(s) for s in args["IfSteps" if ok else "ElseSteps"])
        elif kind == "Fail":
            record["StepStatus"] = "Failed"
            record["FailureReason"] = args["ErrorMessage"]
            record["Metadata"]["Fail"] = {"ErrorMessage": args["ErrorMessage"]}
            FAILURES[arn] = f"Step failure: One or multiple steps failed. {name}: {args['ErrorMessage']}"
            return False
        return True

    for step in definition["Steps"]:
        if not play(step):
            break
    STEPS[arn] = records


def patches(url_box: dict[str, str]) -> list[Any]:
    """StartPipelineExecution plays the definition; ListPipelineExecutionSteps and a FailureReason report it."""
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemaker.utils import get_pipeline_execution_from_arn

    original_start = SageMakerResponse.start_pipeline_execution
    original_describe = SageMakerResponse.describe_pipeline_execution

    def start_pipeline_execution(self: Any) -> Any:
        result = original_start(self)
        pipeline = self.sagemaker_backend.pipelines[self._get_param("PipelineName")]
        arn = list(pipeline.pipeline_executions)[-1]
        stored = pipeline.pipeline_definition  # a string, or a dict when read from S3 (moto parses it then)
        run_definition(url_box["url"], arn, json.loads(stored) if isinstance(stored, str) else stored,
                       self._get_param("PipelineParameters") or [])
        if arn in FAILURES:
            execution = get_pipeline_execution_from_arn(self.sagemaker_backend.pipelines, arn)
            execution.pipeline_execution_status = "Failed"
        return result

    def describe_pipeline_execution(self: Any) -> Any:
        result = original_describe(self)
        arn = self._get_param("PipelineExecutionArn")
        if arn in FAILURES:
            from moto.core.responses import ActionResult

            return ActionResult({**result.result, "FailureReason": FAILURES[arn]})
        return result

    def list_pipeline_execution_steps(self: Any) -> Any:
        from moto.core.responses import ActionResult

        arn = self._get_param("PipelineExecutionArn")
        get_pipeline_execution_from_arn(self.sagemaker_backend.pipelines, arn)  # ValidationException if unknown
        records = STEPS.get(arn, [])
        if self._get_param("SortOrder", "Descending") == "Descending":
            records = list(reversed(records))
        return ActionResult({"PipelineExecutionSteps": records})

    return [
        mock.patch.object(SageMakerResponse, "start_pipeline_execution", start_pipeline_execution),
        mock.patch.object(SageMakerResponse, "describe_pipeline_execution", describe_pipeline_execution),
        mock.patch.object(SageMakerResponse, "list_pipeline_execution_steps", list_pipeline_execution_steps,
                          create=True),
    ]


def new_token() -> str:
    """A ClientRequestToken for direct calls in tests."""
    return uuid.uuid4().hex
