"""Scenario tests for the rollout decision, each written from an AWS documentation page."""

from __future__ import annotations

import pytest

SCENARIOS = [
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html (canary = balance)
    pytest.param({"endpoint": "realtime", "risk": "medium"}, "canary", id="medium-risk"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html (least time and cost)
    pytest.param({"endpoint": "realtime", "risk": "low"}, "all_at_once", id="low-risk"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-linear.html (least risk)
    pytest.param({"endpoint": "realtime", "risk": "high"}, "linear", id="high-risk"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html (real-time and async only)
    pytest.param({"endpoint": "serverless", "risk": "high"}, "all_at_once", id="serverless"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html (tight capacity)
    pytest.param({"endpoint": "realtime", "capacity_limited": True}, "rolling", id="capacity-limited"),
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html
    pytest.param({"endpoint": "inference_components"}, "rolling", id="inference-components"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html (no user impact)
    pytest.param({"endpoint": "realtime", "no_user_impact": True}, "shadow", id="shadow"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-ab-testing.html (compare variants on live traffic)
    pytest.param({"endpoint": "realtime", "compare_variants": True}, "ab_variants", id="ab-test"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html (Inf1 falls back)
    pytest.param({"endpoint": "realtime", "instance_family": "ml.inf1", "risk": "high"}, "all_at_once",
                 id="inf1-fallback"),
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html (canary <= 50 %)
    pytest.param({"endpoint": "realtime", "first_step_percent": 60}, "all_at_once", id="first-step-too-big"),
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html (linear 10-50 %)
    pytest.param({"endpoint": "realtime", "risk": "high", "first_step_percent": 5}, "canary", id="five-percent"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-linear.html (n steps)
    pytest.param({"endpoint": "realtime", "steps": 4}, "linear", id="four-steps"),
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html (batches 5-50 %)
    pytest.param({"endpoint": "realtime", "steps": 20}, "rolling", id="twenty-steps"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-all-at-once.html
    pytest.param({"endpoint": "async", "gradual": False}, "all_at_once", id="not-gradual"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html (two steps)
    pytest.param({"endpoint": "async", "steps": 2}, "canary", id="two-steps-async"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html (A/B testing works with MME)
    pytest.param({"endpoint": "multi_model", "compare_variants": True}, "ab_variants", id="mme-ab"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-deploy-feature-matrix.html (the current hosting
    # matrix ticks blue/green and rolling guardrails for multi-model endpoints; the 2023 one did not)
    pytest.param({"endpoint": "multi_model", "risk": "high"}, "linear", id="mme-guardrails"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html (default from the inference choice)
    pytest.param({"traffic": "intermittent", "payload_mb": 2}, "all_at_once", id="derived-serverless"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html (no endpoint to update)
    pytest.param({"traffic": "offline", "dataset_gb": 100}, None, id="batch-has-no-endpoint"),
]


@pytest.mark.parametrize(("facts", "expected"), SCENARIOS)
def test_rollout_scenarios(choose, facts, expected):
    assert choose("deployment", "rollout", **facts) == expected


def _rollout(result):
    return next(d for d in result["decisions"] if d["decision"] == "rollout")


def test_shadow_is_real_time_only(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html (real-time endpoints)
    decision = _rollout(run("deployment", endpoint="async", no_user_impact=True))
    assert decision["choice"] != "shadow"
    shadow = next(r for r in decision["ranked"] if r["option"] == "shadow")
    assert not shadow["eligible"] and "async" in shadow["reasons"][0]


def test_no_alarms_warns_about_rollback(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
    decision = _rollout(run("deployment", endpoint="realtime", alarms=False))
    canary = next(r for r in decision["ranked"] if r["option"] == "canary")
    assert any("alarm" in r.lower() for r in canary["reasons"])
    assert any(rule["rule"] == "no-alarms" for rule in decision["rules"])


def test_rolling_not_for_multi_variant(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html
    decision = _rollout(run("deployment", endpoint="realtime", compare_variants=True, capacity_limited=True))
    rolling = next(r for r in decision["ranked"] if r["option"] == "rolling")
    assert not rolling["eligible"]


def test_long_comparison_without_user_impact_is_not_a_conflict(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-shadow-deployment.html (long-running shadow variants)
    decision = _rollout(run("deployment", endpoint="realtime", no_user_impact=True, rollout_hours=1000))
    assert decision["choice"] == "shadow"
    shadow = next(r for r in decision["ranked"] if r["option"] == "shadow")
    assert any("30 days" in r and "shadow variants" in r for r in shadow["reasons"])


def test_a_shadow_within_30_days_has_no_duration_warning(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-create.html (7 days by default, 30 at most)
    decision = _rollout(run("deployment", endpoint="realtime", no_user_impact=True, rollout_hours=100))
    shadow = next(r for r in decision["ranked"] if r["option"] == "shadow")
    assert not any("30 days" in r for r in shadow["reasons"])


def test_business_metric_without_user_impact_still_conflicts(kb):
    from sagecli.errors import UsageError
    from sagecli.recommend import decide

    with pytest.raises(UsageError, match="contradict"):
        decide("deployment", {"endpoint": "realtime", "no_user_impact": True, "compare_variants": True}, kb)


def test_explain_shows_each_rollout_rule_with_its_page():
    from typer.testing import CliRunner

    from sagecli.cli import app

    out = CliRunner().invoke(app, ["recommend", "deployment", "--endpoint", "realtime", "--need",
                                   "marketplace-model", "--bake-minutes", "90", "--rollout-hours", "12",
                                   "--explain", "--no-input"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())
    for rule, page in (("guardrails-marketplace-fallback", "deployment-guardrails-exclusions.html"),
                       ("bake-at-most-one-hour", "API_TrafficRoutingConfig.html"),
                       ("guardrails-8-hour-timeout", "API_BlueGreenUpdatePolicy.html")):
        assert f"[{rule}]" in text and page in text, rule


def test_a_bake_longer_than_the_rollout_is_a_conflict(kb):
    from sagecli.errors import UsageError
    from sagecli.recommend import decide

    with pytest.raises(UsageError, match="contradict"):
        decide("deployment", {"endpoint": "realtime", "bake_minutes": 120, "rollout_hours": 1}, kb)
    assert decide("deployment", {"endpoint": "realtime", "bake_minutes": 60, "rollout_hours": 1}, kb)
