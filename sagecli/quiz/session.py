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

from sagecli.errors import SageCliError, UsageError
from sagecli.quiz import srs
from sagecli.quiz.exam import ExamFormat, draw_mock
from sagecli.quiz.grading import AnswerFormatError, describe, grade, parse_answer
from sagecli.quiz.results import summarize
from sagecli.quiz.selection import Filters, interleave_by_weight, matches, pick, plan, whole_cases

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

    sid: int | None = None  # the session to resume


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


def _due(store: Any, pool: list[dict[str, Any]], opts: QuizOptions, now: datetime, weights: dict[int, float],
         rng: random.Random) -> list[dict[str, Any]]:
    """The pool cut down to today's queue, in queue order: due cards (most overdue first), then new cards
    interleaved across domains by exam weight."""
    start_of_day = (srs.end_of_day(now) - timedelta(days=1)).isoformat()
    cards = store.cards()
    fresh = interleave_by_weight([u for u in pool if u["id"] not in cards], weights, rng)
    order = [u["id"] for u in pool if u["id"] in cards] + [u["id"] for u in fresh]
    queue = srs.due_queue(cards, order, now, opts.new_limit, store.new_cards_since(start_of_day))
    if not queue:
        raise SageCliError("nothing is due today", hint="come back tomorrow, or raise --new-limit for new cards")
    by_id = {u["id"]: u for u in pool}
    return [by_id[q] for q in queue]


def check_count(count: int | None) -> None:
    """A --count below 1 is refused in one line (a count above the bank is capped later, with a note)."""
    if count is not None and count < 1:
        raise UsageError(f"--count must be 1 or more, not {count}")


@dataclass
class NewSession:
    """A session chosen but not yet stored: its plan and settings, plus notes for the learner."""

    mode: str
    created: str
    seed: int
    plan: list[dict[str, Any]]
    duration_s: float | None
    content: str | None = None
    notes: list[str] = field(default_factory=list)

    def store(self, store: Any) -> int:
        """Record it (locked for this process); returns its id."""
        return store.new_session(self.mode, self.created, self.seed, self.plan, self.duration_s, self.content)


def prepare(store: Any, units: dict[str, dict[str, Any]], fmt: ExamFormat, opts: QuizOptions, now: datetime,
            content: str | None = None) -> NewSession:
    """Choose the questions for a new session without writing anything."""
    check_count(opts.count)
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
        pool = _due(store, pool, opts, now, fmt.weights, rng)
    notes = []
    count = opts.count
    if count is not None and count > len(pool):
        one = len(pool) == 1
        where = "due" if opts.due else "in the bank" if opts.filters == Filters() and not opts.retake else ""
        what = f"{'is' if one else 'are'} {where}" if where else "matches" if one else "match"
        notes.append(f"Note: --count {count} is more than the {len(pool)} question{'' if one else 's'} that "
                     f"{what}; asking {'it' if one else f'all {len(pool)}'}.")
        count = len(pool)
    if opts.mode == "exam":
        chosen = draw_mock(pool, fmt.weights, count or min(fmt.questions, len(pool)), rng)
        duration = fmt.minutes * 60 * (len(chosen) / fmt.questions)
    else:
        chosen = _practice_pick(pool, count or 10, rng, opts.shuffle and not opts.due)
        duration = None
    if not chosen:
        raise SageCliError("no questions fit in --count", hint="raise --count (a case study needs all its parts)")
    return NewSession(opts.mode, now.isoformat(), seed, plan(chosen, rng, opts.shuffle), duration, content, notes)


def start(store: Any, units: dict[str, dict[str, Any]], fmt: ExamFormat, opts: QuizOptions, now: datetime,
          content: str | None = None) -> int:
    """Choose the questions for a new session, store its plan, return its id."""
    return prepare(store, units, fmt, opts, now, content).store(store)


def plan_rows(plan_: list[dict[str, Any]], units: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan's questions still in the bank (an item removed from the bank is skipped), by position."""
    return [p for p in plan_ if p["id"] in units]


def answer_error(unit: dict[str, Any], pos: int, total: int, exc: Exception, n: int | None,
                 hint: str) -> SageCliError:
    """'answer 2 (question 2 of 6, q-x, multiple response (select 2)): expected ...' as a usage error."""
    where = f"question {pos + 1} of {total}, {unit['id']}, {describe(unit)}"
    return SageCliError(f"{f'answer {n} ' if n else ''}({where}): {exc}", hint=hint, exit_code=2)


def check_script(rows: list[dict[str, Any]], units: dict[str, dict[str, Any]], done: set[int],
                 texts: list[str]) -> None:
    """Parse every scripted answer against the question it will meet (the unanswered positions in order),
    so that a bad one is refused before anything is written."""
    todo = [pos for pos in range(len(rows)) if pos not in done]
    for n, (pos, raw) in enumerate(zip(todo, texts, strict=False), 1):
        text = raw.strip().rstrip("?")
        if not text:
            continue
        unit = units[rows[pos]["id"]]
        try:
            parse_answer(unit, rows[pos]["perm"], text)
        except AnswerFormatError as exc:
            raise answer_error(unit, pos, len(rows), exc, n, "nothing was saved; fix that answer and run again "
                               "(commas separate answers; leave one empty to skip it)") from None


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
        self.rows = plan_rows(self.s["plan"], units)
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
            saved = len(self.s["answers"])
            hint = "separate answers with commas; leave one empty to skip it"
            if saved:
                hint = (f"{saved} answer(s) before it are saved; continue from question {q.pos + 1} with "
                        f"`sagecli quiz --resume {self.sid} --answers ...`")
            raise answer_error(q.unit, q.pos, q.total, exc, n, hint) from None

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
            stop = Interrupted(self.stopped_text(),
                               hint=f"continue with `sagecli quiz --resume {self.sid}`", exit_code=130)
            stop.sid = self.sid
            raise stop from None
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
            if got is False:  # a script's exam submits; a practice round stays resumable
                return self.mode == "exam" and bool(self.s["answers"])
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
