"""Local serverless cold start and canary rollback time, each as a ratio against a baseline from the same run.

Serverless: `run-demo --inference serverless` (steps deploy,invoke; a short idle timeout) starts cold twice per
run (the first request, and the burst after scale to zero). Reported: the median cold start over every cold start
of every run, against (a) the warm request latency (p50) of the same runs and (b) the worker process start of a
real-time endpoint (the same granian worker started at deploy, measured by the rollout runs below), and (c) a bare
Python interpreter start (`python -c pass`).

Rollback: `run-demo --rollout canary --fault new-version`: the error alarm fires on the new version and all
traffic goes back to the old one. Reported: alarm -> 0 % on the new version (the demo's rollback_s, 1 ms
resolution), the detection time (canary step start -> alarm), against the alarm's evaluation period
(one metric period) that bounds how fast any alarm can fire.

    python benchmarks/demo_inference.py [--runs 3]
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _demo(args: list[str], home: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": home}
    res = subprocess.run([sys.executable, "-m", "sagecli", "run-demo", "--json", *args], capture_output=True,
                         text=True, env=env, check=True)
    return {s["name"]: s.get("data") or {} for s in json.loads(res.stdout)["steps"]}


def _python_start(runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> None:
    """Run the serverless and canary demos several times, interleaved, and print a table of medians."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle-timeout", type=float, default=0.3)
    args = ap.parse_args()
    cold, warm, worker, rollback, detect, period = [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as home:
        for i in range(args.runs):  # interleaved, so machine load hits both kinds of run alike
            served = _demo(["--inference", "serverless", "--steps", "deploy,invoke", "--idle-timeout",
                            str(args.idle_timeout), "--run-dir", f"{home}/sl{i}"], home)
            info = served["invoke"]["inference"]
            cold += [ms / 1000 for ms in info["cold_start_ms"]]
            warm.append(info["warm_latency_ms_p50"] / 1000)
            canary = _demo(["--rollout", "canary", "--fault", "new-version", "--steps", "deploy,invoke",
                            "--run-dir", f"{home}/ca{i}"], home)
            worker.append(canary["invoke"]["inference"]["endpoint_start_s"])
            report = canary["rollout"]["rollout"]
            if not report.get("rolled_back"):
                raise SystemExit(f"run {i}: the canary did not roll back: {report.get('alarm_reason')}")
            start = next(p["t_s"] for p in report["timeline"] if p["phase"].startswith("canary"))
            rollback.append(report["rollback_s"])
            detect.append(report["alarm_at_s"] - start)
            period.append(report["periods"][0]["t_s"])  # the first period closes one metric period in
    python = _python_start(max(3, args.runs))
    c, w, k, rb, d, p = (statistics.median(v) for v in (cold, warm, worker, rollback, detect, period))
    print(f"runs: {args.runs} serverless + {args.runs} canary (interleaved); cold starts measured: {len(cold)}; "
          f"idle timeout {args.idle_timeout:g} s")
    print("| measurement | median ms | baseline (same run) | baseline ms | ratio |\n|---|---:|---|---:|---:|")
    print(f"| serverless cold start | {_ms(c)} | warm request p50 | {_ms(w)} | {c / w:.0f}x |")
    print(f"| serverless cold start | {_ms(c)} | real-time worker start at deploy | {_ms(k)} | {c / k:.2f}x |")
    print(f"| serverless cold start | {_ms(c)} | bare `python -c pass` | {_ms(python)} | {c / python:.1f}x |")
    rb_text = _ms(rb) if rb > 0 else "< 1 (resolution 1 ms)"
    rb_ratio = f"{rb / p:.3f}x" if rb > 0 else f"< {0.001 / p:.3f}x"
    print(f"| rollback: alarm -> 0 % on new | {rb_text} | alarm evaluation period | {_ms(p)} | {rb_ratio} |")
    print(f"| detection: canary start -> alarm | {_ms(d)} | alarm evaluation period | {_ms(p)} | {d / p:.1f}x |")
    print(f"cold starts (ms): {', '.join(_ms(v) for v in sorted(cold))}")


if __name__ == "__main__":
    main()
