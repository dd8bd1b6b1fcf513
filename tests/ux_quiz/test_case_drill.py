"""A case-study drill keeps every case whole, even when a filter matches only one of its parts."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE


def test_case_drill_brings_the_sibling_parts_of_a_matched_part() -> None:
    res = run_cli("quiz", "--content", str(FIXTURE), "--no-generated", "--type", "case", "--topic",
                  "two statements about this forecasting", "--no-shuffle", "--answers", "A,AB", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [q["id"] for q in out["questions"]] == ["q-fx-case-retail-algo", "q-fx-case-retail-two"]
    assert out["correct"] == 2


def test_other_drills_still_take_only_the_matching_part() -> None:
    res = run_cli("quiz", "--content", str(FIXTURE), "--no-generated", "--topic",
                  "two statements about this forecasting", "--answers", "AB", "--json")
    assert res.returncode == 0, res.stderr
    assert [q["id"] for q in json.loads(res.stdout)["questions"]] == ["q-fx-case-retail-two"]
