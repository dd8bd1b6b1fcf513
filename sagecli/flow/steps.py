"""The steps of the reference flow. Each takes the run state and its StepResult; backends do the platform work."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from typing import Any, NoReturn

from sagecli.contracts import (
    COMPLETED,
    AsyncSpec,
    ChannelData,
    DataCaptureSpec,
    EndpointRequest,
    ModelPackageRequest,
    RunState,
    ServerlessSpec,
    StepFailed,
    StepResult,
    TrainingRequest,
    TransformRequest,
)
from sagecli.flow.monitoring import monitor_step
from sagecli.flow.scoring import DEFAULT_HYPERPARAMETERS, prediction_gap, run_model_scores

__all__ = ["DEFAULT_HYPERPARAMETERS", "STEP_FUNCS", "prediction_gap", "run_model_scores", "skip_reason"]

WAVE1_SINGLE = 200  # single-row CSV requests in the first wave


def _fail(message: str, hint: str | None = None) -> NoReturn:
    raise StepFailed(message, hint)


def skip_reason(step: str, run: RunState) -> str | None:
    """Why a step cannot run given what came before (e.g. the condition step rejected the model)."""
    registered = run.package is not None
    inference = run.ctx.options.inference
    if step in ("deploy", "invoke", "monitor") and inference == "batch":
        return "--inference batch: no endpoint, " + ("so no captured traffic to monitor" if step == "monitor" else
                                                     "the transform step scores the test set")
    if step in ("deploy", "invoke", "monitor", "rollout") and not run.approved:
        return "model not approved by the condition step; nothing deployed"
    if step == "transform" and registered and not run.approved:
        return "model not approved by the condition step; no batch inference"
    if step == "rollout" and run.ctx.options.rollout is None:
        return "no --rollout strategy chosen"
    if step in ("invoke", "monitor", "rollout") and run.endpoint is None:
        return "no endpoint"
    if step == "monitor":
        from sagecli.flow.inference import no_capture_reason

        return no_capture_reason(inference)
    return None


def process(run: RunState, res: StepResult) -> None:
    """Make the dataset, write the channels as headerless label-first CSV, hand them to the backend."""
    from sagecli.flow.data import make_dataset, write_channels

    opts = run.ctx.options
    run.dataset = make_dataset(opts.seed, opts.rows)
    data_dir = run.ctx.run_dir / "data"
    shutil.rmtree(data_dir, ignore_errors=True)  # a reused run folder: only this run's files become channels
    dirs = write_channels(run.dataset, data_dir)
    run.channels = run.backend.upload_channels([ChannelData(name, path) for name, path in dirs.items()])
    sizes = {name: len(split[0]) for name, split in run.dataset.splits.items()}
    res.artifacts = {name: str(path) for name, path in dirs.items()}
    res.data = {"rows": sizes, "features": run.dataset.feature_names, "channels": run.channels}
    res.summary = ", ".join(f"{k} {v}" for k, v in sizes.items()) + f" rows, {len(run.dataset.feature_names)} features"


def features(run: RunState, res: StepResult) -> None:
    """Feature Store: a feature group (offline + online store); training reads it point in time (flow/features.py)."""
    from sagecli.flow.features import features_step

    features_step(run, res)


def train(run: RunState, res: StepResult) -> None:
    """One training job with the built-in XGBoost hyperparameters; a Failed job stops the flow."""
    opts = run.ctx.options
    hps = {**DEFAULT_HYPERPARAMETERS, "seed": str(opts.seed), **dict(opts.hyperparameters)}
    request = TrainingRequest(
        job_name=f"sagecli-{run.ctx.run_id}-train", channels={k: run.channels[k] for k in ("train", "validation")},
        hyperparameters=hps, input_mode=opts.input_mode, instance_type=opts.instance_type,
        instance_count=opts.instance_count, entry_point=opts.entry_point, tags=run.ctx.tags)
    run.ctx.emit("train", f"{request.job_name}: InProgress ({opts.input_mode} mode)")
    result = run.backend.train(request)
    run.training = result
    res.data = {"job_name": result.job_name, "status": result.status, "final_metrics": result.final_metrics,
                "rounds": len({m.step for m in result.metrics if m.step is not None}),
                "hyperparameters": hps, "input_mode": opts.input_mode}
    if result.job_dir:
        res.artifacts["job_dir"] = str(result.job_dir)
    if result.model_artifact:
        res.artifacts["model_artifact"] = result.model_artifact
    if result.status != COMPLETED:
        _fail(f"training job {result.status}: {result.failure_reason or 'no reason given'}")
    final = ", ".join(f"{k} {v:.4f}" for k, v in sorted(result.final_metrics.items()))
    res.summary = f"{result.status} in {result.duration_s:.1f}s ({opts.input_mode} mode); {final}"


def tune(run: RunState, res: StepResult) -> None:
    """Automatic Model Tuning (sagecli/flow/tune.py); the best job's model continues down the flow."""
    from sagecli.flow.tune import tune_step

    tune_step(run, res)


