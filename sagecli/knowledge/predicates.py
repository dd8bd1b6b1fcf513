"""The small condition language of content/rules: checked when content compiles, evaluated by recommenders.

A condition is a mapping with one shape:
- `{all: [cond, ...]}`, `{any: [cond, ...]}`, `{not: cond}`
- `{need: NAME}`: the user named this requirement (`--need NAME`)
- `{fact: NAME, <op>: VALUE}` with op one of is, in, gt, ge, lt, le, set; VALUE may be
  `{limit: [record-id, limit-name]}` to compare with a documented limit instead of a number.
`set: true` holds when the fact was given or assumed (not None); `is: null` when it is unknown.
"""

from __future__ import annotations

from typing import Any

OPS = ("is", "in", "gt", "ge", "lt", "le", "set")


def check_predicate(cond: Any, where: str = "when") -> None:
    """Raise ValueError naming the first malformed part of a condition."""
    if not isinstance(cond, dict) or not cond:
        raise ValueError(f"{where}: a condition must be a non-empty mapping")
    keys = set(cond)
    if keys == {"all"} or keys == {"any"}:
        items = cond[next(iter(keys))]
        if not isinstance(items, list) or not items:
            raise ValueError(f"{where}: {next(iter(keys))} takes a non-empty list")
        for i, item in enumerate(items):
            check_predicate(item, f"{where}.{next(iter(keys))}[{i}]")
        return
    if keys == {"not"}:
        check_predicate(cond["not"], f"{where}.not")
        return
    if keys == {"need"}:
        if not isinstance(cond["need"], str):
            raise ValueError(f"{where}: need takes one name")
        return
    if "fact" in keys:
        ops = keys - {"fact"}
        if len(ops) != 1 or not ops <= set(OPS):
            raise ValueError(f"{where}: a fact test has exactly one of {', '.join(OPS)}")
        op = ops.pop()
        value = cond[op]
        if op == "in" and not isinstance(value, list):
            raise ValueError(f"{where}: in takes a list")
        if op in ("gt", "ge", "lt", "le"):
            if isinstance(value, dict):
                lim = value.get("limit")
                if set(value) != {"limit"} or not (isinstance(lim, list) and len(lim) == 2):
                    raise ValueError(f"{where}: compare with a number or {{limit: [record, name]}}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{where}: {op} takes a number")
        return
    raise ValueError(f"{where}: unknown condition keys {sorted(keys)}")


def _leaves(cond: Any, leaf: str) -> set[str]:
    """Every value of the `leaf` key ("need" or "fact") in a condition, through all/any/not."""
    if not isinstance(cond, dict):
        return set()
    if leaf in cond:
        return {cond[leaf]}
    out: set[str] = set()
    for item in [*cond.get("all", []), *cond.get("any", []), *([cond["not"]] if "not" in cond else [])]:
        out |= _leaves(item, leaf)
    return out


def needs_named(cond: Any) -> set[str]:
    """Every need a condition mentions (to check them against the vocabulary)."""
    return _leaves(cond, "need")


def facts_named(cond: Any) -> set[str]:
    """Every fact a condition reads."""
    return _leaves(cond, "fact")


def holds(cond: dict[str, Any], facts: dict[str, Any], needs: frozenset[str], limit: Any) -> bool:
    """Evaluate a checked condition; `limit(record, name)` reads a documented limit's value."""
    if "all" in cond:
        return all(holds(c, facts, needs, limit) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, facts, needs, limit) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], facts, needs, limit)
    if "need" in cond:
        return cond["need"] in needs
    value = facts.get(cond["fact"])
    op = next(k for k in cond if k != "fact")
    want = cond[op]
    if isinstance(want, dict):
        want = limit(*want["limit"])
    if op == "set":
        return (value is not None) == bool(want)
    if op == "is":
        return value == want
    if op == "in":
        return value in want
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return {"gt": value > want, "ge": value >= want, "lt": value < want, "le": value <= want}[op]
