"""Whole `sagecli run-demo` wall time with the per-step breakdown (local backend, default settings).

Baseline measured in the same run: the bare CLI start-up (`python -m sagecli --version`), so the ratio shows
how many CLI start-ups the whole lifecycle costs. Target: the whole demo under 10 s on a 2-core machine.

    python benchmarks/demo_flow.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], home: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": home}
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "sagecli", *args], capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - t0, res.stdout


def main() -> None:
    """Run the demo several times and print medians."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        startup = statistics.median(_run(["--version"], home)[0] for _ in range(3))
        walls, steps = [], {}
        for i in range(args.runs):
            wall, out = _run(["run-demo", "--json", "--run-dir", f"{home}/run{i}"], home)
            walls.append(wall)
            for s in json.loads(out)["steps"]:
                steps.setdefault(s["name"], []).append(s["duration_s"])
    wall = statistics.median(walls)
    print(f"run-demo (local, 4000 rows, all 9 steps), median of {args.runs}: {wall:.2f} s wall "
          f"(target < 10 s: {'met' if wall < 10 else 'NOT met'})")
    for name, vals in steps.items():
        med = statistics.median(vals)
        print(f"  {name:10} {med:6.3f} s  {med / wall * 100:5.1f} %")
    print(f"baseline: CLI start-up (--version) {startup:.3f} s; demo / start-up = {wall / startup:.1f}x")


if __name__ == "__main__":
    main()
