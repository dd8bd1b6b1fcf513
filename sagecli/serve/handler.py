"""The inference handler: decode a request body, predict, encode the response (the container's codecs).

Kept free of HTTP so the endpoint server and batch transform run the same code. Content types follow the
built-in XGBoost container: `text/csv` (no label column, no header) and `application/json`
(`{"instances": [[...], ...]}`, a list of rows, or one row); responses are `text/csv` (one score per
line) or `application/json` (`{"predictions": [{"score": ...}, ...]}`).
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

    def __init__(self, model: Any, default_accept: str = CSV) -> None:
        self.model = model
        self.default_accept = default_accept
        self._np = require("numpy")

    def decode(self, body: bytes, content_type: str) -> Any:
        """Request body -> float array (rows x features); RequestError 400/415 when it cannot."""
        np = self._np
        ctype = media_type(content_type)
        if ctype == CSV:
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
        if ctype == JSON:
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
        raise RequestError(415, f"unsupported content type {content_type!r}: use text/csv or application/json")

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
