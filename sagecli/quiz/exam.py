"""The target exam's format (MLA-C01) read from the knowledge base, and the estimated scaled score."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

EXAM_ID = "mla-c01"

# Used only when content/exams.yaml has no mla-c01 record (the exam guide's published format).
_FALLBACK = {
    "questions_total": 65,
    "duration_minutes": 130,
    "passing_score": 720,
    "score_min": 100,
    "score_max": 1000,
    "domains": [
        {"number": 1, "name": "Data Preparation for Machine Learning", "weight_percent": 28},
        {"number": 2, "name": "ML Model Development", "weight_percent": 26},
        {"number": 3, "name": "Deployment and Orchestration of ML Workflows", "weight_percent": 22},
        {"number": 4, "name": "ML Solution Monitoring, Maintenance, and Security", "weight_percent": 24},
    ],
}

# Assumption, stated wherever a score is shown: the pass mark sits near this share of weighted accuracy.
# AWS scales scores by equating, so 720 is not 72 % correct; this is only a transparent anchor.
CUT_ACCURACY = 0.72


@dataclass(frozen=True)
class ExamFormat:
    """What a mock exam needs: question count, duration, scale, pass mark and domain weights."""

    code: str
    questions: int
    minutes: int
    passing: int
    score_min: int
    score_max: int
    weights: dict[int, float]
    names: dict[int, str]
    tasks: list[str] = field(default_factory=list)
    from_kb: bool = True


def exam_format(records: dict[str, dict[str, Any]]) -> ExamFormat:
    """The MLA-C01 format from the knowledge base, or the published defaults if the record is missing."""
    rec = records.get(EXAM_ID)
    src = dict(_FALLBACK)
    if rec:
        src.update({k: v for k, v in rec.items() if v not in (None, [])})
    doms = src["domains"]
    return ExamFormat(
        code=str(src.get("code", "MLA-C01")),
        questions=int(src["questions_total"]),
        minutes=int(src["duration_minutes"]),
        passing=int(src["passing_score"]),
        score_min=int(src["score_min"]),
        score_max=int(src["score_max"]),
        weights={int(d["number"]): float(d["weight_percent"]) for d in doms},
        names={int(d["number"]): d["name"] for d in doms},
        tasks=[t["id"] for d in doms for t in d.get("tasks", [])],
        from_kb=rec is not None,
    )


def _scale(p: float, fmt: ExamFormat) -> int:
    """Weighted accuracy -> the 100-1000 scale, piecewise linear through (CUT_ACCURACY, pass mark)."""
    lo, hi, cut = fmt.score_min, fmt.score_max, fmt.passing
    if p <= CUT_ACCURACY:
        value = lo + (cut - lo) * p / CUT_ACCURACY
    else:
        value = cut + (hi - cut) * (p - CUT_ACCURACY) / (1 - CUT_ACCURACY)
    return int(round(min(max(value, lo), hi)))


def wilson(p: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for a proportion p observed over n trials."""
    if n <= 0:
        return 0.0, 1.0
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# How much one answer counts towards readiness, by the item's difficulty (content/questions/RUBRIC.md).
# The real exam is mostly medium and hard items, so easy answers count for less and hard ones for more.
DIFFICULTY_WEIGHT = {"easy": 0.5, "medium": 1.0, "hard": 1.5}
# Share of a mock exam drawn from medium or hard items (the real exam's majority), when the bank allows.
MIN_HARD_SHARE_PLUS_MEDIUM = 0.8


def weight_of(difficulty: str | None) -> float:
    """The readiness weight of one answer; an unrated item counts as medium."""
    return DIFFICULTY_WEIGHT.get(difficulty or "medium", 1.0)


def tally(answers: Iterable[tuple[int, str | None, bool]]) -> dict[int, tuple[float, float, float, int]]:
    """(domain, difficulty, correct) answers -> per domain (weighted correct, weighted total,
    sum of squared weights, answers), the input estimate() reads."""
    out: dict[int, list[float]] = {}
    for dom, diff, ok in answers:
        w = weight_of(diff)
        b = out.setdefault(dom, [0.0, 0.0, 0.0, 0])
        b[0] += w * bool(ok)
        b[1] += w
        b[2] += w * w
        b[3] += 1
    return {d: (b[0], b[1], b[2], int(b[3])) for d, b in out.items()}


def _cell(ct: tuple[float, ...]) -> tuple[float, float, float, int]:
    """(correct, total) counts every answer once; (wc, wt, w2, n) comes from tally()."""
    if len(ct) == 2:
        c, t = ct
        return float(c), float(t), float(t), int(t)
    c, t, w2, n = ct
    return float(c), float(t), float(w2), int(n)


