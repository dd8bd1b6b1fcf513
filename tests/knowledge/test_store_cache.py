"""The compiled knowledge-base cache: one file per kind, read on first use, identical to the uncached records."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sagecli.knowledge import store
from sagecli.knowledge.store import ShardedRecords, load_kb
from sagecli.paths import cache_dir

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def _fresh(root: Path, use_cache: bool = True) -> store.KnowledgeBase:
    store._load.cache_clear()  # a new process, as far as the loader can tell
    return load_kb(root, use_cache=use_cache)


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = store._read

    def spy(path: Path) -> object:
        seen.append(path.name.split("-", 2)[2].removesuffix(".marshal"))
        return real(path)

    monkeypatch.setattr(store, "_read", spy)
    return seen


def test_cached_records_equal_the_compiled_ones(content: Path) -> None:
    plain = _fresh(content, use_cache=False)
    _fresh(content)  # compiles and writes the cache
    cached = _fresh(content)
    assert isinstance(cached.records, ShardedRecords)
    assert list(cached.records) == list(plain.records)  # content order kept
    assert dict(cached.records.items()) == plain.records
    assert cached.kinds() == plain.kinds()
    for kind in plain.kinds():
        assert cached.of_kind(kind) == plain.of_kind(kind)
    assert cached.of_kind("no-such-kind") == plain.of_kind("no-such-kind") == []
    assert cached.questions == plain.questions
    assert cached.search("serverless payload") == plain.search("serverless payload")
    assert cached.records.get("no-such-id") is None and "no-such-id" not in cached.records
    assert len(cached.records) == len(plain.records)
    for name in ("max_payload_mb", "max_processing_seconds", "no_such_limit"):
        assert cached.with_limit(name) == plain.with_limit(name)
    owners = [r["id"] for r in plain.with_limit("max_payload_mb")]
    assert owners == sorted(owners) and "async-inference" in owners


def test_a_command_reads_only_the_kinds_it_touches(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(content)
    reads = _reads(monkeypatch)
    kb = _fresh(content)
    assert kb.limit("serverless-inference", "max_payload_mb") == 4
    assert reads == ["index", "kind-inference_option"]
    assert kb.instance("ml.g5.2xlarge")[1]["type"] == "ml.g5.2xlarge"
    assert reads == ["index", "kind-inference_option", "kind-instance_family"]
    kb.get("serverless-inference")
    assert len(reads) == 3  # each kind's file is read once
    owners = kb.with_limit("max_payload_mb")
    assert set(reads[3:]) == {f"kind-{r['kind']}" for r in owners} - {"kind-inference_option"}
    assert "kind-rule" not in reads and "kind-algorithm" not in reads  # kinds without the limit stay unread


def test_a_broken_kind_file_falls_back_to_compiling(content: Path) -> None:
    plain = _fresh(content, use_cache=False)
    _fresh(content)
    (broken,) = cache_dir().glob("kb-*-kind-instance_family.marshal")
    broken.write_bytes(b"\x00not marshal")
    kb = _fresh(content)
    assert kb.of_kind("instance_family") == plain.of_kind("instance_family")
    broken.unlink()
    assert _fresh(content).instance_sizes() == plain.instance_sizes()


def test_a_broken_index_rebuilds_the_cache(content: Path) -> None:
    _fresh(content)
    (index,) = cache_dir().glob("kb-*-index.marshal")
    index.write_bytes(b"garbage")
    kb = _fresh(content)
    assert not isinstance(kb.records, ShardedRecords)  # compiled again, and the cache written anew
    assert isinstance(_fresh(content).records, ShardedRecords)


def test_editing_content_changes_the_cache_key(content: Path) -> None:
    assert _fresh(content).limit("serverless-inference", "max_payload_mb") == 4
    path = content / "inference_options.yaml"
    path.write_text(path.read_text().replace("value: 4\n", "value: 5\n", 1))
    assert _fresh(content).limit("serverless-inference", "max_payload_mb") == 5
    assert len(list(cache_dir().glob("kb-*-index.marshal"))) == 1  # the stale cache was removed
