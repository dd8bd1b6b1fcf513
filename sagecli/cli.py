"""The Typer app: options -> one core call -> render. Nothing heavy is imported here.

Each command group lives in sagecli/commands/<group>.py and registers itself through `register(app)`;
the modules only define options, so importing them is cheap. Core modules are imported inside the
command bodies.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sagecli import __version__
from sagecli.commands import COMMAND_MODULES

app = typer.Typer(
    name="sagecli",
    help="Amazon SageMaker AI decisions, MLA-C01 exam prep and a reference ML lifecycle, from one sourced "
    "knowledge base.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sagecli {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Amazon SageMaker AI decisions, MLA-C01 exam prep and a reference ML lifecycle."""


def _register_all() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"sagecli.commands.{name}").register(app)


_register_all()
