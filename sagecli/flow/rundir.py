"""The run folder (`--run-dir`): a new or empty folder, or one that an earlier run-demo made; nothing else.

A folder run-demo made holds MARKER, a small JSON file naming the runs that used it. Any other
non-empty folder is refused before anything starts: its files would mix into the run's data (and
teardown must never have a reason to look at what else lives there).
"""

from __future__ import annotations

import json
from pathlib import Path

from sagecli.errors import SageCliError
from sagecli.paths import atomic_write_text

MARKER = ".sagecli-run.json"
COMMAND = "run-demo"


def earlier_runs(run_dir: Path) -> list[str] | None:
    """The run ids recorded in run_dir's marker, or None when it has no readable run-demo marker."""
    try:
        data = json.loads((run_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("command") != COMMAND or not isinstance(data.get("runs"), list):
        return None
    return [str(r) for r in data["runs"]]


def check_run_dir(run_dir: Path) -> None:
    """Refuse a run folder that is a file, or non-empty and not made by an earlier run-demo."""
    if run_dir.exists() and not run_dir.is_dir():
        raise SageCliError(f"--run-dir {run_dir} is a file, not a folder", hint="give a new or empty folder")
    try:
        empty = not run_dir.exists() or next(run_dir.iterdir(), None) is None
    except OSError as exc:
        raise SageCliError(f"cannot read --run-dir {run_dir}: {exc.strerror or exc}") from None
    if not empty and earlier_runs(run_dir) is None:
        raise SageCliError(f"--run-dir {run_dir} is not empty and was not made by sagecli run-demo",
                           hint="give a new or empty folder (its files would mix into the run's data)")


def mark_run_dir(run_dir: Path, run_id: str) -> None:
    """Record that this run uses run_dir (so a later run-demo may reuse the folder)."""
    runs = [r for r in earlier_runs(run_dir) or [] if r != run_id] + [run_id]
    atomic_write_text(run_dir / MARKER, json.dumps({"command": COMMAND, "runs": runs}, indent=2) + "\n")
