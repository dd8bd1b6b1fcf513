"""A small run can show drift on undrifted traffic by chance: the monitor step says so instead of a bare alarm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagecli.flow.monitoring import drift_noise_level
from tests.conftest import run_cli


def test_noise_level_is_the_two_sample_ks_critical_value():
    assert drift_noise_level(100, 100) == pytest.approx(1.36 * (2 / 100) ** 0.5)
    assert drift_noise_level(600, 2800) < 0.1 < drift_noise_level(90, 2800)  # the default run is clean
    assert drift_noise_level(0, 100) == float("inf")


def test_small_run_explains_a_chance_drift_alarm(tmp_path: Path):
    res = run_cli("run-demo", "--json", "--rows", "400", "--seed", "7", "--run-dir", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr[-2000:]
    monitor = next(s for s in json.loads(res.stdout)["steps"] if s["name"] == "monitor")
    run_1 = monitor["data"]["run_1"]
    drift = [v for v in run_1["violations"] if v["constraint_check_type"] == "baseline_drift_check"]
    assert drift, "seed 7 with 400 rows gives a chance alarm; pick another seed if the data generator changed"
    assert run_1["noise_level"] > 0.1 and "sampling noise alone" in monitor["summary"]
    assert "violation(s)" in monitor["summary"] and " 1 violations" not in monitor["summary"]


@pytest.mark.parametrize(("args", "expected"), [
    (("--sampling", "0"), "nothing captured (sampling is 0 %): no monitoring run"),
    (("--no-drift",), "no drifted wave (--no-drift)"),
])
def test_monitor_line_counts_captured_not_sent(tmp_path: Path, args, expected):
    res = run_cli("run-demo", "--json", "--rows", "1000", *args, "--run-dir", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr[-2000:]
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    assert expected in steps["monitor"]["summary"]
    assert "(0 requests)" not in steps["monitor"]["summary"]
    if "--no-drift" in args:
        assert steps["monitor"]["summary"].startswith(f"run 1: {steps['invoke']['data']['requests']} captured")
