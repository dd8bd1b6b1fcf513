"""`sagecli quiz` (practice, drills, mock exam, export) and `sagecli stats`."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup


class QuizGroup(TyperGroup):
    """`sagecli quiz`, where `--resume` may be followed by a session id: `--resume 12` (or `--resume=12`)
    is read as `--resume --resume-id 12`, and a bare `--resume` stays a flag."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                out += args[i:]
                break
            if arg.startswith("--resume="):
                out += ["--resume", "--resume-id", arg.split("=", 1)[1]]
            elif arg == "--resume" and i + 1 < len(args) and not args[i + 1].startswith("-") \
                    and args[i + 1] not in self.commands:
                out += ["--resume", "--resume-id", args[i + 1]]
                i += 1
            else:
                out.append(arg)
            i += 1
        return super().parse_args(ctx, out)


quiz_app = typer.Typer(cls=QuizGroup, help="Practise MLA-C01 questions, drill a domain or take a timed mock exam.")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (no markup).")]
ContentOpt = Annotated[
    Path | None, typer.Option("--content", help="A content directory to quiz from (default: the bundled bank).")
]


class Mode(StrEnum):
    """Quiz modes."""

    practice = "practice"
    exam = "exam"


class ItemKind(StrEnum):
    """Item types for --type."""

    mc = "mc"
    mr = "mr"
    ordering = "ordering"
    matching = "matching"
    case = "case"


class Retake(StrEnum):
    """What --retake repeats."""

    wrong = "wrong"
    flagged = "flagged"


class ExportFormat(StrEnum):
    """Export formats."""

    anki = "anki"
    csv = "csv"
    json = "json"


