"""`sagecli quiz` from options to result: load the bank, open the store, start or resume, run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError
from sagecli.quiz.items import all_units
from sagecli.quiz.session import (
    Interrupted,
    Presented,
    QuizOptions,
    Response,
    Runner,
    check_count,
    check_script,
    plan_rows,
    prepare,
)


def utc_now() -> datetime:
    """The real clock, in UTC as FSRS requires."""
    return datetime.now(UTC)


def load_units(content: Path | None, generated: bool = True) -> tuple[dict[str, dict[str, Any]], Any, Any]:
    """(units by id, the knowledge base, the exam format) for a content directory."""
    from sagecli.knowledge.store import load_kb
    from sagecli.quiz.exam import exam_format

    kb = load_kb(content)
    questions = dict(kb.questions)
    if generated:
        from sagecli.quiz.generate import generated_questions

        for qid, q in generated_questions(kb.records).items():
            questions.setdefault(qid, q)
    return all_units(questions), kb, exam_format(kb.records)


class ScriptPrompter:
    """Answers from --answers or stdin lines, in order; None once they run out."""

    def __init__(self, answers: Iterator[str], on_feedback: Callable[..., None] | None = None) -> None:
        self.answers = answers
        self.on_feedback = on_feedback
        self.given = 0

    def ask(self, q: Presented) -> Response | None:
        """The next scripted answer."""
        try:
            text = next(self.answers)
        except StopIteration:
            return None
        self.given += 1
        return Response(text=text, n=self.given)

    def feedback(self, q: Presented, answer: list[str] | None, correct: bool) -> None:
        """Pass practice feedback to the printer, if any (none with --json)."""
        if self.on_feedback:
            self.on_feedback(q, answer, correct)

    def review_screen(self, rows: list[Presented], deadline: datetime | None) -> int | None:
        """A script never revisits: submit."""
        return None

    def leftover(self) -> int:
        """Answers given beyond the last question (read only from a finite --answers list)."""
        return sum(1 for a in self.answers if a.strip())


def stdin_answers(stream: Any) -> Iterator[str]:
    """One answer per line, read lazily so a piped quiz can be fed as it goes."""
    for line in stream:
        yield line.rstrip("\r\n")


LATEST = "latest"  # --resume without an id: the newest unfinished session (of --mode, when given)
MODE_NAMES = {"exam": "mock exam", "practice": "practice quiz"}


def unfinished_exam(store: Any) -> str | None:
    """A note about the newest unfinished mock exam, or None."""
    exams = store.unfinished("exam")
    if not exams:
        return None
    s = exams[0]
    left = max(0, int((s["duration_s"] or 0) - (s["used_s"] or 0)))
    return (f"Note: mock exam session {s['id']} is unfinished ({s['answered']} of {s['total']} answered, "
            f"{left // 60} min left); `sagecli quiz --resume {s['id']}` continues it once this quiz is done.")


def resume_target(store: Any, which: int | str, mode: str | None,
                  notify: Callable[[str], None] | None = None, verb: str = "resumed") -> int:
    """The session --resume means: the given id, or the newest unfinished one (of mode, when given)."""
    listing = "`sagecli quiz sessions` lists the unfinished ones"
    if which != LATEST:
        sid = int(which)
        rows = store.query("SELECT status, mode FROM sessions WHERE id = ?", (sid,))
        if not rows:
            raise SageCliError(f"there is no quiz session {sid}", hint=listing)
        status, smode = rows[0]
        if status != "active":
            raise SageCliError(f"quiz session {sid} is {status}, so it cannot be {verb}", hint=listing)
        if mode is not None and smode != mode:
            raise SageCliError(f"quiz session {sid} is a {MODE_NAMES.get(smode, smode)}, not a "
                               f"{MODE_NAMES.get(mode, mode)}", hint=f"drop --mode to resume it; {listing}")
        return sid
    found = store.unfinished(mode)
    if not found:
        others = store.unfinished() if mode else []
        raise SageCliError(f"no interrupted {MODE_NAMES.get(mode or '', 'quiz')} to resume",
                           hint=listing if others else "start one with `sagecli quiz`")
    sid = found[0]["id"]
    if len(found) > 1 and notify is not None:
        notify(f"Note: resuming session {sid}, the newest of {len(found)} unfinished "
               f"{'sessions' if mode is None else MODE_NAMES[mode] + 's'}; {listing}.")
    return sid


def take(opts: QuizOptions, prompter: Any, resume: int | str | None = None, content: Path | None = None,
         clock: Callable[[], datetime] = utc_now, notify: Callable[[str], None] | None = None,
         script: list[str] | None = None,
         resume_mode: str | None = None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Start a session (or resume one: an id, or LATEST of resume_mode), run it with the prompter, and
    return (result, units). A script (--answers) is checked against the questions before anything is
    written; the session is locked while it runs, so a second sagecli cannot answer it at the same time."""
    from sagecli.quiz.db import Store

    check_count(opts.count)
    say = notify or (lambda _note: None)
    store = Store()
    try:
        created = False
        if resume is None:
            if note := unfinished_exam(store):
                say(note)
            units, _kb, fmt = load_units(content, opts.generated)
            new = prepare(store, units, fmt, opts, clock(), str(content.resolve()) if content else None)
            for note in new.notes:
                say(note)
            if script is not None:
                check_script(plan_rows(new.plan, units), units, set(), script)
            sid, created = new.store(store), True
        else:
            sid = resume_target(store, resume, resume_mode, say)
            store.lock_session(sid)
            saved = store.session(sid)  # read again under the lock: another sagecli may just have finished it
            if saved["status"] != "active":
                raise SageCliError(f"quiz session {sid} is {saved['status']}, so it cannot be resumed")
            content = content or (Path(saved["content"]) if saved["content"] else None)
            units, _kb, fmt = load_units(content, True)
            if script is not None:
                check_script(plan_rows(saved["plan"], units), units, set(saved["answers"]), script)
        runner = Runner(store, units, fmt, sid, prompter, clock, opts.timed_ratings)
        try:
            result = runner.run()
        except SageCliError as exc:
            if created and not runner.s["answers"] and not isinstance(exc, Interrupted):
                store.abandon(sid)  # a rejected first answer leaves no session behind
            raise
        if not result["complete"] and not runner.s["answers"]:
            if created:
                store.abandon(sid)
            raise SageCliError("no answers were given",
                               hint='stdin is not a terminal: pass --answers "B,AC,..." or pipe one answer per line')
        return result, units
    finally:
        store.close()


