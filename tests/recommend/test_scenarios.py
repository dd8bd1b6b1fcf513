"""Every decision scenario in tests/recommend/scenarios/ holds, and every rule it names changes its answer."""

from __future__ import annotations

import pytest

from sagecli.knowledge.schema import is_aws_doc
from sagecli.knowledge.store import load_kb
from tests.recommend.scenario_cases import check_case, load_cases, outcome, pick, run_case

CASES = load_cases()


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_case_ids_are_unique_and_cite_aws_pages():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for case in CASES:
        assert is_aws_doc(case["source"]), f"{case['id']}: source must be an AWS documentation page"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_scenario(case, kb):
    check_case(case, kb)


RULE_CASES = [(c, r) for c in CASES for r in c.get("rules", [])]


@pytest.mark.parametrize("case,rule", RULE_CASES, ids=[f"{c['id']}:{r}" for c, r in RULE_CASES])
def test_rule_changes_the_answer(case, rule, kb):
    """Switching the rule off must change the checked decision's choice, eligible set or top-3 order."""
    assert rule in {r["id"] for r in kb.of_kind("rule")}, f"{case['id']}: no rule {rule!r} in content/rules"
    name = case["expect"].get("decision")
    with_rule = pick(run_case(case, kb), name)
    assert rule in [f["rule"] for f in with_rule["rules"]], f"{case['id']}: rule {rule} did not fire"
    without = pick(run_case(case, kb, frozenset({rule})), name)
    assert outcome(with_rule) != outcome(without), f"{case['id']}: switching {rule} off changes nothing"
