"""Issue 10 item 14: --count is capped at the questions available, with a note; below 1 is one line."""

from __future__ import annotations

import json

import pytest

from sagecli.quiz.flow import load_units
from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE

FX = ["--content", str(FIXTURE), "--no-generated"]
HUGE = "99999999999999999999"


def _bank_size() -> int:
    return len(load_units(FIXTURE, generated=False)[0])


@pytest.mark.parametrize("mode", ["practice", "exam"])
def test_huge_count_is_capped_at_the_bank_with_a_note(mode: str) -> None:
    n = _bank_size()
    res = run_cli("quiz", *FX, "--mode", mode, "--count", HUGE, "--seed", "1", "--answers", "", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["total"] == n
    assert f"Note: --count {HUGE} is more than the {n} questions that are in the bank; asking all {n}." \
        in res.stderr.splitlines()


def test_count_above_a_filtered_pool_names_the_filter_count() -> None:
    res = run_cli("quiz", *FX, "--domain", "2", "--count", "50", "--answers", ",", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["total"] == 2  # the two parts of the domain-2 case study
    assert "Note: --count 50 is more than the 2 questions that match; asking all 2." in res.stderr


def test_count_within_the_bank_has_no_note() -> None:
    res = run_cli("quiz", *FX, "--count", "3", "--answers", ",,", "--json")
    assert res.returncode == 0 and "Note" not in res.stderr


@pytest.mark.parametrize("value", ["0", "-3"])
def test_non_positive_count_is_one_line(sagecli_home, value: str) -> None:
    res = run_cli("quiz", *FX, "--count", value, "--answers", "A")
    assert res.returncode == 2
    assert res.stderr.splitlines() == [f"Error: --count must be 1 or more, not {value}"]
    assert not (sagecli_home / "progress.sqlite3").exists()  # refused before the store is opened
