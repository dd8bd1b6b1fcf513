"""Knowledge bases for recommender tests: a private copy of the real content (tests may edit their own copies)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagecli.knowledge.store import KnowledgeBase, load_kb
from sagecli.recommend import decide

ROOT = Path(__file__).resolve().parents[2]


def build_content(dest: Path) -> Path:
    """Copy content/ to dest (records only; the question bank is not needed to decide)."""
    shutil.copytree(ROOT / "content", dest, ignore=shutil.ignore_patterns("questions"))
    return dest


@pytest.fixture(scope="session")
def content_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide copy of the content directory."""
    return build_content(tmp_path_factory.mktemp("kb") / "content")


@pytest.fixture(scope="session")
def kb(content_copy: Path) -> KnowledgeBase:
    """The knowledge base the scenario tests run against."""
    return load_kb(content_copy, use_cache=False)


@pytest.fixture
def choose(kb: KnowledgeBase) -> Callable[..., Any]:
    """choose(recommender, decision, **facts) -> the chosen label."""

    def _choose(recommender: str, decision: str, **facts: Any) -> Any:
        result = decide(recommender, facts, kb)
        return next(d for d in result["decisions"] if d["decision"] == decision)["choice"]

    return _choose


@pytest.fixture
def run(kb: KnowledgeBase) -> Callable[..., dict[str, Any]]:
    """run(recommender, **facts) -> the whole answer."""
    return lambda recommender, **facts: decide(recommender, facts, kb)