@quiz_app.callback(invoke_without_command=True)
def quiz_cmd(
    ctx: typer.Context,
    mode: Annotated[Mode | None, typer.Option("--mode", help="practice (default): feedback after each answer; "
                                              "exam: timed mock.")] = None,
    domain: Annotated[int | None, typer.Option("--domain", min=1, max=4, help="Only this exam domain (1-4).")]
    = None,
    task: Annotated[str | None, typer.Option("--task", help="Only this task statement, e.g. 3.1.")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Only questions whose topics or text mention TEXT.")]
    = None,
    item_type: Annotated[ItemKind | None, typer.Option("--type", help="Only this item type.")] = None,
    retake: Annotated[Retake | None, typer.Option("--retake", help="Only questions last answered wrong, or flagged.")]
    = None,
    due: Annotated[bool, typer.Option("--due", help="Today's spaced-repetition queue (due cards, then new ones).")]
    = False,
    count: Annotated[int | None, typer.Option("--count", help="How many questions (practice default 10; exam "
                                                "default from the exam record, 65; at most the bank).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for a reproducible choice and order.")] = None,
    generated: Annotated[bool, typer.Option("--generated/--no-generated",
                                            help="Include questions generated from knowledge-base facts.")] = True,
    shuffle: Annotated[bool, typer.Option("--shuffle/--no-shuffle", help="Shuffle questions and options.")] = True,
    new_limit: Annotated[int, typer.Option("--new-limit", min=0, help="New cards a day in the --due queue.")] = 20,
    timed_ratings: Annotated[bool, typer.Option("--timed-ratings", help="Rate fast right answers Easy and slow "
                                                "ones Hard (otherwise right = Good).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the newest unfinished quiz (of --mode, if "
                                         "given), or one by id: --resume ID (ids: `quiz sessions`).")] = False,
    resume_id: Annotated[str | None, typer.Option("--resume-id", hidden=True,
                                                  help="Set by `--resume ID` (see QuizGroup).")] = None,
    answers: Annotated[str | None, typer.Option("--answers", help="Answers in displayed letters, comma-separated: "
                                                "B,AC,CAB (mc: one letter; mr: the letters; ordering: letters "
                                                "in order; matching: one letter per prompt; a case part: one "
                                                "answer each; empty: unanswered; trailing ?: flag).")] = None,
    content: ContentOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Practice questions with explanations (default), drill a section, or take a mock exam."""
    if ctx.invoked_subcommand is not None:
        return
    import sys

    from sagecli.errors import UsageError
    from sagecli.quiz.flow import LATEST, ScriptPrompter, stdin_answers, take
    from sagecli.quiz.selection import Filters
    from sagecli.quiz.session import QuizOptions

    if task is not None and not re.fullmatch(r"[1-4]\.[1-9]", task):
        raise UsageError(f"--task must look like 3.1, not {task!r}")
    if resume_id is not None and not resume_id.isdigit():
        raise UsageError(f"--resume takes a session id (a whole number), not {resume_id!r}",
                         hint="`sagecli quiz sessions` lists the unfinished sessions with their ids")
    opts = QuizOptions(
        mode=(mode or Mode.practice).value, count=count, seed=seed, generated=generated, shuffle=shuffle, due=due,
        retake=retake.value if retake else None, new_limit=new_limit, timed_ratings=timed_ratings,
        filters=Filters(domain=domain, task=task, topic=topic, type=item_type.value if item_type else None),
    )
    script = answers.split(",") if answers is not None else None
    if script is not None or not sys.stdin.isatty():
        source = iter(script) if script is not None else stdin_answers(sys.stdin)
        printer = None
        if not json_out:
            from sagecli.ui.quiz_view import print_scripted

            printer = print_scripted
        prompter = ScriptPrompter(source, printer)
    else:
        from sagecli.ui.quiz_view import InteractivePrompter

        prompter = InteractivePrompter()
    from sagecli.quiz.session import Interrupted

    which = (int(resume_id) if resume_id is not None else LATEST) if resume or resume_id is not None else None
    try:
        from sagecli.ui.help import note

        result, units = take(opts, prompter, which, content, notify=note, script=script,
                             resume_mode=mode.value if mode else None)
    except Interrupted as stop:
        go_on = f" Continue with `sagecli quiz --resume {stop.sid}`." if stop.sid is not None else ""
        sys.stderr.write(f"\n{stop.message}{go_on}\n")
        raise typer.Exit(stop.exit_code) from None
    if answers is not None and result["complete"] and (extra := prompter.leftover()):
        sys.stderr.write(f"Note: {extra} answer(s) after the last question were ignored.\n")
    if json_out:
        from sagecli.output import emit_json

        emit_json(result)
    else:
        from sagecli.ui.quiz_view import render_result

        render_result(result, units)


@quiz_app.command("sessions")
def sessions_cmd(
    discard: Annotated[int | None, typer.Option("--discard", metavar="ID", help="Discard this unfinished session "
                                                "(same as `quiz discard ID`).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List unfinished quizzes and mock exams: id, mode, started, answered/total."""
    if discard is not None:
        discard_cmd(discard, json_out)
        return
    from sagecli.quiz.flow import list_sessions

    rows = list_sessions()
    if json_out:
        from sagecli.output import emit_json

        emit_json(rows)
    else:
        from sagecli.ui.sessions_view import render_sessions

        render_sessions(rows)


@quiz_app.command("discard")
def discard_cmd(
    session_id: Annotated[int, typer.Argument(metavar="ID", help="The session's id (see `quiz sessions`).")],
    json_out: JsonOpt = False,
) -> None:
    """Discard an unfinished session: it is kept in your history but never resumed."""
    from sagecli.quiz.flow import discard_session

    gone = discard_session(session_id)
    if json_out:
        from sagecli.output import emit_json

        emit_json(gone)
    else:
        from sagecli.ui.sessions_view import render_discarded

        render_discarded(gone)


@quiz_app.command("export")
def export_cmd(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="anki (.apkg deck), csv or json.")] = ExportFormat.json,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write, - for standard "
                                                "output (default sagecli-questions.<ext> here).")] = None,
    generated: Annotated[bool, typer.Option("--generated/--no-generated",
                                            help="Include questions generated from knowledge-base facts.")] = True,
    content: ContentOpt = None,
) -> None:
    """Export the question bank with answers, explanations and sources (Anki, CSV or JSON)."""
    if output is not None and str(output) == "-":  # `-o -`: standard output, the Unix convention
        import sys

        from sagecli.errors import UsageError
        from sagecli.quiz.export import bank_text
        from sagecli.quiz.flow import load_units

        if fmt.value == "anki":
            raise UsageError("an Anki deck is a binary .apkg file and cannot go to standard output",
                             hint="give a file name ending in .apkg, or use --format csv or json with -o -")
        units = load_units(content, generated)[0]
        sys.stdout.write(bank_text(fmt.value, units))
        sys.stderr.write(f"Wrote {len(units)} questions to standard output\n")
        return
    from sagecli.quiz.export import export_bank

    path, n = export_bank(fmt.value, output, generated, content)
    typer.echo(f"Wrote {n} questions to {path}")


def stats_cmd(
    exam_date: Annotated[str | None, typer.Option("--exam-date", help="Your exam day (YYYY-MM-DD): predicted "
                                                  "recall on that day.")] = None,
    content: ContentOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Accuracy by domain and task, coverage, due cards, readiness, mock-exam history and leeches."""
    from datetime import UTC, datetime

    from sagecli.errors import UsageError
    from sagecli.quiz.stats import compute_stats

    when = None
    if exam_date is not None:
        try:
            when = datetime.strptime(exam_date, "%Y-%m-%d").replace(hour=9, tzinfo=UTC)
        except ValueError:
            raise UsageError(f"--exam-date must be YYYY-MM-DD, not {exam_date!r}") from None
        if when.date() < datetime.now(UTC).date():
            raise UsageError(f"--exam-date {exam_date} is in the past; give the day of your exam (today or later)")
    data = compute_stats(content, when)
    if json_out:
        from sagecli.output import emit_json

        emit_json(data)
    else:
        from sagecli.ui.quiz_view import render_stats

        render_stats(data)


def register(app: typer.Typer) -> None:
    """Add `quiz` and `stats` to the main app."""
    app.add_typer(quiz_app, name="quiz")
    app.command("stats")(stats_cmd)
