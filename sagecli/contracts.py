"""The shared contracts of the reference flow: step names, job statuses, run context, results, the Backend protocol.

This module sits at the bottom of the package (it imports only sagecli.errors), so the flow, the backends,
train/, transform/, aws/ and the views can all use these types without importing each other.

Every place the flow touches "the platform" goes through the Backend protocol. The flow
(sagecli/flow/runner.py) is written once against this protocol. `backends/local.py`
implements it on this machine (a SageMaker-shaped job directory, a local HTTP endpoint); the
SageMaker backend implements it with boto3. Everything that crosses the protocol is a plain
dataclass defined here, with URIs as strings (`file://...` locally, `s3://...` on AWS) and local
paths only where the flow itself reads files (evaluation, monitoring).

Stability: other code builds on these names. Add fields with defaults; never rename or remove.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sagecli.errors import SageCliError

__all__ = [
    "STEPS",
    "DEFAULT_STEPS",
    "OPT_IN_STEPS",
    "COMPLETED",
    "FAILED",
    "STOPPED",
    "DEFAULT_MODEL_PACKAGE_GROUP",
    "FlowOptions",
    "RunContext",
    "ChannelData",
    "TrainingRequest",
    "MetricPoint",
    "TrainingResult",
    "ModelPackageRequest",
    "ModelPackage",
    "DataCaptureSpec",
    "EndpointRequest",
    "Endpoint",
    "InvokeResult",
    "TransformRequest",
    "TransformResult",
    "Resource",
    "Backend",
    "StepResult",
    "FlowResult",
    "StepFailed",
    "RunState",
    "INFERENCE_OPTIONS",
    "INFERENCE_RECORDS",
    "ROLLOUT_STRATEGIES",
    "ROLLOUT_RECORDS",
    "RolloutSpec",
    "ServerlessSpec",
    "AsyncSpec",
    "MultiModelSpec",
]

# Step names in flow order (the flow and `--steps` use these exact strings).
STEPS: tuple[str, ...] = (
    "process", "features", "train", "tune", "evaluate", "bias", "register", "deploy", "invoke", "rollout", "transform",
    "monitor", "teardown",
)
# run only when asked: tune and bias when named in --steps (tune would slow the default demo), rollout with --rollout,
# features when named (it needs pyarrow, and a real feature group on AWS)
OPT_IN_STEPS = ("tune", "rollout", "bias", "features")
DEFAULT_STEPS: tuple[str, ...] = tuple(s for s in STEPS if s not in OPT_IN_STEPS)

# run-demo --inference: how the trained model serves (realtime is the default flow; batch has no endpoint).
INFERENCE_OPTIONS: tuple[str, ...] = ("realtime", "serverless", "async", "multi-model", "batch")
# The knowledge-base record (content/inference_options.yaml) behind each option.
INFERENCE_RECORDS: dict[str, str] = {"realtime": "realtime-inference", "serverless": "serverless-inference",
                                     "async": "async-inference", "multi-model": "multi-model-endpoints",
                                     "batch": "batch-transform"}
# run-demo --rollout: how a second model version reaches a running real-time endpoint, and its KB record
# (content/deployment_strategies.yaml).
ROLLOUT_STRATEGIES: tuple[str, ...] = ("all-at-once", "canary", "linear", "rolling", "shadow", "ab")
ROLLOUT_RECORDS: dict[str, str] = {"all-at-once": "blue-green-all-at-once", "canary": "canary-traffic-shifting",
                                   "linear": "linear-traffic-shifting", "rolling": "rolling-deployment",
                                   "shadow": "shadow-testing", "ab": "ab-production-variants"}

# Job states as DescribeTrainingJob / DescribeTransformJob spell them.
COMPLETED = "Completed"
FAILED = "Failed"
STOPPED = "Stopped"

# The model package group the demo registers into (both backends, the plan and `registry show` default).
DEFAULT_MODEL_PACKAGE_GROUP = "sagecli-demo-churn"


@dataclass(frozen=True)
class RolloutSpec:
    """run-demo --rollout: the strategy and its settings (seconds are demo seconds; ranges from the KB)."""

    strategy: str  # one of ROLLOUT_STRATEGIES
    canary_percent: int = 10  # CanarySize as a share of the fleet
    linear_step_percent: int = 25  # LinearStepSize
    rolling_batch_percent: int = 50  # RollingUpdatePolicy MaximumBatchSize
    wait_interval_s: float = 2.0  # WaitIntervalInSeconds between traffic steps
    bake_s: float = 2.0  # the final bake on the new fleet before the old one is retired
    max_execution_s: float = 600.0  # MaximumExecutionTimeoutInSeconds
    metric_period_s: float = 0.5  # one CloudWatch-shaped metric record per variant per period
    fault: str | None = None  # "new-version" (errors) or "new-version-slow" (answers over the latency alarm)
    error_threshold: int = 0  # alarm: Invocation4XXErrors + Invocation5XXErrors Sum > this in one period
    latency_threshold_ms: float = 250.0  # alarm: ModelLatency Average > this in one period


@dataclass(frozen=True)
class FlowOptions:
    """What the user asked for; shared by every backend (backend-specific knobs go in `backend_options`)."""

    seed: int = 7
    rows: int = 4000
    steps: tuple[str, ...] = DEFAULT_STEPS
    input_mode: str = "File"  # File | FastFile | Pipe (TrainingInputMode spelling)
    entry_point: Path | None = None  # a user train.py following the training contract
    hyperparameters: Mapping[str, str] = field(default_factory=dict)  # overrides, built-in XGBoost names
    min_auc: float = 0.75
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    sampling_percentage: int = 100
    keep_endpoint: bool = False
    join_source: str = "None"  # batch transform: None | Input
    max_payload_mb: int = 6  # batch transform MaxPayloadInMB (API default 6)
    drift_wave: bool = True
    startup_timeout_s: float = 60.0  # how long a new endpoint may take to answer /ping
    model_package_group: str = DEFAULT_MODEL_PACKAGE_GROUP  # ModelPackageGroupName for the register step
    backend_options: Mapping[str, Any] = field(default_factory=dict)  # e.g. role_arn, region, bucket, spot
    inference: str = "realtime"  # one of INFERENCE_OPTIONS
    memory_size_mb: int = 2048  # serverless MemorySizeInMB (the Python SDK's default)
    max_concurrency: int = 5  # serverless MaxConcurrency (the Python SDK's default)
    idle_timeout_s: float = 3.0  # serverless/async locally: idle seconds before the worker stops (scale to zero)
    rollout: RolloutSpec | None = None  # --rollout: deploy a second model version through a strategy
    tune_max_jobs: int = 8  # tune: ResourceLimits.MaxNumberOfTrainingJobs
    tune_max_parallel: int = 2  # tune: ResourceLimits.MaxParallelTrainingJobs
    tune_strategy: str = "Bayesian"  # tune: Strategy (Bayesian | Random locally)
    tune_early_stopping: str = "Auto"  # tune: TrainingJobEarlyStoppingType (Off | Auto)
    bias_max: tuple[tuple[str, float], ...] = ()  # bias: --bias-max NAME=VALUE, the ClarifyCheck-like condition
    shap: bool = False  # bias: --shap, Kernel SHAP feature attributions as Clarify computes them


@dataclass
class RunContext:
    """One run: its id, where local artifacts go, the options, and the callbacks to the UI."""

    run_id: str
    run_dir: Path
    options: FlowOptions
    # emit(step, message): one progress line for the live view (it may be a no-op).
    emit: Callable[[str, str], None] = lambda step, message: None
    # confirm(question) -> bool: asked before anything that costs money (the local backend never asks).
    confirm: Callable[[str], bool] = lambda question: True
    tags: dict[str, str] = field(default_factory=dict)  # put on every created resource
    # show(text): a block of text for the user (e.g. the plan before anything is created), printed above the
    # live view, or on stderr with --json so stdout stays machine-readable.
    show: Callable[[str], None] = lambda text: None


@dataclass(frozen=True)
class ChannelData:
    """One data channel as local files made by the process step (headerless CSV, label first)."""

    name: str  # train | validation | test | ...
    local_dir: Path
    content_type: str = "text/csv"


@dataclass(frozen=True)
class TrainingRequest:
    """Everything CreateTrainingJob needs that the flow decides."""

    job_name: str
    channels: Mapping[str, str]  # channel name -> URI returned by upload_channels
    hyperparameters: Mapping[str, str]  # built-in XGBoost names; values are strings, as on the API
    input_mode: str = "File"
    content_type: str = "text/csv"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    max_runtime_s: int = 3600  # StoppingCondition.MaxRuntimeInSeconds (always set)
    entry_point: Path | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricPoint:
    """One logged metric value (e.g. validation-auc at round 12)."""

    name: str
    value: float
    step: int | None = None


@dataclass
class TrainingResult:
    """DescribeTrainingJob, reduced to what the flow uses."""

    job_name: str
    status: str  # Completed | Failed | Stopped
    model_artifact: str | None = None  # URI of model.tar.gz
    metrics: list[MetricPoint] = field(default_factory=list)  # per round, in order
    final_metrics: dict[str, float] = field(default_factory=dict)  # FinalMetricDataList
    failure_reason: str | None = None  # first 1024 characters of output/failure
    secondary_status: str | None = None
    duration_s: float = 0.0
    job_dir: Path | None = None  # local backend: the SageMaker-shaped job directory
    log_path: Path | None = None
    arn: str | None = None


@dataclass(frozen=True)
class ModelPackageRequest:
    """CreateModelPackage in a group, with evaluation metrics and the approval decision."""

    group_name: str
    model_artifact: str
    metrics: Mapping[str, float]
    approval_status: str  # Approved | Rejected | PendingManualApproval
    description: str = ""
    content_types: tuple[str, ...] = ("text/csv", "application/json")
    response_types: tuple[str, ...] = ("text/csv", "application/json")
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ModelPackage:
    """One version in a model package group."""

    group_name: str
    version: int
    arn: str
    approval_status: str
    metrics: dict[str, float] = field(default_factory=dict)
    model_artifact: str = ""
    created: str = ""  # ISO-8601 UTC


@dataclass(frozen=True)
class DataCaptureSpec:
    """DataCaptureConfig on CreateEndpointConfig."""

    enabled: bool = True
    sampling_percentage: int = 100  # InitialSamplingPercentage 0-100
    destination: str = ""  # DestinationS3Uri (a file:// URI locally)
    capture_modes: tuple[str, ...] = ("Input", "Output")
    csv_content_types: tuple[str, ...] = ("text/csv",)
    json_content_types: tuple[str, ...] = ("application/json",)


@dataclass(frozen=True)
class ServerlessSpec:
    """ProductionVariantServerlessConfig, plus the local idle period before the worker stops."""

    memory_size_mb: int = 2048  # MemorySizeInMB
    max_concurrency: int = 5  # MaxConcurrency
    idle_timeout_s: float = 3.0  # local only: SageMaker decides when to release capacity


@dataclass(frozen=True)
class AsyncSpec:
    """AsyncInferenceConfig: output and failure paths, SNS topics, and the local idle period."""

    output_path: str = ""  # OutputConfig.S3OutputPath (empty: the backend chooses)
    failure_path: str = ""  # OutputConfig.S3FailurePath
    success_topic: str = ""  # NotificationConfig.SuccessTopic
    error_topic: str = ""  # NotificationConfig.ErrorTopic
    max_concurrent_invocations: int = 1  # ClientConfig.MaxConcurrentInvocationsPerInstance
    idle_timeout_s: float = 3.0  # local only: an empty queue for this long stops the worker (MinCapacity 0)


@dataclass(frozen=True)
class MultiModelSpec:
    """Container Mode MultiModel: ModelDataUrl is a prefix of model.tar.gz files, chosen per request (TargetModel)."""

    model_data_prefix: str  # ModelDataUrl (s3://bucket/prefix/)
    cache_bytes: int = 0  # local only: the memory budget for loaded models (0: unlimited)


@dataclass(frozen=True)
class EndpointRequest:
    """CreateModel + CreateEndpointConfig + CreateEndpoint in one request."""

    endpoint_name: str
    model_artifact: str
    model_package_arn: str | None = None
    variant_name: str = "AllTraffic"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    data_capture: DataCaptureSpec = field(default_factory=DataCaptureSpec)
    tags: Mapping[str, str] = field(default_factory=dict)
    serverless: ServerlessSpec | None = None  # ServerlessConfig instead of instances
    async_config: AsyncSpec | None = None  # AsyncInferenceConfig: InvokeEndpointAsync only
    multi_model: MultiModelSpec | None = None  # a multi-model endpoint (model_artifact unused)


@dataclass
class Endpoint:
    """A deployed endpoint. `url` is what boto3's sagemaker-runtime takes as endpoint_url (None on AWS)."""

    name: str
    status: str  # InService | Failed | Deleted
    variant_name: str = "AllTraffic"
    url: str | None = None
    region: str = "us-east-1"
    capture_uri: str | None = None  # DestinationS3Uri
    arn: str | None = None
    pid: int | None = None  # local backend: the server process
    inference: str = "realtime"  # realtime | serverless | async


