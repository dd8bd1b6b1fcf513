"""Mock exams draw the real exam's mix: domain weights, a medium/hard majority, no recall items."""

from __future__ import annotations

import random
from typing import Any

from sagecli.quiz.exam import MIN_HARD_SHARE_PLUS_MEDIUM, draw_mock, mix
from sagecli.quiz.selection import quotas

WEIGHTS = {1: 28.0, 2: 26.0, 3: 22.0, 4: 24.0}


def _bank(per_domain: int = 40) -> list[dict[str, Any]]:
    """A synthetic bank: per domain, half easy, a quarter medium, a quarter hard; every fifth item recall."""
    units = []
    for d in WEIGHTS:
        for i in range(per_domain):
            diff = "easy" if i % 2 == 0 else ("medium" if i % 4 == 1 else "hard")
            units.append({"id": f"q-{d}-{i}", "domain": d, "task": f"{d}.1", "type": "mc",
                          "difficulty": diff, "recall": i % 5 == 0})
    return units


def test_the_draw_follows_domain_weights_and_a_medium_hard_majority() -> None:
    for seed in range(5):
        got = draw_mock(_bank(), WEIGHTS, 65, random.Random(seed))
        m = mix(got)
        assert m["total"] == 65
        assert m["domains"] == quotas(WEIGHTS, 65)
        assert m["medium_or_hard_share"] >= MIN_HARD_SHARE_PLUS_MEDIUM
        assert m["recall"] == 0
        assert len({u["id"] for u in got}) == 65


def test_recall_items_come_in_only_when_asked_or_needed() -> None:
    bank = [u for u in _bank() if u["recall"] or u["domain"] != 1] + [
        {"id": "q-1-x", "domain": 1, "task": "1.1", "type": "mc", "difficulty": "hard", "recall": False}]
    thin = draw_mock(bank, WEIGHTS, 65, random.Random(1))
    assert len(thin) == 65  # domain 1 has one non-recall item: the rest is topped up
    assert any(u["recall"] for u in draw_mock(_bank(), WEIGHTS, 65, random.Random(2), recall_ok=True))


def test_easy_items_fill_in_when_the_bank_lacks_medium_and_hard() -> None:
    easy = [dict(u, difficulty="easy", recall=False) for u in _bank()]
    got = draw_mock(easy, WEIGHTS, 20, random.Random(3))
    assert len(got) == 20 and mix(got)["medium_or_hard_share"] == 0


def test_authored_items_come_before_generated_ones() -> None:
    bank = _bank(30) + [{"id": f"g-{d}-{i}", "domain": d, "task": f"{d}.1", "type": "mc", "difficulty": "hard",
                         "generated": True} for d in WEIGHTS for i in range(30)]
    assert mix(draw_mock(bank, WEIGHTS, 40, random.Random(4)))["generated"] == 0


def test_case_parts_stay_together_and_in_order() -> None:
    bank = _bank(10) + [{"id": f"q-case-p{i}", "domain": 3, "task": "3.1", "type": "mc", "difficulty": "hard",
                         "case_id": "q-case"} for i in (1, 2, 3)]
    for seed in range(20):
        ids = [u["id"] for u in draw_mock(bank, WEIGHTS, 30, random.Random(seed))]
        if "q-case-p1" in ids:
            i = ids.index("q-case-p1")
            assert ids[i:i + 3] == ["q-case-p1", "q-case-p2", "q-case-p3"]


def test_the_draw_is_reproducible_from_the_rng() -> None:
    a = [u["id"] for u in draw_mock(_bank(), WEIGHTS, 65, random.Random(9))]
    b = [u["id"] for u in draw_mock(_bank(), WEIGHTS, 65, random.Random(9))]
    assert a == b


def test_generated_questions_are_recall_and_stay_out_of_mock_exams() -> None:
    from sagecli.knowledge.store import load_kb
    from sagecli.quiz.generate import generated_questions
    from sagecli.quiz.items import all_units

    kb = load_kb()
    gen = generated_questions(kb.records)
    assert gen and all(q["recall"] and q["difficulty"] == "easy" for q in gen.values())
    units = list(all_units({**kb.questions, **gen}).values())
    got = draw_mock(units, WEIGHTS, 65, random.Random(5))
    assert mix(got)["generated"] == 0 and mix(got)["recall"] == 0
    assert mix(got)["medium_or_hard_share"] >= MIN_HARD_SHARE_PLUS_MEDIUM
