"""The real CLI: run-demo records into MLflow, `sagecli experiments list|show|compare` read it back at 80 columns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clifork import MLFLOW
from tests.conftest import ROOT, run_cli, shared_dir

pytest.importorskip("mlflow")

DEMO = ["run-demo", "--steps", "process,train,tune,evaluate,register", "--rows", "400", "--tune-max-jobs", "3"]
ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/demo"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> dict[str, str]:
    """Two tracked demos with tuning (the second with another eta): the view's run, then a --json run.

    Built once per test run for every xdist worker (shared_dir); the tests only read it."""

    def build(folder: Path) -> None:
        env = {"SAGECLI_HOME": str(folder), "SAGECLI_TRACK": "1", "COLUMNS": "80", "NO_COLOR": "1"}
        first = run_cli(*DEMO, env=env, timeout=300)
        assert first.returncode == 0, first.stderr
        # The second demo runs in a plain interpreter that then lists the heavy modules it holds: the demo's
        # own process must never import MLflow (test_the_demo_process_never_imports_mlflow reads the line).
        code = ("import sys\nfrom sagecli.__main__ import main\n"
                f"sys.argv = {['sagecli', *DEMO, '-H', 'eta=0.3', '--json']!r}\n"
                "code = 0\ntry:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
                "print('HEAVY:' + ','.join(m for m in ('mlflow', 'sqlalchemy') if m in sys.modules))\n"
                "sys.exit(code)\n")
        second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **env})
        assert second.returncode == 0, second.stderr
        *demo_out, heavy = second.stdout.strip().splitlines()
        (folder / "first.txt").write_text(first.stdout)
        (folder / "second.json").write_text("\n".join(demo_out) + "\n")
        (folder / "heavy.txt").write_text(heavy)

    folder = shared_dir(tmp_path_factory, "tracked-home", build)
    return {"SAGECLI_HOME": str(folder), "COLUMNS": "80", "NO_COLOR": "1",
            "FIRST_STDOUT": (folder / "first.txt").read_text(), "SECOND_JSON": (folder / "second.json").read_text(),
            "SECOND_HEAVY": (folder / "heavy.txt").read_text()}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={k: env[k] for k in ("SAGECLI_HOME", "COLUMNS", "NO_COLOR")}, timeout=120,
                   preload=MLFLOW)  # forked from a server that holds mlflow already


def _fits(text: str) -> None:
    assert text.strip()
    assert max(len(line) for line in text.splitlines()) <= 80, text


def test_the_demo_says_where_it_was_tracked(home):
    line = next(ln for ln in home["FIRST_STDOUT"].splitlines() if ln.startswith("Tracked in MLflow"))
    assert re.fullmatch(r"Tracked in MLflow experiment sagecli-demo: 6 runs in \d+\.\ds after the flow; "
                        r"see: sagecli experiments show \d{8}-\d{6}-[0-9a-f]{6}", line), line
    tracking = json.loads(home["SECOND_JSON"])["tracking"]
    assert tracking["runs"] == 6 and tracking["experiment"] == "sagecli-demo"
    assert tracking["tracking_uri"] == f"sqlite:///{home['SAGECLI_HOME']}/mlflow.db"
    assert 0 <= tracking["record_s"] < 30 and tracking["import_s"] > 0  # the import ran while the flow did


def test_list_one_line_per_run_at_80_columns(home):
    res = _cli(home, "experiments", "list")
    assert res.returncode == 0, res.stderr
    _fits(res.stdout)
    second = json.loads(home["SECOND_JSON"])["run_id"]
    lines = res.stdout.splitlines()
    assert lines[0] == "Experiment sagecli-demo: 2 demo run(s), newest first"
    assert lines[2].startswith(second) and "FINISHED  local" in lines[2] and lines[2].endswith("Approved")
    data = json.loads(_cli(home, "experiments", "list", "--all", "--json").stdout)
    assert [r["depth"] for r in data["runs"]] == [0, 1, 1, 2, 2, 2] * 2
    assert {r["kind"] for r in data["runs"]} == {"demo", "training-job", "tuning-job", "trial"}


def test_show_prints_params_metrics_curve_and_trials(home):
    run_id = json.loads(home["SECOND_JSON"])["run_id"]
    res = _cli(home, "experiments", "show", run_id)
    assert res.returncode == 0, res.stderr
    _fits(res.stdout)
    out = res.stdout
    assert out.startswith(f"{run_id}  demo  FINISHED")
    for part in ("Parameters", "eta 0.3", "Metrics (last value)", "test_auc", f"By boosting round (sagecli-{run_id}",
                 "• validation_auc   · train_auc", f"Trials of tune-{run_id}: validation_auc (Maximize)"):
        assert part in out
    assert sum(1 for line in out.splitlines() if "┤" in line) == 10  # the chart's rows
    data = json.loads(_cli(home, "experiments", "show", run_id, "--json").stdout)
    assert len(data["curves"]["series"]["validation_auc"]) == 60  # one point per boosting round
    assert len(data["trials"]["trials"]) == 3


def test_compare_two_runs_side_by_side(home):
    names = [r["name"] for r in json.loads(_cli(home, "experiments", "list", "--json").stdout)["runs"]]
    res = _cli(home, "experiments", "compare", *names)
    assert res.returncode == 0, res.stderr
    _fits(res.stdout)
    lines = res.stdout.splitlines()
    assert lines[0].startswith(f"A  {names[0]}  demo") and lines[1].startswith(f"B  {names[1]}  demo")
    assert "parameters that differ:" in lines
    eta = next(line for line in lines if line.startswith("eta "))
    assert eta.split() == ["eta", "0.3", "0.2"]
    assert sum(1 for line in lines if line.startswith("Trials of tune-")) == 2


def test_a_bad_run_id_is_one_error_line(home):
    res = _cli(home, "experiments", "show", "no-such-run")
    assert res.returncode == 1 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("Error: no run 'no-such-run' in experiment sagecli-demo") and len(lines) == 2
    err = json.loads(_cli(home, "experiments", "compare", "no-such-run", "x", "--json").stderr)
    assert err["hint"] == "list runs with: sagecli experiments list --all"


def test_no_track_records_nothing(cli, sagecli_home):
    res = cli("run-demo", "--steps", "process,train", "--rows", "200", "--no-track", "--json",
              env={"SAGECLI_TRACK": "1"})
    assert res.returncode == 0, res.stderr
    assert "tracking" not in json.loads(res.stdout)
    assert not (sagecli_home / "mlflow.db").exists()
    listed = cli("experiments", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("No runs in experiment sagecli-demo yet.")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--mlflow-arn", ARN], 2, "Error: --mlflow-arn only applies to --backend sagemaker"),
    (["--backend", "sagemaker", "--mlflow-arn", "arn:aws:sagemaker:us-east-1:1:mlflow-app/x"], 2,
     "Error: --mlflow-arn 'arn:aws:sagemaker:us-east-1:1:mlflow-app/x' is not a SageMaker managed MLflow ARN"),
    (["--no-track", "--tracking-uri", "sqlite:////tmp/x.db"], 2, "Error: --no-track cannot be combined"),
])
def test_bad_tracking_options_stop_before_the_run(cli, sagecli_home, args, code, message):
    res = cli("run-demo", *args)
    assert res.returncode == code and res.stderr.startswith(message), res.stderr
    assert "Traceback" not in res.stderr and not (sagecli_home / "runs").exists()


def test_an_arn_without_the_plugin_says_so_in_one_line(cli, sagecli_home):
    import importlib.util

    if importlib.util.find_spec("sagemaker_mlflow") is not None:
        pytest.skip("sagemaker-mlflow is installed here")
    res = cli("run-demo", "--backend", "sagemaker", "--mlflow-arn", ARN, "--yes")
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        "Error: --mlflow-arn is a SageMaker MLflow ARN, which needs the sagemaker-mlflow plugin (not installed)",
        "Hint: pip install sagemaker-mlflow"]
    assert not (sagecli_home / "runs").exists()


@pytest.mark.parametrize("argv", [["--help"], ["experiments", "--help"], ["run-demo", "--help"],
                                  ["experiments", "list", "--help"]])
def test_mlflow_is_not_imported_at_start_up(argv):
    code = ("import sys\nfrom sagecli.__main__ import main\n"
            f"sys.argv = {['sagecli', *argv]!r}\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY:' + ','.join(m for m in ('mlflow', 'sqlalchemy', 'alembic') if m in sys.modules))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_the_demo_process_never_imports_mlflow(home):
    """The recording process does: the demo's own process stays as light as without tracking.

    The shared home's second demo (tracked, with tuning) ran in a plain interpreter that listed its modules."""
    assert json.loads(home["SECOND_JSON"])["tracking"]["runs"] == 6
    assert home["SECOND_HEAVY"] == "HEAVY:"


def test_experiments_is_in_the_run_panel_of_help(cli):
    res = cli("--help")
    run_panel = res.stdout[res.stdout.index("Run"):]
    assert "experiments" in run_panel


def test_a_server_that_does_not_answer_is_one_error_line(cli):
    res = cli("experiments", "list", "--tracking-uri", "http://127.0.0.1:1",
              env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert res.returncode == 1 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("Error: cannot read MLflow at http://127.0.0.1:1: ") and len(lines) == 2
    assert lines[1] == "Hint: check --tracking-uri or MLFLOW_TRACKING_URI"


def test_without_mlflow_the_commands_say_what_to_install(monkeypatch):
    from typer.testing import CliRunner

    from sagecli.cli import app
    from sagecli.errors import SageCliError
    from sagecli.experiments import settings

    monkeypatch.setattr(settings, "mlflow_installed", lambda: False)
    err = CliRunner().invoke(app, ["experiments", "list"]).exception  # __main__ turns it into the error line
    assert isinstance(err, SageCliError)
    assert err.message == "sagecli experiments needs MLflow, which is not installed"
    assert err.hint is not None and err.hint.startswith("pip install 'sagecli[tracking]'")
