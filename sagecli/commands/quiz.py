"""`sagecli quiz` (practice, drills, mock exam, export) and `sagecli stats`."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

quiz_app = typer.Typer(help="Practise MLA-C01 questions, drill a domain or take a timed mock exam.")

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
    mode: Annotated[Mode, typer.Option("--mode", help="practice: feedback after each answer; exam: timed mock.")]
    = Mode.practice,
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
    count: Annotated[int | None, typer.Option("--count", min=1, help="How many questions (practice default 10; "
                                                "exam default from the exam record, 65).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for a reproducible choice and order.")] = None,
    generated: Annotated[bool, typer.Option("--generated/--no-generated",
                                            help="Include questions generated from knowledge-base facts.")] = True,
    shuffle: Annotated[bool, typer.Option("--shuffle/--no-shuffle", help="Shuffle questions and options.")] = True,
    new_limit: Annotated[int, typer.Option("--new-limit", min=0, help="New cards a day in the --due queue.")] = 20,
    timed_ratings: Annotated[bool, typer.Option("--timed-ratings", help="Rate fast right answers Easy and slow "
                                                "ones Hard (otherwise right = Good).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted quiz or exam.")] = False,
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
    from sagecli.quiz.flow import ScriptPrompter, stdin_answers, take
    from sagecli.quiz.selection import Filters
    from sagecli.quiz.session import QuizOptions

    if task is not None and not re.fullmatch(r"[1-4]\.[1-9]", task):
        raise UsageError(f"--task must look like 3.1, not {task!r}")
    opts = QuizOptions(
        mode=mode.value, count=count, seed=seed, generated=generated, shuffle=shuffle, due=due,
        retake=retake.value if retake else None, new_limit=new_limit, timed_ratings=timed_ratings,
        filters=Filters(domain=domain, task=task, topic=topic, type=item_type.value if item_type else None),
    )
    scripted = answers is not None or not sys.stdin.isatty()
    if scripted:
        source = iter(answers.split(",")) if answers is not None else stdin_answers(sys.stdin)
        printer = None
        if not json_out:
            from sagecli.ui.quiz_view import print_scripted

            printer = print_scripted
        prompter = ScriptPrompter(source, printer)
    else:
        from sagecli.ui.quiz_view import InteractivePrompter

        prompter = InteractivePrompter()
    from sagecli.quiz.session import Interrupted

    try:
        from sagecli.ui.help import note

        result, units = take(opts, prompter, resume, content, notify=note)
    except Interrupted as stop:
        sys.stderr.write(f"\n{stop.message} Continue with `sagecli quiz --resume`.\n")
        raise typer.Exit(stop.exit_code) from None
    if answers is not None and result["complete"] and (extra := prompter.leftover()):
        sys.stderr.write(f"Note: {extra} answer(s) after the last question were ignored.\n")
    if json_out:
        from sagecli.output import emit_json

        emit_json(result)
    else:
        from sagecli.ui.quiz_view import render_result

        render_result(result, units)


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
