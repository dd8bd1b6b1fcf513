"""`run-demo --export-pipeline`: the flow as a SageMaker Pipelines definition (schema version 2020-12-01).

Each job step's Arguments come from the same request builders the sagemaker backend sends
(sagecli/aws/api_calls.py), with the values that only exist at execution time replaced by `Get`
references: pipeline parameters (`Parameters.X`) and earlier steps' properties (`Steps.X.<Describe*
response member>`). Job names are left out, as Pipelines names each job itself.

Offline checks: each step's Arguments, with every `Get` replaced by an example value and a job
name added, validate against botocore's request shape for the step's API; every `Get` names a
parameter or an earlier step and a member of that step's Describe* response; the definition fits
CreatePipeline's PipelineDefinition string. The published definition JSON schema
(github.com/aws-sagemaker-mlops/sagemaker-model-building-pipeline-definition-JSON-schema,
schema/pipeline-definition.schema.json) is checked in tests when a copy is available: it defines
`Std:Join` but lets no argument use it, so this export uses `Get` only, and its RegisterModel step
has no ModelApprovalStatus: the Condition step decides whether a version is registered at all.
With `monitor` the definition has a QualityCheck step and with `bias` a ClarifyCheck step
(sagecli/flow/pipeline_checks.py) whose analysis configuration and dataset are uploaded before the pipeline
is created, as the SDK uploads them (sagecli/flow/pipeline_bias.py); the Process step carries the dataset's
seed and size in its Environment.
`sagecli pipeline run` runs a definition locally (pipeline_runner.py); `--as-pipeline` on the sagemaker
backend creates and starts it (pipeline_sagemaker.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagecli.aws import api_calls as calls
from sagecli.aws.images import MODEL_MONITOR_IMAGE, lookup
from sagecli.aws.plan import Layout
from sagecli.contracts import FlowOptions
from sagecli.errors import SageCliError
from sagecli.flow import pipeline_bias
from sagecli.flow import pipeline_checks as checks

VERSION = "2020-12-01"
# AWS documentation's placeholder account and bucket: the export never calls AWS; --role-arn/--bucket override
EXAMPLE_ROLE = "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole"
EXAMPLE_BUCKET = "amzn-s3-demo-bucket"
AUC_METRIC = "validation:auc"
PROC = "/opt/ml/processing"
# Pipelines reuses a cacheable step's earlier successful run when its Arguments are the same (ISO 8601 expiry)
CACHE = {"Enabled": True, "ExpireAfter": "P30D"}
CACHEABLE = ("Processing", "Training", "Tuning", "Transform", "QualityCheck", "ClarifyCheck")

# step Type -> (API whose request its Arguments are, the request's name member, Describe* operation)
STEP_APIS: dict[str, tuple[str, str | None, str]] = {
    "Processing": ("CreateProcessingJob", "ProcessingJobName", "DescribeProcessingJob"),
    "Training": ("CreateTrainingJob", "TrainingJobName", "DescribeTrainingJob"),
    "Tuning": ("CreateHyperParameterTuningJob", "HyperParameterTuningJobName", "DescribeHyperParameterTuningJob"),
    "Model": ("CreateModel", "ModelName", "DescribeModel"),
    "RegisterModel": ("CreateModelPackage", None, "DescribeModelPackage"),
    "Transform": ("CreateTransformJob", "TransformJobName", "DescribeTransformJob"),
    # check steps run a processing job (their own properties: pipeline_checks.CHECK_PROPERTIES)
    "QualityCheck": ("CreateProcessingJob", "ProcessingJobName", "DescribeProcessingJob"),
    "ClarifyCheck": ("CreateProcessingJob", "ProcessingJobName", "DescribeProcessingJob"),
}
# what the schema's RegisterModel Arguments allow (CreateModelPackage takes more)
CLARIFY_IMAGE = "image-clarify-processing"
REGISTER_KEYS = ("ModelPackageGroupName", "ModelPackageDescription", "InferenceSpecification", "ModelMetrics")


@dataclass
class Refs:
    """Every `Get` the export emits, with an example value used to validate requests offline."""

    examples: dict[str, Any] = field(default_factory=dict)

    def get(self, path: str, example: Any) -> dict[str, str]:
        self.examples[path] = example
        return {"Get": path}


def _drop(params: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in keys}


def _step(name: str, kind: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    cache = {"CacheConfig": dict(CACHE)} if kind in CACHEABLE else {}
    return {"Name": name, "Type": kind, "Arguments": arguments, **cache, **extra}


def _processing(*, image: str, role: str, script: str, inputs: Mapping[str, Any], outputs: Mapping[str, str],
                instance_type: Any, run_id: str, environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """CreateProcessingJob's request for a script run in the XGBoost image (as the SDK's XGBoostProcessor)."""
    env = {"Environment": dict(environment)} if environment else {}
    return {**env,
        "ProcessingInputs": [{"InputName": k, "S3Input": {
            "S3Uri": v, "LocalPath": f"{PROC}/input/{k}", "S3DataType": "S3Prefix", "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}} for k, v in inputs.items()],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": k, "S3Output": {
            "S3Uri": v, "LocalPath": f"{PROC}/output/{k}", "S3UploadMode": "EndOfJob"}} for k, v in outputs.items()]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": instance_type,
                                                  "VolumeSizeInGB": 30}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {"ImageUri": image,
                             "ContainerEntrypoint": ["python3", f"{PROC}/input/code/{script}"]},
        "RoleArn": role,
        "Tags": calls.tag_list(run_id),
    }


def _output(refs: Refs, step: str, name: str, example: str) -> dict[str, str]:
    return refs.get(f"Steps.{step}.ProcessingOutputConfig.Outputs['{name}'].S3Output.S3Uri", example)


def build_definition(opts: FlowOptions, steps: list[str], *, run_id: str, region: str, image: str,
                     role_arn: str | None = None, bucket: str | None = None) -> tuple[dict[str, Any], Refs]:
    """The pipeline definition for the planned steps (flow order), and the `Get` references it uses."""
    lay = Layout(run_id, bucket or EXAMPLE_BUCKET)
    role = role_arn or EXAMPLE_ROLE
    refs = Refs()
    params = [
        {"Name": "InputDataUrl", "Type": "String", "DefaultValue": lay.uri("raw") + "/"},
        {"Name": "ProcessingInstanceType", "Type": "String", "DefaultValue": opts.instance_type},
        {"Name": "TrainingInstanceType", "Type": "String", "DefaultValue": opts.instance_type},
        {"Name": "TrainingInstanceCount", "Type": "Integer", "DefaultValue": opts.instance_count},
        {"Name": "MinAuc", "Type": "Float", "DefaultValue": opts.min_auc},
    ]
    for p in params:
        refs.examples[f"Parameters.{p['Name']}"] = p["DefaultValue"]
    p = {n: refs.get(f"Parameters.{n}", refs.examples[f"Parameters.{n}"]) for n in
         ("InputDataUrl", "ProcessingInstanceType", "TrainingInstanceType", "TrainingInstanceCount", "MinAuc")}
    chosen = set(steps)
    out: list[dict[str, Any]] = []
    quality = "monitor" in chosen
    data = {k: lay.uri("processed", k) + "/" for k in ("train", "validation", "test", "transform")
            + (("baseline",) if quality else ())}
    # process.py makes the demo's synthetic dataset: its seed and size travel as the job's environment
    out.append(_step("Process", "Processing", _processing(
        image=image, role=role, script="process.py", inputs={"raw": p["InputDataUrl"],
                                                             "code": lay.uri("code", "process.py")},
        outputs=data, instance_type=p["ProcessingInstanceType"], run_id=run_id,
        environment={"SAGECLI_SEED": str(opts.seed), "SAGECLI_ROWS": str(opts.rows)})))
    if quality:
        out.append(checks.quality_check_step(
            "DataQualityCheck", image=lookup(MODEL_MONITOR_IMAGE, region), role=role,
            instance_type=p["ProcessingInstanceType"], baseline=_output(refs, "Process", "baseline", data["baseline"]),
            output_uri=lay.uri("monitoring", "baseline") + "/", group=opts.model_package_group,
            tags=calls.tag_list(run_id), cache=CACHE))
    channels = {k: _output(refs, "Process", k, data[k]) for k in ("train", "validation")}
    train_args = calls.create_training_job(
        name="placeholder", image=image, role_arn=role, channels=channels, hyperparameters=_hyperparameters(opts),
        input_mode=opts.input_mode, instance_type=opts.instance_type, instance_count=opts.instance_count,
        output_path=lay.uri("output") + "/", max_runtime_s=3600, run_id=run_id).params
    train_args = _drop(train_args, "TrainingJobName")
    train_args["ResourceConfig"] = {**train_args["ResourceConfig"], "InstanceType": p["TrainingInstanceType"],
                                    "InstanceCount": p["TrainingInstanceCount"]}
    artifact_example = lay.uri("output", "pipelines-train", "output", "model.tar.gz")
    if "tune" in chosen:
        out.append(_tuning_step(opts, train_args))
    trains = "train" in chosen or "tune" not in chosen or bool(chosen & {"evaluate", "register", "deploy", "transform"})
    if trains and chosen & {"train", "evaluate", "register", "deploy", "transform"}:
        out.append(_step("Train", "Training", train_args))
    if not trains:
        return _finish(params, out), refs
    artifact = refs.get("Steps.Train.ModelArtifacts.S3ModelArtifacts", artifact_example)
    evaluation = lay.uri("evaluation") + "/"
    if chosen & {"evaluate", "register"}:
        out.append(_step("Evaluate", "Processing", _processing(
            image=image, role=role, script="evaluate.py",
            inputs={"model": artifact, "test": _output(refs, "Process", "test", data["test"]),
                    "code": lay.uri("code", "evaluate.py")},
            outputs={"evaluation": evaluation}, instance_type=p["ProcessingInstanceType"], run_id=run_id)))
    model = calls.create_model("placeholder", image, "s3://placeholder/model.tar.gz", role, run_id).params
    model["PrimaryContainer"] = {**model["PrimaryContainer"], "ModelDataUrl": artifact}
    model_step = _step("CreateModel", "Model", _drop(model, "ModelName"))
    bias = "bias" in chosen
    if bias:  # the Clarify check scores its dataset with the step's model, so the model comes first
        out.append(model_step)
        out.append(checks.clarify_check_step(
            "BiasCheck", image=lookup(CLARIFY_IMAGE, region), role=role, instance_type=p["ProcessingInstanceType"],
            dataset=pipeline_bias.dataset_uri(lay), config_uri=pipeline_bias.config_uri(lay),
            output_uri=lay.uri("clarify", "output") + "/",
            model_name=refs.get("Steps.CreateModel.ModelName", "sagecli-pipelines-model"),
            group=opts.model_package_group, tags=calls.tag_list(run_id), cache=CACHE, depends_on=["Evaluate"]))
    if "register" in chosen:
        out.append(_condition_step(opts, refs, p["MinAuc"], image, artifact, evaluation, run_id,
                                   depends_on=["Evaluate", *(["BiasCheck"] if bias else [])]))
    if chosen & {"deploy", "transform"} and not bias:
        out.append(model_step)
    if "transform" in chosen:
        job = calls.create_transform_job(
            name="placeholder", model_name="placeholder", input_uri="s3://placeholder/",
            output_uri=lay.uri("transform-output") + "/", instance_type=opts.instance_type, instance_count=1,
            run_id=run_id, max_payload_mb=opts.max_payload_mb, join_source=opts.join_source).params
        job = _drop(job, "TransformJobName")
        job["ModelName"] = refs.get("Steps.CreateModel.ModelName", "sagecli-pipelines-model")
        source = job["TransformInput"]["DataSource"]["S3DataSource"]
        job["TransformInput"] = {**job["TransformInput"], "DataSource": {"S3DataSource": {
            **source, "S3Uri": _output(refs, "Process", "transform", data["transform"])}}}
        out.append(_step("Transform", "Transform", job))
    return _finish(params, out), refs


def _hyperparameters(opts: FlowOptions) -> dict[str, str]:
    """The training job's hyperparameters, as the flow's train step sets them."""
    from sagecli.flow.scoring import DEFAULT_HYPERPARAMETERS

    return {**DEFAULT_HYPERPARAMETERS, "seed": str(opts.seed), **dict(opts.hyperparameters)}


def _finish(params: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": VERSION, "Metadata": {}, "Parameters": params, "Steps": steps}


def _condition_step(opts: FlowOptions, refs: Refs, min_auc: Any, image: str, artifact: Any, evaluation: str,
                    run_id: str, depends_on: list[str]) -> dict[str, Any]:
    """Register only when the trained model's validation AUC reaches MinAuc (--min-auc); else fail the run."""
    package = calls.create_model_package(
        group=opts.model_package_group, image=image, model_data_url="s3://placeholder/model.tar.gz",
        metrics_uri=evaluation + "evaluation.json", metrics={}, approval_status="Approved", run_id=run_id,
        instance_type=opts.instance_type).params
    spec = package["InferenceSpecification"]
    package["InferenceSpecification"] = {**spec, "Containers": [{**spec["Containers"][0], "ModelDataUrl": artifact}]}
    register = _step("Register", "RegisterModel", {k: package[k] for k in REGISTER_KEYS})
    fail = _step("AucTooLow", "Fail", {"ErrorMessage": "validation AUC is below MinAuc; nothing is registered"})
    auc = refs.get(f"Steps.Train.FinalMetricDataList['{AUC_METRIC}'].Value", opts.min_auc)
    condition = {"Type": "GreaterThanOrEqualTo", "LeftValue": auc, "RightValue": min_auc}
    return _step("CheckAuc", "Condition", {"Conditions": [condition], "IfSteps": [register], "ElseSteps": [fail]},
                 DependsOn=depends_on)


