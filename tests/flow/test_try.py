"""recommend deployment --try: decide()'s choices become run-demo settings, unmappable ones are refused, and the
summary puts the recommendation's reasons beside what a local run measured."""

from __future__ import annotations

import json

import pytest

from sagecli.commands.recommend_try import try_options
from sagecli.errors import UsageError
from sagecli.flow.tryout import INFERENCE_MAP, plan_try, summarize
from sagecli.knowledge.store import load_kb
from sagecli.recommend import decide
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def _choices(result: dict) -> tuple[str | None, str | None]:
    by = {d["decision"]: d["choice"] for d in result["decisions"]}
    return by["inference_option"], by["rollout"]


# (facts, run-demo --inference, run-demo --rollout or None when the demo cannot run the rollout there)
RUNNABLE = [
    ({"traffic": "intermittent"}, "serverless", None),
    ({"traffic": "steady"}, "realtime", "canary"),
    ({"traffic": "steady", "risk": "high"}, "realtime", "linear"),
    ({"traffic": "steady", "no_user_impact": True}, "realtime", "shadow"),
    ({"traffic": "steady", "compare_variants": True}, "realtime", "ab"),
    ({"traffic": "steady", "capacity_limited": True}, "realtime", "rolling"),
    ({"models": 4}, "multi-model", None),
    ({"traffic": "offline", "realtime": False}, "batch", None),
    ({"realtime": False, "payload_mb": 500}, "async", None),
]


@pytest.mark.parametrize(("facts", "inference", "rollout"), RUNNABLE, ids=lambda v: str(v))
def test_the_decision_maps_to_run_demo_settings_that_run_demo_accepts(kb, facts, inference, rollout) -> None:
    result = decide("deployment", facts, kb)
    plan = plan_try(result)
    assert plan.inference == inference == INFERENCE_MAP[_choices(result)[0]]
    assert (plan.rollout or {}).get("strategy") == rollout
    options = try_options(plan)  # run-demo's own validation (ranges from the KB) accepts the mapping
    assert options.inference == inference
    assert (options.rollout.strategy if options.rollout else None) == rollout
    assert ("rollout" in options.steps) == (rollout is not None)
    assert ("transform" in options.steps) == (inference == "batch")
    if rollout is None and _choices(result)[1]:  # a rollout was recommended but the demo cannot run it there
        assert any(u["input"] == "rollout choice" and inference in u["why"] for u in plan.unmapped)


@pytest.mark.parametrize("facts", [{"preprocessing": True}, {"models": 3, "same_framework": False},
                                   {"gpu": True, "models": 4, "scale_to_zero": True}], ids=str)
def test_options_run_demo_cannot_run_are_refused_naming_what_can(kb, facts) -> None:
    result = decide("deployment", facts, kb)
    choice = _choices(result)[0]
    assert choice not in INFERENCE_MAP
    with pytest.raises(UsageError) as err:
        plan_try(result)
    message = str(err.value)
    assert choice in message and "\n" not in message
    assert all(option in message for option in INFERENCE_MAP)


def test_step_sizes_map_and_the_inputs_that_do_not_are_named(kb) -> None:
    canary = plan_try(decide("deployment", {"traffic": "steady", "first_step_percent": 20, "payload_mb": 2,
                                            "bake_minutes": 30}, kb))
    assert canary.rollout == {"strategy": "canary", "canary_percent": 20}
    assert {u["input"] for u in canary.unmapped} >= {"payload_mb", "bake_minutes"}
    assert "traffic" in {m["input"] for m in canary.mapped}
    assert try_options(canary).rollout.canary_percent == 20
    linear = plan_try(decide("deployment", {"traffic": "steady", "risk": "high", "steps": 4}, kb))
    assert linear.rollout == {"strategy": "linear", "linear_step_percent": 25}
    memory = plan_try(decide("deployment", {"traffic": "intermittent", "model_gb": 2.5}, kb))
    assert memory.memory_size_mb == 3072 and try_options(memory).memory_size_mb == 3072


def test_a_fault_needs_a_rollout_the_demo_runs(kb) -> None:
    with pytest.raises(UsageError, match="--fault"):
        plan_try(decide("deployment", {"traffic": "intermittent"}, kb), fault="new-version")
    plan = plan_try(decide("deployment", {"traffic": "steady"}, kb), fault="new-version")
    assert plan.rollout["fault"] == "new-version"


def test_the_summary_puts_the_reasons_beside_the_measurements(kb) -> None:
    result = decide("deployment", {"traffic": "steady"}, kb)
    plan = plan_try(result)
    run = {"ok": True, "run_id": "r1", "run_dir": "/tmp/r1", "steps": [
        {"name": "invoke", "data": {"mean_latency_ms": 2.5, "inference": {"option": "realtime", "cold_starts": 0}}},
        {"name": "rollout", "data": {"rollout": {"strategy": "canary", "completed": False, "rolled_back": True,
                                                 "alarm_at_s": 1.5, "rollback_s": 0.001,
                                                 "callers": {"new_failed": 7}}}}]}
    summary = summarize(result, plan, run)
    inference = next(d for d in result["decisions"] if d["decision"] == "inference_option")
    top = next(r for r in inference["ranked"] if r["option"] == inference["choice"])
    assert summary["inference"]["reasons"] == top["reasons"] and top["reasons"]
    assert summary["inference"]["measured"] == {"mean_latency_ms": 2.5, "cold_starts": 0}
    assert summary["rollout"]["measured"]["rolled_back"] is True
    assert summary["rollout"]["measured"]["new_version_failed"] == 7
    assert summary["rollout"]["reasons"]


def test_fault_without_try_is_one_clear_line() -> None:
    res = run_cli("recommend", "deployment", "--idle-timeout", "1")
    assert res.returncode != 0 and "--try" in res.stderr and "Traceback" not in res.stderr


def test_try_intermittent_runs_serverless_locally_and_reports_cold_starts(tmp_path) -> None:
    res = run_cli("recommend", "deployment", "--traffic", "intermittent", "--try", "--idle-timeout", "0.3",
                  "--json", "--run-dir", str(tmp_path / "run"), timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert _choices(out["decision"]) == ("serverless", "all_at_once")
    summary = out["try"]["summary"]
    assert summary["ok"] and out["try"]["run"]["ok"]
    measured = summary["inference"]["measured"]
    assert measured["cold_starts"] >= 1 and len(measured["cold_start_ms"]) == measured["cold_starts"]
    assert measured["throttled"] >= 1  # the burst is 2 x MaxConcurrency callers while cold
    assert summary["inference"]["reasons"]
    assert "real-time endpoint only" in summary["rollout"]["not_run"]
    assert (tmp_path / "run").is_dir()
