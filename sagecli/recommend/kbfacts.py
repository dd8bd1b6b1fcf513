"""Small helpers for reading documented limits and pages out of the knowledge base."""

from __future__ import annotations

from typing import Any

MB_PER_GB = 2**10  # a unit, not a limit


def limit(kb: Any, record_id: str, name: str) -> tuple[Any, str | None]:
    """A limit's current value and the page it comes from (falls back to the record's first source)."""
    rec = kb.limit_record(record_id, name)
    return rec["value"], rec.get("source") or page(kb, record_id)


def bound(kb: Any, record_id: str, name: str, which: str) -> tuple[float, str | None]:
    """A limit's documented min or max (which='min'|'max'), else its value, with the source."""
    rec = kb.limit_record(record_id, name)
    value = rec.get(which)
    if value is None:
        value = rec["value"]
    return value, rec.get("source") or page(kb, record_id)


def page(kb: Any, record_id: str) -> str | None:
    """The record's first documentation page."""
    sources = kb.get(record_id).get("sources") or []
    return sources[0] if sources else None


def has(kb: Any, record_id: str) -> bool:
    """True when the knowledge base holds the record."""
    return record_id in kb.records


def fmt(value: float) -> str:
    """A number without a useless .0."""
    return f"{value:g}"
