"""The interview in a real terminal (pexpect): questions appear on a TTY and answers change the decision."""

from __future__ import annotations

import os
import re
import sys

import pytest

from tests.conftest import ROOT

pexpect = pytest.importorskip("pexpect")


def _spawn(*args: str):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "120", "TERM": "xterm"}
    return pexpect.spawn(sys.executable, ["-m", "sagecli", "recommend", *args], env=env, encoding="utf-8",
                         timeout=30, dimensions=(40, 120))


def test_tty_interview_asks_and_uses_answers():
    child = _spawn("deployment", "--traffic", "intermittent", "--processing-seconds", "1", "--realtime", "--gpu",
                   "--cold-start-ok", "--risk", "medium", "--alarms")
    child.expect("Request payload size in MB")
    child.sendline("100")  # over the real-time limit: the answer must move the choice to async
    for _ in range(3):  # the remaining yes/no questions: Enter keeps the default 'skip'
        if child.expect(["\\?", pexpect.EOF]) == 1:
            break
        child.send("\r")
    child.expect(pexpect.EOF)
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before or "")
    child.close()
    assert child.exitstatus == 0
    assert "inference option: async" in out
    assert "payload_mb" not in out.split("assumed")[-1]


def test_no_input_flag_skips_the_interview_on_a_tty():
    child = _spawn("deployment", "--no-input")
    child.expect(pexpect.EOF)
    out = child.before or ""
    child.close()
    assert child.exitstatus == 0
    assert "questions" not in out and "assumed" in out
