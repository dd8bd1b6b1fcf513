"""Data capture in SageMaker's JSON Lines format and key layout: <root>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl."""

from __future__ import annotations

import base64
import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CaptureConfig:
    """DataCaptureConfig as the server applies it."""

    root: Path
    endpoint: str
    variant: str = "AllTraffic"
    sampling_percentage: int = 100
    capture_input: bool = True
    capture_output: bool = True
    csv_types: tuple[str, ...] = ("text/csv",)
    json_types: tuple[str, ...] = ("application/json",)


def encode_body(body: bytes, content_type: str, cfg: CaptureConfig) -> tuple[str, str]:
    """(data, encoding): CSV or JSON as text when the type is listed, else BASE64 (as SageMaker does)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in cfg.csv_types or media in cfg.json_types:
        try:
            return body.decode("utf-8"), "CSV" if media in cfg.csv_types else "JSON"
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), "BASE64"


@dataclass
class CaptureWriter:
    """Appends one record per sampled request; one file per hour per server process."""

    cfg: CaptureConfig
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    _fd: int | None = None
    _hour: str = ""

    def sampled(self) -> bool:
        """Whether this request is captured (InitialSamplingPercentage)."""
        pct = self.cfg.sampling_percentage
        return pct >= 100 or (pct > 0 and self.rng.random() * 100 < pct)

    def record(self, in_body: bytes, in_type: str, out_body: bytes, out_type: str,
               inference_id: str | None = None) -> dict:
        """The capture record for one request (the documented fields)."""
        now = self.clock()
        data: dict = {}
        if self.cfg.capture_input:
            d, enc = encode_body(in_body, in_type, self.cfg)
            data["endpointInput"] = {"observedContentType": in_type, "mode": "INPUT", "data": d, "encoding": enc}
        if self.cfg.capture_output:
            d, enc = encode_body(out_body, out_type, self.cfg)
            data["endpointOutput"] = {"observedContentType": out_type, "mode": "OUTPUT", "data": d, "encoding": enc}
        meta = {"eventId": str(uuid.uuid4()),
                "inferenceTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
        if inference_id:
            meta["inferenceId"] = inference_id
        return {"captureData": data, "eventMetadata": meta, "eventVersion": "0"}

    def write(self, rec: dict) -> None:
        """Append a record as one line (a single write on an O_APPEND descriptor)."""
        now = self.clock()
        hour = time.strftime("%Y/%m/%d/%H", time.gmtime(now))
        if hour != self._hour or self._fd is None:
            self.close()
            folder = self.cfg.root / self.cfg.endpoint / self.cfg.variant / hour
            folder.mkdir(parents=True, exist_ok=True)
            ms = int(now * 1000) % 1000
            name = time.strftime("%M-%S-", time.gmtime(now)) + f"{ms:03d}-{uuid.uuid4()}.jsonl"
            self._fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._hour = hour
        os.write(self._fd, (json.dumps(rec, separators=(",", ":")) + "\n").encode())

    def capture(self, in_body: bytes, in_type: str, out_body: bytes, out_type: str,
                inference_id: str | None = None) -> bool:
        """Sample, build and write one record; return whether it was captured."""
        if not self.sampled():
            return False
        self.write(self.record(in_body, in_type, out_body, out_type, inference_id))
        return True

    def close(self) -> None:
        """Close the current file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_capture(root: Path) -> list[dict]:
    """Every capture record under root (any endpoint/variant/hour), in file order."""
    records = []
    for path in sorted(root.rglob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            records += [json.loads(line) for line in fh if line.strip()]
    return records
