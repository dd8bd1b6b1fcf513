"""run-demo --rollout, the pure part: settings checked against the KB, the traffic phases, metrics and alarms.

Nothing here starts a process or reads a clock: the step (sagecli/flow/rollout.py) runs what this plans.
Ranges and exclusions come from content/deployment_strategies.yaml (the records `recommend deployment` uses).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sagecli.contracts import ROLLOUT_RECORDS, ROLLOUT_STRATEGIES, RolloutSpec
from sagecli.errors import UsageError

ROLLING_FLEET = 4  # local workers in the rolling fleet (the endpoint's worker and three more)
OLD, NEW = "blue", "green"  # blue/green fleets; A/B and shadow use their own variant names
AB_OLD, AB_NEW = "VariantA", "VariantB"
SHADOW_PROD, SHADOW = "AllTraffic", "ShadowVariant"
FAULTS = ("new-version", "new-version-slow")


def strategy_record(strategy: str) -> dict[str, Any]:
    """The knowledge-base record of a rollout strategy."""
    from sagecli.knowledge.store import load_kb

    return load_kb().get(ROLLOUT_RECORDS[strategy])


def _range(record: dict[str, Any], name: str) -> tuple[float, float, str]:
    lim = (record.get("limits") or {})[name]
    return float(lim["min"]), float(lim["max"]), str(lim.get("source", ""))


def _check(value: float, record: dict[str, Any], limit: str, flag: str, what: str) -> None:
    lo, hi, source = _range(record, limit)
    if not lo <= value <= hi:
        raise UsageError(f"{flag} {value:g} is out of range for {record['name']}",
                         hint=f"{what} is {lo:g}-{hi:g} ({source})")


def validate_rollout(spec: RolloutSpec, inference: str) -> None:
    """A usage error for a setting or combination SageMaker would refuse (the KB's ranges and exclusions)."""
    if spec.strategy not in ROLLOUT_STRATEGIES:
        raise UsageError(f"unknown rollout strategy {spec.strategy!r}", hint="choose one of: "
                         + ", ".join(ROLLOUT_STRATEGIES))
    if spec.fault is not None and spec.fault not in FAULTS:
        raise UsageError(f"unknown fault {spec.fault!r}", hint="choose one of: " + ", ".join(FAULTS))
    rec = strategy_record(spec.strategy)
    types = [str(t).replace("_", "-") for t in rec.get("endpoint_types") or []]
    if inference != "realtime":
        excl = "; ".join(rec.get("exclusions") or [])
        allowed = inference in types
        raise UsageError(f"--rollout runs on the demo's real-time endpoint; --inference {inference} "
                         + ("is not part of this demo" if allowed else f"is refused by {rec['name']}: {excl}"),
                         hint="use --inference realtime with --rollout")
    if spec.strategy == "canary":
        _check(spec.canary_percent, rec, "max_canary_size_percent", "--canary-size", "CanarySize")
    if spec.strategy == "linear":
        _check(spec.linear_step_percent, rec, "step_percent", "--linear-step", "LinearStepSize")
    if spec.strategy == "rolling":
        _check(spec.rolling_batch_percent, rec, "max_batch_size_percent", "--batch-size", "MaximumBatchSize")
    if spec.strategy in ("all-at-once", "canary", "linear", "rolling"):
        _check(spec.wait_interval_s, rec, "wait_interval_seconds", "--wait-interval", "WaitIntervalInSeconds")
    if spec.strategy in ("linear", "rolling"):
        _check(spec.max_execution_s, rec, "max_execution_timeout_seconds", "--max-execution-time",
               "MaximumExecutionTimeoutInSeconds")
    total = sum(p.hold_s for p in plan_phases(spec))
    if spec.max_execution_s <= total:
        raise UsageError(f"--max-execution-time {spec.max_execution_s:g} s does not exceed the waits "
                         f"({total:g} s)", hint="MaximumExecutionTimeoutInSeconds must exceed the total of the waits")


@dataclass(frozen=True)
class Phase:
    """A stretch of the rollout with fixed traffic weights (or a fixed fleet mix for rolling)."""

    label: str
    weights: Mapping[str, float]  # production variant -> weight
    hold_s: float
    new_workers: int = 0  # rolling: how many of the fleet run the new version


def variants_of(strategy: str) -> tuple[str, str]:
    """(old, new) variant names for a strategy."""
    if strategy == "ab":
        return AB_OLD, AB_NEW
    if strategy == "shadow":
        return SHADOW_PROD, SHADOW
    return OLD, NEW


def plan_phases(spec: RolloutSpec, baseline_s: float | None = None) -> list[Phase]:
    """The traffic phases of a strategy, after a short baseline on the old version alone."""
    old, new = variants_of(spec.strategy)
    base = Phase("baseline", {old: 1.0, new: 0.0}, baseline_s if baseline_s is not None else spec.metric_period_s * 2)
    wait, bake = spec.wait_interval_s, spec.bake_s
    s = spec.strategy
    if s == "all-at-once":
        return [base, Phase("all at once 100%", {old: 0.0, new: 1.0}, bake)]
    if s == "canary":
        c = spec.canary_percent / 100
        return [base, Phase(f"canary {spec.canary_percent}%", {old: 1 - c, new: c}, wait),
                Phase("rest shifted 100%", {old: 0.0, new: 1.0}, bake)]
    if s == "linear":
        out = [base]
        n = math.ceil(100 / spec.linear_step_percent)
        for i in range(1, n + 1):
            share = min(1.0, i * spec.linear_step_percent / 100)
            out.append(Phase(f"linear {share * 100:.0f}%", {old: 1 - share, new: share}, bake if i == n else wait))
        return out
    if s == "rolling":
        batch = max(1, math.floor(ROLLING_FLEET * spec.rolling_batch_percent / 100))
        out = [Phase("baseline", {old: ROLLING_FLEET, new: 0.0}, base.hold_s)]
        done = 0
        while done < ROLLING_FLEET:
            done = min(ROLLING_FLEET, done + batch)
            out.append(Phase(f"batch {done}/{ROLLING_FLEET} new", {old: ROLLING_FLEET - done, new: done},
                             bake if done == ROLLING_FLEET else wait, new_workers=done))
        return out
    if s == "shadow":
        return [base, Phase("shadow copy 100%", {old: 1.0}, wait + bake)]
    # ab: two production variants, weights moved by UpdateEndpointWeightsAndCapacities
    return [base, Phase("weights 90/10", {old: 9.0, new: 1.0}, wait), Phase("weights 50/50", {old: 1.0, new: 1.0},
                                                                              bake)]


def metric_records(endpoint: str, variant: str, records: Iterable[Any], timestamp: str) -> list[dict[str, Any]]:
    """CloudWatch-shaped datapoints (AWS/SageMaker, EndpointName + VariantName) for one variant and period."""
    rows = list(records)
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    lat = [r.model_latency_ms * 1000 for r in rows if r.status == 200 or r.status >= 500]

    def point(name: str, value: float, unit: str, stat: str = "Sum") -> dict[str, Any]:
        return {"Namespace": "AWS/SageMaker", "MetricName": name, "Dimensions": dims, "Timestamp": timestamp,
                "Statistic": stat, "Value": value, "Unit": unit, "SampleCount": len(rows)}

    out = [point("Invocations", len(rows), "Count"),
           point("Invocation4XXErrors", sum(400 <= r.status < 500 for r in rows), "Count"),
           point("Invocation5XXErrors", sum(r.status >= 500 or r.status == 0 for r in rows), "Count")]
    if lat:
        out.append(point("ModelLatency", sum(lat) / len(lat), "Microseconds", "Average"))
    return out


def alarms(spec: RolloutSpec, endpoint: str, variant: str) -> list[dict[str, Any]]:
    """The CloudWatch alarms AutoRollbackConfiguration would name, on the new variant's metrics."""
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    return [{"AlarmName": f"{endpoint}-{variant}-errors"[:255], "MetricName": "Invocation5XXErrors+4XXErrors",
             "Statistic": "Sum", "ComparisonOperator": "GreaterThanThreshold", "Threshold": spec.error_threshold,
             "EvaluationPeriods": 1, "Dimensions": dims},
            {"AlarmName": f"{endpoint}-{variant}-latency"[:255], "MetricName": "ModelLatency", "Statistic": "Average",
             "ComparisonOperator": "GreaterThanThreshold", "Threshold": spec.latency_threshold_ms * 1000,
             "Unit": "Microseconds", "EvaluationPeriods": 1, "Dimensions": dims}]


def evaluate_alarms(spec: RolloutSpec, points: list[dict[str, Any]]) -> list[str]:
    """Which alarms are in ALARM for one period's datapoints of the new variant (empty: OK)."""
    by = {p["MetricName"]: p["Value"] for p in points}
    fired = []
    errors = by.get("Invocation4XXErrors", 0) + by.get("Invocation5XXErrors", 0)
    if errors > spec.error_threshold:
        fired.append(f"errors {errors:g} > {spec.error_threshold}")
    if "ModelLatency" in by and by["ModelLatency"] > spec.latency_threshold_ms * 1000:
        fired.append(f"ModelLatency {by['ModelLatency'] / 1000:.0f} ms > {spec.latency_threshold_ms:g} ms")
    return fired


def share_bar(new_share: float, width: int = 10) -> str:
    """[###.......] for the new version's share of traffic (plain characters, any terminal)."""
    filled = round(max(0.0, min(1.0, new_share)) * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def documented_limits(strategy: str) -> list[str]:
    """The strategy's limits in one line each, with the AWS page they come from."""
    rec = strategy_record(strategy)
    out = []
    for name, lim in (rec.get("limits") or {}).items():
        if not isinstance(lim, dict):
            continue
        rng = f"{lim['min']:g}-{lim['max']:g}" if isinstance(lim.get("min"), (int, float)) and \
            isinstance(lim.get("max"), (int, float)) else str(lim.get("value"))
        unit = f" {lim['unit']}" if lim.get("unit") else ""
        out.append(f"{name}: {rng}{unit} ({lim.get('source', '')})")
    return out
