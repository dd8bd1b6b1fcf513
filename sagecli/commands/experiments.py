"""`sagecli experiments list|show|compare`: the runs run-demo recorded in MLflow (mlflow is imported only here)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

experiments_app = typer.Typer(help="Runs, parameters and metrics that run-demo recorded in MLflow.",
                              no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (no markup).")]
UriOpt = Annotated[str | None, typer.Option(help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else the "
                                                 "SQLite file under $SAGECLI_HOME).")]
RunArg = Annotated[str, typer.Argument(help="Run name (a sagecli run id, a job or trial name) or MLflow run id.",
                                       show_default=False)]


def _settings(tracking_uri: str | None) -> Any:
    """The TrackingSettings to read (imported here, not at start-up)."""
    from sagecli.errors import SageCliError
    from sagecli.experiments.settings import INSTALL_HINT, mlflow_installed, resolve

    settings = resolve(tracking_uri)
    if not mlflow_installed():
        raise SageCliError("sagecli experiments needs MLflow, which is not installed", hint=INSTALL_HINT)
    return settings


def _read(query: str, settings: Any, *args: Any, **kwargs: Any) -> Any:
    """Call sagecli.experiments.query.<query>; a store MLflow cannot read is one error line, not a traceback."""
    from sagecli.errors import SageCliError
    from sagecli.experiments import query as q

    try:
        return getattr(q, query)(settings, *args, **kwargs)
    except SageCliError:
        raise
    except Exception as exc:
        if not type(exc).__module__.startswith(("mlflow", "sqlalchemy")):
            raise
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SageCliError(f"cannot read MLflow at {settings.uri}: {text[:300]}",
                           hint="check --tracking-uri or MLFLOW_TRACKING_URI") from None


def _emit(data: object, json_out: bool, view: str) -> None:
    if json_out:
        from sagecli.output import emit_json

        emit_json(data)
    else:
        import importlib

        getattr(importlib.import_module("sagecli.ui.experiments_view"), view)(data)


@experiments_app.command("list")
def list_cmd(
    every: Annotated[bool, typer.Option("--all", help="Every run: training jobs, tuning jobs and trials "
                                                      "too.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Show at most this many runs.")] = 20,
    tracking_uri: UriOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List tracked runs, newest first, one line each."""
    _emit(_read("list_runs", _settings(tracking_uri), limit=limit, every=every), json_out, "render_list")


@experiments_app.command("show")
def show_cmd(run: RunArg, tracking_uri: UriOpt = None, json_out: JsonOpt = False) -> None:
    """Show a run: parameters, metrics, child runs, the metric curve and any tuning trials."""
    _emit(_read("show_run", _settings(tracking_uri), run), json_out, "render_show")


@experiments_app.command("compare")
def compare_cmd(
    runs: Annotated[list[str], typer.Argument(help="Two to six runs (names or MLflow run ids).",
                                              show_default=False)],
    tracking_uri: UriOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare runs side by side: metrics, differing parameters, and the trials' objective of tuning runs."""
    _emit(_read("compare_runs", _settings(tracking_uri), runs), json_out, "render_compare")


def register(app: typer.Typer) -> None:
    """Add the experiments group to the main app."""
    app.add_typer(experiments_app, name="experiments")
