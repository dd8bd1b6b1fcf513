"""Typed records of the knowledge base, one model per kind (one content/<file>.yaml per kind).

Validation happens when content is compiled (cold cache or `sagecli kb validate`); commands read the
compiled JSON, so pydantic is never imported on the fast path.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
AWS_DOC_HOSTS = ("docs.aws.amazon.com", "aws.amazon.com")


def _check_id(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError(f"id {value!r} must be lower-case letters, digits, '.', '_' or '-'")
    return value


def _check_url(value: str) -> str:
    if not re.match(r"^https://[^\s/]+(/\S*)?$", value):
        raise ValueError(f"{value!r} is not an https URL")
    return value


def _one_line(value: str) -> str:
    if "\n" in value.strip():
        raise ValueError("must be one line")
    return value.strip()


RecordId = Annotated[str, AfterValidator(_check_id)]
Url = Annotated[str, AfterValidator(_check_url)]
OneLine = Annotated[str, AfterValidator(_one_line)]
Scalar = float | int | bool | str | None
LifecycleStage = Literal[
    "studio", "data_preparation", "training", "model_registry", "deployment", "monitoring"
]
Api = Literal["training", "hosting", "transform", "processing", "notebook", "studio", "hyperpod"]


def is_aws_doc(url: str) -> bool:
    """True for a page on AWS's own documentation or product sites."""
    host = url.split("/")[2]
    return any(host == h or host.endswith("." + h) for h in AWS_DOC_HOSTS)


