"""run-demo in a real terminal: the live view and its summary table, and Ctrl-C typed at the keyboard."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect

from tests.conftest import ROOT
from tests.flow.procs import server_pids_for


def _spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(tmp_path / "home"), "COLUMNS": "120",
           "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(sys.executable, ["-m", "sagecli", "run-demo", "--run-dir", str(tmp_path / "run"), *args],
                         env=env, encoding="utf-8", timeout=60, dimensions=(40, 120))


def test_live_view_then_summary_table(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "--steps", "evaluate", "--rows", "600")
    child.expect("Run .*: completed in")
    child.expect(r"Test metrics.*auc")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_at_the_keyboard_leaves_no_server(tmp_path: Path) -> None:
    child = _spawn(tmp_path)
    deadline = time.monotonic() + 60
    while not server_pids_for(tmp_path / "run") and time.monotonic() < deadline:
        time.sleep(0.01)
    child.sendintr()  # what Ctrl-C does: SIGINT to the terminal's foreground process group
    child.expect("Interrupted: run")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, (child.exitstatus, child.signalstatus)
    deadline = time.monotonic() + 5
    while server_pids_for(tmp_path / "run") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server_pids_for(tmp_path / "run") == []
