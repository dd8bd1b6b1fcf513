"""Questions generated from knowledge-base facts: limits and ranges, instance specs, algorithm facts.

Ids come from the fact's key (q-gen-<fact>-<record>-<name>), so they stay stable while the bank grows
with the knowledge base. Distractors come from sibling records (the same limit elsewhere, sizes of the
same family, other algorithms), then from a limit's history, and only then from scaled values; a
distractor is never equal to the right value.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

# kind -> (domain, task) of the MLA-C01 exam guide a fact of that kind belongs to
_TASK = {
    "inference_option": (3, "3.1"), "deployment_strategy": (3, "3.3"), "instance_family": (3, "3.1"),
    "input_mode": (1, "1.1"), "data_source": (1, "1.1"), "channel": (1, "1.1"), "algorithm": (2, "2.1"),
    "component": (2, "2.2"), "concept": (2, "2.2"), "contract": (3, "3.2"),
}
AWS_DOCS = "https://docs.aws.amazon.com/"
_UNIT_WORDS = {"mb", "gb", "kb", "gib", "mib", "seconds", "s", "minutes", "hours", "days", "percent", "pct"}


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def _fmt(v: float, unit: str | None) -> str:
    """A value with its unit: thousands grouped when there is a unit, the unit singular for 1."""
    whole = float(v).is_integer()
    text = (f"{int(v):,}" if unit else str(int(v))) if whole else f"{v:g}"
    if not unit:
        return text
    if v == 1:  # "1 instance", "1 IP address", "1 job per tuning job"
        head, sep, tail = unit.partition(" per ")
        words = head.split(" ")
        noun = words[-1]
        if noun.endswith(("sses", "shes", "ches", "xes")):
            words[-1] = noun[:-2]
        elif noun.endswith("s") and not noun.endswith("ss") and len(noun) > 2:
            words[-1] = noun[:-1]
        unit = " ".join(words) + sep + tail
    return f"{text} {unit}"


_ABBREV = {"cpu": "CPU", "gpu": "GPU", "gpus": "GPUs", "ips": "IP addresses", "api": "API", "fp32": "FP32",
           "fp16": "FP16", "bf16": "BF16", "int8": "INT8", "int4": "INT4", "ms": "", "chars": "length"}
_TIME_NOUNS = {"time", "timeout", "delay", "interval", "cooldown", "period", "runtime", "grace", "window", "wait"}
# a limit whose note says it is not an AWS-documented number is not asked as "the documented value"
_NOT_DOCUMENTED = ("rule of thumb", "not an aws number", "convention", "derived from")


def _label(name: str) -> str:
    """A limit's key as words: 'ping_timeout_seconds' -> 'ping timeout', 'failure_reason_chars' -> 'failure
    reason length'."""
    parts = name.split("_")
    words = [w for w in parts if w not in _UNIT_WORDS]
    words = [w for w in (_ABBREV.get(w, w) for w in words) if w]
    if parts[-1] in ("seconds", "s", "ms", "minutes", "hours", "days") and not _TIME_NOUNS & set(words):
        words.append("time")
    return " ".join(words).replace("max ", "maximum ").replace("min ", "minimum ")


def _documented(lim: dict[str, Any]) -> bool:
    """False for rules of thumb and conventions kept in the knowledge base for calculators."""
    note = (lim.get("note") or "").lower()
    return not any(flag in note for flag in _NOT_DOCUMENTED)


def _question(qid: str, kind: str, rec: dict[str, Any], stem: str, right: str, right_why: str,
              wrong: list[tuple[str, str]], source: str) -> dict[str, Any]:
    domain, task = _TASK.get(kind, (3, "3.1"))
    texts = [right] + [w for w, _ in wrong]
    whys = [right_why] + [y for _, y in wrong]
    options = [{"key": chr(65 + i), "text": t, "correct": i == 0, "why": y}
               for i, (t, y) in enumerate(zip(texts, whys, strict=True))]
    sources = [source] + [s for s in rec.get("sources", []) if s != source][:1]
    # A generated item asks one documented limit directly: one-step recall (content/questions/RUBRIC.md),
    # so it is easy and tagged recall, which keeps it in practice drills and out of mock exams.
    return {"id": qid, "type": "mc", "domain": domain, "task": task, "difficulty": "easy", "recall": True,
            "stem": stem, "options": options, "items": [], "prompts": [], "choices": [], "topics": [rec["id"]],
            "sources": sources, "generated": True}


def _distractors(true: float, candidates: list[tuple[float, str]], n: int = 3,
                 cap: float | None = None) -> list[tuple[float, str]]:
    """Up to n wrong values: siblings first (nearest first), then scaled values; no repeats, none above cap."""
    out: list[tuple[float, str]] = []
    seen = {true}

    def ok(v: float) -> bool:
        return v not in seen and v > 0 and (cap is None or v <= cap)

    for v, why in sorted(candidates, key=lambda c: abs(c[0] - true)):
        if ok(v):
            out.append((v, why))
            seen.add(v)
    for factor in (2, 0.5, 4, 0.25, 10, 3, 0.1):
        v = true * factor
        v = float(round(v)) if true.is_integer() else round(v, 3)
        if len(out) >= n:
            break
        if ok(v):
            out.append((v, ""))
            seen.add(v)
    return out[:n]


def _words(ptype: str) -> str:
    return ptype.replace("_", " ")


