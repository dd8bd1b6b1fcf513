"""Runs written to a real MLflow SQLite store and read back by list, show and compare (no server, no network)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sagecli.contracts import FlowOptions
from sagecli.errors import SageCliError, UsageError
from sagecli.experiments import query
from sagecli.experiments.settings import TrackingSettings
from sagecli.experiments.store import Recorder, tracking_line
from tests.conftest import shared_dir
from tests.experiments.conftest import RUN_ID, TRIALS, TUNING, make_run

pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> TrackingSettings:
    """Two recorded demos: RUN_ID (with tune) and a second one without tune and another eta.

    Recorded once per test run for every xdist worker (shared_dir); the tests only read the store."""

    def settings_for(root: Path) -> TrackingSettings:
        return TrackingSettings(f"sqlite:///{root / 'mlflow.db'}", "sagecli-demo", "default",
                                (root / "artifacts").as_uri())

    def build(root: Path) -> None:
        settings = settings_for(root)
        first = make_run(root / "a")
        info = Recorder(settings).start().record(first, FlowOptions(rows=500))
        assert info["runs"] == 6 and info["run_name"] == RUN_ID, info
        assert "Tracked in MLflow experiment sagecli-demo: 6 runs" in tracking_line(info)
        second = copy.deepcopy(make_run(root / "b", with_tune=False))
        second["run_id"] = "20260101-130000-c0ffee"
        train = next(s for s in second["steps"] if s["name"] == "train")
        train["data"]["hyperparameters"]["eta"] = "0.3"
        train["data"]["job_name"] = "sagecli-20260101-130000-c0ffee-train"
        assert "mlflow_run_id" in Recorder(settings).start().record(second, FlowOptions(rows=500))

    return settings_for(shared_dir(tmp_path_factory, "experiments-store", build))


def test_list_shows_demo_runs_newest_first_and_all_shows_the_tree(store):
    names = [r["name"] for r in query.list_runs(store)["runs"]]
    assert names == ["20260101-130000-c0ffee", RUN_ID]
    tree = [(r["depth"], r["name"]) for r in query.list_runs(store, every=True)["runs"]]
    assert tree == [(0, "20260101-130000-c0ffee"), (1, "sagecli-20260101-130000-c0ffee-train"), (0, RUN_ID),
                    (1, f"sagecli-{RUN_ID}-train"), (1, TUNING), *((2, t) for t in TRIALS)]
    assert [r["name"] for r in query.list_runs(store, limit=1)["runs"]] == ["20260101-130000-c0ffee"]


def test_show_a_demo_run_by_name_or_mlflow_id(store):
    run = query.show_run(store, RUN_ID)
    assert run["kind"] == "demo" and run["status"] == "FINISHED" and run["duration_s"] == 9.5
    assert run["params"]["rows"] == "500" and run["metrics"]["test_auc"] == 0.85
    assert run["tags"]["sagecli.model_package_version"] == "sagecli-demo-churn/3"
    assert [c["name"] for c in run["children"]] == [f"sagecli-{RUN_ID}-train", TUNING]
    assert run["curves"]["run"] == f"sagecli-{RUN_ID}-train"
    assert run["curves"]["series"]["validation_auc"] == [[0, 0.78], [1, 0.81], [2, 0.83]]
    assert [t["objective"] for t in run["trials"]["trials"]] == [0.84, 0.86, 0.80]
    assert run["trials"]["best"] == TRIALS[1] and [t["early_stopped"] for t in run["trials"]["trials"]] == [
        False, False, True]
    assert query.show_run(store, run["mlflow_run_id"])["name"] == RUN_ID


def test_show_a_trial_draws_its_own_curve(store):
    run = query.show_run(store, TRIALS[2])
    assert run["kind"] == "trial" and run["status"] == "KILLED"
    assert run["curves"]["series"] == {"validation_auc": [[0, 0.79]], "train_auc": [[0, 0.8]]}
    assert run["trials"] is None


@pytest.mark.parametrize("ref", ["no-such-run", "x' OR 1=1 --", "0" * 32, "20260101"])
def test_an_unknown_run_is_one_error_line(store, ref):
    with pytest.raises(SageCliError, match=r"^no run .* in experiment sagecli-demo") as err:
        query.show_run(store, ref)
    assert "experiments list" in (err.value.hint or "")


def test_compare_puts_runs_side_by_side_with_the_trials(store):
    data = query.compare_runs(store, [RUN_ID, "20260101-130000-c0ffee"])
    assert [r["name"] for r in data["runs"]] == [RUN_ID, "20260101-130000-c0ffee"]
    assert data["params"]["eta"] == ["0.2", "0.3"] and data["params"]["rows"] == ["500", "500"]
    assert data["metrics"]["tune_best_validation_auc"] == [0.86, None]
    assert [(t["run"], t["tuning_run"]) for t in data["tuning"]] == [(RUN_ID, TUNING)]
    tuning = query.compare_runs(store, [TUNING, TRIALS[0]])["tuning"]
    assert [t["tuning_run"] for t in tuning] == [TUNING]  # a tuning run given directly shows its trials too


def test_compare_needs_two_to_six_runs(store):
    with pytest.raises(UsageError, match="at least two"):
        query.compare_runs(store, [RUN_ID])
    with pytest.raises(UsageError, match="at most 6"):
        query.compare_runs(store, [RUN_ID] * 7)


def test_reading_an_empty_home_creates_no_database(tmp_path: Path):
    settings = TrackingSettings(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert query.list_runs(settings)["runs"] == []
    with pytest.raises(SageCliError, match="no run"):
        query.show_run(settings, RUN_ID)
    assert not (tmp_path / "mlflow.db").exists()


def test_a_store_that_cannot_be_written_is_one_line_not_a_failure(tmp_path: Path, demo_run):
    bad = tmp_path / "not-a-db"
    bad.write_text("this is not SQLite")
    info = Recorder(TrackingSettings(f"sqlite:///{bad}")).start().record(demo_run)
    assert "error" in info and "mlflow_run_id" not in info
    line = tracking_line(info)
    assert line.startswith("Not tracked: recording to sqlite:///") and "\n" not in line


def test_an_interrupted_demo_records_nothing_and_the_process_ends(tmp_path: Path):
    """The demo never sends a result (Ctrl-C, SIGTERM): stdin closes, the recording process exits by itself."""
    settings = TrackingSettings(f"sqlite:///{tmp_path / 'mlflow.db'}")
    recorder = Recorder(settings).start()
    proc = recorder._proc
    assert proc is not None
    proc.stdin.close()  # what the demo's exit does to the pipe
    assert proc.wait(timeout=120) == 0 and proc.stdout.read() == ""
    assert query.list_runs(settings)["runs"] == []


def test_without_mlflow_the_demo_goes_on_and_says_so_in_one_line(monkeypatch, tmp_path: Path, demo_run):
    from sagecli.experiments import store as store_module

    monkeypatch.setattr(store_module, "mlflow_installed", lambda: False)
    info = Recorder(TrackingSettings(f"sqlite:///{tmp_path / 'mlflow.db'}")).start().record(demo_run)
    assert info["skipped"] == "MLflow is not installed"
    assert tracking_line(info) == ("Not tracked: MLflow is not installed (pip install 'sagecli[tracking]' "
                                   "(mlflow-skinny, sqlalchemy, alembic); --no-track hides this line).")
    assert not (tmp_path / "mlflow.db").exists()
