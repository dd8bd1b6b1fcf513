"""A built-in algorithm's documented instance advice, reduced to what the instance recommender needs."""

from __future__ import annotations

from typing import Any, NamedTuple

from sagecli.errors import UsageError


# A NamedTuple, not a frozen dataclass: about 0.4 ms less at import, on every command's start-up.
class Advice(NamedTuple):
    """CPU/GPU support, scaling and recommended types for one algorithm (or a custom model)."""

    name: str
    builtin: bool
    cpu: bool | None = None
    gpu: bool | None = None
    gpu_only_one: bool = False
    multi_instance: bool = True
    recommended: tuple[str, ...] = ()
    recommends_gpu: bool = False
    recommends_only_gpu: bool = False
    memory_bound: bool = False
    source: str | None = None
    mode: str | None = None
    cpu_data_limit_gb: float | None = None  # training data above this goes to one GPU (BlazingText supervised)
    cpu_data_limit_source: str | None = None


def matches(entries: tuple[str, ...], family_id: str, type_name: str) -> bool:
    """True when a recommended entry names this type or its family (ml.m5 or ml.m5.2xlarge)."""
    return any(e in (type_name, family_id) for e in entries)


def _gpu_family(kb: Any, entry: str) -> bool | None:
    fam_id = ".".join(entry.split(".")[:2])
    fam = kb.records.get(fam_id)
    if not fam or fam.get("kind") != "instance_family":
        return None
    return any(s.get("gpus") for s in fam["sizes"])


# Framework names people type where an algorithm is asked for: a framework container runs your own
# script, so it is a custom model of that framework (image repository sagemaker-scikit-learn, ECR paths page).
FRAMEWORK_NAMES: dict[str, str] = {
    "scikit-learn": "sklearn", "sagemaker-scikit-learn": "sklearn", "sklearn": "sklearn",
    "pytorch": "pytorch", "tensorflow": "tensorflow", "huggingface": "huggingface", "hugging-face": "huggingface",
}


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def alias_index(kb: Any) -> dict[str, str]:
    """Every spelling that names a built-in algorithm (its id and its `aliases`) -> the algorithm's id."""
    index: dict[str, str] = {}
    for rec in kb.of_kind("algorithm"):
        for name in (rec["id"], *(rec.get("aliases") or ())):
            index[_key(name)] = rec["id"]
    return index


def canonical_algorithm(kb: Any, name: str) -> tuple[str, str | None]:
    """(algorithm id or custom, framework or None) for an id, an alias or a framework name."""
    key = _key(name)
    if key == "custom":
        return "custom", None
    if key in FRAMEWORK_NAMES:
        return "custom", FRAMEWORK_NAMES[key]
    return algorithm_record(kb, name)["id"], None


def algorithm_record(kb: Any, algorithm: str) -> dict[str, Any]:
    """The built-in algorithm's record (by id or alias); a usage error naming the known ids when there is none."""
    rec = kb.records.get(algorithm)
    if not rec or rec.get("kind") != "algorithm":
        rec = kb.records.get(alias_index(kb).get(_key(algorithm), ""))
    if not rec or rec.get("kind") != "algorithm":
        known = sorted(r["id"] for r in kb.of_kind("algorithm"))
        raise UsageError(f"--algorithm must be custom or a built-in algorithm id ({', '.join(known) or 'none'}), "
                         f"got {algorithm!r}")
    return rec


def advice_for(kb: Any, algorithm: str, mode: str | None, workload: str) -> Advice:
    """The advice for an algorithm id (or custom) and optional mode, for a workload."""
    if algorithm == "custom":
        if mode:
            raise UsageError("--algorithm-mode applies to built-in algorithms only")
        return Advice(name="custom model", builtin=False)
    rec = algorithm_record(kb, algorithm)
    inst = rec["instances"]
    if mode:
        modes = rec.get("modes") or {}
        if mode not in modes:
            raise UsageError(f"{rec['name']} has no mode {mode!r}; known modes: {', '.join(modes) or 'none'}")
        inst = {**inst, **modes[mode]}
    source = rec["sources"][0]
    note = (inst.get("note") or "").lower()
    entries = tuple(inst.get("recommended") or ())
    cpu, gpu = inst.get("cpu", True), inst.get("gpu", False)
    if workload in ("inference", "transform"):
        inf = tuple(inst.get("inference") or ())
        if inf:
            tokens = {e.lower() for e in inf if not e.startswith("ml.")}
            types = tuple(e for e in inf if e.startswith("ml."))
            kinds = {_gpu_family(kb, e) for e in types}
            cpu = "cpu" in tokens or False in kinds
            gpu = "gpu" in tokens or True in kinds
            entries = types
        else:
            # No inference list: the note may still say so ("Inference runs on CPU only").
            sentences = [x for x in note.split(".") if "inference" in x]
            cpu, gpu = True, not any("cpu only" in x for x in sentences)
    data_limit = (rec.get("limits") or {}).get(f"{mode}_cpu_data_limit_gb") if mode else None
    return Advice(
        name=rec["name"],
        builtin=True,
        cpu=cpu,
        gpu=gpu,
        gpu_only_one=bool(gpu) and not inst.get("multi_gpu", False),
        multi_instance=bool(inst.get("multi_instance", False)) and workload == "training",
        recommended=entries,
        recommends_gpu=any(_gpu_family(kb, e) for e in entries),
        recommends_only_gpu=bool(entries) and all(_gpu_family(kb, e) for e in entries),
        memory_bound="memory" in note or "ml.m5" in entries and workload == "training" and not gpu,
        source=source,
        mode=mode,
        cpu_data_limit_gb=data_limit["value"] if data_limit and workload == "training" else None,
        cpu_data_limit_source=(data_limit or {}).get("source") or source,
    )
