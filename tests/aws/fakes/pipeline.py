"""SageMaker Pipelines executions for the fake SageMaker (test-only): moto 5.2 stores pipelines and executions
but runs nothing, and has no ListPipelineExecutionSteps.

StartPipelineExecution here also "runs" the definition at once, as far as the tests need: each top-level
step succeeds in order with the Metadata ListPipelineExecutionSteps reports (job ARNs); the Condition step
compares the Train step's validation AUC, FAKE_AUC, with its right value (the MinAuc parameter: the
definition's default or the execution's PipelineParameters) and runs its IfSteps or ElseSteps; a Model step
creates a model and a RegisterModel step a model package version in moto (with the step's tags), so
teardown has real things to delete; the Evaluate step writes evaluation.json under its output; a ClarifyCheck
step fails as the Clarify container would when its analysis configuration or dataset is missing or does not fit
(clarify_problem). A Fail step ends the execution Failed with its ErrorMessage, as in Pipelines.
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


def clarify_problem(s3: Any, step: dict[str, Any]) -> str | None:
    """What the Clarify container would stop on: no analysis configuration at its input, a configuration that
    is not JSON or names a model itself (the step's ModelName does), or dataset rows whose columns do not match
    its headers (https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html)."""
    from botocore.exceptions import ClientError

    inputs = {i["InputName"]: i["S3Input"]["S3Uri"] for i in step["Arguments"]["ProcessingInputs"]}
    if set(inputs) != {"analysis_config", "dataset"} or not isinstance(step.get("ModelName"), dict):
        return "a MODEL_BIAS check needs analysis_config and dataset inputs and a ModelName"
    bucket, _, key = inputs["analysis_config"].removeprefix("s3://").partition("/")
    try:
        config = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError:
        return f"ClientError: no analysis configuration at {inputs['analysis_config']}"
    except ValueError:
        return "the analysis configuration is not JSON"
    if "model_name" in config.get("predictor", {"model_name": None}):
        return "the analysis configuration's predictor must not name the model"
    bucket, _, prefix = inputs["dataset"].removeprefix("s3://").partition("/")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    if not keys:
        return f"no dataset under {inputs['dataset']}"
    for k in keys:
        rows = s3.get_object(Bucket=bucket, Key=k)["Body"].read().decode().splitlines()
        if not rows or any(len(r.split(",")) != len(config["headers"]) for r in rows):
            return f"{k}: the rows do not have the {len(config['headers'])} columns of the headers"
    return None


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
            problem = clarify_problem(s3, step) if kind == "ClarifyCheck" else None
            if problem:
                record["StepStatus"], record["FailureReason"] = "Failed", problem
                FAILURES[arn] = f"Step failure: One or multiple steps failed. {name}: {problem}"
                return False
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
