"""Decide how to roll out a new model version on an endpoint (blue/green modes, rolling, shadow, A/B).

Ranges, endpoint types and exclusions come from content/deployment_strategies.yaml (decision guide
section 2: all at once = least time and cost, canary = balance, linear = least risk, rolling for tight
capacity, shadow for no user impact, production variants to compare business metrics).
"""

from __future__ import annotations

from typing import Any

from sagecli.recommend.kbfacts import bound, fmt, limit, page
from sagecli.recommend.ranking import Decision
from sagecli.recommend.rules import apply_rules

OPTIONS: dict[str, str] = {
    "all_at_once": "blue-green-all-at-once",
    "canary": "canary-traffic-shifting",
    "linear": "linear-traffic-shifting",
    "rolling": "rolling-deployment",
    "shadow": "shadow-testing",
    "ab_variants": "ab-production-variants",
}
# The inference decision's label -> the endpoint type the strategies are documented for.
ENDPOINT_OF = {
    "realtime": "realtime", "serverless": "serverless", "async": "async",
    "inference_components": "inference_components", "multi_model": "multi_model",
    "multi_container": "realtime", "serial_pipeline": "realtime", "batch_transform": None,
}
SHIFTING = ("all_at_once", "canary", "linear", "rolling")
GUARDED = ("canary", "linear", "rolling")
GUARDRAILS = "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html"