def _tuning_step(opts: FlowOptions, train_args: Mapping[str, Any]) -> dict[str, Any]:
    """The tune step: CreateHyperParameterTuningJob over the same training job definition."""
    from sagecli.flow import tune_spec as spec
    from sagecli.flow.scoring import DEFAULT_HYPERPARAMETERS

    config = spec.tuning_config(opts.tune_strategy, opts.tune_max_jobs, opts.tune_max_parallel, spec.DEFAULT_RANGES,
                                AUC_METRIC, "Maximize", opts.tune_early_stopping, opts.seed)
    tuned = {r["Name"] for group in spec.DEFAULT_RANGES.values() for r in group}
    static = {k: v for k, v in {**DEFAULT_HYPERPARAMETERS, **dict(opts.hyperparameters)}.items() if k not in tuned}
    definition = {
        "StaticHyperParameters": static,
        "AlgorithmSpecification": train_args["AlgorithmSpecification"],
        "RoleArn": train_args["RoleArn"], "InputDataConfig": train_args["InputDataConfig"],
        "OutputDataConfig": train_args["OutputDataConfig"], "ResourceConfig": train_args["ResourceConfig"],
        "StoppingCondition": train_args["StoppingCondition"],
    }
    return _step("Tune", "Tuning", {"HyperParameterTuningJobConfig": _drop(config, "RandomSeed"),
                                    "TrainingJobDefinition": definition, "Tags": train_args["Tags"]})


