"""Startup benchmark: median wall time of sagecli commands as a ratio to a minimal Typer app.

Baseline: a one-command Typer app's `--help`, run by the same interpreter in the same run.
Target (issues 2 and 3): at most 1.3x. Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from _timing import median_wall, minimal_app_path, sagecli

CASES = [
    ("sagecli --help", sagecli("--help")),
    ("sagecli kb show serverless-inference --json", sagecli("kb", "show", "serverless-inference", "--json")),
    ("sagecli recommend deployment --payload-mb 2 --traffic intermittent --json",
     sagecli("recommend", "deployment", "--payload-mb", "2", "--traffic", "intermittent", "--json")),
]


def main() -> None:
    """Measure and print a table of medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    env = {"SAGECLI_HOME": tempfile.mkdtemp(prefix="sagecli-bench-"), "NO_COLOR": "1"}
    base = median_wall([sys.executable, str(minimal_app_path()), "--help"], runs, env)
    print(f"runs per command: {runs}; baseline: minimal one-command Typer app --help = {base * 1000:.0f} ms")
    print("| command | median ms | ratio to minimal Typer app |\n|---|---:|---:|")
    print(f"| minimal Typer app `--help` (baseline) | {base * 1000:.0f} | 1.00x |")
    for label, argv in CASES:
        t = median_wall(argv, runs, env)
        print(f"| `{label}` | {t * 1000:.0f} | {t / base:.2f}x |")


if __name__ == "__main__":
    main()
