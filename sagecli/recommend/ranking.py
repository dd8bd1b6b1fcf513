"""Shared ranking types: candidates collect reasons and points, a decision ranks them into the JSON shape."""

from __future__ import annotations

import math
from typing import Any


class Candidate:
    """One option under consideration: eligibility, a raw score in logit points, reasons and sources.

    A plain class rather than a dataclass: generating a dataclass's methods costs about half a millisecond
    at import, on every recommend command's start-up.
    """

    __slots__ = ("option", "order", "raw", "eligible", "reasons", "sources", "extra", "blockers", "pros", "cons",
                 "weights")

    def __init__(self, option: str, order: int = 0, raw: float = 0.0, eligible: bool = True,
                 extra: dict[str, Any] | None = None) -> None:
        self.option = option
        self.order = order  # tie-break: the documented preference order (lower wins)
        self.raw = raw
        self.eligible = eligible
        self.reasons: list[str] = []
        self.sources: list[str] = []
        self.extra: dict[str, Any] = {} if extra is None else extra
        self.blockers: list[str] = []  # the constraints that ruled it out
        self.pros: list[str] = []
        self.cons: list[str] = []
        self.weights: list[tuple[float, str]] = []  # every adjustment, for --explain

    def __repr__(self) -> str:
        return f"Candidate({self.option!r}, eligible={self.eligible}, raw={self.raw:.3f})"

    def _cite(self, source: str | None) -> None:
        if source and source not in self.sources:
            self.sources.append(source)

    def exclude(self, reason: str, source: str | None = None) -> None:
        """Rule the option out, saying which constraint did it."""
        self.eligible = False
        self.blockers.append(reason)
        self._cite(source)

    def adjust(self, points: float, reason: str, source: str | None = None) -> None:
        """Add (or subtract) points with the reason a reader sees."""
        self.raw += points
        self.weights.append((points, reason))
        self.reasons.append(reason)
        if reason:
            (self.pros if points > 0 else self.cons).append(reason)
        self._cite(source)

    def note(self, reason: str, source: str | None = None) -> None:
        """Attach a fact worth knowing that does not change the score."""
        self.reasons.append(reason)
        self._cite(source)


class Decision:
    """A set of candidates for one decision plus the rules that fired (for --explain)."""

    __slots__ = ("name", "candidates", "rules", "extra", "relative")

    def __init__(self, name: str, relative: bool = False) -> None:
        self.name = name
        self.candidates: dict[str, Candidate] = {}
        self.rules: list[dict[str, str]] = []
        self.extra: dict[str, Any] = {}
        self.relative = relative  # show scores relative to the best option (the raw scale is not meaningful)

    def __repr__(self) -> str:
        return f"Decision({self.name!r}, {len(self.candidates)} candidates)"

    def add(self, option: str, source: str | None = None, **extra: Any) -> Candidate:
        """Register a candidate in preference order."""
        cand = Candidate(option, len(self.candidates), extra=extra)  # **extra is a new dict already
        cand._cite(source)
        self.candidates[option] = cand
        return cand

    def __getitem__(self, option: str) -> Candidate:
        return self.candidates[option]

    def fire(self, rule: str, text: str, source: str | None = None) -> None:
        """Record that a rule applied (shown by --explain and in JSON under `rules`)."""
        entry = {"rule": rule, "text": text}
        if source:
            entry["source"] = source
        self.rules.append(entry)

    def ranked(self) -> list[Candidate]:
        """Eligible first, then by score, then by documented preference order (stable)."""
        return sorted(self.candidates.values(), key=lambda c: (not c.eligible, -c.raw, c.order, c.option))

    def to_dict(self) -> dict[str, Any]:
        """The decision in the stable JSON shape."""
        ranked = self.ranked()
        choice = ranked[0].option if ranked and ranked[0].eligible else None
        shift = 2.0 - ranked[0].raw if self.relative and choice else 0.0
        rows = []
        for c in ranked:
            row: dict[str, Any] = {  # copies, so the answer never shares a list with its candidate
                "option": c.option,
                "eligible": c.eligible,
                "score": score(c.raw + shift) if c.eligible else 0.0,
                "reasons": c.blockers + [r for r in c.reasons if r],
                "sources": c.sources[:],
                "pros": c.pros[:],
                "cons": c.cons[:],
                "weights": [{"points": round(p, 2), "reason": r} for p, r in c.weights if r],
            }
            if c.blockers:
                row["ruled_out_by"] = list(c.blockers)
            row.update(c.extra)
            rows.append(row)
        out: dict[str, Any] = {"decision": self.name, "choice": choice, "ranked": rows, "rules": list(self.rules)}
        out.update(self.extra)
        return out


def score(raw: float) -> float:
    """Map raw logit points to 0..1 (monotonic), rounded for stable output."""
    return round(1.0 / (1.0 + math.exp(-raw)), 3)


def answer(recommender: str, inputs: dict[str, Any], assumed: dict[str, Any],
           decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """The top-level JSON shape every recommender returns."""
    return {"recommender": recommender, "inputs": inputs, "assumed": assumed, "decisions": decisions}
