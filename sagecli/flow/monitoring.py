"""The monitor step: baseline from the training features, a run over the first wave of captured traffic,
a second wave of drifted traffic, and a run over that wave, with each violation explained in plain words.

Each run's files go where a scheduled monitoring execution writes them, under the schedule's output:
`monitor/reports/<endpoint>/<schedule>/yyyy/mm/dd/hh/` (UTC hour of the execution). The demo's schedule is
`<endpoint>-schedule`, hourly: an hourly schedule starts one execution on the hour
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-interpreting-results.html), so the drifted
run, seconds after the first, is filed as the next hour's execution rather than over the first one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sagecli.contracts import RunState, StepResult
from sagecli.deps import require

DRIFT_ROWS = 400  # the second wave: rows with a shifted distribution
DRIFT_BATCH = 10  # rows per request in that wave
CAPTURE_WAIT_S = 120.0  # S3 delivery of capture files lags about a minute on AWS; local files appear at once

WHY = {
    "baseline_drift_check": "its distribution moved: the largest gap between the baseline and current CDFs is "
                            "above the threshold",
    "data_type_check": "values of another type arrived",
    "completeness_check": "values are missing more often than in the baseline",
    "categorical_values_check": "values outside the baseline's domain arrived",
    "missing_column_check": "requests carry fewer columns than the baseline",
    "extra_column_check": "requests carry more columns than the baseline",
}


HOUR_S = 3600


def schedule_name(endpoint: str) -> str:
    """The demo's monitoring schedule name (a schedule name is at most 63 characters)."""
    return f"{endpoint[:54]}-schedule"


def report_dir(mon: Path, endpoint: str, schedule: str, when: float) -> Path:
    """<mon>/reports/<endpoint>/<schedule>/yyyy/mm/dd/hh for an execution at `when` (epoch seconds, UTC)."""
    t = time.gmtime(when)
    return (mon / "reports" / endpoint / schedule / f"{t.tm_year:04d}" / f"{t.tm_mon:02d}" / f"{t.tm_mday:02d}"
            / f"{t.tm_hour:02d}")


def _new_records(run: RunState, dest_name: str, expected: int) -> list[dict[str, Any]]:
    """Capture records not analysed yet (by eventId), after waiting for at least `expected` in total."""
    assert run.endpoint is not None
    sampling = run.ctx.options.sampling_percentage
    min_records = expected if sampling >= 100 else 0
    files = run.backend.fetch_capture(run.endpoint, run.ctx.run_dir / "monitor" / dest_name,
                                      min_records=min_records, timeout_s=CAPTURE_WAIT_S if min_records else 0.0)
    fresh = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            event = rec.get("eventMetadata", {}).get("eventId")
            if event not in run.analysed_events:
                run.analysed_events.add(event)
                fresh.append(rec)
    return fresh


def drift_noise_level(rows: int, baseline_rows: int) -> float:
    """The L-infinity CDF distance two samples of these sizes reach by chance at the 95% level (two-sample KS)."""
    if rows <= 0 or baseline_rows <= 0:
        return float("inf")
    return 1.36 * ((rows + baseline_rows) / (rows * baseline_rows)) ** 0.5


def human_name(name: str, feature_names: list[str]) -> str:
    """`_c2` -> `_c2 (monthly_spend)`: Model Monitor's column name with the dataset's own."""
    if name.startswith("_c") and name[2:].isdigit() and int(name[2:]) < len(feature_names):
        return f"{name} ({feature_names[int(name[2:])]})"
    return name or "dataset"


def explain(violation: dict[str, str], feature_names: list[str]) -> str:
    """One sentence for a learner: which feature, which check, why it fired."""
    why = WHY.get(violation["constraint_check_type"], "")
    return (f"{human_name(violation['feature_name'], feature_names)}: {violation['constraint_check_type']}: {why}. "
            f"{violation['description']}")


def findings(violations: list[dict[str, str]], feature_names: list[str]) -> dict[str, Any]:
    """Violations grouped by check, each check with its plain-words reason once (for the summary view)."""
    out: dict[str, Any] = {}
    for v in violations:
        check = v["constraint_check_type"]
        group = out.setdefault(check, {"why": WHY.get(check, ""), "features": []})
        group["features"].append(f"{human_name(v['feature_name'], feature_names)}: {v['description']}")
    return out