def evaluate(run: RunState, res: StepResult) -> None:
    """Load model.tar.gz (XGBoost format, data-filter extraction) and score the test channel."""
    from sagecli.flow.evaluation import binary_metrics
    from sagecli.serve.model import load_model_artifact

    assert run.training is not None and run.training.model_artifact
    local = run.backend.download(run.training.model_artifact, run.ctx.run_dir / "model")
    tarball = next(p for p in local if p.name.endswith(".tar.gz"))
    run.model_dir = run.ctx.run_dir / "model" / "extracted"
    model = load_model_artifact(tarball, run.model_dir)
    x_test, y_test = run.dataset.splits["test"]
    scores = model.predict(x_test)
    run.metrics = binary_metrics(y_test, scores)
    res.data = {"metrics": run.metrics}
    res.artifacts = {"model": str(tarball)}
    res.summary = ", ".join(f"{k} {v:.4f}" for k, v in run.metrics.items())


def bias(run: RunState, res: StepResult) -> None:
    """Clarify-style bias metrics for the demo's facet (sagecli/flow/bias.py); --bias-max can fail registration."""
    if run.backend.name == "sagemaker":  # a Clarify processing job (sagecli/flow/bias_sagemaker.py)
        from sagecli.flow.bias_sagemaker import sagemaker_bias_step

        sagemaker_bias_step(run, res)
        return
    from sagecli.flow.bias import bias_step

    bias_step(run, res)


def register(run: RunState, res: StepResult) -> None:
    """A condition step (AUC >= --min-auc) decides the approval status of the new package version."""
    opts = run.ctx.options
    auc = run.metrics.get("auc", 0.0)
    passed = auc >= opts.min_auc
    register_version(run, res, passed, f"condition auc {auc:.4f} >= {opts.min_auc} is {passed}",
                     {"metric": "auc", "value": auc, "min_auc": opts.min_auc, "passed": passed},
                     f"AUC {auc:.4f} {'>=' if passed else '<'} {opts.min_auc}")


def register_version(run: RunState, res: StepResult, passed: bool, description: str, condition: dict[str, Any],
                     outcome: str) -> None:
    """Add a package version: Approved when its condition passed and no bias check failed, else Rejected.

    The flow's register step and a pipeline's RegisterModel (gated by its Condition step) both end here.
    """
    if run.training is None or not run.training.model_artifact:
        _fail("no trained model to register")
    bias_condition = (run.bias or {}).get("condition")
    bias_ok = bias_condition is None or bias_condition["passed"]
    run.approved = passed and bias_ok
    status = "Approved" if run.approved else "Rejected"
    opts = run.ctx.options
    pkg = run.backend.register_model(ModelPackageRequest(
        group_name=opts.model_package_group, model_artifact=run.training.model_artifact, metrics=run.metrics,
        approval_status=status, tags=run.ctx.tags,
        description=f"run {run.ctx.run_id}: {description}"
        + ("" if bias_condition is None else f"; bias check passed is {bias_ok}")))
    run.package = pkg
    res.data = {"group": pkg.group_name, "version": pkg.version, "arn": pkg.arn, "approval_status": status,
                "condition": condition}
    res.summary = f"{pkg.group_name} v{pkg.version} {status} ({outcome})"
    if bias_condition is not None:
        res.data["bias_condition"] = bias_condition
        res.summary += "; bias check " + ("passed" if bias_ok else "failed")


