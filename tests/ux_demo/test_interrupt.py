"""Ctrl-C: the one line printed afterwards says what teardown actually did."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagecli.contracts import FlowOptions
from sagecli.errors import SageCliError
from sagecli.flow import backends
from sagecli.flow.backends.local import LocalBackend
from sagecli.flow.runner import run_flow


class InterruptAtInvoke(LocalBackend):
    """Ctrl-C during the first InvokeEndpoint call."""

    def invoke(self, *args, **kwargs):
        raise KeyboardInterrupt


class InterruptAndTeardownFails(InterruptAtInvoke):
    """Ctrl-C, then teardown cannot delete something."""

    def teardown(self, keep_endpoint: bool = False):
        super().teardown(keep_endpoint)
        raise SageCliError("could not delete 1 resource(s): Endpoint x")


@pytest.mark.parametrize(("name", "expected"), [
    ("InterruptAtInvoke", "removed 1 resource(s)"),
    ("InterruptAndTeardownFails", "teardown failed: could not delete 1 resource(s): Endpoint x"),
])
def test_interrupt_carries_the_teardown_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name, expected):
    monkeypatch.setitem(backends.BACKENDS, "ux-interrupt", f"tests.ux_demo.test_interrupt:{name}")
    with pytest.raises(KeyboardInterrupt) as stop:
        run_flow("ux-interrupt", FlowOptions(rows=400, steps=("invoke",)), tmp_path / "run", "r-int")
    assert stop.value.args == (expected,)


def test_the_printed_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    from sagecli.commands.demo_run import run_and_report

    monkeypatch.setitem(backends.BACKENDS, "ux-interrupt", "tests.ux_demo.test_interrupt:InterruptAndTeardownFails")
    with pytest.raises(KeyboardInterrupt):
        run_and_report("ux-interrupt", FlowOptions(rows=400, steps=("invoke",)), tmp_path / "run", json_out=True)
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("Interrupted: run ") and "teardown failed" in err and "sagecli cleanup --run-id" in err
