"""The facts each recommender takes: names, types, allowed values and documented defaults.

One table serves the CLI (validation), the interview (what to ask) and `decide()` (quiz-bank checks).
Missing facts take the default listed here and are reported under `assumed`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from sagecli.errors import UsageError


# A NamedTuple, not a frozen dataclass: about 0.4 ms less at import, on every command's start-up.
class Fact(NamedTuple):
    """One input of a recommender."""

    name: str
    kind: str  # float | int | bool | choice | family | id
    help: str
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None  # strictly greater than this, unless inclusive
    inclusive: bool = False
    maximum: float | None = None
    ask: bool = False  # worth asking in the interview when missing

    @property
    def flag(self) -> str:
        """The CLI flag spelling."""
        return "--" + self.name.replace("_", "-")


PRIORITY_INSTANCE = ("cost", "latency", "throughput", "sustainability")

INSTANCE: tuple[Fact, ...] = (
    Fact("workload", "choice", "What the instances are for.", "training",
         ("training", "inference", "transform", "processing", "notebook"), ask=True),
    Fact("algorithm", "id", "A built-in algorithm id from the knowledge base, or custom.", "custom", ask=True),
    Fact("algorithm_mode", "id", "The algorithm's mode, e.g. BlazingText batch_skipgram."),
    Fact("algorithm_version", "id", "The built-in algorithm's container version, e.g. XGBoost 1.7-1."),
    Fact("framework", "choice", "The framework of a custom model or processing script.", None,
         ("pytorch", "tensorflow", "sklearn", "xgboost", "huggingface", "spark")),
    Fact("params_b", "float", "Model parameters in billions.", None, minimum=0, ask=True),
    Fact("precision", "choice", "Numeric precision of the weights.", "bf16",
         ("fp32", "bf16", "fp16", "fp8", "int8", "int4")),
    Fact("layers", "int", "LLM KV cache: transformer layers (num_hidden_layers).", None, minimum=1, inclusive=True),
    Fact("hidden_size", "int", "LLM KV cache: hidden size (hidden_size).", None, minimum=1, inclusive=True),
    Fact("seq_len", "int", "LLM KV cache: tokens per sequence, prompt plus output.", None, minimum=1, inclusive=True),
    Fact("concurrent", "int", "LLM KV cache: sequences served at once (default 1).", None, minimum=1, inclusive=True),
    Fact("mini_batch_size", "int", "Training mini-batch size (DeepAR's mini_batch_size).", None, minimum=1,
         inclusive=True),
    Fact("gpu", "bool", "Require (or rule out) accelerators; unset lets the recommender decide."),
    Fact("dataset_gb", "float", "Training data size in GB.", None, minimum=0, ask=True),
    Fact("distributed", "bool", "Allow (or forbid) several instances; unset decides from the need."),
    Fact("sparse", "bool", "The data is sparse (high-dimensional, mostly zeros).", False),
    Fact("arm", "bool", "Graviton (ARM) images are acceptable.", False),
    Fact("priority", "choice", "What matters most.", None, PRIORITY_INSTANCE, ask=True),
)

# Training data formats: text is BlazingText's one-sentence-per-line file, image-recordio is MXNet RecordIO
# of images (application/x-recordio), images are raw .jpg/.png files.
INPUT_FORMATS = ("csv", "parquet", "recordio-protobuf", "tfrecord", "jsonl", "images", "augmented-manifest", "text",
                 "image-recordio", "hdf5", "libsvm")

INPUT_MODE: tuple[Fact, ...] = (
    Fact("dataset_gb", "float", "Dataset size in GB.", None, minimum=0, ask=True),
    Fact("files", "int", "Number of files (objects).", None, minimum=1, inclusive=True),
    Fact("avg_file_mb", "float", "Average file size in MB.", None, minimum=0, ask=True),
    Fact("access", "choice", "How training reads the data.", "sequential", ("sequential", "random"), ask=True),
    Fact("format", "choice", "Data format.", None, INPUT_FORMATS, ask=True),
    Fact("algorithm", "id", "A built-in algorithm id (or AWS image name such as kmeans), or custom.", "custom"),
    Fact("algorithm_mode", "id", "The algorithm's mode, e.g. BlazingText supervised or skipgram."),
    Fact("storage", "choice", "Where the data lives now.", "s3", ("s3", "efs", "fsx"), ask=True),
    Fact("fast_start", "bool", "Training must start quickly.", False),
    Fact("shared", "bool", "Many instances or jobs read the same data.", False),
    Fact("vpc", "bool", "The job may run in a VPC.", True),
    Fact("local_disk_gb", "float", "Storage volume size per instance in GB.", None, minimum=0),
    Fact("instances", "int", "Training instances reading the channel.", 1, minimum=1, inclusive=True),
    Fact("posix", "bool", "Needs full POSIX semantics such as file locking.", False),
    Fact("priority", "choice", "What matters most.", None, ("cost", "throughput", "ops")),
)

INFERENCE: tuple[Fact, ...] = (
    Fact("payload_mb", "float", "Request payload size in MB.", 1.0, minimum=0, ask=True),
    Fact("processing_seconds", "float", "Time to process one request in seconds.", 1.0, minimum=0, ask=True),
    Fact("latency_ms", "float", "Latency the caller needs, in milliseconds.", None, minimum=0),
    Fact("traffic", "choice", "Traffic pattern.", "steady", ("steady", "spiky", "intermittent", "offline"), ask=True),
    Fact("realtime", "bool", "A caller waits for the answer.", True, ask=True),
    Fact("gpu", "bool", "The model needs a GPU.", False, ask=True),
    Fact("scale_to_zero", "bool", "Must cost nothing while idle.", False),
    Fact("cold_start_ok", "bool", "Cold starts (seconds to minutes) are acceptable.", True, ask=True),
    Fact("models", "int", "How many models to host.", 1, minimum=1, inclusive=True),
    Fact("same_framework", "bool", "All models share one framework/container.", True),
    Fact("preprocessing", "bool", "Pre- or post-processing runs in its own container.", False),
    Fact("dataset_gb", "float", "Size of a dataset scored offline, in GB.", None, minimum=0),
    Fact("notify", "bool", "Callers want to be told when a result is ready.", False),
    Fact("priority", "choice", "What matters most.", None, ("cost", "latency", "ops")),
    Fact("model_gb", "float", "Memory the loaded model needs, in GB.", None, minimum=0),
)

ROLLOUT: tuple[Fact, ...] = (
    Fact("endpoint", "choice", "Endpoint type being updated (defaults to the inference decision).", None,
         ("realtime", "serverless", "async", "inference_components", "multi_model")),
    Fact("risk", "choice", "How risky the change is.", "medium", ("low", "medium", "high"), ask=True),
    Fact("gradual", "bool", "Shift traffic gradually."),
    Fact("steps", "int", "Number of traffic-shifting steps.", None, minimum=1, inclusive=True),
    Fact("first_step_percent", "float", "Share of capacity in the first step (%).", None, minimum=0, maximum=100),
    Fact("no_user_impact", "bool", "Try the new version on live traffic without affecting responses.", False, ask=True),
    Fact("compare_variants", "bool", "Compare versions side by side on live traffic (business metrics).", False,
         ask=True),
    Fact("alarms", "bool", "CloudWatch alarms are set up for auto-rollback.", True, ask=True),
    Fact("capacity_limited", "bool", "Capacity is limited: no room for a second full fleet.", False,
         ask=True),
    Fact("instance_family", "family", "Instance family of the endpoint, e.g. ml.g5."),
    Fact("bake_minutes", "float", "Baking time wanted after each traffic step, in minutes.", None, minimum=0,
         inclusive=True),
    Fact("rollout_hours", "float", "How long the rollout or live comparison must run, in hours.", None, minimum=0),
)

SPECS: dict[str, tuple[Fact, ...]] = {
    "instance": INSTANCE,
    "input-mode": INPUT_MODE,
    "deployment": INFERENCE + ROLLOUT,
}


def _number(fact: Fact, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value) if fact.kind == "float" else int(value)
        except (TypeError, ValueError):
            raise UsageError(f"{fact.flag} must be a number, got {value!r}") from None
    if fact.kind == "int" and float(value) != int(value):
        raise UsageError(f"{fact.flag} must be a whole number, got {value}")
    if math.isnan(value) or math.isinf(value):
        raise UsageError(f"{fact.flag} must be a finite number, got {value}")
    if fact.minimum is not None:
        low_ok = value >= fact.minimum if fact.inclusive else value > fact.minimum
        if not low_ok:
            op = "at least" if fact.inclusive else "more than"
            raise UsageError(f"{fact.flag} must be {op} {fact.minimum:g}, got {value:g}")
    if fact.maximum is not None and value > fact.maximum:
        raise UsageError(f"{fact.flag} must be at most {fact.maximum:g}, got {value:g}")
    return int(value) if fact.kind == "int" else float(value)


def check(fact: Fact, value: Any) -> Any:
    """Validate one value (raises UsageError with one line)."""
    if fact.kind in ("float", "int"):
        return _number(fact, value)
    if fact.kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "1"):
            return True
        if str(value).lower() in ("false", "no", "0"):
            return False
        raise UsageError(f"{fact.flag} must be true or false, got {value!r}")
    text = str(value).strip().lower()
    if fact.kind == "choice":
        text = text.replace("-", "_") if text.replace("-", "_") in fact.choices else text
        if text not in fact.choices:
            raise UsageError(f"{fact.flag} must be one of {', '.join(fact.choices)}; got {value!r}")
        return text
    if fact.kind == "family":
        if not text.startswith("ml."):
            text = "ml." + text
        parts = text.split(".")
        if len(parts) != 2 or not parts[1] or not parts[1].replace("-", "").isalnum():
            raise UsageError(f"{fact.flag} must be an instance family like ml.g5, got {value!r}")
        return text
    if not text or not all(ch.isalnum() or ch in "-_." for ch in text):
        raise UsageError(f"{fact.flag} must be an id like xgboost, got {value!r}")
    return text


# Facts whose largest accepted value is a documented limit in the knowledge base: fact -> limit name.
# The bound is the largest value of that limit over every record (e.g. async inference's 1 GB payload), so a
# value above it is accepted by no SageMaker option at all.
KB_MAXIMA: dict[str, str] = {"payload_mb": "max_payload_mb", "processing_seconds": "max_processing_seconds"}


def kb_maximum(name: str, kb: Any) -> tuple[float, dict[str, Any], dict[str, Any]] | None:
    """(largest value, its record, its limit) of the knowledge-base limit bounding fact `name`, or None."""
    limit = KB_MAXIMA.get(name)
    best: tuple[float, dict[str, Any], dict[str, Any]] | None = None
    if limit is None:
        return None
    for rec in kb.with_limit(limit):  # by id, as the tie-break; only records that document the limit
        entry = (rec.get("limits") or {}).get(limit)
        if isinstance(entry, dict) and isinstance(entry.get("value"), (int, float)) and not isinstance(
                entry.get("value"), bool) and (best is None or entry["value"] > best[0]):
            best = (float(entry["value"]), rec, entry)
    return best


def check_bounds(recommender: str, inputs: dict[str, Any], kb: Any) -> None:
    """Numbers beyond what any SageMaker option accepts are usage errors naming the documented limit."""
    specs = {f.name: f for f in SPECS[recommender]}
    for name, value in inputs.items():
        bound = kb_maximum(name, kb) if name in specs else None
        if bound is not None and isinstance(value, (int, float)) and value > bound[0]:
            top, rec, entry = bound
            unit = entry.get("unit", "")
            raise UsageError(f"{specs[name].flag} {value:g} is more than any SageMaker option accepts: the largest "
                             f"is {rec.get('name', rec.get('id'))} at {top:g} {unit}".rstrip(),
                             hint=f"see {entry['source']}" if entry.get("source") else None)


def check_with_kb(fact: Fact, value: Any, kb: Any) -> Any:
    """check(), plus ids that must exist in the knowledge base (so the interview can ask again)."""
    value = check(fact, value)
    bound = kb_maximum(fact.name, kb)
    if bound is not None and value > bound[0]:
        raise UsageError(f"{fact.flag} must be at most {bound[0]:g} {bound[2].get('unit', '')} "
                         f"({bound[1].get('name', '')} is the largest SageMaker accepts)")
    if fact.name == "algorithm" and value != "custom":
        from sagecli.recommend.advice import canonical_algorithm

        canonical_algorithm(kb, value)
    return value


# The off-side of a flag pair, spelled as its own flag name (e.g. args written from `--mixed-frameworks`).
NEGATED = {"mixed_frameworks": "same_framework", "single": "distributed"}


def _aliases(specs: dict[str, Fact], given: dict[str, Any]) -> dict[str, Any]:
    """Accept `no_gpu: true`, `mixed_frameworks: true`, `single: true` for the paired flags."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        target = NEGATED.get(key) or (key[3:] if key.startswith("no_") and key not in specs else None)
        if target and target in specs and specs[target].kind == "bool" and isinstance(value, bool):
            out[target] = not value
        else:
            out[key.replace("-", "_")] = value
    return out


def normalize(recommender: str, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate the given facts; fill documented defaults. Returns (inputs, assumed)."""
    specs = {f.name: f for f in SPECS[recommender]}
    given = _aliases(specs, given)
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise UsageError(f"unknown fact(s) for `recommend {recommender}`: {', '.join(unknown)}")
    inputs: dict[str, Any] = {}
    assumed: dict[str, Any] = {}
    for name, fact in specs.items():
        value = given.get(name)
        if value is not None:
            inputs[name] = check(fact, value)
        elif fact.default is not None:
            assumed[name] = fact.default
    return inputs, assumed


def missing(recommender: str, given: dict[str, Any]) -> list[Fact]:
    """Facts worth asking for in the interview that were not given."""
    return [f for f in SPECS[recommender] if f.ask and given.get(f.name) is None]
