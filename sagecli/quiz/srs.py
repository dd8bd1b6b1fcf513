"""Spaced repetition with FSRS (py-fsrs >= 6.3): one card per question id; the clock is a parameter.

Ratings: wrong or unanswered -> Again; right -> Good. With a time budget, right but slow (over twice the
budget) -> Hard and right and fast (under a quarter of it) -> Easy. A lapse is an Again on a card in the
Review state; 8 lapses make a leech (Anki's default threshold).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

LEECH_LAPSES = 8
NEW_PER_DAY = 20


def card_id(qid: str) -> int:
    """A stable integer card id derived from the question id (never from its text)."""
    return int(hashlib.sha256(qid.encode()).hexdigest()[:12], 16)


@lru_cache(maxsize=1)
def scheduler() -> Any:
    """The FSRS scheduler: default FSRS-6 parameters, 90 % retention, no fuzz (reproducible).

    One 10-minute (re)learning step: a missed question comes back later the same day, and a question
    answered right the first time graduates at once to an interval of days (the quiz has already tested
    it, so a second look ten minutes later would add little).
    """
    from fsrs import Scheduler

    step = (timedelta(minutes=10),)
    return Scheduler(desired_retention=0.9, learning_steps=step, relearning_steps=step, enable_fuzzing=False)


def rating_for(correct: bool, seconds: float | None = None, budget: float | None = None) -> int:
    """FSRS rating (1 Again, 2 Hard, 3 Good, 4 Easy) for an answer; Hard/Easy only with a time budget."""
    if not correct:
        return 1
    if budget and seconds is not None:
        if seconds > 2 * budget:
            return 2
        if seconds < budget / 4:
            return 4
    return 3


def review(card_json: str | None, qid: str, rating: int, now: datetime,
           duration_ms: int | None = None) -> tuple[str, int, bool]:
    """Apply one review at now; returns (new card JSON, state before (0 = new), whether it lapsed)."""
    from fsrs import Card, Rating, State

    card = Card.from_json(card_json) if card_json else Card(card_id=card_id(qid), due=now)
    before = 0 if card_json is None else int(card.state)
    card, _log = scheduler().review_card(card, Rating(rating), review_datetime=now, review_duration=duration_ms)
    lapsed = before == int(State.Review) and rating == 1
    return card.to_json(), before, lapsed


def due_of(card_json: str) -> datetime:
    """When a stored card is next due (UTC)."""
    import json

    return datetime.fromisoformat(json.loads(card_json)["due"])


def retrievability(card_json: str, when: datetime) -> float:
    """Predicted probability of recalling a card at a given time."""
    from fsrs import Card

    return float(scheduler().get_card_retrievability(Card.from_json(card_json), current_datetime=when))


def end_of_day(now: datetime) -> datetime:
    """The last instant of now's UTC day: anything due before it is due today."""
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def due_queue(cards: dict[str, str], bank_ids: list[str], now: datetime, new_limit: int = NEW_PER_DAY,
              new_today: int = 0) -> list[str]:
    """Today's queue: due cards (most overdue first), then unseen questions up to the new-card limit."""
    eod = end_of_day(now)
    due = sorted((due_of(c), q) for q, c in cards.items() if q in set(bank_ids) and due_of(c) < eod)
    fresh = [q for q in bank_ids if q not in cards][: max(0, new_limit - new_today)]
    return [q for _, q in due] + fresh


def forecast(cards: dict[str, str], now: datetime, days: int = 7) -> list[dict[str, Any]]:
    """Cards falling due on each of the next days (day 0 = today, including overdue ones)."""
    eod = end_of_day(now)
    counts = [0] * days
    for c in cards.values():
        d = due_of(c)
        idx = 0 if d < eod else (d - eod).days + 1
        if idx < days:
            counts[idx] += 1
    start = eod - timedelta(days=1)
    return [{"date": (start + timedelta(days=i)).date().isoformat(), "due": n} for i, n in enumerate(counts)]
