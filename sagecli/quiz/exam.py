"""The target exam's format (MLA-C01) read from the knowledge base, and the estimated scaled score."""

from __future__ import annotations

import math
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


def estimate(per_domain: dict[int, tuple[int, int]], fmt: ExamFormat) -> dict[str, Any]:
    """Estimated scaled score with a 95 % interval from (correct, total) per domain."""
    seen = {d: ct for d, ct in per_domain.items() if ct[1] > 0 and d in fmt.weights}
    n = sum(t for _, t in seen.values())
    if not seen:
        return {"estimate": None, "low": None, "high": None, "passing": fmt.passing, "answered": 0,
                "weighted_accuracy": None, "label": "no answers yet"}
    wsum = sum(fmt.weights[d] for d in seen)
    p = sum(fmt.weights[d] * c / t for d, (c, t) in seen.items()) / wsum
    lo, hi = wilson(p, n)
    return {
        "estimate": _scale(p, fmt),
        "low": _scale(lo, fmt),
        "high": _scale(hi, fmt),
        "passing": fmt.passing,
        "answered": n,
        "weighted_accuracy": round(p, 4),
        "label": (
            f"estimate only: AWS scales scores by equating; this maps domain-weighted accuracy to "
            f"{fmt.score_min}-{fmt.score_max} with {int(CUT_ACCURACY * 100)}% at {fmt.passing} "
            f"(95% interval from {n} answers)"
        ),
    }
