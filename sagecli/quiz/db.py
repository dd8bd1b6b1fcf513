"""Progress in SQLite under $SAGECLI_HOME: WAL, a busy timeout, one committed transaction per answer.

A database that cannot be read is reported with a way to recover; it is never deleted or rebuilt.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError

SCHEMA_VERSION = 1  # bump with a migration step when the tables change
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, mode TEXT NOT NULL, created TEXT NOT NULL, seed INTEGER,
  plan TEXT NOT NULL, duration_s REAL, used_s REAL NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active', finished TEXT, result TEXT, content TEXT);
CREATE TABLE IF NOT EXISTS answers (
  session_id INTEGER NOT NULL REFERENCES sessions(id), pos INTEGER NOT NULL, qid TEXT NOT NULL,
  answer TEXT, correct INTEGER NOT NULL, flagged INTEGER NOT NULL DEFAULT 0, seconds REAL NOT NULL DEFAULT 0,
  answered_at TEXT NOT NULL, PRIMARY KEY (session_id, pos));
CREATE INDEX IF NOT EXISTS answers_qid ON answers(qid, answered_at);
CREATE TABLE IF NOT EXISTS cards (qid TEXT PRIMARY KEY, card TEXT NOT NULL, reps INTEGER NOT NULL DEFAULT 0,
  lapses INTEGER NOT NULL DEFAULT 0, introduced TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reviews (id INTEGER PRIMARY KEY, qid TEXT NOT NULL, rating INTEGER NOT NULL,
  state_before INTEGER NOT NULL, at TEXT NOT NULL, duration_ms INTEGER, session_id INTEGER);
"""


def db_path() -> Path:
    """The progress database file."""
    from sagecli.paths import home_dir

    return home_dir() / "progress.sqlite3"


def _unreadable(path: Path, exc: Exception) -> SageCliError:
    if "locked" in str(exc) or "busy" in str(exc):
        return SageCliError(f"the progress database {path} is busy: another sagecli kept it locked for 10 s",
                            hint="nothing was lost; wait for the other sagecli to finish and run this again")
    if "readonly" in str(exc) or "unable to open" in str(exc) or "read-only" in str(exc):
        # a folder or file the user cannot write to: nothing is damaged, so no recovery advice
        return SageCliError(f"the progress database {path} cannot be written ({exc})",
                            hint=f"make {path.parent} writable, or set SAGECLI_HOME to a folder you can write to")
    return SageCliError(
        f"the progress database {path} cannot be read ({exc})",
        hint=f"nothing was changed; move it aside (mv '{path}' '{path}.broken') to start afresh, or try "
        f"`sqlite3 '{path}' .recover | sqlite3 recovered.sqlite3` to rescue your answers",
    )


