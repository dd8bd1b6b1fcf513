"""Compile content/ into validated records; report every problem as `file.yaml:LINE: what`."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sagecli.knowledge.predicates import needs_named
from sagecli.knowledge.question_schema import Question
from sagecli.knowledge.schema import FOLDER_KINDS, KINDS, dump
from sagecli.knowledge.yamlpos import YamlProblem, line_for, load_with_lines


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Compiled:
    """Validated content as JSON-ready dicts, keyed by id, with each record's kind and origin."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


# Content is untrusted input (`kb validate DIR`): files are read only when they are plain files inside the
# directory, and only up to this size (the largest bundled file is about 64 KB).
MAX_FILE_BYTES = 1024 * 1024
_KINDS_OF_FILE = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                  (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


class UnsafeFile(Exception):
    """A content file that is not read: why, in one line."""


def _not_regular(mode: int) -> str:
    return next((name for test, name in _KINDS_OF_FILE if test(mode)), "not a regular file")


def read_content_file(root: Path, path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The text of a content file; UnsafeFile for a special file, a symlink leaving root or an oversized file."""
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root.resolve(strict=True)):
            raise UnsafeFile(f"a symlink that leaves the content directory (to {real}); not read")
        mode = os.stat(real).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafeFile(f"{_not_regular(mode)}, not a plain file; not read")
        # O_NONBLOCK: should it have become a FIFO since the check, opening still returns at once
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
        raise UnsafeFile(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafeFile(f"{_not_regular(mode)}, not a plain file; not read")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"file is larger than the {limit // 1024} KiB limit for a content file; not read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeFile(f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def content_files(root: Path) -> list[Path]:
    """The YAML files that make up a content directory, in a stable order."""
    files = sorted(root.glob("*.yaml"))
    for folder in (*FOLDER_KINDS, "questions"):
        files += sorted((root / folder).glob("*.yaml"))
    return files


def _where(root: Path, path: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(path.name)
    return f"content/{rel.as_posix()}"


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def compile_content(root: Path) -> Compiled:
    """Read and validate every file under root; collect all problems instead of stopping at one."""
    out = Compiled()
    origins: dict[str, tuple[str, int]] = {}
    refs: list[tuple[str, int, str, str]] = []  # (file, line, from_id, to_id)
    needs_used: list[tuple[str, int, str, str, str]] = []  # (file, line, rule, need, decision)
    if not root.is_dir():
        out.problems.append(Problem(str(root), 1, "content directory not found"))
        return out
    for path in content_files(root):
        where = _where(root, path)
        is_question = path.parent.name == "questions"
        in_folder = path.parent != root and path.parent.name in FOLDER_KINDS
        stem = path.stem
        if not is_question and not in_folder and stem not in KINDS:
            out.problems.append(Problem(where, 1, f"unknown kind {stem!r}; expected one of {sorted(KINDS)}"))
            continue
        try:
            data, lines = load_with_lines(read_content_file(root, path))
        except YamlProblem as exc:
            out.problems.append(Problem(where, exc.line, exc.message))
            continue
        except UnsafeFile as exc:
            out.problems.append(Problem(where, 1, str(exc)))
            continue
        if data is None:
            continue
        if not isinstance(data, list):
            out.problems.append(Problem(where, 1, "the file must be a YAML list of records"))
            continue
        if is_question:
            kind, model = "question", Question
        else:
            kind, model = FOLDER_KINDS[path.parent.name] if in_folder else KINDS[stem]
        for i, raw in enumerate(data):
            line = line_for(lines, (i,))
            if not isinstance(raw, dict):
                out.problems.append(Problem(where, line, "a record must be a mapping"))
                continue
            try:
                rec = model.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = tuple(err["loc"])
                    # the model validators report at the record; name the field when pydantic gives one
                    msg = " ".join(err["msg"].removeprefix("Value error, ").split())
                    label = f"{_fmt_loc(loc)}: " if loc else ""
                    out.problems.append(Problem(where, line_for(lines, (i, *loc)), f"{label}{msg}"))
                continue
            data_out = dump(rec)
            data_out["kind"] = kind
            ids = [rec.id] + [p.id for p in getattr(rec, "parts", [])]
            for rid in ids:
                if rid in origins:
                    f0, l0 = origins[rid]
                    out.problems.append(Problem(where, line, f"duplicate id {rid!r} (first at {f0}:{l0})"))
            if any(rid in origins for rid in ids):
                continue
            for rid in ids:
                origins[rid] = (where, line)
            (out.questions if is_question else out.records)[rec.id] = data_out
            for key in ("related", "topics", "used_by"):
                for j, target in enumerate(data_out.get(key) or []):
                    refs.append((where, line_for(lines, (i, key, j)), rec.id, target))
            if kind == "rule":
                for need in sorted(needs_named(data_out["when"])):
                    needs_used.append((where, line_for(lines, (i, "when")), rec.id, need, data_out["decision"]))
            parent = data_out.get("parent")
            if parent:
                refs.append((where, line_for(lines, (i, "parent")), rec.id, parent))
    for where, line, src, target in refs:
        if target not in out.records:
            out.problems.append(Problem(where, line, f"{src}: refers to missing id {target!r}"))
    for where, line, rule, need, decision in needs_used:
        rec = out.records.get(f"need.{need}")
        if rec is None or rec["kind"] != "need":
            out.problems.append(Problem(where, line, f"{rule}: need {need!r} is not in content/needs.yaml"))
        elif decision not in rec["decisions"]:
            out.problems.append(Problem(where, line, f"{rule}: need {need!r} does not list decision {decision}"))
    return out
