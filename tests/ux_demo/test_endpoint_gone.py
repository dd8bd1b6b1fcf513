"""A kept endpoint whose server died: invoke says so in one line; stop forgets the record."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.conftest import run_cli


def test_invoke_on_a_dead_endpoint_is_one_clear_line(tmp_path: Path):
    res = run_cli("run-demo", "--json", "--keep-endpoint", "--steps", "deploy", "--rows", "400",
                  "--run-dir", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr[-2000:]
    rec = json.loads(run_cli("endpoint", "list", "--json").stdout)[0]
    try:
        os.killpg(int(rec["pid"]), signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while Path(f"/proc/{rec['pid']}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    out = run_cli("endpoint", "invoke", rec["name"], "--body", "1,2,3,4,5,6,7,8")
    assert out.returncode == 1
    assert f"Error: endpoint {rec['name']} is not running" in out.stderr and "Could not connect" not in out.stderr
    stop = run_cli("endpoint", "stop", rec["name"])
    assert stop.returncode == 0 and "was not running; record removed" in stop.stdout
