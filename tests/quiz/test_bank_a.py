"""Authored question bank, part A: the MLA-C01 domain 1 and domain 2 files (content/questions/d1-*, d2-*)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagecli.knowledge.loader import compile_content
from sagecli.knowledge.question_schema import Question

ROOT = Path(__file__).resolve().parents[2]
QDIR = ROOT / "content" / "questions"
FILES = sorted(QDIR.glob("d1-*.yaml")) + sorted(QDIR.glob("d2-*.yaml"))
NON_MC = ("mr", "ordering", "matching", "case")


def _load() -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in FILES:
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append((path, raw))
    return out


ITEMS = _load()


def _scorable(q: dict[str, Any]) -> list[dict[str, Any]]:
    """The question itself, or its parts when it is a case study."""
    return q.get("parts") or [q]


def test_files_exist_and_are_many() -> None:
    assert len(FILES) >= 15
    assert len(ITEMS) >= 140


@pytest.mark.parametrize(("path", "raw"), ITEMS, ids=[r["id"] for _, r in ITEMS])
def test_each_item_validates(path: Path, raw: dict[str, Any]) -> None:
    Question.model_validate(raw)


def test_domain_split_follows_exam_weights() -> None:
    by_domain = Counter(q["domain"] for _, q in ITEMS)
    assert set(by_domain) == {1, 2}
    assert by_domain[1] >= 70 and by_domain[2] >= 60
    # 28 % vs 26 % of the exam: domain 1 share of these two domains is about 52 %
    share = by_domain[1] / (by_domain[1] + by_domain[2])
    assert 0.45 <= share <= 0.60, share


def test_every_non_mc_type_has_at_least_ten_items() -> None:
    by_type = Counter(q["type"] for _, q in ITEMS)
    for t in NON_MC:
        assert by_type[t] >= 10, (t, by_type)
    assert by_type["mc"] > 0


def test_ids_are_stable_keys_named_after_their_file() -> None:
    seen: set[str] = set()
    for path, q in ITEMS:
        topic = path.stem  # e.g. d1-feature-store
        assert re.fullmatch(rf"q-{re.escape(topic)}-\d{{3}}", q["id"]), q["id"]
        for part in q.get("parts", []):
            assert re.fullmatch(rf"{re.escape(q['id'])}-p\d", part["id"]), part["id"]
        for rid in [q["id"]] + [p["id"] for p in q.get("parts", [])]:
            assert rid not in seen, rid
            seen.add(rid)


def test_domain_and_task_agree_with_the_file() -> None:
    tasks = {1: {"1.1", "1.2", "1.3"}, 2: {"2.1", "2.2", "2.3"}}
    for path, q in ITEMS:
        assert q["domain"] == int(path.stem[1]), q["id"]
        for part in [q, *q.get("parts", [])]:
            assert part["task"] in tasks[q["domain"]], part["id"]


def test_every_question_cites_a_specific_aws_doc_page() -> None:
    for _, q in ITEMS:
        docs = [u for u in q["sources"] if u.startswith("https://docs.aws.amazon.com/")]
        assert docs, q["id"]
        for u in docs:
            assert u.endswith(".html"), (q["id"], u)  # a specific page, not a landing path


def test_every_option_item_and_prompt_explains_itself() -> None:
    for _, q in ITEMS:
        for s in _scorable(q):
            entries = s.get("options", []) + s.get("items", []) + s.get("prompts", [])
            assert entries, s["id"]
            for e in entries:
                assert len(e["why"].split()) >= 5, (s["id"], e["key"])


def test_item_shapes_match_the_exam_formats() -> None:
    for _, q in ITEMS:
        for s in _scorable(q):
            if s["type"] == "mc" and q["type"] != "case":
                assert len(s["options"]) == 4, s["id"]
            if s["type"] == "mr":
                assert len(s["options"]) >= 5, s["id"]
                assert f"Select {['', '', 'TWO', 'THREE', 'FOUR'][s['select']]}" in s["stem"], s["id"]
            if s["type"] == "ordering":
                assert 3 <= len(s["items"]) <= 5, s["id"]
            if s["type"] == "matching":
                assert 3 <= len(s["prompts"]) <= 7, s["id"]
                assert len(s["choices"]) >= len({p["answer"] for p in s["prompts"]}), s["id"]


def test_correct_answers_are_spread_over_positions() -> None:
    """The quiz shuffles options, but the authored position must not be a giveaway when it does not."""
    keys: Counter[str] = Counter()
    for _, q in ITEMS:
        for s in _scorable(q):
            if s["type"] == "mc":
                keys[next(o["key"] for o in s["options"] if o.get("correct"))] += 1
    total = sum(keys.values())
    assert total >= 60
    assert max(keys.values()) <= 0.4 * total, keys


def test_ordering_and_matching_answers_are_not_alphabetical() -> None:
    """An ordering answer of ABCDE or matching answers A, B, C, D in prompt order would be a giveaway."""
    for _, q in ITEMS:
        if q["type"] == "ordering":
            keys = [i["key"] for i in q["items"]]
            assert keys != sorted(keys), q["id"]
        if q["type"] == "matching":
            answers = [p["answer"] for p in q["prompts"]]
            assert answers != sorted(answers), q["id"]


def test_recommender_checks_are_few_and_well_formed() -> None:
    checks = [q["recommender_check"] for _, q in ITEMS if q.get("recommender_check")]
    assert 5 <= len(checks) <= 10
    for c in checks:
        if c["recommender"] == "input-mode":
            assert c["decision"] == "input_mode"
            assert c["expect"] in {"file", "pipe", "fastfile", "fsx_lustre", "efs"}
        else:
            assert c["recommender"] == "instance" and c["decision"] == "instance"
            assert re.fullmatch(r"ml\.[a-z0-9]+\.[a-z0-9]+", c["expect"]), c["expect"]


def test_seed_topics_are_covered() -> None:
    text = " ".join(yaml.safe_dump(q) for _, q in ITEMS).lower()
    for needle in ("fastfile", "pipe mode", "fsx for lustre", "efs", "channel", "data wrangler",
                   "feature store", "processing job", "ground truth", "debugger", "mlflow",
                   "hyperband", "warm start", "early stopping", "class imbalance (ci)", "dpl",
                   "spot", "checkpoint", "data parallel", "studio", "jumpstart", "canvas",
                   "xgboost", "deepar", "random cut forest", "blazingtext", "factorization machines",
                   "k-means", "lda", "ip insights", "object2vec", "seq2seq", "semantic segmentation"):
        assert needle in text, needle


def test_bank_files_pass_the_content_lint() -> None:
    compiled = compile_content(ROOT / "content")
    mine = [p for p in compiled.problems if Path(p.file).name.startswith(("d1-", "d2-"))]
    assert not mine, "\n".join(map(str, mine))
