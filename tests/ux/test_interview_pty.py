"""In a real terminal a bad flag fails at once, before the interview asks anything (pexpect)."""

from __future__ import annotations

import pytest

from tests.recommend.test_interview_pty import _spawn

pexpect = pytest.importorskip("pexpect")


@pytest.mark.parametrize("args, words", [
    (["instance", "--params-b", "-1"], "--params-b must be more than 0"),
    (["deployment", "--traffic", "weird"], "--traffic must be one of"),
    (["deployment", "--traffic", "offline", "--realtime"], "contradict"),
])
def test_bad_flag_fails_before_any_question(args, words):
    child = _spawn(*args)
    child.expect(pexpect.EOF)
    out = child.before or ""
    child.close()
    assert child.exitstatus == 2
    assert words in out
    assert "?" not in out.split("Error:")[0]  # no question was shown first


def test_ctrl_c_cancels_the_interview():
    """Ctrl-C stops the command (exit 130); it never goes on with defaults and prints no decision."""
    child = _spawn("deployment")
    child.expect(r"default: ")  # every question says what Enter takes
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    out = child.before or ""
    child.close()
    assert child.exitstatus == 130
    assert "inference option:" not in out
