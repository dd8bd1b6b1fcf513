"""Names and counts agree across commands (issue 12): one vocabulary for the bank, one name per kind."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_question_counts_agree_everywhere() -> None:
    kb = json.loads(run_cli("kb", "list", "--json").stdout)
    validate = run_cli("kb", "validate")
    stats = json.loads(run_cli("stats", "--json").stdout)["coverage"]
    questions = kb["kinds"]["question"]
    assert f"{questions} questions" in validate.stdout
    assert stats["questions"] == questions
    assert stats["bank"] == stats["authored"] + stats["generated"]
    assert stats["authored"] >= questions  # case-study parts are scored one by one
    phrase = f"{stats['bank']} scored items ({questions} questions give {stats['authored']} items"
    assert phrase in " ".join(run_cli("stats", env={"COLUMNS": "200"}).stdout.split())


def test_kb_list_knows_the_name_kb_show_uses() -> None:
    shown = json.loads(run_cli("kb", "show", "ml.g5.2xlarge", "--json").stdout)
    res = run_cli("kb", "list", shown["kind"], "--json")
    assert res.returncode == 0, res.stderr
    assert any(s["type"] == "ml.g5.2xlarge" for fam in json.loads(res.stdout)["records"] for s in fam["sizes"])


def test_dash_output_writes_to_stdout() -> None:
    res = run_cli("quiz", "export", "--format", "json", "-o", "-")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) and not Path("-").exists()


def test_json_errors_are_json_on_stderr() -> None:
    res = run_cli("quiz", "--mode", "nope", "--json")
    assert res.returncode == 2 and res.stdout == ""
    err = json.loads(res.stderr)
    assert "--mode" in err["error"] and "hint" in err
    res = run_cli("quiz", "--mode", "nope")
    assert res.stderr.splitlines()[0].startswith("Error: ") and "╭" not in res.stderr
    assert len(res.stderr.splitlines()) == 2  # the error and its hint


def test_os_errors_on_user_paths_are_one_line() -> None:
    for args, path in ((["quiz", "export", "-o", "/proc/x.csv"], "/proc/x.csv"),
                       (["run-demo", "--run-dir", "/etc/hosts", "--steps", "process"], "/etc/hosts")):
        res = run_cli(*args, timeout=120)
        assert res.returncode != 0
        errors = [ln for ln in res.stderr.splitlines() if ln.startswith("Error: ")]
        assert len(errors) == 1 and path in errors[0], res.stderr
        assert "internal error" not in res.stderr and "Traceback" not in res.stderr


def test_read_only_paths_are_named_and_never_called_corrupt(tmp_path) -> None:
    """Issue 10 item 15: a read-only home or file names the path and the reason; no 'internal error'."""
    import errno
    import sqlite3

    from sagecli.errors import os_error
    from sagecli.quiz.db import _unreadable

    err = os_error(OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".x.csv.123.tmp")))
    assert err.message == f"{tmp_path / 'x.csv'}: Read-only file system"
    assert err.hint
    db = _unreadable(tmp_path / "progress.sqlite3", sqlite3.OperationalError("attempt to write a readonly database"))
    assert "cannot be written" in db.message and "recover" not in (db.hint or "")
