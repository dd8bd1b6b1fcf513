"""The summary after a run: violations grouped by check, artifact paths relative to the run folder."""

from __future__ import annotations

import re
from pathlib import Path

from sagecli.flow.monitoring import WHY, findings
from tests.conftest import run_cli


def test_findings_group_by_check_with_the_reason_once():
    violations = [{"feature_name": "_c0", "constraint_check_type": "baseline_drift_check", "description": "d0"},
                  {"feature_name": "_c1", "constraint_check_type": "baseline_drift_check", "description": "d1"},
                  {"feature_name": "", "constraint_check_type": "extra_column_check", "description": "x"}]
    got = findings(violations, ["age", "spend"])
    assert got == {"baseline_drift_check": {"why": WHY["baseline_drift_check"],
                                            "features": ["_c0 (age): d0", "_c1 (spend): d1"]},
                   "extra_column_check": {"why": WHY["extra_column_check"], "features": ["dataset: x"]}}


def test_relative_paths_under_the_run_folder():
    from sagecli.ui.demo_view import relative_to_run

    run = Path("/tmp/r/runs/abc")
    assert relative_to_run("file:///tmp/r/runs/abc/jobs/j/output/model.tar.gz", run) == "jobs/j/output/model.tar.gz"
    assert relative_to_run("/tmp/r/runs/abc/monitor/baseline", run) == "monitor/baseline"
    assert relative_to_run("s3://bucket/sagecli/abc/transform-output/", run) == "s3://bucket/sagecli/abc/transform-output/"
    assert relative_to_run("/elsewhere/x", run) == "/elsewhere/x"


def test_plain_summary_states_the_reason_once_per_check(tmp_path: Path):
    res = run_cli("run-demo", "--rows", "1000", "--run-dir", str(tmp_path / "run"), env={"COLUMNS": "100"})
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout
    assert out.count(WHY["baseline_drift_check"]) == 1
    pattern = (r"  monitor run_2: monitor/reports/([\w-]+)/\1-schedule/\d{4}/\d{2}/\d{2}/\d{2}/"
               r"constraint_violations\.json")
    assert any(re.fullmatch(pattern, line) for line in out.splitlines()), out[-1500:]
    assert f"Artifacts: {(tmp_path / 'run').resolve()}" in out.splitlines()
