"""Issue 10 item 13: a damaged or empty progress database is reported and left exactly as it was."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sagecli.quiz.db import _unreadable
from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE

FX = ["--content", str(FIXTURE), "--no-generated"]


def _files(home: Path) -> dict[str, bytes]:
    """Every progress file (the database, its WAL and shared memory index) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(home.glob("progress.sqlite3*")) if p.name.endswith(("3", "-wal"))}


def _unchanged(before: dict[str, bytes], home: Path) -> bool:
    after = _files(home)
    wal = after.pop("progress.sqlite3-wal", b"")
    return after == {k: v for k, v in before.items() if k != "progress.sqlite3-wal"} and wal == b""


def _progress(home: Path) -> None:
    """Three finished practice rounds and one unfinished, written in process (fast)."""
    from sagecli.quiz.db import Store
    from sagecli.quiz.flow import ScriptPrompter, load_units
    from sagecli.quiz.session import QuizOptions, Runner, start
    from tests.quiz.helpers import FakeClock

    units, _kb, fmt = load_units(FIXTURE, generated=False)
    store, clock = Store(home / "progress.sqlite3"), FakeClock()
    try:
        for seed in (1, 2, 3, 4):
            sid = start(store, units, fmt, QuizOptions(count=6, seed=seed), clock())
            Runner(store, units, fmt, sid, ScriptPrompter(iter([""] * (6 if seed < 4 else 2))), clock).run()
    finally:
        store.close()


def _damage_table(db: Path, table: str) -> None:
    """Overwrite the root page of one table with junk, as a bad disk block would."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * page_size:root * page_size] = bytes(range(256)) * (page_size // 256)
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("table", ["answers", "reviews"])
def test_damaged_database_is_reported_and_nothing_is_written(sagecli_home, table: str) -> None:
    _progress(sagecli_home)
    db = sagecli_home / "progress.sqlite3"
    _damage_table(db, table)
    before = _files(sagecli_home)
    for args in (["quiz", *FX, "--count", "2", "--answers", ","], ["quiz", "--resume", "--answers", "A"],
                 ["quiz", "sessions"], ["stats"]):
        res = run_cli(*args)
        assert res.returncode == 1, (args, res.stdout)
        lines = res.stderr.splitlines()
        assert len(lines) == 2 and "cannot be read" in lines[0], res.stderr
        assert lines[1].startswith("Hint: nothing was changed; move it aside (mv ")
        assert "start a fresh store" in lines[1]
        assert _unchanged(before, sagecli_home), args  # no new session row, nothing in the WAL either


def test_empty_database_file_is_not_silently_replaced(sagecli_home) -> None:
    db = sagecli_home / "progress.sqlite3"
    db.write_bytes(b"")
    for args in (["quiz", *FX, "--count", "1", "--answers", ","], ["stats", "--json"], ["quiz", "sessions"]):
        res = run_cli(*args)
        assert res.returncode == 1, (args, res.stdout)
        lines = res.stderr.splitlines()
        if "--json" in args:  # with --json the error is one JSON object on stderr (issue 12)
            err = json.loads(res.stderr)
            lines = ["Error: " + err["error"], "Hint: " + err["hint"]]
        assert len(lines) == 2 and "is an empty file (0 bytes)" in lines[0]
        assert f"mv '{db}' '{db}.empty'" in lines[1] and "start a fresh store" in lines[1]
    assert db.read_bytes() == b"" and [p.name for p in sagecli_home.glob("progress*")] == ["progress.sqlite3"]
    db.rename(db.with_name("progress.sqlite3.empty"))  # what the hint says: then a fresh store starts
    res = run_cli("quiz", *FX, "--count", "1", "--answers", ",", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["complete"] and db.stat().st_size > 0


def test_hint_never_claims_nothing_changed_after_a_write(tmp_path) -> None:
    exc = sqlite3.DatabaseError("database disk image is malformed")
    assert _unreadable(tmp_path / "p.db", exc).hint.startswith("nothing was changed")
    hint = _unreadable(tmp_path / "p.db", exc, saved=2).hint
    assert "nothing was changed" not in hint and hint.startswith("2 change(s) of this run were saved")


def test_a_new_database_is_complete_when_it_appears(sagecli_home) -> None:
    res = run_cli("quiz", *FX, "--count", "1", "--answers", ",", "--json")
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(sagecli_home / "progress.sqlite3")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        con.close()
    assert not list(sagecli_home.glob(".progress*"))  # no temporary file left behind