@dataclass
class InvokeResult:
    """InvokeEndpoint's response."""

    body: bytes
    content_type: str
    invoked_variant: str | None = None
    latency_ms: float = 0.0


@dataclass(frozen=True)
class TransformRequest:
    """CreateTransformJob: SplitType Line, MultiRecord within MaxPayloadInMB, one <input>.out per file."""

    job_name: str
    model_artifact: str
    input_uri: str  # a prefix holding the input files (headerless CSV, no label)
    output_uri: str = ""  # empty: the backend chooses
    content_type: str = "text/csv"
    accept: str = "text/csv"
    split_type: str = "Line"
    batch_strategy: str = "MultiRecord"
    max_payload_mb: int = 6
    max_concurrent_transforms: int = 1
    assemble_with: str = "Line"
    join_source: str = "None"  # None | Input
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class TransformResult:
    """DescribeTransformJob, reduced."""

    job_name: str
    status: str
    output_uri: str = ""
    failure_reason: str | None = None
    records: int = 0
    requests: int | None = 0  # None when the platform does not report it (SageMaker's DescribeTransformJob)
    duration_s: float = 0.0


@dataclass(frozen=True)
class Resource:
    """Something the backend created, for the ledger and teardown (kind as the API names it)."""

    kind: str  # TrainingJob | ModelPackageGroup | ModelPackage | Model | EndpointConfig | Endpoint | ...
    name: str
    arn: str | None = None
    detail: str = ""


