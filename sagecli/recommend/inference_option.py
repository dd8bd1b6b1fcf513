"""Decide how to serve predictions: real-time, serverless, async, batch transform, or a shared endpoint.

Every limit comes from content/inference_options.yaml; the weights encode AWS's documented preferences
(decision guide section 1: latency/traffic first, then payload/time, then whole-dataset scoring).
"""

from __future__ import annotations

from typing import Any

from sagecli.recommend.kbfacts import fmt, limit, page
from sagecli.recommend.ranking import Decision
from sagecli.recommend.rules import apply_rules

# option label -> knowledge-base record, in AWS's flowchart order (ties go to the earlier one)
OPTIONS: dict[str, str] = {
    "realtime": "realtime-inference",
    "serverless": "serverless-inference",
    "async": "async-inference",
    "batch_transform": "batch-transform",
    "multi_model": "multi-model-endpoints",
    "multi_container": "multi-container-endpoints",
    "serial_pipeline": "serial-inference-pipelines",
    "inference_components": "inference-components",
}
# These run on a real-time endpoint and share its invocation limits.
ON_REALTIME = ("realtime", "multi_model", "multi_container", "serial_pipeline", "inference_components")
SYNC = (*ON_REALTIME, "serverless")


def _payload_and_time(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    payload, seconds = f["payload_mb"], f["processing_seconds"]
    rt_pay, rt_pay_src = limit(kb, "realtime-inference", "max_payload_mb")
    rt_sec, rt_sec_src = limit(kb, "realtime-inference", "max_processing_seconds")
    if "response-streaming" in (f.get("needs") or ()):  # a streamed answer may run longer (rules apply it)
        rt_sec, rt_sec_src = limit(kb, "realtime-inference", "max_streaming_seconds")
    for opt in d.candidates:
        rid = OPTIONS[opt]
        if opt in ON_REALTIME:
            pay, pay_src, sec, sec_src, what = rt_pay, rt_pay_src, rt_sec, rt_sec_src, "real-time endpoint"
        elif opt == "batch_transform":
            pay, pay_src = limit(kb, rid, "max_payload_mb")
            sec, sec_src = limit(kb, rid, "max_invocation_seconds")
            what = "batch transform (per mini-batch request)"
        else:
            pay, pay_src = limit(kb, rid, "max_payload_mb")
            sec, sec_src = limit(kb, rid, "max_processing_seconds")
            what = kb.get(rid)["name"]
        c = d[opt]
        if payload > pay:
            c.exclude(f"payload {fmt(payload)} MB exceeds the {what} limit of {fmt(pay)} MB", pay_src)
        if seconds > sec and opt not in ON_REALTIME:  # real-time and streaming time limits: content/rules
            c.exclude(f"processing {fmt(seconds)} s exceeds the {what} limit of {fmt(sec)} s", sec_src)
    # Older pages say 6 MB for real-time; say so when the payload falls in between.
    for old in kb.limit_record("realtime-inference", "max_payload_mb").get("history", []):
        if old["value"] < payload <= rt_pay:
            d["realtime"].note(f"fits today's {fmt(rt_pay)} MB limit; older pages and exam material say "
                               f"{fmt(old['value'])} MB", old.get("source"))
            d.fire("payload-history", f"real-time payload limit changed from {fmt(old['value'])} MB to "
                                      f"{fmt(rt_pay)} MB", old.get("source"))
    if (payload > rt_pay or seconds > rt_sec) and d["async"].eligible and f["traffic"] != "offline":
        d["async"].adjust(2.5, "large payloads or long processing for individual requests: the documented use "
                               "of asynchronous inference", page(kb, "async-inference"))
        d.fire("large-request", f"payload {fmt(payload)} MB / {fmt(seconds)} s is beyond real-time limits "
                                f"({fmt(rt_pay)} MB, {fmt(rt_sec)} s): async or batch", page(kb, "async-inference"))


def _traffic(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    t = f["traffic"]
    src = "https://docs.aws.amazon.com/sagemaker/latest/dg/deploy-model-options.html"
    if t == "steady":
        d["realtime"].adjust(1.5, "sustained, interactive traffic: a persistent real-time endpoint", src)
        d["serverless"].adjust(-0.5, "steady traffic keeps paying per request with cold starts on scale-out")
        d["inference_components"].adjust(0.2, "shares a real-time endpoint")
    elif t == "spiky":
        d["realtime"].adjust(0.8, "real-time endpoints absorb spikes with auto scaling", src)
        if f["cold_start_ok"]:
            d["serverless"].adjust(1.0, "unpredictable bursts with cold starts acceptable",
                                   page(kb, "serverless-inference"))
        d["async"].adjust(0.3, "a queue smooths bursts")
    elif t == "intermittent":
        d["serverless"].adjust(2.0, "intermittent traffic with idle gaps: no charge while idle",
                               page(kb, "serverless-inference"))
        d["async"].adjust(0.8, "can scale to zero between bursts", page(kb, "async-inference"))
        d["inference_components"].adjust(0.4, "a real-time endpoint that can scale to zero")
        d["realtime"].adjust(-0.5, "pays for instances through the idle gaps")
    else:
        d["batch_transform"].adjust(2.5, "offline scoring of a whole dataset: no persistent endpoint needed",
                                    page(kb, "batch-transform"))
        d["async"].adjust(0.4, "queued requests suit work that nobody waits on")
        for opt in SYNC:
            d[opt].adjust(-0.8, "offline work does not need an endpoint kept up")
    d.fire("traffic", f"traffic is {t}", src)


def _caller(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    if f["realtime"]:
        d["batch_transform"].exclude("a caller waits for the answer; batch transform has no endpoint to call",
                                     page(kb, "batch-transform"))
        d["async"].adjust(-1.5, "the caller gets the result from S3 (or an SNS notice), not in the response",
                          page(kb, "async-inference"))
    else:
        d["async"].adjust(0.5, "nobody holds a connection open, so requests can queue")
        d["batch_transform"].adjust(0.5, "nobody waits on an endpoint")
    if f.get("latency_ms") is not None:
        d["async"].adjust(-1.0, f"a {fmt(f['latency_ms'])} ms latency target does not suit a queue")
        d["batch_transform"].adjust(-1.0, "a latency target needs an endpoint")
        d["realtime"].adjust(0.5, "a persistent endpoint gives the steadiest latency")
        if not f["cold_start_ok"]:
            d["serverless"].adjust(-0.5, "cold starts can break a latency target")


def _hardware(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    # GPU exclusions (serverless, multi-container) are rules in content/rules/inference_option.yaml
    for opt, rid in OPTIONS.items():
        rec = kb.get(rid)
        if f["scale_to_zero"] and not rec["scale_to_zero"]:
            if "no-persistent-endpoint" in rec.get("tags", []):
                d[opt].adjust(0.3, "no endpoint runs between jobs, so nothing is billed while idle")
            else:
                d[opt].exclude(f"{rec['name']} cannot scale to zero instances", page(kb, rid))
        elif f["scale_to_zero"]:
            d[opt].adjust(0.5, f"{rec['name']}: can scale to zero", page(kb, rid))
    if f["gpu"]:
        gpus, src = limit(kb, "multi-model-endpoints", "gpu_max_gpus_per_instance")
        d["multi_model"].adjust(-0.3, f"GPU models need Triton and {fmt(gpus)}-GPU instance types", src)
    if not f["cold_start_ok"]:
        startup, src = limit(kb, "serverless-inference", "startup_seconds")
        d["serverless"].adjust(-1.5, f"cold starts (up to {fmt(startup)} s to download and pass /ping); add "
                                     "ProvisionedConcurrency if bursts are predictable", src)
        if f["scale_to_zero"]:
            d["inference_components"].adjust(-0.5, "calls fail while the endpoint scales out from zero")
            d["async"].adjust(0.3, "requests wait in the queue instead of failing while it scales out")


def _models(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    n = f["models"]
    need, src = limit(kb, "multi-model-endpoints", "min_models")
    if n < need:
        d["multi_model"].exclude(f"{n} model: nothing to share an endpoint with", src)
        d["multi_container"].exclude(f"{n} model: nothing to put beside it", page(kb, "multi-container-endpoints"))
        if not f["gpu"]:
            d["inference_components"].adjust(-0.5, "per-model resource allocation adds nothing for one CPU model")
        return
    d["realtime"].adjust(-1.0, f"{n} models would each need their own endpoint")
    quota, qsrc = limit(kb, "serverless-inference", "max_endpoints_per_region")
    if n > quota:
        d["serverless"].exclude(f"{n} models would need {n} serverless endpoints; the default quota is "
                                f"{fmt(quota)} per Region", qsrc)
    # no multi-model serverless, one container per MME, MCE's container limit: rules in content/rules
    if f["same_framework"]:
        d["multi_model"].adjust(2.0, f"{n} models on one framework can share one container",
                                page(kb, "multi-model-endpoints"))
        d["multi_container"].adjust(0.2, "works, but one shared container is simpler")
    else:
        d["inference_components"].adjust(1.0, "each component brings its own container and resources")
    if f["gpu"]:
        d["inference_components"].adjust(1.0, "each model gets its own accelerators, memory and copy count",
                                          page(kb, "inference-components"))
    d.fire("models", f"{n} models, {'one framework' if f['same_framework'] else 'mixed frameworks'}",
           page(kb, "multi-model-endpoints"))


def _pipeline_and_priority(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    low, src = limit(kb, "serial-inference-pipelines", "min_containers")
    if f["preprocessing"]:
        d["serial_pipeline"].adjust(2.5, "pre- and post-processing containers run beside the model on the same "
                                         "instances, for real-time and batch", src)
        if not f["realtime"]:
            d["batch_transform"].note("a serial inference pipeline also runs inside batch transform", src)
        d.fire("pipeline", "separate pre/post-processing: a serial inference pipeline", src)
    else:
        d["serial_pipeline"].exclude(f"a pipeline chains at least {fmt(low)} containers; no separate "
                                     "pre- or post-processing step was given", src)
    p = f.get("priority")
    if p == "cost":
        for opt, pts, why in (("serverless", 0.5, "pay per use"), ("async", 0.3, "scales to zero"),
                              ("batch_transform", 0.3, "instances run only for the job"),
                              ("multi_model", 0.4, "many models share instances"),
                              ("realtime", -0.3, "instances bill while idle")):
            d[opt].adjust(pts, f"priority cost: {why}")
    elif p == "latency":
        for opt, pts, why in (("realtime", 0.8, "always warm"), ("inference_components", 0.3, "always warm"),
                              ("serverless", -0.8, "cold starts"), ("async", -1.0, "queued"),
                              ("multi_model", -0.5, "latency-critical models belong on dedicated endpoints")):
            d[opt].adjust(pts, f"priority latency: {why}")
    elif p == "ops":
        for opt, pts, why in (("serverless", 0.8, "no instances to manage"),
                              ("multi_model", 0.3, "one endpoint for many models")):
            d[opt].adjust(pts, f"priority ops: {why}")
    if p:
        d.fire("priority", f"priority is {p}")


def decide_inference_option(f: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> Decision:
    """Rank the inference options for the given facts (inputs merged with assumed defaults)."""
    d = Decision("inference_option")
    for opt, rid in OPTIONS.items():
        d.add(opt, page(kb, rid), record=rid)
    for option in ("multi_model", "multi_container", "serial_pipeline", "inference_components"):
        d[option].adjust(-0.5, "specialised: worth it only when its use case applies")
    _payload_and_time(d, kb, f)
    _traffic(d, kb, f)
    _caller(d, kb, f)
    _hardware(d, kb, f)
    _models(d, kb, f)
    _pipeline_and_priority(d, kb, f)
    apply_rules(d, f, kb, disabled)
    return d
