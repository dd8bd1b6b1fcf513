"""The practice quiz screen at 80 columns in a real pty: the progress line once, hints whole, honest counts."""

from __future__ import annotations

import os
import re
import sys

import pytest

from tests.conftest import ROOT, run_cli
from tests.quiz.helpers import FIXTURE

pexpect = pytest.importorskip("pexpect")
CPR = "\x1b[6n"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _wait(child, pattern: str) -> str:
    """Expect pattern (answering cursor-position requests); return everything read up to and including it."""
    seen = ""
    while child.expect([re.escape(CPR), pattern]) == 0:
        seen += child.before + child.after
        child.send("\x1b[5;1R")
    return seen + child.before + child.after


def test_question_line_appears_once_per_question(sagecli_home) -> None:
    args = ["--content", str(FIXTURE), "--no-generated", "--type", "mc", "--count", "3", "--seed", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(sagecli_home), "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "sagecli", "quiz", *args], env=env, encoding="utf-8",
                          timeout=30, dimensions=(40, 80), cwd=str(ROOT))
    screen = _wait(child, "arrows, Enter")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    text = ANSI.sub("", screen)
    assert len(re.findall(r"Question 1/\d+", text)) == 1, text


def test_stopping_early_counts_only_what_was_answered(sagecli_home) -> None:
    """1 answer of 3 planned: '0/1 answered correctly' or '1/1 ...', never '0/3 correct'."""
    args = ["--type", "mc", "--count", "3", "--seed", "1"]
    res = run_cli("quiz", *args, "--answers", "A", env={"COLUMNS": "80"})
    assert res.returncode == 0, res.stderr
    assert "Stopped after 1 of 3" in res.stdout
    assert re.search(r"\b[01]/1 answered correctly\b", res.stdout), res.stdout
    assert "/3 correct" not in res.stdout
