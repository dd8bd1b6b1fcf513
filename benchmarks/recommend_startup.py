"""Recommend startup benchmark: median wall time of `sagecli recommend ... --json` against a minimal Typer app.

Baseline: a one-command Typer app's `--help`, run by the same interpreter in the same run (after a warm-up,
so the knowledge-base cache is compiled). Rounds interleave the baseline and the cases, so a busy machine
slows them alike. Target (issue 3): the deployment command at most 1.3x.
Run: python benchmarks/recommend_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _timing import ROOT, minimal_app_path, sagecli

CASES = [
    ("recommend deployment --payload-mb 2 --traffic intermittent --json",
     sagecli("recommend", "deployment", "--payload-mb", "2", "--traffic", "intermittent", "--json")),
    ("recommend input-mode --dataset-gb 500 --avg-file-mb 200 --json",
     sagecli("recommend", "input-mode", "--dataset-gb", "500", "--avg-file-mb", "200", "--json")),
    ("recommend instance --workload inference --params-b 7 --json",
     sagecli("recommend", "instance", "--workload", "inference", "--params-b", "7", "--json")),
]


def main() -> None:
    """Measure the baseline and each case in the same run; print medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = max(10, parser.parse_args().runs)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": tempfile.mkdtemp(prefix="sagecli-bench-"),
           "NO_COLOR": "1"}
    minimal = [sys.executable, str(minimal_app_path())]
    # Row 2 is informative: the same minimal app parsing one option value, which makes Typer build its
    # pydantic adapters (the --help baseline never does); every real command pays that.
    argvs = [[*minimal, "--help"], [*minimal, "--name", "x"], *(argv for _, argv in CASES)]
    times: list[list[float]] = [[] for _ in argvs]
    for argv in argvs:  # warm-up: compiles the knowledge-base cache and the .pyc files
        subprocess.run(argv, capture_output=True, env=env, check=False)
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            t0 = time.perf_counter()
            subprocess.run(argv, capture_output=True, env=env, check=False)
            times[i].append(time.perf_counter() - t0)
    medians = [statistics.median(t) for t in times]
    base = medians[0]
    print(f"runs per command: {runs} (interleaved); baseline: minimal one-command Typer app --help = "
          f"{base * 1000:.0f} ms")
    print("| command | median ms | ratio to minimal Typer app |\n|---|---:|---:|")
    print(f"| minimal Typer app `--help` (baseline) | {base * 1000:.0f} | 1.00x |")
    print(f"| minimal Typer app `--name x` (one option parsed) | {medians[1] * 1000:.0f} | {medians[1] / base:.2f}x |")
    for (label, _), t in zip(CASES, medians[2:], strict=True):
        print(f"| `sagecli {label}` | {t * 1000:.0f} | {t / base:.2f}x |")


if __name__ == "__main__":
    main()
