"""FSRS mapping with a fixed clock: Again/Good, lapses and leeches, the due queue, the forecast."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sagecli.quiz import srs

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_ratings() -> None:
    assert srs.rating_for(False) == 1
    assert srs.rating_for(True) == 3
    assert srs.rating_for(True, seconds=300, budget=120) == 2  # right but slow -> Hard
    assert srs.rating_for(True, seconds=10, budget=120) == 4   # right and fast -> Easy
    assert srs.rating_for(False, seconds=10, budget=120) == 1  # never Hard for a wrong answer


def test_wrong_is_again_and_right_is_good_with_a_fixed_clock() -> None:
    wrong, before, lapsed = srs.review(None, "q-a", srs.rating_for(False), T0)
    assert before == 0 and not lapsed
    assert srs.due_of(wrong) - T0 == timedelta(minutes=10)  # the learning step: back later today
    assert json.loads(wrong)["state"] == 1
    right, _, _ = srs.review(None, "q-a", srs.rating_for(True), T0)
    assert json.loads(right)["state"] == 2  # Good graduates at once
    assert srs.due_of(right) - T0 >= timedelta(days=1)
    assert json.loads(right)["card_id"] == srs.card_id("q-a")


def test_card_id_is_stable_and_from_the_id() -> None:
    assert srs.card_id("q-x") == srs.card_id("q-x") != srs.card_id("q-y")


def _graduate(qid: str) -> tuple[str, datetime]:
    card, now = None, T0
    for _ in range(3):
        card, _, _ = srs.review(card, qid, 3, now)
        now = srs.due_of(card)
    return card, now


def test_a_lapse_is_again_in_review_state() -> None:
    card, now = _graduate("q-l")
    assert json.loads(card)["state"] == 2  # Review
    assert srs.due_of(card) - T0 > timedelta(days=1)
    card2, before, lapsed = srs.review(card, "q-l", 1, now)
    assert before == 2 and lapsed
    _, before3, lapsed3 = srs.review(card2, "q-l", 1, now + timedelta(minutes=10))
    assert before3 == 3 and not lapsed3  # relearning: not another lapse


def test_due_queue_orders_overdue_first_and_limits_new_cards() -> None:
    a, _ = _graduate("q-a")
    b, _ = srs.review(None, "q-b", 1, T0)[:2]
    cards = {"q-a": a, "q-b": b}
    later = T0 + timedelta(days=60)
    queue = srs.due_queue(cards, ["q-a", "q-b", "q-n1", "q-n2", "q-n3"], later, new_limit=2, new_today=1)
    assert queue[:2] == ["q-b", "q-a"]  # q-b has been due longest
    assert queue[2:] == ["q-n1"]  # one new card left today
    assert srs.due_queue(cards, ["q-a", "q-b"], T0 + timedelta(minutes=5), new_limit=0) == ["q-b"]  # due today


def test_forecast_counts_each_day() -> None:
    cards = {f"q-{i}": srs.review(None, f"q-{i}", 3, T0 - timedelta(days=i))[0] for i in range(3)}
    fc = srs.forecast(cards, T0)
    assert len(fc) == 7 and fc[0]["date"] == "2026-03-02"
    assert sum(d["due"] for d in fc) == 3


def test_retrievability_falls_with_time() -> None:
    card, now = _graduate("q-r")
    assert srs.retrievability(card, now) > srs.retrievability(card, now + timedelta(days=90))
