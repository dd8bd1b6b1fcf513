"""The knowledge base as commands use it: compiled once, cached one kind per file, read without pydantic.

The cache is written with marshal, the format of Python's own .pyc files in the same user folders: it
loads about twice as fast as JSON and needs no import. Records are split by kind, so a command reads only
the kinds it touches (`recommend deployment` never parses the instance catalog); a small index maps every
id to its kind, in content order.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sagecli import __version__
from sagecli.errors import SageCliError
from sagecli.paths import cache_dir, content_dir

# Bump when the schema or the compiled layout changes, so stale caches are never read.
CACHE_FORMAT = 4
# What a broken or truncated cache file raises when read: it is only a cache, so it is rebuilt.
CACHE_ERRORS = (OSError, ValueError, EOFError, TypeError, KeyError)


def _fingerprint(root: Path) -> str:
    """A key over every content file's name, size and mtime (cheap: stat calls only)."""
    # zlib rather than hashlib: a cache key needs no cryptography, and hashlib costs ~10 ms to import.
    # The interpreter's cache tag is part of the key: marshal's format may change between Python versions.
    parts = [f"{__version__}:{CACHE_FORMAT}:{sys.implementation.cache_tag}:{root.resolve()}"]
    schema_dir = os.path.dirname(__file__)
    for sub, suffix in ((schema_dir, ".py"), (root, ".yaml"), (root / "questions", ".yaml"),
                        (root / "rules", ".yaml")):
        try:
            entries = sorted(os.scandir(sub), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        label = "" if sub is schema_dir else f"{Path(sub).name}/"
        for entry in entries:
            if entry.name.endswith(suffix):
                st = entry.stat()
                parts.append(f"{label}{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    blob = "\n".join(parts).encode()
    return f"{zlib.crc32(blob):08x}{zlib.adler32(blob):08x}{len(parts):04x}"


class ShardedRecords(Mapping[str, dict[str, Any]]):
    """Records by id, in content order, read from the cache one kind at a time on first use."""

    def __init__(self, kind_of: dict[str, str], read_kind: Callable[[str], dict[str, dict[str, Any]]],
                 limit_owners: dict[str, list[str]]) -> None:
        self._kind_of = kind_of
        self.limit_owners = limit_owners  # limit name -> ids of the records that document it, sorted
        self._read_kind = read_kind
        self._kinds: dict[str, dict[str, dict[str, Any]]] = {}
        self._present = frozenset(kind_of.values())

    def of_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        """The records of one kind by id, in content order (an empty dict for a kind with none)."""
        got = self._kinds.get(kind)
        if got is None:
            got = self._kinds[kind] = self._read_kind(kind) if kind in self._present else {}
        return got

    def __getitem__(self, record_id: str) -> dict[str, Any]:
        return self.of_kind(self._kind_of[record_id])[record_id]

    def get(self, record_id: str, default: Any = None) -> Any:
        kind = self._kind_of.get(record_id)
        return default if kind is None else self.of_kind(kind)[record_id]

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._kind_of

    def __iter__(self) -> Iterator[str]:
        return iter(self._kind_of)

    def __len__(self) -> int:
        return len(self._kind_of)

    def kinds(self) -> list[str]:
        """The kinds present, in content order."""
        return list(dict.fromkeys(self._kind_of.values()))


class KnowledgeBase:
    """Validated records (plain dicts, as stored) and quiz items, keyed by id.

    Quiz items are read on first use only, so commands that never touch the bank stay fast.
    """

    def __init__(
        self,
        records: Mapping[str, dict[str, Any]],
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
        if isinstance(self.records, ShardedRecords):  # read that kind's file only
            return list(self.records.of_kind(kind).values())
        return [r for r in self.records.values() if r["kind"] == kind]

    def kinds(self) -> list[str]:
        """The kinds present, in content order."""
        if isinstance(self.records, ShardedRecords):
            return self.records.kinds()
        seen: dict[str, None] = {}
        for r in self.records.values():
            seen.setdefault(r["kind"], None)
        return list(seen)

    def with_limit(self, name: str) -> list[dict[str, Any]]:
        """Every record that documents a limit of this name, by id (reads only their kinds)."""
        if isinstance(self.records, ShardedRecords):
            return [self.records[rid] for rid in self.records.limit_owners.get(name, ())]
        return [self.records[rid] for rid in limit_owners(self.records).get(name, ())]

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


def limit_owners(records: Mapping[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Limit name -> the ids of the records that document a limit of that name, sorted."""
    owners: dict[str, list[str]] = {}
    for rid in sorted(records):
        limits = records[rid].get("limits")
        for name in limits if isinstance(limits, dict) else ():
            owners.setdefault(name, []).append(rid)
    return owners


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically: a temporary file in the same folder, then os.replace."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _read(path: Path) -> Any:
    with open(path, "rb") as fh:
        return marshal.loads(fh.read())


def _cache_file(folder: Path, key: str, part: str) -> Path:
    return folder / f"kb-{key}-{part}.marshal"


def _write_cache(folder: Path, key: str, records: dict[str, dict[str, Any]],
                 questions: dict[str, dict[str, Any]]) -> None:
    """One file per record kind, the questions, and last the index (its presence marks a complete cache)."""
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for rid, rec in records.items():
        by_kind.setdefault(rec["kind"], {})[rid] = rec
    for old in folder.glob("kb-*"):
        if not old.name.startswith(f"kb-{key}-"):
            old.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # read-only home: work uncached
        for kind, recs in by_kind.items():
            _atomic_write_bytes(_cache_file(folder, key, f"kind-{kind}"), marshal.dumps(recs))
        _atomic_write_bytes(_cache_file(folder, key, "questions"), marshal.dumps(questions))
        index = {"kind_of": {rid: rec["kind"] for rid, rec in records.items()}, "limit_owners": limit_owners(records)}
        _atomic_write_bytes(_cache_file(folder, key, "index"), marshal.dumps(index))


@lru_cache(maxsize=4)
def _load(root_str: str, use_cache: bool) -> KnowledgeBase:
    root = Path(root_str)
    if not root.is_dir():
        raise SageCliError(f"content directory not found: {root}")
    if use_cache:
        key = _fingerprint(root)
        folder = cache_dir()
        try:
            index = _read(_cache_file(folder, key, "index"))
            kind_of, owners = index["kind_of"], index["limit_owners"]
        except CACHE_ERRORS:
            kind_of = owners = None  # no cache yet, or a broken one: rebuild it
        if isinstance(kind_of, dict) and isinstance(owners, dict):
            compiled: list[tuple[dict[str, Any], dict[str, Any]]] = []  # compiled once, only if a file fails

            def fallback() -> tuple[dict[str, Any], dict[str, Any]]:
                if not compiled:
                    compiled.append(compile_or_raise(root))
                return compiled[0]

            def read_kind(kind: str) -> dict[str, dict[str, Any]]:
                try:
                    recs = _read(_cache_file(folder, key, f"kind-{kind}"))
                    if isinstance(recs, dict):
                        return recs
                except CACHE_ERRORS:  # removed or broken since the index was read
                    pass
                return {rid: r for rid, r in fallback()[0].items() if r["kind"] == kind}

            def read_questions() -> dict[str, dict[str, Any]]:
                try:
                    questions = _read(_cache_file(folder, key, "questions"))
                    if isinstance(questions, dict):
                        return questions
                except CACHE_ERRORS:
                    pass
                return fallback()[1]

            return KnowledgeBase(ShardedRecords(kind_of, read_kind, owners), read_questions, root)
    records, questions = compile_or_raise(root)
    if use_cache:
        _write_cache(folder, key, records, questions)
    return KnowledgeBase(records, questions, root)


def load_kb(root: Path | None = None, use_cache: bool = True) -> KnowledgeBase:
    """Load the bundled knowledge base (or another content directory), validated."""
    return _load(str(root or content_dir()), use_cache)
