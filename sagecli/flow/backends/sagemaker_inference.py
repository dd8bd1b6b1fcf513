"""The sagemaker backend's `--inference serverless|async|multi-model`: deploy, InvokeEndpointAsync, TargetModel.

The same methods as the local backend (put_object, object_path, invoke_async, invoke_target, endpoint_stats),
so sagecli/flow/inference.py runs on both. What SageMaker does not report to the caller (cold starts, worker
state, cache evictions: CloudWatch metrics) is not invented: the stats here are what this client measured,
marked `measured: client`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagecli.contracts import Endpoint, EndpointRequest, InvokeResult
from sagecli.errors import SageCliError

# Errors a serverless endpoint answers with when it is busy or still starting
# (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html#API_runtime_InvokeEndpoint_Errors).
RUNTIME_ERRORS = {
    "ThrottlingException": "more concurrent requests than MaxConcurrency {max_concurrency} (serverless): "
                           "SageMaker refused this one",
    "ModelNotReadyException": "the model is not ready yet (a serverless cold start): retry in a few seconds",
}


@dataclass
class Observed:
    """What this client saw of one endpoint: latencies, refusals, async submissions."""

    option: str
    memory_size_mb: int = 0
    max_concurrency: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    submitted: list[dict[str, str]] = field(default_factory=list)  # InferenceId, OutputLocation, FailureLocation
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)
    polled: float = 0.0  # when S3 was last asked for async outputs
    lock: threading.Lock = field(default_factory=threading.Lock)


def _observed(be: Any) -> dict[str, Observed]:
    if not hasattr(be, "_observed"):
        be._observed = {}
    return be._observed


def _wait_in_service(be: Any, name: str) -> dict[str, Any]:
    from sagecli.aws.executor import wait_for

    sm = be.aws.client("sagemaker")
    desc = wait_for(lambda: sm.describe_endpoint(EndpointName=name), "EndpointStatus",
                    ("InService", "Failed", "OutOfService"), lambda m: be._say("deploy", f"{name}: {m}"),
                    be.poll_s, 3600)
    if desc["EndpointStatus"] != "InService":
        why = desc.get("FailureReason", "no reason given")
        raise SageCliError(f"endpoint {name} is {desc['EndpointStatus']}: {why}")
    return desc


def deploy(be: Any, request: EndpointRequest) -> Endpoint:
    """Model (MultiModel mode for multi-model), the option's endpoint config, endpoint; async: SNS, scaling, alarm."""
    from sagecli.aws import api_calls as calls
    from sagecli.aws import endpoint_calls as ec

    lay, run_id, variant = be.layout, be.ctx.run_id, request.variant_name
    config = lay.name("config")
    if request.multi_model is not None:
        ec.check_mme_image(be.image)
        model = lay.name("mme-model")
        be.exe.call(ec.create_multi_model(model, be.image, request.multi_model.model_data_prefix, be.spec.role_arn,
                                          run_id))
        call = ec.instance_endpoint_config(name=config, model_name=model, variant=variant,
                                           instance_type=request.instance_type, run_id=run_id)
        seen = Observed("multi-model")
    elif request.serverless is not None:
        model = be._ensure_model(request.model_artifact)
        spec = request.serverless
        call = ec.serverless_endpoint_config(name=config, model_name=model, variant=variant,
                                             memory_size_mb=spec.memory_size_mb, max_concurrency=spec.max_concurrency,
                                             run_id=run_id, provisioned=be.opts.get("provisioned_concurrency"))
        seen = Observed("serverless", spec.memory_size_mb, spec.max_concurrency)
    else:
        model = be._ensure_model(request.model_artifact)
        arns = [be.exe.call(ec.create_topic(t, run_id))["TopicArn"]
                for t in (lay.name("async-success"), lay.name("async-error"))]
        call = ec.async_endpoint_config(
            name=config, model_name=model, variant=variant, instance_type=request.instance_type, run_id=run_id,
            output_uri=lay.uri("async-output") + "/", failure_uri=lay.uri("async-failure") + "/",
            success_topic=arns[0], error_topic=arns[1])
        seen = Observed("async")
    be.exe.call(call)
    be.exe.call(calls.create_endpoint(request.endpoint_name, config, run_id))
    desc = _wait_in_service(be, request.endpoint_name)
    if seen.option == "async":  # a scalable target needs an InService variant
        step = [be.exe.call(c) for c in ec.scale_calls(request.endpoint_name, variant, run_id)][-1]
        be.exe.call(ec.backlog_alarm(request.endpoint_name, step["PolicyARN"], run_id))  # the ARN AWS gave
        alarm = ec.backlog_alarm_name(request.endpoint_name)
        be._say("deploy", "scaling target registered: MinCapacity 0, target ApproximateBacklogSizePerInstance "
                          f"{ec.BACKLOG_TARGET:g}; scale-out from 0 when alarm {alarm} fires")
    _observed(be)[request.endpoint_name] = seen
    return Endpoint(name=request.endpoint_name, status="InService", variant_name=variant, region=be.aws.region,
                    capture_uri=None, arn=desc.get("EndpointArn"), inference=seen.option)


