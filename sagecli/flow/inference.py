"""run-demo --inference: the options' settings (validated against the knowledge base) and what each reports.

realtime is the default flow. serverless deploys an endpoint that scales to zero (cold starts, MaxConcurrency
throttling); async queues InvokeEndpointAsync requests with inputs and outputs as files; batch runs the
transform step instead of an endpoint. Limits come from content/inference_options.yaml.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sagecli.aws.endpoint_calls import MME_VARIANTS  # the plan on SageMaker trains the same versions
from sagecli.contracts import INFERENCE_OPTIONS, INFERENCE_RECORDS, FlowOptions, RunState, StepResult
from sagecli.errors import UsageError

MEMORY_STEP_MB = 1024  # MemorySizeInMB moves in 1 GB steps (content/inference_options.yaml, memory_size_mb note)


def option_record(inference: str) -> dict[str, Any]:
    """The knowledge-base record of an inference option."""
    from sagecli.knowledge.store import load_kb

    return load_kb().get(INFERENCE_RECORDS[inference])


def _limit(record: dict[str, Any], name: str) -> dict[str, Any]:
    return (record.get("limits") or {})[name]


def validate_inference(options: FlowOptions) -> None:
    """A usage error for an unknown option or a serverless setting SageMaker would refuse (ranges from the KB)."""
    if options.inference not in INFERENCE_OPTIONS:
        raise UsageError(f"unknown inference option {options.inference!r}",
                         hint="choose one of: " + ", ".join(INFERENCE_OPTIONS))
    if options.inference != "serverless":
        return
    rec = option_record("serverless")
    mem = _limit(rec, "memory_size_mb")
    lo, hi = int(mem["min"]), int(mem["max"])
    if not lo <= options.memory_size_mb <= hi or options.memory_size_mb % MEMORY_STEP_MB:
        raise UsageError(f"--memory-size {options.memory_size_mb} is not a valid MemorySizeInMB",
                         hint=f"{lo}-{hi} MB in {MEMORY_STEP_MB} MB steps ({mem['source']})")
    conc = _limit(rec, "max_concurrency")
    if not int(conc["min"]) <= options.max_concurrency <= int(conc["max"]):
        raise UsageError(f"--max-concurrency {options.max_concurrency} is out of range",
                         hint=f"MaxConcurrency is {int(conc['min'])}-{int(conc['max'])} ({conc['source']})")
    prov = options.backend_options.get("provisioned_concurrency")
    if prov is not None and not 1 <= int(prov) <= options.max_concurrency:
        src = _limit(rec, "provisioned_concurrency")["source"]
        raise UsageError(f"--provisioned-concurrency {prov} is out of range",
                         hint=f"ProvisionedConcurrency is 1 to MaxConcurrency ({options.max_concurrency}) ({src})")


def no_capture_reason(inference: str) -> str | None:
    """Why the monitor step cannot run for an option without data capture (None when it has capture)."""
    if inference == "realtime":
        return None
    rec = option_record(inference)
    if rec.get("data_capture") is not False:
        return None
    if inference == "serverless":
        return "serverless endpoints have no data capture on SageMaker, so Model Monitor has nothing to read"
    if inference == "multi-model":
        return ("multi-model endpoints: Model Monitor supports only endpoints that host a single model "
                "(data capture is N/A in the feature matrix)")
    return (f"{rec['name']}: no documented data capture (the hosting feature matrix leaves it unticked), "
            "so there is nothing to monitor")


def cost_model(inference: str) -> dict[str, Any]:
    """How the option bills and when it starts cold (the KB's words; no prices)."""
    rec = option_record(inference)
    return {"billing": rec.get("billing", ""), "cold_starts": rec.get("cold_starts", ""),
            "scale_to_zero": bool(rec.get("scale_to_zero"))}


def realtime_info(run: RunState, latency_ms: float) -> dict[str, Any]:
    """The default option: instances stay up, so no request waits for a start; the start happened at deploy."""
    start = run.endpoint_start_s
    return {"option": "realtime", "mean_latency_ms": round(latency_ms, 3), "cold_starts": 0,
            "endpoint_start_s": round(start, 3) if start is not None else None, "cost_model": cost_model("realtime"),
            "summary": f"realtime: {latency_ms:.2f} ms/request, no cold start while serving"
                       + (f" (the endpoint took {start:.2f} s to start at deploy)" if start is not None else "")}


def serverless_extras(run: RunState, res: StepResult) -> dict[str, Any]:
    """After the ordinary traffic: wait for scale to zero, then a burst of 2 x MaxConcurrency callers.

    The burst arrives while the worker is cold, so MaxConcurrency requests hold their slots through the
    cold start and the rest are refused with ThrottlingException, as SageMaker does.
    """
    from sagecli.flow.data import format_rows

    assert run.endpoint is not None
    opts = run.ctx.options
    stats = run.backend.endpoint_stats
    zero: bool | None = None
    if _client_measured(stats(run.endpoint)):  # SageMaker releases capacity when it decides; nothing shows it
        run.ctx.emit("invoke", f"idle: waiting {opts.idle_timeout_s:g} s (SageMaker does not report when a "
                               "serverless endpoint is at zero)")
        time.sleep(opts.idle_timeout_s)
    else:
        deadline = time.monotonic() + opts.idle_timeout_s + 10.0
        run.ctx.emit("invoke", f"idle: waiting {opts.idle_timeout_s:g} s for the endpoint to scale to zero")
        while stats(run.endpoint)["worker_running"] and time.monotonic() < deadline:
            time.sleep(0.05)
        zero = not stats(run.endpoint)["worker_running"]
    x_test, _ = run.dataset.splits["test"]
    body = format_rows(x_test[:1]).rstrip("\n").encode()
    callers = 2 * opts.max_concurrency

    def call(i: int) -> str:
        from sagecli.errors import SageCliError

        try:
            run.backend.invoke(run.endpoint, body, "text/csv", "text/csv", inference_id=f"burst-{i}")
            return "ok"
        except SageCliError as err:
            return "throttled" if "ThrottlingException" in err.message else err.message

    run.ctx.emit("invoke", f"burst: {callers} concurrent callers, MaxConcurrency {opts.max_concurrency}")
    with ThreadPoolExecutor(max_workers=callers) as pool:
        outcomes = list(pool.map(call, range(callers)))
    other = [o for o in outcomes if o not in ("ok", "throttled")]
    if other:
        from sagecli.contracts import StepFailed

        raise StepFailed(f"burst request failed: {other[0]}")
    return {"scaled_to_zero_before_burst": zero, "burst_callers": callers, "burst_ok": outcomes.count("ok"),
            "burst_throttled": outcomes.count("throttled")}


def _client_measured(info: dict[str, Any]) -> bool:
    """True for the sagemaker backend's stats: what the client saw, not the worker's own counters."""
    return info.get("measured") == "client"


def serverless_summary(info: dict[str, Any]) -> str:
    """One line: cold starts, throttles, warm latency."""
    if _client_measured(info):
        warm = info.get("warm_latency_ms_p50")
        return (f"serverless {info['memory_size_mb']} MB on SageMaker: {info['invocations']} invocations, first "
                f"{info['first_request_ms']} ms (any cold start is in it), {info['throttled']} throttled at "
                f"MaxConcurrency {info['max_concurrency']}" + (f", warm p50 {warm:.1f} ms" if warm is not None else "")
                + f", at most {info['compute_gb_s_at_most']} GB-s (client-timed)")
    cold = ", ".join(f"{c:.0f}" for c in info["cold_start_ms"])
    warm = info.get("warm_latency_ms_p50")
    return (f"serverless {info['memory_size_mb']} MB: {info['invocations']} invocations, "
            f"{info['cold_starts']} cold start(s) ({cold} ms), {info['throttled']} throttled at MaxConcurrency "
            f"{info['max_concurrency']}" + (f", warm p50 {warm:.1f} ms" if warm is not None else "")
            + f", {info['compute_gb_s']} GB-s of compute")


ASYNC_FILE_ROWS = 100  # rows per async input file
ASYNC_WAIT_S = 120.0


def async_invoke(run: RunState, res: StepResult) -> None:
    """InvokeEndpointAsync over the test rows: inputs as s3:// objects, outputs and notifications as files.

    One extra input carries a header row the model cannot read, so the failure location and the error
    notification are shown too. Outputs are checked against the evaluated model, then the step waits for
    the empty queue to scale the worker to zero.
    """
    from sagecli.contracts import StepFailed
    from sagecli.flow.data import format_rows
    from sagecli.flow.scoring import prediction_gap, run_model_scores
    from sagecli.monitor.csvparse import parse_numeric

    assert run.endpoint is not None
    backend: Any = run.backend
    x_test, _ = run.dataset.splits["test"]
    bucket = backend.run_uri("async-input") if hasattr(backend, "run_uri") else \
        f"s3://sagecli-local/async-input/{run.ctx.run_id}"
    sent: list[tuple[str, int, int]] = []  # inference id, first row, rows
    t0 = time.perf_counter()
    for i in range(0, len(x_test), ASYNC_FILE_ROWS):
        uri = backend.put_object(f"{bucket}/part-{i // ASYNC_FILE_ROWS:04d}.csv",
                                 format_rows(x_test[i:i + ASYNC_FILE_ROWS]).encode())
        out = backend.invoke_async(run.endpoint, uri, "text/csv", "text/csv", inference_id=f"rows-{i}")
        sent.append((out["InferenceId"], i, len(x_test[i:i + ASYNC_FILE_ROWS])))
    bad_uri = backend.put_object(f"{bucket}/with-header.csv", b"f1,f2,f3\n1,2,3\n")
    bad = backend.invoke_async(run.endpoint, bad_uri, "text/csv", "text/csv", inference_id="with-header")
    submit_ms = (time.perf_counter() - t0) * 1000
    run.ctx.emit("invoke", f"{len(sent) + 1} requests queued (InvokeEndpointAsync, {submit_ms:.0f} ms)")
    stats = backend.endpoint_stats
    deadline = time.monotonic() + ASYNC_WAIT_S
    while stats(run.endpoint)["completed"] + stats(run.endpoint)["failed"] < len(sent) + 1:
        if time.monotonic() > deadline:
            raise StepFailed(f"async results did not arrive within {ASYNC_WAIT_S:g} s")
        time.sleep(0.02)
    done_ms = (time.perf_counter() - t0) * 1000
    scores: list[float] = []
    info = stats(run.endpoint)
    for inference_id, _, rows in sent:
        note = _notification(info, inference_id)
        if note["invocationStatus"] != "Completed":
            raise StepFailed(f"async request {inference_id} failed: {note.get('failureReason', '')}")
        out = backend.object_path(note["responseParameters"]["outputLocation"]).read_text()
        got = [float(v) for v in out.replace("\n", ",").split(",") if v.strip()]
        if len(got) != rows:
            raise StepFailed(f"async output for {inference_id} has {len(got)} scores for {rows} rows")
        scores += got
    bad_note = _notification(info, bad["InferenceId"])
    if bad_note["invocationStatus"] != "Failed" or not backend.object_path(bad["FailureLocation"]).exists():
        raise StepFailed("the unreadable input did not fail with a failure file and an error notification")
    diff = prediction_gap(scores, run_model_scores(run, parse_numeric(format_rows(x_test))))
    if diff > 1e-4:
        raise StepFailed(f"async outputs differ from the evaluated model on the rows sent (max diff {diff:.3g})")
    if not _client_measured(info):
        run.ctx.emit("invoke", f"queue empty: waiting {run.ctx.options.idle_timeout_s:g} s for scale to zero")
        deadline = time.monotonic() + run.ctx.options.idle_timeout_s + 10.0
        while stats(run.endpoint)["worker_running"] and time.monotonic() < deadline:
            time.sleep(0.05)
    final = {k: v for k, v in stats(run.endpoint).items() if k != "results"}
    info = {**final, "requests": len(sent) + 1, "rows": len(x_test), "all_results_ms": round(done_ms, 1),
            "failure_location": bad["FailureLocation"], "cost_model": cost_model("async")}
    res.data = {"requests": len(sent) + 1, "rows": len(x_test), "max_abs_diff_vs_local": diff, "inference": info}
    res.artifacts = {"failure": bad["FailureLocation"]}
    if not _client_measured(info):
        res.artifacts.update(notifications=str(run.ctx.run_dir / "sns"), metrics=info["metrics"])
    run.wave1_requests = len(sent)
    res.summary = async_summary(info)


def _notification(info: dict[str, Any], inference_id: str) -> dict[str, Any]:
    import json

    for r in info.get("results", []):
        if r["inference_id"] == inference_id and "notification" not in r:  # SageMaker: the object that appeared
            return {"invocationStatus": "Completed" if r["ok"] else "Failed",
                    "responseParameters": {"outputLocation": r["location"]},
                    "failureReason": f"see {r['location']}"}
        if r["inference_id"] == inference_id:
            return json.loads(json.loads(Path(r["notification"]).read_text())["Message"])
    raise KeyError(inference_id)


def async_summary(info: dict[str, Any]) -> str:
    """One line: outcomes, cold starts, queue wait, backlog, scale to zero."""
    if _client_measured(info):
        return (f"async on SageMaker: {info['completed']} completed, {info['failed']} failed (failure object in S3), "
                f"all results in {info['all_results_ms']:.0f} ms; scale-in to 0 is left to the scaling policy")
    cold = ", ".join(f"{c:.0f}" for c in info["cold_start_ms"])
    return (f"async: {info['completed']} completed, {info['failed']} failed (failure file + error notification), "
            f"{info['cold_starts']} cold start(s) ({cold} ms), backlog peak {info['backlog_peak']}, "
            f"queue wait p50 {info['queue_wait_ms_p50']:.0f} ms, all results in {info['all_results_ms']:.0f} ms, "
            + ("scaled to zero" if not info["worker_running"] else "still running"))




def train_version(run: RunState, name: str, extra: dict[str, str], step: str) -> str:
    """Train another model version (the run's hyperparameters with `extra` on top); its model artifact URI."""
    from sagecli.contracts import COMPLETED, StepFailed, TrainingRequest
    from sagecli.flow.scoring import DEFAULT_HYPERPARAMETERS

    opts = run.ctx.options
    hps = {**DEFAULT_HYPERPARAMETERS, "seed": str(opts.seed), **dict(opts.hyperparameters), **extra}
    run.ctx.emit(step, f"training model version {name} ({', '.join(f'{k}={v}' for k, v in extra.items())})")
    result = run.backend.train(TrainingRequest(
        job_name=f"sagecli-{run.ctx.run_id}-{name}", channels={k: run.channels[k] for k in ("train", "validation")},
        hyperparameters=hps, input_mode=opts.input_mode, instance_type=opts.instance_type, tags=run.ctx.tags))
    if result.status != COMPLETED or not result.model_artifact:
        raise StepFailed(f"training model version {name}: {result.failure_reason or result.status}")
    return result.model_artifact


def multi_model_artifacts(run: RunState) -> Any:
    """Train the extra versions, put every model.tar.gz under one prefix, size the cache to hold all but one."""
    from sagecli.contracts import MultiModelSpec
    from sagecli.serve.model import extract_model
    from sagecli.serve.multimodel import dir_size

    assert run.training is not None and run.training.model_artifact
    backend: Any = run.backend
    artifacts = {"model-main.tar.gz": run.training.model_artifact}
    for name, extra in MME_VARIANTS:
        artifacts[f"model-{name}.tar.gz"] = train_version(run, name, extra, "deploy")
    prefix = backend.run_uri("mme") if hasattr(backend, "run_uri") else f"s3://sagecli-local/mme/{run.ctx.run_id}"
    sizes: dict[str, int] = {}
    local: dict[str, Path] = {}
    for name, uri in artifacts.items():
        tarball = next(p for p in backend.download(uri, run.ctx.run_dir / "mme" / name.removesuffix(".tar.gz"))
                       if p.name.endswith(".tar.gz"))
        backend.put_object(f"{prefix}/{name}", tarball.read_bytes())
        local[name] = extract_model(tarball, run.ctx.run_dir / "mme" / name.removesuffix(".tar.gz") / "extracted")
        sizes[name] = dir_size(local[name])
    on_aws = hasattr(backend, "run_uri")  # SageMaker sizes its own cache; its ModelDataUrl ends with a slash
    budget = None if on_aws else sum(sizes.values()) - 1  # any two models fit, all three do not: the third evicts
    run.inference_state = {"models": sizes, "budget": budget, "prefix": prefix, "local": local}
    return MultiModelSpec(model_data_prefix=prefix + "/" if on_aws else prefix, cache_bytes=budget or 0)


def multi_model_invoke(run: RunState, res: StepResult) -> None:
    """Requests that move between the models: first use loads (cold), a full cache evicts the least recently used."""
    from sagecli.contracts import StepFailed
    from sagecli.flow.data import format_rows
    from sagecli.flow.scoring import prediction_gap
    from sagecli.monitor.csvparse import parse_numeric
    from sagecli.serve.model import load_model_dir

    assert run.endpoint is not None
    backend: Any = run.backend
    mme = run.inference_state
    names = list(mme["models"])
    a, b, c = names[:3]
    sequence = [a, a, b, b, a, c, c, b, a, a]
    x_rows = run.dataset.splits["test"][0][:20]
    body = format_rows(x_rows).rstrip("\n").encode()
    as_sent = parse_numeric(format_rows(x_rows))
    cold_ms: list[float] = []
    warm_ms: list[float] = []
    loads_seen = 0
    diff = 0.0
    on_aws = _client_measured(backend.endpoint_stats(run.endpoint))
    used: set[str] = set()
    for target in sequence:
        out = backend.invoke_target(run.endpoint, body, target)
        if on_aws:  # SageMaker loads a model on its first request (evictions show only in CloudWatch)
            used.add(target)
            loads = len(used)
        else:
            events = backend.endpoint_stats(run.endpoint)["events"]
            loads = sum(e["event"] == "load" for e in events)
        (cold_ms if loads > loads_seen else warm_ms).append(out.latency_ms)
        if loads > loads_seen:
            run.ctx.emit("invoke", f"{target}: loaded on first use in {out.latency_ms:.0f} ms")
        loads_seen = loads
        scores = [float(v) for v in out.body.decode().split()]
        diff = max(diff, prediction_gap(scores, load_model_dir(mme["local"][target]).predict(as_sent)))
    if diff > 1e-4:
        raise StepFailed(f"multi-model predictions differ from the models' own (max diff {diff:.3g})")
    events = [] if on_aws else backend.endpoint_stats(run.endpoint)["events"]
    evictions = [e["model"] for e in events if e["event"] == "evict"]
    warm = sorted(warm_ms)
    info = {"option": "multi-model", "models": len(names), "requests": len(sequence), "cache_bytes": mme["budget"],
            "loads": loads_seen, "evictions": len(evictions), "evicted": evictions,
            "cold_starts": loads_seen, "cold_load_ms": [round(e["ms"], 1) for e in events if e["event"] == "load"],
            "cold_request_ms": [round(v, 1) for v in cold_ms],
            "warm_latency_ms_p50": round(warm[len(warm) // 2], 3) if warm else None,
            "cost_model": cost_model("multi-model")}
    cache = f"{len(evictions)} eviction(s) under a {mme['budget']} byte cache"
    if on_aws:  # the instance's cache is SageMaker's: CloudWatch ModelCacheHit / ModelUnloadingTime show it
        info.update(evictions=None, evicted=None, cache_bytes=None, measured="client")
        cache = "evictions not visible to the client (CloudWatch ModelCacheHit)"
    info["summary"] = (f"multi-model: {len(names)} models, {len(sequence)} requests with TargetModel, "
                       f"{loads_seen} cold loads ({', '.join(f'{v:.0f}' for v in cold_ms)} ms), "
                       f"{cache}, warm p50 {info['warm_latency_ms_p50']:.1f} ms")
    res.data = {"requests": len(sequence), "max_abs_diff_vs_local": diff, "inference": info}
    res.summary = info["summary"]
