"""`recommend deployment --try`: the decision's choices and inputs as run-demo settings, and a summary that puts
the recommendation's reasons beside what the local run measured.

Pure functions over decide()'s output and the run's result dict; the command layer runs the demo in between.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagecli.errors import UsageError

# decide()'s option ids -> run-demo's --inference values
INFERENCE_MAP: dict[str, str] = {"realtime": "realtime", "serverless": "serverless", "async": "async",
                                 "multi_model": "multi-model", "batch_transform": "batch"}
# decide()'s rollout ids -> run-demo's --rollout values
ROLLOUT_MAP: dict[str, str] = {"all_at_once": "all-at-once", "canary": "canary", "linear": "linear",
                               "rolling": "rolling", "shadow": "shadow", "ab_variants": "ab"}
# what the demo's load does for each traffic shape (the pattern is fixed; the idle timeout sets the gap)
TRAFFIC_LOAD: dict[str, dict[str, str]] = {
    "steady": {"realtime": "205 requests back to back", "async": "requests queued back to back",
               "multi-model": "requests spread over the hosted models"},
    "intermittent": {"serverless": "an idle gap past the {idle:g} s idle timeout (scale to zero), then traffic",
                     "async": "the queue drains, then an idle gap past the {idle:g} s idle timeout (scale to zero)"},
    "spiky": {"serverless": "an idle gap, then a burst of 2 x MaxConcurrency callers while cold"},
    "offline": {"batch": "one transform job over the test set"},
}
MEMORY_STEP_MB = 1024
SERVERLESS_MEMORY_MB = (1024, 6144)  # MemorySizeInMB range; validate_inference checks it against the KB too
# measured values worth putting beside the reasons, in this order, where the run reports them
INFERENCE_KEYS = ("mean_latency_ms", "warm_latency_ms_p50", "cold_starts", "cold_start_ms", "cold_load_ms",
                  "throttled", "scaled_to_zero", "endpoint_start_s", "queue_wait_ms_p50", "all_results_ms",
                  "evictions", "records", "job_s")
ROLLOUT_KEYS = ("strategy", "completed", "rolled_back", "alarm_reason", "alarm_at_s", "rollback_s", "duration_s")


@dataclass(frozen=True)
class TryPlan:
    """The run-demo settings a decision maps to, and which of its inputs map and which do not."""

    inference: str
    rollout: dict[str, Any] | None  # build_options(rollout=...) settings, None when no rollout runs
    steps: str
    memory_size_mb: int = 2048
    idle_timeout_s: float = 3.0
    mapped: list[dict[str, str]] = field(default_factory=list)  # {"input", "value", "demo"}
    unmapped: list[dict[str, str]] = field(default_factory=list)  # {"input", "value", "why"}
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"inference": self.inference, "rollout": self.rollout, "steps": self.steps,
                "memory_size_mb": self.memory_size_mb, "idle_timeout_s": self.idle_timeout_s,
                "mapped": self.mapped, "unmapped": self.unmapped, "notes": self.notes}


def _decision(result: Mapping[str, Any], name: str) -> dict[str, Any]:
    for d in result.get("decisions") or []:
        if d.get("decision") == name:
            return dict(d)
    raise UsageError(f"the recommendation has no {name} decision to try")


def _row(decision: Mapping[str, Any], option: str | None) -> dict[str, Any]:
    return next((dict(r) for r in decision.get("ranked") or [] if r.get("option") == option), {})


def plan_try(result: Mapping[str, Any], idle_timeout_s: float = 3.0, fault: str | None = None) -> TryPlan:
    """decide('deployment', ...)'s result -> run-demo settings; a usage error for a choice run-demo cannot run."""
    given = dict(result.get("inputs") or {})
    facts = {**(result.get("assumed") or {}), **given}
    choice = _decision(result, "inference_option").get("choice")
    if choice not in INFERENCE_MAP:
        runnable = ", ".join(INFERENCE_MAP)
        raise UsageError(f"--try cannot run {choice or 'no choice'} locally: run-demo runs {runnable} only",
                         hint="change the inputs so one of those wins, or drop --try")
    inference = INFERENCE_MAP[choice]
    mapped = [{"input": "inference choice", "value": choice, "demo": f"--inference {inference}"}]
    unmapped: list[dict[str, str]] = []
    notes: list[str] = []

    rollout_choice = _decision(result, "rollout").get("choice")
    rollout: dict[str, Any] | None = None
    if rollout_choice in ROLLOUT_MAP and inference == "realtime":
        rollout = _rollout_settings(ROLLOUT_MAP[rollout_choice], facts, mapped, unmapped)
        if fault:
            rollout["fault"] = fault
            mapped.append({"input": "--fault", "value": fault, "demo": f"--fault {fault}"})
    elif rollout_choice:
        why = (f"run-demo runs rollouts on the real-time endpoint only, not on --inference {inference}"
               if rollout_choice in ROLLOUT_MAP else f"run-demo has no {rollout_choice} rollout")
        unmapped.append({"input": "rollout choice", "value": str(rollout_choice), "why": why})
        notes.append(f"rollout {rollout_choice} not run: {why}")
    if fault and rollout is None:
        raise UsageError("--fault needs a rollout the demo can run", hint="the recommended rollout is not run here: "
                         + (notes[-1] if notes else "no rollout was chosen"))

    traffic = str(facts.get("traffic", "steady"))
    load = TRAFFIC_LOAD.get(traffic, {}).get(inference)
    if load:
        mapped.append({"input": "traffic", "value": traffic, "demo": load.format(idle=idle_timeout_s)})
    else:
        unmapped.append({"input": "traffic", "value": traffic,
                         "why": f"the {inference} demo has no {traffic} load pattern; it runs its fixed load"})
    memory_size_mb = 2048
    if inference == "serverless" and facts.get("model_gb") is not None:
        lo, hi = SERVERLESS_MEMORY_MB
        memory_size_mb = min(hi, max(lo, math.ceil(float(facts["model_gb"]) * 1024 / MEMORY_STEP_MB) * MEMORY_STEP_MB))
        mapped.append({"input": "model_gb", "value": f"{facts['model_gb']:g}",
                       "demo": f"--memory-size {memory_size_mb} (the model must fit in MemorySizeInMB)"})
    for key, why in (("payload_mb", "the demo sends its own test rows (a few KB per request)"),
                     ("processing_seconds", "the demo's model answers in milliseconds"),
                     ("latency_ms", "a target to compare against, not a setting; see the measured latency"),
                     ("gpu", "the demo serves an XGBoost model on this machine's CPU"),
                     ("models", "the demo hosts one model (the multi-model demo its own set)")):
        if key in given:  # only what the user gave; assumed defaults are in the decision's "assumed"
            unmapped.append({"input": key, "value": str(given[key]), "why": why})
    steps = "transform" if inference == "batch" else "deploy,invoke"
    return TryPlan(inference=inference, rollout=rollout, steps=steps, memory_size_mb=memory_size_mb,
                   idle_timeout_s=idle_timeout_s, mapped=mapped, unmapped=unmapped, notes=notes)


