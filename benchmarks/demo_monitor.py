"""Model Monitor locally: baseline statistics + constraints, and a monitoring run, on a 1,000,000 x 10 CSV.

Reading the file is included. Baseline measured in the same run: numpy's own text parser
(`np.fromstring(..., sep=",")`, C code) on the same bytes, parsing only. Target: each job under 3 s.

    python benchmarks/demo_monitor.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from sagecli.monitor.jobs import run_monitoring, suggest_baseline  # noqa: E402


def _write(path: Path, x: np.ndarray) -> None:
    block = 100_000
    with open(path, "w") as fh:
        for i in range(0, len(x), block):
            part = x[i:i + block]
            cols = [np.char.mod("%.4f", part[:, j]) for j in range(part.shape[1])]
            rows = cols[0]
            for c in cols[1:]:
                rows = np.char.add(np.char.add(rows, ","), c)
            fh.write("\n".join(rows.tolist()) + "\n")


def main() -> None:
    """Time the two jobs and the baseline parser."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    base = rng.normal(50, 10, size=(args.rows, 10))
    cur = base + np.where(np.arange(10) == 3, 5.0, 0.0)  # drift in one feature
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        _write(tmpd / "baseline.csv", base)
        _write(tmpd / "current.csv", cur)
        size_mb = (tmpd / "baseline.csv").stat().st_size / 1e6
        t0, c0 = time.perf_counter(), time.process_time()
        stats, cons = suggest_baseline((tmpd / "baseline.csv").read_bytes(), tmpd / "out-baseline")
        t_base, c_base = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        violations, _ = run_monitoring((tmpd / "current.csv").read_bytes(), stats, cons, tmpd / "out-run")
        t_run, c_run = time.perf_counter() - t0, time.process_time() - c0
        data = (tmpd / "baseline.csv").read_bytes()
        t0 = time.perf_counter()
        ref = np.fromstring(data.replace(b"\n", b","), sep=",")  # noqa: NPY201 - the C text parser, as a yardstick
        t_ref = time.perf_counter() - t0
    assert ref.size == args.rows * 10
    found = [(v["feature_name"], v["constraint_check_type"]) for v in violations["violations"]]
    print(f"{args.rows:,} rows x 10 features ({size_mb:.0f} MB CSV), reading included:")
    print(f"  baseline job (statistics.json + constraints.json): {t_base:.2f} s wall, {c_base:.2f} s CPU "
          f"(target < 3 s: {'met' if t_base < 3 else 'NOT met'})")
    print(f"  monitoring run (statistics.json + constraint_violations.json): {t_run:.2f} s wall, {c_run:.2f} s CPU "
          f"(target < 3 s: {'met' if t_run < 3 else 'NOT met'}); violations: {found}")
    print(f"  machine load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"  yardstick: numpy fromstring parse only {t_ref:.2f} s; baseline job / yardstick = {t_base / t_ref:.2f}x, "
          f"monitoring run / yardstick = {t_run / t_ref:.2f}x")


if __name__ == "__main__":
    main()
