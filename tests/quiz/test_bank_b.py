"""The domain 3 and 4 question files (content/questions/d3-*.yaml, d4-*.yaml): counts, shape, sources."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from sagecli.knowledge.loader import compile_content

CONTENT = Path(__file__).resolve().parents[2] / "content"
FILES = sorted((CONTENT / "questions").glob("d[34]-*.yaml"))


def _questions() -> list[tuple[Path, dict]]:
    out = []
    for path in FILES:
        for q in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append((path, q))
    return out


QUESTIONS = _questions()


def _scorable(q: dict) -> list[dict]:
    """The items that carry options: the question itself, or each part of a case study."""
    return q.get("parts") or [q]


def test_files_exist_and_are_named_by_domain() -> None:
    assert len(FILES) >= 10
    for path, q in QUESTIONS:
        prefix = path.stem.split("-")[0]
        assert q["domain"] == int(prefix[1]), (path.name, q["id"])
        assert q["id"].startswith(f"q-{path.stem}-"), (path.name, q["id"])


def test_bank_validates_without_problems_in_these_files() -> None:
    compiled = compile_content(CONTENT)
    mine = [p for p in compiled.problems if "/d3-" in p.file or "/d4-" in p.file]
    assert mine == []
    for _, q in QUESTIONS:
        assert q["id"] in compiled.questions


def test_domain_split_follows_the_exam_weights() -> None:
    by_domain = Counter(q["domain"] for _, q in QUESTIONS)
    assert sum(by_domain.values()) >= 125
    assert by_domain[3] >= 55
    assert by_domain[4] >= 60
    # 22 % vs 24 % of the exam: domain 4 should not be the smaller of the two by much
    assert by_domain[4] >= by_domain[3] - 5


@pytest.mark.parametrize("kind", ["mr", "ordering", "matching", "case"])
def test_at_least_ten_of_each_non_mc_type(kind: str) -> None:
    assert sum(q["type"] == kind for _, q in QUESTIONS) >= 10


def test_tasks_cover_every_statement_of_domains_3_and_4() -> None:
    tasks = Counter(q["task"] for _, q in QUESTIONS)
    for task in ("3.1", "3.2", "3.3", "4.1", "4.2", "4.3"):
        assert tasks[task] >= 8, (task, tasks)


def test_every_question_cites_a_specific_aws_doc_page() -> None:
    for _, q in QUESTIONS:
        aws = [u for u in q["sources"] if u.startswith("https://docs.aws.amazon.com/")]
        assert aws, q["id"]
        for url in aws:
            assert url.rstrip("/").count("/") >= 4, (q["id"], url)  # a page, not a site root


def test_every_option_item_and_prompt_explains_itself() -> None:
    for _, q in QUESTIONS:
        for item in _scorable(q):
            entries = item.get("options", []) + item.get("items", []) + item.get("prompts", [])
            assert entries, item["id"]
            for entry in entries:
                assert len(entry.get("why", "").split()) >= 4, (item["id"], entry["key"])


def test_multiple_choice_has_four_options_and_one_answer() -> None:
    for _, q in QUESTIONS:
        for item in _scorable(q):
            if item["type"] == "mc":
                assert len(item["options"]) == 4, item["id"]
                assert sum(o.get("correct", False) for o in item["options"]) == 1, item["id"]


def test_multiple_response_states_the_count_in_the_stem() -> None:
    words = {2: "TWO", 3: "THREE"}
    for _, q in QUESTIONS:
        for item in _scorable(q):
            if item["type"] == "mr":
                assert f"Select {words[item['select']]}" in item["stem"], item["id"]


def test_case_studies_have_parts_with_their_own_ids() -> None:
    for _, q in QUESTIONS:
        if q["type"] == "case":
            assert len(q["parts"]) >= 2
            assert all(p["id"].startswith(q["id"]) for p in q["parts"])


def test_recommender_checks_are_few_and_use_known_labels() -> None:
    labels = {
        "inference_option": {"realtime", "serverless", "async", "batch_transform", "multi_model",
                             "inference_components", "multi_container", "serial_pipeline"},
        "rollout": {"all_at_once", "canary", "linear", "rolling", "shadow", "ab_variants"},
    }
    checks = [q["recommender_check"] for _, q in QUESTIONS if q.get("recommender_check")]
    assert 8 <= len(checks) <= 12
    for c in checks:
        assert c["recommender"] == "deployment"
        assert c["expect"] in labels[c["decision"]]
        assert all("-" not in k for k in c["args"])


def test_no_item_rests_on_the_old_six_megabyte_realtime_limit() -> None:
    for _, q in QUESTIONS:
        for item in _scorable(q):
            for o in item.get("options", []):
                if o.get("correct"):
                    assert "6 MB" not in o["text"], item["id"]


def test_keys_give_nothing_away() -> None:
    """Correct orders are not alphabetical and no single letter holds most mc answers."""
    letters: Counter[str] = Counter()
    for _, q in QUESTIONS:
        for item in _scorable(q):
            keys = [i["key"] for i in item.get("items", [])]
            if keys:
                assert keys != sorted(keys), item["id"]
            letters.update(o["key"] for o in item.get("options", []) if o.get("correct") and item["type"] == "mc")
    total = sum(letters.values())
    assert max(letters.values()) < total * 0.4, letters
