"""`sagecli monitor`: Model Monitor's data-quality baseline and run on your own files (local or s3://)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

monitor_app = typer.Typer(
    help="Data-quality monitoring of an endpoint's captured data, with Model Monitor's files and checks.",
    no_args_is_help=True,
)
if TYPE_CHECKING:
    from sagecli.monitor.standalone import Fetch, MonitorResult

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON summary.")]


def _fetch() -> Fetch:
    """The s3:// reader (boto3 is imported only when an input is on S3)."""
    from sagecli.aws.s3download import fetch_prefix

    return fetch_prefix


def _finish(result: MonitorResult, json_out: bool, title: str) -> None:
    from sagecli.monitor.standalone import EXIT_CLEAN, EXIT_VIOLATIONS

    if json_out:
        from sagecli.output import emit_json

        emit_json(result.to_dict())
    else:
        from sagecli.ui.monitor_view import render_monitor

        render_monitor(result, title)
    raise typer.Exit(EXIT_VIOLATIONS if result.violations else EXIT_CLEAN)


@monitor_app.command("baseline")
def baseline_cmd(
    data: Annotated[list[str], typer.Argument(help="Training CSV files or folders (local or s3://).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for statistics.json and constraints.json.")],
    header: Annotated[bool, typer.Option("--header", help="The CSV files start with a header row.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Suggest a baseline (statistics.json, constraints.json) as Model Monitor's container does."""
    from sagecli.monitor.standalone import make_baseline

    fetch = _fetch() if any(d.startswith("s3://") for d in data) else None
    with tempfile.TemporaryDirectory(prefix="sagecli-monitor-") as scratch:
        result = make_baseline(data, out, header, fetch, Path(scratch))
    _finish(result, json_out, "Baseline")


@monitor_app.command("run")
def run_cmd(
    capture: Annotated[list[str], typer.Argument(help="Data-capture .jsonl files or folders (local or s3://).")],
    baseline: Annotated[Path, typer.Option("--baseline", help="Folder with statistics.json and constraints.json.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the three report files.")],
    json_out: JsonOpt = False,
) -> None:
    """Check captured requests against a baseline. Exit 0: no violation, 1: violations, 2: error."""
    from sagecli.monitor.standalone import run_monitor

    fetch = _fetch() if any(c.startswith("s3://") for c in capture) else None
    with tempfile.TemporaryDirectory(prefix="sagecli-monitor-") as scratch:
        result = run_monitor(baseline, capture, out, fetch, Path(scratch))
    _finish(result, json_out, "Monitoring run")


def register(app: typer.Typer) -> None:
    """Add `monitor` to the main app."""
    app.add_typer(monitor_app, name="monitor")
