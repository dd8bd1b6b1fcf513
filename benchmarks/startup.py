"""Startup benchmark: median wall time of sagecli commands as a ratio to a minimal Typer app.

Baseline: a one-command Typer app's `--help`, run by the same interpreter in the same run, interleaved
with the commands. Target (issues 2 and 3): at most 1.3x. The second row (the minimal app parsing one
option, which makes Typer build its pydantic adapters; the --help baseline never does) is for reference.
Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse

from _timing import bench_env, interleaved_medians, minimal_app, print_ratio_table, sagecli

CASES = [
    ("`sagecli --help`", sagecli("--help")),
    ("`sagecli kb show serverless-inference --json`", sagecli("kb", "show", "serverless-inference", "--json")),
    ("`sagecli recommend deployment --payload-mb 2 --traffic intermittent --json`",
     sagecli("recommend", "deployment", "--payload-mb", "2", "--traffic", "intermittent", "--json")),
    ("`sagecli recommend input-mode --dataset-gb 500 --avg-file-mb 200 --json`",
     sagecli("recommend", "input-mode", "--dataset-gb", "500", "--avg-file-mb", "200", "--json")),
    ("`sagecli recommend instance --workload inference --params-b 7 --json`",
     sagecli("recommend", "instance", "--workload", "inference", "--params-b", "7", "--json")),
]


def main() -> None:
    """Measure and print a table of medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = max(10, parser.parse_args().runs)
    argvs = [minimal_app("--help"), minimal_app("--name", "x"), *(argv for _, argv in CASES)]
    medians = interleaved_medians(argvs, runs, bench_env())
    rows = [("minimal Typer app `--help` (baseline)", medians[0]),
            ("minimal Typer app `--name x` (one option parsed)", medians[1]),
            *((label, t) for (label, _), t in zip(CASES, medians[2:], strict=True))]
    print_ratio_table(rows, medians[0], runs)


if __name__ == "__main__":
    main()
