"""Load and check the decision scenarios in tests/recommend/scenarios/*.yaml (format: its README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sagecli.errors import SageCliError
from sagecli.recommend import decide

SCENARIOS = Path(__file__).parent / "scenarios"
EXPECT_KEYS = {"decision", "choice", "choice_in", "eligible", "not_eligible", "top", "top_has", "error"}


def load_cases() -> list[dict[str, Any]]:
    """Every case of every scenario file, each with the file it came from."""
    cases: list[dict[str, Any]] = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            case["file"] = path.name
            cases.append(case)
    return cases


def pick(answer: dict[str, Any], name: str | None) -> dict[str, Any]:
    """The decision called `name` (the first one when no name is given)."""
    decisions = answer["decisions"]
    if name is None:
        return decisions[0]
    return next(d for d in decisions if d["decision"] == name)


def outcome(decision: dict[str, Any]) -> tuple[Any, frozenset[str], tuple[str, ...]]:
    """What a rule must change to count as changing the answer: choice, eligible set or order of the top 3."""
    eligible = [r["option"] for r in decision["ranked"] if r["eligible"]]
    return decision["choice"], frozenset(eligible), tuple(eligible[:3])


def run_case(case: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Run the case's recommender and return its answer."""
    return decide(case["recommender"], dict(case.get("args") or {}), kb, disabled)


def check_case(case: dict[str, Any], kb: Any) -> None:
    """Assert the case's expectations (raises AssertionError naming the case)."""
    exp = case["expect"]
    assert set(exp) <= EXPECT_KEYS, f"{case['id']}: unknown expect keys {set(exp) - EXPECT_KEYS}"
    if "error" in exp:
        try:
            run_case(case, kb)
        except SageCliError as exc:
            assert exp["error"] in exc.message, f"{case['id']}: error {exc.message!r}"
            return
        raise AssertionError(f"{case['id']}: expected an error containing {exp['error']!r}")
    d = pick(run_case(case, kb), exp.get("decision"))
    rows = {r["option"]: r for r in d["ranked"]}
    where = f"{case['id']} ({case['file']})"
    if "choice" in exp:
        assert d["choice"] == exp["choice"], f"{where}: choice {d['choice']!r}, expected {exp['choice']!r}"
    top = [r["option"] for r in d["ranked"] if r["eligible"]][: exp.get("top", 1 if "choice_in" in exp else 3)]
    if "choice_in" in exp:
        assert d["choice"] in exp["choice_in"], f"{where}: choice {d['choice']!r} not in {exp['choice_in']}"
    for opt in exp.get("top_has", []):
        assert opt in top, f"{where}: {opt} not among the top {len(top)}: {top}"
    for opt in exp.get("eligible", []):
        assert opt in rows and rows[opt]["eligible"], f"{where}: {opt} should be eligible"
    for opt in exp.get("not_eligible", []):
        assert opt in rows and not rows[opt]["eligible"], f"{where}: {opt} should be ruled out"
