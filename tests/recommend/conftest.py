"""Knowledge bases for recommender tests: the real content, plus fixture instances/algorithms until they land."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagecli.knowledge.store import KnowledgeBase, load_kb
from sagecli.recommend import decide

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def build_content(dest: Path) -> Path:
    """Copy content/ to dest, adding fixture instances/algorithms only where content lacks them."""
    shutil.copytree(ROOT / "content", dest)
    for name in ("instances.yaml", "algorithms.yaml"):
        if not (dest / name).exists():
            shutil.copy(FIXTURES / name, dest / name)
    return dest


@pytest.fixture(scope="session")
def content_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide content directory (real content + fixtures where needed)."""
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
