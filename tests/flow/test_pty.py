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


SLOW_LONG_LINES = (
    "import time\n"
    "for i in range(300):\n"
    "    print(f'[{i}]#011train-auc:0.9#011validation-auc:0.8 and a long message that fills an 80 column line',"
    " flush=True)\n"
    "    time.sleep(0.1)\n"
)
SPINNER = {chr(c) for c in range(0x2800, 0x2900)}  # rich's "dots" frames are braille characters


def _screen(raw: str, columns: int = 80, lines: int = 40) -> list[str]:
    import pyte

    screen = pyte.Screen(columns, lines)
    pyte.Stream(screen).feed(raw)
    return [line.rstrip() for line in screen.display if line.strip()]


def _read_for(child: pexpect.spawn, seconds: float, raw: list[str]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            raw.append(child.read_nonblocking(65536, timeout=0.05))
        except pexpect.TIMEOUT:
            continue
        except pexpect.EOF:
            return


def test_live_view_at_80_columns_spins_and_survives_ctrl_c(tmp_path: Path) -> None:
    """Issue 12: the spinner turns; after Ctrl-C no row is doubled or still spinning; no line is cut with …."""
    script = tmp_path / "slow_train.py"
    script.write_text(SLOW_LONG_LINES)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(tmp_path / "home"), "COLUMNS": "80",
           "LINES": "40", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "sagecli", "run-demo", "--run-dir", str(tmp_path / "run"),
                                           "--entry-point", str(script), "--rows", "400"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 80))
    raw: list[str] = []
    spins: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(spins) < 3:  # watch the train row's mark over several frames
        _read_for(child, 0.1, raw)
        train = [line for line in _screen("".join(raw)) if " train " in line[:12]]
        if train and train[-1][0] in SPINNER:
            spins.add(train[-1][0])
    assert len(spins) >= 3, f"the spinner did not turn: {spins}"
    child.sendintr()
    _read_for(child, 30, raw)
    child.close()
    assert child.exitstatus == 130
    screen = _screen("".join(raw))
    rows = [line.split()[1] for line in screen if line[:1] in "✔✘–·" or line[:1] in SPINNER]
    assert rows == ["process", "train", "teardown"], screen
    train = next(line for line in screen if line.split()[1:2] == ["train"])
    assert train.startswith("✘") and "interrupted" in train, screen
    assert not any(ch in SPINNER for line in screen for ch in line), screen
    assert not any("…" in line for line in screen), screen
    assert "fills an 80 column line" in " ".join(" ".join(screen).split()), screen
