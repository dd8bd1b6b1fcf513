"""A serverless endpoint on this machine: a front that is always up, a worker process that scales to zero.

The front (a threaded HTTP server in the process that deployed it) answers boto3's runtime route. The model
worker (the same granian server as a real-time endpoint, sagecli.serve.process) is started by the first request
after an idle period: that request pays a real cold start (process start, model load, a passing /ping), which
is measured. After `idle_s` with no request in flight the worker process is stopped (scale to zero).

SageMaker's contracts kept: MaxConcurrency concurrent invocations, more are refused at once with HTTP 429
ThrottlingException (slots are held during a cold start too); the serverless payload limit (4 MB) and 60 s
processing limit come from the knowledge base (serverless-inference); no data capture.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sagecli.serve.process import HOST, ServerHandle, start_server, stop_pid

RUNTIME_PREFIX = "/endpoints/"
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024


def kb_limits(record_id: str) -> dict[str, float]:
    """Every numeric limit of an inference option from the knowledge base, by name (value, min, max, default)."""
    from sagecli.knowledge.store import load_kb

    out: dict[str, float] = {}
    for name, lim in (load_kb().get(record_id).get("limits") or {}).items():
        if isinstance(lim, dict) and isinstance(lim.get("value"), (int, float)) and not isinstance(lim["value"], bool):
            out[name] = float(lim["value"])
            for key in ("min", "max", "default"):
                if isinstance(lim.get(key), (int, float)):
                    out[f"{name}.{key}"] = float(lim[key])
    return out


class OnDemandWorker:
    """The model worker process: started on demand, stopped after idle_s with nothing in flight."""

    def __init__(self, config: dict, state_dir: Path, idle_s: float, startup_timeout_s: float = 60.0,
                 on_start: Callable[[Any], None] = lambda p: None, clock: Callable[[], float] = time.monotonic,
                 on_event: Callable[[str], None] = lambda message: None) -> None:
        self.config = config
        self.state_dir = state_dir
        self.idle_s = idle_s
        self.startup_timeout_s = startup_timeout_s
        self.on_start = on_start
        self.on_event = on_event
        self.clock = clock
        self.handle: ServerHandle | None = None
        self.cold_starts_ms: list[float] = []
        self.scale_to_zero: int = 0
        self.busy_s = 0.0  # worker-seconds spent on requests (what per-millisecond billing charges)
        self.up_s = 0.0  # worker-seconds the process was running
        self._up_since = 0.0
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._inflight = 0
        self._last_used = clock()
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="scale-to-zero", daemon=True)
        self._reaper.start()

    @property
    def running(self) -> bool:
        """Whether a worker process is up."""
        return self.handle is not None

    def acquire(self) -> tuple[str, float | None]:
        """The worker's URL (starting it if needed) and the cold start in ms when this call paid one."""
        with self._lock:
            self._inflight += 1
        try:
            with self._start_lock:
                if self.handle is not None and self.handle.proc is not None and self.handle.proc.poll() is None:
                    return self.handle.url, None
                t0 = time.perf_counter()
                handle = start_server(self.config, self.state_dir, startup_timeout_s=self.startup_timeout_s,
                                      on_start=self.on_start)
                cold = (time.perf_counter() - t0) * 1000
                with self._lock:
                    self.handle = handle
                    self._up_since = self.clock()
                    self.cold_starts_ms.append(cold)
                self.on_event(f"cold start: worker process started and model loaded in {cold:.0f} ms")
                return handle.url, cold
        except BaseException:
            self.release(0.0)
            raise

    def release(self, busy_s: float) -> None:
        """A request finished (busy_s of worker time)."""
        with self._lock:
            self._inflight -= 1
            self.busy_s += busy_s
            self._last_used = self.clock()

    def _reap_loop(self) -> None:
        while not self._closed.wait(0.05):
            with self._lock:
                idle = self.handle is not None and self._inflight == 0 and \
                    self.clock() - self._last_used >= self.idle_s
            if idle:
                with self._start_lock, self._lock:
                    if self.handle is not None and self._inflight == 0:
                        self._stop_locked()
                        self.scale_to_zero += 1
                        self.on_event(f"idle for {self.idle_s:g} s: worker stopped (scaled to zero)")

    def _stop_locked(self) -> None:
        assert self.handle is not None
        stop_pid(self.handle.pid, grace_s=2.0)
        self.up_s += self.clock() - self._up_since
        self.handle = None

    def close(self) -> None:
        """Stop the reaper and the worker."""
        self._closed.set()
        self._reaper.join(timeout=2.0)
        with self._start_lock, self._lock:
            if self.handle is not None:
                self._stop_locked()


def send_error(req: BaseHTTPRequestHandler, status: int, error_type: str, message: str, close: bool = False) -> None:
    """A runtime-API error as botocore's rest-json parser reads it (x-amzn-errortype + {"message"})."""
    body = json.dumps({"message": message}).encode()
    req.send_response(status)
    req.send_header("content-type", "application/json")
    req.send_header("x-amzn-errortype", error_type)
    req.send_header("content-length", str(len(body)))
    if close:
        req.send_header("connection", "close")
        req.close_connection = True
    req.end_headers()
    req.wfile.write(body)


def read_limited(req: BaseHTTPRequestHandler, limit: int) -> bytes | None:
    """The request body, or None when Content-Length is over limit (the rest is drained, up to a cap)."""
    length = int(req.headers.get("content-length") or 0)
    if length <= limit:
        return req.rfile.read(length)
    left = min(length, limit + DRAIN_LIMIT_BYTES)
    while left > 0:
        chunk = req.rfile.read(min(left, 1 << 20))
        if not chunk:
            break
        left -= len(chunk)
    return None


