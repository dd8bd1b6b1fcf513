"""Choosing and ordering questions: drill filters, the exam draw by domain weight, shuffling."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sagecli.quiz.items import shuffle_keys


@dataclass(frozen=True)
class Filters:
    """Drill filters; None means 'any'."""

    domain: int | None = None
    task: str | None = None
    topic: str | None = None
    type: str | None = None


def matches(unit: dict[str, Any], f: Filters) -> bool:
    """True when a unit passes every filter."""
    if f.domain is not None and unit["domain"] != f.domain:
        return False
    if f.task is not None and unit["task"] != f.task:
        return False
    if f.type is not None:
        kind = "case" if unit.get("case_id") else unit["type"]
        if kind != f.type:
            return False
    if f.topic:
        needle = f.topic.lower().replace("-", " ")
        hay = " ".join([*unit.get("topics", []), unit["stem"], unit.get("scenario") or ""]).lower().replace("-", " ")
        if needle not in hay:
            return False
    return True


def whole_cases(pool: list[dict[str, Any]], units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pool with every case study it touches made whole (all parts, in order), for case drills: a
    part matched by --task or --topic would otherwise come without its sibling parts."""
    cases = {u["case_id"] for u in pool if u.get("case_id")}
    keep = {u["id"] for u in pool}
    return [u for u in units if u["id"] in keep or u.get("case_id") in cases]


def _blocks(units: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Units grouped so that the parts of one case study stay together, in input order."""
    blocks: list[list[dict[str, Any]]] = []
    by_case: dict[str, list[dict[str, Any]]] = {}
    for u in units:
        cid = u.get("case_id")
        if cid is None:
            blocks.append([u])
        elif cid in by_case:
            by_case[cid].append(u)
        else:
            by_case[cid] = [u]
            blocks.append(by_case[cid])
    return blocks


def pick(units: list[dict[str, Any]], count: int, rng: random.Random, shuffle: bool = True) -> list[dict[str, Any]]:
    """Up to count units (case parts together and in order), shuffled unless asked not to."""
    blocks = _blocks(units)
    if shuffle:
        rng.shuffle(blocks)
    out: list[dict[str, Any]] = []
    for block in blocks:
        if len(out) + len(block) <= count:
            out.extend(block)
        if len(out) >= count:
            break
    return out


def quotas(weights: dict[int, float], total: int) -> dict[int, int]:
    """Questions per domain for a draw of total, by largest remainder on the weights."""
    wsum = sum(weights.values())
    raw = {d: total * w / wsum for d, w in weights.items()}
    out = {d: int(v) for d, v in raw.items()}
    for d in sorted(raw, key=lambda d: raw[d] - out[d], reverse=True)[: total - sum(out.values())]:
        out[d] += 1
    return out


def draw_exam(units: list[dict[str, Any]], weights: dict[int, float], total: int,
              rng: random.Random) -> list[dict[str, Any]]:
    """A mock exam: total units by domain weight, authored items before generated ones, shuffled."""
    by_dom: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for u in units:
        by_dom[u["domain"]].append(u)
    chosen: list[dict[str, Any]] = []
    for d, want in quotas(weights, total).items():
        pool = by_dom.get(d, [])
        authored = [u for u in pool if not u.get("generated")]
        generated = [u for u in pool if u.get("generated")]
        got = pick(authored, want, rng)
        got += pick(generated, want - len(got), rng)
        chosen.extend(got)
    if len(chosen) < total:  # a thin domain: top up from the rest of the bank
        ids = {u["id"] for u in chosen}
        rest = [u for u in units if u["id"] not in ids]
        chosen.extend(pick(rest, total - len(chosen), rng))
    blocks = _blocks(chosen)
    rng.shuffle(blocks)
    return [u for b in blocks for u in b]


def plan(units: list[dict[str, Any]], rng: random.Random, shuffle_options: bool = True) -> list[dict[str, Any]]:
    """The stored plan: each unit id with the order its options, steps or choices are shown in."""
    out = []
    for u in units:
        keys = shuffle_keys(u)
        if shuffle_options or u["type"] == "ordering":  # steps shown in order would give the answer away
            bank_order = list(keys)
            rng.shuffle(keys)
            if u["type"] == "ordering" and keys == bank_order:
                keys = keys[1:] + keys[:1]
        out.append({"id": u["id"], "perm": keys})
    return out


def interleave_by_weight(units: list[dict[str, Any]], weights: dict[int, float],
                         rng: random.Random) -> list[dict[str, Any]]:
    """Every unit, ordered so that each prefix follows the exam's domain weights as closely as whole
    questions allow: next comes the domain furthest below its share so far (ties broken by rng), and each
    domain's questions come in random order, case-study parts together. For new cards in the --due queue,
    so the first twenty are not all from one domain or topic of the bank's first file."""
    by_dom: dict[int, list[list[dict[str, Any]]]] = defaultdict(list)
    for block in _blocks(units):
        by_dom[block[0]["domain"]].append(block)
    for blocks in by_dom.values():
        rng.shuffle(blocks)
    wsum = sum(max(0.0, weights.get(d, 0.0)) for d in by_dom)
    share = {d: (max(0.0, weights.get(d, 0.0)) / wsum if wsum else 1 / len(by_dom)) for d in by_dom}
    taken = dict.fromkeys(by_dom, 0)
    out: list[dict[str, Any]] = []
    while any(by_dom.values()):
        k = len(out) + 1
        deficit = {d: share[d] * k - taken[d] for d, blocks in by_dom.items() if blocks}
        most = max(deficit.values())
        d = rng.choice(sorted(x for x, v in deficit.items() if v >= most - 1e-9))
        block = by_dom[d].pop()
        out.extend(block)
        taken[d] += len(block)
    return out
