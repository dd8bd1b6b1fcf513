"""Shared timing helpers for the benchmarks: interleaved medians of commands against a minimal Typer app."""

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


def minimal_app(*args: str) -> list[str]:
    """argv for the minimal Typer app."""
    return [sys.executable, str(minimal_app_path()), *args]


def sagecli(*args: str) -> list[str]:
    """argv for the sagecli of this checkout."""
    return [sys.executable, "-m", "sagecli", *args]


def bench_env() -> dict[str, str]:
    """Environment for benchmark runs: this checkout first on the path, a fresh SAGECLI_HOME, no colour.

    Byte-code caching is switched on (in a private folder) for every process: a pip-installed sagecli has
    its .pyc files, as Typer does, so running from source without them would overstate sagecli's cost.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": tempfile.mkdtemp(prefix="sagecli-bench-"),
           "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="sagecli-pyc-")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def median_wall(argv: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall-clock seconds of running argv (after one warm-up run)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return interleaved_medians([argv], runs, full_env)[0]


def interleaved_medians(argvs: list[list[str]], runs: int, env: dict[str, str]) -> list[float]:
    """Median wall seconds per argv; each round runs every argv once, so machine load hits all alike."""
    times: list[list[float]] = [[] for _ in argvs]
    for argv in argvs:  # warm-up: compiles the knowledge-base cache and the .pyc files
        subprocess.run(argv, capture_output=True, env=env, check=False)
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            t0 = time.perf_counter()
            subprocess.run(argv, capture_output=True, env=env, check=False)
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def print_ratio_table(rows: list[tuple[str, float]], base: float, runs: int) -> None:
    """Print a markdown table of medians and their ratio to the baseline."""
    print(f"runs per command: {runs} (interleaved); baseline: minimal one-command Typer app --help = "
          f"{base * 1000:.0f} ms")
    print("| command | median ms | ratio to minimal Typer app |\n|---|---:|---:|")
    for label, t in rows:
        print(f"| {label} | {t * 1000:.0f} | {t / base:.2f}x |")