class Strict(BaseModel):
    """Base for every content model: unknown keys are errors (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitChange(Strict):
    """An earlier value of a limit, with when it held and where it was documented."""

    value: Scalar
    unit: str | None = None
    until: date | str | None = Field(None, description="last date or year-month the value was documented")
    note: str | None = None
    source: Url | None = None


class Limit(Strict):
    """A documented number (or flag) with its unit, the page it comes from and its history."""

    value: float | int | bool | str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    default: Scalar = None
    note: str | None = None
    source: Url | None = None
    as_of: date | str | None = None
    history: list[LimitChange] = []


class Availability(Strict):
    """Whether a feature is open to new customers, and since when."""

    status: Literal["available", "closed_to_new_customers", "retired", "deprecated"] = "available"
    effective: date | str | None = None
    note: str | None = None
    source: Url | None = None


class Record(Strict):
    """Fields every record has."""

    id: RecordId
    name: str
    summary: OneLine
    sources: list[Url] = Field(min_length=1)
    related: list[RecordId] = []
    exam_tips: list[str] = []
    tags: list[str] = []
    limits: dict[str, Limit] = {}

    @model_validator(mode="after")
    def _has_aws_source(self) -> Record:
        if not any(is_aws_doc(u) for u in self.sources):
            raise ValueError("sources: at least one URL must be on AWS documentation (docs.aws.amazon.com)")
        return self


class Component(Record):
    """A SageMaker AI capability placed on the lifecycle (Studio -> ... -> Monitoring)."""

    stage: LifecycleStage
    parent: RecordId | None = None
    key_features: list[str] = []
    use_when: list[str] = []
    availability: Availability = Availability()


class Price(Strict):
    """An on-demand price as published by AWS; never estimated."""

    usd_per_hour: float = Field(gt=0)
    region: str
    component: str
    published: date | str
    source: Url


class InstanceSize(Strict):
    """One instance type (a family at one size), with where its numbers come from."""

    type: str = Field(pattern=r"^ml\.[a-z0-9-]+\.[a-z0-9-]+$")
    vcpu: int | None = Field(None, ge=1)
    memory_gib: float | None = Field(None, gt=0)
    architecture: Literal["x86_64", "arm64"] | None = Field(None, description="arm64 = AWS Graviton")
    processor: str | None = Field(None, description="CPU maker: Intel, AMD or AWS Graviton")
    gpus: int = Field(0, ge=0, description="NVIDIA GPUs")
    gpu_model: str | None = None
    gpu_memory_gib: float | None = Field(None, ge=0, description="total GPU memory as EC2 reports it, GiB")
    gpu_memory_mib_ec2: int | None = Field(None, ge=0)
    accelerators: int | None = Field(None, ge=0, description="Neuron chips or Gaudi cards; absent on CPU/GPU types")
    accelerator_maker: str | None = Field(None, description="NVIDIA, AWS (Neuron) or Habana")
    accelerator_model: str | None = None
    accelerator_memory_gib: float | None = Field(None, ge=0)
    neuron_cores: int | None = None
    network_performance: str | None = Field(None, description="EC2 NetworkPerformance, e.g. '100 Gigabit'")
    efa_supported: bool | None = None
    efa_max_interfaces: int | None = Field(None, ge=0)
    apis: list[Api] = []
    price: Price | None = None
    price_history: list[Price] | None = None  # absent rather than [] keeps the compiled cache small
    source: str | None = Field(None, description="where the specs come from (data set and version)")
    note: str | None = None


class InstanceFamily(Record):
    """An ML instance family with its sizes and what each size is accepted for."""

    category: Literal[
        "general_purpose",
        "compute_optimized",
        "memory_optimized",
        "storage_optimized",
        "gpu_training",
        "gpu_inference",
        "inferentia",
        "trainium",
        "gaudi",
        "geospatial",
    ]
    generation: int | None = None
    processor: str
    architecture: Literal["x86_64", "arm64"] | None = None
    graviton: bool = False
    accelerator: str | None = None
    burstable: bool = False
    sizes: list[InstanceSize] = Field(min_length=1)


class Channel(Record):
    """A training data channel name and how it is used."""

    channel: str
    purpose: str
    used_by: list[RecordId] = []
    required: bool = False


class InputMode(Record):
    """A training input mode (TrainingInputMode) or a file-system data source."""

    api_value: str
    data_sources: list[str] = []
    needs_vpc: bool = False
    local_disk: Literal["full_copy", "none", "cache"] | None = None
    use_when: list[str] = []
    avoid_when: list[str] = []


class DataSource(Record):
    """Where training data lives: S3, EFS, FSx for Lustre; and S3 distribution types."""

    api_value: str
    needs_vpc: bool = False
    input_modes: list[str] = []
    use_when: list[str] = []


class Contract(Record):
    """A container contract: paths, environment variables, HTTP routes and headers, file fields."""

    applies_to: Literal["training", "inference", "batch", "processing", "data_capture", "monitoring"]
    paths: dict[str, str] = {}
    env: dict[str, str] = {}
    routes: dict[str, str] = {}
    headers: dict[str, str] = {}
    fields: dict[str, str] = {}
    rules: list[str] = []


class InferenceOption(Record):
    """A way to serve predictions, with its limits as numbers."""

    invoke_api: str | None = None
    gpu: bool
    scale_to_zero: bool
    cold_starts: str
    data_capture: bool
    billing: str
    use_when: list[str] = []
    avoid_when: list[str] = []
    not_supported: list[str] = []


class DeploymentStrategy(Record):
    """A rollout strategy for an endpoint update, with documented ranges and exclusions."""

    api_value: str | None = None
    gradual: bool
    needs_second_fleet: bool
    live_traffic_affected: bool
    endpoint_types: list[str] = []
    use_when: list[str] = []
    exclusions: list[str] = []


class AlgorithmInstances(Strict):
    """A built-in algorithm's documented instance advice."""

    cpu: bool = True
    gpu: bool = False
    multi_gpu: bool = False
    multi_instance: bool = False
    recommended: list[str] = []
    inference: list[str] = []
    note: str | None = None


class Algorithm(Record):
    """A SageMaker built-in algorithm."""

    problem_types: list[str] = Field(min_length=1)
    learning: Literal["supervised", "unsupervised", "both"]
    channels_required: list[str] = Field(min_length=1)
    channels_optional: list[str] = []
    input_modes: list[Literal["File", "Pipe", "FastFile"]] = Field(min_length=1)
    training_content_types: list[str] = Field(min_length=1)
    inference_content_types: list[str] = []
    instances: AlgorithmInstances
    modes: dict[str, AlgorithmInstances] = {}
    # Other names that mean this algorithm: AWS's image repository name (kmeans, forecasting-deepar) and
    # common spellings; `--algorithm` accepts them (sagecli.recommend.advice.algorithm_record).
    aliases: list[str] = []


class ExamTask(Strict):
    id: str = Field(pattern=r"^\d\.\d$")
    title: str


class ExamDomain(Strict):
    number: int = Field(ge=1, le=9)
    name: str
    weight_percent: float = Field(gt=0, le=100)
    tasks: list[ExamTask] = []


