"""run-demo --rollout on SageMaker: the second version reaches the endpoint through UpdateEndpoint's guardrails.

Train v2 (a second training job), CreateModel, CloudWatch alarms on the new variant, a new endpoint config,
then UpdateEndpoint: blue/green (all-at-once, canary, linear) or rolling with AutoRollbackConfiguration on the
alarms; A/B adds a second production variant and moves weights with UpdateEndpointWeightsAndCapacities; shadow
copies requests to a shadow variant and promotes it only if its alarms stay OK. DescribeEndpoint is polled for
EndpointStatus (Updating, RollingBack, InService), the variants' weights and statuses, and LastDeploymentConfig.
Every create goes through the backend's executor (ledger first), so teardown removes it, on failure too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sagecli.aws import rollout_calls as rc
from sagecli.contracts import RolloutSpec, RunState, StepFailed, StepResult

BUSY = ("Creating", "Updating", "SystemUpdating", "RollingBack")
CALLER_PAUSE_S = 0.05  # steady traffic during the update, so the alarms have datapoints


class Callers:
    """One thread sending the test rows to the endpoint the whole time; outcomes counted per variant."""

    def __init__(self, client: Any, endpoint: str, bodies: list[bytes]) -> None:
        self.by_variant: dict[str, int] = {}
        self.failed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(client, endpoint, bodies), daemon=True,
                                        name="sm-rollout-caller")
        self._thread.start()

    def _loop(self, client: Any, endpoint: str, bodies: list[bytes]) -> None:
        i = 0
        while not self._stop.is_set():
            try:
                resp = client.invoke_endpoint(EndpointName=endpoint, Body=bodies[i % len(bodies)],
                                              ContentType="text/csv")
                resp["Body"].read()
                v = resp.get("InvokedProductionVariant") or "?"
                self.by_variant[v] = self.by_variant.get(v, 0) + 1
            except Exception as exc:  # noqa: BLE001 - a failed call is an outcome to count
                self.failed.append(str(exc)[:200])
            i += 1
            self._stop.wait(CALLER_PAUSE_S)

    def stop(self) -> dict[str, Any]:
        """Stop sending; what callers saw."""
        self._stop.set()
        self._thread.join(timeout=30)
        ok = sum(self.by_variant.values())
        return {"requests": ok + len(self.failed), "ok": ok, "failed": len(self.failed),
                "by_variant": dict(sorted(self.by_variant.items())), "errors": sorted(set(self.failed))[:3]}


def variant_line(desc: dict[str, Any]) -> str:
    """Variants with weights (and the pending deployment's variant statuses) in one short line."""
    parts = []
    for v in desc.get("ProductionVariants", []):
        w = v.get("CurrentWeight")
        parts.append(f"{v['VariantName']} w={w:g}" if isinstance(w, (int, float)) else v["VariantName"])
    for v in desc.get("ShadowProductionVariants", []):
        parts.append(f"shadow {v['VariantName']}")
    pending = desc.get("PendingDeploymentSummary") or {}
    for v in pending.get("ProductionVariants", []):
        states = ",".join(s["Status"] for s in v.get("VariantStatus", []))
        parts.append(f"new {v['VariantName']}: {states or 'pending'}")
    return "; ".join(parts)


class Poller:
    """DescribeEndpoint until it settles; every change of status or variants becomes a timeline entry."""

    def __init__(self, sm: Any, endpoint: str, emit: Callable[[str, str], None], poll_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sm, self.endpoint, self.emit, self.poll_s, self.clock = sm, endpoint, emit, poll_s, clock
        self.start = clock()
        self.timeline: list[dict[str, Any]] = []
        self.seen: set[str] = set()

    def settle(self, timeout_s: float) -> dict[str, Any]:
        """Poll until the endpoint leaves Creating/Updating/RollingBack; its last description."""
        t0 = self.clock()
        last = ""
        while True:
            desc = self.sm.describe_endpoint(EndpointName=self.endpoint)
            status = desc["EndpointStatus"]
            self.seen.add(status)
            line = f"{status:<11} {variant_line(desc)}"
            if line != last:
                t = round(self.clock() - self.start, 2)
                self.timeline.append({"t_s": t, "status": status, "config": desc.get("EndpointConfigName"),
                                      "variants": variant_line(desc)})
                self.emit("rollout", f"{line} ({t:.0f}s)")
                last = line
            if status not in BUSY:
                return desc
            if self.clock() - t0 > timeout_s:
                raise StepFailed(f"endpoint {self.endpoint} still {status} after {timeout_s:.0f}s")
            time.sleep(self.poll_s)


def alarm_states(cw: Any, names: list[str]) -> dict[str, str]:
    """StateValue of each alarm (OK, ALARM, INSUFFICIENT_DATA)."""
    found = cw.describe_alarms(AlarmNames=names).get("MetricAlarms", [])
    return {a["AlarmName"]: a["StateValue"] for a in found}


def rollout_on_sagemaker(run: RunState, res: StepResult) -> None:
    """--rollout on --backend sagemaker: train v2, create its model, alarms and config, update the endpoint."""
    from sagecli.flow.data import format_rows
    from sagecli.flow.inference import train_version
    from sagecli.flow.rollout_plan import documented_limits

    spec = run.ctx.options.rollout
    backend: Any = run.backend
    assert spec is not None and run.endpoint is not None and backend.layout is not None
    endpoint, emit = run.endpoint.name, run.ctx.emit
    names = rc.rollout_names(backend.layout)
    name, extra = rc.NEW_VERSION
    artifact = train_version(run, name, extra, "rollout")
    old_model = backend.model_name or backend.layout.name("model")
    planned = rc.rollout_calls(spec=spec, endpoint=endpoint, names=names, old_model=old_model, new_artifact=artifact,
                               image=backend.image, role_arn=backend.spec.role_arn,
                               instance_type=run.ctx.options.instance_type, run_id=run.ctx.run_id,
                               capture_uri=backend.layout.uri("datacapture"),
                               sampling_percentage=run.ctx.options.sampling_percentage)
    sm, cw = backend.aws.client("sagemaker"), backend.aws.client("cloudwatch")
    old_config = sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    alarms = rc.alarm_names(endpoint, spec.strategy)
    # poll at least once per traffic step (WaitIntervalInSeconds), so the live view shows each one
    poller = Poller(sm, endpoint, emit, min(backend.poll_s, max(1.0, spec.wait_interval_s)))
    timeout = spec.max_execution_s + 3600  # the update's own limit, plus creating the new fleet
    x_test = run.dataset.splits["test"][0][:20]
    bodies = [format_rows(x_test[i:i + 1]).rstrip("\n").encode() for i in range(len(x_test))]
    requests: list[dict[str, Any]] = []
    state: dict[str, Any] = {"rolled_back": False, "alarm": "OK", "reason": None, "promoted": None}
    first_update = next(i for i, c in enumerate(planned) if c.operation == "UpdateEndpoint")
    for call in planned[:first_update]:  # model, alarms, config: recorded in the ledger before each call
        backend.exe.call(call)
    emit("rollout", f"{spec.strategy}: {endpoint} {old_config} -> {names['config']}")
    callers = Callers(backend.aws.client("sagemaker-runtime"), endpoint, bodies)
    probe: dict[str, Any] = {}
    try:
        update = planned[first_update]
        requests.append({"operation": update.operation, "request": update.params})
        backend.exe.call(update)
        desc = poller.settle(timeout)
        _check_update(desc, old_config, names["config"], poller, state)
        if spec.strategy == "ab" and not state["rolled_back"]:
            probe = _ab(spec, planned, backend, sm, cw, alarms, poller, requests, state, endpoint, bodies[0], timeout)
        if spec.strategy == "shadow" and not state["rolled_back"]:
            _shadow(spec, planned, backend, cw, alarms, poller, requests, state, timeout)
    finally:
        seen = callers.stop()
    final = sm.describe_endpoint(EndpointName=endpoint)
    report = {"backend": "sagemaker", "strategy": spec.strategy, "endpoint": endpoint, "old_config": old_config,
              "new_config": names["config"], "final_config": final.get("EndpointConfigName"),
              "last_deployment_config": final.get("LastDeploymentConfig"), "requests": requests,
              "timeline": poller.timeline, "statuses_seen": sorted(poller.seen), "alarms": alarms,
              "alarm_states": alarm_states(cw, alarms), "alarm_state": state["alarm"], "alarm_reason": state["reason"],
              "rolled_back": state["rolled_back"], "promoted": state["promoted"], "callers": seen,
              "target_variant": probe, "limits": documented_limits(spec.strategy),
              "new_version": {"name": name, "hyperparameters": extra, "model": names["model"]},
              "duration_s": round(poller.clock() - poller.start, 2)}
    res.data = {"rollout": report}
    res.summary = summary(report)
    if seen["failed"] and not state["rolled_back"]:
        raise StepFailed(f"{seen['failed']} request(s) failed during the rollout: {seen['errors'][0]}")


def _check_update(desc: dict[str, Any], old_config: str, new_config: str, poller: Poller,
                  state: dict[str, Any]) -> None:
    """After an update settles: on the new config (done), back on the old one (rolled back), or failed."""
    if desc["EndpointStatus"] != "InService":
        raise StepFailed(f"endpoint is {desc['EndpointStatus']} after the update: "
                         f"{desc.get('FailureReason', 'no reason given')}")
    if desc.get("EndpointConfigName") == new_config:
        return
    if desc.get("EndpointConfigName") == old_config or "RollingBack" in poller.seen:
        state.update(rolled_back=True, alarm="ALARM",
                     reason=desc.get("FailureReason") or "an auto-rollback alarm fired; back on the old config")
        return
    raise StepFailed(f"endpoint ended on {desc.get('EndpointConfigName')}, not {new_config}")


def _fired(cw: Any, alarms: list[str]) -> list[str]:
    return [n for n, s in alarm_states(cw, alarms).items() if s == "ALARM"]


def _ab(spec: RolloutSpec, planned: list[Any], backend: Any, sm: Any, cw: Any, alarms: list[str], poller: Poller,
        requests: list[dict[str, Any]], state: dict[str, Any], endpoint: str, body: bytes,
        timeout: float) -> dict[str, Any]:
    """Move weights step by step (back to VariantA on an alarm), then pin a request to each variant."""
    steps = [c for c in planned if c.operation == "UpdateEndpointWeightsAndCapacities"]
    for call in [*steps, None]:  # the alarms are checked before each step and after the last
        fired = _fired(cw, alarms)
        if fired:
            back = rc.update_weights(endpoint, {rc.AB_OLD: 1.0, rc.AB_NEW: 0.0})
            requests.append({"operation": back.operation, "request": back.params})
            backend.exe.call(back)
            poller.settle(timeout)
            state.update(rolled_back=True, alarm="ALARM", reason="alarm " + ", ".join(fired) + ": weights back to A")
            break
        if call is None:
            break
        requests.append({"operation": call.operation, "request": call.params})
        backend.exe.call(call)
        poller.settle(timeout)
        time.sleep(spec.wait_interval_s)
    runtime = backend.aws.client("sagemaker-runtime")
    got = {}
    for variant in (rc.AB_OLD, rc.AB_NEW):  # TargetVariant pins a request whatever the weights
        resp = runtime.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType="text/csv", TargetVariant=variant)
        resp["Body"].read()
        got[variant] = resp.get("InvokedProductionVariant")
    if got != {rc.AB_OLD: rc.AB_OLD, rc.AB_NEW: rc.AB_NEW}:
        raise StepFailed(f"TargetVariant was not honoured: {got}")
    return {"requested": [rc.AB_OLD, rc.AB_NEW], "invoked": got}


def _shadow(spec: RolloutSpec, planned: list[Any], backend: Any, cw: Any, alarms: list[str], poller: Poller,
            requests: list[dict[str, Any]], state: dict[str, Any], timeout: float) -> None:
    """Let the shadow take copies for the wait and bake; promote it only if its alarms stayed OK."""
    time.sleep(spec.wait_interval_s + spec.bake_s)
    fired = _fired(cw, alarms)
    if fired:
        state.update(alarm="ALARM", reason="alarm " + ", ".join(fired), promoted=False)
        return
    promote_config, promote = [c for c in planned if c.operation in ("CreateEndpointConfig", "UpdateEndpoint")][-2:]
    backend.exe.call(promote_config)
    requests.append({"operation": promote.operation, "request": promote.params})
    backend.exe.call(promote)
    desc = poller.settle(timeout)
    if desc["EndpointStatus"] != "InService" or desc.get("EndpointConfigName") != promote_config.name:
        raise StepFailed(f"promoting the shadow left the endpoint {desc['EndpointStatus']} on "
                         f"{desc.get('EndpointConfigName')}")
    state["promoted"] = True


def summary(report: dict[str, Any]) -> str:
    """One line: strategy, outcome, what callers saw."""
    c = report["callers"]
    if report["strategy"] == "shadow":
        outcome = "shadow promoted" if report["promoted"] else f"shadow not promoted ({report['alarm_reason']})"
    elif report["rolled_back"]:
        outcome = f"rolled back to {report['final_config']} ({report['alarm_reason']})"
    else:
        outcome = f"on {report['final_config']} in {report['duration_s']:.1f}s, alarms OK"
    return f"{report['strategy']} on SageMaker: {outcome}; callers {c['ok']}/{c['requests']} ok"


def summary_rows(line: str, report: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows for the run summary: outcome, the statuses the endpoint went through, alarms, limits."""
    statuses: list[str] = []
    for t in report["timeline"]:
        if not statuses or statuses[-1] != t["status"]:
            statuses.append(t["status"])
    last = report.get("last_deployment_config") or {}
    policy = (last.get("BlueGreenUpdatePolicy") or {}).get("TrafficRoutingConfiguration", {}).get("Type") or \
        ("RollingUpdatePolicy" if "RollingUpdatePolicy" in last else "no DeploymentConfig")
    rows = [("Rollout", line),
            ("Update", f"{' -> '.join(statuses)}; now on {report['final_config']} (LastDeploymentConfig: {policy})")]
    states = ", ".join(f"{n.rsplit('-', 1)[-1]} {s}" for n, s in report["alarm_states"].items())
    rows.append(("Alarms", f"{states}; deleted at teardown"))
    rows.append(("Limits", "; ".join(x.split(" (http")[0] for x in report["limits"])))
    return rows
