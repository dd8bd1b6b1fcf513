"""`sagecli quiz` from options to result: load the bank, open the store, start or resume, run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError
from sagecli.quiz.items import all_units
from sagecli.quiz.session import Presented, QuizOptions, Response, Runner, start


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


def unfinished_exam(store: Any) -> str | None:
    """A note about the newest unfinished session when it is a mock exam, or None."""
    sid = store.latest_active()
    if sid is None:
        return None
    s = store.session(sid)
    if s["mode"] != "exam":
        return None
    left = max(0, int((s["duration_s"] or 0) - (s["used_s"] or 0)))
    return (f"Note: mock exam session {sid} is unfinished ({len(s['answers'])} of {len(s['plan'])} answered, "
            f"{left // 60} min left); `sagecli quiz --resume` continues it once this quiz is done.")


def take(opts: QuizOptions, prompter: Any, resume: bool, content: Path | None = None,
         clock: Callable[[], datetime] = utc_now,
         notify: Callable[[str], None] | None = None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Start (or resume) a session, run it with the prompter, return (result, units)."""
    from sagecli.quiz.db import Store

    store = Store()
    try:
        sid = None
        if not resume and notify is not None and (note := unfinished_exam(store)):
            notify(note)
        if resume:
            sid = store.latest_active()
            if sid is None:
                raise SageCliError("no interrupted quiz to resume", hint="start one with `sagecli quiz`")
            saved = store.session(sid)["content"]
            content = content or (Path(saved) if saved else None)
        units, _kb, fmt = load_units(content, opts.generated or resume)
        if sid is None:
            sid = start(store, units, fmt, opts, clock(), str(content.resolve()) if content else None)
        runner = Runner(store, units, fmt, sid, prompter, clock, opts.timed_ratings)
        result = runner.run()
        if not result["complete"] and not runner.s["answers"]:
            store.abandon(sid)
            raise SageCliError("no answers were given",
                               hint='stdin is not a terminal: pass --answers "B,AC,..." or pipe one answer per line')
        return result, units
    finally:
        store.close()
