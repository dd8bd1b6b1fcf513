"""`sagecli stats`: accuracy, coverage, the FSRS queue and forecast, readiness, mock history, leeches."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sagecli.quiz import srs
from sagecli.quiz.exam import estimate, tally

RECENT = 100  # answers per domain that count towards readiness
MIN_TASK_ANSWERS = 3  # a task statement with fewer answers is listed as too few to judge


def _acc(c: int, t: int) -> dict[str, Any]:
    return {"correct": c, "total": t, "accuracy": round(c / t, 4) if t else None}


def summarize_progress(units: dict[str, dict[str, Any]], fmt: Any, answers: list[tuple[str, bool, str]],
                       card_rows: list[tuple[str, str, int, int, str]], history: list[dict[str, Any]],
                       now: datetime, exam_day: datetime | None = None) -> dict[str, Any]:
    """Every stats figure from plain inputs (pure: the clock is a parameter)."""
    dom: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    task: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    recent: dict[int, list[tuple[int, str | None, bool]]] = defaultdict(list)
    seen: set[str] = set()
    for qid, ok, _at in answers:
        u = units.get(qid)
        if u is None:
            continue
        seen.add(qid)
        for b in (dom[u["domain"]], task[u["task"]]):
            b[0] += ok
            b[1] += 1
        recent[u["domain"]].append((u["domain"], u.get("difficulty"), ok))
    authored = [q for q, u in units.items() if not u.get("generated")]
    tasks_all = sorted(set(fmt.tasks) | {u["task"] for u in units.values()})
    cards = {q: c for q, c, *_ in card_rows if q in units}
    eod = srs.end_of_day(now)
    due_today = [q for q, c in cards.items() if srs.due_of(c) < eod]
    overdue = [q for q, c in cards.items() if srs.due_of(c) < now.replace(hour=0, minute=0, second=0, microsecond=0)]
    per_dom_recent = tally(a for v in recent.values() for a in v[-RECENT:])
    out: dict[str, Any] = {
        "exam": fmt.code,
        "answers": len(answers),
        "domains": {str(d): {"name": fmt.names.get(d, f"Domain {d}"), **_acc(*dom[d])}
                    for d in sorted(set(fmt.weights) | set(dom))},
        "tasks": {t: _acc(*task[t]) for t in tasks_all},
        "coverage": {
            "bank": len(units), "authored": len(authored), "seen": len(seen),
            # one definition everywhere: questions = authored records (a case study is one), items = scored units
            "questions": len({units[q].get("case_id") or q for q in authored}),
            "generated": len(units) - len(authored),
            "seen_share": round(len(seen) / len(units), 4) if units else None,
            "tasks_with_3_answers": sum(1 for t in tasks_all if task[t][1] >= MIN_TASK_ANSWERS),
            "tasks": len(tasks_all),
        },
        "due": {"today": len(due_today), "overdue": len(overdue), "cards": len(cards),
                "forecast": srs.forecast(cards, now)},
        "readiness": estimate(per_dom_recent, fmt),
        "tasks_too_few": [t for t in tasks_all if task[t][1] < MIN_TASK_ANSWERS],
        "weakest_tasks": [t for t, _acc_ in sorted(
            ((t, c / n) for t, (c, n) in task.items() if n >= 3), key=lambda x: (x[1], x[0]))[:3]],
        "mock_exams": [{"finished": h["finished"], "estimate": h.get("score", {}).get("estimate"),
                        "correct": h["correct"], "total": h["total"], "timed_out": h.get("timed_out", False)}
                       for h in history],
        "leeches": sorted(({"id": q, "lapses": lapses, "reps": reps} for q, _c, reps, lapses, _i in card_rows
                           if lapses >= srs.LEECH_LAPSES), key=lambda x: -x["lapses"]),
    }
    if exam_day is not None:
        by_dom: dict[int, list[float]] = defaultdict(list)
        for q, c in cards.items():
            by_dom[units[q]["domain"]].append(srs.retrievability(c, exam_day))
        allr = [r for v in by_dom.values() for r in v]
        out["exam_day"] = {
            "date": exam_day.date().isoformat(),
            "mean_recall": round(sum(allr) / len(allr), 4) if allr else None,
            "domains": {str(d): round(sum(v) / len(v), 4) for d, v in sorted(by_dom.items())},
            "cards": len(allr),
        }
    return out


def compute_stats(content: Path | None, exam_day: datetime | None, now: datetime | None = None) -> dict[str, Any]:
    """Stats for the learner in $SAGECLI_HOME against the current bank."""
    from sagecli.quiz.db import Store
    from sagecli.quiz.flow import load_units, utc_now

    units, _kb, fmt = load_units(content)
    store = Store()
    try:
        return summarize_progress(units, fmt, store.all_answers(), store.card_rows(), store.exam_history(),
                                  now or utc_now(), exam_day)
    finally:
        store.close()
