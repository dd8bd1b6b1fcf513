"""Property tests: any valid facts give a well-formed answer (or a one-line usage error), and decisions
move sensibly with payload size and model size."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagecli.errors import UsageError
from sagecli.recommend import decide
from sagecli.recommend.facts import SPECS, Fact
from sagecli.recommend.instance import accel_gib

# RECOMMEND_EXAMPLES=1500 runs a deeper search (passes; about two minutes).
SETTINGS = settings(max_examples=int(os.environ.get("RECOMMEND_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _value(fact: Fact, algorithms: list[str]) -> st.SearchStrategy:
    if fact.kind == "choice":
        return st.sampled_from(fact.choices)
    if fact.kind == "bool":
        return st.booleans()
    if fact.kind == "int":
        return st.integers(min_value=1, max_value=500)
    if fact.kind == "float":
        return st.floats(min_value=0.001, max_value=fact.maximum or 5000, allow_nan=False)
    if fact.kind == "family":
        return st.sampled_from(["ml.g5", "ml.inf1", "ml.m5", "ml.p4d"])
    if fact.name == "algorithm_mode":
        return st.sampled_from(["batch_skipgram", "cbow", "supervised"])
    return st.sampled_from(algorithms)


def facts_for(recommender: str, algorithms: list[str]) -> st.SearchStrategy:
    parts = {f.name: st.one_of(st.none(), _value(f, algorithms)) for f in SPECS[recommender]}
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def check_shape(result: dict) -> None:
    json.dumps(result)
    assert set(result) >= {"recommender", "inputs", "assumed", "decisions"}
    for decision in result["decisions"]:
        ranked = decision["ranked"]
        assert len({r["option"] for r in ranked}) == len(ranked)
        eligible = [r["eligible"] for r in ranked]
        assert eligible == sorted(eligible, reverse=True)  # eligible first
        if any(eligible):
            assert decision["choice"] == ranked[0]["option"]
        else:
            assert decision["choice"] is None
        for row in ranked:
            assert 0.0 <= row["score"] <= 1.0
            assert all(s.startswith("https://") for s in row["sources"])
            if not row["eligible"]:
                assert row["reasons"], f"{row['option']} is ruled out without a reason"
        if decision["decision"] == "instance":
            assert all(r["family"] for r in ranked)


def _algorithms(kb) -> list[str]:
    return ["custom", *sorted(r["id"] for r in kb.of_kind("algorithm"))]


def _run_any(kb, recommender, facts):
    try:
        result = decide(recommender, facts, kb)
    except UsageError as err:  # impossible combinations are usage errors, never tracebacks
        assert "\n" not in err.message
        return None
    check_shape(result)
    return result


@SETTINGS
@given(data=st.data())
def test_deployment_always_well_formed(kb, data):
    _run_any(kb, "deployment", data.draw(facts_for("deployment", _algorithms(kb))))


@SETTINGS
@given(data=st.data())
def test_input_mode_always_well_formed(kb, data):
    _run_any(kb, "input-mode", data.draw(facts_for("input-mode", _algorithms(kb))))


@SETTINGS
@given(data=st.data())
def test_instance_always_well_formed(kb, data):
    _run_any(kb, "instance", data.draw(facts_for("instance", _algorithms(kb))))


@SETTINGS
@given(data=st.data(), small=st.floats(0.01, 3000), factor=st.floats(1.0, 50.0))
def test_larger_payload_never_moves_async_to_serverless(kb, data, small, factor):
    facts = data.draw(facts_for("deployment", _algorithms(kb)))
    try:
        first = decide("deployment", {**facts, "payload_mb": small}, kb)["decisions"][0]["choice"]
    except UsageError:
        return
    second = decide("deployment", {**facts, "payload_mb": small * factor}, kb)["decisions"][0]["choice"]
    if first == "async":
        assert second != "serverless"
    if first is None:
        assert second is None


def _sized_memory(kb, decision) -> float | None:
    if decision["choice"] is None:
        return None
    size = kb.instance(decision["choice"])[1]
    return accel_gib(size) * decision["ranked"][0]["instance_count"]


@SETTINGS
@given(data=st.data(), small=st.floats(0.01, 500), factor=st.floats(1.0, 20.0),
       workload=st.sampled_from(["training", "inference", "transform"]))
def test_more_parameters_never_less_accelerator_memory(kb, data, small, factor, workload):
    facts = data.draw(facts_for("instance", ["custom"]))
    facts.pop("algorithm_mode", None)
    facts["workload"] = workload
    try:
        first = decide("instance", {**facts, "params_b": small}, kb)["decisions"][0]
    except UsageError:
        return
    second = decide("instance", {**facts, "params_b": small * factor}, kb)["decisions"][0]
    a, b = _sized_memory(kb, first), _sized_memory(kb, second)
    if a is None:
        assert b is None
    elif b is not None:
        assert b >= a - 1e-9


OFF_FLAGS = {"same_framework": "--mixed-frameworks", "distributed": "--single", "no_user_impact": "--user-impact-ok"}


def _argv(facts: dict) -> list[str]:
    argv = []
    for name, value in facts.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else OFF_FLAGS.get(name, "--no-" + flag[2:]))
        else:
            argv += [flag, str(value)]
    return argv


@SETTINGS
@given(data=st.data(), recommender=st.sampled_from(["deployment", "input-mode", "instance"]))
def test_cli_never_crashes(kb, data, recommender):
    from typer.testing import CliRunner

    from sagecli.cli import app

    facts = data.draw(facts_for(recommender, _algorithms(kb)))
    result = CliRunner().invoke(app, ["recommend", recommender, *_argv(facts), "--json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, UsageError), repr(result.exception)
    else:
        assert result.exit_code == 0, result.output
        check_shape(json.loads(result.stdout))
