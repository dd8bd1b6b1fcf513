"""A local endpoint router: the front that splits an endpoint's traffic between variants and their workers.

It stands where SageMaker's request router stands during a deployment: production variants get requests in
proportion to their weights (UpdateEndpointWeightsAndCapacities changes them without a redeploy), the
`TargetVariant` header pins a request to one production variant, and a shadow variant receives a copy of
each request whose response is logged, never returned. Each variant is a fleet of worker processes (the
real-time granian server, sagecli.serve.process); a variant's workers share its traffic in turn.

Every answered request leaves a record (variant, model status, model latency) that the rollout turns into
CloudWatch-shaped metrics. A fault can be put on a variant, as a broken new container would behave: "errors"
(the container answers 500, so the caller gets ModelError and the variant's Invocation5XXErrors counts it)
or "slow" (each answer waits `fault_delay_s` first, so ModelLatency rises).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from sagecli.serve.process import HOST
from sagecli.serve.serverless import FORWARDED, RUNTIME_PREFIX, forward, front_server, read_limited, send_error

TARGET_VARIANT = "x-amzn-sagemaker-target-variant"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


@dataclass
class Variant:
    """One variant of the endpoint: its workers, weight, and whether it is a shadow."""

    name: str
    urls: list[str]
    weight: float = 1.0
    shadow: bool = False
    fault: str | None = None  # None | "errors" | "slow"
    fault_delay_s: float = 0.0
    _turn: int = field(default=0, repr=False)

    def next_url(self) -> str:
        """The variant's workers take requests in turn."""
        self._turn += 1
        return self.urls[self._turn % len(self.urls)]


@dataclass(frozen=True)
class Record:
    """One invocation as the variant saw it (CloudWatch's raw material)."""

    t: float  # clock time the answer left
    variant: str
    status: int  # the model container's HTTP status (0: no answer)
    model_latency_ms: float


