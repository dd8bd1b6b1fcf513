"""run-demo --rollout: deploy a second model version to the running real-time endpoint through a strategy.

The new version is trained with other hyperparameters, its workers start beside the endpoint's, and a local
router (sagecli/serve/router.py) splits the traffic as the strategy's phases say (rollout_plan.py). Callers
send steady traffic through boto3 the whole time. Each metric period writes CloudWatch-shaped datapoints per
variant (rollout/metrics.jsonl); the alarms are evaluated on the new variant's datapoints; an alarm during a
phase rolls the traffic back to the old version. Every caller outcome is counted per variant.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sagecli.aws.rollout_calls import NEW_VERSION  # the second version's hyperparameters (both backends)
from sagecli.contracts import RolloutSpec, RunState, StepFailed, StepResult
from sagecli.flow.rollout_plan import (
    ROLLING_FLEET,
    Phase,
    alarms,
    documented_limits,
    evaluate_alarms,
    metric_records,
    plan_phases,
    share_bar,
    variants_of,
)

CALLERS = 2  # threads sending steady traffic during the rollout
SLOW_FAULT_S = 0.4  # new-version-slow: each answer waits this long (over the default 250 ms latency alarm)


class Callers:
    """Steady traffic through boto3's sagemaker-runtime client; every outcome kept with its variant."""

    def __init__(self, url: str, endpoint: str, bodies: list[bytes], pause_s: float = 0.01) -> None:
        from sagecli.flow.backends.local import runtime_client

        self.outcomes: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(runtime_client(url), endpoint, bodies, i, pause_s),
                                          daemon=True, name=f"caller-{i}") for i in range(CALLERS)]
        for t in self._threads:
            t.start()

    def _loop(self, client: Any, endpoint: str, bodies: list[bytes], n: int, pause_s: float) -> None:
        i = n
        while not self._stop.is_set():
            body = bodies[i % len(bodies)]
            i += CALLERS
            try:
                resp = client.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType="text/csv")
                resp["Body"].read()
                out = {"ok": True, "variant": resp.get("InvokedProductionVariant")}
            except Exception as exc:  # noqa: BLE001 - a failed call is an outcome to count
                headers = (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPHeaders", {})
                out = {"ok": False, "variant": headers.get("x-amzn-invoked-production-variant"),
                       "error": str(exc)[:200]}
            with self._lock:
                self.outcomes.append(out)
            self._stop.wait(pause_s)

    def stop(self) -> None:
        """Stop sending and wait for the calls in flight."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)


def train_new_version(run: RunState) -> Path:
    """Train version 2 (other hyperparameters) and extract it; its model directory."""
    from sagecli.flow.inference import train_version
    from sagecli.serve.model import extract_model

    name, extra = NEW_VERSION
    uri = train_version(run, name, extra, "rollout")
    tarball = next(p for p in run.backend.download(uri, run.ctx.run_dir / "rollout" / name)
                   if p.name.endswith(".tar.gz"))
    return extract_model(tarball, run.ctx.run_dir / "rollout" / name / "extracted")


class Fleet:
    """Worker processes this step starts (stopped by the step, whatever happens)."""

    def __init__(self, run: RunState) -> None:
        self.run = run
        self.handles: list[Any] = []
        self.procs: list[Any] = []

    def start(self, model_dir: Path, variant: str) -> str:
        """A real-time worker for model_dir answering as `variant`; its URL."""
        from sagecli.serve.process import realtime_payload_limit_bytes, start_server

        assert self.run.endpoint is not None
        n = len(self.handles)
        config = {"model_dir": str(model_dir), "endpoint": self.run.endpoint.name, "variant": variant,
                  "max_payload_bytes": realtime_payload_limit_bytes(), "capture": None}
        handle = start_server(config, self.run.ctx.run_dir / "rollout" / f"worker-{n}",
                              startup_timeout_s=self.run.ctx.options.startup_timeout_s, on_start=self.procs.append)
        self.handles.append(handle)
        return handle.url

    def stop(self, url: str) -> None:
        """Stop one worker this step started."""
        from sagecli.procgroup import stop_group

        for h in self.handles:
            if h.url == url:
                stop_group(h.pid, grace_s=1.0, reap=h.pid)

    def close(self) -> None:
        """Stop every worker this step started."""
        from sagecli.procgroup import stop_group

        for p in self.procs:
            stop_group(p.pid, grace_s=1.0, reap=p.pid)
            p.poll()


def rollout_step(run: RunState, res: StepResult) -> None:
    """Deploy version 2 through --rollout, with alarms, auto-rollback and per-variant caller accounting."""
    if run.backend.name == "sagemaker":  # UpdateEndpoint with guardrails: sagecli/flow/backends/sagemaker_rollout.py
        from sagecli.flow.backends.sagemaker_rollout import rollout_on_sagemaker

        rollout_on_sagemaker(run, res)
        return
    from sagecli.flow.data import format_rows
    from sagecli.serve.router import Router, Variant

    spec = run.ctx.options.rollout
    assert spec is not None and run.endpoint is not None and run.model_dir is not None and run.endpoint.url
    old, new = variants_of(spec.strategy)
    out_dir = run.ctx.run_dir / "rollout"
    out_dir.mkdir(parents=True, exist_ok=True)
    new_dir = train_new_version(run)
    fleet = Fleet(run)
    router = None
    callers = None
    try:
        run.ctx.emit("rollout", f"starting the new version's workers ({spec.strategy})")
        old_urls = [run.endpoint.url]
        if spec.strategy == "rolling":
            old_urls += [fleet.start(run.model_dir, old) for _ in range(ROLLING_FLEET - 1)]
            new_urls: list[str] = []
        else:
            new_urls = [fleet.start(new_dir, new)]
        fault = {"new-version": "errors", "new-version-slow": "slow"}.get(spec.fault or "")
        variants = [Variant(old, list(old_urls), 1.0),
                    Variant(new, list(new_urls), 0.0, shadow=spec.strategy == "shadow", fault=fault,
                            fault_delay_s=SLOW_FAULT_S)]
        router = Router(run.endpoint.name, variants, out_dir / "shadow-responses.jsonl",
                        random.Random(run.ctx.options.seed))
        x_test = run.dataset.splits["test"][0][:50]
        bodies = [format_rows(x_test[i:i + 1]).rstrip("\n").encode() for i in range(len(x_test))]
        probe = _target_variant_probe(router, run.endpoint.name, bodies[0], old, new) if spec.strategy == "ab" else {}
        callers = Callers(router.url, run.endpoint.name, bodies)
        report = _execute(spec, router, fleet, new_dir, old_urls, run.ctx.emit, out_dir / "metrics.jsonl",
                          run.endpoint.name)
        callers.stop()
    finally:
        if callers is not None:
            callers.stop()
        if router is not None:
            router.close()
        fleet.close()
    report.update(_caller_report(callers.outcomes if callers else [], old, new, spec))
    report.update(router_url=router.url if router else None)
    report.update(strategy=spec.strategy, fault=spec.fault, variants={"old": old, "new": new}, target_variant=probe,
                  alarms=alarms(spec, run.endpoint.name, new), limits=documented_limits(spec.strategy),
                  new_version={"name": NEW_VERSION[0], "hyperparameters": NEW_VERSION[1]},
                  shadow_logged=router.shadow_logged if router else 0)
    if spec.strategy == "shadow":
        report["shadow_returned"] = report["callers"]["by_variant"].get(new, 0)
    res.data = {"rollout": report}
    res.artifacts = {"metrics": str(out_dir / "metrics.jsonl")}
    if spec.strategy == "shadow":
        res.artifacts["shadow"] = str(out_dir / "shadow-responses.jsonl")
    res.summary = rollout_summary(report)
    if report["callers"]["old_failed"]:
        raise StepFailed(f"{report['callers']['old_failed']} request(s) answered by the old version failed")


def _target_variant_probe(router: Any, endpoint: str, body: bytes, old: str, new: str) -> dict[str, Any]:
    """TargetVariant pins a request whatever the weights (the new variant has weight 0 here)."""
    from sagecli.flow.backends.local import runtime_client

    client = runtime_client(router.url)
    got: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in (old, new):
        try:
            resp = client.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType="text/csv", TargetVariant=name)
            resp["Body"].read()
            got[name] = resp.get("InvokedProductionVariant")
        except client.exceptions.ModelError as exc:  # a faulty variant answers the pinned request with its error
            got[name] = exc.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-invoked-production-variant")
            errors[name] = "ModelError"
    if got != {old: old, new: new}:
        raise StepFailed(f"TargetVariant was not honoured: {got}")
    return {"requested": [old, new], "invoked": got, "errors": errors}


def _execute(spec: RolloutSpec, router: Any, fleet: Fleet, new_dir: Path, old_urls: list[str],
             emit: Callable[[str, str], None], metrics_path: Path, endpoint: str,
             clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Run the phases; every metric period: datapoints, alarms on the new variant, rollback on an alarm."""
    old, new = variants_of(spec.strategy)
    phases = plan_phases(spec)
    start = clock()
    timeline: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    state = {"alarm": "OK", "rolled_back": False, "reason": None, "at_s": None, "completed": False,
             "rollback_s": None}
    period_start = start
    with metrics_path.open("w", encoding="utf-8") as mfile:
        for phase in phases:
            _apply(spec, router, fleet, new_dir, old_urls, phase)
            shares = router.shares()
            timeline.append({"t_s": round(clock() - start, 2), "phase": phase.label,
                             "shares": {k: round(v, 3) for k, v in shares.items()}})
            if spec.strategy == "ab":  # the request that moved the weights, as the API takes it
                timeline[-1]["UpdateEndpointWeightsAndCapacities"] = {
                    "EndpointName": endpoint, "DesiredWeightsAndCapacities": [
                        {"VariantName": n, "DesiredWeight": w} for n, w in phase.weights.items()]}
            end = clock() + phase.hold_s
            while clock() < end:
                time.sleep(max(0.0, min(spec.metric_period_s, end - clock())))
                now = clock()
                wall = time.time()
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall)) + f".{int(wall * 1000) % 1000:03d}Z"
                counts = {}
                new_points: list[dict[str, Any]] = []
                for name in (old, new):
                    recs = router.records_between(period_start, now)
                    pts = metric_records(endpoint, name, [r for r in recs if r.variant == name], stamp)
                    for p in pts:
                        mfile.write(json.dumps(p) + "\n")
                    counts[name] = {p["MetricName"]: p["Value"] for p in pts}
                    if name == new:
                        new_points = pts
                mfile.flush()
                period_start = now
                fired = evaluate_alarms(spec, new_points)
                history.append({"t_s": round(now - start, 2), "phase": phase.label, "alarm": "ALARM" if fired else "OK",
                                "invocations": {k: v.get("Invocations", 0) for k, v in counts.items()}})
                new_share = 1.0 if spec.strategy == "shadow" else shares.get(new, 0.0)
                n_new = counts[new].get("Invocations", 0)
                err = counts[new].get("Invocation5XXErrors", 0) + counts[new].get("Invocation4XXErrors", 0)
                emit("rollout", f"{phase.label:<17} {share_bar(new_share)} {new} {n_new:g} req {err:g} err "
                                f"{'ALARM' if fired else 'OK'}")
                if fired:
                    state.update(alarm="ALARM", reason="; ".join(fired), at_s=round(now - start, 2))
                    break
                if now - start > spec.max_execution_s:
                    state.update(reason="MaximumExecutionTimeoutInSeconds reached", at_s=round(now - start, 2))
                    break
            if state["reason"]:
                t0 = clock()
                _rollback(spec, router, fleet, old_urls, new)
                state.update(rolled_back=spec.strategy != "shadow", rollback_s=round(clock() - t0, 3))
                shares = router.shares()
                timeline.append({"t_s": round(clock() - start, 2), "phase": "rolled back" if spec.strategy != "shadow"
                                 else "shadow stopped", "shares": {k: round(v, 3) for k, v in shares.items()}})
                emit("rollout", f"{'rolled back':<17} {share_bar(0.0)} {new} 0% ({state['reason']})")
                time.sleep(spec.metric_period_s)  # callers keep going on the old version
                break
        else:
            state["completed"] = True
    return {"timeline": timeline, "periods": history, "alarm_state": state["alarm"], "alarm_reason": state["reason"],
            "alarm_at_s": state["at_s"], "rolled_back": state["rolled_back"], "rollback_s": state["rollback_s"],
            "completed": state["completed"], "duration_s": round(clock() - start, 2),
            "metrics_file": str(metrics_path)}


