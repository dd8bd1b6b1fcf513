"""Failure paths: a failing training script, bad hyperparameters, Ctrl-C and SIGTERM at any step, missing packages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.flow.procs import pids_with, server_pids_for

FAILING_SCRIPT = """
import os, sys
print("reading", os.environ["SM_CHANNEL_TRAIN"])
with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as fh:
    fh.write("ValueError: the label column has values other than 0 and 1")
sys.exit(3)
"""

USER_SCRIPT = """
import argparse, glob, json, os
import numpy as np, xgboost as xgb
ap = argparse.ArgumentParser()
ap.add_argument("--num_round", type=int)
args, _ = ap.parse_known_args()
data = np.loadtxt(glob.glob(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "*.csv"))[0], delimiter=",")
hps = json.loads(os.environ["SM_HPS"])
booster = xgb.train({"objective": hps["objective"]}, xgb.DMatrix(data[:, 1:], label=data[:, 0]), args.num_round)
print(f"[0]#011train-rows:{len(data)}")
booster.save_model(os.path.join(os.environ["SM_MODEL_DIR"], "xgboost-model"))
"""


def _steps(summary: dict) -> dict[str, dict]:
    return {s["name"]: s for s in summary["steps"]}


def test_failing_training_script_fails_the_job_and_stops_the_flow(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(FAILING_SCRIPT)
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--entry-point", str(script), "--run-dir", str(run_dir), "--rows", "400")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "the label column has values other than 0 and 1" in res.stderr
    steps = _steps(json.loads(res.stdout))
    assert steps["train"]["status"] == "failed"
    assert steps["train"]["data"]["status"] == "Failed"
    assert "training job Failed: ValueError: the label column" in steps["train"]["summary"]
    assert all(steps[s]["status"] == "skipped" for s in ("evaluate", "register", "deploy", "invoke", "monitor"))
    assert steps["teardown"]["status"] == "ok"
    assert server_pids_for(run_dir) == []


def test_bad_hyperparameter_is_a_client_error(tmp_path: Path) -> None:
    res = run_cli("run-demo", "--json", "-H", "objective=binary:nonsense", "--steps", "train",
                  "--run-dir", str(tmp_path), "--rows", "400")
    assert res.returncode == 1
    summary = json.loads(res.stdout)
    assert "ClientError: Hyperparameter objective" in _steps(summary)["train"]["summary"]
    job = next((tmp_path / "jobs").iterdir())
    assert (job / "output" / "failure").read_text().startswith("ClientError:")


def test_user_entry_point_follows_the_same_contract(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(USER_SCRIPT)
    res = run_cli("run-demo", "--json", "--entry-point", str(script), "--steps", "evaluate", "-H", "num_round=5",
                  "--run-dir", str(tmp_path / "run"), "--rows", "600")
    assert res.returncode == 0, res.stderr
    steps = _steps(json.loads(res.stdout))
    assert steps["train"]["data"]["final_metrics"] == {"train:rows": 420.0}
    assert 0.5 < steps["evaluate"]["data"]["metrics"]["auc"] <= 1.0


def _start_demo(run_dir: Path, home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "sagecli", "run-demo", "--json", "--run-dir", str(run_dir), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(pred, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


SLOW_SCRIPT = "import time\nprint('training slowly', flush=True)\ntime.sleep(120)\n"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_training_kills_the_job(tmp_path: Path, sig: signal.Signals) -> None:
    script = tmp_path / "slow_train.py"
    script.write_text(SLOW_SCRIPT)
    run_dir = tmp_path / "run"
    proc = _start_demo(run_dir, tmp_path / "home", "--entry-point", str(script), "--rows", "400")
    job_marker = f"SAGEMAKER_BASE_DIR={run_dir}"  # only the training job's process has this
    try:
        _wait_for(lambda: bool(pids_with(job_marker)))
        time.sleep(0.2)  # let it print, so the interrupt lands mid-job
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Interrupted: run" in err
    _wait_for(lambda: pids_with(job_marker) == [], timeout=5)


def test_ctrl_c_with_a_live_endpoint_stops_the_server(tmp_path: Path) -> None:
    run_dir, home = tmp_path / "run", tmp_path / "home"
    proc = _start_demo(run_dir, home)  # SIGINT lands while the server starts or serves
    try:
        _wait_for(lambda: bool(server_pids_for(run_dir)))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    _wait_for(lambda: server_pids_for(run_dir) == [], timeout=5)
    assert not list((home / "endpoints").glob("*.json"))


def test_missing_optional_package_gives_an_install_hint(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    (fake / "xgboost").mkdir(parents=True)
    (fake / "xgboost" / "__init__.py").write_text("raise ImportError('No module named xgboost')\n")
    res = run_cli("run-demo", "--run-dir", str(tmp_path / "run"), env={"PYTHONPATH": f"{fake}{os.pathsep}{ROOT}"})
    assert res.returncode == 1
    assert "Error: the demo needs xgboost" in res.stderr
    assert "pip install 'sagecli[demo]'" in res.stderr
    assert "Traceback" not in res.stderr