def _endpoint_rules(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    ep = f["endpoint"]
    for opt, rid in OPTIONS.items():
        rec = kb.get(rid)
        if ep not in rec.get("endpoint_types", []):
            why = "; ".join(rec.get("exclusions", [])) or "not documented for this endpoint type"
            d[opt].exclude(f"not available for {ep.replace('_', ' ')} endpoints ({why})", page(kb, rid))
    if ep == "inference_components":
        low, src = bound(kb, "rolling-deployment", "inference_component_batch_percent", "min")
        high, _ = bound(kb, "rolling-deployment", "inference_component_batch_percent", "max")
        d["rolling"].adjust(1.0, f"inference components update with a rolling policy in batches of "
                                 f"{fmt(low)}-{fmt(high)} % of the copies", src)
    if f.get("inference_choice") == "multi_container":
        d["shadow"].exclude("shadow tests are not available for multi-container endpoints", page(kb, "shadow-testing"))
    # Inf1 and Marketplace fallbacks are rules in content/rules/rollout.yaml
    d.fire("endpoint", f"endpoint type {ep}; guardrails cover real-time and asynchronous endpoints", GUARDRAILS)


def _capacity_and_testing(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    # capacity limits, multi-variant exclusions and business-metric comparisons: content/rules/rollout.yaml
    if not f["compare_variants"]:
        d["ab_variants"].adjust(-1.0, "a test of several live versions, not a way to ship one")
    if f["no_user_impact"]:
        d["shadow"].adjust(3.0, "callers get only production responses while the shadow sees copied traffic",
                           page(kb, "shadow-testing"))
        for opt, rid in OPTIONS.items():
            if kb.get(rid)["live_traffic_affected"]:
                d[opt].adjust(-1.0, "the new version answers some live requests")
        d.fire("no-user-impact", "test on live traffic without user impact: shadow test", page(kb, "shadow-testing"))
        days, dsrc = limit(kb, "shadow-testing", "duration_days")
        hours = f.get("rollout_hours")
        if hours is not None and hours > days * 24:
            d["shadow"].note(f"a shadow test runs at most {fmt(days)} days; for {fmt(hours)} hours keep long-running "
                             "shadow variants in the endpoint configuration", dsrc)
    else:
        d["shadow"].adjust(-1.0, "validates a candidate, then a separate promotion ships it")


def _steps(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    canary_max, csrc = bound(kb, "canary-traffic-shifting", "max_canary_size_percent", "max")
    lin_lo, lsrc = bound(kb, "linear-traffic-shifting", "step_percent", "min")
    lin_hi, _ = bound(kb, "linear-traffic-shifting", "step_percent", "max")
    roll_name = "inference_component_batch_percent" if f["endpoint"] == "inference_components" \
        else "max_batch_size_percent"
    roll_lo, rsrc = bound(kb, "rolling-deployment", roll_name, "min")
    roll_hi, _ = bound(kb, "rolling-deployment", roll_name, "max")
    canary_steps, _ = limit(kb, "canary-traffic-shifting", "steps")
    steps, first = f.get("steps"), f.get("first_step_percent")
    if steps is not None:
        share = 100.0 / steps
        if steps == 1:
            d["all_at_once"].adjust(1.5, "one step: shift everything at once")
            for opt in GUARDED:
                d[opt].adjust(-1.5, "shifts in more than one step")
        else:
            d["all_at_once"].adjust(-1.5, f"{steps} steps asked for")
            if steps == canary_steps:
                d["canary"].adjust(1.5, "two steps: a canary, then the rest", csrc)
            else:
                d["canary"].adjust(-1.5, f"canary always shifts in {fmt(canary_steps)} steps")
                d["linear"].adjust(1.5, f"{steps} equal steps of about {share:.0f} %", lsrc)
                d["rolling"].adjust(0.5, f"{steps} batches of about {share:.0f} %", rsrc)
            if not lin_lo <= share <= lin_hi:
                d["linear"].exclude(f"{steps} steps means {share:.1f} % per step; LinearStepSize must be "
                                    f"{fmt(lin_lo)}-{fmt(lin_hi)} %", lsrc)
            if not roll_lo <= share <= roll_hi:
                d["rolling"].exclude(f"{steps} batches means {share:.1f} % each; rolling batches must be "
                                     f"{fmt(roll_lo)}-{fmt(roll_hi)} %", rsrc)
    if first is not None:  # the linear and rolling ranges for the first step: content/rules/rollout.yaml
        if first > canary_max:
            d["canary"].exclude(f"canary size {fmt(first)} % exceeds the {fmt(canary_max)} % maximum", csrc)
        if first >= 100:
            d["all_at_once"].adjust(1.0, "the first step is all the traffic")
        elif first <= lin_lo:
            d["canary"].adjust(0.5, f"a small first step ({fmt(first)} %) is a canary", csrc)
    gradual = f.get("gradual")
    if gradual is True:
        d["all_at_once"].adjust(-2.0, "shifts 100 % of traffic in one step")
        for opt in GUARDED:
            d[opt].adjust(0.5, "shifts traffic gradually")
    elif gradual is False:  # a stated wish outweighs the risk default, as --gradual does
        d["all_at_once"].adjust(2.0, "no gradual shift wanted; the blue/green bake can still roll back on alarms")
        for opt in GUARDED:
            d[opt].adjust(-2.0, "shifts traffic gradually, which was not wanted")


def _risk_and_alarms(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    bg = "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html"
    risk = f["risk"]
    if risk == "low":
        d["all_at_once"].adjust(1.0, "low risk: all at once takes the least time and cost", bg)
    elif risk == "medium":
        d["canary"].adjust(1.0, "medium risk: a canary balances risk against time and cost", bg)
        d["linear"].adjust(0.3, "medium risk: linear also limits risk, at the cost of more steps and baking")
    else:
        d["linear"].adjust(1.2, "high risk: linear shifting has the least risk", bg)
        d["canary"].adjust(0.5, "limits the blast radius")
        d["shadow"].adjust(0.5, "a shadow test finds problems before users see them")
        d["all_at_once"].adjust(-1.0, "a bad update would reach 100 % of traffic at once")
    d.fire("risk", f"risk is {risk}", bg)
    cfg = "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html"
    if not f["alarms"]:
        for opt in GUARDED:
            d[opt].adjust(-0.8, "without CloudWatch alarms the baking period cannot roll back automatically", cfg)
        d.fire("no-alarms", "no CloudWatch alarms: guardrails cannot auto-roll back", cfg)
    else:
        for opt in GUARDED:
            d[opt].note("set the CloudWatch alarms in AutoRollbackConfiguration to roll back automatically", cfg)


def decide_rollout(f: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> Decision:
    """Rank rollout strategies for an endpoint update (f holds inputs merged with defaults)."""
    d = Decision("rollout")
    for opt, rid in OPTIONS.items():
        d.add(opt, page(kb, rid), record=rid)
    if f["endpoint"] is None:
        if f.get("inference_choice") == "batch_transform":
            why, src = "batch transform has no endpoint to update; the next job uses the new model", \
                page(kb, "batch-transform")
        else:
            why, src = "no inference option fits these facts, so there is no endpoint to update", None
        for c in d.candidates.values():
            c.exclude(why, src)
        d.fire("no-endpoint", why, src)
        return d
    d["all_at_once"].note("the default blue/green update: fastest and cheapest, but a bad version reaches all "
                          "traffic at once", page(kb, "blue-green-all-at-once"))
    _endpoint_rules(d, kb, f)
    _capacity_and_testing(d, kb, f)
    _steps(d, kb, f)
    _risk_and_alarms(d, kb, f)
    apply_rules(d, f, kb, disabled)
    eligible = [c for c in d.candidates.values() if c.eligible]
    if len(eligible) == 1:
        eligible[0].note(f"the only strategy left for a {f['endpoint'].replace('_', ' ')} endpoint with these facts")
    return d
