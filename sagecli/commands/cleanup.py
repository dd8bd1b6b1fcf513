"""`sagecli cleanup`: delete what `run-demo --backend sagemaker` left behind, found by tag."""

from __future__ import annotations

from typing import Annotated

import typer


def cleanup_cmd(
    run_id: Annotated[str | None, typer.Option("--run-id", help="Only this run's resources.")] = None,
    older_than: Annotated[
        str | None, typer.Option("--older-than", help="Only resources at least this old, e.g. 2h, 30m, 1d.")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS Region (default: from your AWS config).")] = None,
    bucket: Annotated[
        list[str] | None, typer.Option("--bucket", help="Also look for run prefixes in this bucket (repeatable).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (no markup).")] = False,
) -> None:
    """Find resources tagged sagecli:run-id (and runs' S3 prefixes) and delete them."""
    from sagecli.aws.cleanup_core import run_cleanup

    run_cleanup(run_id=run_id, older_than=older_than, region=region, buckets=tuple(bucket or ()),
                dry_run=dry_run, yes=yes, json_out=json_out)


def register(app: typer.Typer) -> None:
    """Add `cleanup` to the main app."""
    app.command("cleanup")(cleanup_cmd)