class Store:
    """A connection to the progress database; every write is its own committed transaction."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or db_path()
        try:
            self.conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout = 10000")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                self.conn.close()
                raise SageCliError(f"the progress database {self.path} was written by a newer sagecli",
                                   hint="upgrade sagecli; the file was not changed")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            if version < SCHEMA_VERSION:
                with self.write():
                    for stmt in SCHEMA.strip().split(";"):
                        if stmt.strip():
                            self.conn.execute(stmt)
                    self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction, committed on success and rolled back on error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read query (errors become the unreadable-database message)."""
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # sessions -------------------------------------------------------------------------------------
    def new_session(self, mode: str, created: str, seed: int, plan: list[dict[str, Any]],
                    duration_s: float | None, content: str | None = None) -> int:
        """Record a new session with its fixed plan (and the content directory it came from); returns its id."""
        with self.write() as c:
            cur = c.execute(
                "INSERT INTO sessions (mode, created, seed, plan, duration_s, content) VALUES (?, ?, ?, ?, ?, ?)",
                (mode, created, seed, json.dumps(plan), duration_s, content),
            )
            return int(cur.lastrowid or 0)

    def session(self, sid: int) -> dict[str, Any]:
        """One session with its plan and answers by position."""
        rows = self.query("SELECT id, mode, created, seed, plan, duration_s, used_s, status, result, content "
                          "FROM sessions WHERE id = ?", (sid,))
        if not rows:
            raise SageCliError(f"no quiz session {sid}")
        r = rows[0]
        answers = {
            pos: {"qid": qid, "answer": json.loads(a) if a else None, "correct": bool(ok),
                  "flagged": bool(fl), "seconds": s}
            for pos, qid, a, ok, fl, s in self.query(
                "SELECT pos, qid, answer, correct, flagged, seconds FROM answers WHERE session_id = ?", (sid,))
        }
        return {"id": r[0], "mode": r[1], "created": r[2], "seed": r[3], "plan": json.loads(r[4]),
                "duration_s": r[5], "used_s": r[6], "status": r[7],
                "result": json.loads(r[8]) if r[8] else None, "content": r[9], "answers": answers}

    def latest_active(self) -> int | None:
        """The most recent unfinished session, if any."""
        rows = self.query("SELECT id FROM sessions WHERE status = 'active' ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def save_answer(self, sid: int, pos: int, qid: str, answer: list[str] | None, correct: bool, flagged: bool,
                    seconds: float, at: str, used_s: float, review: dict[str, Any] | None = None) -> None:
        """Commit one answer, the session's used time and (practice) the card review, atomically."""
        with self.write() as c:
            c.execute(
                "INSERT INTO answers (session_id, pos, qid, answer, correct, flagged, seconds, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(session_id, pos) DO UPDATE SET answer = excluded.answer,"
                " correct = excluded.correct, flagged = excluded.flagged, seconds = excluded.seconds,"
                " answered_at = excluded.answered_at",
                (sid, pos, qid, json.dumps(answer) if answer is not None else None, int(correct), int(flagged),
                 seconds, at),
            )
            c.execute("UPDATE sessions SET used_s = ? WHERE id = ?", (used_s, sid))
            if review:
                self._apply_review(c, sid, review)

    def abandon(self, sid: int) -> None:
        """Mark a session that never got an answer as abandoned (it is kept, but not resumed)."""
        with self.write() as c:
            c.execute("UPDATE sessions SET status = 'abandoned' WHERE id = ?", (sid,))

    def set_used(self, sid: int, used_s: float) -> None:
        """Record the time used so far (on Ctrl-C or between questions)."""
        with self.write() as c:
            c.execute("UPDATE sessions SET used_s = ? WHERE id = ?", (used_s, sid))

    def finish(self, sid: int, at: str, result: dict[str, Any], reviews: list[dict[str, Any]]) -> None:
        """Close a session with its result and (exam) apply its card reviews, atomically."""
        with self.write() as c:
            for rv in reviews:
                self._apply_review(c, sid, rv)
            c.execute("UPDATE sessions SET status = 'finished', finished = ?, result = ? WHERE id = ?",
                      (at, json.dumps(result), sid))

    @staticmethod
    def _apply_review(c: sqlite3.Connection, sid: int, rv: dict[str, Any]) -> None:
        c.execute(
            "INSERT INTO cards (qid, card, reps, lapses, introduced) VALUES (?, ?, 1, ?, ?) "
            "ON CONFLICT(qid) DO UPDATE SET card = excluded.card, reps = reps + 1, lapses = lapses + ?",
            (rv["qid"], rv["card"], int(rv["lapsed"]), rv["at"], int(rv["lapsed"])),
        )
        c.execute("INSERT INTO reviews (qid, rating, state_before, at, duration_ms, session_id) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  (rv["qid"], rv["rating"], rv["state_before"], rv["at"], rv.get("duration_ms"), sid))

    # reads for selection and stats -----------------------------------------------------------------
    def cards(self) -> dict[str, str]:
        """Every card's FSRS JSON by question id."""
        return dict(self.query("SELECT qid, card FROM cards"))

    def card_rows(self) -> list[tuple[str, str, int, int, str]]:
        """(qid, card JSON, reps, lapses, introduced) for every card."""
        return self.query("SELECT qid, card, reps, lapses, introduced FROM cards")

    def new_cards_since(self, iso: str) -> int:
        """How many cards were first reviewed at or after a time (new cards introduced today)."""
        return self.query("SELECT count(*) FROM cards WHERE introduced >= ?", (iso,))[0][0]

    def last_answers(self) -> dict[str, tuple[bool, bool]]:
        """Each question's latest (correct, flagged), across all sessions."""
        rows = self.query("SELECT qid, correct, flagged FROM answers ORDER BY answered_at, session_id, pos")
        return {q: (bool(ok), bool(fl)) for q, ok, fl in rows}

    def all_answers(self) -> list[tuple[str, bool, str]]:
        """(qid, correct, answered_at) for every answer ever given."""
        return [(q, bool(ok), at) for q, ok, at in
                self.query("SELECT qid, correct, answered_at FROM answers ORDER BY answered_at")]

    def exam_history(self) -> list[dict[str, Any]]:
        """Finished mock exams, oldest first, with their results."""
        rows = self.query("SELECT id, finished, result FROM sessions WHERE mode = 'exam' AND status = 'finished' "
                          "ORDER BY finished")
        return [{"session": i, "finished": f, **json.loads(r)} for i, f, r in rows]