def _rollout_settings(strategy: str, facts: Mapping[str, Any], mapped: list[dict[str, str]],
                      unmapped: list[dict[str, str]]) -> dict[str, Any]:
    """The rollout's settings: traffic-step sizes map; minutes and hours do not (the demo runs in seconds)."""
    settings: dict[str, Any] = {"strategy": strategy}
    mapped.append({"input": "rollout choice", "value": strategy, "demo": f"--rollout {strategy}"})
    first = facts.get("first_step_percent")
    steps = facts.get("steps")
    if strategy == "canary" and first is not None:
        settings["canary_percent"] = int(round(float(first)))
        mapped.append({"input": "first_step_percent", "value": f"{first:g}",
                       "demo": f"--canary-size {settings['canary_percent']}"})
    elif strategy == "linear" and (first is not None or steps):
        pct = int(round(float(first))) if first is not None else math.ceil(100 / int(steps))
        settings["linear_step_percent"] = pct
        src = "first_step_percent" if first is not None else "steps"
        mapped.append({"input": src, "value": str(first if first is not None else steps),
                       "demo": f"--linear-step {pct}"})
    elif strategy == "rolling" and first is not None:
        settings["rolling_batch_percent"] = int(round(float(first)))
        mapped.append({"input": "first_step_percent", "value": f"{first:g}",
                       "demo": f"--batch-size {settings['rolling_batch_percent']}"})
    if facts.get("alarms", True):
        mapped.append({"input": "alarms", "value": "True",
                       "demo": "the demo's error and latency alarms roll back automatically"})
    else:
        unmapped.append({"input": "alarms", "value": "False", "why": "the demo always sets its two alarms"})
    for key in ("bake_minutes", "rollout_hours"):
        if key in facts:
            unmapped.append({"input": key, "value": str(facts[key]),
                             "why": "the demo runs in seconds (2 s waits and bake)"})
    return settings


def _measured(data: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: data[k] for k in keys if data.get(k) is not None}


def summarize(result: Mapping[str, Any], plan: TryPlan, run: Mapping[str, Any]) -> dict[str, Any]:
    """The recommendation's reasons for each choice beside what the run measured."""
    steps = {s.get("name"): s for s in run.get("steps") or []}
    served = steps.get("transform" if plan.inference == "batch" else "invoke") or {}
    data = served.get("data") or {}
    info = {"mean_latency_ms": data.get("mean_latency_ms"), **(data.get("inference") or {})}
    inf = _decision(result, "inference_option")
    out: dict[str, Any] = {"ok": bool(run.get("ok")), "run_id": run.get("run_id"), "run_dir": run.get("run_dir"),
                           "inference": {"choice": inf.get("choice"), "demo": plan.inference,
                                         "reasons": _row(inf, inf.get("choice")).get("reasons", []),
                                         "measured": _measured(info, INFERENCE_KEYS)}}
    ro = _decision(result, "rollout")
    entry: dict[str, Any] = {"choice": ro.get("choice"), "demo": (plan.rollout or {}).get("strategy"),
                             "reasons": _row(ro, ro.get("choice")).get("reasons", [])}
    if plan.rollout is None:
        entry["not_run"] = plan.notes[-1] if plan.notes else "no rollout chosen"
    else:
        report = dict(((steps.get("rollout") or {}).get("data") or {}).get("rollout") or {})
        entry["measured"] = _measured(report, ROLLOUT_KEYS)
        callers = report.get("callers") or {}
        if callers:
            entry["measured"]["new_version_failed"] = callers.get("new_failed", 0)
    out["rollout"] = entry
    return out
