"""The Typer app: options -> one core call -> render. Nothing heavy is imported here.

Each command group lives in sagecli/commands/<group>.py and registers itself through `register(app)`.
The console script builds an app with only the group its command line names (`build_app(sys.argv)`),
so Typer assembles a small command tree; `sagecli.cli.app` (tests, docs) has every group.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sagecli import __version__
from sagecli.commands import COMMAND_MODULES, modules_for
from sagecli.ui.help import apply_help_layout

HELP = "Amazon SageMaker AI decisions, MLA-C01 exam prep and a reference ML lifecycle, from one sourced knowledge base."


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sagecli {__version__}")
        raise typer.Exit()


def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Amazon SageMaker AI decisions, MLA-C01 exam prep and a reference ML lifecycle."""


# Help panels in `sagecli --help`, in this order: learn the facts, decide, run the lifecycle.
PANELS: dict[str, str] = {
    "kb": "Learn", "quiz": "Learn", "stats": "Learn",
    "recommend": "Decide",
    "run-demo": "Run", "registry": "Run", "endpoint": "Run", "monitor": "Run", "cleanup": "Run", "pipeline": "Run",
    "experiments": "Run",
}


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """A sagecli app with the command groups argv needs (every group when argv is None)."""
    import importlib

    app = typer.Typer(
        name="sagecli",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_main)
    names = COMMAND_MODULES if argv is None else modules_for(argv)
    for name in names:
        importlib.import_module(f"sagecli.commands.{name}").register(app)
    for info in [*app.registered_commands, *app.registered_groups]:
        name = info.name or (info.callback.__name__ if info.callback else "")
        if not isinstance(info.rich_help_panel, str) and name in PANELS:
            info.rich_help_panel = PANELS[name]
    if argv is not None and len(argv) > 2:
        _only_command(app, argv[1], argv[2])
    apply_help_layout(app)
    return app


def _only_command(app: typer.Typer, group: str, command: str) -> None:
    """`sagecli recommend instance ...` runs one command of its group: Typer then builds only its options."""
    import copy

    for info in app.registered_groups:
        sub = info.typer_instance
        if info.name == group and sub is not None and any(c.name == command for c in sub.registered_commands):
            pruned = copy.copy(sub)  # the group's own Typer stays whole (`sagecli.cli.app` lists every command)
            pruned.registered_commands = [c for c in sub.registered_commands if c.name == command]
            info.typer_instance = pruned


_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    # `from sagecli.cli import app` builds the full app on first use (PEP 562).
    global _app
    if name == "app":
        if _app is None:
            _app = build_app()
        return _app
    raise AttributeError(name)
