"""Property tests for the deployment decisions with named requirements (`--need`): a requirement can only
take options away, and bigger payloads, longer requests, longer bakes and rollouts never bring one back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sagecli.errors import UsageError
from sagecli.recommend import decide
from sagecli.recommend.needs import name_of, vocabulary
from tests.recommend.scenario_cases import pick
from tests.recommend.test_properties import SETTINGS, facts_for

# sizes and durations are drawn on a log scale so that every documented limit (4 MB .. 1 GB, 60 s .. 1 h,
# 1 h bakes, 8 h rollouts) falls between the two values compared
ENDPOINTS = ("realtime", "serverless", "async", "inference_components", "multi_model")


def _needs(kb) -> list[str]:
    return sorted(name_of(n) for n in vocabulary(kb, "deployment"))


def _eligible(result: dict, name: str) -> set[str]:
    decision = next(d for d in result["decisions"] if d["decision"] == name)
    return {r["option"] for r in decision["ranked"] if r["eligible"]}


def _decide(kb, facts):
    try:
        return decide("deployment", facts, kb)
    except UsageError:
        return None


def _draw(kb, data, with_endpoint: bool = False) -> dict:
    drawn = data.draw(facts_for("deployment", ["custom"]))
    keep = data.draw(st.lists(st.sampled_from(sorted(drawn) or ["traffic"]), max_size=5, unique=True))
    facts = {k: v for k, v in drawn.items() if k in keep}  # few facts at a time, so limits are not masked
    if with_endpoint:  # fix the endpoint so the rollout does not follow a changed inference choice
        facts["endpoint"] = data.draw(st.sampled_from(ENDPOINTS))
        facts.pop("gpu", None)  # --gpu with a CPU-only endpoint is a usage error
    facts["needs"] = data.draw(st.lists(st.sampled_from(_needs(kb)), max_size=3, unique=True))
    return facts


@SETTINGS
@given(data=st.data(), name=st.sampled_from(["inference_option", "rollout"]))
def test_a_need_never_makes_an_option_eligible(kb, data, name):
    facts = _draw(kb, data, with_endpoint=name == "rollout")
    before = _decide(kb, facts)
    if before is None:
        return
    extra = data.draw(st.sampled_from(_needs(kb)))
    after = decide("deployment", {**facts, "needs": [*facts["needs"], extra]}, kb)
    assert _eligible(after, name) <= _eligible(before, name), extra


LIMITS = {"payload_mb": ("max_payload_mb",),
          "processing_seconds": ("max_processing_seconds", "max_invocation_seconds", "max_streaming_seconds")}


def _documented(kb, field: str) -> list[float]:
    """Every documented limit the field is compared with, so that examples straddle them."""
    return sorted({lim["value"] for rec in kb.of_kind("inference_option")
                   for name, lim in rec.get("limits", {}).items() if name in LIMITS[field]})


@SETTINGS
@given(data=st.data(), field=st.sampled_from(sorted(LIMITS)), near=st.floats(0.3, 3.0),
       factor=st.floats(1.0, 5.0))
def test_bigger_requests_never_bring_an_option_back_with_needs(kb, data, field, near, factor):
    """Payload monotonicity (and its twin for processing time) holds whatever needs are named."""
    small = data.draw(st.sampled_from(_documented(kb, field))) * near
    _grows(kb, _draw(kb, data), "inference_option", field, small, factor)


@SETTINGS
@given(data=st.data(), field=st.sampled_from(["bake_minutes", "rollout_hours"]),
       small=st.floats(-2.0, 3.0).map(lambda e: 10 ** e), factor=st.floats(1.0, 20.0))
def test_longer_bakes_and_rollouts_never_bring_a_strategy_back(kb, data, field, small, factor):
    facts = _draw(kb, data, with_endpoint=True)
    facts.pop("bake_minutes", None)  # a bake longer than the rollout is a usage error, so vary one at a time
    facts.pop("rollout_hours", None)
    _grows(kb, facts, "rollout", field, small, factor)


def _grows(kb, facts: dict, name: str, field: str, small: float, factor: float) -> None:
    before = _decide(kb, {**facts, field: small})
    if before is None:
        return
    after = decide("deployment", {**facts, field: small * factor}, kb)
    assert _eligible(after, name) <= _eligible(before, name)
    if pick(before, name)["choice"] is None:
        assert pick(after, name)["choice"] is None
