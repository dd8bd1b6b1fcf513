"""A session's result: per question, per domain and task, time, and (exam) the estimated score."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sagecli.quiz.exam import ExamFormat, estimate
from sagecli.quiz.grading import correct_answer, describe, to_display


def _acc(c: int, t: int) -> float | None:
    return round(c / t, 4) if t else None


def summarize(rows: list[dict[str, Any]], answers: dict[int, dict[str, Any]], units: dict[str, dict[str, Any]],
              fmt: ExamFormat, mode: str) -> dict[str, Any]:
    """Score a session: all-or-nothing per unit, unanswered wrong, domains, tasks, time per question."""
    per_dom: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_task: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    questions = []
    for pos, row in enumerate(rows):
        u = units[row["id"]]
        a = answers.get(pos)
        ok = bool(a and a["correct"])
        for bucket in (per_dom[u["domain"]], per_task[u["task"]]):
            bucket[0] += ok
            bucket[1] += 1
        questions.append({
            "n": pos + 1, "id": u["id"], "type": u["type"], "kind": describe(u), "domain": u["domain"],
            "task": u["task"], "case_id": u.get("case_id"), "generated": bool(u.get("generated")),
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
        "questions": questions,
    }
    if mode == "exam":
        est = estimate({d: (c, t) for d, (c, t) in per_dom.items()}, fmt)
        est["pass_estimate"] = est["estimate"] is not None and est["estimate"] >= fmt.passing
        out["score"] = est
    return out
