"""In a real terminal, an exam answer can be given and flagged at once (the f key), and submitting with
flagged questions asks first."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE
from tests.quiz.test_pty import DOWN, ENTER, _keys, _right, _spawn, _wait

pexpect = pytest.importorskip("pexpect")


def test_f_flags_an_answer_and_submit_asks_first(tmp_path, sagecli_home) -> None:
    args = ["--mode", "exam", "--content", str(FIXTURE), "--no-generated", "--type", "mc", "--count", "1",
            "--seed", "2"]
    right = _right(args, tmp_path)
    child = _spawn(args, sagecli_home)
    _wait(child, "f: flag for review")
    time.sleep(0.3)
    _keys(child, "f")
    _wait(child, "FLAGGED")
    _keys(child, *[DOWN] * (ord(right) - ord("A")), ENTER)
    _wait(child, "0 unanswered")
    _wait(child, "1 flagged")
    time.sleep(0.3)
    _keys(child, "\x1b[A", ENTER)  # the cursor starts on the flagged question: up to Submit
    _wait(child, "Submit with 1 flagged")
    time.sleep(0.2)
    _keys(child, "y")
    _wait(child, "1/1 correct")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    res = run_cli("quiz", "--retake", "flagged", "--content", str(FIXTURE), "--no-generated", "--answers", "",
                  "--json")
    assert res.returncode == 0, res.stderr  # the flag was stored with the answer
    assert len(json.loads(res.stdout)["questions"]) == 1


def test_ordering_step_can_be_undone_and_choices_are_echoed_cleanly(tmp_path, sagecli_home) -> None:
    args = ["--content", str(FIXTURE), "--no-generated", "--type", "ordering", "--count", "1", "--seed", "1"]
    right = _right(args, tmp_path)  # e.g. "CADB": displayed letters, first step first
    child = _spawn(args, sagecli_home)
    _wait(child, "Step 1 of")
    time.sleep(0.3)
    wrong_first = next(x for x in "ABCD"[:len(right)] if x != right[0])
    _keys(child, *[DOWN] * (ord(wrong_first) - ord("A")), ENTER)
    _wait(child, f"Step 1: {wrong_first}.")
    _wait(child, "Undo the last step")
    time.sleep(0.3)
    _keys(child, "\x1b[A", ENTER)  # up from the first choice wraps to Undo
    _wait(child, "Undo step 1")
    for n, letter in enumerate(right[:-1], 1):
        _wait(child, f"Step {n} of")
        time.sleep(0.3)
        remaining = sorted(set(right) - set(right[:n - 1]))
        _keys(child, *[DOWN] * remaining.index(letter), ENTER)
        _wait(child, f"Step {n}: {letter}.")
    _wait(child, "(the one left)")
    _wait(child, "Correct")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