def _apply(spec: RolloutSpec, router: Any, fleet: Fleet, new_dir: Path, old_urls: list[str], phase: Phase) -> None:
    """Set the phase's weights (rolling: replace a batch of old workers with new ones first)."""
    old, new = variants_of(spec.strategy)
    if spec.strategy == "rolling":
        have = len(router.variants[new].urls)
        added = [fleet.start(new_dir, new) for _ in range(phase.new_workers - have)]
        if added:
            order = old_urls[1:] + old_urls[:1]  # the endpoint's own worker is replaced last
            router.set_workers(new, router.variants[new].urls + added)
            router.set_workers(old, order[phase.new_workers:])
            router.drain(order[:phase.new_workers])  # requests in flight on the replaced workers finish first
            for url in order[:phase.new_workers]:
                fleet.stop(url)
        router.update_weights({old: len(router.variants[old].urls), new: len(router.variants[new].urls)})
        return
    if spec.strategy == "shadow":
        return
    router.update_weights(dict(phase.weights))


def _rollback(spec: RolloutSpec, router: Any, fleet: Fleet, old_urls: list[str], new: str) -> None:
    """All traffic back to the old version (rolling: the whole fleet at once, RollbackMaximumBatchSize 100 %)."""
    old = variants_of(spec.strategy)[0]
    if spec.strategy == "shadow":
        router.set_workers(new, [])
        return
    if spec.strategy == "rolling":
        live = list(router.variants[old].urls)
        gone = list(router.variants[new].urls)
        router.update_weights({old: 1.0, new: 0.0})
        router.set_workers(new, [])
        router.drain(gone)
        for url in gone:
            fleet.stop(url)
        model_dir = fleet.run.model_dir
        assert model_dir is not None
        restarted = [fleet.start(model_dir, old) for _ in range(ROLLING_FLEET - len(live))]
        router.set_workers(old, live + restarted)
        return
    router.update_weights({old: 1.0, new: 0.0})