def deploy(run: RunState, res: StepResult) -> None:
    """A real-time endpoint with data capture (serverless and async: no capture, a worker only while needed)."""
    opts = run.ctx.options
    assert run.training is not None and run.training.model_artifact
    serverless = ServerlessSpec(opts.memory_size_mb, opts.max_concurrency, opts.idle_timeout_s) \
        if opts.inference == "serverless" else None
    async_config = AsyncSpec(idle_timeout_s=opts.idle_timeout_s) if opts.inference == "async" else None
    multi_model = None
    if opts.inference == "multi-model":
        from sagecli.flow.inference import multi_model_artifacts

        multi_model = multi_model_artifacts(run)
    capture = DataCaptureSpec(enabled=opts.inference == "realtime", sampling_percentage=opts.sampling_percentage)
    request = EndpointRequest(
        endpoint_name=f"sagecli-demo-{run.ctx.run_id}"[:63], model_artifact=run.training.model_artifact,
        model_package_arn=getattr(run.package, "arn", None), instance_type=opts.instance_type,
        data_capture=capture, tags=run.ctx.tags, serverless=serverless, async_config=async_config,
        multi_model=multi_model)
    t0 = time.perf_counter()
    run.endpoint = run.backend.deploy(request)
    run.endpoint_start_s = time.perf_counter() - t0
    res.data = {"endpoint": run.endpoint.name, "url": run.endpoint.url, "variant": run.endpoint.variant_name,
                "capture_uri": run.endpoint.capture_uri, "sampling_percentage": opts.sampling_percentage}
    res.artifacts = {"capture": run.endpoint.capture_uri or ""}
    res.summary = f"{run.endpoint.name} {run.endpoint.status}" + (f" at {run.endpoint.url}" if run.endpoint.url else "")
    if opts.inference == "serverless":
        res.data.update(inference="serverless", memory_size_mb=opts.memory_size_mb,
                        max_concurrency=opts.max_concurrency, idle_timeout_s=opts.idle_timeout_s)
        res.summary += (f" (serverless {opts.memory_size_mb} MB, MaxConcurrency {opts.max_concurrency}, "
                        "no data capture; scaled to zero until the first request)")
    elif opts.inference == "multi-model":
        mme = run.inference_state
        res.data.update(inference="multi-model", models=list(mme["models"]), cache_bytes=mme["budget"],
                        model_data_prefix=mme["prefix"])
        cache = f"a {mme['budget']} byte cache that holds all but one" if mme["budget"] is not None else \
            "SageMaker's own model cache"  # --backend sagemaker
        res.summary += f" (multi-model: {len(mme['models'])} models under one prefix, {cache})"
    elif opts.inference == "async":
        res.data.update(inference="async", idle_timeout_s=opts.idle_timeout_s)
        res.summary += " (async: queue, no instance until the first request)" if run.endpoint.url else \
            " (async: 1 instance, a scaling target with MinCapacity 0)"  # --backend sagemaker


def _invoke_rows(run: RunState, x: Any, batch: int, tag: str) -> list[float]:
    """Send rows in requests of `batch` rows through the backend; return the scores."""
    from sagecli.flow.data import format_rows

    assert run.endpoint is not None
    scores: list[float] = []
    for i in range(0, len(x), batch):
        body = format_rows(x[i:i + batch]).rstrip("\n").encode()
        out = run.backend.invoke(run.endpoint, body, "text/csv", "text/csv", inference_id=f"{tag}-{i}")
        scores += [float(v) for v in out.body.decode().replace("\n", ",").split(",") if v.strip()]
    return scores


def invoke(run: RunState, res: StepResult) -> None:
    """Test traffic for the chosen --inference option."""
    inference = run.ctx.options.inference
    if inference == "async":
        from sagecli.flow.inference import async_invoke

        async_invoke(run, res)
        return
    if inference == "multi-model":
        from sagecli.flow.inference import multi_model_invoke

        multi_model_invoke(run, res)
        return
    realtime_invoke(run, res)
    if inference == "realtime":
        from sagecli.flow.inference import realtime_info

        res.data["inference"] = realtime_info(run, res.data["mean_latency_ms"])
    if inference == "serverless":
        from sagecli.flow.inference import cost_model, serverless_extras, serverless_summary

        burst = serverless_extras(run, res)
        info = {**run.backend.endpoint_stats(run.endpoint), **burst, "cost_model": cost_model(inference)}
        res.data["inference"] = info
        res.summary = serverless_summary(info)


