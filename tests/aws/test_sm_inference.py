"""`--inference serverless|async|multi-model` with `--backend sagemaker` against the fake SageMaker: the plan
and its prices, the CreateEndpointConfig shape per option, the whole flow in-process, and teardown (also on failure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.validate import problems_for
from sagecli.contracts import FlowOptions
from sagecli.flow.runner import run_flow
from tests.aws.conftest import ACCESS_KEY, ROLE_ARN, SECRET_KEY
from tests.aws.fakes import inference as fake_inference
from tests.aws.helpers import leftovers
from tests.conftest import run_cli

AWS_ARGS = ("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1")
RUN_ID = "20260101-000000-a1a1a1"
STEPS = "process,train,evaluate,register,deploy,invoke"


@pytest.fixture(autouse=True)
def _clean_fake_state():
    fake_inference.reset()
    yield
    fake_inference.reset()


def _plan(*extra: str) -> dict:
    res = run_cli(*AWS_ARGS, "--dry-run", "--json", "--steps", STEPS, *extra)
    assert res.returncode == 0, res.stderr[-2000:]
    plan = json.loads(res.stdout)
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    return plan


def _config(plan: dict) -> dict:
    return next(r["request"] for r in plan["requests"] if r["operation"] == "CreateEndpointConfig")


def test_serverless_plan_has_no_instances_no_capture_and_an_honest_price(fake):
    plan = _plan("--inference", "serverless", "--memory-size", "3072", "--max-concurrency", "4",
                 "--provisioned-concurrency", "2")
    variant = _config(plan)["ProductionVariants"][0]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 4, "ProvisionedConcurrency": 2}
    assert "InstanceType" not in variant and "DataCaptureConfig" not in _config(plan)
    cost = [c for c in plan["cost"] if c["resource"] == "Endpoint"]
    assert len(cost) == 1 and cost[0]["usd_per_hour"] is None and cost[0]["instance_type"] == "serverless-3072MB"
    assert "GB-seconds" in cost[0]["bound"] and "price unknown" in cost[0]["note"]
    assert "ProvisionedConcurrency 2 is billed extra" in cost[0]["note"]
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def test_provisioned_concurrency_above_max_concurrency_is_one_line(fake):
    res = run_cli(*AWS_ARGS, "--dry-run", "--inference", "serverless", "--max-concurrency", "2",
                  "--provisioned-concurrency", "3")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "--provisioned-concurrency 3 is out of range" in res.stderr


def test_async_plan_lists_topics_output_paths_and_scale_to_zero(fake):
    plan = _plan("--inference", "async")
    ops = [r["operation"] for r in plan["requests"]]
    assert ops[-8:] == ["CreateTopic", "CreateTopic", "CreateEndpointConfig", "CreateEndpoint",
                        "RegisterScalableTarget", "PutScalingPolicy", "PutScalingPolicy", "PutMetricAlarm"]
    cfg = _config(plan)["AsyncInferenceConfig"]["OutputConfig"]
    assert cfg["S3OutputPath"].endswith("/async-output/") and cfg["S3FailurePath"].endswith("/async-failure/")
    assert cfg["NotificationConfig"]["SuccessTopic"].startswith("arn:aws:sns:us-east-1:123456789012:")
    target = next(r["request"] for r in plan["requests"] if r["operation"] == "RegisterScalableTarget")
    assert target["MinCapacity"] == 0
    policy = next(r["request"] for r in plan["requests"] if r["operation"] == "PutScalingPolicy")
    metric = policy["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert metric["MetricName"] == "ApproximateBacklogSizePerInstance"
    endpoint = next(c for c in plan["cost"] if c["resource"] == "Endpoint")
    assert endpoint["instances"] == 1 and "scaling policy scales in" in endpoint["bound"]
    assert any("HasBacklogWithoutCapacity" in n for n in plan["notes"])


def test_multi_model_plan_trains_the_versions_and_points_at_a_prefix(fake):
    plan = _plan("--inference", "multi-model")
    reqs = plan["requests"]
    assert [r["operation"] for r in reqs].count("CreateTrainingJob") == 3
    models = [r["request"] for r in reqs if r["operation"] == "CreateModel"]
    assert len(models) == 1 and models[0]["PrimaryContainer"]["Mode"] == "MultiModel"
    prefix = models[0]["PrimaryContainer"]["ModelDataUrl"]
    assert prefix.endswith("/mme/")
    uploads = [r["request"]["Key"] for r in reqs if r["operation"] == "PutObject" and "/mme/" in r["request"]["Key"]]
    assert sorted(u.rsplit("/", 1)[-1] for u in uploads) == ["model-depth-2.tar.gz", "model-depth-6.tar.gz",
                                                             "model-main.tar.gz"]
    assert "DataCaptureConfig" not in _config(plan)
    assert sum(c["resource"] == "TrainingJob" for c in plan["cost"]) == 3


def _run(inference: str, tmp_path: Path, **extra) -> object:
    opts = FlowOptions(rows=300, min_auc=0.0, steps=tuple(STEPS.split(",")), inference=inference,
                       backend_options={"role_arn": ROLE_ARN, "region": "us-east-1", "poll_s": 0.01}, **extra)
    return run_flow("sagemaker", opts, tmp_path / "run", RUN_ID)


def _nothing_left(fake) -> None:
    assert leftovers(fake, RUN_ID) == []
    assert fake.client("s3").list_buckets()["Buckets"] == []
    assert fake.client("sns").list_topics()["Topics"] == []
    aas = fake.client("application-autoscaling")
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []
    assert Ledger.load(ledger_dir() / f"{RUN_ID}.json").live() == []


def test_serverless_flow_counts_throttles_and_tears_down(fake, tmp_path):
    result = _run("serverless", tmp_path, max_concurrency=2, idle_timeout_s=1.5)
    assert result.ok, result.error
    info = result.step("invoke").data["inference"]
    assert info["measured"] == "client" and info["burst_callers"] == 4
    # the idle wait lets the fake go cold: 2 callers hold the slots through the cold start, the rest are throttled
    # (a caller that a loaded machine starts after the cold start ends may still get through)
    assert info["burst_ok"] >= 2 and info["burst_throttled"] >= 1 and info["burst_ok"] + info["burst_throttled"] == 4
    assert info["throttled"] == info["burst_throttled"]
    assert info["first_request_ms"] >= fake_inference.COLD_S * 1000  # the fake's cold start is in the first call
    assert "throttled at MaxConcurrency 2" in result.step("invoke").summary
    cfg_ops = [op for op in fake.faults.seen if op == "CreateEndpointConfig"]
    assert len(cfg_ops) == 1
    _nothing_left(fake)


@pytest.mark.parametrize("inference", ["async", "multi-model"])
def test_the_cli_runs_what_the_plan_showed_and_leaves_nothing(fake, inference):
    planned = [r["operation"] for r in _plan("--inference", inference, "--rows", "300")["requests"]
               if r["service"] != "s3"]
    res = run_cli(*AWS_ARGS, "--yes", "--json", "--rows", "300", "--inference", inference, "--steps", STEPS,
                  timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    sent = [op for op in fake.faults.seen if op in set(planned)]
    assert sent == planned  # the approved plan's create calls, in its order
    if inference == "multi-model":
        return
    summary = json.loads(res.stdout)
    assert [s["status"] for s in summary["steps"]] == ["ok"] * 6 + ["ok"]  # the six steps, then teardown
    assert next(s for s in summary["steps"] if s["name"] == "invoke")["summary"].startswith("async on SageMaker")
    assert leftovers(fake, summary["run_id"]) == [] and fake.client("sns").list_topics()["Topics"] == []
    assert ACCESS_KEY not in res.stdout + res.stderr and SECRET_KEY not in res.stdout + res.stderr


def test_async_flow_reads_outputs_and_failure_objects(fake, tmp_path):
    result = _run("async", tmp_path)
    assert result.ok, result.error
    invoke = result.step("invoke")
    info = invoke.data["inference"]
    assert info["completed"] == invoke.data["requests"] - 1 and info["failed"] == 1
    assert invoke.data["max_abs_diff_vs_local"] <= 1e-4
    assert "a scaling target with MinCapacity 0" in result.step("deploy").summary
    assert info["failure_location"].endswith("-error.out") and "/async-failure/" in info["failure_location"]
    failure_copy = tmp_path / "run" / "s3" / info["failure_location"].removeprefix("s3://")
    assert "unable to evaluate payload" in failure_copy.read_text()
    statuses = [json.loads(n["Message"])["invocationStatus"] for n in fake_inference.NOTIFICATIONS]
    assert statuses.count("Failed") == 1 and statuses.count("Completed") == info["completed"]
    assert {n["TopicArn"].rsplit(":", 1)[-1] for n in fake_inference.NOTIFICATIONS} == {
        f"sagecli-{RUN_ID}-async-success", f"sagecli-{RUN_ID}-async-error"}
    seen = fake.faults.seen
    assert seen.index("RegisterScalableTarget") > seen.index("CreateEndpoint")
    assert seen.index("DeleteScalingPolicy") < seen.index("DeregisterScalableTarget") < seen.index("DeleteEndpoint")
    assert seen.index("DeleteEndpoint") < seen.index("DeleteTopic")
    kinds = [e.kind for e in Ledger.load(ledger_dir() / f"{RUN_ID}.json").entries]
    assert {"SnsTopic", "ScalableTarget", "ScalingPolicy"} <= set(kinds)
    _nothing_left(fake)


def test_multi_model_flow_invokes_each_target(fake, tmp_path):
    result = _run("multi-model", tmp_path)
    assert result.ok, result.error
    invoke = result.step("invoke")
    info = invoke.data["inference"]
    assert info["loads"] == 3 and info["evictions"] is None and info["measured"] == "client"
    assert invoke.data["max_abs_diff_vs_local"] <= 1e-4
    assert "evictions not visible" in invoke.summary
    assert "SageMaker's own model cache" in result.step("deploy").summary
    assert "CreateModel" in fake.faults.seen
    _nothing_left(fake)


@pytest.mark.parametrize(("inference", "operation"), [
    ("async", "CreateTopic"), ("async", "RegisterScalableTarget"), ("async", "PutScalingPolicy"),
    ("serverless", "CreateEndpointConfig"), ("multi-model", "CreateModel")])
def test_failure_at_each_new_call_tears_everything_down(fake, tmp_path, inference, operation):
    fake.faults.fail = operation
    result = _run(inference, tmp_path)
    assert not result.ok and f"{operation} failed" in (result.error or "")
    fake.faults.fail = None
    assert result.step("teardown").status == "ok"
    _nothing_left(fake)


def test_async_failure_after_deploy_still_deletes_topics_and_scaling(fake, tmp_path, monkeypatch):
    from sagecli.flow.backends import sagemaker_inference

    def broken(*args, **kwargs):
        raise sagemaker_inference.SageCliError("InvokeEndpointAsync failed: injected")

    monkeypatch.setattr(sagemaker_inference, "invoke_async", broken)
    result = _run("async", tmp_path)
    assert not result.ok and result.step("invoke").status == "failed"
    _nothing_left(fake)


def test_mme_refuses_an_image_without_multi_model_support():
    from sagecli.aws.endpoint_calls import check_mme_image
    from sagecli.errors import SageCliError

    check_mme_image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
    with pytest.raises(SageCliError, match="no multi-model support"):
        check_mme_image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:0.90-1")


def test_cleanup_finds_tagged_topics_and_scaling_targets(fake):
    from sagecli.aws import endpoint_calls as ec
    from sagecli.aws.api_calls import tag_list

    other = "20251231-230000-0f0f0f"
    for run in (RUN_ID, other):  # what a crashed async run leaves: its topic and scaling target, no ledger
        fake.client("sns").create_topic(Name=f"sagecli-{run}-async-success", Tags=tag_list(run))
        fake.client("application-autoscaling").register_scalable_target(
            **ec.register_scalable_target(f"sagecli-demo-{run}", "AllTraffic", run).params)
    dry = run_cli("cleanup", "--run-id", RUN_ID, "--region", "us-east-1", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    found = {(f["kind"], f["run_id"]) for f in json.loads(dry.stdout)["found"]}
    assert found == {("SnsTopic", RUN_ID), ("ScalableTarget", RUN_ID)}
    done = run_cli("cleanup", "--run-id", RUN_ID, "--region", "us-east-1", "--yes")
    assert done.returncode == 0, done.stderr
    topics = [t["TopicArn"] for t in fake.client("sns").list_topics()["Topics"]]
    assert topics == [f"arn:aws:sns:us-east-1:123456789012:sagecli-{other}-async-success"]
    targets = fake.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")
    assert [t["ResourceId"] for t in targets["ScalableTargets"]] == [ec.resource_id(f"sagecli-demo-{other}",
                                                                                    "AllTraffic")]


@pytest.mark.parametrize(("code", "words"), [("ThrottlingException", "more concurrent requests than MaxConcurrency 3"),
                                             ("ModelNotReadyException", "not ready yet")])
def test_serverless_refusals_are_one_clear_line(code, words):
    from botocore.exceptions import ClientError

    from sagecli.contracts import Endpoint
    from sagecli.flow.backends import sagemaker_inference as smi

    class Backend:
        _observed = {"ep": smi.Observed("serverless", 2048, 3)}

    exc = ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "InvokeEndpoint")
    err = smi.invoke_error(Backend(), Endpoint(name="ep", status="InService"), exc)
    assert err is not None and err.message.startswith(f"InvokeEndpoint ep: {code}: ") and words in err.message
    assert Backend._observed["ep"].refused == {code: 1}
    other = ClientError({"Error": {"Code": "ModelError", "Message": "boom"}}, "InvokeEndpoint")
    assert smi.invoke_error(Backend(), Endpoint(name="ep", status="InService"), other) is None


def test_a_not_ready_serverless_model_is_retried_then_reported(monkeypatch):
    import io

    from botocore.exceptions import ClientError

    from sagecli.contracts import Endpoint
    from sagecli.flow.backends import sagemaker_inference as smi

    said: list[str] = []

    class Client:
        def __init__(self, failures: int) -> None:
            self.failures = failures

        def invoke_endpoint(self, **kwargs):
            if self.failures:
                self.failures -= 1
                error = {"Error": {"Code": "ModelNotReadyException", "Message": "not ready"}}
                raise ClientError(error, "InvokeEndpoint")
            return {"Body": io.BytesIO(b"0.5\n")}

    class Backend:
        def __init__(self, failures: int) -> None:
            self._observed = {"ep": smi.Observed("serverless", 2048, 3)}
            self._no_retry_runtime = Client(failures)

        def _say(self, step: str, message: str) -> None:
            said.append(message)

    monkeypatch.setattr(smi.time, "sleep", lambda s: None)
    ep = Endpoint(name="ep", status="InService")
    ok = Backend(2)
    assert smi.invoke_endpoint(ok, ep, {})[1] == b"0.5\n" and len(said) == 2
    assert ok._observed["ep"].refused == {"ModelNotReadyException": 2} and len(ok._observed["ep"].latencies_ms) == 1
    with pytest.raises(smi.SageCliError, match="ModelNotReadyException: the model is not ready yet"):
        smi.invoke_endpoint(Backend(len(smi.NOT_READY_WAITS_S) + 1), ep, {})


# -- scale out from zero: a StepScaling policy and a HasBacklogWithoutCapacity alarm (async-scale) ---------------
# https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html#async-inference-autoscale-scale-up

def _alarms(fake) -> list[dict]:
    return fake.client("cloudwatch").describe_alarms(AlarmNamePrefix="sagecli-")["MetricAlarms"]


def _record_calls(monkeypatch, fake, fail_step: bool = False) -> list[tuple[str, dict, dict]]:
    """(operation, request, response) of every call the run sends; the live alarm and policies after PutMetricAlarm.

    fail_step: the server rejects the StepScaling PutScalingPolicy (and only that one).
    """
    from sagecli.aws.executor import Executor

    sent: list[tuple[str, dict, dict]] = []
    original = Executor.call

    def call(self, api_call, **unvalidated):
        inject = fail_step and api_call.params.get("PolicyType") == "StepScaling"
        if inject:
            fake.faults.fail = "PutScalingPolicy"
        try:
            response = original(self, api_call, **unvalidated)
        finally:
            if inject:
                fake.faults.fail = None
        sent.append((api_call.operation, api_call.params, response))
        if api_call.operation == "PutMetricAlarm":  # what the fake holds now, before teardown
            aas = fake.client("application-autoscaling")
            sent.append(("live", {"alarms": _alarms(fake)},
                         {"policies": aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]}))
        return response

    monkeypatch.setattr(Executor, "call", call)
    return sent


def test_async_plan_has_the_step_policy_and_its_alarm_in_the_aws_guide_shape(fake):
    from sagecli.aws import endpoint_calls as ec

    plan = _plan("--inference", "async")  # every request validated against botocore's model
    reqs = plan["requests"]
    step = [r for r in reqs if r["operation"] == "PutScalingPolicy" and r["request"]["PolicyType"] == "StepScaling"]
    assert len(step) == 1 and step[0]["creates"] == "ScalingPolicy"
    policy = step[0]["request"]
    created = next(r["request"] for r in reqs if r["operation"] == "CreateEndpoint")
    endpoint = created["EndpointName"]
    assert policy["ResourceId"] == f"endpoint/{endpoint}/variant/AllTraffic"
    assert policy["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert policy["StepScalingPolicyConfiguration"] == {
        "AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Average", "Cooldown": 300,
        "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]}
    alarm_req = [r for r in reqs if r["operation"] == "PutMetricAlarm"]
    assert [(r["service"], r["creates"]) for r in alarm_req] == [("cloudwatch", "CloudWatchAlarm")]
    alarm = alarm_req[0]["request"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/SageMaker", "HasBacklogWithoutCapacity", "Average")
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": endpoint}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["Period"], alarm["EvaluationPeriods"],
            alarm["DatapointsToAlarm"]) == (1.0, "GreaterThanOrEqualToThreshold", 60, 2, 2)
    assert alarm["Tags"] == created["Tags"]  # sagecli:run-id, so `sagecli cleanup` finds it by tag
    # the action is the step policy: its ARN with AWS's policy id left as a placeholder in the plan
    assert alarm["AlarmActions"] == [ec.policy_arn("us-east-1", "123456789012", endpoint, "AllTraffic",
                                                   policy["PolicyName"])]
    assert alarm["AlarmActions"][0].endswith(f":resource/sagemaker/{policy['ResourceId']}:"
                                             f"policyName/{policy['PolicyName']}")
    assert [r["operation"] for r in reqs].index("PutMetricAlarm") > reqs.index(step[0])
    note = next(n for n in plan["notes"] if "HasBacklogWithoutCapacity" in n)
    assert "not created" not in note and "async-inference-autoscale.html" in note


def test_async_alarm_action_is_the_policy_arn_aws_returned_and_teardown_deletes_both(fake, tmp_path, monkeypatch):
    sent = _record_calls(monkeypatch, fake)
    result = _run("async", tmp_path)
    assert result.ok, result.error
    step = next(resp for op, req, resp in sent if op == "PutScalingPolicy" and req["PolicyType"] == "StepScaling")
    alarm_req = next(req for op, req, _ in sent if op == "PutMetricAlarm")
    assert alarm_req["AlarmActions"] == [step["PolicyARN"]] and "<policy-id>" not in step["PolicyARN"]
    live = next((req, resp) for op, req, resp in sent if op == "live")
    assert [(a["AlarmName"], a["AlarmActions"]) for a in live[0]["alarms"]] == [
        (alarm_req["AlarmName"], [step["PolicyARN"]])]
    live_step = [p for p in live[1]["policies"] if p["PolicyType"] == "StepScaling"]
    assert [p["PolicyARN"] for p in live_step] == [step["PolicyARN"]]
    seen = fake.faults.seen
    assert seen.index("PutMetricAlarm") > seen.index("RegisterScalableTarget") > seen.index("CreateEndpoint")
    # teardown: the alarm first (it points at the policy), both policies, then the target and the endpoint
    assert seen.index("DeleteAlarms") < seen.index("DeleteScalingPolicy") < seen.index("DeregisterScalableTarget")
    assert seen.count("DeleteScalingPolicy") == 2
    ledger = Ledger.load(ledger_dir() / f"{RUN_ID}.json")
    states = {(e.kind, e.name): e.state for e in ledger.entries if e.kind in ("CloudWatchAlarm", "ScalingPolicy")}
    assert len(states) == 3 and set(states.values()) == {"deleted"}
    assert (next(e.arn for e in ledger.entries if e.kind == "ScalingPolicy" and e.name.endswith("-from-zero"))
            == step["PolicyARN"])
    assert _alarms(fake) == []
    _nothing_left(fake)


@pytest.mark.parametrize("where", ["PutMetricAlarm", "StepScaling", "invoke"])
def test_async_teardown_after_an_injected_failure_deletes_the_alarm_and_policies(fake, tmp_path, monkeypatch, where):
    from sagecli.flow.backends import sagemaker_inference

    sent = _record_calls(monkeypatch, fake, fail_step=where == "StepScaling")
    if where == "PutMetricAlarm":
        fake.faults.fail = "PutMetricAlarm"
    if where == "invoke":  # after the alarm exists
        def broken(*args, **kwargs):
            raise sagemaker_inference.SageCliError("InvokeEndpointAsync failed: injected")

        monkeypatch.setattr(sagemaker_inference, "invoke_async", broken)
    result = _run("async", tmp_path)
    fake.faults.fail = None
    assert not result.ok and result.step("teardown").status == "ok"
    if where == "invoke":
        assert result.step("invoke").status == "failed" and "PutMetricAlarm" in [op for op, _, _ in sent]
        assert "DeleteAlarms" in fake.faults.seen
    else:
        assert "PutScalingPolicy failed" in result.error if where == "StepScaling" else \
            "PutMetricAlarm failed" in result.error
        assert "PutMetricAlarm" not in [op for op, _, _ in sent]
    kinds = {e.kind: e.state for e in Ledger.load(ledger_dir() / f"{RUN_ID}.json").entries}
    assert "ScalingPolicy" in kinds and "ScalableTarget" in kinds
    assert _alarms(fake) == []
    _nothing_left(fake)  # no scaling policy, no scaling target, no topic, no endpoint


def test_cleanup_finds_the_backlog_alarm_by_its_tag(fake):
    from sagecli.aws import endpoint_calls as ec

    other = "20251231-230000-0f0f0f"
    for run in (RUN_ID, other):  # a crashed async run: its target, step policy and alarm, no ledger
        endpoint = f"sagecli-demo-{run}"
        aas = fake.client("application-autoscaling")
        aas.register_scalable_target(**ec.register_scalable_target(endpoint, "AllTraffic", run).params)
        arn = aas.put_scaling_policy(**ec.scale_out_policy(endpoint, "AllTraffic").params)["PolicyARN"]
        fake.client("cloudwatch").put_metric_alarm(**ec.backlog_alarm(endpoint, arn, run).params)
    dry = run_cli("cleanup", "--run-id", RUN_ID, "--region", "us-east-1", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    found = {(f["kind"], f["name"]) for f in json.loads(dry.stdout)["found"]}
    assert found == {("CloudWatchAlarm", ec.backlog_alarm_name(f"sagecli-demo-{RUN_ID}")),
                     ("ScalableTarget", ec.resource_id(f"sagecli-demo-{RUN_ID}", "AllTraffic"))}
    done = run_cli("cleanup", "--run-id", RUN_ID, "--region", "us-east-1", "--yes")
    assert done.returncode == 0, done.stderr
    assert [a["AlarmName"] for a in _alarms(fake)] == [ec.backlog_alarm_name(f"sagecli-demo-{other}")]