def runtime_client(be: Any, endpoint: Endpoint) -> Any:
    """sagemaker-runtime; for serverless without retries, so a throttled request is counted, not hidden."""
    seen = _observed(be).get(endpoint.name)
    if seen is None or seen.option != "serverless":
        return be.aws.client("sagemaker-runtime")
    if not hasattr(be, "_no_retry_runtime"):
        from botocore.config import Config

        from sagecli.aws.session import USER_AGENT

        be._no_retry_runtime = be.aws.session.client(
            "sagemaker-runtime", region_name=be.aws.region,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=50,
                          user_agent_extra=USER_AGENT))
    return be._no_retry_runtime


NOT_READY_WAITS_S = (1.0, 2.0, 4.0)  # backoff before each retry of a ModelNotReadyException


def invoke_endpoint(be: Any, endpoint: Endpoint, kwargs: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """InvokeEndpoint; (response, body). Serverless: retry a not-ready model, raise a clear line for a refusal."""
    client = runtime_client(be, endpoint)
    t0 = time.perf_counter()
    for wait in (*NOT_READY_WAITS_S, None):
        try:
            resp = client.invoke_endpoint(**kwargs)
            break
        except Exception as exc:
            clear = invoke_error(be, endpoint, exc)
            if clear is None:
                raise
            if wait is None or "ModelNotReadyException" not in clear.message:
                raise clear from None
            be._say("invoke", f"{endpoint.name}: model not ready (cold start), retrying in {wait:g} s")
            time.sleep(wait)
    data = resp["Body"].read()
    record(be, endpoint, (time.perf_counter() - t0) * 1000)
    return resp, data


def record(be: Any, endpoint: Endpoint, latency_ms: float) -> None:
    """Count a served request."""
    seen = _observed(be).get(endpoint.name)
    if seen is not None:
        with seen.lock:
            seen.latencies_ms.append(latency_ms)


def invoke_error(be: Any, endpoint: Endpoint, exc: BaseException) -> SageCliError | None:
    """A clear one-line error for a throttled or not-ready serverless request (None: not one of those)."""
    from sagecli.aws.session import error_code, error_line

    code = error_code(exc)
    seen = _observed(be).get(endpoint.name)
    if code not in RUNTIME_ERRORS or seen is None or seen.option != "serverless":
        return None
    if seen is not None:
        with seen.lock:
            seen.refused[code] = seen.refused.get(code, 0) + 1
    what = RUNTIME_ERRORS[code].format(max_concurrency=seen.max_concurrency)
    return SageCliError(f"InvokeEndpoint {endpoint.name}: {code}: {what}", hint=error_line(exc))


def run_uri(be: Any, *parts: str) -> str:
    """An s3:// URI under the run's prefix (teardown empties it)."""
    return be.layout.uri(*parts)


def put_object(be: Any, uri: str, data: bytes) -> str:
    """PutObject with the run's tags; return the URI."""
    from sagecli.aws import api_calls as calls

    kind = "application/x-gzip" if uri.endswith(".gz") else "text/csv"
    be.exe.put_bytes(calls.put_object(uri, be.ctx.run_id, uri.rsplit("/", 1)[-1], kind), data)
    return uri


def object_path(be: Any, uri: str) -> Path:
    """Download s3://bucket/key to <run>/s3/bucket/key; the path does not exist when the object does not."""
    from sagecli.aws.api_calls import split_s3
    from sagecli.aws.executor import inside
    from sagecli.aws.session import error_code

    bucket, key = split_s3(uri)
    path = inside(be.ctx.run_dir / "s3", f"{bucket}/{key}", key, bucket)
    try:
        body = be.aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        if error_code(exc) in ("NoSuchKey", "404", "NotFound"):
            return path
        raise
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


def _exists(be: Any, uri: str) -> bool:
    from sagecli.aws.api_calls import split_s3
    from sagecli.aws.session import error_code

    bucket, key = split_s3(uri)
    try:
        be.aws.client("s3").head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if error_code(exc) in ("NoSuchKey", "404", "NotFound"):
            return False
        raise
    return True


def invoke_async(be: Any, endpoint: Endpoint, input_uri: str, content_type: str = "text/csv",
                 accept: str = "text/csv", inference_id: str | None = None) -> dict[str, str]:
    """InvokeEndpointAsync on an input already in S3; SageMaker writes the output or failure object later."""
    from sagecli.aws.session import error_line

    kwargs: dict[str, Any] = {"EndpointName": endpoint.name, "InputLocation": input_uri, "ContentType": content_type,
                              "Accept": accept}
    if inference_id:
        kwargs["InferenceId"] = inference_id
    try:
        resp = be.aws.client("sagemaker-runtime").invoke_endpoint_async(**kwargs)
    except Exception as exc:
        raise SageCliError(f"InvokeEndpointAsync failed: {error_line(exc)}") from None
    out = {k: resp[k] for k in ("InferenceId", "OutputLocation", "FailureLocation") if k in resp}
    seen = _observed(be).get(endpoint.name)
    if seen is not None:
        with seen.lock:
            seen.submitted.append({**out, "submitted": str(time.monotonic())})
    return out


def invoke_target(be: Any, endpoint: Endpoint, body: bytes, target_model: str, content_type: str = "text/csv",
                  accept: str = "text/csv") -> InvokeResult:
    """InvokeEndpoint with TargetModel (a key under the multi-model prefix)."""
    from sagecli.aws.session import error_line

    t0 = time.perf_counter()
    try:
        resp = be.aws.client("sagemaker-runtime").invoke_endpoint(
            EndpointName=endpoint.name, Body=body, ContentType=content_type, Accept=accept, TargetModel=target_model)
    except Exception as exc:
        raise SageCliError(f"InvokeEndpoint {endpoint.name} (TargetModel {target_model}) failed: "
                           f"{error_line(exc)}") from None
    data = resp["Body"].read()
    seen = _observed(be).get(endpoint.name)
    if seen is not None:
        with seen.lock:
            seen.targets[target_model] = seen.targets.get(target_model, 0) + 1
    return InvokeResult(body=data, content_type=resp.get("ContentType", accept),
                        invoked_variant=resp.get("InvokedProductionVariant"),
                        latency_ms=(time.perf_counter() - t0) * 1000)


def endpoint_stats(be: Any, endpoint: Endpoint) -> dict[str, Any]:
    """What this client measured (serverless), or which async outputs/failures exist in S3 now (async)."""
    seen = _observed(be).get(endpoint.name)
    if seen is None:
        return {}
    if seen.option == "async":
        return _async_stats(be, seen)
    if seen.option == "multi-model":
        return {"option": "multi-model", "measured": "client", "requests_per_target": dict(seen.targets)}
    with seen.lock:
        lat = list(seen.latencies_ms)
        refused = dict(seen.refused)
    warm = sorted(lat[1:])
    return {"option": "serverless", "measured": "client", "memory_size_mb": seen.memory_size_mb,
            "max_concurrency": seen.max_concurrency, "invocations": len(lat),
            "throttled": refused.get("ThrottlingException", 0), "not_ready": refused.get("ModelNotReadyException", 0),
            "first_request_ms": round(lat[0], 1) if lat else None,
            "warm_latency_ms_p50": round(warm[len(warm) // 2], 3) if warm else None,
            # an upper bound: client round trips include network time SageMaker does not bill
            "compute_gb_s_at_most": round(sum(lat) / 1000 * seen.memory_size_mb / 1024, 4),
            "cold_starts": None, "worker_running": None}


ASYNC_POLL_S = 2.0  # at most one round of HeadObject calls this often (the flow asks far more often)


def _async_stats(be: Any, seen: Observed) -> dict[str, Any]:
    fresh = time.monotonic() - seen.polled < min(be.poll_s, ASYNC_POLL_S)
    seen.polled = seen.polled if fresh else time.monotonic()
    for sub in [] if fresh else list(seen.submitted):
        iid = sub["InferenceId"]
        if iid in seen.resolved:
            continue
        if sub.get("OutputLocation") and _exists(be, sub["OutputLocation"]):
            seen.resolved[iid] = {"inference_id": iid, "ok": True, "location": sub["OutputLocation"]}
        elif sub.get("FailureLocation") and _exists(be, sub["FailureLocation"]):
            seen.resolved[iid] = {"inference_id": iid, "ok": False, "location": sub["FailureLocation"]}
    done = list(seen.resolved.values())
    return {"option": "async", "measured": "client", "completed": sum(r["ok"] for r in done),
            "failed": sum(not r["ok"] for r in done), "pending": len(seen.submitted) - len(done), "results": done}
