"""The documented rules in content/rules/: well formed, reachable, sourced, and each proved by a scenario."""

from __future__ import annotations

import pytest

from sagecli.knowledge.predicates import facts_named, holds
from sagecli.knowledge.schema import is_aws_doc
from sagecli.knowledge.store import load_kb
from sagecli.recommend.facts import SPECS
from sagecli.recommend.needs import DECISIONS_OF, check_needs
from tests.recommend.scenario_cases import load_cases

RECOMMENDER_OF = {dec: rec for rec, decs in DECISIONS_OF.items() for dec in decs}


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_every_rule_cites_aws_and_reads_known_facts(kb):
    rules = kb.of_kind("rule")
    assert rules, "content/rules holds no rule"
    for rule in rules:
        assert is_aws_doc(rule["sources"][0]), f"{rule['id']}: first source must be AWS documentation"
        known = {f.name for f in SPECS[RECOMMENDER_OF[rule["decision"]]]} | {"inference_choice", "endpoint"}
        unknown = facts_named(rule["when"]) - known
        assert not unknown, f"{rule['id']}: reads facts no input sets: {sorted(unknown)}"


def test_every_rule_is_proved_by_a_scenario(kb):
    proved = {r for c in load_cases() for r in c.get("rules", [])}
    missing = sorted(r["id"] for r in kb.of_kind("rule") if r["id"] not in proved)
    assert not missing, f"rules without a scenario in which they change the answer: {missing}"


def test_every_need_is_used_by_a_rule(kb):
    from sagecli.knowledge.predicates import needs_named

    used = set().union(*(needs_named(r["when"]) for r in kb.of_kind("rule")))
    unused = sorted(n["id"].removeprefix("need.") for n in kb.of_kind("need")
                    if n["id"].removeprefix("need.") not in used)
    assert not unused, f"needs no rule reads: {unused}"


def test_needs_accept_commas_and_case_and_reject_strangers(kb):
    assert check_needs("deployment", ["VPC,data_capture", "vpc"], kb) == ["data-capture", "vpc"]
    with pytest.raises(Exception, match="unknown need"):
        check_needs("instance", ["data-capture"], kb)  # a deployment need, not an instance one


def test_predicates_compare_with_documented_limits(kb):
    cond = {"fact": "payload_mb", "gt": {"limit": ["serverless-inference", "max_payload_mb"]}}
    limit = kb.limit
    assert holds(cond, {"payload_mb": kb.limit("serverless-inference", "max_payload_mb") + 1}, frozenset(), limit)
    assert not holds(cond, {"payload_mb": 0.5}, frozenset(), limit)
    assert not holds(cond, {"payload_mb": None}, frozenset(), limit)
    assert holds({"not": {"need": "vpc"}}, {}, frozenset(), limit)
    assert holds({"any": [{"need": "vpc"}, {"fact": "traffic", "in": ["spiky"]}]}, {"traffic": "spiky"},
                 frozenset(), limit)
