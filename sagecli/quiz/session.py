"""Running a quiz: build or resume a session, ask, grade, commit every answer, finish with a result.

The prompter asks one question at a time and returns a Response (or None when scripted answers run
out); the clock is a parameter, so tests control time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sagecli.errors import SageCliError
from sagecli.quiz import srs
from sagecli.quiz.exam import ExamFormat
from sagecli.quiz.grading import AnswerFormatError, describe, grade, parse_answer
from sagecli.quiz.results import summarize
from sagecli.quiz.selection import Filters, draw_exam, matches, pick, plan, whole_cases

Clock = Callable[[], datetime]


@dataclass
class QuizOptions:
    """What the learner asked for on the command line."""

    mode: str = "practice"
    count: int | None = None
    filters: Filters = field(default_factory=Filters)
    retake: str | None = None
    due: bool = False
    seed: int | None = None
    generated: bool = True
    shuffle: bool = True
    new_limit: int = srs.NEW_PER_DAY
    timed_ratings: bool = False


@dataclass
class Presented:
    """One question as shown: its unit, option order, position and the exam clock."""

    unit: dict[str, Any]
    perm: list[str]
    pos: int
    total: int
    mode: str
    deadline: datetime | None = None
    answer: list[str] | None = None
    flagged: bool = False
    flagged_total: int = 0  # questions of the session flagged so far (this one included)


@dataclass
class Response:
    """A learner's move: an answer in displayed letters (maybe flagged), or a request (review, submit)."""

    text: str = ""
    flag: bool = False
    action: str = "answer"  # answer | review | submit
    n: int | None = None  # a scripted answer's place in the script (1-based), for error messages


class Interrupted(SageCliError):
    """Ctrl-C during a quiz: everything answered is saved; exit 130 without an error line."""


class TimeUp(Exception):
    """The exam's time ran out while a question was on screen."""


class Prompter(Protocol):
    """What the runner needs from a UI (interactive) or a script (--answers, stdin)."""

    def ask(self, q: Presented) -> Response | None:
        """The learner's response to one question, or None when scripted answers ran out."""

    def feedback(self, q: Presented, answer: list[str] | None, correct: bool) -> None:
        """Practice: explain the answer at once."""

    def review_screen(self, rows: list[Presented], deadline: datetime | None) -> int | None:
        """Exam: the index of a question to revisit, or None to submit."""


def _retake(store: Any, kind: str) -> set[str]:
    """Ids whose latest answer was wrong, or flagged."""
    last = store.last_answers()
    ids = {q for q, (ok, flagged) in last.items() if (not ok if kind == "wrong" else flagged)}
    if not ids:
        raise SageCliError(f"nothing to retake: no {kind} questions yet",
                           hint="answer some questions first (sagecli quiz)")
    return ids


def _due(store: Any, pool: list[dict[str, Any]], opts: QuizOptions, now: datetime) -> list[dict[str, Any]]:
    """The pool cut down to today's queue, in queue order (most overdue first, then new cards)."""
    start_of_day = (srs.end_of_day(now) - timedelta(days=1)).isoformat()
    queue = srs.due_queue(store.cards(), [u["id"] for u in pool], now, opts.new_limit,
                          store.new_cards_since(start_of_day))
    if not queue:
        raise SageCliError("nothing is due today", hint="come back tomorrow, or raise --new-limit for new cards")
    by_id = {u["id"]: u for u in pool}
    return [by_id[q] for q in queue]


def start(store: Any, units: dict[str, dict[str, Any]], fmt: ExamFormat, opts: QuizOptions, now: datetime,
          content: str | None = None) -> int:
    """Choose the questions for a new session, store its plan, return its id."""
    seed = opts.seed if opts.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    pool = [u for u in units.values() if (opts.generated or not u.get("generated")) and matches(u, opts.filters)]
    if opts.filters.type == "case":
        pool = whole_cases(pool, list(units.values()))
    if opts.retake:
        keep = _retake(store, opts.retake)
        pool = [u for u in pool if u["id"] in keep]
    if not pool:
        raise SageCliError("no questions match these filters", hint="loosen --domain/--task/--topic/--type")
    if opts.due:
        pool = _due(store, pool, opts, now)
    if opts.mode == "exam":
        chosen = draw_exam(pool, fmt.weights, opts.count or fmt.questions, rng)
        duration = fmt.minutes * 60 * (len(chosen) / fmt.questions)
    else:
        chosen = _practice_pick(pool, opts.count or 10, rng, opts.shuffle and not opts.due)
        duration = None
    if not chosen:
        raise SageCliError("no questions fit in --count", hint="raise --count (a case study needs all its parts)")
    return store.new_session(opts.mode, now.isoformat(), seed, plan(chosen, rng, opts.shuffle), duration, content)


