"""Sessions in process with a fake clock: practice commits, exam draw, timeout, resume, retake, due."""

from __future__ import annotations

import pytest

from sagecli.errors import SageCliError
from sagecli.quiz.db import Store
from sagecli.quiz.flow import ScriptPrompter, load_units
from sagecli.quiz.selection import Filters, quotas
from sagecli.quiz.session import QuizOptions, Runner, start
from tests.quiz.helpers import FIXTURE, FakeClock, big_bank


def _run(store, units, fmt, sid, answers, clock, step=30.0):
    class Slow(ScriptPrompter):
        def ask(self, q):
            clock.tick(step)
            return super().ask(q)

    return Runner(store, units, fmt, sid, Slow(iter(answers)), clock).run()


def _right(store, units, sid) -> list[str]:
    from sagecli.quiz.grading import correct_answer, to_display

    plan = store.session(sid)["plan"]
    return [to_display(p["perm"], correct_answer(units[p["id"]]), units[p["id"]]["type"]) for p in plan]


@pytest.fixture
def bank(tmp_path):
    return load_units(big_bank(tmp_path), generated=False)


def test_practice_commits_each_answer_and_reviews_the_card(tmp_path) -> None:
    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(tmp_path / "p.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(count=6, seed=1), clock())
    right = _right(store, units, sid)
    res = _run(store, units, fmt, sid, [right[0], "", *right[2:]], clock)
    assert res["complete"] and res["total"] == 6 and res["correct"] == 5
    assert res["questions"][1]["answered"] is False and res["questions"][1]["correct"] is False
    assert len(store.cards()) == 6  # practice: every answer, even a blank, is a review
    assert store.query("SELECT count(*) FROM reviews WHERE rating = 1")[0][0] == 1
    assert res["seconds_per_question"] == 30.0


def test_exam_draws_by_domain_weight_and_estimates(bank, tmp_path) -> None:
    units, _kb, fmt = bank
    assert quotas(fmt.weights, 65) == {1: 18, 2: 17, 3: 14, 4: 16}
    store, clock = Store(tmp_path / "e.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(mode="exam", seed=7), clock())
    plan = store.session(sid)["plan"]
    assert len(plan) == 65
    by_dom = {d: sum(units[p["id"]]["domain"] == d for p in plan) for d in range(1, 5)}
    assert all(abs(by_dom[d] - q) <= 2 for d, q in quotas(fmt.weights, 65).items())  # case parts stay together
    right = _right(store, units, sid)
    res = _run(store, units, fmt, sid, right, clock, step=60)
    assert res["correct"] == 65 and res["score"]["estimate"] == 1000 and res["score"]["pass_estimate"]
    assert res["score"]["low"] < 1000 and "estimate" in res["score"]["label"]
    assert store.session(sid)["status"] == "finished"
    assert len(store.cards()) == 65  # exam reviews land at submit


def test_exam_auto_submits_when_time_runs_out(tmp_path) -> None:
    units, _kb, fmt = load_units(big_bank(tmp_path, duration_minutes=10), generated=False)
    store, clock = Store(tmp_path / "t.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(mode="exam", seed=3), clock())
    right = _right(store, units, sid)
    res = _run(store, units, fmt, sid, right, clock, step=100)  # 600 s budget: 5 answers fit, then time is up
    assert res["timed_out"] and res["complete"]
    assert res["answered"] == 5 and res["correct"] == 5
    assert res["score"]["estimate"] < fmt.passing


def test_resume_keeps_questions_and_remaining_time(bank, tmp_path) -> None:
    units, _kb, fmt = bank
    store, clock = Store(tmp_path / "r.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(mode="exam", seed=11), clock())
    plan = store.session(sid)["plan"]
    right = _right(store, units, sid)

    class Quit(ScriptPrompter):
        def ask(self, q):
            clock.tick(60)
            if q.pos == 3:
                raise KeyboardInterrupt
            return super().ask(q)

    with pytest.raises(SageCliError) as exc:
        Runner(store, units, fmt, sid, Quit(iter(right)), clock).run()
    assert exc.value.exit_code == 130 and "--resume" in exc.value.hint
    s = store.session(sid)
    assert len(s["answers"]) == 3 and s["used_s"] == 240
    clock.tick(3600)  # time away does not count
    r = Runner(store, units, fmt, store.latest_active(), ScriptPrompter(iter(right[3:])), clock)
    assert r.s["plan"] == plan
    assert (r.deadline - clock()).total_seconds() == 130 * 60 - 240
    res = r.run()
    assert res["correct"] == 65


def test_retake_wrong_and_flagged(tmp_path) -> None:
    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(tmp_path / "w.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(count=6, seed=2), clock())
    right = _right(store, units, sid)
    answers = [right[0] + "?", "", *right[2:]]
    _run(store, units, fmt, sid, answers, clock)
    plan = store.session(sid)["plan"]
    sid2 = start(store, units, fmt, QuizOptions(retake="wrong", seed=2), clock())
    assert [p["id"] for p in store.session(sid2)["plan"]] == [plan[1]["id"]]
    sid3 = start(store, units, fmt, QuizOptions(retake="flagged", seed=2), clock())
    assert [p["id"] for p in store.session(sid3)["plan"]] == [plan[0]["id"]]


def test_filters_and_due_queue(tmp_path) -> None:
    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(tmp_path / "f.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(filters=Filters(type="case"), seed=1), clock())
    assert {units[p["id"]].get("case_id") for p in store.session(sid)["plan"]} == {"q-fx-case-retail"}
    sid = start(store, units, fmt, QuizOptions(filters=Filters(task="4.1"), seed=1), clock())
    assert [p["id"] for p in store.session(sid)["plan"]] == ["q-fx-match-monitor"]
    with pytest.raises(SageCliError):
        start(store, units, fmt, QuizOptions(filters=Filters(topic="no such words"), seed=1), clock())
    sid = start(store, units, fmt, QuizOptions(due=True, new_limit=2, seed=1), clock())
    assert len(store.session(sid)["plan"]) == 2  # nothing due yet: two new cards


def test_seed_reproduces_the_plan(bank, tmp_path) -> None:
    units, _kb, fmt = bank
    a = Store(tmp_path / "a.db")
    b = Store(tmp_path / "b.db")
    pa = a.session(start(a, units, fmt, QuizOptions(seed=5, count=20), FakeClock()()))["plan"]
    pb = b.session(start(b, units, fmt, QuizOptions(seed=5, count=20), FakeClock()()))["plan"]
    assert pa == pb
    assert any(p["perm"] != sorted(p["perm"]) for p in pa)  # options are shuffled


def test_due_queue_tomorrow_brings_back_the_wrong_answers_first(tmp_path) -> None:
    from datetime import timedelta

    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(tmp_path / "d.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(count=4, seed=9, filters=Filters(domain=3)), clock())
    plan = [p["id"] for p in store.session(sid)["plan"]]
    right = _right(store, units, sid)
    _run(store, units, fmt, sid, ["", right[1]], clock)  # the first blank (Again), the second right (Good)
    clock.tick(timedelta(days=1).total_seconds())
    sid2 = start(store, units, fmt, QuizOptions(due=True, new_limit=1, seed=9), clock())
    queue = [p["id"] for p in store.session(sid2)["plan"]]
    assert queue[0] == plan[0]  # the missed one is due; the right one waits days
    assert len(queue) == 2 and queue[1] not in plan  # plus one new card (the limit)


def test_flagging_an_answered_question_keeps_its_answer(tmp_path) -> None:
    from sagecli.quiz.session import Response

    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(tmp_path / "k.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(mode="exam", count=6, seed=4), clock())
    right = _right(store, units, sid)

    class Revisit(ScriptPrompter):
        visits = 0

        def review_screen(self, rows, deadline):
            self.visits += 1
            return 0 if self.visits == 1 else None  # go back to question 1 once, then submit

        def ask(self, q):
            if q.pos == 0 and q.answer is not None:
                return Response(text="", flag=True)  # flag it on the second visit, no new answer
            return super().ask(q)

    res = Runner(store, units, fmt, sid, Revisit(iter(right)), clock).run()
    first = res["questions"][0]
    assert first["flagged"] and first["correct"] and res["correct"] == 6


def test_pace_in_the_result(tmp_path) -> None:
    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(tmp_path / "pace.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(count=6, seed=1), clock())
    steps = iter([10, 200, 30, 40, 300, 50])

    class Timed(ScriptPrompter):
        def ask(self, q):
            clock.tick(next(steps))
            return super().ask(q)

    res = Runner(store, units, fmt, sid, Timed(iter(_right(store, units, sid))), clock).run()
    assert res["pace"] == {"median_seconds": 45.0, "budget_seconds": 120, "over_budget": 2,
                           "slowest": [{"n": 5, "seconds": 300.0}, {"n": 2, "seconds": 200.0},
                                       {"n": 6, "seconds": 50.0}]}