class Exam(Record):
    """An AWS certification exam: format, scoring and domains."""

    code: str
    status: Literal["active", "retired", "beta"]
    retired_on: date | str | None = None
    questions_total: int | None = None
    questions_scored: int | None = None
    questions_unscored: int | None = None
    duration_minutes: int | None = None
    duration_source: str | None = None
    passing_score: int | None = None
    score_min: int | None = None
    score_max: int | None = None
    item_types: list[str] = []
    item_types_historical: list[str] = []
    domains: list[ExamDomain] = []

    @model_validator(mode="after")
    def _weights(self) -> Exam:
        if self.domains:
            total = sum(d.weight_percent for d in self.domains)
            if abs(total - 100) > 0.01:
                raise ValueError(f"domain weights add up to {total}, not 100")
        return self


class Concept(Record):
    """Anything else worth a record: training features (spot, warm pools), AMT strategies, metrics."""

    category: str
    details: list[str] = []


class ImageRegistry(Record):
    """A prebuilt SageMaker container image: its ECR repository and the registry account per Region."""

    repository: str
    algorithm: str | None = None
    default_tag: str | None = None
    versions: list[str] = []
    scopes: list[Literal["training", "inference", "monitoring", "processing"]] = Field(min_length=1)
    region_page: Url | None = None  # may hold {region}
    dns_suffixes: dict[str, str] = {}  # region -> DNS suffix where it is not amazonaws.com
    registries: dict[str, Annotated[str, Field(pattern=r"^\d{12}$")]] = Field(min_length=1)
    note: str | None = None


DECISIONS = ("instance", "input_mode", "inference_option", "rollout")


class Need(Record):
    """A named requirement from the recommenders' vocabulary (`--need NAME`), defined once; id `need.NAME`."""

    @model_validator(mode="after")
    def _namespaced(self) -> Need:
        if not self.id.startswith("need."):
            raise ValueError("a need's id starts with 'need.' (users type the rest: --need NAME)")
        return self

    decisions: list[Literal["instance", "input_mode", "inference_option", "rollout"]] = Field(min_length=1)


class RuleEffect(Strict):
    """What a rule does to the options it selects: rule them out, move their score, or add a note."""

    option: str | None = None  # an option name or an fnmatch pattern (ml.g5.*)
    options: list[str] = []
    where: dict[str, Any] = {}  # candidate fields that must match (dotted paths into the candidate's extra)
    exclude: OneLine | None = None
    adjust: float | None = None
    note: OneLine | None = None
    reason: OneLine | None = None

    @model_validator(mode="after")
    def _one_action(self) -> RuleEffect:
        actions = [a for a in (self.exclude, self.adjust, self.note) if a is not None]
        if len(actions) != 1:
            raise ValueError("an effect has exactly one of exclude, adjust or note")
        if self.adjust is not None and not self.reason:
            raise ValueError("an adjust effect needs a reason")
        if not (self.option or self.options or self.where):
            raise ValueError("an effect selects options with option, options or where")
        return self


class Rule(Record):
    """A documented rule that changes a decision: when it applies, what it does, and the page behind it."""

    decision: Literal["instance", "input_mode", "inference_option", "rollout"]
    when: dict[str, Any]
    effects: list[RuleEffect] = Field(min_length=1)
    checked: date

    @model_validator(mode="after")
    def _valid_when(self) -> Rule:
        from sagecli.knowledge.predicates import check_predicate

        check_predicate(self.when)
        return self


# file stem -> (kind label, model). One YAML file per kind.
KINDS: dict[str, tuple[str, type[Record]]] = {
    "components": ("component", Component),
    "instances": ("instance_family", InstanceFamily),
    "channels": ("channel", Channel),
    "input_modes": ("input_mode", InputMode),
    "data_sources": ("data_source", DataSource),
    "contracts": ("contract", Contract),
    "inference_options": ("inference_option", InferenceOption),
    "deployment_strategies": ("deployment_strategy", DeploymentStrategy),
    "algorithms": ("algorithm", Algorithm),
    "exams": ("exam", Exam),
    "concepts": ("concept", Concept),
    "images": ("image_registry", ImageRegistry),
    # Numeric rules of thumb the recommenders compute with (accelerator memory sizing, cost proxies).
    "sizing_rules": ("sizing_rule", Concept),
    "needs": ("need", Need),
}
# Folders of content/ whose files all hold one kind (several files so that topics stay apart).
FOLDER_KINDS: dict[str, tuple[str, type[Record]]] = {"rules": ("rule", Rule)}


def dump(record: BaseModel) -> dict[str, Any]:
    """A record as JSON-ready data, dates as ISO strings, numbers as numbers."""
    return record.model_dump(mode="json", exclude_none=True)
