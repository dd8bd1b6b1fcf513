"""Stats from plain inputs with a fixed clock: accuracy, coverage, due, leeches, exam-day recall."""

from __future__ import annotations

import json
from datetime import timedelta

from sagecli.quiz import srs
from sagecli.quiz.exam import exam_format
from sagecli.quiz.stats import summarize_progress
from tests.quiz.helpers import FakeClock

UNITS = {f"q-{i}": {"id": f"q-{i}", "domain": 1 + i % 4, "task": f"{1 + i % 4}.1"} for i in range(8)}


def test_leech_after_eight_lapses_and_accuracy() -> None:
    clock = FakeClock()
    card, lapses = None, 0
    for _ in range(8):  # learn to Review, then forget: each forget is one lapse
        while card is None or json.loads(card)["state"] != 2:  # Good until the card is in Review
            card, _, lapsed = srs.review(card, "q-0", 3, clock())
            clock.now = srs.due_of(card)
        card, _, lapsed = srs.review(card, "q-0", 1, clock())
        lapses += lapsed
    assert lapses == 8
    answers = [("q-0", False, "t"), ("q-1", True, "t"), ("q-1", True, "t"), ("q-5", False, "t")]
    rows = [("q-0", card, 30, lapses, "t"), ("q-1", srs.review(None, "q-1", 3, clock())[0], 1, 0, "t")]
    s = summarize_progress(UNITS, exam_format({}), answers, rows, [], clock(), clock() + timedelta(days=30))
    assert s["leeches"] == [{"id": "q-0", "lapses": 8, "reps": 30}]
    assert s["domains"]["1"]["total"] == 1 and s["domains"]["2"] == {
        "name": "ML Model Development", "correct": 2, "total": 3, "accuracy": 0.6667}
    assert s["coverage"]["seen"] == 3 and s["coverage"]["bank"] == 8
    assert s["due"]["today"] >= 1 and s["exam_day"]["cards"] == 2


def test_weakest_tasks_and_score_chart() -> None:
    from sagecli.ui.quiz_view import score_chart

    answers = [("q-0", False, "t")] * 3 + [("q-1", True, "t")] * 3 + [("q-2", True, "t"), ("q-2", False, "t")] * 2
    s = summarize_progress(UNITS, exam_format({}), answers, [], [], FakeClock()())
    assert s["weakest_tasks"] == ["1.1", "3.1", "2.1"]
    lines = score_chart([{"finished": "2026-03-01T10:00", "estimate": 1000, "correct": 65, "total": 65},
                         {"finished": "2026-03-02T10:00", "estimate": 100, "correct": 0, "total": 65}], width=30)
    assert lines[0].startswith("2026-03-01 " + "\u2588" * 20 + "\u254b")  # full bar, through the pass mark
    assert "\u2502" in lines[1] and lines[1].endswith(" 100 (0/65)")
    assert lines[-1].strip() == "^ pass 720"