def estimate(per_domain: dict[int, tuple[float, ...]], fmt: ExamFormat) -> dict[str, Any]:
    """Estimated scaled score with a 95 % interval, from per-domain (correct, total) counts or the
    difficulty-weighted tally(). The interval uses the effective number of answers (Kish: (sum w)^2 /
    sum w^2), so a score resting on a few heavily weighted items gets a wide interval."""
    cells = {d: _cell(ct) for d, ct in per_domain.items()}
    seen = {d: c for d, c in cells.items() if c[1] > 0 and d in fmt.weights}
    n = sum(c[3] for c in seen.values())
    if not seen:
        return {"estimate": None, "low": None, "high": None, "passing": fmt.passing, "answered": 0,
                "effective_answers": 0.0, "weighted_accuracy": None, "label": "no answers yet"}
    wsum = sum(fmt.weights[d] for d in seen)
    p = sum(fmt.weights[d] * c[0] / c[1] for d, c in seen.items()) / wsum
    n_eff = sum(c[1] * c[1] / c[2] for c in seen.values() if c[2] > 0)
    lo, hi = wilson(p, n_eff)
    missing = sorted(d for d in fmt.weights if d not in seen)
    gap = f"; no answers yet in domain {', '.join(map(str, missing))}" if missing else ""
    return {
        "estimate": _scale(p, fmt),
        "low": _scale(lo, fmt),
        "high": _scale(hi, fmt),
        "passing": fmt.passing,
        "answered": n,
        "effective_answers": round(n_eff, 1),
        "weighted_accuracy": round(p, 4),
        "label": (
            f"estimate only: AWS scales scores by equating; this maps domain- and difficulty-weighted "
            f"accuracy to {fmt.score_min}-{fmt.score_max} with {int(CUT_ACCURACY * 100)}% at {fmt.passing}; "
            f"rests on {n} answers (effective {n_eff:.0f} after weighting easy 0.5, medium 1, hard 1.5), "
            f"95% interval {_scale(lo, fmt)}-{_scale(hi, fmt)}{gap}"
        ),
    }


def _hm(u: dict[str, Any]) -> bool:
    """True for a medium or hard unit (unrated counts as medium)."""
    return (u.get("difficulty") or "medium") != "easy"


def mix(units: list[dict[str, Any]]) -> dict[str, Any]:
    """What a drawn exam is made of: count, per domain, per difficulty, recall and generated items."""
    diff = Counter(u.get("difficulty") or "medium" for u in units)
    return {
        "total": len(units),
        "domains": dict(sorted(Counter(u["domain"] for u in units).items())),
        "difficulty": {k: diff.get(k, 0) for k in DIFFICULTY_WEIGHT},
        "medium_or_hard_share": round(sum(map(_hm, units)) / len(units), 4) if units else None,
        "recall": sum(bool(u.get("recall")) for u in units),
        "generated": sum(bool(u.get("generated")) for u in units),
    }


def draw_mock(units: list[dict[str, Any]], weights: dict[int, float], total: int, rng: random.Random,
              min_hm: float = MIN_HARD_SHARE_PLUS_MEDIUM, recall_ok: bool = False) -> list[dict[str, Any]]:
    """A mock exam with the real exam's mix: total units split by domain weight; within a domain at least
    min_hm of them medium or hard, authored before generated; recall-tagged items left out unless
    recall_ok (or nothing else fills the draw); case-study parts kept together; shuffled (rng passed in)."""
    from sagecli.quiz.selection import pick, quotas

    def tiers(pool: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        plain = [u for u in pool if recall_ok or not u.get("recall")]
        return [[u for u in plain if not u.get("generated")], [u for u in plain if u.get("generated")]]

    by_dom: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for u in units:
        by_dom[u["domain"]].append(u)
    chosen: list[dict[str, Any]] = []
    for d, want in quotas(weights, total).items():
        got: list[dict[str, Any]] = []
        need_hm = math.ceil(want * min_hm)
        for tier in tiers(by_dom.get(d, [])):
            taken = {u["id"] for u in got}
            hm = [u for u in tier if _hm(u) and u["id"] not in taken]
            got += pick(hm, max(0, min(need_hm, want) - sum(map(_hm, got))), rng)
        for tier in tiers(by_dom.get(d, [])):
            taken = {u["id"] for u in got}
            got += pick([u for u in tier if u["id"] not in taken], want - len(got), rng)
        chosen.extend(got)
    if len(chosen) < total:  # a thin domain: top up from the rest of the bank, recall items last
        ids = {u["id"] for u in chosen}
        rest = [u for u in units if u["id"] not in ids]
        for tier in ([u for u in rest if not u.get("recall")], [u for u in rest if u.get("recall")]):
            ids = {u["id"] for u in chosen}
            chosen.extend(pick([u for u in tier if u["id"] not in ids], total - len(chosen), rng))
    blocks: list[list[dict[str, Any]]] = []
    index: dict[str, list[dict[str, Any]]] = {}
    for u in chosen:
        cid = u.get("case_id")
        if cid and cid in index:
            index[cid].append(u)
        else:
            blocks.append([u])
            if cid:
                index[cid] = blocks[-1]
    rng.shuffle(blocks)
    return [u for b in blocks for u in b]