def limit_questions(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One question per numeric limit: its value (siblings with the same limit name as distractors)."""
    by_name: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for rec in records.values():
        for name, lim in (rec.get("limits") or {}).items():
            by_name.setdefault(name, []).append((rec, lim))
    out = []
    for name, pairs in by_name.items():
        for rec, lim in pairs:
            true = _num(lim.get("value"))
            if true is None or lim.get("min") is not None or lim.get("max") is not None:
                continue
            if "port" in name.split("_"):
                continue  # an identifier, not a quantity: scaled distractors would be nonsense
            if not _documented(lim):
                continue
            unit = lim.get("unit")
            label = _label(name)
            cands = [(v, f"{_fmt(v, unit)} is the {label} of {o['name']}, not of {rec['name']}.")
                     for o, ol in pairs if o is not rec and ol.get("unit") == unit
                     and (v := _num(ol.get("value"))) is not None]
            cands += [(v, f"{_fmt(v, unit)} is an older documented value (until {h.get('until', 'earlier')}); "
                          f"the current one is {_fmt(true, unit)}.")
                      for h in lim.get("history", []) if h.get("unit", unit) == unit
                      and (v := _num(h.get("value"))) is not None]
            wrong = _distractors(true, cands, cap=100.0 if unit in ("%", "percent") else None)
            if len(wrong) < 3:
                continue
            right = _fmt(true, unit)
            note = f" ({lim['note']})" if lim.get("note") else ""
            src = lim.get("source") or rec["sources"][0]
            if not src.startswith(AWS_DOCS):
                continue  # the stem says "AWS documents": only ask values an AWS page states
            verb = "currently document" if lim.get("history") else "document"
            out.append(_question(
                f"q-gen-limit-{_slug(rec['id'])}-{_slug(name)}", rec["kind"], rec,
                f"{rec['name']}: which value does AWS {verb} for {label}?", right,
                f"Right: {rec['name']}, {label}: {right}{note}.",
                [(_fmt(v, unit), why or f"Not the documented value: {rec['name']}, {label}: {right}.")
                 for v, why in wrong], src))
    return out


def instance_questions(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Memory of each instance size (sizes of the same family as distractors); the GPU of each GPU family."""
    fams = [r for r in records.values() if r["kind"] == "instance_family"]
    out = []
    for fam in fams:
        sizes = [s for s in fam.get("sizes", []) if _num(s.get("memory_gib")) is not None]
        for s in sizes:
            true = float(s["memory_gib"])
            cands = [(float(o["memory_gib"]), f"{_fmt(float(o['memory_gib']), 'GiB')} is the memory of {o['type']}.")
                     for o in sizes if o is not s]
            wrong = _distractors(true, cands)
            if len(wrong) < 3:
                continue
            out.append(_question(
                f"q-gen-memory-{_slug(s['type'])}", "instance_family", fam,
                f"How much host memory does an {s['type']} instance have?", _fmt(true, "GiB"),
                f"Right: {s['type']} has {s.get('vcpu', '?')} vCPUs and {_fmt(true, 'GiB')} of memory.",
                [(_fmt(v, "GiB"), why or f"Not its memory: {s['type']} has {_fmt(true, 'GiB')}.") for v, why in wrong],
                fam["sources"][0]))
    models: dict[str, str] = {}
    for fam in fams:
        gm = {s.get("gpu_model") for s in fam.get("sizes", []) if s.get("gpu_model")}
        if len(gm) == 1:
            models[fam["id"]] = gm.pop()
    for fid, model in models.items():
        others = sorted({m for f, m in models.items() if m != model}, key=lambda m: (m, ))
        if len(others) < 3:
            continue
        fam = records[fid]
        wrong = [(m, f"{m} is the GPU of {', '.join(f for f, x in models.items() if x == m)}, not of {fid}.")
                 for m in others[:3]]
        out.append(_question(f"q-gen-gpu-{_slug(fid)}", "instance_family", fam,
                             f"Which GPU do {fid} instances carry?", model,
                             f"Right: {fid} instances carry NVIDIA {model} GPUs." if "NVIDIA" not in model
                             else f"Right: {fid} instances carry {model} GPUs.", wrong, fam["sources"][0]))
    return out


def algorithm_questions(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """For a built-in algorithm's problem type: pick it among algorithms whose problem types share no word
    with it (so image or text classifiers are never offered as wrong answers to a classification question)."""
    algos = sorted((r for r in records.values() if r["kind"] == "algorithm"), key=lambda a: a["id"])
    out = []
    for algo in algos:
        for ptype in algo.get("problem_types", [])[:2]:
            words = set(ptype.split("_"))
            others = [a for a in algos if a is not algo
                      and not any(words & set(p.split("_")) for p in a["problem_types"])]
            if len(others) < 3:
                continue
            others.sort(key=lambda a, p=ptype: hashlib.sha256(f"{algo['id']}/{p}/{a['id']}".encode()).digest())
            wrong = [(a["name"], f"{a['name']} is for {', '.join(map(_words, a['problem_types']))}, "
                                 f"not {_words(ptype)}.") for a in others[:3]]
            out.append(_question(
                f"q-gen-algo-{_slug(algo['id'])}-{_slug(ptype)}", "algorithm", algo,
                f"Which of these SageMaker built-in algorithms is meant for {_words(ptype)}?", algo["name"],
                f"Right: {algo['name']} handles {', '.join(map(_words, algo['problem_types']))}.", wrong,
                algo["sources"][0]))
    return out


def generated_questions(records: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every generated question, keyed by its fact-derived id."""
    out: dict[str, dict[str, Any]] = {}
    for q in limit_questions(records) + instance_questions(records) + algorithm_questions(records):
        out.setdefault(q["id"], q)
    return out
