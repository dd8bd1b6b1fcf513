"""Whole `sagecli run-demo` wall time with the per-step breakdown (local backend), default and with new steps.

Baseline measured in the same run: the bare CLI start-up (`python -m sagecli --version`), so the ratio shows
how many CLI start-ups the whole lifecycle costs; each variant is also given as a ratio to the default demo.
Target: the default demo under 10 s on a 2-core machine. Runs are interleaved (default, variant, ...) so a
busy machine slows every variant alike.

    python benchmarks/demo_flow.py [--runs 3] [--default-only]
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
DEFAULT = "process,train,evaluate,register,deploy,invoke,transform,monitor,teardown"
VARIANTS: dict[str, list[str]] = {
    "default": [],  # MLflow tracking on, as for a user
    "default --no-track": ["--no-track"],
    "default + features,tune,bias --shap": ["--steps", DEFAULT + ",features,tune,bias", "--shap"],  # tracked
}


def _run(args: list[str], home: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": home}
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "sagecli", *args], capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - t0, res.stdout


def main() -> None:
    """Run each variant several times (interleaved) and print medians and the per-step split."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--default-only", action="store_true")
    args = ap.parse_args()
    variants = {"default": []} if args.default_only else VARIANTS
    walls: dict[str, list[float]] = {name: [] for name in variants}
    steps: dict[str, dict[str, list[float]]] = {name: {} for name in variants}
    with tempfile.TemporaryDirectory() as home:
        startup = statistics.median(_run(["--version"], home)[0] for _ in range(3))
        for i in range(args.runs):
            for v, (name, extra) in enumerate(variants.items()):
                wall, out = _run(["run-demo", "--json", "--run-dir", f"{home}/run{i}-{v}", *extra], home)
                walls[name].append(wall)
                for s in json.loads(out)["steps"]:
                    steps[name].setdefault(s["name"], []).append(s["duration_s"])
    base = statistics.median(walls["default"])
    for name, extra in variants.items():
        wall = statistics.median(walls[name])
        flags = " ".join(extra) or "(no flags)"
        print(f"run-demo {name} [{flags}]")
        print(f"  median of {args.runs}: {wall:.2f} s wall, {wall / base:.2f}x the default demo"
              + (f" (target < 10 s: {'met' if wall < 10 else 'NOT met'})" if name == "default" else ""))
        for step, vals in steps[name].items():
            med = statistics.median(vals)
            print(f"    {step:10} {med:6.3f} s  {med / wall * 100:5.1f} %")
    print(f"baseline: CLI start-up (--version) {startup:.3f} s; default demo / start-up = {base / startup:.1f}x")


if __name__ == "__main__":
    main()
