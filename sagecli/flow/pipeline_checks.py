"""The export's check steps: a QualityCheck (Model Monitor data-quality baseline) and a ClarifyCheck (model bias).

Shaped as the SageMaker Python SDK writes them (src/sagemaker/workflow/quality_check_step.py and
clarify_check_step.py, read in the SDK's own source and unit tests): `Type` is "QualityCheck" or
"ClarifyCheck", `Arguments` is a CreateProcessingJob request without its job name (the processing job
the step runs), and the check settings sit beside Arguments at the step's top level: CheckType,
ModelPackageGroupName, SkipCheck, RegisterNewBaseline (QualityCheck also SuppliedBaselineStatistics and
SuppliedBaselineConstraints; ClarifyCheck SuppliedBaselineConstraints and, for a model check, ModelName).
The SDK writes unset Supplied* values as null; this export leaves them out: with SkipCheck true there is
no baseline to compare with, the step calculates and registers one (the first run of a check,
https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-quality-clarify-baseline-lifecycle.html).
A check step's properties are CalculatedBaseline* and BaselineUsedForDriftCheck* (not DescribeProcessingJob).
The SDK also writes each input's and output's `AppManaged: false` (the API's default); the published
definition schema (schema/pipeline-definition.schema.json) allows no such member, so it is left out, and
the check steps validate against that schema's QualityCheckStep and ClarifyCheckStep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PROC = "/opt/ml/processing"
QUALITY_TYPES = ("DATA_QUALITY", "MODEL_QUALITY")
CLARIFY_TYPES = ("DATA_BIAS", "MODEL_BIAS", "MODEL_EXPLAINABILITY")
CHECK_FIELDS = ("CheckType", "ModelPackageGroupName", "SkipCheck", "RegisterNewBaseline",
                "SuppliedBaselineStatistics", "SuppliedBaselineConstraints", "ModelName")
# step Type -> the properties a later step may `Get` (as the SDK's Properties objects name them)
CHECK_PROPERTIES: dict[str, tuple[str, ...]] = {
    "QualityCheck": ("CalculatedBaselineConstraints", "CalculatedBaselineStatistics",
                     "BaselineUsedForDriftCheckStatistics", "BaselineUsedForDriftCheckConstraints"),
    "ClarifyCheck": ("CalculatedBaselineConstraints", "BaselineUsedForDriftCheckConstraints"),
}
# the Model Monitor analyzer's environment (ModelMonitor._generate_env_map in the SDK)
CSV_NO_HEADER = json.dumps({"csv": {"header": False, "output_columns_position": "START"}})


def _input(name: str, uri: Any, local: str) -> dict[str, Any]:
    return {"InputName": name, "S3Input": {
        "S3Uri": uri, "LocalPath": local, "S3DataType": "S3Prefix", "S3InputMode": "File",
        "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}}


def _output(name: str, uri: str) -> dict[str, Any]:
    return {"OutputName": name,
            "S3Output": {"S3Uri": uri, "LocalPath": f"{PROC}/output", "S3UploadMode": "EndOfJob"}}


def _job(image: str, role: str, instance_type: Any, inputs: list[dict[str, Any]], output: dict[str, Any],
         tags: list[dict[str, str]], environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    job: dict[str, Any] = {
        "ProcessingResources": {"ClusterConfig": {"InstanceType": instance_type, "InstanceCount": 1,
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": image},
        "RoleArn": role,
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {"Outputs": [output]},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "Tags": tags,
    }
    if environment:
        job["Environment"] = dict(environment)
    return job


def quality_check_step(name: str, *, image: str, role: str, instance_type: Any, baseline: Any, output_uri: str,
                       group: str, tags: list[dict[str, str]], cache: Mapping[str, Any]) -> dict[str, Any]:
    """A DATA_QUALITY QualityCheck: the analyzer suggests statistics and constraints from the training features."""
    dataset = f"{PROC}/input/baseline_dataset_input"
    env = {"dataset_format": CSV_NO_HEADER, "dataset_source": dataset, "output_path": f"{PROC}/output",
           "publish_cloudwatch_metrics": "Disabled"}
    job = _job(image, role, instance_type, [_input("baseline_dataset_input", baseline, dataset)],
               _output("quality_check_output", output_uri), tags, env)
    return {"Name": name, "Type": "QualityCheck", "Arguments": job, "CacheConfig": dict(cache),
            "CheckType": "DATA_QUALITY", "ModelPackageGroupName": group, "SkipCheck": True,
            "RegisterNewBaseline": True}


def clarify_check_step(name: str, *, image: str, role: str, instance_type: Any, dataset: Any, config_uri: str,
                       output_uri: str, model_name: Any, group: str, tags: list[dict[str, str]],
                       cache: Mapping[str, Any], depends_on: list[str]) -> dict[str, Any]:
    """A MODEL_BIAS ClarifyCheck over the bias step's dataset, scored by the step's model (the flow's bias step)."""
    inputs = [_input("analysis_config", config_uri, f"{PROC}/input/config"),
              _input("dataset", dataset, f"{PROC}/input/data")]
    job = _job(image, role, instance_type, inputs, _output("analysis_result", output_uri), tags)
    return {"Name": name, "Type": "ClarifyCheck", "Arguments": job, "CacheConfig": dict(cache),
            "CheckType": "MODEL_BIAS", "ModelPackageGroupName": group, "SkipCheck": True,
            "RegisterNewBaseline": True, "ModelName": model_name, "DependsOn": list(depends_on)}


def check_fields(step: Mapping[str, Any]) -> dict[str, Any]:
    """The check settings at a step's top level (Gets may hide there too)."""
    return {k: step[k] for k in CHECK_FIELDS if k in step}


def check_problems(step: Mapping[str, Any]) -> list[str]:
    """A check step's top-level settings: a CheckType of its kind, booleans, ModelName for model checks."""
    kind, name = step["Type"], step["Name"]
    allowed = QUALITY_TYPES if kind == "QualityCheck" else CLARIFY_TYPES
    problems = []
    if step.get("CheckType") not in allowed:
        problems.append(f"{name}: CheckType {step.get('CheckType')!r} is not one of {', '.join(allowed)}")
    for key in ("SkipCheck", "RegisterNewBaseline"):
        value = step.get(key, False)
        if not isinstance(value, bool) and not (isinstance(value, dict) and set(value) == {"Get"}):
            problems.append(f"{name}: {key} must be a boolean or a Get")
    if kind == "QualityCheck" and "ModelName" in step:
        problems.append(f"{name}: a QualityCheck has no ModelName")
    if step.get("CheckType") in ("MODEL_BIAS", "MODEL_EXPLAINABILITY") and "ModelName" not in step:
        problems.append(f"{name}: a {step['CheckType']} check needs ModelName")
    if kind == "ClarifyCheck" and "SuppliedBaselineStatistics" in step:
        problems.append(f"{name}: a ClarifyCheck has no SuppliedBaselineStatistics")
    return problems
