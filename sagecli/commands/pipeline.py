"""`sagecli pipeline run FILE`: a SageMaker Pipelines definition run on this machine, with step caching."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

pipeline_app = typer.Typer(help="Run a SageMaker Pipelines definition (run-demo --export-pipeline) on this machine.",
                           no_args_is_help=True)


@pipeline_app.command("run")
def pipeline_run(
    file: Annotated[Path, typer.Argument(help="The definition JSON (from run-demo --export-pipeline).")],
    parameter: Annotated[list[str] | None, typer.Option(
        "--parameter", "-p", metavar="NAME=VALUE",
        help="A pipeline parameter for this execution, e.g. MinAuc=0.9 (repeatable).")] = None,
    run_dir: Annotated[Path | None, typer.Option(help="Artifact folder (default $SAGECLI_HOME/runs/<run-id>).")]
    = None,
    pipeline_name: Annotated[str, typer.Option(help="The pipeline's name: step caching is per pipeline.")]
    = "sagecli-demo",
    cache: Annotated[bool, typer.Option(help="Reuse earlier runs of cacheable steps (CacheConfig).")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (no markup).")] = False,
) -> None:
    """Run a pipeline definition locally: its graph, its condition, and step caching under $SAGECLI_HOME."""
    from sagecli.commands.pipeline_run import parse_parameters, run_and_report
    from sagecli.flow.pipeline_runner import load_definition

    definition = load_definition(file)
    run_and_report(definition, parse_parameters(parameter or []), run_dir, json_out, name=pipeline_name,
                   use_cache=cache)


def register(app: typer.Typer) -> None:
    """Add the pipeline group to the main app."""
    app.add_typer(pipeline_app, name="pipeline")
