"""The plan shown before anything is created: every call of the run with its request, validated offline.

Names follow the flow's conventions (sagecli/flow/steps.py) and the S3 layout below, so the plan
shows what the run will send; the backend builds its real requests with the same builders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sagecli.aws import api_calls as calls
from sagecli.aws import clarify_calls, tuning_calls
from sagecli.aws.api_calls import ApiCall
from sagecli.aws.validate import problems_for
from sagecli.contracts import DEFAULT_MODEL_PACKAGE_GROUP

VARIANT = "AllTraffic"


def safe_name(text: str, limit: int = 63) -> str:
    """A SageMaker resource name: letters, digits and single hyphens, at most `limit` characters."""
    name = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-")
    return name[:limit].rstrip("-")


@dataclass(frozen=True)
class Layout:
    """Where a run's objects go: s3://<bucket>/sagecli/<run-id>/..., and its resource names."""

    run_id: str
    bucket: str

    @property
    def prefix(self) -> str:
        """The run's S3 prefix URI (ends with /)."""
        return f"s3://{self.bucket}/sagecli/{self.run_id}/"

    def uri(self, *parts: str) -> str:
        """A URI under the run's prefix."""
        return self.prefix + "/".join(p.strip("/") for p in parts)

    def name(self, suffix: str) -> str:
        """`sagecli-<run-id>-<suffix>` as a valid resource name."""
        return safe_name(f"sagecli-{self.run_id}-{suffix}")

    @property
    def endpoint(self) -> str:
        """The endpoint name the flow's deploy step uses."""
        return safe_name(f"sagecli-demo-{self.run_id}")


@dataclass
class PlanSpec:
    """Everything the plan depends on."""

    run_id: str
    region: str
    account: str
    role_arn: str
    bucket: str
    bucket_exists: bool
    image: str
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    input_mode: str = "File"
    hyperparameters: dict[str, str] = field(default_factory=dict)
    channel_files: dict[str, list[str]] = field(default_factory=dict)  # channel -> file names
    spot: bool = False
    max_runtime_s: int = 3600
    sampling_percentage: int = 100
    max_payload_mb: int = 6
    join_source: str = "None"
    min_auc: float = 0.75
    monitoring_image: str | None = None  # set with --monitoring-schedule
    group_exists: bool = False
    group_name: str = DEFAULT_MODEL_PACKAGE_GROUP  # the register step's ModelPackageGroupName
    steps: tuple[str, ...] = ("process", "train", "evaluate", "register", "deploy", "transform")
    features: dict[str, Any] | None = None  # the features step's group: name, definitions, sample, count
    tuning: dict[str, Any] | None = None  # the tune step: name, config, tuned (aws/tuning_calls.py)
    clarify: dict[str, Any] | None = None  # the bias step: its Clarify job's settings (aws/clarify_calls.py)
    rollout: Any = None  # run-demo --rollout: a contracts.RolloutSpec (sagecli/aws/rollout_calls.py)
    inference: str = "realtime"  # --inference: serverless | async | multi-model plan in endpoint_calls.py
    memory_size_mb: int = 2048
    max_concurrency: int = 5
    provisioned_concurrency: int | None = None


def shard_names(file_name: str, count: int) -> list[str]:
    """File names for a train file split into one shard per instance (ShardedByS3Key)."""
    if count <= 1:
        return [file_name]
    stem, dot, ext = file_name.rpartition(".")
    return [f"{stem}-part{i:02d}{dot}{ext}" for i in range(count)]


