"""The endpoint's HTTP app (RSGI, served by granian): the inference container contract plus the runtime route.

    GET  /ping                              200 when the model is loaded
    GET  /execution-parameters              batch transform settings the container suggests
    POST /invocations                       the container contract (what SageMaker calls inside the instance)
    POST /endpoints/<name>/invocations      what boto3's sagemaker-runtime client calls (endpoint_url set)

Over the payload limit: 413. A body the model cannot read: 400 on /invocations; on the runtime route it
is wrapped the way InvokeEndpoint reports container errors (424 ModelError, OriginalStatusCode 400).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sagecli.deps import require
from sagecli.serve.capture import CaptureConfig, CaptureWriter
from sagecli.serve.handler import InferenceHandler, RequestError

RUNTIME_PREFIX = "/endpoints/"
RUNTIME_SUFFIX = "/invocations"
# One worker predicts one batch at a time; MultiRecord batches up to the API's default payload.
# Capture lines wait at most this long in memory, so one write carries many records (a write per
# request costs more CPU than the rest of the capture); shutdown writes whatever is still pending.
CAPTURE_FLUSH_S = 0.005
# A body over the payload limit is read on (and dropped) up to this much more, then the connection is closed.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
EXECUTION_PARAMETERS = json.dumps({"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD",
                                   "MaxPayloadInMB": 6}).encode()


class MicroBatcher:
    """Requests that arrive in the same event-loop turn share one predict call.

    Per-call overhead dominates a small model's prediction time, so under concurrency one call for
    16 rows costs about what one row does; a lone request is predicted at once (no waiting).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.pending: list[tuple[Any, asyncio.Future]] = []

    async def predict(self, x: Any) -> Any:
        """Scores for x, predicted together with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self.pending.append((x, fut))
        if len(self.pending) == 1:
            loop.call_soon(self._flush)
        return await fut

    def _flush(self) -> None:
        batch, self.pending = self.pending, []
        np = require("numpy")
        try:
            scores = self.model.predict(batch[0][0] if len(batch) == 1 else np.vstack([x for x, _ in batch]))
        except Exception as exc:  # noqa: BLE001 - every waiting request gets the error
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(RequestError(500, f"prediction failed: {exc}"))
            return
        start = 0
        for x, fut in batch:
            if not fut.done():
                fut.set_result(scores[start:start + len(x)])
            start += len(x)


class EndpointApp:
    """One model behind one endpoint variant, with optional data capture."""

    def __init__(self, handler: InferenceHandler | None, endpoint: str, variant: str, max_payload_bytes: int,
                 capture: CaptureWriter | None = None, models: Any = None) -> None:
        self.handler = handler
        self.models = models  # multi-model: a serve.multimodel.ModelCache chosen by TargetModel
        self.endpoint = endpoint
        self.variant = variant
        self.max_payload_bytes = max_payload_bytes
        self.capture = capture
        self._ok_headers = [("x-amzn-invoked-production-variant", variant)]
        self.batcher = MicroBatcher(handler.model) if handler is not None else None
        self._flush_scheduled = False

    def _flush_capture(self) -> None:
        self._flush_scheduled = False
        if self.capture is not None:
            self.capture.flush()

    async def _read_body(self, proto: Any, length: str | None) -> bytes | None:
        """The request body, or None when it is over the payload limit (as declared, or as a chunked body arrives).

        Nothing past the limit is kept: the rest is read and dropped (up to DRAIN_LIMIT_BYTES, so the client
        gets to read the 413 rather than a reset), and the connection is closed after the answer.
        """
        limit = self.max_payload_bytes
        declared = int(length) if length is not None and length.isdigit() else None
        if declared is not None and declared <= limit:
            return await proto()  # the common case: the server reads exactly the declared length
        over = declared is not None
        chunks: list[bytes] = []
        size = 0
        async for chunk in proto:
            size += len(chunk)
            if not over and size > limit:
                over, chunks = True, []
            if over:
                if size > limit + DRAIN_LIMIT_BYTES:
                    break
                continue
            chunks.append(chunk)
        return None if over else b"".join(chunks)

    def _error(self, proto: Any, status: int, message: str, runtime: bool, error_type: str | None = None,
               close: bool = False) -> None:
        extra = [("connection", "close")] if close else []
        if not runtime:
            proto.response_bytes(status, [("content-type", "text/plain"), *extra], message.encode())
            return
        if error_type is None and status in (400, 406, 415):  # the container refused it: InvokeEndpoint's ModelError
            doc = {"ErrorCode": "CLIENT_ERROR_FROM_MODEL", "OriginalStatusCode": status, "OriginalMessage": message,
                   "Message": f'Received client error ({status}) from primary with message "{message}". '}
            status, error_type = 424, "ModelError"
        else:
            doc = {"message": message}
        proto.response_bytes(status, [("content-type", "application/json"), *extra,
                                      ("x-amzn-errortype", error_type or "ValidationError")], json.dumps(doc).encode())

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        """Route one request."""
        path, method = scope.path, scope.method
        if path == "/ping" and method in ("GET", "HEAD"):
            proto.response_bytes(200, [], b"")
            return
        if path == "/execution-parameters" and method == "GET":  # what batch transform asks a container
            proto.response_bytes(200, [("content-type", "application/json")], EXECUTION_PARAMETERS)
            return
        runtime = path.startswith(RUNTIME_PREFIX) and path.endswith(RUNTIME_SUFFIX)
        if method != "POST" or not (runtime or path == "/invocations"):
            proto.response_bytes(404, [("content-type", "text/plain")], b"not found")
            return
        if runtime:
            name = path[len(RUNTIME_PREFIX):-len(RUNTIME_SUFFIX)]
            if name != self.endpoint:
                self._error(proto, 400, f"Endpoint {name} not found.", True, "ValidationError")
                return
        headers = scope.headers
        length = headers.get("content-length")
        body = await self._read_body(proto, length)
        if body is None:
            size = f"{length} bytes" if length else "more than the limit (chunked)"
            self._error(proto, 413, f"payload of {size} is over the {self.max_payload_bytes} byte limit", runtime,
                        "ValidationError", close=True)
            return
        in_type = headers.get("content-type") or "text/csv"
        handler, batcher = self.handler, self.batcher
        if self.models is not None:
            target = headers.get("x-amzn-sagemaker-target-model")
            try:
                if not target:
                    raise RequestError(400, "TargetModel is required on a multi-model endpoint")
                handler, batcher = self.models.get(target, MicroBatcher)
            except RequestError as err:
                self._error(proto, err.status, err.message, runtime, "ValidationError")
                return
        try:
            x = handler.prepare(body, in_type)
            scores = await batcher.predict(x)
            out_type, out = handler.encode(scores, headers.get("accept") or "")
        except RequestError as err:
            self._error(proto, err.status, err.message, runtime)
            return
        cap = self.capture
        if cap is not None and cap.capture(body, in_type, out, out_type, headers.get("x-amzn-sagemaker-inference-id"),
                                           defer=True) and not self._flush_scheduled:
            self._flush_scheduled = True  # one write for every request answered within the next few ms
            asyncio.get_running_loop().call_later(CAPTURE_FLUSH_S, self._flush_capture)
        proto.response_bytes(200, [("content-type", out_type), *self._ok_headers], out)

    def __rsgi_del__(self, loop: Any) -> None:
        """granian calls this when the worker shuts down (SIGTERM included): write pending capture records."""
        self.close()

    def close(self) -> None:
        """Write pending capture records and release the capture file."""
        if self.capture is not None:
            self.capture.close()


def build_app(config: dict) -> EndpointApp:
    """Load the model and assemble the app from a server config dict (keys: serve.process.start_server)."""
    from sagecli.serve.model import load_model_dir

    mme = config.get("multi_model")
    if mme:
        from sagecli.serve.multimodel import ModelCache

        models = ModelCache(Path(mme["prefix"]), int(mme["budget_bytes"]), Path(mme["work_dir"]), Path(mme["events"]))
        return EndpointApp(None, config["endpoint"], config["variant"], int(config["max_payload_bytes"]), None, models)
    # json_requests: accept application/json requests as custom inference code would; the built-in XGBoost
    # container answers them 415, and so does this server unless the config asks for it.
    handler = InferenceHandler(load_model_dir(Path(config["model_dir"])),
                               json_requests=bool(config.get("json_requests", False)))
    cap = config.get("capture")
    writer = None
    if cap and cap.get("enabled", True):
        writer = CaptureWriter(CaptureConfig(
            root=Path(cap["root"]), endpoint=config["endpoint"], variant=config["variant"],
            sampling_percentage=int(cap.get("sampling_percentage", 100)),
            capture_input=cap.get("capture_input", True), capture_output=cap.get("capture_output", True),
            csv_types=tuple(cap.get("csv_types", ["text/csv"])), json_types=tuple(cap.get("json_types",
                                                                                         ["application/json"]))))
    return EndpointApp(handler, config["endpoint"], config["variant"], int(config["max_payload_bytes"]), writer)
