"""Test-wiseness guards for the shipped bank: option length must not give the key away.

The bank is loaded through load_kb(), so these tests check what `sagecli quiz` serves.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from sagecli.knowledge.store import load_kb

MAX_KEYED_LONGEST = 0.35  # mc items whose keyed option is (one of) the longest; chance is about 0.25
MAX_KEYED_TOP_K = 0.25  # mr items whose keyed options are the k longest
MAX_KEY_VS_DISTRACTOR = 1.5  # keyed option length over the longest distractor's
MAX_LETTER_SHARE = 0.35  # share of mc keys held by one letter


def _scorable(questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Items that carry options: plain questions, and each part of a case study."""
    out: list[dict[str, Any]] = []
    for q in questions.values():
        out.extend(q.get("parts") or [q])
    return out


def _of_type(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The items of one type (mc or mr)."""
    return [it for it in items if it["type"] == kind]


def keyed_is_longest(item: dict[str, Any]) -> bool:
    """True when the correct option of an mc item is as long as its longest option (ties count)."""
    lengths = [len(o["text"]) for o in item["options"]]
    key = next(o for o in item["options"] if o.get("correct"))
    return len(key["text"]) == max(lengths)


def keyed_are_top_k(item: dict[str, Any]) -> bool:
    """True when no distractor of an mr item is longer than its shortest keyed option."""
    keyed = [len(o["text"]) for o in item["options"] if o.get("correct")]
    others = [len(o["text"]) for o in item["options"] if not o.get("correct")]
    return min(keyed) >= max(others)


def key_to_distractor_ratio(item: dict[str, Any]) -> float:
    """Length of the keyed option over the length of the longest distractor."""
    key = next(o for o in item["options"] if o.get("correct"))
    longest = max(len(o["text"]) for o in item["options"] if not o.get("correct"))
    return len(key["text"]) / max(longest, 1)


def _norm(text: str) -> str:
    """A stem compared without case or spacing differences."""
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def questions() -> dict[str, dict[str, Any]]:
    """The shipped bank, as load_kb() serves it."""
    qs = load_kb().questions
    assert len(qs) >= 300
    return qs


@pytest.fixture(scope="module")
def items(questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every scorable item of the shipped bank."""
    return _scorable(questions)


def test_keyed_option_is_rarely_the_longest(items: list[dict[str, Any]]) -> None:
    mc = _of_type(items, "mc")
    assert len(mc) >= 100
    hits = [it["id"] for it in mc if keyed_is_longest(it)]
    rate = len(hits) / len(mc)
    assert rate <= MAX_KEYED_LONGEST, f"keyed option is longest in {len(hits)}/{len(mc)} mc items: {hits}"


def test_keyed_options_are_rarely_the_k_longest(items: list[dict[str, Any]]) -> None:
    mr = _of_type(items, "mr")
    assert len(mr) >= 20
    hits = [it["id"] for it in mr if keyed_are_top_k(it)]
    rate = len(hits) / len(mr)
    assert rate <= MAX_KEYED_TOP_K, f"keyed options are the k longest in {len(hits)}/{len(mr)} mr items: {hits}"


def test_no_keyed_option_dwarfs_every_distractor(items: list[dict[str, Any]]) -> None:
    bad = {
        it["id"]: round(key_to_distractor_ratio(it), 2)
        for it in _of_type(items, "mc")
        if key_to_distractor_ratio(it) > MAX_KEY_VS_DISTRACTOR
    }
    assert bad == {}


def test_no_two_items_share_a_stem(questions: dict[str, dict[str, Any]]) -> None:
    # A case study's own stem is a fixed instruction; its scenario and its parts' stems must be unique.
    texts: Counter[str] = Counter()
    for q in questions.values():
        texts[_norm(q["scenario"] if q["type"] == "case" else q["stem"])] += 1
        for part in q.get("parts") or []:
            texts[_norm(part["stem"])] += 1
    assert [t for t, n in texts.items() if n > 1] == []


def test_mc_keys_are_spread_over_letters(items: list[dict[str, Any]]) -> None:
    keys = Counter(next(o["key"] for o in it["options"] if o.get("correct")) for it in _of_type(items, "mc"))
    total = sum(keys.values())
    letter, most = keys.most_common(1)[0]
    assert most / total <= MAX_LETTER_SHARE, f"{letter} is the key of {most}/{total} mc items"


def _item(kind: str, texts: list[str], correct: set[str]) -> dict[str, Any]:
    keys = "ABCDEF"
    opts = [{"key": k, "text": t, "correct": k in correct} for k, t in zip(keys, texts, strict=False)]
    return {"id": "q-x", "type": kind, "options": opts}


def test_the_measures_detect_a_giveaway() -> None:
    tell = _item("mc", ["short", "a much longer and detailed answer", "brief", "tiny"], {"B"})
    fair = _item("mc", ["a long wrong answer here", "right answer", "another long wrong one", "no"], {"B"})
    assert keyed_is_longest(tell) and not keyed_is_longest(fair)
    assert key_to_distractor_ratio(tell) > MAX_KEY_VS_DISTRACTOR >= key_to_distractor_ratio(fair)
    tied = _item("mc", ["same", "same", "x"], {"A"})
    assert keyed_is_longest(tied)
    mr_tell = _item("mr", ["long keyed one", "long keyed two", "a", "b", "c"], {"A", "B"})
    mr_fair = _item("mr", ["long keyed one", "b", "a long distractor text", "c", "keyed"], {"A", "E"})
    assert keyed_are_top_k(mr_tell) and not keyed_are_top_k(mr_fair)
