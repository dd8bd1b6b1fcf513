"""run-demo --rollout --backend sagemaker against the fake SageMaker: each strategy's UpdateEndpoint request,
the alarms it creates and deletes, an auto-rollback, A/B weights and TargetVariant, shadow promotion, the plan,
and teardown when a rollout call fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.rollout_calls import deployment_config, endpoint_config, metric_alarms
from sagecli.aws.validate import problems_for
from sagecli.contracts import RolloutSpec
from sagecli.errors import UsageError
from sagecli.flow.runner import run_flow
from tests.aws.fakes import rollout as fake_rollout
from tests.aws.helpers import backend_options, leftovers
from tests.aws.test_run_demo import AWS_ARGS
from tests.conftest import run_cli
from tests.flow.demo_options import demo_options

RUN_ID = "20260101-000000-r0110u"
STEPS = "process,train,evaluate,register,deploy,invoke"


@pytest.fixture
def rollout_fake(fake) -> Iterator:
    fake_rollout.reset()
    yield fake
    fake_rollout.reset()


def _options(strategy: str, **settings):
    return demo_options(steps=STEPS, rows=400, min_auc=0.0, drift=False,
                        backend_options=backend_options(), rollout={"strategy": strategy, **settings})


def _run(tmp_path: Path, strategy: str, **settings):
    result = run_flow("sagemaker", _options(strategy, **settings), tmp_path / "run", RUN_ID)
    return result, result.step("rollout")


def _updates() -> list[dict]:
    return [req for op, req in fake_rollout.REQUESTS if op == "UpdateEndpoint"]


def _nothing_left(fake) -> None:
    assert leftovers(fake, RUN_ID) == []
    assert fake.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert fake.client("s3").list_buckets()["Buckets"] == []
    assert Ledger.load(ledger_dir() / f"{RUN_ID}.json").live() == []


@pytest.mark.parametrize(("strategy", "settings", "routing"), [
    ("all-at-once", {}, {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 2}),
    ("canary", {"canary_percent": 20}, {"Type": "CANARY", "WaitIntervalInSeconds": 2,
                                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20}}),
    ("linear", {"linear_step_percent": 50, "wait_interval_s": 3},
     {"Type": "LINEAR", "WaitIntervalInSeconds": 3, "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50}}),
])
def test_blue_green_update_request_and_alarms(rollout_fake, tmp_path, strategy, settings, routing):
    result, step = _run(tmp_path, strategy, **settings)
    assert result.ok, result.error
    report = step.data["rollout"]
    (update,) = _updates()
    endpoint = update["EndpointName"]
    alarms = [f"{endpoint}-AllTraffic-5xx", f"{endpoint}-AllTraffic-latency"]
    assert update["EndpointConfigName"] == f"sagecli-{RUN_ID}-config-v2"
    assert update["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": 2,
                                  "MaximumExecutionTimeoutInSeconds": 600},
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": a} for a in alarms]}}
    assert report["final_config"] == update["EndpointConfigName"] and not report["rolled_back"]
    assert report["last_deployment_config"] == update["DeploymentConfig"]
    assert {"Updating", "InService"} <= set(report["statuses_seen"])
    assert report["alarms"] == alarms and report["alarm_states"] == {a: "OK" for a in alarms}
    assert report["callers"]["failed"] == 0 and report["callers"]["ok"] > 0
    assert step.summary.startswith(f"{strategy} on SageMaker: on sagecli-{RUN_ID}-config-v2")
    config = next(req for op, req in fake_rollout.REQUESTS if op == "CreateEndpointConfig"
                  and req["EndpointConfigName"] == update["EndpointConfigName"])
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == (1 if strategy == "all-at-once" else 2)
    _nothing_left(rollout_fake)  # the alarms were deleted at teardown, with everything else


def test_rolling_update_request(rollout_fake, tmp_path):
    result, step = _run(tmp_path, "rolling", rolling_batch_percent=25)
    assert result.ok, result.error
    (update,) = _updates()
    policy = update["DeploymentConfig"]["RollingUpdatePolicy"]
    assert policy == {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25}, "WaitIntervalInSeconds": 2,
                      "MaximumExecutionTimeoutInSeconds": 600,
                      "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100}}
    assert "BlueGreenUpdatePolicy" not in update["DeploymentConfig"]
    assert len(update["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]) == 2
    # four batches of 25 %: Creating, ActivatingTraffic and Baking per batch, each a line in the live view
    assert sum("ActivatingTraffic" in t["variants"] for t in step.data["rollout"]["timeline"]) == 4
    _nothing_left(rollout_fake)


def test_alarm_rolls_the_update_back_to_the_old_config(rollout_fake, tmp_path):
    fake_rollout.CONTROL["alarm_after"] = 2  # the new fleet's errors breach during the canary
    result, step = _run(tmp_path, "canary")
    assert result.ok, result.error
    report = step.data["rollout"]
    assert report["rolled_back"] and report["alarm_state"] == "ALARM"
    assert "RollingBack" in report["statuses_seen"]
    assert report["final_config"] == report["old_config"] == f"sagecli-{RUN_ID}-config"
    assert report["alarm_states"][report["alarms"][0]] == "ALARM"
    assert "rolled back to" in step.summary
    from sagecli.ui.demo_view import summary_rows

    rows = dict(summary_rows(result))  # the run summary under the live view
    assert rows["Update"].startswith("Updating -> RollingBack -> InService; now on ") and "CANARY" in rows["Update"]
    assert rows["Alarms"].startswith("5xx ALARM, latency OK")
    _nothing_left(rollout_fake)


def test_ab_weights_and_target_variant(rollout_fake, tmp_path):
    result, step = _run(tmp_path, "ab", wait_interval_s=0.1)
    assert result.ok, result.error
    report = step.data["rollout"]
    config = next(req for op, req in fake_rollout.REQUESTS if op == "CreateEndpointConfig"
                  and req["EndpointConfigName"].endswith("config-v2"))
    assert [(v["VariantName"], v["InitialVariantWeight"]) for v in config["ProductionVariants"]] == [
        ("VariantA", 1.0), ("VariantB", 0.0)]
    assert "DeploymentConfig" not in _updates()[0]
    weights = [req["DesiredWeightsAndCapacities"] for op, req in fake_rollout.REQUESTS
               if op == "UpdateEndpointWeightsAndCapacities"]
    assert weights == [[{"VariantName": "VariantA", "DesiredWeight": 9.0}, {"VariantName": "VariantB",
                                                                           "DesiredWeight": 1.0}],
                       [{"VariantName": "VariantA", "DesiredWeight": 1.0}, {"VariantName": "VariantB",
                                                                           "DesiredWeight": 1.0}]]
    assert report["target_variant"]["invoked"] == {"VariantA": "VariantA", "VariantB": "VariantB"}
    assert "w=1" in report["timeline"][-1]["variants"]
    _nothing_left(rollout_fake)


def test_ab_alarm_moves_the_weights_back(rollout_fake, tmp_path):
    fake_rollout.CONTROL["alarm_after"] = 1
    result, step = _run(tmp_path, "ab", wait_interval_s=0.1)
    assert result.ok, result.error
    report = step.data["rollout"]
    assert report["rolled_back"]
    last = [req for op, req in fake_rollout.REQUESTS if op == "UpdateEndpointWeightsAndCapacities"][-1]
    assert last["DesiredWeightsAndCapacities"][1] == {"VariantName": "VariantB", "DesiredWeight": 0.0}
    _nothing_left(rollout_fake)


def test_shadow_then_promote(rollout_fake, tmp_path):
    result, step = _run(tmp_path, "shadow", wait_interval_s=0.3, bake_s=0.3)
    assert result.ok, result.error
    report = step.data["rollout"]
    shadow_cfg = next(req for op, req in fake_rollout.REQUESTS if op == "CreateEndpointConfig"
                      and req["EndpointConfigName"].endswith("config-v2"))
    assert [v["VariantName"] for v in shadow_cfg["ShadowProductionVariants"]] == ["ShadowVariant"]
    assert [v["VariantName"] for v in shadow_cfg["ProductionVariants"]] == ["AllTraffic"]
    assert [u["EndpointConfigName"] for u in _updates()] == [f"sagecli-{RUN_ID}-config-v2",
                                                             f"sagecli-{RUN_ID}-config-v2-promoted"]
    assert report["promoted"] and report["final_config"].endswith("promoted")
    assert sum(fake_rollout.SHADOW_COPIES.values()) > 0
    assert report["callers"]["by_variant"].get("ShadowVariant") is None  # callers never see the shadow
    _nothing_left(rollout_fake)


def test_shadow_alarm_is_not_promoted(rollout_fake, tmp_path):
    fake_rollout.CONTROL["alarm_after"] = 1
    result, step = _run(tmp_path, "shadow", wait_interval_s=0.1, bake_s=0.1)
    assert result.ok, result.error
    assert step.data["rollout"]["promoted"] is False and len(_updates()) == 1
    assert "not promoted" in step.summary
    _nothing_left(rollout_fake)


@pytest.mark.parametrize("operation", ["UpdateEndpoint", "CreateEndpointConfig", "UpdateEndpointWeightsAndCapacities"])
def test_failure_during_the_rollout_tears_everything_down(rollout_fake, tmp_path, operation):
    if operation == "CreateEndpointConfig":  # the rollout's config, not the deploy step's
        fake_rollout.CONTROL["fail_config"] = f"sagecli-{RUN_ID}-config-v2"
    else:
        rollout_fake.faults.fail = operation
    result, _ = _run(tmp_path, "ab" if operation.endswith("Capacities") else "linear", wait_interval_s=0.1)
    assert not result.ok and f"{operation} failed" in (result.error or ""), result.error
    rollout_fake.faults.fail = None
    assert result.step("teardown").status == "ok"
    _nothing_left(rollout_fake)  # the alarms, the v2 job, model and config went with the rest


def test_update_that_ends_failed_tears_everything_down(rollout_fake, tmp_path):
    fake_rollout.CONTROL["update_fails"] = "The new fleet failed its health checks."
    result, step = _run(tmp_path, "rolling")
    assert not result.ok and "endpoint is Failed after the update: The new fleet failed" in (result.error or "")
    assert step.status == "failed" and result.step("teardown").status == "ok"
    _nothing_left(rollout_fake)


def test_plan_shows_the_rollout_and_validates(rollout_fake):
    res = run_cli(*AWS_ARGS, "--rollout", "canary", "--canary-size", "25", "--dry-run", "--json")
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    ops = [r["operation"] for r in plan["requests"]]
    assert ops.count("CreateTrainingJob") == 2 and ops.count("PutMetricAlarm") == 2
    assert ops.index("CreateEndpoint") < ops.index("PutMetricAlarm") < ops.index("UpdateEndpoint")
    v2 = [r for r in plan["requests"] if r["operation"] == "CreateTrainingJob"][1]["request"]
    assert v2["HyperParameters"]["max_depth"] == "6" and v2["HyperParameters"]["eta"] == "0.3"
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    update = next(r for r in plan["requests"] if r["operation"] == "UpdateEndpoint")["request"]
    routing = update["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["CanarySize"] == {"Type": "CAPACITY_PERCENT", "Value": 25}
    assert [c["resource"] for c in plan["cost"]].count("Endpoint") == 2  # both fleets bill during the update
    assert not [op for op in rollout_fake.faults.seen if op.startswith(("Create", "Put", "Update"))]
    text = run_cli(*AWS_ARGS, "--rollout", "canary", "--dry-run")
    assert text.returncode == 0 and "UpdateEndpoint" in text.stdout
    steps = [line for line in text.stdout.splitlines() if line[:5].strip().rstrip(".").isdigit()]
    mine = [line for line in steps if any(f" {op}:" in line for op in ("PutMetricAlarm", "UpdateEndpoint"))
            or "v2" in line]
    assert len(steps) == len(ops) and len(mine) == 6 and max(len(line) for line in mine) <= 80, mine


def test_refused_before_anything_with_the_local_reason(rollout_fake):
    res = run_cli(*AWS_ARGS, "--rollout", "canary", "--canary-size", "60", "--yes")
    assert res.returncode != 0 and "--canary-size 60 is out of range" in res.stderr
    assert "Traceback" not in res.stderr
    res = run_cli(*AWS_ARGS, "--rollout", "canary", "--fault", "new-version", "--yes")
    assert res.returncode != 0 and "--fault runs on --backend local only" in res.stderr
    assert not [op for op in rollout_fake.faults.seen if op.startswith(("Create", "Put", "Update"))]
    with pytest.raises(UsageError, match="not for serverless"):  # the KB's exclusion, as locally
        demo_options(inference="serverless", rollout={"strategy": "rolling"})


def test_builders_validate_for_every_strategy():
    for strategy in ("all-at-once", "canary", "linear", "rolling", "shadow", "ab"):
        spec = RolloutSpec(strategy)
        for call in metric_alarms(spec, "ep", "r1"):
            assert problems_for("cloudwatch", "PutMetricAlarm", call.params) == []
        cfg = endpoint_config(strategy=strategy, name="c2", old_model="m1", new_model="m2",
                              instance_type="ml.m5.xlarge", run_id="r1", capture_uri="s3://b/p")
        assert problems_for("sagemaker", "CreateEndpointConfig", cfg.params) == []
        dc = deployment_config(spec, ["a1", "a2"])
        assert (dc is None) == (strategy in ("shadow", "ab"))
        if dc:
            assert problems_for("sagemaker", "UpdateEndpoint", {"EndpointName": "ep", "EndpointConfigName": "c2",
                                                                "DeploymentConfig": dc}) == []


def test_cli_json_run_and_ctrl_c_during_the_update(rollout_fake):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    args = [*AWS_ARGS, "--rollout", "all-at-once", "--steps", "deploy", "--rows", "400", "--min-auc", "0",
            "--yes", "--json"]
    res = run_cli(*args, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    rollout = next(s for s in summary["steps"] if s["name"] == "rollout")
    assert rollout["status"] == "ok" and rollout["data"]["rollout"]["final_config"].endswith("config-v2")
    assert leftovers(rollout_fake, summary["run_id"]) == []
    assert [t["status"] for t in rollout["data"]["rollout"]["timeline"]][-1] == "InService"
    fake_rollout.reset()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sagecli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    rollout_fake.faults.pid, rollout_fake.faults.interrupt = proc.pid, ["UpdateEndpoint"]
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 130 and rollout_fake.faults.interrupt == [], err[-2000:]
    run_id = json.loads(Path(next(p for p in ledger_dir().glob("*.json") if p.stem != summary["run_id"])).read_text())[
        "run_id"]
    assert leftovers(rollout_fake, run_id) == []
    assert rollout_fake.client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_cleanup_by_tag_finds_and_deletes_a_rollouts_alarms(rollout_fake):
    from sagecli.aws.rollout_calls import metric_alarms

    cw = rollout_fake.client("cloudwatch")
    for call in metric_alarms(RolloutSpec("canary"), "sagecli-demo-x", RUN_ID):  # a crashed run's alarms, no ledger
        cw.put_metric_alarm(**call.params)
    cw.put_metric_alarm(**{**call.params, "AlarmName": "someone-elses", "Tags": []})
    dry = run_cli("cleanup", "--run-id", RUN_ID, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    found = [f["name"] for f in json.loads(dry.stdout)["found"] if f["kind"] == "CloudWatchAlarm"]
    assert sorted(found) == ["sagecli-demo-x-AllTraffic-5xx", "sagecli-demo-x-AllTraffic-latency"]
    done = run_cli("cleanup", "--run-id", RUN_ID, "--yes")
    assert done.returncode == 0, done.stderr
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == ["someone-elses"]
