"""The flow runner against the Backend protocol: step planning, failure stops the flow, teardown always runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sagecli.contracts import Backend, FlowOptions, RunContext
from sagecli.errors import SageCliError, UsageError
from sagecli.flow import backends
from sagecli.flow.backends.local import LocalBackend
from sagecli.flow.runner import plan_steps, run_flow


class FailingDeploy(LocalBackend):
    """Everything local, except that CreateEndpoint fails."""

    def deploy(self, request):
        raise SageCliError("ResourceLimitExceeded: no capacity for ml.m5.xlarge")

    def teardown(self, keep_endpoint: bool = False):
        FailingDeploy.teardowns += 1
        return super().teardown(keep_endpoint)


class InterruptedInvoke(LocalBackend):
    """A Ctrl-C arrives during the first InvokeEndpoint call."""

    def invoke(self, *args, **kwargs):
        raise KeyboardInterrupt


FailingDeploy.teardowns = 0


@pytest.fixture
def fake_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(backends.BACKENDS, "failing-deploy", "tests.flow.test_runner:FailingDeploy")
    monkeypatch.setitem(backends.BACKENDS, "interrupted-invoke", "tests.flow.test_runner:InterruptedInvoke")


def test_plan_adds_prerequisites_in_flow_order() -> None:
    assert plan_steps(("monitor",)) == (
        ["process", "train", "evaluate", "register", "deploy", "invoke", "monitor", "teardown"],
        ["process", "train", "evaluate", "register", "deploy", "invoke"])
    assert plan_steps(("process",)) == (["process"], [])
    with pytest.raises(UsageError):
        plan_steps(("deploy", "bogus"))


def test_local_backend_satisfies_the_protocol(tmp_path: Path) -> None:
    ctx = RunContext(run_id="r", run_dir=tmp_path, options=FlowOptions())
    assert isinstance(LocalBackend(ctx), Backend)


def test_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        run_flow("nowhere", FlowOptions(), tmp_path, "r")


def test_a_failed_step_stops_the_flow_and_tears_down(tmp_path: Path, fake_backends) -> None:
    seen = []
    result = run_flow("failing-deploy", FlowOptions(rows=600), tmp_path, "r1",
                      observer=lambda r: seen.append((r.name, r.status)))
    assert result.ok is False and result.error.startswith("deploy: ResourceLimitExceeded")
    status = {s.name: s.status for s in result.steps}
    assert status == {"process": "ok", "train": "ok", "evaluate": "ok", "register": "ok", "deploy": "failed",
                      "invoke": "skipped", "transform": "skipped", "monitor": "skipped", "teardown": "ok"}
    assert FailingDeploy.teardowns == 1
    assert ("deploy", "running") in seen and ("teardown", "ok") in seen


def test_ctrl_c_inside_a_step_tears_down_and_propagates(tmp_path: Path, fake_backends) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_flow("interrupted-invoke", FlowOptions(rows=600), tmp_path, "r2")
    from tests.flow.procs import server_pids_for

    assert server_pids_for(tmp_path) == []


def test_flow_modules_import_nothing_heavy() -> None:
    code = ("import sys, sagecli.contracts, sagecli.flow.runner, sagecli.flow.backends; "
            "print(sorted(m for m in ('numpy', 'xgboost', 'boto3', 'rich', 'granian') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_same_seed_same_run(tmp_path: Path) -> None:
    a = run_flow("local", FlowOptions(rows=600, seed=5, steps=("evaluate",)), tmp_path / "a", "a")
    b = run_flow("local", FlowOptions(rows=600, seed=5, steps=("evaluate",)), tmp_path / "b", "b")
    c = run_flow("local", FlowOptions(rows=600, seed=6, steps=("evaluate",)), tmp_path / "c", "c")
    metrics = [r.step("evaluate").data["metrics"] for r in (a, b, c)]
    assert metrics[0] == metrics[1] != metrics[2]
    assert (tmp_path / "a/data/train/train.csv").read_bytes() == (tmp_path / "b/data/train/train.csv").read_bytes()


def test_sampling_zero_captures_nothing_and_raises_no_alarm(tmp_path: Path) -> None:
    result = run_flow("local", FlowOptions(rows=600, sampling_percentage=0, steps=("monitor",)), tmp_path, "s0")
    mon = result.step("monitor")
    assert result.ok and mon.status == "ok"
    assert mon.data["run_1"] == {"records": 0, "violations": []}
    assert mon.data["run_2"]["records"] == 0 and "sampling is 0 %" in mon.summary


def test_condition_step_rejects_and_gates_what_follows(tmp_path: Path) -> None:
    result = run_flow("local", FlowOptions(rows=600, min_auc=0.999), tmp_path, "rej")
    status = {s.name: s.status for s in result.steps}
    assert result.ok
    assert status["register"] == "ok" and result.step("register").data["approval_status"] == "Rejected"
    assert {status[s] for s in ("deploy", "invoke", "transform", "monitor")} == {"skipped"}
    assert "not approved" in result.step("deploy").summary
