"""The bank as scorable units: every top-level item, and every part of a case study on its own.

A unit is a plain dict: id, type (mc|mr|ordering|matching), domain, task, difficulty, stem, options,
select, items, prompts, choices, explanation, sources, topics, plus case_id/scenario for case parts and
generated=True for questions derived from knowledge-base facts.
"""

from __future__ import annotations

from typing import Any

TYPE_NAMES = {
    "mc": "multiple choice",
    "mr": "multiple response",
    "ordering": "ordering",
    "matching": "matching",
    "case": "case study",
}

_CARRY = ("domain", "sources", "topics")


def units_of(question: dict[str, Any]) -> list[dict[str, Any]]:
    """The scorable units of one bank question: itself, or each part of a case study."""
    if question["type"] != "case":
        unit = dict(question)
        unit.setdefault("topics", [])
        return [unit]
    out = []
    n = len(question["parts"])
    for i, part in enumerate(question["parts"], 1):
        unit = dict(part)
        for key in _CARRY:
            unit[key] = question.get(key, [])
        unit["case_id"] = question["id"]
        unit["case_part"] = f"{i}/{n}"
        unit["scenario"] = question.get("scenario", "")
        unit["generated"] = question.get("generated", False)
        out.append(unit)
    return out


def all_units(questions: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every unit of the bank keyed by id, in bank order."""
    out: dict[str, dict[str, Any]] = {}
    for q in questions.values():
        for unit in units_of(q):
            out[unit["id"]] = unit
    return out


def display_keys(n: int) -> list[str]:
    """Letters shown for n shuffled options: A, B, C, ..."""
    return [chr(ord("A") + i) for i in range(n)]


def shuffle_keys(unit: dict[str, Any]) -> list[str]:
    """The original keys of whatever a unit shows as lettered choices, in bank order."""
    t = unit["type"]
    if t in ("mc", "mr"):
        return [o["key"] for o in unit["options"]]
    if t == "ordering":
        return [i["key"] for i in unit["items"]]
    return [c["key"] for c in unit["choices"]]


def lettered(unit: dict[str, Any], perm: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """(display letter, original option/item/choice) in the shuffled order given by perm."""
    t = unit["type"]
    pool = unit["options"] if t in ("mc", "mr") else unit["items"] if t == "ordering" else unit["choices"]
    by_key = {o["key"]: o for o in pool}
    return list(zip(display_keys(len(perm)), (by_key[k] for k in perm), strict=True))
