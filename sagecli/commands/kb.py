"""`sagecli kb`: browse and validate the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

kb_app = typer.Typer(help="Browse and validate the SageMaker knowledge base.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (no markup).")]


@kb_app.command("list")
def list_cmd(
    kind: Annotated[
        str | None,
        typer.Argument(help="A kind (e.g. component, instance_family, inference_option); omit for a summary."),
    ] = None,
    all_sizes: Annotated[bool, typer.Option(
        "--all", help="instance_family: one line per instance type instead of one per family.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List the kinds, or the records of one kind as a table (instance families: one line each)."""
    from sagecli.knowledge.browse import list_records

    result = {**list_records(kind), "all": all_sizes}
    if json_out:
        from sagecli.output import emit_json

        emit_json(result)
    else:
        from sagecli.ui.kb_view import render_list

        render_list(result)


@kb_app.command("show")
def show_cmd(
    record_id: Annotated[str, typer.Argument(help="A record id, or a full instance type like ml.g5.2xlarge.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one record with its facts, limits, exam tips and sources."""
    from sagecli.knowledge.browse import show_record

    rec = show_record(record_id)
    if json_out:
        from sagecli.output import emit_json

        emit_json(rec)
    else:
        from sagecli.ui.kb_view import render_record

        render_record(rec)


@kb_app.command("search")
def search_cmd(
    words: Annotated[list[str], typer.Argument(
        help="Words to look for (quotes optional) in every field: ids, names, summaries, limits, tips, tags.",
        metavar="TEXT")],
    json_out: JsonOpt = False,
) -> None:
    """Find records that mention every word of TEXT, best match first."""
    from sagecli.knowledge.browse import search_records

    text = " ".join(words)
    hits = search_records(text)
    if json_out:
        from sagecli.output import emit_json

        emit_json(hits)
    else:
        from sagecli.ui.kb_view import render_search

        render_search(text, hits)


@kb_app.command("lifecycle")
def lifecycle_cmd(json_out: JsonOpt = False) -> None:
    """Draw the SageMaker lifecycle (Studio -> ... -> Monitoring) with its components as a tree."""
    from sagecli.knowledge.browse import lifecycle

    tree = lifecycle()
    if json_out:
        from sagecli.output import emit_json

        emit_json(tree)
    else:
        from sagecli.ui.kb_view import render_lifecycle

        render_lifecycle(tree)


@kb_app.command("validate")
def validate_cmd(
    directory: Annotated[
        Path | None,
        typer.Argument(help="A content directory to check; defaults to the bundled knowledge base."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check content (records and questions): every problem as file:line, non-zero exit if any."""
    from sagecli.knowledge.browse import validate

    report = validate(directory)
    if json_out:
        from sagecli.output import emit_json

        emit_json(report)
    if report["problems"]:
        from sagecli.errors import SageCliError

        lines = "\n".join(report["problems"])
        raise SageCliError(
            f"{len(report['problems'])} problem(s) in {report['directory']}\n{lines}",
            hint="fix each file:line below and run `sagecli kb validate` again",
        )
    if not json_out:
        typer.echo(
            f"OK: {report['records']} records and {report['questions']} questions in {report['directory']}"
        )


def register(app: typer.Typer) -> None:
    """Add `kb` to the main app."""
    app.add_typer(kb_app, name="kb")
