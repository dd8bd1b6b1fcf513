"""Issue 10 item 12: rejected --answers leave nothing behind; unfinished sessions are listed, resumed by id
or by mode, discarded; a session being answered is locked against a second sagecli."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from sagecli.quiz.flow import list_sessions
from tests.conftest import ROOT, run_cli
from tests.quiz.helpers import FIXTURE, big_bank

FX = ["--content", str(FIXTURE), "--no-generated"]


@pytest.fixture
def mc(tmp_path) -> list[str]:
    """Options for a bank with 80 multiple-choice questions (any single letter A-D is a valid answer)."""
    return ["--content", str(big_bank(tmp_path)), "--no-generated", "--type", "mc"]


def _sessions() -> list[dict]:
    res = run_cli("quiz", "sessions", "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _count(home, sql: str) -> int:
    db = home / "progress.sqlite3"
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _two_unfinished(mc: list[str]) -> None:
    """Session 1: a mock exam with 1 of 4 answered (piped, stopped by a bad line); session 2: practice, 1 of 3."""
    res = run_cli("quiz", *mc, "--mode", "exam", "--count", "4", "--seed", "1", input="A\nZZZ\n")
    assert res.returncode == 2 and "1 answer(s) before it are saved" in res.stderr
    res = run_cli("quiz", *mc, "--count", "3", "--seed", "2", "--answers", "B", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["complete"] is False


def test_rejected_answers_leave_no_session(sagecli_home) -> None:
    res = run_cli("quiz", *FX, "--count", "4", "--seed", "1", "--no-shuffle", "--answers", "A,ZZZZ")
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert lines[0].startswith("Error: answer 2 (question 2 of 4") and lines[1].startswith("Hint: nothing was saved")
    assert _count(sagecli_home, "SELECT count(*) FROM sessions") == 0
    assert _count(sagecli_home, "SELECT count(*) FROM answers") == 0
    assert _sessions() == []
    # a piped first answer that is rejected leaves no unfinished session either
    res = run_cli("quiz", *FX, "--count", "4", "--seed", "1", "--no-shuffle", input="ZZZZ\n")
    assert res.returncode == 2 and _sessions() == []
    assert run_cli("quiz", "--resume", "--answers", "A").stderr.startswith("Error: no interrupted quiz to resume")


def test_rejected_answers_on_resume_change_nothing(sagecli_home, mc) -> None:
    _two_unfinished(mc)
    before = _count(sagecli_home, "SELECT count(*) FROM answers")
    res = run_cli("quiz", "--resume", "2", "--answers", "A,ZZZZ")
    assert res.returncode == 2 and "Hint: nothing was saved" in res.stderr
    assert _count(sagecli_home, "SELECT count(*) FROM answers") == before


def test_sessions_lists_unfinished_newest_first(mc) -> None:
    assert run_cli("quiz", "sessions").stdout.startswith("No unfinished sessions")
    _two_unfinished(mc)
    rows = _sessions()
    assert [(r["id"], r["mode"], r["answered"], r["total"]) for r in rows] == [(2, "practice", 1, 3),
                                                                               (1, "exam", 1, 4)]
    assert rows[0]["time_left_seconds"] is None and 0 < rows[1]["time_left_seconds"] <= 8 * 60
    assert all(r["started"][:4].isdigit() and r["open_elsewhere"] is False for r in rows)
    text = run_cli("quiz", "sessions", env={"COLUMNS": "80"}).stdout
    assert "Started" in text and "mock exam" in text and "1/4" in text and "1/3" in text
    assert "sagecli quiz --resume ID" in text and "sagecli quiz discard ID" in text
    assert max(len(line) for line in text.splitlines()) <= 80 and "\u2026" not in text


def test_resume_by_id_and_by_mode(mc) -> None:
    _two_unfinished(mc)
    res = run_cli("quiz", "--resume", "--mode", "exam", "--answers", ",,", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["session"] == 1 and out["mode"] == "exam" and out["complete"]  # not the newer practice round
    res = run_cli("quiz", "--resume", "1", "--answers", "A")
    assert res.returncode == 1 and "session 1 is finished" in res.stderr.splitlines()[0]
    res = run_cli("quiz", "--resume", "2", "--answers", ",", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["session"] == 2
    res = run_cli("quiz", "--resume", "9", "--answers", "A")
    assert res.returncode == 1 and res.stderr.startswith("Error: there is no quiz session 9")
    res = run_cli("quiz", "--resume", "x")
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 2 and "session id" in res.stderr


def test_bare_resume_takes_the_newest_and_says_there_are_others(mc) -> None:
    _two_unfinished(mc)
    res = run_cli("quiz", "--resume", "--answers", ",", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["session"] == 2
    assert "newest of 2 unfinished" in res.stderr and "quiz sessions" in res.stderr


def test_discard_keeps_the_answers_but_never_resumes(sagecli_home, mc) -> None:
    _two_unfinished(mc)
    res = run_cli("quiz", "discard", "1")
    assert res.returncode == 0 and "Discarded mock exam session 1 (1 of 4 answered" in res.stdout
    assert [r["id"] for r in _sessions()] == [2]
    res = run_cli("quiz", "sessions", "--discard", "2", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["id"] == 2
    assert _sessions() == []
    assert _count(sagecli_home, "SELECT count(*) FROM answers") == 2  # never deleted
    res = run_cli("quiz", "--resume", "1", "--answers", "A")
    assert res.returncode == 1 and "session 1 is discarded" in res.stderr
    res = run_cli("quiz", "discard", "1")
    assert res.returncode == 1 and "cannot be discarded" in res.stderr
    assert run_cli("quiz", "--resume", "--answers", "A").stderr.startswith("Error: no interrupted quiz")


def _popen(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sagecli", "quiz", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_open(sid: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if any(r["id"] == sid and r["open_elsewhere"] for r in list_sessions()):
            return
        time.sleep(0.1)
    raise AssertionError(f"session {sid} was never locked")


def test_two_resumes_of_one_session_do_not_both_run(sagecli_home, mc) -> None:
    _two_unfinished(mc)
    first = _popen("--resume", "2", "--json")  # waits for piped answers, holding session 2
    try:
        _wait_open(2)
        second = run_cli("quiz", "--resume", "2", "--answers", "A,A", "--json")
        assert second.returncode == 1
        assert json.loads(second.stderr)["error"] == "quiz session 2 is open in another sagecli"  # --json
        assert run_cli("quiz", "discard", "2").returncode == 1  # nor can it be discarded meanwhile
        out, err = first.communicate("C\nC\n", timeout=60)
    finally:
        first.kill()
        first.wait(timeout=30)
    assert first.returncode == 0, err
    assert json.loads(out)["complete"]
    # practice: one review per answer, and no more (the second process wrote nothing)
    assert _count(sagecli_home, "SELECT count(*) FROM reviews WHERE session_id = 2") == 3
    assert _count(sagecli_home, "SELECT count(*) FROM answers WHERE session_id = 2") == 3


def test_a_new_session_is_locked_while_answered_and_freed_by_kill(sagecli_home, mc) -> None:
    proc = _popen(*mc, "--count", "3", "--seed", "4", "--json")
    try:
        proc.stdin.write("A\n")
        proc.stdin.flush()
        _wait_open(1)
        res = run_cli("quiz", "--resume", "--answers", "A", "--json")  # the newest session is live elsewhere
        assert res.returncode == 1 and "open in another sagecli" in res.stderr
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    deadline = time.time() + 30  # the killed process's first answer is committed as it is given
    while _count(sagecli_home, "SELECT count(*) FROM answers") < 1 and time.time() < deadline:
        time.sleep(0.1)
    rows = _sessions()
    assert [r["id"] for r in rows] == [1] and rows[0]["open_elsewhere"] is False  # the OS freed the lock
    res = run_cli("quiz", "--resume", "--answers", "A,A", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["complete"]
