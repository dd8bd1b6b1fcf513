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
