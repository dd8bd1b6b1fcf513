"""The real `sagecli quiz` in a pseudo-terminal: arrow keys, Space and Enter through questionary."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import pytest

from tests.conftest import ROOT, run_cli
from tests.quiz.helpers import FIXTURE

pexpect = pytest.importorskip("pexpect")
DOWN, ENTER, SPACE, CPR = "\x1b[B", "\r", " ", "\x1b[6n"


def _spawn(args: list[str], home) -> pexpect.spawn:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(home)}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(sys.executable, ["-m", "sagecli", "quiz", *args], env=env, encoding="utf-8",
                         timeout=30, dimensions=(40, 110), cwd=str(ROOT))


def _wait(child: pexpect.spawn, pattern: str) -> None:
    """Expect pattern, answering prompt_toolkit's cursor-position requests on the way (as a terminal does)."""
    while child.expect([re.escape(CPR), pattern]) == 0:
        child.send("\x1b[5;1R")


def _keys(child: pexpect.spawn, *keys: str) -> None:
    for k in keys:
        child.send(k)
        time.sleep(0.05)


def _right(args: list[str], tmp_path) -> str:
    res = run_cli("quiz", *args, "--json", "--answers", "", env={"SAGECLI_HOME": str(tmp_path / "scratch")})
    return json.loads(res.stdout)["questions"][0]["answer"]


def test_practice_checkbox_with_arrows_space_enter(tmp_path, sagecli_home) -> None:
    args = ["--content", str(FIXTURE), "--no-generated", "--type", "mr", "--count", "1", "--seed", "1"]
    right = _right(args, tmp_path)  # e.g. "BD": the displayed letters to tick
    child = _spawn(args, sagecli_home)
    _wait(child, "Select 2")
    _wait(child, "Space to tick")
    time.sleep(0.3)
    first, second = right
    _keys(child, *[DOWN] * (ord(first) - ord("A")), SPACE, ENTER)  # one tick only: refused
    _wait(child, "Select exactly 2")
    _keys(child, *[DOWN] * (ord(second) - ord(first)), SPACE, ENTER)
    _wait(child, "Correct")
    _wait(child, "1/1 correct")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    res = run_cli("stats", "--content", str(FIXTURE), "--json")
    assert json.loads(res.stdout)["answers"] == 1


def test_exam_flag_review_revisit_submit(tmp_path, sagecli_home) -> None:
    args = ["--mode", "exam", "--content", str(FIXTURE), "--no-generated", "--type", "mc", "--count", "1",
            "--seed", "2"]
    right = _right(args, tmp_path)
    child = _spawn(args, sagecli_home)
    _wait(child, "left")  # the countdown is on screen
    _wait(child, "Flag for review")
    time.sleep(0.3)
    _keys(child, DOWN, DOWN, DOWN, ENTER)  # three options, then the flag
    _wait(child, "1 unanswered")
    _wait(child, "1 flagged")
    time.sleep(0.3)
    _keys(child, ENTER)  # the cursor starts on the open question: revisit question 1
    _wait(child, "Question 1/1")
    _wait(child, "Flag for review")
    time.sleep(0.3)
    _keys(child, *[DOWN] * (ord(right) - ord("A")), ENTER)
    _wait(child, "0 unanswered")
    time.sleep(0.3)
    _keys(child, ENTER)  # submit
    _wait(child, "Explanations")  # first, so that the score is what stays on screen
    _wait(child, "1/1 correct")
    _wait(child, "Estimated score")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_saves_and_exits_cleanly(tmp_path, sagecli_home) -> None:
    args = ["--content", str(FIXTURE), "--no-generated", "--count", "6", "--seed", "3", "--type", "mc"]
    child = _spawn(args, sagecli_home)
    _wait(child, "Your answer")
    time.sleep(0.3)
    _keys(child, "\x03")
    _wait(child, "--resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")


def test_exam_auto_submits_on_screen_when_time_runs_out(tmp_path, sagecli_home) -> None:
    from tests.quiz.helpers import big_bank

    content = big_bank(tmp_path, per_domain=5, duration_minutes=1)  # 5 of 65 questions: about 4.6 seconds
    child = _spawn(["--mode", "exam", "--content", str(content), "--no-generated", "--type", "mc", "--count", "5",
                    "--seed", "1"], sagecli_home)
    _wait(child, "left")
    _wait(child, "0/5 correct")  # nobody answers: the prompt ends by itself
    _wait(child, "time ran out")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("kind", ["ordering", "matching"])
def test_ordering_and_matching_widgets(tmp_path, sagecli_home, kind: str) -> None:
    args = ["--content", str(FIXTURE), "--no-generated", "--type", kind, "--count", "1", "--seed", "5"]
    right = _right(args, tmp_path)
    child = _spawn(args, sagecli_home)
    left = sorted(right)
    for n, letter in enumerate(right):
        if kind == "ordering" and n == len(right) - 1:
            break  # the last step is placed for you
        _wait(child, "Step" if kind == "ordering" else "->")
        _wait(child, "Use arrow keys")
        time.sleep(0.2)
        pool = left if kind == "ordering" else [chr(65 + i) for i in range(4)]
        _keys(child, *[DOWN] * pool.index(letter), ENTER)
        if kind == "ordering":
            left.remove(letter)
    _wait(child, "Correct")
    _wait(child, "1/1 correct")
    child.expect(pexpect.EOF)
