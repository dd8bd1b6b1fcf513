"""A transform job: split each input file by line, batch records within MaxPayloadInMB (MultiRecord), send each
batch through the same inference handler the endpoint uses, and write one `<input>.out` per input file.

AssembleWith Line puts a newline after each record; JoinSource Input appends the prediction to the input
record (CSV: after the input columns).
"""

from __future__ import annotations

import time
from pathlib import Path

from sagecli.contracts import COMPLETED, FAILED, TransformResult
from sagecli.errors import SageCliError
from sagecli.paths import atomic_write_text
from sagecli.serve.handler import InferenceHandler, RequestError

MB = 1024 * 1024


def batches(lines: list[bytes], max_payload_bytes: int, strategy: str = "MultiRecord") -> list[list[bytes]]:
    """Group records into requests: one each (SingleRecord) or as many as fit (MultiRecord)."""
    if strategy == "SingleRecord":
        return [[ln] for ln in lines]
    out: list[list[bytes]] = []
    cur: list[bytes] = []
    size = 0
    for ln in lines:
        need = len(ln) + 1
        if need > max_payload_bytes:
            raise SageCliError(f"a record of {need} bytes is larger than MaxPayloadInMB")
        if cur and size + need > max_payload_bytes:
            out.append(cur)
            cur, size = [], 0
        cur.append(ln)
        size += need
    if cur:
        out.append(cur)
    return out


def run_transform(handler: InferenceHandler, job_name: str, input_dir: Path, output_dir: Path,
                  max_payload_mb: int = 6, batch_strategy: str = "MultiRecord", split_type: str = "Line",
                  content_type: str = "text/csv", accept: str = "text/csv", join_source: str = "None",
                  assemble_with: str = "Line") -> TransformResult:
    """Run the job over every file in input_dir; Failed with the reason on a request the model refuses."""
    started = time.perf_counter()
    if split_type != "Line":
        raise SageCliError(f"SplitType {split_type} is not supported by the local backend", hint="use Line")
    if not 0 < max_payload_mb <= 100:
        raise SageCliError("MaxPayloadInMB must be between 1 and 100 here (0, chunked, is not supported)")
    result = TransformResult(job_name=job_name, status=COMPLETED, output_uri=output_dir.resolve().as_uri())
    files = sorted(p for p in input_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    for path in files:
        lines = [ln for ln in path.read_bytes().splitlines() if ln.strip()]
        out_records: list[str] = []
        for batch in batches(lines, max_payload_mb * MB, batch_strategy):
            try:
                _, body = handler.invoke(b"\n".join(batch), content_type, accept)
            except RequestError as err:
                result.status = FAILED
                result.failure_reason = f"{path.name}: {err.message}"
                result.duration_s = time.perf_counter() - started
                return result
            preds = [v for v in body.decode().replace(",", "\n").split("\n") if v != ""]
            if join_source == "Input":
                preds = [f"{rec.decode()},{p}" for rec, p in zip(batch, preds, strict=True)]
            out_records += preds
            result.requests += 1
        result.records += len(out_records)
        sep = "\n" if assemble_with == "Line" else ""
        rel = path.relative_to(input_dir)
        atomic_write_text(output_dir / rel.parent / f"{rel.name}.out", sep.join(out_records) + sep)
    result.duration_s = time.perf_counter() - started
    return result