def _substitute(value: Any, examples: Mapping[str, Any]) -> Any:
    """A copy of `value` with every {"Get": path} replaced by its example value."""
    if isinstance(value, dict):
        if set(value) == {"Get"}:  # a Get with no example is reported by reference_problems
            return examples.get(value["Get"], "unresolved")
        return {k: _substitute(v, examples) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, examples) for v in value]
    return value


def iter_steps(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every step in execution order, a Condition step's branches right after it."""
    out = []
    for step in definition["Steps"]:
        out.append(step)
        if step["Type"] == "Condition":
            out += step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", [])
    return out


def _gets(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"Get"}:
            return [value["Get"]]
        return [g for v in value.values() for g in _gets(v)]
    if isinstance(value, list):
        return [g for v in value for g in _gets(v)]
    return []


def example_requests(definition: Mapping[str, Any], refs: Refs) -> list[tuple[str, str, dict[str, Any]]]:
    """(step, API operation, request) per job step: Gets replaced by examples, a job name added."""
    out = []
    for step in iter_steps(definition):
        api = STEP_APIS.get(step["Type"])
        if api is None:
            continue
        request = _substitute(step["Arguments"], refs.examples)
        if api[1]:
            request[api[1]] = f"sagecli-pipelines-{step['Name'].lower()}"
        out.append((step["Name"], api[0], request))
    return out


def request_problems(definition: Mapping[str, Any], refs: Refs) -> list[str]:
    """Each job step's Arguments (Gets replaced by examples, a job name added) against botocore's request shape."""
    from sagecli.aws.validate import problems_for

    return [f"{name}: {p}" for name, operation, request in example_requests(definition, refs)
            for p in problems_for("sagemaker", operation, request)]


def reference_problems(definition: Mapping[str, Any]) -> list[str]:
    """Each Get names a parameter, or an earlier step and a member of that step's Describe* response."""
    from sagecli.aws.validate import service_model

    params = {p["Name"] for p in definition.get("Parameters", [])}
    model = service_model("sagemaker")
    seen: dict[str, str] = {}
    problems = []
    for step in iter_steps(definition):
        for path in _gets([step["Arguments"], checks.check_fields(step)]):
            head, _, rest = path.partition(".")
            if head == "Parameters":
                if rest not in params:
                    problems.append(f"{step['Name']}: {path} names no parameter")
                continue
            target, _, prop = rest.partition(".")
            member = prop.split(".")[0].split("[")[0]
            if head != "Steps" or target not in seen:
                problems.append(f"{step['Name']}: {path} does not name an earlier step")
                continue
            if seen[target] in checks.CHECK_PROPERTIES:
                if member not in checks.CHECK_PROPERTIES[seen[target]]:
                    problems.append(f"{step['Name']}: {path}: {member} is not a {seen[target]} property")
                continue
            output = model.operation_model(STEP_APIS[seen[target]][2]).output_shape
            if member not in output.members:
                problems.append(f"{step['Name']}: {path}: {member} is not in {output.name}")
        seen[step["Name"]] = step["Type"]
    return problems


def definition_problems(definition: Mapping[str, Any], refs: Refs) -> list[str]:
    """Every offline problem: requests, references, and CreatePipeline's PipelineDefinition length."""
    from sagecli.aws.validate import problems_for, service_model

    text = json.dumps(definition)
    create = {"PipelineName": "sagecli-demo", "PipelineDefinition": text, "ClientRequestToken": "x" * 32,
              "RoleArn": EXAMPLE_ROLE}
    # botocore's ParamValidator checks minimum lengths only: the maximum is read from the model here
    limit = service_model("sagemaker").operation_model("CreatePipeline").input_shape.members[
        "PipelineDefinition"].metadata.get("max")
    too_long = [f"CreatePipeline: PipelineDefinition is {len(text)} characters, more than its maximum {limit}"
                ] if limit and len(text) > limit else []
    names = [s["Name"] for s in iter_steps(definition)]
    dupes = sorted({n for n in names if names.count(n) > 1})
    check_problems = [p for s in iter_steps(definition) if s["Type"] in checks.CHECK_PROPERTIES
                      for p in checks.check_problems(s)]
    return (request_problems(definition, refs) + reference_problems(definition) + check_problems
            + [f"CreatePipeline: {p}" for p in problems_for("sagemaker", "CreatePipeline", create)] + too_long
            + ([f"step names repeat: {', '.join(dupes)}"] if dupes else []))


def export_pipeline(path: Path, opts: FlowOptions, steps: list[str], *, run_id: str, region: str, image: str,
                    role_arn: str | None = None, bucket: str | None = None) -> dict[str, Any]:
    """Build, validate and atomically write the definition; a summary of what was written."""
    from sagecli.paths import atomic_write_text

    definition, refs = build_definition(opts, steps, run_id=run_id, region=region, image=image,
                                        role_arn=role_arn, bucket=bucket)
    problems = definition_problems(definition, refs)
    if problems:
        raise SageCliError(f"the pipeline definition is invalid: {problems[0]}",
                           hint="nothing was written; please report this")
    text = json.dumps(definition, indent=2) + "\n"
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if path.is_dir() or blocking is not None:
        what = f"{path} is a directory" if blocking is None else f"{blocking} is a file, not a folder"
        raise SageCliError(f"cannot write the pipeline definition: {what}", hint="choose a writable path")
    try:
        atomic_write_text(path, text)
    except OSError as err:
        raise SageCliError(f"cannot write the pipeline definition to {path}: {err.strerror or err}",
                           hint="choose a writable path") from None
    return {"path": str(path), "version": VERSION, "steps": [s["Name"] for s in iter_steps(definition)],
            "parameters": [p["Name"] for p in definition["Parameters"]], "bytes": len(text.encode())}
