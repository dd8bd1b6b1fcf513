"""The inference handler: decode a request body, predict, encode the response (the container's codecs).

Kept free of HTTP so the endpoint server and batch transform run the same code. Request types follow the
built-in XGBoost container (aws/sagemaker-xgboost-container, data_utils.get_content_type and
algorithm_mode/serve_utils.parse_content_data): `text/csv` (no label column, no header) and `text/libsvm`
(`text/x-libsvm`; `index:value` pairs, 1-based indices shifted to 0-based as the container does, absent
features missing). Anything else is refused with 415 and the container's message; the container also
decodes `application/x-recordio-protobuf`, which is not implemented here (a 415 that says so).

`application/json` requests (`{"instances": [[...], ...]}`, a list of rows, or one row) are accepted only
when the server is started with `json_requests: true`: that is what custom inference code (your own
input_fn) would do, not the built-in container. Responses are `text/csv` (one score per line) or
`application/json` (`{"predictions": [{"score": ...}, ...]}`), as the container answers an Accept header.
"""

from __future__ import annotations

import json
from typing import Any

from sagecli.deps import require

CSV = "text/csv"
JSON = "application/json"
# The XGBoost container answers CSV as "text/csv; charset=utf-8" (its Flask response adds the charset), and
# data capture records that header as the output's observedContentType (seen in real capture files).
CSV_RESPONSE = "text/csv; charset=utf-8"
LIBSVM_TYPES = ("text/libsvm", "text/x-libsvm", "libsvm")  # data_utils.get_content_type also takes bare "libsvm"
RECORDIO = "application/x-recordio-protobuf"
# data_utils.VALID_CONTENT_TYPES, in the order INVALID_CONTENT_TYPE_ERROR lists them.
CONTAINER_TYPES = ("csv", "libsvm", "parquet", "recordio-protobuf", "text/csv", "text/libsvm", "text/x-libsvm",
                   "application/x-parquet", "application/x-recordio-protobuf")


def unsupported_type_message(content_type: str) -> str:
    """The container's 415 text for a type it does not know (data_utils.INVALID_CONTENT_TYPE_ERROR)."""
    return f"{content_type} is not an accepted ContentType: {', '.join(CONTAINER_TYPES)}."


class RequestError(Exception):
    """A request the handler refuses, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def media_type(header: str | None) -> str:
    """'text/csv; charset=utf-8' -> 'text/csv'."""
    return (header or "").split(";", 1)[0].strip().lower()


class InferenceHandler:
    """Turns (body, content type, accept) into (content type, body) with one model."""

    def __init__(self, model: Any, default_accept: str = CSV, json_requests: bool = False) -> None:
        self.model = model
        self.default_accept = default_accept
        self.json_requests = json_requests  # custom inference code's JSON input; the built-in container has none
        self._np = require("numpy")

    def decode(self, body: bytes, content_type: str) -> Any:
        """Request body -> float array (rows x features); RequestError 400/415 when it cannot."""
        np = self._np
        ctype = media_type(content_type)
        if ctype in (CSV, "csv"):
            text = body.strip()
            if b"\n" not in text:  # one row: the common real-time case, cheapest as plain Python
                try:
                    return np.array([[float(v) for v in text.split(b",")]])
                except ValueError:
                    raise RequestError(400, "malformed CSV: every field must be a number (no header)") from None
            from sagecli.monitor.csvparse import parse_numeric

            try:
                return parse_numeric(text)
            except ValueError as exc:
                raise RequestError(400, str(exc)) from None
        if ctype in LIBSVM_TYPES:
            return self._libsvm(body)
        if ctype == JSON and self.json_requests:
            try:
                doc = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:  # integers over 4,300 digits included
                raise RequestError(400, f"malformed JSON: {exc}") from None
            except RecursionError:
                raise RequestError(400, "malformed JSON: nested too deeply") from None
            rows = doc.get("instances", doc.get("features")) if isinstance(doc, dict) else doc
            if isinstance(rows, list) and rows and not isinstance(rows[0], list):
                rows = [rows]
            try:
                arr = np.array(rows, dtype=np.float64)
            except OverflowError:  # an integer too large for a float64 (400 digits, say)
                raise RequestError(400, "malformed JSON: a number is too large for a 64-bit float") from None
            except (TypeError, ValueError, RecursionError):
                raise RequestError(400, 'malformed JSON: expected {"instances": [[numbers, ...], ...]}') from None
            if arr.ndim != 2 or arr.size == 0:
                raise RequestError(400, 'malformed JSON: expected {"instances": [[numbers, ...], ...]}')
            return arr
        if ctype in ("parquet", "application/x-parquet"):  # known to the container, refused by its serving code
            raise RequestError(415, f"Content-type {content_type} is not supported.")
        if ctype in ("recordio-protobuf", RECORDIO):
            raise RequestError(415, f"{content_type} is decoded by the XGBoost container but not by sagecli's "
                                    "local endpoint: send text/csv or text/libsvm")
        raise RequestError(415, unsupported_type_message(content_type))

    def _libsvm(self, body: bytes) -> Any:
        """LIBSVM rows as the container's _get_sparse_matrix_from_libsvm reads them, absent features NaN."""
        np = self._np
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        try:
            for r, line in enumerate(body.strip().decode("utf-8").split("\n")):
                for item in line.split(" "):
                    if ":" in item:  # a token without ':' (the label, say) is skipped, as in the container
                        idx, val = item.split(":")[:2]
                        rows.append(r)
                        cols.append(int(idx))
                        vals.append(float(val))
            if not cols:
                raise ValueError("cannot infer dimensions from zero sized index arrays")
            if min(cols) < 0:
                raise ValueError("negative column index found")
        except (ValueError, UnicodeDecodeError) as exc:
            raise RequestError(415, "Loading libsvm data failed with Exception, please ensure data is in libsvm "
                                    f"format:\n {type(exc)}\n {exc}") from None
        if min(cols) >= 1:  # 1-based indices shifted to 0-based, as the container does
            cols = [c - 1 for c in cols]
        width = max(cols) + 1
        expected = getattr(self.model, "num_features", width)
        if width > expected:
            raise RequestError(400, f"expected {expected} features per row, got a feature index {width - 1}")
        x = np.full((max(rows) + 1, expected), np.nan)
        x[rows, cols] = vals
        return x

    def encode(self, scores: Any, accept: str) -> tuple[str, bytes]:
        """Scores -> (content type, body) for the Accept header (empty or */* means the default)."""
        want = media_type(accept)
        if want in ("", "*/*"):
            want = self.default_accept
        if want == CSV:
            return CSV_RESPONSE, "\n".join(repr(float(s)) for s in scores).encode()
        if want == JSON:
            return JSON, json.dumps({"predictions": [{"score": float(s)} for s in scores]}).encode()
        raise RequestError(406, f"unsupported Accept {accept!r}: use text/csv or application/json")

    def prepare(self, body: bytes, content_type: str) -> Any:
        """Decode and check a request: the rows to predict; RequestError for anything the client must fix."""
        if not body.strip():
            raise RequestError(400, "empty request body")
        x = self.decode(body, content_type)
        expected = getattr(self.model, "num_features", x.shape[1])
        if x.shape[1] != expected:
            raise RequestError(400, f"expected {expected} features per row (no label column), got {x.shape[1]}")
        return x

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[str, bytes]:
        """One invocation, start to end; RequestError for anything the client must fix."""
        return self.encode(self.model.predict(self.prepare(body, content_type)), accept)
