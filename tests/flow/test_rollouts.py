"""run-demo --rollout: phases and ranges from the KB, the router's traffic split, alarms and rollback."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from sagecli.commands.demo_run import check_backend_options
from sagecli.contracts import RolloutSpec
from sagecli.errors import UsageError
from sagecli.flow.backends.local import runtime_client
from sagecli.flow.rollout_plan import evaluate_alarms, metric_records, plan_phases, share_bar
from sagecli.serve.process import start_server, stop_pid
from sagecli.serve.router import Record, Router, Variant
from tests.conftest import run_cli
from tests.flow.demo_options import ROW
from tests.flow.demo_options import demo_options as _options
from tests.flow.procs import server_pids_for
from tests.serve.conftest import trained  # noqa: F401 - the shared trained model (one per session)


def _new_share(phases, new="green"):
    return [round(p.weights.get(new, 0) / sum(p.weights.values()), 3) for p in phases]


def test_phases_move_the_new_versions_share_as_each_strategy_documents() -> None:
    assert _new_share(plan_phases(RolloutSpec("canary", canary_percent=20))) == [0, 0.2, 1.0]
    assert _new_share(plan_phases(RolloutSpec("linear", linear_step_percent=25))) == [0, 0.25, 0.5, 0.75, 1.0]
    assert _new_share(plan_phases(RolloutSpec("linear", linear_step_percent=40))) == [0, 0.4, 0.8, 1.0]
    assert _new_share(plan_phases(RolloutSpec("all-at-once"))) == [0, 1.0]
    rolling = plan_phases(RolloutSpec("rolling", rolling_batch_percent=25))
    assert [p.new_workers for p in rolling] == [0, 1, 2, 3, 4] and _new_share(rolling)[-1] == 1.0
    assert _new_share(plan_phases(RolloutSpec("ab")), "VariantB") == [0, 0.1, 0.5]
    canary = plan_phases(RolloutSpec("canary", wait_interval_s=3, bake_s=5))
    assert [p.hold_s for p in canary[1:]] == [3, 5]  # the canary waits, the full fleet bakes
    assert share_bar(0.3) == "[###.......]"


def test_settings_are_checked_against_the_knowledge_base() -> None:
    opts = _options(rollout={"strategy": "canary", "canary_percent": 50})
    assert opts.rollout.canary_percent == 50 and "rollout" in opts.steps
    for settings, flag in (({"strategy": "canary", "canary_percent": 51}, "--canary-size"),
                           ({"strategy": "linear", "linear_step_percent": 5}, "--linear-step"),
                           ({"strategy": "linear", "linear_step_percent": 60}, "--linear-step"),
                           ({"strategy": "rolling", "rolling_batch_percent": 4}, "--batch-size"),
                           ({"strategy": "linear", "max_execution_s": 599}, "--max-execution-time"),
                           ({"strategy": "canary", "wait_interval_s": 3601}, "--wait-interval")):
        with pytest.raises(UsageError, match=flag):
            _options(rollout=settings)
    with pytest.raises(UsageError, match="exceed the waits"):
        _options(rollout={"strategy": "linear", "wait_interval_s": 300, "bake_s": 300})
    with pytest.raises(UsageError, match="not for serverless"):  # the KB's exclusion, word for word
        _options(inference="serverless", rollout={"strategy": "rolling"})
    with pytest.raises(UsageError, match="unknown rollout"):
        _options(rollout={"strategy": "blue-green"})
    with pytest.raises(UsageError, match="needs a --rollout"):
        _options(rollout={"strategy": None, "fault": "new-version"})
    with pytest.raises(UsageError, match="keep-endpoint"):
        _options(keep_endpoint=True, rollout={"strategy": "canary"})
    check_backend_options("sagemaker", _options(rollout={"strategy": "canary"}))  # issue 14: runs on SageMaker
    with pytest.raises(UsageError, match="--fault runs on --backend local only"):
        check_backend_options("sagemaker", _options(rollout={"strategy": "canary", "fault": "new-version"}))


def test_metrics_are_cloudwatch_shaped_and_alarms_fire_on_errors_or_latency() -> None:
    spec = RolloutSpec("canary", error_threshold=0, latency_threshold_ms=100)
    ok = [Record(0.0, "green", 200, 20.0), Record(0.1, "green", 200, 30.0)]
    points = metric_records("ep", "green", ok, "2026-01-01T00:00:00.000Z")
    by = {p["MetricName"]: p for p in points}
    assert by["Invocations"]["Value"] == 2 and by["Invocation5XXErrors"]["Value"] == 0
    assert by["ModelLatency"]["Value"] == pytest.approx(25_000) and by["ModelLatency"]["Unit"] == "Microseconds"
    assert {d["Name"] for d in by["Invocations"]["Dimensions"]} == {"EndpointName", "VariantName"}
    assert evaluate_alarms(spec, points) == []
    failing = metric_records("ep", "green", [*ok, Record(0.2, "green", 500, 1.0)], "t")
    assert evaluate_alarms(spec, failing) == ["errors 1 > 0"]
    slow = metric_records("ep", "green", [Record(0.0, "green", 200, 400.0)], "t")
    assert evaluate_alarms(spec, slow) and "ModelLatency" in evaluate_alarms(spec, slow)[0]
    assert evaluate_alarms(spec, metric_records("ep", "green", [], "t")) == []  # no traffic: no datapoint breach


@pytest.fixture(scope="module")
def two_workers(trained, tmp_path_factory):  # noqa: F811
    base = tmp_path_factory.mktemp("router")
    handles = [start_server({"model_dir": str(trained[1]), "endpoint": "ep", "variant": name,
                             "max_payload_bytes": 6 * 1024 * 1024, "capture": None}, base / name)
               for name in ("VariantA", "VariantB")]
    yield [h.url for h in handles]
    for h in handles:
        stop_pid(h.pid)


def test_router_splits_by_weight_honours_target_variant_and_rolls_back(two_workers, tmp_path: Path) -> None:
    router = Router("ep", [Variant("VariantA", [two_workers[0]], 3.0), Variant("VariantB", [two_workers[1]], 1.0)],
                    tmp_path / "shadow.jsonl", random.Random(5))
    try:
        client = runtime_client(router.url)
        got = Counter(client.invoke_endpoint(EndpointName="ep", Body=ROW, ContentType="text/csv")
                      ["InvokedProductionVariant"] for _ in range(200))
        assert router.shares() == {"VariantA": 0.75, "VariantB": 0.25}
        assert 0.6 < got["VariantA"] / 200 < 0.9 and got["VariantB"] > 0
        router.update_weights({"VariantA": 1.0, "VariantB": 0.0})  # UpdateEndpointWeightsAndCapacities
        after = {client.invoke_endpoint(EndpointName="ep", Body=ROW, ContentType="text/csv")
                 ["InvokedProductionVariant"] for _ in range(30)}
        assert after == {"VariantA"}
        pinned = client.invoke_endpoint(EndpointName="ep", Body=ROW, ContentType="text/csv", TargetVariant="VariantB")
        assert pinned["InvokedProductionVariant"] == "VariantB"  # TargetVariant wins over a zero weight
        router.variants["VariantB"].fault = "errors"
        with pytest.raises(client.exceptions.ModelError) as err:
            client.invoke_endpoint(EndpointName="ep", Body=ROW, ContentType="text/csv", TargetVariant="VariantB")
        headers = err.value.response["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amzn-invoked-production-variant"] == "VariantB"
        assert Counter(r.variant for r in router.records if r.status == 500) == {"VariantB": 1}
    finally:
        router.close()


def test_shadow_gets_a_copy_whose_responses_are_logged_never_returned(two_workers, tmp_path: Path) -> None:
    log = tmp_path / "shadow.jsonl"
    router = Router("ep", [Variant("AllTraffic", [two_workers[0]]),
                           Variant("ShadowVariant", [two_workers[1]], shadow=True, fault="errors")],
                    log, random.Random(1))
    client = runtime_client(router.url)
    try:
        answers = [client.invoke_endpoint(EndpointName="ep", Body=ROW, ContentType="text/csv") for _ in range(20)]
    finally:
        router.close()  # waits for the copies in flight
    assert {a["InvokedProductionVariant"] for a in answers} == {"AllTraffic"}  # the failing shadow never answers
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 20 and {line["status"] for line in lines} == {500}
    assert all(line["production_response"] for line in lines)
    with pytest.raises(ValueError):
        router.update_weights({"ShadowVariant": 1.0})  # a shadow has no production weight


def _rollout(tmp_path: Path, *args: str) -> tuple[dict, dict]:
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--steps", "rollout", "--rows", "1000", "--run-dir", str(run_dir),
                  "--wait-interval", "1.5", "--bake", "1", *args, env={"SAGECLI_HOME": str(tmp_path / "home")},
                  timeout=180)
    assert res.returncode == 0, res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    assert server_pids_for(run_dir) == []  # every worker the rollout started is gone
    return steps["rollout"], steps


def test_canary_with_a_faulty_new_version_rolls_back_without_failing_old_callers(tmp_path: Path) -> None:
    step, _ = _rollout(tmp_path, "--rollout", "canary", "--canary-size", "20", "--fault", "new-version")
    rep = step["data"]["rollout"]
    assert rep["rolled_back"] and rep["alarm_state"] == "ALARM" and not rep["completed"]
    shares = [t["shares"]["green"] for t in rep["timeline"]]
    assert shares[0] == 0 and shares[1] == pytest.approx(0.2) and shares[-1] == 0  # never reached 100 %
    c = rep["callers"]
    assert c["old_failed"] == 0 and c["new_failed"] >= 1 and c["by_variant"].get("green", 0) == 0
    assert c["failed"] == c["new_failed"] < c["requests"] / 2  # only the canary's share was exposed
    metrics = [json.loads(line) for line in Path(rep["metrics_file"]).read_text().splitlines()]
    errs = [m for m in metrics if m["MetricName"] == "Invocation5XXErrors" and m["Value"] > 0]
    assert errs and {d["Value"] for m in errs for d in m["Dimensions"] if d["Name"] == "VariantName"} == {"green"}
    assert any("max_canary_size_percent" in line for line in rep["limits"])
    assert "rolled back" in step["summary"]


def test_linear_without_fault_shifts_every_step_and_completes(tmp_path: Path) -> None:
    step, _ = _rollout(tmp_path, "--rollout", "linear", "--linear-step", "50", "--wait-interval", "1")
    rep = step["data"]["rollout"]
    assert rep["completed"] and not rep["rolled_back"] and rep["alarm_state"] == "OK"
    assert [t["shares"]["green"] for t in rep["timeline"]] == [0, 0.5, 1.0]
    times = [t["t_s"] for t in rep["timeline"]]
    # the wait interval between steps (t_s is rounded to 0.01 s, so allow that rounding and no more)
    assert times == sorted(times) and times[2] - times[1] >= 1.0 - 0.011
    c = rep["callers"]
    assert c["failed"] == 0 and c["by_variant"]["green"] > 0 and c["by_variant"]["blue"] > 0
