"""Data capture in SageMaker's JSON Lines format and key layout: <root>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl."""

from __future__ import annotations

import base64
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as js  # type: ignore[attr-defined]
from pathlib import Path

from sagecli.names import endpoint_name, variant_name


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

    def __post_init__(self) -> None:
        endpoint_name(self.endpoint)  # both become folder names under root
        variant_name(self.variant)


def encode_body(body: bytes, content_type: str, cfg: CaptureConfig) -> tuple[str, str]:
    """(data, encoding): CSV or JSON as text when the type is listed, else BASE64 (as SageMaker does)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in cfg.csv_types or media in cfg.json_types:
        try:
            return body.decode("utf-8"), "CSV" if media in cfg.csv_types else "JSON"
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), "BASE64"


def event_ids(chunk: int = 256) -> Iterator[str]:
    """Random (version 4) UUID strings, as str(uuid.uuid4()) gives them, drawing random bytes in bulk."""
    while True:
        raw = os.urandom(16 * chunk).hex()
        for i in range(0, 32 * chunk, 32):
            h = raw[i:i + 32]
            yield f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122 variant bits (10xx)


@dataclass
class CaptureWriter:
    """Appends one record per sampled request; a new file each minute, under the hour's folder.

    Real capture starts a new `MM-SS-mmm-<uuid>.jsonl` about every minute (two files a minute apart in a
    saved real run of aws/amazon-sagemaker-examples); sagecli starts one per minute that has records.

    Lines are kept in memory until flush(): the server flushes once per event-loop turn (one write for
    every request answered in that turn), so every record reaches the file within the same turn.
    """

    cfg: CaptureConfig
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    _fd: int | None = None
    _minute: str = ""
    _second: int = -1
    _stamp: str = ""
    _pending: list[str] = field(default_factory=list)
    _ids: Iterator[str] = field(default_factory=event_ids)

    def sampled(self) -> bool:
        """Whether this request is captured (InitialSamplingPercentage)."""
        pct = self.cfg.sampling_percentage
        return pct >= 100 or (pct > 0 and self.rng.random() * 100 < pct)

    def record(self, in_body: bytes, in_type: str, out_body: bytes, out_type: str,
               inference_id: str | None = None, event_id: str | None = None) -> dict:
        """The capture record for one request (the documented fields)."""
        data: dict = {}
        if self.cfg.capture_input:
            d, enc = encode_body(in_body, in_type, self.cfg)
            data["endpointInput"] = {"observedContentType": in_type, "mode": "INPUT", "data": d, "encoding": enc}
        if self.cfg.capture_output:
            d, enc = encode_body(out_body, out_type, self.cfg)
            data["endpointOutput"] = {"observedContentType": out_type, "mode": "OUTPUT", "data": d, "encoding": enc}
        meta = {"eventId": event_id or next(self._ids), "inferenceTime": self._time(self.clock())}
        if inference_id:
            meta["inferenceId"] = inference_id
        return {"captureData": data, "eventMetadata": meta, "eventVersion": "0"}

    def line(self, in_body: bytes, in_type: str, out_body: bytes, out_type: str,
             inference_id: str | None = None, event_id: str | None = None) -> str:
        """record() as one compact JSON line, built from string pieces (the same text json.dumps writes)."""
        parts = []
        for on, key, mode, body, ctype in ((self.cfg.capture_input, "endpointInput", "INPUT", in_body, in_type),
                                          (self.cfg.capture_output, "endpointOutput", "OUTPUT", out_body, out_type)):
            if on:
                d, enc = encode_body(body, ctype, self.cfg)
                parts.append(f'"{key}":{{"observedContentType":{js(ctype)},"mode":"{mode}","data":{js(d)},'
                             f'"encoding":"{enc}"}}')
        meta = f'"eventId":{js(event_id or next(self._ids))},"inferenceTime":"{self._time(self.clock())}"'
        if inference_id:
            meta += f',"inferenceId":{js(inference_id)}'
        return f'{{"captureData":{{{",".join(parts)}}},"eventMetadata":{{{meta}}},"eventVersion":"0"}}\n'

    def _time(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return self._stamp

    def write(self, rec: dict) -> None:
        """Append a record as one line now."""
        self._pending.append(json.dumps(rec, separators=(",", ":")) + "\n")
        self.flush()

    def flush(self) -> None:
        """Write every pending line with one write on an O_APPEND descriptor (the current hour's file)."""
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        now = self.clock()
        minute = time.strftime("%Y/%m/%d/%H/%M", time.gmtime(now))
        if minute != self._minute or self._fd is None:
            self.close()
            folder = self.cfg.root / self.cfg.endpoint / self.cfg.variant / minute.rsplit("/", 1)[0]
            folder.mkdir(parents=True, exist_ok=True)
            ms = int(now * 1000) % 1000
            name = time.strftime("%M-%S-", time.gmtime(now)) + f"{ms:03d}-{uuid.uuid4()}.jsonl"
            self._fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._minute = minute
        data = "".join(lines).encode()
        while data:  # a regular file takes it all at once; loop in case a write comes back short
            data = data[os.write(self._fd, data):]

    def capture(self, in_body: bytes, in_type: str, out_body: bytes, out_type: str,
                inference_id: str | None = None, defer: bool = False) -> bool:
        """Sample and build one record; write it now, or at the next flush() when defer is set."""
        if not self.sampled():
            return False
        self._pending.append(self.line(in_body, in_type, out_body, out_type, inference_id))
        if not defer:
            self.flush()
        return True

    def close(self) -> None:
        """Write what is pending, then close the current file."""
        if self._pending:
            self.flush()
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
