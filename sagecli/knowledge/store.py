"""The knowledge base as commands use it: compiled once, cached as JSON, read without pydantic."""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sagecli import __version__
from sagecli.errors import SageCliError
from sagecli.paths import atomic_write_text, cache_dir, content_dir

# Bump when the schema or the compiled layout changes, so stale caches are never read.
CACHE_FORMAT = 3


def _fingerprint(root: Path) -> str:
    """A key over every content file's name, size and mtime (cheap: stat calls only)."""
    # zlib rather than hashlib: a cache key needs no cryptography, and hashlib costs ~10 ms to import
    parts = [f"{__version__}:{CACHE_FORMAT}:{root.resolve()}"]
    schema_dir = Path(__file__).parent
    for path in sorted(schema_dir.glob("*.py")):
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    for sub in (root, root / "questions", root / "rules"):
        try:
            entries = sorted(os.scandir(sub), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.name.endswith(".yaml"):
                st = entry.stat()
                parts.append(f"{sub.name}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    blob = "\n".join(parts).encode()
    return f"{zlib.crc32(blob):08x}{zlib.adler32(blob):08x}{len(parts):04x}"


class KnowledgeBase:
    """Validated records (plain dicts, as stored) and quiz items, keyed by id.

    Quiz items are read on first use only, so commands that never touch the bank stay fast.
    """

    def __init__(
        self,
        records: dict[str, dict[str, Any]],
        questions: dict[str, dict[str, Any]] | Callable[[], dict[str, dict[str, Any]]],
        root: Path,
    ) -> None:
        self.records = records
        self._questions = questions
        self.root = root

    @property
    def questions(self) -> dict[str, dict[str, Any]]:
        """Quiz items by id (authored ones; generated items live in sagecli.quiz)."""
        if callable(self._questions):
            self._questions = self._questions()
        return self._questions

    def get(self, record_id: str) -> dict[str, Any]:
        """A record by id, or a SageCliError that suggests close ids."""
        rec = self.records.get(record_id)
        if rec is None:  # a built-in algorithm's alias (AWS image name such as kmeans, forecasting-deepar)
            key = record_id.strip().lower().replace("_", "-")
            rec = next((r for r in self.of_kind("algorithm") if key in (r.get("aliases") or ())), None)
        if rec is None:
            import difflib

            close = difflib.get_close_matches(record_id, list(self.records), n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else "run `sagecli kb list` to see the ids"
            raise SageCliError(f"no knowledge-base record with id {record_id!r}", hint=hint)
        return rec

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Every record of a kind, in content order."""
        return [r for r in self.records.values() if r["kind"] == kind]

    def kinds(self) -> list[str]:
        """The kinds present, in content order."""
        seen: dict[str, None] = {}
        for r in self.records.values():
            seen.setdefault(r["kind"], None)
        return list(seen)

    def limit(self, record_id: str, name: str) -> Any:
        """The current value of a documented limit (e.g. serverless-inference max_payload_mb)."""
        return self.limit_record(record_id, name)["value"]

    def limit_record(self, record_id: str, name: str) -> dict[str, Any]:
        """A limit with its unit, source and history."""
        rec = self.get(record_id)
        try:
            return rec["limits"][name]
        except KeyError:
            raise SageCliError(f"record {record_id!r} has no limit {name!r}") from None

    def instance_sizes(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(family record, size) for every instance type."""
        return [(fam, size) for fam in self.of_kind("instance_family") for size in fam["sizes"]]

    def instance(self, type_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The family and size of a full instance type such as ml.g5.2xlarge."""
        for fam, size in self.instance_sizes():
            if size["type"] == type_name:
                return fam, size
        raise SageCliError(f"unknown instance type {type_name!r}", hint="see `sagecli kb list instance_family`")

    def search(self, text: str) -> list[dict[str, Any]]:
        """Records whose id, name, summary, tips or tags contain every word of text (case-insensitive)."""
        words = text.lower().split()
        hits = []
        for rec in self.records.values():
            hay = " ".join(
                [rec["id"], rec["name"], rec["summary"], " ".join(rec.get("exam_tips", [])),
                 " ".join(rec.get("tags", []))]
            ).lower()
            if all(w in hay for w in words):
                hits.append(rec)
        # exact id or name hits first, then by id for a stable order
        hits.sort(key=lambda r: (text.lower() not in (r["id"], r["name"].lower()), r["id"]))
        return hits


def compile_or_raise(root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate content (imports pydantic); raise one SageCliError listing every problem."""
    from sagecli.knowledge.loader import compile_content

    compiled = compile_content(root)
    if compiled.problems:
        lines = "\n".join(str(p) for p in compiled.problems)
        raise SageCliError(
            f"the knowledge base has {len(compiled.problems)} problem(s)\n{lines}",
            hint=f"run `sagecli kb validate {root}` after fixing them",
        )
    return compiled.records, compiled.questions


@lru_cache(maxsize=4)
def _load(root_str: str, use_cache: bool) -> KnowledgeBase:
    root = Path(root_str)
    if not root.is_dir():
        raise SageCliError(f"content directory not found: {root}")
    key = _fingerprint(root)
    folder = cache_dir()
    rec_file, q_file = folder / f"kb-{key}-records.json", folder / f"kb-{key}-questions.json"
    if use_cache and rec_file.exists() and q_file.exists():
        try:
            records = json.loads(rec_file.read_text(encoding="utf-8"))

            def read_questions() -> dict[str, dict[str, Any]]:
                try:
                    return json.loads(q_file.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return compile_or_raise(root)[1]

            return KnowledgeBase(records, read_questions, root)
        except (OSError, ValueError):
            pass  # a broken cache is only a cache: rebuild it
    records, questions = compile_or_raise(root)
    if use_cache:
        for old in folder.glob("kb-*.json"):
            if not old.name.startswith(f"kb-{key}-"):
                old.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # read-only home: work uncached
            atomic_write_text(q_file, json.dumps(questions))
            atomic_write_text(rec_file, json.dumps(records))
    return KnowledgeBase(records, questions, root)


def load_kb(root: Path | None = None, use_cache: bool = True) -> KnowledgeBase:
    """Load the bundled knowledge base (or another content directory), validated."""
    return _load(str(root or content_dir()), use_cache)
