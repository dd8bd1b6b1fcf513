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