def build_plan(spec: PlanSpec) -> list[ApiCall]:
    """The calls a run makes, in order (the bucket and group only when missing)."""
    lay = Layout(spec.run_id, spec.bucket)
    out: list[ApiCall] = []
    if not spec.bucket_exists:
        out += [calls.create_bucket(spec.bucket, spec.region, spec.run_id), calls.tag_bucket(spec.bucket, spec.run_id)]
    channel_uris = {}
    for channel, files in spec.channel_files.items():
        channel_uris[channel] = lay.uri("input", channel) + "/"
        names = shard_names(files[0], spec.instance_count) if channel == "train" and files else files
        out += [calls.put_object(lay.uri("input", channel, f), spec.run_id, f"{channel}/{f}") for f in names]
    steps = set(spec.steps)
    if spec.features is not None:  # the features step (sagecli/aws/featurestore_calls.py)
        from sagecli.aws.featurestore_calls import plan_calls

        out += plan_calls(s3_uri=lay.uri("feature-store"), role_arn=spec.role_arn, run_id=spec.run_id,
                          **spec.features)
    job = lay.name("train")
    train_call = calls.create_training_job(
        name=job, image=spec.image, role_arn=spec.role_arn,
        channels={k: channel_uris[k] for k in ("train", "validation") if k in channel_uris},
        hyperparameters=spec.hyperparameters, input_mode=spec.input_mode, instance_type=spec.instance_type,
        instance_count=spec.instance_count, output_path=lay.uri("output") + "/",
        max_runtime_s=spec.max_runtime_s, run_id=spec.run_id, spot=spec.spot,
        checkpoint_uri=lay.uri("checkpoints") + "/")
    if "train" in steps:
        out.append(train_call)
    out += tuning_calls.plan_calls(spec.tuning, train_call, spec.run_id)
    out += clarify_calls.plan_calls(spec.clarify, role_arn=spec.role_arn, layout=lay, run_id=spec.run_id,
                                    instance_type=spec.instance_type,
                                    model_image=None if steps & {"deploy", "transform"} else spec.image)
    artifact = lay.uri("output", job, "output", "model.tar.gz")
    if "register" in steps:
        out += _register_calls(spec, artifact, lay)
    model = lay.name("model")
    if "transform" in steps or ("deploy" in steps and spec.inference != "multi-model"):
        out.append(calls.create_model(model, spec.image, artifact, spec.role_arn, spec.run_id))
    if "deploy" in steps and spec.inference in ("serverless", "async", "multi-model"):
        from sagecli.aws.endpoint_calls import plan_inference

        out += plan_inference(spec, lay, VARIANT)
    elif "deploy" in steps:
        out.append(calls.create_endpoint_config(
            name=lay.name("config"), model_name=model, variant=VARIANT, instance_type=spec.instance_type,
            instance_count=1, run_id=spec.run_id, capture_uri=lay.uri("datacapture"),
            sampling_percentage=spec.sampling_percentage))
        out.append(calls.create_endpoint(lay.endpoint, lay.name("config"), spec.run_id))
        if spec.monitoring_image:
            out.append(calls.create_monitoring_schedule(
                name=lay.name("monitor"), endpoint_name=lay.endpoint, image=spec.monitoring_image,
                role_arn=spec.role_arn, output_uri=lay.uri("monitoring") + "/", instance_type=spec.instance_type,
                run_id=spec.run_id))
    if "rollout" in steps and "deploy" in steps and spec.rollout is not None:
        from sagecli.aws.rollout_calls import plan_rollout

        out += plan_rollout(spec, lay, out)
    if "transform" in steps:
        out.append(calls.create_transform_job(
            name=lay.name("transform"), model_name=model, input_uri=channel_uris.get("transform", lay.uri("input")),
            output_uri=lay.uri("transform-output") + "/", instance_type=spec.instance_type, instance_count=1,
            run_id=spec.run_id, max_payload_mb=spec.max_payload_mb, join_source=spec.join_source))
    return out


def _register_calls(spec: PlanSpec, artifact: str, lay: Layout) -> list[ApiCall]:
    metrics_uri = lay.uri("evaluation", "evaluation.json")
    out = [calls.put_object(metrics_uri, spec.run_id, "evaluation.json", "application/json")]
    if not spec.group_exists:
        out.append(calls.create_model_package_group(spec.group_name, spec.run_id))
    package = calls.create_model_package(
        group=spec.group_name, image=spec.image, model_data_url=artifact, metrics_uri=metrics_uri,
        metrics={"auc": 0.0}, approval_status="Approved", run_id=spec.run_id, instance_type=spec.instance_type)
    out.append(_with_summary(package, f"register a version in {spec.group_name}: Approved if test AUC >= "
                                      f"{spec.min_auc}, else Rejected (and nothing is deployed)"))
    return out


def _with_summary(call: ApiCall, summary: str) -> ApiCall:
    from dataclasses import replace

    return replace(call, summary=summary)


def validate_plan(plan: list[ApiCall]) -> dict[int, list[str]]:
    """Problems per call index (empty when every request validates against botocore's model)."""
    found = {}
    for i, call in enumerate(plan):
        problems = problems_for(call.service, call.operation, call.params)
        if problems:
            found[i] = problems
    return found


def plan_to_dicts(plan: list[ApiCall]) -> list[dict[str, Any]]:
    """The plan as JSON-ready dicts."""
    return [{"service": c.service, "operation": c.operation, "summary": c.summary, "creates": c.kind,
             "request": c.params} for c in plan]
