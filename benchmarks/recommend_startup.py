"""Recommend startup benchmark: median wall time of `sagecli recommend ... --json` against a minimal Typer app.

Baseline: a one-command Typer app's `--help`, run by the same interpreter in the same run (after a warm-up,
so the knowledge-base cache is compiled). Rounds interleave the baseline and the cases, so a busy machine
slows them alike. Target (issue 3): the deployment command at most 1.3x.
Run: python benchmarks/recommend_startup.py [--runs N]
"""

from __future__ import annotations

import argparse

from _timing import bench_env, interleaved_medians, minimal_app, print_ratio_table, sagecli

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
    # Row 2 is informative: the same minimal app parsing one option value, which makes Typer build its
    # pydantic adapters (the --help baseline never does); every real command pays that.
    argvs = [minimal_app("--help"), minimal_app("--name", "x"), *(argv for _, argv in CASES)]
    medians = interleaved_medians(argvs, runs, bench_env())
    rows = [("minimal Typer app `--help` (baseline)", medians[0]),
            ("minimal Typer app `--name x` (one option parsed)", medians[1]),
            *((f"`sagecli {label}`", t) for (label, _), t in zip(CASES, medians[2:], strict=True))]
    print_ratio_table(rows, medians[0], runs)


if __name__ == "__main__":
    main()
