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


def _unreadable(path: Path, exc: Exception, saved: int = 0) -> SageCliError:
    if "locked" in str(exc) or "busy" in str(exc):
        return SageCliError(f"the progress database {path} is busy: another sagecli kept it locked for 10 s",
                            hint="nothing was lost; wait for the other sagecli to finish and run this again")
    if "readonly" in str(exc) or "unable to open" in str(exc) or "read-only" in str(exc):
        # a folder or file the user cannot write to: nothing is damaged, so no recovery advice
        return SageCliError(f"the progress database {path} cannot be written ({exc})",
                            hint=f"make {path.parent} writable, or set SAGECLI_HOME to a folder you can write to")
    done = ("nothing was changed" if not saved else
            f"{saved} change(s) of this run were saved before the damage was found")
    return SageCliError(
        f"the progress database {path} cannot be read ({exc})",
        hint=f"{done}; move it aside (mv '{path}' '{path}.broken') and run again to start a fresh store, or try "
        f"`sqlite3 '{path}' .recover | sqlite3 recovered.sqlite3` to rescue your answers",
    )


def _empty(path: Path) -> SageCliError:
    return SageCliError(
        f"the progress database {path} is an empty file (0 bytes): any progress it held is gone",
        hint=f"nothing was changed; to start a fresh store, move it aside (mv '{path}' '{path}.empty') and run "
        "again",
    )


def _create(path: Path) -> None:
    """Create a new database with its tables in a temporary file, then link it into place.

    The real path never holds a half-made (0-byte) database, so an empty file there is always damage; if
    another sagecli created the database meanwhile, theirs is kept."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        finally:
            conn.close()  # the last connection checkpoints the WAL into the file
        try:
            os.link(tmp, path)  # fails if the path exists: never replaces a database
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _try_lock(fh: Any) -> bool:
    """An exclusive, non-blocking lock on an open file; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Store:
    """A connection to the progress database; every write is its own committed transaction.

    Opening checks the file first (an empty file, a newer schema or damage found by SQLite's quick_check)
    and writes nothing until it passes. A session being run is locked (see lock_session) so that two
    sagecli processes never answer the same session.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or db_path()
        self.saved = 0  # committed write transactions of this connection (for an honest error hint)
        self.locks: dict[int, Any] = {}
        if not self.path.exists():
            try:
                _create(self.path)
            except sqlite3.DatabaseError as exc:
                raise _unreadable(self.path, exc) from None
            except OSError as exc:
                raise SageCliError(f"cannot create the progress database {self.path}: {exc.strerror or exc}",
                                   hint="set SAGECLI_HOME to a folder you can write to") from None
        elif self.path.is_file() and self.path.stat().st_size == 0:
            raise _empty(self.path)
        try:
            # mode=rw: never create a file here (creation is _create's job)
            self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, timeout=10,
                                        isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None
        try:
            self.conn.execute("PRAGMA busy_timeout = 10000")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SageCliError(f"the progress database {self.path} was written by a newer sagecli",
                                   hint="upgrade sagecli; the file was not changed")
            check = self.conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if check != "ok":  # "*** in database main ***\nPage 3: ..." -> one line
                detail = " ".join(x.strip() for x in check.splitlines() if x.strip() and not x.startswith("***"))
                raise sqlite3.DatabaseError(f"damage found: {detail}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            if version < SCHEMA_VERSION:
                with self.write():
                    for stmt in SCHEMA.strip().split(";"):
                        if stmt.strip():
                            self.conn.execute(stmt)
                    self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise _unreadable(self.path, exc) from None
        except BaseException:
            self.conn.close()
            raise

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
            self.saved += 1
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc, self.saved) from None

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read query (errors become the unreadable-database message)."""
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc, self.saved) from None

    def close(self) -> None:
        """Close the connection and release this process's session locks."""
        for sid in list(self.locks):
            self.unlock_session(sid)
        self.conn.close()

    # session locks ---------------------------------------------------------------------------------
    def _lock_path(self, sid: int) -> Path:
        return self.path.with_name(f"{self.path.name}.session-{sid}.lock")

    def lock_session(self, sid: int) -> None:
        """Hold session sid for this process (an OS file lock, freed even on kill -9), or fail in one line."""
        if sid in self.locks:
            return
        fh = open(self._lock_path(sid), "a+b")  # noqa: SIM115 - held open for as long as the lock is held
        if not _try_lock(fh):
            fh.close()
            raise SageCliError(f"quiz session {sid} is open in another sagecli",
                               hint="finish or stop it there first; `sagecli quiz sessions` lists the others")
        self.locks[sid] = fh

    def unlock_session(self, sid: int, remove: bool = False) -> None:
        """Release a session's lock (removing its lock file once the session is closed for good)."""
        fh = self.locks.pop(sid, None)
        if fh is None:
            return
        if remove:  # safe: whoever locks this session next re-reads it and finds it closed
            self._lock_path(sid).unlink(missing_ok=True)
        fh.close()

    def open_elsewhere(self, sid: int) -> bool:
        """True when another process holds session sid now (checked without keeping the lock)."""
        if sid in self.locks or not self._lock_path(sid).exists():
            return False
        with open(self._lock_path(sid), "a+b") as fh:
            return not _try_lock(fh)

    # sessions -------------------------------------------------------------------------------------
    def new_session(self, mode: str, created: str, seed: int, plan: list[dict[str, Any]],
                    duration_s: float | None, content: str | None = None) -> int:
        """Record a new session with its fixed plan (and the content directory it came from); returns its id.

        The session is locked for this process before its row is committed, so no other sagecli can
        resume it while it is being answered."""
        with self.write() as c:
            cur = c.execute(
                "INSERT INTO sessions (mode, created, seed, plan, duration_s, content) VALUES (?, ?, ?, ?, ?, ?)",
                (mode, created, seed, json.dumps(plan), duration_s, content),
            )
            sid = int(cur.lastrowid or 0)
            self.lock_session(sid)
        return sid

    def unfinished(self, mode: str | None = None) -> list[dict[str, Any]]:
        """Unfinished sessions (of one mode, or all), newest first, with how far each got."""
        rows = self.query(
            "SELECT s.id, s.mode, s.created, s.plan, s.duration_s, s.used_s, s.content, "
            "count(a.pos), count(a.answer), coalesce(sum(a.flagged), 0) FROM sessions s "
            "LEFT JOIN answers a ON a.session_id = s.id WHERE s.status = 'active' AND (? IS NULL OR s.mode = ?) "
            "GROUP BY s.id ORDER BY s.id DESC", (mode, mode))
        return [{"id": i, "mode": m, "created": c, "total": len(json.loads(p)), "duration_s": d, "used_s": u,
                 "content": ct, "done": n, "answered": a, "flagged": f}
                for i, m, c, p, d, u, ct, n, a, f in rows]

    def discard(self, sid: int) -> None:
        """Close an unfinished session without a result: it is kept (with its answers) but never resumed."""
        with self.write() as c:
            c.execute("UPDATE sessions SET status = 'discarded' WHERE id = ? AND status = 'active'", (sid,))
        self.unlock_session(sid, remove=True)

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
        self.unlock_session(sid, remove=True)

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
        self.unlock_session(sid, remove=True)

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
