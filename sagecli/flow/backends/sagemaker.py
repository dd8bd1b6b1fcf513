"""The SageMaker backend: the same flow on AWS with plain boto3, safe with money.

prepare() checks everything it can before any resource exists (region, role ARN, instance type,
credentials), prints the plan (every request, validated offline) with the account, Region and a
cost estimate, and asks for confirmation (--dry-run stops after the plan). Every create is tagged
`sagecli:run-id=<id>` and written to a ledger under $SAGECLI_HOME; teardown() deletes in reverse
order and is called by the flow in a finally.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sagecli.aws import api_calls as calls
from sagecli.aws import preflight
from sagecli.aws.executor import UnsafeKey
from sagecli.aws.plan import Layout, PlanSpec, build_plan, shard_names, validate_plan
from sagecli.contracts import (
    ChannelData,
    Endpoint,
    EndpointRequest,
    InvokeResult,
    MetricPoint,
    ModelPackage,
    ModelPackageRequest,
    Resource,
    RunContext,
    TrainingRequest,
    TrainingResult,
    TransformRequest,
    TransformResult,
)
from sagecli.errors import SageCliError
from sagecli.names import endpoint_name


class PlanShown(SystemExit):
    """--dry-run: the plan was printed and nothing was created (exit status 0)."""

    def __init__(self) -> None:
        super().__init__(0)


class SageMakerBackend:
    """Backend protocol on Amazon SageMaker AI (boto3; never the SageMaker Python SDK)."""

    name = "sagemaker"

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.opts = dict(ctx.options.backend_options)
        self.aws: Any = None
        self.ledger: Any = None
        self.exe: Any = None
        self.layout: Layout | None = None
        self.image = ""
        self.model_name: str | None = None
        self.poll_s = float(self.opts.get("poll_s", 15))
        self.max_runtime_s = int(self.opts.get("max_runtime_s", 3600))
        self.spec: Any = None
        self._told_json = False

    # -- before anything exists -------------------------------------------------------------
    def prepare(self, ctx: RunContext) -> None:
        """Checks, plan, cost and confirmation; nothing is created here."""
        from sagecli.aws import checks, images, session
        from sagecli.aws.cost import estimate
        from sagecli.aws.endpoint_calls import plan_notes
        from sagecli.aws.render import render_plan
        from sagecli.flow.features import feature_plan
        from sagecli.flow.plan import plan_steps

        o = ctx.options
        region = checks.check_region(session.resolve_region(self.opts.get("region")))
        role = checks.check_role_arn(self.opts.get("role_arn"), region)
        steps = set(plan_steps(o.steps)[0])
        uses = {"training": ("train", "tune"), "hosting": ("deploy", "bias"), "transform": ("transform",),
                "processing": ("bias",)}  # bias: a Clarify processing job and its shadow endpoint
        checks.check_instance_type(o.instance_type, tuple(use for use, names in uses.items() if steps & set(names)))
        checks.check_input_mode(o.input_mode)
        checks.check_counts(o.instance_count, self.max_runtime_s)
        if o.entry_point is not None:
            raise SageCliError("--entry-point works with the local backend only",
                               hint="the sagemaker backend runs the built-in XGBoost algorithm image")
        self.image = images.lookup(images.XGBOOST_IMAGE, region)
        monitor_image = (images.lookup(images.MODEL_MONITOR_IMAGE, region)
                         if self.opts.get("monitoring_schedule") else None)
        self.aws = session.connect(region)
        bucket = self.opts.get("bucket") or f"sagemaker-{region}-{self.aws.account}"
        self.layout = Layout(ctx.run_id, bucket)
        bucket_exists = preflight.bucket_exists(self.aws, bucket)
        if not bucket_exists:
            checks.check_bucket_name(bucket)
        spec = PlanSpec(
            run_id=ctx.run_id, region=region, account=self.aws.account, role_arn=role, bucket=bucket,
            bucket_exists=bucket_exists, image=self.image, instance_type=o.instance_type,
            instance_count=o.instance_count, input_mode=o.input_mode, spot=bool(self.opts.get("spot")),
            hyperparameters=self._hyperparameters(), max_runtime_s=self.max_runtime_s,
            channel_files={"train": ["train.csv"], "validation": ["validation.csv"], "test": ["test.csv"],
                           "transform": ["test.csv"], "baseline": ["train-features.csv"]},
            sampling_percentage=o.sampling_percentage, max_payload_mb=o.max_payload_mb, join_source=o.join_source,
            min_auc=o.min_auc, monitoring_image=monitor_image,
            group_exists=preflight.group_exists(self.aws, o.model_package_group), group_name=o.model_package_group,
            steps=tuple(plan_steps(o.steps)[0]), features=feature_plan(ctx) if "features" in steps else None,
            tuning=self._plan_extra("tune", region), clarify=self._plan_extra("bias", region), rollout=o.rollout,
            inference=o.inference, memory_size_mb=o.memory_size_mb, max_concurrency=o.max_concurrency,
            provisioned_concurrency=self.opts.get("provisioned_concurrency"))
        self.spec = spec
        plan = build_plan(spec)
        problems = validate_plan(plan)
        if problems:
            i, found = next(iter(problems.items()))
            raise SageCliError(f"{plan[i].operation} request does not validate: {found[0]}",
                               hint="nothing was created")
        costs = estimate(plan, region)
        out = sys.stderr if self.opts.get("json") and not self.opts.get("dry_run") else sys.stdout
        render_plan(plan, costs, self.aws, as_json=bool(self.opts.get("json")), out=out,
                    notes=preflight.algorithm_notes(o.input_mode) + plan_notes(o.inference))
        if self.opts.get("dry_run"):
            raise PlanShown()
        question = f"Create these resources in AWS account {self.aws.account}, region {region}?"
        if not ctx.confirm(question):
            raise SageCliError("cancelled: nothing was created")
        from sagecli.aws.executor import Executor
        from sagecli.aws.ledger import Ledger

        self.ledger = Ledger.create(ctx.run_id, self.aws.account, region)
        self.exe = Executor(self.aws, self.ledger)
        ctx.emit("process", f"ledger {self.ledger.path}")

    def _plan_extra(self, step: str, region: str) -> Any:
        """What the plan needs for the tune or bias step, when chosen (flow/tune_sagemaker.py, bias_sagemaker.py)."""
        from sagecli.flow.plan import plan_steps

        if step not in plan_steps(self.ctx.options.steps)[0]:
            return None
        if step == "tune":
            from sagecli.flow.tune_sagemaker import plan_settings

            return plan_settings(self.ctx.options, self.ctx.run_id)
        from sagecli.flow.bias_sagemaker import plan_settings as bias_settings

        return bias_settings(self.ctx.options, region)

    def clarify(self, model_artifact: str, config: dict[str, Any], dataset: bytes, dest: Path) -> Any:
        """Run a Clarify processing job on the model (aws/clarify_calls.py, flow/bias_sagemaker.py)."""
        from sagecli.flow.bias_sagemaker import run_clarify

        return run_clarify(self, model_artifact, config, dataset, dest)

    def _hyperparameters(self) -> dict[str, str]:
        from sagecli.flow.steps import DEFAULT_HYPERPARAMETERS

        o = self.ctx.options
        return {**DEFAULT_HYPERPARAMETERS, "seed": str(o.seed), **dict(o.hyperparameters)}

    # -- the flow's steps ---------------------------------------------------------------------
    def _say(self, step: str, message: str) -> None:
        self.ctx.emit(step, message)

    def upload_channels(self, channels: Sequence[ChannelData]) -> dict[str, str]:
        """Create the bucket if missing, then PutObject every channel file (train sharded per instance)."""
        assert self.layout is not None and self.exe is not None
        lay, run_id = self.layout, self.ctx.run_id
        if not self.spec.bucket_exists:
            self.exe.call(calls.create_bucket(lay.bucket, self.aws.region, run_id))
            self.exe.call(calls.tag_bucket(lay.bucket, run_id))
        self.ledger.mark(self.ledger.begin("S3Prefix", lay.prefix, "the run's objects"), "created")
        uris: dict[str, str] = {}
        count = self.ctx.options.instance_count
        for ch in channels:
            files = sorted(p for p in ch.local_dir.iterdir() if p.is_file())
            uris[ch.name] = lay.uri("input", ch.name) + "/"
            for path in files:
                if ch.name == "train" and count > 1:
                    self._upload_shards(path, lay, count)
                    continue
                self.exe.upload(calls.put_object(lay.uri("input", ch.name, path.name), run_id, str(path),
                                                 ch.content_type), path)
            self._say("process", f"uploaded {ch.name} -> {uris[ch.name]}")
        return uris

    def _upload_shards(self, path: Path, lay: Layout, count: int) -> None:
        lines = path.read_bytes().splitlines(keepends=True)
        for i, name in enumerate(shard_names(path.name, count)):
            call = calls.put_object(lay.uri("input", "train", name), self.ctx.run_id, name)
            self.exe.put_bytes(call, b"".join(lines[i::count]))

    def training_call(self, request: TrainingRequest) -> Any:
        """The CreateTrainingJob request for a training request (the train step's; tune's definition too)."""
        assert self.layout is not None
        lay = self.layout
        return calls.create_training_job(
            name=request.job_name, image=self.image, role_arn=self.spec.role_arn, channels=request.channels,
            hyperparameters=request.hyperparameters, input_mode=request.input_mode,
            instance_type=request.instance_type, instance_count=request.instance_count,
            output_path=lay.uri("output") + "/", max_runtime_s=min(request.max_runtime_s, self.max_runtime_s),
            run_id=self.ctx.run_id, content_type=request.content_type, spot=self.spec.spot,
            checkpoint_uri=lay.uri("checkpoints") + "/")

    def train(self, request: TrainingRequest) -> TrainingResult:
        """CreateTrainingJob and wait, showing status and secondary status."""
        from sagecli.aws.executor import wait_for

        call = self.training_call(request)
        t0 = time.monotonic()
        self.exe.call(call)
        sm = self.aws.client("sagemaker")
        desc = wait_for(lambda: sm.describe_training_job(TrainingJobName=request.job_name), "TrainingJobStatus",
                        ("Completed", "Failed", "Stopped"), lambda m: self._say("train", f"{request.job_name}: {m}"),
                        self.poll_s, self.max_runtime_s * 3, lambda d: d.get("SecondaryStatus", ""))
        final = {m["MetricName"]: float(m["Value"]) for m in desc.get("FinalMetricDataList", [])}
        return TrainingResult(
            job_name=request.job_name, status=desc["TrainingJobStatus"],
            model_artifact=desc.get("ModelArtifacts", {}).get("S3ModelArtifacts"),
            metrics=[MetricPoint(k, v) for k, v in final.items()], final_metrics=final,
            failure_reason=desc.get("FailureReason"), secondary_status=desc.get("SecondaryStatus"),
            duration_s=time.monotonic() - t0, arn=desc.get("TrainingJobArn"))

    def tune(self, request: TrainingRequest, name: str, config: dict[str, Any], tuned: set[str]) -> Any:
        """CreateHyperParameterTuningJob from the train step's request, wait, the best job (aws/tuning_calls.py)."""
        from sagecli.aws import tuning_calls

        call = tuning_calls.plan_call(name, config, self.training_call(request), tuned, self.ctx.run_id)
        return tuning_calls.run_tuning(self.exe, self.aws.client("sagemaker"), call,
                                       lambda m: self._say("tune", m), self.poll_s, self.max_runtime_s * 3)

    def download(self, uri: str, dest: Path) -> list[Path]:
        """Copy an S3 object or prefix to a local directory."""
        return self.exe.download(uri, dest)

    def register_model(self, request: ModelPackageRequest) -> ModelPackage:
        """Upload the evaluation metrics, create the group if missing, add a version with its approval status."""
        assert self.layout is not None
        sm, run_id = self.aws.client("sagemaker"), self.ctx.run_id
        metrics_uri = self.layout.uri("evaluation", "evaluation.json")
        report = {"binary_classification_metrics": {k: {"value": v, "standard_deviation": "NaN"}
                                                    for k, v in request.metrics.items()}}
        self.exe.put_bytes(calls.put_object(metrics_uri, run_id, "evaluation.json", "application/json"),
                           json.dumps(report, indent=2).encode())
        if not preflight.group_exists(self.aws, request.group_name):
            self.exe.call(calls.create_model_package_group(request.group_name, run_id, request.description))
        resp = self.exe.call(calls.create_model_package(
            group=request.group_name, image=self.image, model_data_url=request.model_artifact,
            metrics_uri=metrics_uri, metrics=request.metrics, approval_status=request.approval_status,
            run_id=run_id, description=request.description, instance_type=self.ctx.options.instance_type,
            content_types=preflight.xgboost_request_types(tuple(request.content_types)),
            response_types=request.response_types))
        arn = resp["ModelPackageArn"]
        desc = sm.describe_model_package(ModelPackageName=arn)
        return ModelPackage(group_name=request.group_name, version=int(desc.get("ModelPackageVersion", 0)), arn=arn,
                            approval_status=desc.get("ModelApprovalStatus", request.approval_status),
                            metrics=dict(request.metrics), model_artifact=request.model_artifact,
                            created=str(desc.get("CreationTime", "")))

    def _ensure_model(self, model_artifact: str) -> str:
        assert self.layout is not None
        if self.model_name is None:
            name = self.layout.name("model")
            self.exe.call(calls.create_model(name, self.image, model_artifact, self.spec.role_arn, self.ctx.run_id))
            self.model_name = name
        return self.model_name

    def deploy(self, request: EndpointRequest) -> Endpoint:
        """CreateModel, CreateEndpointConfig with DataCaptureConfig, CreateEndpoint; wait for InService."""
        from sagecli.aws.executor import wait_for

        assert self.layout is not None
        if request.serverless or request.async_config or request.multi_model:  # --inference options
            from sagecli.flow.backends import sagemaker_inference

            return sagemaker_inference.deploy(self, request)
        lay, run_id = self.layout, self.ctx.run_id
        model = self._ensure_model(request.model_artifact)
        cap = request.data_capture
        config = lay.name("config")
        capture_uri = lay.uri("datacapture")
        self.exe.call(calls.create_endpoint_config(
            name=config, model_name=model, variant=request.variant_name, instance_type=request.instance_type,
            instance_count=request.instance_count, run_id=run_id, capture_uri=capture_uri,
            sampling_percentage=cap.sampling_percentage, capture_enabled=cap.enabled,
            capture_modes=cap.capture_modes, csv_types=cap.csv_content_types, json_types=cap.json_content_types))
        self.exe.call(calls.create_endpoint(request.endpoint_name, config, run_id))
        sm = self.aws.client("sagemaker")
        desc = wait_for(lambda: sm.describe_endpoint(EndpointName=request.endpoint_name), "EndpointStatus",
                        ("InService", "Failed", "OutOfService"),
                        lambda m: self._say("deploy", f"{request.endpoint_name}: {m}"), self.poll_s, 3600)
        if desc["EndpointStatus"] != "InService":
            raise SageCliError(f"endpoint {request.endpoint_name} is {desc['EndpointStatus']}: "
                               f"{desc.get('FailureReason', 'no reason given')}")
        if self.opts.get("monitoring_schedule"):
            self._monitoring_schedule(request)
        return Endpoint(name=request.endpoint_name, status="InService", variant_name=request.variant_name,
                        region=self.aws.region, capture_uri=capture_uri, arn=desc.get("EndpointArn"))

    def _monitoring_schedule(self, request: EndpointRequest) -> None:
        """The optional Model Monitor schedule; an account without Model Monitor gets a warning, not a failure."""
        from sagecli.aws import images

        assert self.layout is not None
        try:
            self.exe.call(calls.create_monitoring_schedule(
                name=self.layout.name("monitor"), endpoint_name=request.endpoint_name,
                image=images.lookup(images.MODEL_MONITOR_IMAGE, self.aws.region), role_arn=self.spec.role_arn,
                output_uri=self.layout.uri("monitoring") + "/", instance_type=request.instance_type,
                run_id=self.ctx.run_id))
        except SageCliError as err:
            self._say("deploy", f"monitoring schedule not created ({err.message}); Model Monitor is closed to new "
                                "customers. The monitor step still analyses the captured data itself.")

    def invoke(self, endpoint: Endpoint, body: bytes, content_type: str = "text/csv",
               accept: str = "text/csv", inference_id: str | None = None) -> InvokeResult:
        """InvokeEndpoint through boto3's sagemaker-runtime client."""
        if content_type.split(";")[0].strip() == "application/json":
            csv = preflight.json_instances_to_csv(body)
            if csv is not None:  # the built-in XGBoost container takes text/csv, libsvm or recordio-protobuf only
                if not self._told_json:
                    self._say("invoke", "the built-in XGBoost container does not accept application/json requests: "
                                        "sending the JSON instances as text/csv (Accept unchanged)")
                    self._told_json = True
                body, content_type = csv, "text/csv"
        kwargs: dict[str, Any] = {"EndpointName": endpoint.name, "Body": body, "ContentType": content_type,
                                  "Accept": accept}
        if inference_id:
            kwargs["InferenceId"] = inference_id
        from sagecli.flow.backends import sagemaker_inference

        t0 = time.perf_counter()
        # serverless: a not-ready model is retried, a throttled request is one clear line (and counted)
        resp, data = sagemaker_inference.invoke_endpoint(self, endpoint, kwargs)
        return InvokeResult(body=data, content_type=resp.get("ContentType", accept),
                            invoked_variant=resp.get("InvokedProductionVariant"),
                            latency_ms=(time.perf_counter() - t0) * 1000)

    # -- --inference serverless|async|multi-model: the local backend's methods (sagemaker_inference.py) ------
    def run_uri(self, *parts: str) -> str:
        """An s3:// URI under the run's prefix."""
        from sagecli.flow.backends import sagemaker_inference

        return sagemaker_inference.run_uri(self, *parts)

    def put_object(self, uri: str, data: bytes) -> str:
        """PutObject (tagged) under the run's prefix; return the URI."""
        from sagecli.flow.backends import sagemaker_inference

        return sagemaker_inference.put_object(self, uri, data)

    def object_path(self, uri: str) -> Path:
        """Download an object to the run directory (a missing object gives a path that does not exist)."""
        from sagecli.flow.backends import sagemaker_inference

        return sagemaker_inference.object_path(self, uri)

    def invoke_async(self, endpoint: Endpoint, input_uri: str, content_type: str = "text/csv",
                     accept: str = "text/csv", inference_id: str | None = None) -> dict[str, str]:
        """InvokeEndpointAsync (InferenceId, OutputLocation, FailureLocation)."""
        from sagecli.flow.backends import sagemaker_inference

        return sagemaker_inference.invoke_async(self, endpoint, input_uri, content_type, accept, inference_id)

    def invoke_target(self, endpoint: Endpoint, body: bytes, target_model: str, content_type: str = "text/csv",
                      accept: str = "text/csv") -> InvokeResult:
        """InvokeEndpoint with TargetModel on a multi-model endpoint."""
        from sagecli.flow.backends import sagemaker_inference

        return sagemaker_inference.invoke_target(self, endpoint, body, target_model, content_type, accept)

    def endpoint_stats(self, endpoint: Endpoint) -> dict[str, Any]:
        """What the client measured, and which async outputs or failures exist (marked measured: client)."""
        from sagecli.flow.backends import sagemaker_inference

        return sagemaker_inference.endpoint_stats(self, endpoint)

    def batch_transform(self, request: TransformRequest) -> TransformResult:
        """CreateTransformJob over the uploaded transform channel; wait for the end."""
        from sagecli.aws.executor import wait_for

        assert self.layout is not None
        model = self._ensure_model(request.model_artifact)
        output = request.output_uri or self.layout.uri("transform-output") + "/"
        self.exe.call(calls.create_transform_job(
            name=request.job_name, model_name=model, input_uri=request.input_uri, output_uri=output,
            instance_type=request.instance_type, instance_count=request.instance_count, run_id=self.ctx.run_id,
            content_type=request.content_type, accept=request.accept, split_type=request.split_type,
            batch_strategy=request.batch_strategy, max_payload_mb=request.max_payload_mb,
            max_concurrent=request.max_concurrent_transforms, assemble_with=request.assemble_with,
            join_source=request.join_source))
        t0 = time.monotonic()
        sm = self.aws.client("sagemaker")
        desc = wait_for(lambda: sm.describe_transform_job(TransformJobName=request.job_name), "TransformJobStatus",
                        ("Completed", "Failed", "Stopped"),
                        lambda m: self._say("transform", f"{request.job_name}: {m}"), self.poll_s, 3 * 3600)
        # DescribeTransformJob reports no record or request counts: the flow counts the output records itself
        return TransformResult(job_name=request.job_name, status=desc["TransformJobStatus"], output_uri=output,
                               failure_reason=desc.get("FailureReason"), duration_s=time.monotonic() - t0,
                               requests=None)

    def fetch_capture(self, endpoint: Endpoint, dest: Path, min_records: int = 0,
                      timeout_s: float = 0.0) -> list[Path]:
        """Download <capture>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl, waiting for S3 delivery."""
        assert endpoint.capture_uri
        prefix = f"{endpoint.capture_uri.rstrip('/')}/{endpoint.name}/"
        folder = dest / endpoint_name(endpoint.name)
        start = time.monotonic()
        while True:
            try:
                files = self.exe.download(prefix, folder)
            except UnsafeKey:
                raise  # a key that leads out of dest is an error, not "not delivered yet"
            except SageCliError:
                files = []
            records = sum(len(p.read_bytes().splitlines()) for p in files)
            if records >= min_records or time.monotonic() - start >= timeout_s:
                self._say("monitor", f"{records} capture record(s) in {len(files)} file(s) from {prefix}")
                return files
            self._say("monitor", f"waiting for capture files: {records}/{min_records} (S3 delivery lags)")
            time.sleep(min(self.poll_s, 10))

    def feature_store(self) -> Any:
        """The features step's feature group on SageMaker (sagecli/aws/featurestore_calls.py)."""
        from sagecli.aws.featurestore_calls import AwsFeatureStore

        return AwsFeatureStore(self)

    # -- ledger and teardown --------------------------------------------------------------------
    def created(self) -> list[Resource]:
        """Live resources of this run, oldest first."""
        if self.ledger is None:
            return []
        return [Resource(e.kind, e.name, e.arn, e.state) for e in self.ledger.live()]

    def kept_endpoint_note(self, endpoint: Endpoint) -> str:
        """A kept SageMaker endpoint bills per instance-hour until `sagecli cleanup` deletes it."""
        return (f"endpoint {endpoint.name} kept InService in {self.aws.region}: it keeps billing per instance-hour "
                f"until you delete it with: sagecli cleanup --run-id {self.ctx.run_id}")

    def teardown(self, keep_endpoint: bool = False) -> list[Resource]:
        """Delete newest first; keep endpoint, config, model and data with --keep-endpoint."""
        from sagecli.aws.teardown import teardown

        if self.ledger is None:
            return []
        report = teardown(self.aws, self.ledger, keep_endpoint, lambda m: self._say("teardown", m))
        removed = [Resource(e.kind, e.name, e.arn, e.note) for e in report.removed]
        if report.failed:
            names = ", ".join(f"{e.kind} {e.name}" for e, _ in report.failed)
            raise SageCliError(f"could not delete {len(report.failed)} resource(s): {names}",
                               hint=f"retry with `sagecli cleanup --run-id {self.ctx.run_id}`")
        return removed
