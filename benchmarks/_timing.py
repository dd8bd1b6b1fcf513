"""Shared timing helpers for the benchmarks: median wall time of a command and a minimal Typer app."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MINIMAL_APP = '''
import typer
app = typer.Typer()
@app.command()
def main(name: str = "world") -> None:
    """Say hello."""
    print(name)
app()
'''


def minimal_app_path() -> Path:
    """Write the baseline: a one-command Typer app, as small as Typer allows."""
    path = Path(tempfile.gettempdir()) / "sagecli_bench_minimal_typer.py"
    path.write_text(MINIMAL_APP)
    return path


def median_wall(argv: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall-clock seconds of running argv (after one warm-up run)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    subprocess.run(argv, capture_output=True, env=full_env, check=False)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=full_env, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def sagecli(*args: str) -> list[str]:
    """argv for the sagecli of this checkout."""
    return [sys.executable, "-m", "sagecli", *args]