@runtime_checkable
class Backend(Protocol):
    """The platform the flow runs on. Methods raise SageCliError for anything the user can fix."""

    name: str

    def prepare(self, ctx: RunContext) -> None:
        """Check prerequisites (credentials, role, region), show a plan, ask ctx.confirm; before anything exists."""
        ...

    def upload_channels(self, channels: Sequence[ChannelData]) -> dict[str, str]:
        """Put each channel where training can read it; return channel name -> URI."""
        ...

    def train(self, request: TrainingRequest) -> TrainingResult:
        """Run a training job to the end (Completed or Failed; never raise for a Failed job)."""
        ...

    def download(self, uri: str, dest: Path) -> list[Path]:
        """Copy an object or every object under a prefix to dest (a directory); return local files."""
        ...

    def register_model(self, request: ModelPackageRequest) -> ModelPackage:
        """Create the group if needed and add a model package version with metrics and approval status."""
        ...

    def deploy(self, request: EndpointRequest) -> Endpoint:
        """Create model, endpoint config (with data capture) and endpoint; wait until InService."""
        ...

    def invoke(self, endpoint: Endpoint, body: bytes, content_type: str = "text/csv",
               accept: str = "text/csv", inference_id: str | None = None) -> InvokeResult:
        """One InvokeEndpoint call through boto3's sagemaker-runtime client."""
        ...

    def batch_transform(self, request: TransformRequest) -> TransformResult:
        """Run a transform job to the end."""
        ...

    def fetch_capture(self, endpoint: Endpoint, dest: Path, min_records: int = 0,
                      timeout_s: float = 0.0) -> list[Path]:
        """Copy the endpoint's capture files (<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl) under dest.

        Waits up to timeout_s until at least min_records capture lines exist (S3 delivery lags).
        """
        ...

    def created(self) -> list[Resource]:
        """Everything this backend created in this run, oldest first."""
        ...

    def kept_endpoint_note(self, endpoint: Endpoint) -> str:
        """One line for a kept endpoint: where it is, what it costs, and the command that removes it."""
        ...

    def teardown(self, keep_endpoint: bool = False) -> list[Resource]:
        """Delete what this run created, newest first; keep the endpoint when asked. Returns what was removed.

        Safe to call more than once and after any failure (the flow calls it in a finally).
        """
        ...


