"""Core of `sagecli kb`: pure functions from the knowledge base to JSON-ready data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError
from sagecli.knowledge.store import load_kb

STAGES = [
    ("studio", "Studio"),
    ("data_preparation", "Data Preparation"),
    ("training", "Training"),
    ("model_registry", "Model Registry"),
    ("deployment", "Deployment"),
    ("monitoring", "Monitoring"),
]

KIND_ALIASES = {
    "components": "component",
    "instances": "instance_family",
    "instance": "instance_family",
    "instance_families": "instance_family",
    "instance_type": "instance_family",  # `kb show ml.g5.2xlarge` calls the record instance_type
    "instance_types": "instance_family",
    "channels": "channel",
    "input_modes": "input_mode",
    "training_modes": "input_mode",
    "data_sources": "data_source",
    "contracts": "contract",
    "inference": "inference_option",
    "inference_options": "inference_option",
    "deployment": "deployment_strategy",
    "deployment_strategies": "deployment_strategy",
    "strategies": "deployment_strategy",
    "algorithms": "algorithm",
    "exams": "exam",
    "concepts": "concept",
    "questions": "question",
}


def _kind(kind: str) -> str:
    k = kind.strip().lower().replace("-", "_")
    return KIND_ALIASES.get(k, k)


def list_records(kind: str | None) -> dict[str, Any]:
    """Counts per kind, or every record of one kind (records as stored)."""
    kb = load_kb()
    if kind is None:
        counts = {k: len(kb.of_kind(k)) for k in kb.kinds()}
        counts["question"] = len(kb.questions)
        return {"kind": None, "kinds": counts}
    k = _kind(kind)
    if k == "question":
        return {"kind": "question", "records": list(kb.questions.values())}
    if k not in kb.kinds():
        raise SageCliError(
            f"unknown kind {kind!r}", hint=f"kinds: {', '.join(kb.kinds() + ['question'])}"
        )
    return {"kind": k, "records": kb.of_kind(k)}


def show_record(record_id: str) -> dict[str, Any]:
    """A record as stored; a full instance type returns its size with the family around it."""
    kb = load_kb()
    if record_id in kb.questions:
        return kb.questions[record_id]
    if record_id.count(".") == 2 and record_id.startswith("ml.") and record_id not in kb.records:
        fam, size = kb.instance(record_id)
        return {**size, "kind": "instance_type", "family": fam["id"], "category": fam["category"],
                "processor": fam["processor"], "sources": fam["sources"]}
    return kb.get(record_id)


# Where a word is found decides how well the record ranks: its id or name beats a passing mention.
FIELD_WEIGHTS = (("id", 8), ("name", 8), ("tags", 4), ("summary", 3), ("limits", 2), ("exam_tips", 1), ("rest", 1))


def _strings(value: Any) -> list[str]:
    """Every string inside a value (dict keys included: limit names such as max_payload_mb)."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (str(k).replace("_", " "), *_strings(v))]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return [str(value)] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else []


def _fields(rec: dict[str, Any]) -> dict[str, str]:
    named = {"id", "name", "tags", "summary", "limits", "exam_tips", "sources", "related", "kind"}
    texts = {k: " ".join(_strings(rec.get(k))) for k in ("id", "name", "tags", "summary", "limits", "exam_tips")}
    texts["rest"] = " ".join(_strings({k: v for k, v in rec.items() if k not in named}))
    return {k: v.lower().replace("_", " ") for k, v in texts.items()}


def rank_hits(records: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Records holding every word of text anywhere in their fields, best match first (then by id)."""
    words = text.lower().replace("_", " ").split()
    scored = []
    for rec in records:
        fields = _fields(rec)
        best = [max((w for f, w in FIELD_WEIGHTS if word in fields[f]), default=0) for word in words]
        if all(best):
            exact = text.strip().lower() in (rec["id"], str(rec.get("name", "")).lower())
            scored.append((-(100 if exact else 0) - sum(best), rec["id"], rec))
    return [rec for *_, rec in sorted(scored, key=lambda t: t[:2])]


def search_records(text: str) -> list[dict[str, Any]]:
    """Records that mention every word of text (in any field, limits included), best match first."""
    if not text.strip():
        raise SageCliError("search text is empty", hint="e.g. `sagecli kb search payload`")
    return rank_hits(list(load_kb().records.values()), text)


def lifecycle() -> list[dict[str, Any]]:
    """The seed's lifecycle: each stage with its components, children nested under their parent."""
    kb = load_kb()
    # inference options are deployment-stage components too (real-time, serverless, ...)
    comps = [
        {**o, "stage": "deployment", "parent": o.get("parent")} for o in kb.of_kind("inference_option")
    ] + kb.of_kind("component")
    by_parent: dict[str | None, list[dict[str, Any]]] = {}
    for c in comps:
        by_parent.setdefault(c.get("parent"), []).append(c)

    def node(c: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "name": c["name"],
            "summary": c["summary"],
            "availability": c.get("availability", {}).get("status", "available"),
            "children": [node(ch) for ch in by_parent.get(c["id"], [])],
        }

    return [
        {"stage": key, "name": label,
         "components": [node(c) for c in by_parent.get(None, []) if c["stage"] == key]}
        for key, label in STAGES
    ]


def validate(directory: Path | None) -> dict[str, Any]:
    """Run every content check on a directory; return counts and problems as file:line strings."""
    from sagecli.errors import UsageError
    from sagecli.knowledge.loader import compile_content
    from sagecli.paths import content_dir

    if directory is not None and not directory.is_dir():
        raise UsageError(f"no content directory at {directory}", hint="give a folder of <kind>.yaml files")
    root = directory or content_dir()
    compiled = compile_content(root)
    problems = [str(p) for p in compiled.problems]
    if directory is not None:  # name the user's own files, not the bundled content/ folder
        shown = directory.as_posix().rstrip("/") + "/"
        problems = [shown + p[len("content/"):] if p.startswith("content/") else p for p in problems]
    return {
        "directory": str(root),
        "records": len(compiled.records),
        "questions": len(compiled.questions),
        "problems": problems,
    }
