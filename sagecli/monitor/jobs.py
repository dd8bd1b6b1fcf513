"""The two monitoring jobs: a baseline (statistics.json + constraints.json) and a run over captured data."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from sagecli.monitor.constraints import suggest_constraints
from sagecli.monitor.csvparse import parse_table
from sagecli.monitor.statistics import dataset_statistics
from sagecli.monitor.violations import check_violations
from sagecli.paths import atomic_write_text


def _dump(path: Path, doc: Any) -> None:
    atomic_write_text(path, json.dumps(doc, indent=2))


def suggest_baseline(csv_data: bytes, out_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Baseline job over headerless CSV: write statistics.json and constraints.json to out_dir."""
    return write_baseline(csv_data, out_dir)


def write_baseline(csv_data: bytes, out_dir: Path, names: list[str] | None = None
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Baseline job with optional column names (a CSV header); unnamed columns are _c0, _c1, ..."""
    table = parse_table(csv_data)
    if names is not None and len(names) != table.shape[1]:
        from sagecli.errors import SageCliError

        raise SageCliError(f"the header names {len(names)} columns but the rows have {table.shape[1]}",
                           exit_code=2)
    stats = dataset_statistics(table, names)
    cons = suggest_constraints(stats)
    out_dir.mkdir(parents=True, exist_ok=True)
    _dump(out_dir / "statistics.json", stats)
    _dump(out_dir / "constraints.json", cons)
    return stats, cons


def capture_to_csv(records: list[dict[str, Any]]) -> bytes:
    """The endpointInput of each capture record as CSV lines (CSV as is; JSON instances; BASE64 decoded)."""
    lines: list[bytes] = []
    for rec in records:
        inp = rec.get("captureData", {}).get("endpointInput")
        if not inp:
            continue
        enc = inp.get("encoding", "CSV")
        raw = base64.b64decode(inp["data"]) if enc == "BASE64" else inp["data"].encode()
        ctype = inp.get("observedContentType", "").split(";")[0].strip().lower()
        if enc == "JSON" or ctype == "application/json":
            doc = json.loads(raw)
            rows = doc.get("instances", doc.get("features")) if isinstance(doc, dict) else doc
            if rows and not isinstance(rows[0], list):
                rows = [rows]
            lines += [",".join(repr(v) if isinstance(v, float) else str(v) for v in r).encode() for r in rows]
        else:
            lines += [ln for ln in raw.strip().split(b"\n") if ln.strip()]
    return b"\n".join(lines) + b"\n" if lines else b""


def run_monitoring(csv_data: bytes, baseline_stats: dict[str, Any], constraints: dict[str, Any],
                   out_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Monitoring run: write statistics.json, constraints.json and constraint_violations.json, as a real run does.

    constraints.json is the set of constraints the run checked against (the baseline's, as given).
    """
    violations, stats = check_violations(parse_table(csv_data), baseline_stats, constraints)
    out_dir.mkdir(parents=True, exist_ok=True)
    _dump(out_dir / "statistics.json", stats)
    _dump(out_dir / "constraints.json", constraints)
    _dump(out_dir / "constraint_violations.json", violations)
    return violations, stats
