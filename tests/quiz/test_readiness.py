"""The readiness estimate weights answers by difficulty and says how many answers it rests on."""

from __future__ import annotations

from sagecli.quiz.exam import DIFFICULTY_WEIGHT, ExamFormat, estimate, tally

FMT = ExamFormat(code="MLA-C01", questions=65, minutes=130, passing=720, score_min=100, score_max=1000,
                 weights={1: 28.0, 2: 26.0, 3: 22.0, 4: 24.0}, names={})


def test_hard_answers_count_more_than_easy_ones() -> None:
    # Same raw accuracy (50 %): right on the hard items beats right on the easy ones.
    hard_right = [(1, "hard", True)] * 10 + [(1, "easy", False)] * 10
    easy_right = [(1, "easy", True)] * 10 + [(1, "hard", False)] * 10
    hi, lo = estimate(tally(hard_right), FMT), estimate(tally(easy_right), FMT)
    w = DIFFICULTY_WEIGHT
    assert hi["weighted_accuracy"] == w["hard"] / (w["hard"] + w["easy"])
    assert hi["estimate"] > lo["estimate"]
    assert hi["answered"] == lo["answered"] == 20


def test_all_medium_matches_the_unweighted_estimate() -> None:
    answers = [(d, "medium", i % 3 != 0) for d in (1, 2, 3, 4) for i in range(12)]
    plain = {d: (sum(ok for dd, _, ok in answers if dd == d), 12) for d in (1, 2, 3, 4)}
    assert estimate(tally(answers), FMT) == estimate(plain, FMT)


def test_the_estimate_says_what_it_rests_on() -> None:
    est = estimate(tally([(1, "hard", True), (2, "easy", False), (2, "medium", True)]), FMT)
    assert est["answered"] == 3
    assert 0 < est["effective_answers"] < 3  # unequal weights shrink the effective sample
    assert "rests on 3 answers" in est["label"]
    assert f"{est['low']}-{est['high']}" in est["label"]
    assert "no answers yet in domain 3, 4" in est["label"]


def test_the_interval_narrows_with_more_answers() -> None:
    few = estimate(tally([(1, "medium", i % 4 != 0) for i in range(8)]), FMT)
    many = estimate(tally([(1, "medium", i % 4 != 0) for i in range(800)]), FMT)
    assert few["estimate"] == many["estimate"]
    assert many["high"] - many["low"] < few["high"] - few["low"]


def test_no_answers_gives_no_estimate() -> None:
    est = estimate(tally([]), FMT)
    assert est["estimate"] is None and est["answered"] == 0


def test_stats_readiness_is_difficulty_weighted_and_lists_thin_tasks() -> None:
    from datetime import UTC, datetime

    from sagecli.quiz.stats import MIN_TASK_ANSWERS, summarize_progress

    fmt = ExamFormat(code="MLA-C01", questions=65, minutes=130, passing=720, score_min=100, score_max=1000,
                     weights=FMT.weights, names={}, tasks=["1.1", "1.2", "2.1"])
    units = {"q-h": {"domain": 1, "task": "1.1", "difficulty": "hard"},
             "q-e": {"domain": 1, "task": "1.1", "difficulty": "easy"},
             "q-m": {"domain": 2, "task": "2.1", "difficulty": "medium"}}
    now = datetime(2026, 12, 2, tzinfo=UTC)
    answers = [("q-h", True, ""), ("q-e", False, "")] * 3 + [("q-m", True, "")]
    out = summarize_progress(units, fmt, answers, [], [], now)
    r = out["readiness"]
    assert r["answered"] == 7
    expected = (28 * 0.75 + 26 * 1.0) / 54  # domain 1: hard right, easy wrong -> 1.5 / 2.0
    assert r["weighted_accuracy"] == round(expected, 4)
    assert out["tasks"]["1.1"]["total"] == 6 >= MIN_TASK_ANSWERS
    assert out["tasks_too_few"] == ["1.2", "2.1"]