@dataclass
class StepResult:
    """One step's outcome for the live view, the summary table and --json."""

    name: str
    status: str = "pending"  # pending | running | ok | failed | skipped | interrupted (Ctrl-C, SIGTERM)
    duration_s: float = 0.0
    summary: str = ""
    artifacts: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "status": self.status, "duration_s": round(self.duration_s, 3),
                "summary": self.summary, "artifacts": self.artifacts, "data": self.data}


@dataclass
class FlowResult:
    """The whole run: what --json prints and the summary table shows."""

    run_id: str
    run_dir: Path
    backend: str
    steps: list[StepResult]
    ok: bool = True
    error: str | None = None
    added_steps: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def step(self, name: str) -> StepResult | None:
        """The result of one step, if it was planned."""
        return next((s for s in self.steps if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"run_id": self.run_id, "run_dir": str(self.run_dir), "backend": self.backend, "ok": self.ok,
                "error": self.error, "duration_s": round(self.duration_s, 3), "added_steps": self.added_steps,
                "steps": [s.to_dict() for s in self.steps]}


class StepFailed(SageCliError):
    """A step ended in a state the flow cannot continue from (e.g. a Failed training job)."""


@dataclass
class RunState:
    """State shared by the steps of one run (the runner creates it; each step reads and fills it)."""

    ctx: RunContext
    backend: Backend
    channels: dict[str, str] = field(default_factory=dict)  # name -> URI
    dataset: Any = None  # flow.data.Dataset
    training: TrainingResult | None = None
    model_dir: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    approved: bool = False
    package: Any = None
    endpoint: Endpoint | None = None
    analysed_events: set[str] = field(default_factory=set)
    wave1_requests: int = 0
    endpoint_start_s: float | None = None  # how long deploy took to get an endpoint that answers
    inference_state: dict[str, Any] = field(default_factory=dict)  # what an --inference option keeps between steps
    bias: dict[str, Any] | None = None  # the bias step's result (its condition decides registration too)
