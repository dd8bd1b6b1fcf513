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


def test_small_run_raises_no_chance_drift_alarm_under_robust(tmp_path: Path):
    """400 rows, seed 7: the raw (Simple) distance passes 0.1 by chance; the container's Robust method does not."""
    from sagecli.monitor.statistics import sketch_values
    from sagecli.monitor.violations import linf_distance

    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--rows", "400", "--seed", "7", "--run-dir", str(run_dir))
    assert res.returncode == 0, res.stderr[-2000:]
    monitor = next(s for s in json.loads(res.stdout)["steps"] if s["name"] == "monitor")
    run_1 = monitor["data"]["run_1"]
    assert [v for v in run_1["violations"] if v["constraint_check_type"] == "baseline_drift_check"] == []
    cons = json.loads((run_dir / "monitor" / "baseline" / "constraints.json").read_text())
    assert cons["monitoring_config"]["distribution_constraints"]["comparison_method"] == "Robust"
    base = json.loads((run_dir / "monitor" / "baseline" / "statistics.json").read_text())["features"]
    run_1_dir = Path(monitor["artifacts"]["run_1"]).parent  # reports/<endpoint>/<schedule>/yyyy/mm/dd/hh
    cur = json.loads((run_1_dir / "statistics.json").read_text())["features"]
    simple = [linf_distance(sketch_values(b), sketch_values(c)) for b, c in zip(base, cur, strict=True)
              if "numerical_statistics" in b and "numerical_statistics" in c]
    assert max(simple) > 0.1, "seed 7 with 400 rows should drift by chance under Simple; pick another seed"
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