def monitor_step(run: RunState, res: StepResult, send: Callable[[Any, Any, int, str], list[float]],
                 clock: Callable[[], float] = time.time) -> None:
    """Baseline, run 1 (expected clean), drifted wave, run 2 (expected violations); clock dates the runs."""
    from sagecli.flow.data import make_features
    from sagecli.monitor.jobs import capture_to_csv, run_monitoring, suggest_baseline

    np = require("numpy")
    mon = run.ctx.run_dir / "monitor"
    baseline_csv = (run.ctx.run_dir / "data" / "baseline" / "train-features.csv").read_bytes()
    base_stats, cons = suggest_baseline(baseline_csv, mon / "baseline")
    endpoint = run.endpoint.name if run.endpoint is not None else "endpoint"
    schedule = schedule_name(endpoint)
    when_1 = clock()
    dir_1 = report_dir(mon, endpoint, schedule, when_1)
    run.ctx.emit("monitor", "baseline: statistics.json, constraints.json")
    first = _new_records(run, "capture-1", run.wave1_requests)
    v1 = {"violations": []}
    rows_1 = 0
    if first:  # no captured data (sampling 0 %): nothing to monitor, and no false "missing column" alarm
        csv_1 = capture_to_csv(first)
        rows_1 = len(csv_1.splitlines())
        v1, _ = run_monitoring(csv_1, base_stats, cons, dir_1)
    run.ctx.emit("monitor", f"run 1 over {len(first)} captured requests: {len(v1['violations'])} violation(s)")
    wave2 = []
    if run.ctx.options.drift_wave:
        rng = np.random.default_rng(run.ctx.options.seed + 1)
        drifted = make_features(rng, DRIFT_ROWS, drift=True)
        send(run, drifted, DRIFT_BATCH, "wave2-drift")
        wave2 = _new_records(run, "capture-2", len(run.analysed_events) + -(-DRIFT_ROWS // DRIFT_BATCH))
    v2 = {"violations": []}
    dir_2 = report_dir(mon, endpoint, schedule, max(clock(), (when_1 // HOUR_S + 1) * HOUR_S))  # the next hour
    if wave2:
        v2, _ = run_monitoring(capture_to_csv(wave2), base_stats, cons, dir_2)
    names = run.dataset.feature_names
    res.artifacts = {"baseline": str(mon / "baseline")}
    if first:
        res.artifacts["run_1"] = str(dir_1 / "constraint_violations.json")
    if wave2:
        res.artifacts["run_2"] = str(dir_2 / "constraint_violations.json")
    res.data = {"baseline_features": len(cons["features"]),
                "run_1": {"records": len(first), "violations": v1["violations"]},
                "run_2": {"records": len(wave2), "violations": v2["violations"],
                          "explanations": [explain(v, names) for v in v2["violations"]],
                          "findings": findings(v2["violations"], names)}}
    drifted_names = sorted({human_name(v["feature_name"], names) for v in v2["violations"]})
    noise = ""
    if any(v["constraint_check_type"] == "baseline_drift_check" for v in v1["violations"]):
        level = drift_noise_level(rows_1, len(run.dataset.splits["train"][0]))
        res.data["run_1"]["noise_level"] = round(level, 4)
        noise = (f" (only {rows_1} rows: sampling noise alone reaches a drift distance of about {level:.2f}"
                 " at the 95% level; send more traffic, e.g. a larger --rows)")
    res.summary = _summary(run, len(first), len(wave2), v1, v2, noise, drifted_names)


def _summary(run: RunState, n1: int, n2: int, v1: dict[str, Any], v2: dict[str, Any], noise: str,
             drifted: list[str]) -> str:
    """One line: what each monitoring run saw (captured requests, not sent ones) and found."""
    opts = run.ctx.options
    if not n1 and not n2:
        return f"nothing captured (sampling is {opts.sampling_percentage} %): no monitoring run"
    line = f"run 1: {n1} captured, {len(v1['violations'])} violation(s){noise}; "
    if not opts.drift_wave:
        return line + "no drifted wave (--no-drift)"
    return line + (f"drifted run 2: {n2} captured, {len(v2['violations'])} violation(s)"
                   + (f" in {', '.join(drifted)}" if drifted else ""))
