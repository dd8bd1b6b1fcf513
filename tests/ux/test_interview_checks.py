"""The interview checks answers against the knowledge base, so a typo is asked again, not fatal at the end."""

from __future__ import annotations

from sagecli.knowledge.store import load_kb
from sagecli.recommend.facts import SPECS, check_with_kb
from sagecli.ui.recommend_view import interview


def _scripted(answers):
    it = iter(answers)
    return lambda fact: next(it)


def test_unknown_algorithm_is_asked_again():
    kb = load_kb()
    algorithm = next(f for f in SPECS["instance"] if f.name == "algorithm")
    answers = interview("instance", [algorithm], ask=_scripted(["xgbost", "xgboost"]),
                        check=lambda fact, value: check_with_kb(fact, value, kb))
    assert answers == {"algorithm": "xgboost"}


def test_custom_and_number_answers_still_pass():
    kb = load_kb()
    facts = [f for f in SPECS["instance"] if f.name in ("algorithm", "params_b")]
    answers = interview("instance", facts, ask=_scripted(["custom", "-3", "7"]),
                        check=lambda fact, value: check_with_kb(fact, value, kb))
    assert answers == {"algorithm": "custom", "params_b": 7.0}