def realtime_invoke(run: RunState, res: StepResult) -> None:
    """Test traffic through boto3's sagemaker-runtime: single-row CSV, multi-row CSV, and a JSON answer.

    Requests are text/csv, as the built-in XGBoost container accepts (text/csv, text/libsvm and
    application/x-recordio-protobuf; no JSON requests); one asks for `Accept: application/json` and gets
    {"predictions": [{"score": ...}]}. Like is compared with like: the rows carry each feature rounded to 4
    decimals (as the channels do), so the answers are checked against the evaluated model on those same rows.
    """
    from sagecli.flow.data import format_rows
    from sagecli.monitor.csvparse import parse_numeric

    assert run.endpoint is not None
    x_test, _ = run.dataset.splits["test"]
    n_single = min(WAVE1_SINGLE, len(x_test))
    t0 = time.perf_counter()
    scores = _invoke_rows(run, x_test[:n_single], 1, "wave1")
    latency = (time.perf_counter() - t0) / max(n_single, 1) * 1000
    scores += _invoke_rows(run, x_test[n_single:], 100, "wave1-batch")
    body = format_rows(x_test[:3]).rstrip("\n").encode()
    out = run.backend.invoke(run.endpoint, body, "text/csv", "application/json", inference_id="wave1-json")
    json_scores = [p["score"] for p in json.loads(out.body)["predictions"]]
    as_sent = parse_numeric(format_rows(x_test))  # what the CSV requests carried, parsed as the endpoint does
    model_scores = run_model_scores(run, as_sent)
    diff = prediction_gap(scores, model_scores)
    json_diff = prediction_gap(json_scores, model_scores[:3])
    if max(diff, json_diff) > 1e-4:
        what = "CSV" if diff > 1e-4 else "JSON"
        _fail(f"endpoint predictions differ from the evaluated model on the rows sent ({what}, max diff "
              f"{max(diff, json_diff):.3g})")
    requests = n_single + -(-(len(x_test) - n_single) // 100) + 1
    run.wave1_requests = requests
    res.data = {"requests": requests, "rows": len(x_test) + 3, "mean_latency_ms": round(latency, 3),
                "max_abs_diff_vs_local": max(diff, json_diff)}
    res.summary = f"{requests} requests ({len(x_test) + 3} rows) via boto3, {latency:.2f} ms/request, " \
                  "predictions match the evaluated model"


def transform(run: RunState, res: StepResult) -> None:
    """Batch transform of the test features: SplitType Line, MultiRecord, one <input>.out per input file."""
    opts = run.ctx.options
    assert run.training is not None and run.training.model_artifact
    request = TransformRequest(job_name=f"sagecli-{run.ctx.run_id}-transform",
                               model_artifact=run.training.model_artifact, input_uri=run.channels["transform"],
                               max_payload_mb=opts.max_payload_mb,
                               join_source=opts.join_source, instance_type=opts.instance_type, tags=run.ctx.tags)
    t0 = time.perf_counter()
    result = run.backend.batch_transform(request)
    job_s = time.perf_counter() - t0
    if result.status != COMPLETED:
        _fail(f"transform job {result.status}: {result.failure_reason or 'no reason given'}")
    outputs = [p for p in run.backend.download(result.output_uri, run.ctx.run_dir / "transform-output")
               if p.name.endswith(".out")]
    lines = sum(len(p.read_text().splitlines()) for p in outputs)
    names = ", ".join(p.name for p in outputs)
    res.artifacts = {"output": result.output_uri, "files": names}
    res.data = {"records": lines, "files": len(outputs), "requests": result.requests,
                "join_source": opts.join_source}
    sent = (f"in {result.requests} MultiRecord request(s)" if result.requests is not None
            else f"from {len(outputs)} output file(s), MultiRecord batches")
    res.summary = f"{lines} records {sent} -> {names}"
    if opts.inference == "batch":
        from sagecli.flow.inference import cost_model

        res.data["inference"] = {"option": "batch", "records": lines, "job_s": round(job_s, 3),
                                 "cost_model": cost_model("batch"),
                                 "summary": f"batch: {lines} records scored by a {job_s:.2f} s transform job "
                                            "(model load included), no endpoint and no request latency"}


def monitor(run: RunState, res: StepResult) -> None:
    """Baseline from the training features, a run over wave 1 (no drift), a drifted wave 2, a run over it."""
    monitor_step(run, res, _invoke_rows)


def rollout(run: RunState, res: StepResult) -> None:
    """--rollout: a second model version reaches the endpoint through the chosen strategy (sagecli/flow/rollout.py)."""
    from sagecli.flow.rollout import rollout_step

    rollout_step(run, res)


def teardown(run: RunState, res: StepResult, keep: bool) -> None:
    """Delete what the run created (newest first); keep the endpoint with --keep-endpoint."""
    existed = run.backend.created()
    removed = run.backend.teardown(keep_endpoint=keep)
    kept = bool(keep and run.endpoint)
    res.data = {"removed": [f"{r.kind} {r.name}" for r in removed], "kept_endpoint": kept}
    if not existed and not removed:
        res.summary = "nothing was created, nothing to remove"
        return
    parts = [f"removed {len(removed)} resource(s)"] if removed else []
    if kept:
        assert run.endpoint is not None
        res.data["kept_note"] = run.backend.kept_endpoint_note(run.endpoint)
        parts.append(res.data["kept_note"])
    res.summary = "; ".join(parts) or "nothing left running"


STEP_FUNCS: dict[str, Callable[[Any, Any], None]] = {
    "process": process, "train": train, "evaluate": evaluate, "register": register, "deploy": deploy,
    "invoke": invoke, "transform": transform, "monitor": monitor, "rollout": rollout, "tune": tune,
    "bias": bias, "features": features,
}