def forward(url: str, path: str, body: bytes, headers: dict[str, str], timeout_s: float) -> tuple[int, dict, bytes]:
    """POST body to the worker; (status, headers, body)."""
    parsed = url.split("://", 1)[1]
    host, port = parsed.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout_s)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def front_server(on_post: Callable[[BaseHTTPRequestHandler], None]) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server on 127.0.0.1:<ephemeral>: GET /ping answers 200, every POST goes to on_post."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        wbufsize = -1  # headers and body leave in one write (flushed after each request)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/ping":
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            send_error(self, 404, "UnknownOperationException", "not found")

        def do_POST(self) -> None:  # noqa: N802
            on_post(self)

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    return server


FORWARDED = ("content-type", "accept", "x-amzn-sagemaker-inference-id", "x-amzn-sagemaker-custom-attributes")


class ServerlessEndpoint:
    """The always-up front of a serverless endpoint (MaxConcurrency, limits, scale to zero)."""

    def __init__(self, config: dict, state_dir: Path, memory_size_mb: int, max_concurrency: int, idle_s: float,
                 max_payload_bytes: int, timeout_s: float, startup_timeout_s: float = 60.0,
                 on_start: Callable[[Any], None] = lambda p: None,
                 on_event: Callable[[str], None] = lambda message: None) -> None:
        self.name = config["endpoint"]
        self.variant = config["variant"]
        self.memory_size_mb = memory_size_mb
        self.max_concurrency = max_concurrency
        self.max_payload_bytes = max_payload_bytes
        self.timeout_s = timeout_s
        self.worker = OnDemandWorker({**config, "capture": None, "max_payload_bytes": max_payload_bytes},
                                     state_dir, idle_s, startup_timeout_s, on_start, on_event=on_event)
        self.throttled = 0
        self.invocations = 0
        self.latencies_ms: list[float] = []
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self.server = front_server(self.handle_invoke)
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"serverless-{self.name}", daemon=True)
        self._thread.start()

    def handle_invoke(self, req: BaseHTTPRequestHandler) -> None:
        """InvokeEndpoint on a serverless endpoint."""
        path = req.path
        if not (path.startswith(RUNTIME_PREFIX) and path.endswith("/invocations")):
            read_limited(req, self.max_payload_bytes)
            send_error(req, 404, "UnknownOperationException", "not found")
            return
        name = path[len(RUNTIME_PREFIX):-len("/invocations")]
        if name != self.name:
            read_limited(req, self.max_payload_bytes)
            send_error(req, 400, "ValidationError", f"Endpoint {name} not found.")
            return
        body = read_limited(req, self.max_payload_bytes)
        if body is None:
            send_error(req, 413, "ValidationError", f"payload over the serverless limit of {self.max_payload_bytes} "
                       "bytes", close=True)
            return
        if not self._slots.acquire(blocking=False):
            with self._lock:
                self.throttled += 1
            send_error(req, 429, "ThrottlingException",
                       f"Rate exceeded: {self.max_concurrency} concurrent invocations (MaxConcurrency) are in flight")
            return
        try:
            self._invoke(req, path, body)
        finally:
            self._slots.release()

    def _invoke(self, req: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        t0 = time.perf_counter()
        try:
            url, cold = self.worker.acquire()
        except Exception as exc:  # noqa: BLE001 - the worker could not start
            send_error(req, 503, "ServiceUnavailable", f"the serverless worker did not start: {exc}")
            return
        t1 = time.perf_counter()
        try:
            headers = {k: req.headers[k] for k in FORWARDED if req.headers.get(k)}
            status, resp_headers, out = forward(url, path, body, headers, self.timeout_s)
        except TimeoutError:
            send_error(req, 424, "ModelError", f"the model did not answer within {self.timeout_s:g} s")
            return
        except OSError as exc:
            send_error(req, 500, "InternalFailure", f"the worker failed: {exc}")
            return
        finally:
            self.worker.release(time.perf_counter() - t1)
        ms = (time.perf_counter() - t0) * 1000
        with self._lock:
            self.invocations += 1
            if cold is None:
                self.latencies_ms.append(ms)
        req.send_response(status)
        for key in ("content-type", "x-amzn-errortype", "x-amzn-invoked-production-variant"):
            if key in resp_headers:
                req.send_header(key, resp_headers[key])
        req.send_header("content-length", str(len(out)))
        req.end_headers()
        req.wfile.write(out)

    def stats(self) -> dict[str, Any]:
        """What the summary reports: invocations, throttles, cold starts, warm latency, billed GB-seconds."""
        w = self.worker
        warm = sorted(self.latencies_ms)
        return {"option": "serverless", "memory_size_mb": self.memory_size_mb, "max_concurrency": self.max_concurrency,
                "idle_timeout_s": w.idle_s, "invocations": self.invocations, "throttled": self.throttled,
                "cold_starts": len(w.cold_starts_ms), "cold_start_ms": [round(c, 1) for c in w.cold_starts_ms],
                "scaled_to_zero": w.scale_to_zero, "worker_running": w.running,
                "warm_latency_ms_p50": round(warm[len(warm) // 2], 3) if warm else None,
                "compute_gb_s": round(w.busy_s * self.memory_size_mb / 1024, 4)}

    def close(self) -> None:
        """Stop accepting requests, then stop the worker."""
        with contextlib.suppress(Exception):
            self.server.shutdown()
            self.server.server_close()
        self.worker.close()