def _caller_report(outcomes: list[dict[str, Any]], old: str, new: str, spec: RolloutSpec) -> dict[str, Any]:
    """What callers saw, per variant: answers, and the failures the strategy exposed them to."""
    by: dict[str, int] = {}
    for o in outcomes:
        if o["ok"]:
            by[o["variant"]] = by.get(o["variant"], 0) + 1
    failed = [o for o in outcomes if not o["ok"]]
    exposed = sum(o["variant"] == new for o in failed)  # the router names the variant that failed
    return {"callers": {"requests": len(outcomes), "ok": len(outcomes) - len(failed), "failed": len(failed),
                        "by_variant": by, "new_failed": exposed, "old_failed": len(failed) - exposed,
                        "errors": sorted({o.get("error", "") for o in failed})[:3]}}


def rollout_summary(report: dict[str, Any]) -> str:
    """One line: strategy, outcome, alarm, what callers saw."""
    c = report["callers"]
    if report["strategy"] == "shadow":
        outcome = ("shadow alarm: not promoted" if report["alarm_state"] == "ALARM" else "shadow healthy")
        outcome += f", {report['shadow_logged']} shadow responses logged, {report['shadow_returned']} returned"
    elif report["rolled_back"]:
        outcome = f"rolled back at {report['alarm_at_s']:.1f}s ({report['alarm_reason']})"
    else:
        outcome = f"completed in {report['duration_s']:.1f}s, alarms OK"
    return (f"{report['strategy']}: {outcome}; callers {c['ok']}/{c['requests']} ok, "
            f"{c['new_failed']} failed on the new version, {c['old_failed']} on the old")