def _practice_pick(pool: list[dict[str, Any]], count: int, rng: random.Random, shuffle: bool) -> list[dict[str, Any]]:
    """A practice round: generated questions fill at most a quarter of it while authored ones remain."""
    authored = [u for u in pool if not u.get("generated")]
    gen = [u for u in pool if u.get("generated")]
    if not authored or not gen or not shuffle:
        return pick(pool, count, rng, shuffle)
    got = pick(authored, count - min(len(gen), count // 4), rng)
    got += pick(gen, count - len(got), rng)
    return pick(got, len(got), rng)


class Runner:
    """Asks the questions of one session and commits every answer as it is given."""

    def __init__(self, store: Any, units: dict[str, dict[str, Any]], fmt: ExamFormat, sid: int,
                 prompter: Prompter, clock: Clock, timed_ratings: bool = False) -> None:
        self.store, self.units, self.fmt, self.sid = store, units, fmt, sid
        self.prompter, self.clock, self.timed_ratings = prompter, clock, timed_ratings
        self.s = store.session(sid)
        if self.s["status"] != "active":
            raise SageCliError(f"session {sid} is already finished")
        self.mode = self.s["mode"]
        self.rows = [p for p in self.s["plan"] if p["id"] in units]  # an item removed from the bank is skipped
        if not self.rows:
            raise SageCliError(f"none of session {sid}'s questions are in the bank any more",
                               hint="pass the same --content as when it started, or start a new quiz")
        self.t0 = clock()
        self.used0 = self.s["used_s"]
        self.deadline = (self.t0 + timedelta(seconds=self.s["duration_s"] - self.used0)
                         if self.s["duration_s"] else None)
        self.timed_out = False

    def used(self) -> float:
        """Seconds spent in this session, across resumes."""
        return self.used0 + (self.clock() - self.t0).total_seconds()

    def _presented(self, pos: int) -> Presented:
        row = self.rows[pos]
        prev = self.s["answers"].get(pos)
        return Presented(self.units[row["id"]], row["perm"], pos, len(self.rows), self.mode, self.deadline,
                         prev["answer"] if prev else None, bool(prev and prev["flagged"]),
                         sum(bool(a["flagged"]) for a in self.s["answers"].values()))

    def _parse(self, q: Presented, text: str, n: int | None = None) -> list[str] | None:
        try:
            return parse_answer(q.unit, q.perm, text)
        except AnswerFormatError as exc:
            where = f"question {q.pos + 1} of {q.total}, {q.unit['id']}, {describe(q.unit)}"
            saved = len(self.s["answers"])
            hint = "separate answers with commas; leave one empty to skip it"
            if saved:
                hint = (f"{saved} answer(s) before it are saved; continue from question {q.pos + 1} with "
                        "`sagecli quiz --resume --answers ...`")
            raise SageCliError(f"{f'answer {n} ' if n else ''}({where}): {exc}", hint=hint, exit_code=2) from None

    def _review(self, qid: str, correct: bool, seconds: float, at: datetime) -> dict[str, Any]:
        budget = self.fmt.minutes * 60 / self.fmt.questions if self.timed_ratings else None
        rating = srs.rating_for(correct, seconds, budget)
        old = self.store.cards().get(qid)
        card, before, lapsed = srs.review(old, qid, rating, at, int(seconds * 1000))
        return {"qid": qid, "card": card, "rating": rating, "state_before": before, "lapsed": lapsed,
                "at": at.isoformat(), "duration_ms": int(seconds * 1000)}

    def _commit(self, q: Presented, answer: list[str] | None, flagged: bool, seconds: float) -> bool:
        now = self.clock()
        correct = grade(q.unit, answer)
        prev = self.s["answers"].get(q.pos)
        total_s = seconds + (prev["seconds"] if prev else 0.0)
        review = self._review(q.unit["id"], correct, seconds, now) if self.mode == "practice" else None
        self.store.save_answer(self.sid, q.pos, q.unit["id"], answer, correct, flagged, total_s,
                               now.isoformat(), self.used(), review)
        self.s["answers"][q.pos] = {"qid": q.unit["id"], "answer": answer, "correct": correct,
                                    "flagged": flagged, "seconds": total_s}
        return correct

    def _ask_at(self, pos: int) -> bool | None:
        """Ask one position; False when answers ran out, None when the learner wants the review screen."""
        if self.deadline and self.clock() >= self.deadline:
            raise TimeUp
        q = self._presented(pos)
        shown = self.clock()
        resp = self.prompter.ask(q)
        if self.deadline and self.clock() >= self.deadline:
            raise TimeUp  # an answer given after the time is up does not count
        if resp is None:
            return False
        if resp.action != "answer":
            return None
        text = resp.text.strip().rstrip("?")
        answer = self._parse(q, text, resp.n) if text else None
        flagged = resp.flag or resp.text.strip().endswith("?")
        if flagged and answer is None and q.answer is not None:
            answer = q.answer  # flagging a question already answered keeps its answer
        seconds = (self.clock() - shown).total_seconds()
        correct = self._commit(q, answer, flagged, seconds)
        if self.mode == "practice":
            self.prompter.feedback(q, answer, correct)
        return True

    def run(self) -> dict[str, Any]:
        """Ask every unanswered question, then finish (exam: after the review screen) and return the result."""
        try:
            complete = self._loop()
        except TimeUp:
            self.timed_out, complete = True, True
        except KeyboardInterrupt:
            self.store.set_used(self.sid, self.used())
            raise Interrupted(self.stopped_text(),
                              hint="continue with `sagecli quiz --resume`", exit_code=130) from None
        if not complete:
            self.store.set_used(self.sid, self.used())
            return self._result(finished=False)
        return self.finish()

    def stopped_text(self) -> str:
        """'Stopped: 12 of 65 answered (2 flagged), saved in session 3; 01:20:05 left on the exam clock.'"""
        got = self.s["answers"].values()
        answered = sum(a["answer"] is not None for a in got)
        flagged = sum(bool(a["flagged"]) for a in got)
        text = f"Stopped: {answered} of {len(self.rows)} answered"
        text += f" ({flagged} flagged)" if flagged else ""
        text += f", saved in session {self.sid}"
        if self.s["duration_s"]:
            left = max(0, int(self.s["duration_s"] - self.used()))
            text += f"; {left // 3600:02d}:{left % 3600 // 60:02d}:{left % 60:02d} left on the exam clock"
        return text + "."

    def _loop(self) -> bool:
        for pos in range(len(self.rows)):
            if pos in self.s["answers"]:
                continue
            got = self._ask_at(pos)
            if got is False:
                return self.mode == "exam"  # a script's exam submits; a practice round stays resumable
        if self.mode == "exam":
            while True:
                choice = self.prompter.review_screen([self._presented(i) for i in range(len(self.rows))],
                                                     self.deadline)
                if choice is None:
                    return True
                if self._ask_at(choice) is False:
                    return True
        return True

    def finish(self) -> dict[str, Any]:
        """Close the session (applying exam reviews to the cards) and return its result."""
        now = self.clock()
        reviews = []
        if self.mode == "exam":
            for _pos, a in sorted(self.s["answers"].items()):
                reviews.append(self._review(a["qid"], a["correct"], a["seconds"], now))
        result = self._result(finished=True)
        self.store.finish(self.sid, now.isoformat(), _stored(result), reviews)
        return result

    def _result(self, finished: bool) -> dict[str, Any]:
        res = summarize(self.rows, self.s["answers"], self.units, self.fmt, self.mode)
        res.update({"session": self.sid, "seed": self.s["seed"], "complete": finished,
                    "timed_out": self.timed_out, "used_seconds": round(self.used(), 1)})
        if self.s["duration_s"]:
            res["time_limit_seconds"] = round(self.s["duration_s"])
        return res


def _stored(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a result kept in the database for history (no per-question detail)."""
    return {k: v for k, v in result.items() if k != "questions"}
