"""The local run ledger: every resource a run creates, written before and after each create call.

One JSON file per run under $SAGECLI_HOME/aws/runs/<run-id>.json, rewritten atomically. An entry is
written as `pending` before the create call (a call that times out may still have created the
resource) and turns `created`, `failed`, `deleted`, `kept` or `delete_failed` later. Teardown and
`sagecli cleanup` read it; it never holds credentials.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagecli.names import run_id as valid_run_id
from sagecli.paths import atomic_write_text, home_dir

LIVE_STATES = ("pending", "created", "delete_failed", "kept")


def now_iso() -> str:
    """The current UTC time as ISO-8601 with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ledger_dir() -> Path:
    """Where run ledgers live."""
    return home_dir() / "aws" / "runs"


@dataclass
class Entry:
    """One resource: its API kind (Endpoint, Model, S3Prefix, ...), name, ARN and state."""

    kind: str
    name: str
    arn: str | None = None
    state: str = "pending"
    detail: str = ""
    created_at: str = field(default_factory=now_iso)
    note: str = ""


@dataclass
class Ledger:
    """A run's ledger: account, Region and entries in creation order."""

    run_id: str
    account: str
    region: str
    entries: list[Entry] = field(default_factory=list)
    started: str = field(default_factory=now_iso)
    path: Path | None = None

    @classmethod
    def create(cls, run_id: str, account: str, region: str, directory: Path | None = None) -> Ledger:
        """A new ledger file for a run."""
        ledger = cls(run_id, account, region, path=(directory or ledger_dir()) / f"{valid_run_id(run_id)}.json")
        ledger.save()
        return ledger

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """Read a ledger file."""
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = [Entry(**e) for e in data.pop("entries", [])]
        return cls(**data, entries=entries, path=path)

    def save(self) -> None:
        """Write the ledger atomically."""
        if self.path is None:
            return
        data: dict[str, Any] = asdict(self)
        data.pop("path")
        atomic_write_text(self.path, json.dumps(data, indent=2) + "\n")

    def begin(self, kind: str, name: str, detail: str = "") -> Entry:
        """Record a resource about to be created (state pending) and save."""
        entry = Entry(kind=kind, name=name, detail=detail)
        self.entries.append(entry)
        self.save()
        return entry

    def mark(self, entry: Entry, state: str, arn: str | None = None, note: str = "") -> None:
        """Change an entry's state (and ARN) and save."""
        entry.state = state
        if arn:
            entry.arn = arn
        if note:
            entry.note = note
        self.save()

    def live(self) -> list[Entry]:
        """Entries that may still exist, oldest first."""
        return [e for e in self.entries if e.state in LIVE_STATES]


def all_ledgers(directory: Path | None = None) -> list[Ledger]:
    """Every ledger on this machine, oldest first (unreadable files are skipped)."""
    folder = directory or ledger_dir()
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            out.append(Ledger.load(path))
        except (OSError, ValueError, TypeError):
            continue
    out.sort(key=lambda led: (led.started, led.run_id))
    return out
