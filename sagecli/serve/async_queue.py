"""An asynchronous endpoint on this machine: InvokeEndpointAsync, a queue, outputs and notifications as files.

    POST /endpoints/<name>/async-invocations   X-Amzn-SageMaker-InputLocation: s3://bucket/key (required)

The request is queued and answered at once with 202, the output and failure locations as headers and the
InferenceId in the body, as botocore's sagemaker-runtime model expects. s3://bucket/key URIs live under a local
root (<run>/s3/bucket/key). A dispatcher reads the input, calls the model worker (started on demand: scaling
out from zero is a cold start) and writes <S3OutputPath>/<id>.out or <S3FailurePath>/<id>-error.out, then an
SNS-shaped notification (<run>/sns/<topic>/<id>.json). ApproximateBacklogSize and HasBacklogWithoutCapacity are
recorded as CloudWatch-shaped metric lines. With the queue empty for idle_s the worker stops (MinCapacity 0).
Limits (1 GB input, InvocationTimeoutSeconds up to 1 hour, RequestTTLSeconds) come from the knowledge base.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from sagecli.contracts import AsyncSpec
from sagecli.paths import atomic_write_text
from sagecli.serve.process import HOST
from sagecli.serve.serverless import OnDemandWorker, forward, front_server, kb_limits, read_limited, send_error

ROUTE_SUFFIX = "/async-invocations"
REGION = "us-east-1"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (a temporary name per thread, then os.replace)."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


@dataclass
class AsyncRequest:
    """One queued InvokeEndpointAsync request."""

    inference_id: str
    input_uri: str
    input_path: Path
    content_type: str
    accept: str
    output_uri: str
    failure_uri: str
    timeout_s: float
    ttl_s: float
    received: float = field(default_factory=time.time)


class AsyncEndpoint:
    """The front of an async endpoint: accepts requests, queues them, dispatches them to an on-demand worker."""

    def __init__(self, config: dict, state_dir: Path, spec: AsyncSpec, s3_root: Path, startup_timeout_s: float = 60.0,
                 on_start: Callable[[Any], None] = lambda p: None,
                 on_event: Callable[[str], None] = lambda message: None) -> None:
        self.name = config["endpoint"]
        self.variant = config["variant"]
        self.s3_root = s3_root
        self.state_dir = state_dir
        lim = kb_limits("async-inference")
        self.max_payload_bytes = int(lim["max_payload_mb"] * 1024 * 1024)
        self.max_timeout_s = lim["max_processing_seconds"]
        self.default_timeout_s = lim.get("max_processing_seconds.default", self.max_timeout_s)
        self.ttl_range = (lim["request_ttl_seconds.min"], lim["request_ttl_seconds.max"])
        self.default_ttl_s = lim.get("request_ttl_seconds.default", self.ttl_range[1])
        self.output_path = (spec.output_path or f"s3://sagecli-local/async/{self.name}/output").rstrip("/")
        self.failure_path = (spec.failure_path or f"s3://sagecli-local/async/{self.name}/failure").rstrip("/")
        account = "000000000000"
        self.success_topic = spec.success_topic or f"arn:aws:sns:{REGION}:{account}:{self.name}-success"
        self.error_topic = spec.error_topic or f"arn:aws:sns:{REGION}:{account}:{self.name}-error"
        self.metrics_path = state_dir / "metrics" / "backlog.jsonl"
        self.on_event = on_event
        self.worker = OnDemandWorker({**config, "capture": None, "max_payload_bytes": self.max_payload_bytes},
                                     state_dir, spec.idle_timeout_s, startup_timeout_s, on_start, on_event=on_event)
        self.queue: queue.Queue[AsyncRequest] = queue.Queue()
        self.results: list[dict[str, Any]] = []
        self.backlog = 0
        self.backlog_peak = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.server = front_server(self.submit)
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self._threads = [threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                          daemon=True)]
        self._threads += [threading.Thread(target=self._dispatch_loop, daemon=True)
                          for _ in range(max(1, spec.max_concurrent_invocations))]
        for t in self._threads:
            t.start()

    # ---- s3-like locations -------------------------------------------------------------------------------
    def local_path(self, uri: str) -> Path:
        """s3://bucket/key -> <s3_root>/bucket/key; ValueError for anything else or a path leaving the root."""
        if not uri.startswith("s3://") or len(uri) <= 5:
            raise ValueError(f"{uri!r} is not an s3:// URI")
        root = self.s3_root.resolve()
        path = (root / uri[5:]).resolve()
        if root not in path.parents:
            raise ValueError(f"{uri!r} points outside the bucket root")
        return path

    # ---- HTTP --------------------------------------------------------------------------------------------
    def _header_number(self, req: BaseHTTPRequestHandler, name: str, default: float, lo: float, hi: float) -> float:
        raw = req.headers.get(name)
        if raw is None:
            return default
        value = float(raw)
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {raw}")
        return value

    def submit(self, req: BaseHTTPRequestHandler) -> None:
        """InvokeEndpointAsync: validate, queue, answer 202 with where the result will be."""
        read_limited(req, 1 << 20)  # InvokeEndpointAsync carries no body: the input is at InputLocation
        path = req.path
        prefix = "/endpoints/"
        if not (path.startswith(prefix) and path.endswith(ROUTE_SUFFIX)):
            what = "use InvokeEndpointAsync" if path.endswith("/invocations") else "not found"
            send_error(req, 400 if path.endswith("/invocations") else 404, "ValidationError",
                       f"this endpoint has an AsyncInferenceConfig: {what}")
            return
        name = path[len(prefix):-len(ROUTE_SUFFIX)]
        if name != self.name:
            send_error(req, 400, "ValidationError", f"Endpoint {name} not found.")
            return
        input_uri = req.headers.get("x-amzn-sagemaker-inputlocation")
        if not input_uri:
            send_error(req, 400, "ValidationError", "InputLocation is required")
            return
        try:
            input_path = self.local_path(input_uri)
            timeout_s = self._header_number(req, "x-amzn-sagemaker-invocationtimeoutseconds", self.default_timeout_s,
                                            1, self.max_timeout_s)
            ttl_s = self._header_number(req, "x-amzn-sagemaker-requestttlseconds", self.default_ttl_s,
                                        *self.ttl_range)
        except ValueError as exc:
            send_error(req, 400, "ValidationError", str(exc))
            return
        inference_id = req.headers.get("x-amzn-sagemaker-inference-id") or str(uuid.uuid4())
        item = AsyncRequest(inference_id, input_uri, input_path,
                            req.headers.get("x-amzn-sagemaker-content-type") or "application/octet-stream",
                            req.headers.get("x-amzn-sagemaker-accept") or "", f"{self.output_path}/{inference_id}.out",
                            f"{self.failure_path}/{inference_id}-error.out", timeout_s, ttl_s)
        with self._lock:
            self.backlog += 1
            self.backlog_peak = max(self.backlog_peak, self.backlog)
            self._record_metrics_locked()
        self.queue.put(item)
        body = json.dumps({"InferenceId": inference_id}).encode()
        req.send_response(202)
        req.send_header("content-type", "application/json")
        req.send_header("x-amzn-sagemaker-outputlocation", item.output_uri)
        req.send_header("x-amzn-sagemaker-failurelocation", item.failure_uri)
        req.send_header("content-length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    # ---- queue -------------------------------------------------------------------------------------------
    def _record_metrics_locked(self) -> None:
        """ApproximateBacklogSize (queued + in process) and HasBacklogWithoutCapacity, CloudWatch-shaped."""
        now = _iso(time.time())
        dims = [{"Name": "EndpointName", "Value": self.name}]
        lines = [{"Namespace": "AWS/SageMaker", "MetricName": "ApproximateBacklogSize", "Dimensions": dims,
                  "Timestamp": now, "Value": self.backlog, "Unit": "Count"},
                 {"Namespace": "AWS/SageMaker", "MetricName": "HasBacklogWithoutCapacity", "Dimensions": dims,
                  "Timestamp": now, "Value": int(self.backlog > 0 and not self.worker.running), "Unit": "Count"}]
        self.metrics_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write("".join(json.dumps(line) + "\n" for line in lines))

    def _dispatch_loop(self) -> None:
        while not self._closed.is_set():
            try:
                item = self.queue.get(timeout=0.05)
            except queue.Empty:
                continue
            try:
                self._process(item)
            finally:
                with self._lock:
                    self.backlog -= 1
                    self._record_metrics_locked()

    def _process(self, item: AsyncRequest) -> None:
        started = time.time()
        wait_ms = (started - item.received) * 1000
        if started - item.received > item.ttl_s:
            self._finish(item, False, f"request expired: waited more than RequestTTLSeconds ({item.ttl_s:g} s)",
                         wait_ms, 0.0, None)
            return
        try:
            size = item.input_path.stat().st_size
        except OSError:
            self._finish(item, False, f"input not found at {item.input_uri}", wait_ms, 0.0, None)
            return
        if size > self.max_payload_bytes:
            self._finish(item, False, f"input of {size} bytes is over the {self.max_payload_bytes} byte limit",
                         wait_ms, 0.0, None)
            return
        body = item.input_path.read_bytes()
        try:
            url, cold = self.worker.acquire()
        except Exception as exc:  # noqa: BLE001 - the worker could not start: the request fails
            self._finish(item, False, f"the worker did not start: {exc}", wait_ms, 0.0, None)
            return
        t0 = time.perf_counter()
        headers = {"content-type": item.content_type, "x-amzn-sagemaker-inference-id": item.inference_id}
        if item.accept:
            headers["accept"] = item.accept
        try:
            status, resp_headers, out = forward(url, f"/endpoints/{self.name}/invocations", body, headers,
                                                item.timeout_s)
        except TimeoutError:
            status, resp_headers, out = 0, {}, f"no answer within InvocationTimeoutSeconds ({item.timeout_s:g} s)"\
                .encode()
        except OSError as exc:
            status, resp_headers, out = 0, {}, f"the worker failed: {exc}".encode()
        finally:
            busy = time.perf_counter() - t0
            self.worker.release(busy)
        if status == 200:
            atomic_write_bytes(self.local_path(item.output_uri), out)
            self._finish(item, True, resp_headers.get("content-type", ""), wait_ms, busy * 1000, cold)
        else:
            self._finish(item, False, out.decode(errors="replace"), wait_ms, busy * 1000, cold)

    def _finish(self, item: AsyncRequest, ok: bool, detail: str, wait_ms: float, busy_ms: float,
                cold: float | None) -> None:
        now = time.time()
        message: dict[str, Any] = {
            "awsRegion": REGION, "eventTime": _iso(now), "receivedTime": _iso(item.received),
            "invocationStatus": "Completed" if ok else "Failed",
            "requestParameters": {"contentType": item.content_type, "endpointName": self.name,
                                  "inputLocation": item.input_uri},
            "responseParameters": {"contentType": detail, "outputLocation": item.output_uri} if ok else
            {"failureLocation": item.failure_uri},
            "inferenceId": item.inference_id, "eventVersion": "1.0", "eventSource": "aws:sagemaker",
            "eventName": "InferenceResult"}
        if not ok:
            message["failureReason"] = detail
            atomic_write_bytes(self.local_path(item.failure_uri), detail.encode())
        topic = self.success_topic if ok else self.error_topic
        envelope = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic,
                    "Message": json.dumps(message), "Timestamp": _iso(now), "SignatureVersion": "1"}
        note = self.s3_root.parent / "sns" / topic.rsplit(":", 1)[-1] / f"{item.inference_id}.json"
        atomic_write_text(note, json.dumps(envelope, indent=2))
        with self._lock:
            self.results.append({"inference_id": item.inference_id, "ok": ok, "queue_wait_ms": round(wait_ms, 3),
                                 "processing_ms": round(busy_ms, 3), "cold_start_ms": cold,
                                 "notification": str(note)})
        self.on_event(f"{item.inference_id}: {'Completed' if ok else 'Failed'} -> "
                      f"{item.output_uri if ok else item.failure_uri}")

    def stats(self) -> dict[str, Any]:
        """Requests, outcomes, cold starts, queue wait, processing time, backlog peak, worker state."""
        with self._lock:
            done = list(self.results)
        w = self.worker
        waits = sorted(r["queue_wait_ms"] for r in done)
        procs = sorted(r["processing_ms"] for r in done if r["ok"])
        return {"option": "async", "completed": sum(r["ok"] for r in done), "failed": sum(not r["ok"] for r in done),
                "backlog": self.backlog, "backlog_peak": self.backlog_peak, "cold_starts": len(w.cold_starts_ms),
                "cold_start_ms": [round(c, 1) for c in w.cold_starts_ms], "scaled_to_zero": w.scale_to_zero,
                "worker_running": w.running, "idle_timeout_s": w.idle_s,
                "queue_wait_ms_p50": round(waits[len(waits) // 2], 3) if waits else None,
                "processing_ms_p50": round(procs[len(procs) // 2], 3) if procs else None,
                "max_payload_bytes": self.max_payload_bytes, "max_invocation_timeout_s": self.max_timeout_s,
                "metrics": str(self.metrics_path), "results": done}

    def close(self) -> None:
        """Stop accepting, stop the dispatchers, stop the worker."""
        self._closed.set()
        with contextlib.suppress(Exception):
            self.server.shutdown()
            self.server.server_close()
        for t in self._threads[1:]:
            t.join(timeout=2.0)
        self.worker.close()
