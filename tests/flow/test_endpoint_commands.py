"""--keep-endpoint leaves a working endpoint; `sagecli endpoint list|invoke|stop` manage it. Input modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.flow.procs import server_pids_for


def test_keep_endpoint_then_list_invoke_stop(tmp_path: Path) -> None:
    home = {"SAGECLI_HOME": str(tmp_path / "home")}
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--keep-endpoint", "--steps", "deploy", "--rows", "800",
                  "--run-dir", str(run_dir), env=home)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    teardown = next(s for s in summary["steps"] if s["name"] == "teardown")
    assert teardown["data"]["kept_endpoint"] is True
    try:
        listing = json.loads(run_cli("endpoint", "list", "--json", env=home).stdout)
        assert len(listing) == 1 and listing[0]["status"] == "InService"
        name = listing[0]["name"]
        assert listing[0]["url"].startswith("http://127.0.0.1:")
        inv = run_cli("endpoint", "invoke", name, "--body", "45,12,60.5,7.2,1,0,2,1", env=home)
        assert inv.returncode == 0, inv.stderr
        assert 0.0 <= float(inv.stdout.strip()) <= 1.0
        bad = run_cli("endpoint", "invoke", name, "--body", "not,numbers", env=home)
        assert bad.returncode == 1 and "ModelError" in bad.stderr and "Traceback" not in bad.stderr
        # the XGBoost container's request types: LIBSVM is scored, JSON is refused with its 415
        svm = run_cli("endpoint", "invoke", name, "--body", "1:45 2:12 3:60.5 4:7.2 5:1 6:0 7:2 8:1",
                      "--content-type", "text/libsvm", env=home)
        assert svm.returncode == 0 and svm.stdout == inv.stdout, svm.stderr
        js = run_cli("endpoint", "invoke", name, "--body", '{"instances": [[45, 12, 60.5, 7.2, 1, 0, 2, 1]]}',
                     "--content-type", "application/json", env=home)
        assert js.returncode == 1 and "(415)" in js.stderr and "not an accepted ContentType" in js.stderr
        assert "Traceback" not in js.stderr
    finally:
        stop = run_cli("endpoint", "stop", listing[0]["name"] if listing else "x", env=home)
    assert stop.returncode == 0 and "Stopped" in stop.stdout
    assert server_pids_for(run_dir) == []
    assert json.loads(run_cli("endpoint", "list", "--json", env=home).stdout) == []


def test_unknown_endpoint_is_one_line_error(tmp_path: Path) -> None:
    res = run_cli("endpoint", "stop", "nope")
    assert res.returncode == 1 and res.stderr.startswith("Error: no local endpoint named 'nope'")


@pytest.mark.parametrize("mode", ["fastfile", "pipe"])
def test_input_modes_train_the_same_model(tmp_path: Path, mode: str) -> None:
    res = run_cli("run-demo", "--json", "--steps", "train", "--input-mode", mode, "--rows", "600",
                  "--run-dir", str(tmp_path))
    assert res.returncode == 0, res.stderr
    train = next(s for s in json.loads(res.stdout)["steps"] if s["name"] == "train")
    job = Path(train["artifacts"]["job_dir"])
    cfg = json.loads((job / "input/config/inputdataconfig.json").read_text())
    if mode == "pipe":
        assert cfg["train"]["TrainingInputMode"] == "Pipe"
        assert (job / "input/data/train_0").is_fifo()
    else:
        assert cfg["train"]["TrainingInputMode"] == "FastFile"
        assert (job / "input/data/train").is_symlink()  # read in place, not copied
    assert train["data"]["status"] == "Completed"


def test_bad_input_mode_is_usage_error(tmp_path: Path) -> None:
    res = run_cli("run-demo", "--input-mode", "stream", "--run-dir", str(tmp_path))
    assert res.returncode == 2 and "unknown input mode 'stream'" in res.stderr


def test_plain_output_when_not_a_terminal(tmp_path: Path) -> None:
    res = run_cli("run-demo", "--steps", "register", "--rows", "600", "--run-dir", str(tmp_path / "run"),
                  env={"SAGECLI_HOME": str(tmp_path / "home")})
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert any(ln.startswith("ok      process") for ln in lines)
    assert any(ln.startswith("ok      register") and "sagecli-demo-churn v1" in ln for ln in lines)
    assert "Test metrics: auc" in res.stdout and "\x1b[" not in res.stdout
    shown = run_cli("registry", "show", "sagecli-demo-churn", env={"SAGECLI_HOME": str(tmp_path / "home")})
    assert shown.returncode == 0 and "sagecli-demo-churn: 1 version(s)" in shown.stdout
    listed = run_cli("registry", "list", env={"SAGECLI_HOME": str(tmp_path / "home")})
    assert "sagecli-demo-churn" in listed.stdout
    missing = run_cli("registry", "show", "nope", env={"SAGECLI_HOME": str(tmp_path / "home")})
    assert missing.returncode == 1 and missing.stderr.startswith("Error: no model package group 'nope'")


def test_stale_record_never_signals_a_reused_pid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from sagecli.serve.state import save_endpoint

    bystander = subprocess.Popen(["sleep", "30"])
    try:
        monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
        save_endpoint({"name": "stale", "url": "http://127.0.0.1:9", "port": 9, "pid": bystander.pid,
                       "variant": "AllTraffic", "run_id": "old"})
        home = {"SAGECLI_HOME": str(tmp_path / "home")}
        listed = json.loads(run_cli("endpoint", "list", "--json", env=home).stdout)
        assert listed[0]["status"] == "Stopped"
        res = run_cli("endpoint", "stop", "stale", env=home)
        assert res.returncode == 0 and "was not running" in res.stdout
        assert bystander.poll() is None  # still alive
    finally:
        bystander.kill()
        bystander.wait()