def list_sessions() -> list[dict[str, Any]]:
    """Unfinished sessions, newest first: id, mode, started, answered/total, flagged, exam time left and
    whether another sagecli has it open now."""
    from sagecli.quiz.db import Store

    store = Store()
    try:
        return [{"id": r["id"], "mode": r["mode"], "started": r["created"], "answered": r["answered"],
                 "skipped": r["done"] - r["answered"], "total": r["total"], "flagged": r["flagged"],
                 "time_left_seconds": (max(0, int(r["duration_s"] - r["used_s"])) if r["duration_s"] else None),
                 "open_elsewhere": store.open_elsewhere(r["id"]), "content": r["content"]}
                for r in store.unfinished()]
    finally:
        store.close()


def discard_session(sid: int) -> dict[str, Any]:
    """Close an unfinished session for good (kept in the database, never resumed); returns what it was."""
    from sagecli.quiz.db import Store

    store = Store()
    try:
        sid = resume_target(store, sid, None, verb="discarded")
        store.lock_session(sid)
        info = next((r for r in store.unfinished() if r["id"] == sid), None)
        if info is None:  # finished by another sagecli between the two reads
            raise SageCliError(f"quiz session {sid} is no longer unfinished")
        store.discard(sid)
        return {"id": sid, "mode": info["mode"], "answered": info["answered"], "total": info["total"]}
    finally:
        store.close()