class Router:
    """The endpoint's front: weighted production variants, TargetVariant, a shadow copy, per-request records."""

    def __init__(self, endpoint: str, variants: list[Variant], shadow_log: Path, rng: random.Random,
                 timeout_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.variants = {v.name: v for v in variants}
        self.shadow_log = shadow_log
        self.rng = rng
        self.timeout_s = timeout_s
        self.clock = clock
        self.records: list[Record] = []
        self.shadow_logged = 0
        self._inflight: dict[str, int] = {}  # worker URL -> requests in flight
        self._lock = threading.Lock()
        self._shadow_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="shadow")
        self.server = front_server(self.handle_invoke)
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"router-{endpoint}", daemon=True)
        self._thread.start()

    def update_weights(self, weights: dict[str, float]) -> None:
        """UpdateEndpointWeightsAndCapacities: new DesiredWeight per production variant, no redeploy."""
        with self._lock:
            for name, weight in weights.items():
                if name not in self.variants or self.variants[name].shadow:
                    raise ValueError(f"no production variant {name!r}")
                if weight < 0:
                    raise ValueError("DesiredWeight must be >= 0")
                self.variants[name].weight = float(weight)

    def set_workers(self, name: str, urls: list[str]) -> None:
        """Replace a variant's workers (a rolling batch, or a rollback)."""
        with self._lock:
            self.variants[name].urls = list(urls)

    def drain(self, urls: list[str], timeout_s: float = 30.0) -> bool:
        """Wait until no request is in flight on these workers (after they left the routing); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if not any(self._inflight.get(u, 0) for u in urls):
                    return True
            time.sleep(0.01)
        return False

    def shares(self) -> dict[str, float]:
        """Each production variant's traffic share: its weight over the sum of weights."""
        with self._lock:
            prod = {n: v.weight if v.urls else 0.0 for n, v in self.variants.items() if not v.shadow}
        total = sum(prod.values())
        return {n: (w / total if total else 0.0) for n, w in prod.items()}

    def _choose(self, target: str | None) -> Variant | str:
        with self._lock:
            if target:
                v = self.variants.get(target)
                if v is None or v.shadow:
                    return f"The variant {target} does not exist (TargetVariant) on endpoint {self.endpoint}."
                return v
            prod = [v for v in self.variants.values() if not v.shadow and v.weight > 0 and v.urls]
            if not prod:
                return "no production variant has traffic weight"
            pick = self.rng.random() * sum(v.weight for v in prod)
            for v in prod:
                pick -= v.weight
                if pick < 0:
                    return v
            return prod[-1]

    def _call(self, variant: Variant, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        """Forward to one of the variant's workers (with its fault, if any); record what the variant did."""
        with self._lock:
            url = variant.next_url()
            fault, delay = variant.fault, variant.fault_delay_s
            self._inflight[url] = self._inflight.get(url, 0) + 1
        t0 = time.perf_counter()
        try:
            if fault == "slow":
                time.sleep(delay)
            if fault == "errors":
                status, resp_headers, out = 500, {}, b"the new model version failed (injected fault)"
            else:
                status, resp_headers, out = forward(url, path, body, headers, self.timeout_s)
        except OSError as exc:
            status, resp_headers, out = 0, {}, str(exc).encode()
        ms = (time.perf_counter() - t0) * 1000
        with self._lock:
            self._inflight[url] -= 1
            self.records.append(Record(self.clock(), variant.name, status, ms))
        return status, resp_headers, out

    def handle_invoke(self, req: BaseHTTPRequestHandler) -> None:
        """InvokeEndpoint through the router."""
        path = req.path
        body = read_limited(req, MAX_PAYLOAD_BYTES)
        if not (path.startswith(RUNTIME_PREFIX) and path.endswith("/invocations")):
            send_error(req, 404, "UnknownOperationException", "not found")
            return
        if path[len(RUNTIME_PREFIX):-len("/invocations")] != self.endpoint or body is None:
            send_error(req, 400, "ValidationError", "unknown endpoint or payload over the limit", close=body is None)
            return
        choice = self._choose(req.headers.get(TARGET_VARIANT))
        if isinstance(choice, str):
            send_error(req, 400, "ValidationError", choice)
            return
        headers = {k: req.headers[k] for k in FORWARDED if req.headers.get(k)}
        status, resp_headers, out = self._call(choice, path, body, headers)
        if status != 200:
            what = f"Received server error ({status}) from model with message \"{out.decode(errors='replace')}\""
            err = json.dumps({"message": what}).encode()
            req.send_response(424)
            req.send_header("content-type", "application/json")
            req.send_header("x-amzn-errortype", "ModelError")
            req.send_header("x-amzn-invoked-production-variant", choice.name)  # which variant failed (for the count)
            req.send_header("content-length", str(len(err)))
            req.end_headers()
            req.wfile.write(err)
        else:
            req.send_response(200)
            for key in ("content-type",):
                if key in resp_headers:
                    req.send_header(key, resp_headers[key])
            req.send_header("x-amzn-invoked-production-variant", choice.name)
            req.send_header("content-length", str(len(out)))
            req.end_headers()
            req.wfile.write(out)
        shadows = [v for v in self.variants.values() if v.shadow and v.urls]
        for shadow in shadows:  # the copy goes after the caller has its answer
            self._shadow_pool.submit(self._shadow_copy, shadow, path, body, headers, out if status == 200 else None,
                                     headers.get("x-amzn-sagemaker-inference-id"))

    def _shadow_copy(self, shadow: Variant, path: str, body: bytes, headers: dict[str, str],
                     production: bytes | None, inference_id: str | None) -> None:
        status, _, out = self._call(shadow, path, body, headers)
        line = {"variant": shadow.name, "inference_id": inference_id, "status": status,
                "shadow_response": out.decode(errors="replace"),
                "production_response": production.decode(errors="replace") if production is not None else None}
        with self._lock:
            self.shadow_log.parent.mkdir(parents=True, exist_ok=True)
            with self.shadow_log.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
            self.shadow_logged += 1

    def records_between(self, start: float, end: float) -> list[Record]:
        """Records whose answer left in [start, end)."""
        with self._lock:
            return [r for r in self.records if start <= r.t < end]

    def close(self) -> None:
        """Stop accepting requests and finish the shadow copies in flight."""
        with contextlib.suppress(Exception):
            self.server.shutdown()
            self.server.server_close()
        self._shadow_pool.shutdown(wait=True, cancel_futures=True)


def router_stats(router: Router) -> dict[str, Any]:
    """Totals per variant (invocations, model errors)."""
    out: dict[str, Any] = {}
    for r in list(router.records):
        v = out.setdefault(r.variant, {"invocations": 0, "errors": 0})
        v["invocations"] += 1
        v["errors"] += r.status != 200
    return out
