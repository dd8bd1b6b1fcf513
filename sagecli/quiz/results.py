"""A session's result: per question, per domain and task, time, and (exam) the estimated score."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sagecli.quiz.exam import ExamFormat, estimate, tally
from sagecli.quiz.grading import correct_answer, describe, to_display


def _acc(c: int, t: int) -> float | None:
    return round(c / t, 4) if t else None


def _pace(questions: list[dict[str, Any]], budget: float) -> dict[str, Any]:
    """Median seconds per answered question, how many took longer than the exam's average budget, the slowest."""
    timed = sorted((q["seconds"], q["n"]) for q in questions if q["answered"])
    if not timed:
        return {"median_seconds": None, "budget_seconds": round(budget), "over_budget": 0, "slowest": []}
    mid = len(timed) // 2
    median = timed[mid][0] if len(timed) % 2 else (timed[mid - 1][0] + timed[mid][0]) / 2
    return {"median_seconds": round(median, 1), "budget_seconds": round(budget),
            "over_budget": sum(s > budget for s, _ in timed),
            "slowest": [{"n": n, "seconds": s} for s, n in reversed(timed[-3:])]}


def summarize(rows: list[dict[str, Any]], answers: dict[int, dict[str, Any]], units: dict[str, dict[str, Any]],
              fmt: ExamFormat, mode: str) -> dict[str, Any]:
    """Score a session: all-or-nothing per unit, unanswered wrong, domains, tasks, time per question."""
    per_dom: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_task: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    questions = []
    weighted: list[tuple[int, str | None, bool]] = []
    for pos, row in enumerate(rows):
        u = units[row["id"]]
        a = answers.get(pos)
        ok = bool(a and a["correct"])
        for bucket in (per_dom[u["domain"]], per_task[u["task"]]):
            bucket[0] += ok
            bucket[1] += 1
        weighted.append((u["domain"], u.get("difficulty"), ok))
        questions.append({
            "n": pos + 1, "id": u["id"], "type": u["type"], "kind": describe(u), "domain": u["domain"],
            "task": u["task"], "difficulty": u.get("difficulty") or "medium", "case_id": u.get("case_id"),
            "generated": bool(u.get("generated")),
            "given": to_display(row["perm"], a["answer"], u["type"]) if a else "",
            "answer": to_display(row["perm"], correct_answer(u), u["type"]),
            "answered": bool(a and a["answer"] is not None), "correct": ok,
            "flagged": bool(a and a["flagged"]), "seconds": round(a["seconds"], 1) if a else 0.0,
            "sources": u.get("sources", []), "perm": row["perm"],
        })
    n_ok = sum(q["correct"] for q in questions)
    timed = [q["seconds"] for q in questions if q["answered"]]
    out: dict[str, Any] = {
        "mode": mode,
        "total": len(questions),
        "correct": n_ok,
        "answered": sum(q["answered"] for q in questions),
        "accuracy": _acc(n_ok, len(questions)),
        "domains": {
            str(d): {"name": fmt.names.get(d, f"Domain {d}"), "correct": c, "total": t, "accuracy": _acc(c, t)}
            for d, (c, t) in sorted(per_dom.items())
        },
        "tasks": {k: {"correct": c, "total": t, "accuracy": _acc(c, t)} for k, (c, t) in sorted(per_task.items())},
        "seconds_per_question": round(sum(timed) / len(timed), 1) if timed else None,
        "pace": _pace(questions, fmt.minutes * 60 / fmt.questions),
        "questions": questions,
    }
    if mode == "exam":
        est = estimate(tally(weighted), fmt)
        est["pass_estimate"] = est["estimate"] is not None and est["estimate"] >= fmt.passing
        out["score"] = est
    return out
