"""Issue 12: `quiz --due` for a new user interleaves new cards across domains by exam weight."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from sagecli.quiz.db import Store
from sagecli.quiz.flow import load_units
from sagecli.quiz.selection import interleave_by_weight, quotas
from sagecli.quiz.session import QuizOptions, start
from tests.quiz.helpers import FakeClock, big_bank

WEIGHTS = {1: 28.0, 2: 26.0, 3: 22.0, 4: 24.0}


def _units(per_domain: dict[int, int]) -> list[dict]:
    return [{"id": f"q-{d}-{i}", "domain": d, "task": f"{d}.1"} for d, n in per_domain.items() for i in range(n)]


@pytest.mark.parametrize("seed", range(10))
def test_every_prefix_follows_the_exam_weights(seed: int) -> None:
    units = _units({1: 60, 2: 60, 3: 60, 4: 60})  # in bank order: all of domain 1 first
    order = interleave_by_weight(units, WEIGHTS, random.Random(seed))
    assert sorted(u["id"] for u in order) == sorted(u["id"] for u in units)  # a reordering, nothing lost
    share = {d: w / sum(WEIGHTS.values()) for d, w in WEIGHTS.items()}
    seen: Counter[int] = Counter()
    for k, u in enumerate(order[:200], 1):
        seen[u["domain"]] += 1
        for d in WEIGHTS:
            assert abs(seen[d] - k * share[d]) < 1, (k, dict(seen))
    first20 = Counter(u["domain"] for u in order[:20])
    assert all(abs(first20[d] - q) <= 1 for d, q in quotas(WEIGHTS, 20).items())


def test_the_randomness_is_passed_in() -> None:
    units = _units({1: 30, 2: 30, 3: 30, 4: 30})
    a = [u["id"] for u in interleave_by_weight(units, WEIGHTS, random.Random(5))]
    assert a == [u["id"] for u in interleave_by_weight(units, WEIGHTS, random.Random(5))]
    assert a != [u["id"] for u in interleave_by_weight(units, WEIGHTS, random.Random(6))]


def test_a_thin_domain_runs_out_and_the_rest_keep_their_shares() -> None:
    units = _units({1: 60, 2: 60, 3: 2, 4: 60})
    order = interleave_by_weight(units, WEIGHTS, random.Random(1))
    first = Counter(u["domain"] for u in order[:40])
    assert first[3] == 2 and abs(first[1] - first[2]) <= 2 and min(first[1], first[2], first[4]) >= 11


def test_case_parts_stay_together() -> None:
    units = _units({1: 10, 2: 10, 3: 10, 4: 10})
    units += [{"id": f"c-{p}", "domain": 3, "task": "3.1", "case_id": "c"} for p in (1, 2, 3)]
    ids = [u["id"] for u in interleave_by_weight(units, WEIGHTS, random.Random(2))]
    at = ids.index("c-1")
    assert ids[at:at + 3] == ["c-1", "c-2", "c-3"]


def test_new_user_due_queue_is_spread_by_exam_weight(tmp_path) -> None:
    units, _kb, fmt = load_units(big_bank(tmp_path, per_domain=30), generated=False)
    assert [u["domain"] for u in units.values()][-30:] == [4] * 30  # the bank itself is in domain order
    for seed in range(5):
        store = Store(tmp_path / f"due{seed}.db")
        sid = start(store, units, fmt, QuizOptions(due=True, count=20, seed=seed), FakeClock()())
        got = Counter(units[p["id"]]["domain"] for p in store.session(sid)["plan"])
        store.close()
        assert sum(got.values()) == 20
        assert all(abs(got[d] - q) <= 1 for d, q in quotas(fmt.weights, 20).items()), got


def test_new_user_due_queue_from_the_real_bank_spans_domains_and_tasks() -> None:
    units, _kb, fmt = load_units(None, generated=True)
    store = Store()
    try:
        sid = start(store, units, fmt, QuizOptions(due=True, count=20, seed=1), FakeClock()())
        plan = [units[p["id"]] for p in store.session(sid)["plan"]]
    finally:
        store.close()
    doms = Counter(u["domain"] for u in plan)
    assert all(abs(doms[d] - q) <= 2 for d, q in quotas(fmt.weights, len(plan)).items()), doms  # case parts
    assert len({u["task"] for u in plan}) >= 6
