"""`sagecli monitor`: Model Monitor's data-quality jobs on the user's own files, for endpoints AWS no longer monitors.

Model Monitor is closed to new customers (from 2026-07-30). These two jobs read a training CSV and the
data-capture JSON Lines files an endpoint already writes, and produce the same three files as the
container (statistics.json, constraints.json, constraint_violations.json), so a baseline made by AWS and
one made here are interchangeable. Inputs are local paths or s3:// prefixes (read through boto3 with the
same download checks as the SageMaker backend).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError

# A download hook: (s3 uri, destination folder) -> the local files written. Given by the command, so this
# module stays free of boto3 and tests can pass their own.
Fetch = Callable[[str, Path], list[Path]]
EXIT_CLEAN, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


class MonitorError(SageCliError):
    """A monitor job could not run: exit code 2 (1 means violations were found)."""

    exit_code = EXIT_ERROR


@dataclass
class MonitorResult:
    """What a job wrote and found."""

    out_dir: Path
    rows: int
    violations: list[dict[str, str]]
    files: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The --json summary."""
        return {"output": str(self.out_dir), "rows": self.rows, "violation_count": len(self.violations),
                "violations": self.violations, "files": self.files}


def _local_files(sources: Iterable[str], patterns: tuple[str, ...], fetch: Fetch | None, scratch: Path) -> list[Path]:
    files: list[Path] = []
    for i, src in enumerate(sources):
        if src.startswith("s3://"):
            if fetch is None:
                raise MonitorError(f"cannot read {src}: S3 inputs need boto3", hint="pip install 'sagecli[aws]'")
            files += [p for p in fetch(src, scratch / f"s3-{i}") if p.is_file() and p.name.endswith(patterns)]
            continue
        path = Path(src).expanduser()
        try:
            if path.is_dir():
                files += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(patterns))
            elif path.is_file():
                files.append(path)
            else:
                raise MonitorError(f"{src}: no such file or folder")
        except OSError as exc:
            raise MonitorError(f"{src}: {exc.strerror or exc}") from None
    if not files:
        raise MonitorError(f"no input files ({', '.join(patterns)}) under {', '.join(sources)}")
    return sorted(set(files))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MonitorError(f"{path}: {exc.strerror or exc}") from None


def _strip_header(data: bytes) -> bytes:
    first, _, rest = data.partition(b"\n")
    return rest


def make_baseline(sources: list[str], out_dir: Path, header: bool, fetch: Fetch | None, scratch: Path
                  ) -> MonitorResult:
    """Baseline job over CSV files (headerless unless header=True): statistics.json and constraints.json."""
    from sagecli.monitor.jobs import write_baseline

    files = _local_files(sources, (".csv",), fetch, scratch)
    parts = [_read(p) for p in files]
    names = None
    if header:
        names = [c.strip() for c in parts[0].split(b"\n", 1)[0].decode("utf-8", "replace").split(",")]
        parts = [_strip_header(p) for p in parts]
    data = b"".join(p if p.endswith(b"\n") or not p else p + b"\n" for p in parts)
    if not data.strip():
        raise MonitorError("the baseline data has no rows")
    stats, _ = write_baseline(data, out_dir, names)
    return MonitorResult(out_dir, stats["dataset"]["item_count"], [], ["statistics.json", "constraints.json"])


def _load_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(_read(path))
    except ValueError as exc:
        raise MonitorError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise MonitorError(f"{path}: expected a JSON object")
    return doc


def read_capture(files: list[Path]) -> list[dict[str, Any]]:
    """Data-capture records from JSON Lines files; a bad line is an error naming its file and line."""
    records = []
    for path in files:
        for n, line in enumerate(_read(path).splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                raise MonitorError(f"{path}:{n}: not a JSON capture record") from None
            if not isinstance(rec, dict) or "captureData" not in rec:
                raise MonitorError(f"{path}:{n}: a capture record has captureData")
            records.append(rec)
    return records


def run_monitor(baseline_dir: Path, sources: list[str], out_dir: Path, fetch: Fetch | None, scratch: Path
                ) -> MonitorResult:
    """Monitoring run over capture files against a baseline folder (statistics.json + constraints.json)."""
    from sagecli.monitor.jobs import capture_to_csv, run_monitoring

    stats = _load_json(baseline_dir / "statistics.json")
    cons = _load_json(baseline_dir / "constraints.json")
    if not isinstance(cons.get("features"), list) or not isinstance(stats.get("features"), list):
        raise MonitorError(f"{baseline_dir}: statistics.json and constraints.json need a features list")
    records = read_capture(_local_files(sources, (".jsonl",), fetch, scratch))
    try:
        data = capture_to_csv(records)
    except (ValueError, KeyError, TypeError) as exc:
        raise MonitorError(f"a capture record's endpointInput could not be read ({exc})") from None
    if not data.strip():
        raise MonitorError("the capture files hold no endpointInput data")
    violations, cur = run_monitoring(data, stats, cons, out_dir)
    return MonitorResult(out_dir, cur["dataset"]["item_count"], violations["violations"],
                         ["statistics.json", "constraints.json", "constraint_violations.json"])
