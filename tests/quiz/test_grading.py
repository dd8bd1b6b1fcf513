"""Answer encoding and all-or-nothing grading of every item type, through shuffled letters."""

from __future__ import annotations

import pytest

from sagecli.knowledge.store import load_kb
from sagecli.quiz.grading import AnswerFormatError, correct_answer, grade, parse_answer, to_display
from sagecli.quiz.items import all_units
from tests.quiz.helpers import FIXTURE


@pytest.fixture(scope="module")
def units():
    return all_units(load_kb(FIXTURE, use_cache=False).questions)


def test_case_study_parts_are_separate_units(units) -> None:
    parts = [u for u in units.values() if u.get("case_id") == "q-fx-case-retail"]
    assert [u["id"] for u in parts] == ["q-fx-case-retail-algo", "q-fx-case-retail-two"]
    assert all(u["domain"] == 2 and u["scenario"] for u in parts)
    assert "q-fx-case-retail" not in units


def test_mc_through_a_shuffle(units) -> None:
    u = units["q-fx-serverless-payload"]  # A is right in the bank
    perm = ["C", "A", "B"]  # shown: A=C, B=A, C=B
    assert parse_answer(u, perm, "b") == ["A"]
    assert grade(u, parse_answer(u, perm, "B"))
    assert not grade(u, parse_answer(u, perm, "A"))
    assert to_display(perm, correct_answer(u), "mc") == "B"


def test_mr_is_all_or_nothing(units) -> None:
    u = units["q-fx-pipe-two"]  # A and B right
    perm = ["D", "C", "B", "A"]  # shown C=B, D=A
    assert grade(u, parse_answer(u, perm, "DC"))
    assert grade(u, parse_answer(u, perm, "C D"))
    assert not grade(u, parse_answer(u, perm, "CB"))  # one right, one wrong: no partial credit
    with pytest.raises(AnswerFormatError):
        parse_answer(u, perm, "C")  # only one of two
    with pytest.raises(AnswerFormatError):
        parse_answer(u, perm, "CC")


def test_ordering_needs_the_whole_sequence(units) -> None:
    u = units["q-fx-order-deploy"]  # A then B then C
    perm = ["B", "C", "A"]  # shown A=B, B=C, C=A
    assert grade(u, parse_answer(u, perm, "CAB"))
    assert not grade(u, parse_answer(u, perm, "CBA"))
    with pytest.raises(AnswerFormatError):
        parse_answer(u, perm, "CA")
    with pytest.raises(AnswerFormatError):
        parse_answer(u, perm, "CAA")


def test_matching_one_letter_per_prompt(units) -> None:
    u = units["q-fx-match-monitor"]  # 1->A, 2->B, 3->C of choices A-D
    perm = ["D", "C", "B", "A"]  # shown A=D, B=C, C=B, D=A
    assert grade(u, parse_answer(u, perm, "DCB"))
    assert not grade(u, parse_answer(u, perm, "DBC"))  # two pairs swapped: wrong
    with pytest.raises(AnswerFormatError) as exc:
        parse_answer(u, perm, "DC")
    assert "3 letters" in exc.value.expected


def test_case_parts_grade_on_their_own(units) -> None:
    algo, two = units["q-fx-case-retail-algo"], units["q-fx-case-retail-two"]
    assert grade(algo, ["A"]) and not grade(two, ["A", "C"])
    assert grade(two, ["B", "A"])


def test_empty_is_unanswered_and_wrong(units) -> None:
    u = units["q-fx-serverless-payload"]
    assert parse_answer(u, ["A", "B", "C"], "  ") is None
    assert grade(u, None) is False


def test_letters_outside_the_options_are_malformed(units) -> None:
    u = units["q-fx-serverless-payload"]
    with pytest.raises(AnswerFormatError) as exc:
        parse_answer(u, ["A", "B", "C"], "E")
    assert exc.value.expected.startswith("one letter A-C")
