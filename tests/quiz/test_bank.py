"""Every unit of the real bank (authored and generated) is answerable: its right answer, shown through
any shuffle, parses back and grades right; the exam record is read from the knowledge base."""

from __future__ import annotations

import random

import pytest

from sagecli.quiz.exam import estimate, exam_format
from sagecli.quiz.flow import load_units
from sagecli.quiz.grading import correct_answer, grade, parse_answer, to_display
from sagecli.quiz.items import shuffle_keys
from tests.quiz.helpers import FIXTURE


@pytest.mark.parametrize("content", [None, FIXTURE], ids=["bundled", "fixture"])
def test_every_unit_round_trips_through_a_shuffle(content) -> None:
    units, _kb, _fmt = load_units(content)
    rng = random.Random(0)
    for u in units.values():
        perm = shuffle_keys(u)
        rng.shuffle(perm)
        shown = to_display(perm, correct_answer(u), u["type"])
        assert grade(u, parse_answer(u, perm, shown)), u["id"]
        if u["type"] in ("mc", "mr"):
            assert all(len(o["why"]) >= 10 for o in u["options"]), u["id"]
        assert u.get("sources"), u["id"]


def test_exam_format_from_the_record_or_fallback() -> None:
    fmt = exam_format({"mla-c01": {"questions_total": 65, "duration_minutes": 130, "passing_score": 720,
                                   "domains": [{"number": 1, "name": "A", "weight_percent": 60},
                                               {"number": 2, "name": "B", "weight_percent": 40}]}})
    assert fmt.weights == {1: 60.0, 2: 40.0} and fmt.from_kb
    fallback = exam_format({})
    assert fallback.weights == {1: 28.0, 2: 26.0, 3: 22.0, 4: 24.0} and not fallback.from_kb
    assert (fallback.questions, fallback.minutes, fallback.passing) == (65, 130, 720)


def test_estimate_scale_and_interval() -> None:
    fmt = exam_format({})
    full = estimate({d: (10, 10) for d in range(1, 5)}, fmt)
    assert full["estimate"] == 1000 and full["low"] < 1000
    cut = estimate({d: (72, 100) for d in range(1, 5)}, fmt)
    assert cut["estimate"] == 720 and cut["low"] < 720 < cut["high"]
    small = estimate({1: (7, 10)}, fmt)
    assert small["high"] - small["low"] > cut["high"] - cut["low"]  # fewer answers, wider interval
    assert estimate({}, fmt)["estimate"] is None


def test_generated_questions_pass_the_question_schema() -> None:
    from sagecli.knowledge.question_schema import Question

    units, _kb, _fmt = load_units(None)
    gen = [u for u in units.values() if u.get("generated")]
    for u in gen:
        Question.model_validate({k: v for k, v in u.items() if k != "generated"})
        texts = [o["text"] for o in u["options"]]
        assert len(set(texts)) == len(texts), u["id"]  # no two options alike


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mock_exam_from_the_bundled_bank(seed: int, tmp_path) -> None:
    from sagecli.quiz.db import Store
    from sagecli.quiz.selection import quotas
    from sagecli.quiz.session import QuizOptions, start
    from tests.quiz.helpers import FakeClock

    units, _kb, fmt = load_units(None)
    store = Store(tmp_path / "x.db")
    plan = store.session(start(store, units, fmt, QuizOptions(mode="exam", seed=seed), FakeClock()()))["plan"]
    assert len(plan) == fmt.questions == 65
    assert len({p["id"] for p in plan}) == 65
    got = {d: sum(units[p["id"]]["domain"] == d for p in plan) for d in fmt.weights}
    assert all(abs(got[d] - q) <= 2 for d, q in quotas(fmt.weights, 65).items()), got
