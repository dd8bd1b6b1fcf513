"""run-demo --rollout on SageMaker: every request of the rollout, built as ApiCall values (plan and run alike).

The second version gets its own training job, model and endpoint config; the endpoint moves to it with
UpdateEndpoint and a DeploymentConfig (blue/green or rolling, with CloudWatch alarms for auto-rollback),
with ShadowProductionVariants (shadow) or with two weighted production variants (A/B). Sources:
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeploymentConfig.html
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sagecli.aws import api_calls as calls
from sagecli.aws.api_calls import ApiCall, tag_list
from sagecli.contracts import RolloutSpec

NEW_VERSION = ("v2", {"max_depth": "6", "eta": "0.3"})  # the second version's name and hyperparameters (both backends)
NEW_NAME = NEW_VERSION[0]
VARIANT = "AllTraffic"  # the deploy step's production variant; blue/green and rolling keep the name
AB_OLD, AB_NEW = "VariantA", "VariantB"  # sagecli/flow/rollout_plan.py's names, so both backends report alike
SHADOW = "ShadowVariant"
BLUE_GREEN = {"all-at-once": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}
# A canary or linear step is at most 50 % of the green fleet, in whole instances: one instance cannot be split
# (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html), so the new
# fleet of a gradual update has two instances. Rolling replaces a batch of a fleet: two as well.
GRADUAL_FLEET = 2
ALARM_PERIOD_S = 60  # SageMaker publishes endpoint metrics every minute
# https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (Invocation5XXErrors, ModelLatency)


def fleet_size(strategy: str) -> int:
    """Instances of the new version's fleet (per variant for A/B and shadow)."""
    return GRADUAL_FLEET if strategy in ("canary", "linear", "rolling") else 1


def new_variant(strategy: str) -> str:
    """The variant whose metrics the alarms watch (blue/green and rolling keep the variant name)."""
    return {"ab": AB_NEW, "shadow": SHADOW}.get(strategy, VARIANT)


def alarm_names(endpoint: str, strategy: str) -> list[str]:
    """The two alarms' names: errors and latency on the new variant."""
    v = new_variant(strategy)
    return [f"{endpoint}-{v}-5xx"[:255], f"{endpoint}-{v}-latency"[:255]]


def metric_alarms(spec: RolloutSpec, endpoint: str, run_id: str) -> list[ApiCall]:
    """PutMetricAlarm on the new variant's Invocation5XXErrors (Sum) and ModelLatency (Average, microseconds)."""
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": new_variant(spec.strategy)}]
    errors, latency = alarm_names(endpoint, spec.strategy)
    common = {"Namespace": "AWS/SageMaker", "Dimensions": dims, "Period": ALARM_PERIOD_S, "EvaluationPeriods": 1,
              "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
              "Tags": tag_list(run_id)}
    out = [ApiCall("cloudwatch", "PutMetricAlarm",
                   {"AlarmName": errors, "MetricName": "Invocation5XXErrors", "Statistic": "Sum",
                    "Threshold": float(spec.error_threshold), **common}, "CloudWatchAlarm", errors,
                   f"{dims[1]['Value']} Invocation5XXErrors > {spec.error_threshold}/min"),
           ApiCall("cloudwatch", "PutMetricAlarm",
                   {"AlarmName": latency, "MetricName": "ModelLatency", "Statistic": "Average", "Unit": "Microseconds",
                    "Threshold": float(spec.latency_threshold_ms * 1000), **common}, "CloudWatchAlarm", latency,
                   f"{dims[1]['Value']} ModelLatency > {spec.latency_threshold_ms:g} ms")]
    return out


def _capacity(percent: float) -> dict[str, Any]:
    return {"Type": "CAPACITY_PERCENT", "Value": max(1, int(percent))}


def deployment_config(spec: RolloutSpec, alarms: list[str]) -> dict[str, Any] | None:
    """UpdateEndpoint's DeploymentConfig for a strategy (None: A/B and shadow update without guardrails)."""
    rollback = {"Alarms": [{"AlarmName": a} for a in alarms]}
    wait = int(math.ceil(spec.wait_interval_s))
    if spec.strategy in BLUE_GREEN:
        routing: dict[str, Any] = {"Type": BLUE_GREEN[spec.strategy], "WaitIntervalInSeconds": wait}
        if spec.strategy == "canary":
            routing["CanarySize"] = _capacity(spec.canary_percent)
        if spec.strategy == "linear":
            routing["LinearStepSize"] = _capacity(spec.linear_step_percent)
        policy = {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": int(math.ceil(spec.bake_s)),
                  "MaximumExecutionTimeoutInSeconds": int(spec.max_execution_s)}
        return {"BlueGreenUpdatePolicy": policy, "AutoRollbackConfiguration": rollback}
    if spec.strategy == "rolling":
        policy = {"MaximumBatchSize": _capacity(spec.rolling_batch_percent), "WaitIntervalInSeconds": wait,
                  "MaximumExecutionTimeoutInSeconds": int(spec.max_execution_s),
                  "RollbackMaximumBatchSize": _capacity(100)}
        return {"RollingUpdatePolicy": policy, "AutoRollbackConfiguration": rollback}
    return None


def _variant(name: str, model: str, instance_type: str, count: int, weight: float) -> dict[str, Any]:
    return {"VariantName": name, "ModelName": model, "InstanceType": instance_type, "InitialInstanceCount": count,
            "InitialVariantWeight": weight}


def endpoint_config(*, strategy: str, name: str, old_model: str, new_model: str, instance_type: str, run_id: str,
                    capture_uri: str, sampling_percentage: int = 100, shadow_percent: int = 100) -> ApiCall:
    """CreateEndpointConfig for the second version: one variant (blue/green, rolling), two (A/B), or a shadow."""
    count = fleet_size(strategy)
    if strategy == "ab":  # the new variant starts at weight 0; UpdateEndpointWeightsAndCapacities moves it
        variants = [_variant(AB_OLD, old_model, instance_type, 1, 1.0), _variant(AB_NEW, new_model, instance_type,
                                                                                 1, 0.0)]
    elif strategy == "shadow":
        variants = [_variant(VARIANT, old_model, instance_type, 1, 1.0)]
    else:
        variants = [_variant(VARIANT, new_model, instance_type, count, 1.0)]
    params: dict[str, Any] = {
        "EndpointConfigName": name, "ProductionVariants": variants,
        "DataCaptureConfig": {"EnableCapture": True, "InitialSamplingPercentage": sampling_percentage,
                              "DestinationS3Uri": capture_uri,
                              "CaptureOptions": [{"CaptureMode": m} for m in calls.CAPTURE_MODES],
                              "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"]}},
        "Tags": tag_list(run_id)}
    if strategy == "shadow":
        # ProductionVariant has no SamplingPercentage (that is CreateInferenceExperiment's ShadowModelVariantConfig,
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ShadowModelVariantConfig.html); here the
        # shadow's weight stands for the copied share, an unverified reading: the demo only uses 100 %, weight 1.0
        # equal to the production variant's. One shadow, then one production variant
        # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html)
        params["ShadowProductionVariants"] = [_variant(SHADOW, new_model, instance_type, 1, shadow_percent / 100)]
    what = {"ab": f"{AB_OLD} v1 w=1, {AB_NEW} v2 w=0",
            "shadow": f"{VARIANT} v1 + shadow v2, {shadow_percent}%"}.get(
        strategy, f"v2: {VARIANT}, {count} x {instance_type}")
    return ApiCall("sagemaker", "CreateEndpointConfig", params, "EndpointConfig", name,
                   what)


def update_endpoint(endpoint: str, config: str, deployment: Mapping[str, Any] | None, why: str) -> ApiCall:
    """UpdateEndpoint to another config (with a DeploymentConfig for guarded updates)."""
    params: dict[str, Any] = {"EndpointName": endpoint, "EndpointConfigName": config}
    if deployment:
        params["DeploymentConfig"] = dict(deployment)
    return ApiCall("sagemaker", "UpdateEndpoint", params, None, endpoint, why)


def update_weights(endpoint: str, weights: Mapping[str, float]) -> ApiCall:
    """UpdateEndpointWeightsAndCapacities: new weights without a redeploy."""
    params = {"EndpointName": endpoint, "DesiredWeightsAndCapacities": [
        {"VariantName": n, "DesiredWeight": float(w)} for n, w in weights.items()]}
    shown = ":".join(f"{w:g}" for w in weights.values())
    return ApiCall("sagemaker", "UpdateEndpointWeightsAndCapacities", params, None, endpoint, f"weights {shown}")


AB_STEPS: list[dict[str, float]] = [{AB_OLD: 9.0, AB_NEW: 1.0}, {AB_OLD: 1.0, AB_NEW: 1.0}]  # rollout_plan's phases


def rollout_calls(*, spec: RolloutSpec, endpoint: str, names: Mapping[str, str], old_model: str, new_artifact: str,
                  image: str, role_arn: str, instance_type: str, run_id: str, capture_uri: str,
                  sampling_percentage: int = 100) -> list[ApiCall]:
    """The rollout's calls after the second training job, in order (names: model, config, promote)."""
    out = [calls.create_model(names["model"], image, new_artifact, role_arn, run_id)]
    out += metric_alarms(spec, endpoint, run_id)
    out.append(endpoint_config(strategy=spec.strategy, name=names["config"], old_model=old_model,
                               new_model=names["model"], instance_type=instance_type, run_id=run_id,
                               capture_uri=capture_uri, sampling_percentage=sampling_percentage))
    deployment = deployment_config(spec, alarm_names(endpoint, spec.strategy))
    why = {"ab": "add VariantB at weight 0", "shadow": "add the shadow variant"}.get(
        spec.strategy, f"to v2, {spec.strategy}, rollback on the 2 alarms")
    out.append(update_endpoint(endpoint, names["config"], deployment, why))
    if spec.strategy == "ab":
        out += [update_weights(endpoint, w) for w in AB_STEPS]
    if spec.strategy == "shadow":  # promote when the shadow stayed healthy
        out.append(endpoint_config(strategy="all-at-once", name=names["promote"], old_model=old_model,
                                   new_model=names["model"], instance_type=instance_type, run_id=run_id,
                                   capture_uri=capture_uri, sampling_percentage=sampling_percentage))
        out.append(update_endpoint(endpoint, names["promote"], None, "promote v2 if the alarms stay OK"))
    return out


def rollout_names(layout: Any) -> dict[str, str]:
    """Resource names of the rollout under a run's Layout."""
    return {"job": layout.name(NEW_NAME), "model": layout.name(f"model-{NEW_NAME}"),
            "config": layout.name(f"config-{NEW_NAME}"), "promote": layout.name(f"config-{NEW_NAME}-promoted")}


def plan_rollout(spec: Any, lay: Any, earlier: list[ApiCall]) -> list[ApiCall]:
    """The rollout's part of the plan (spec: aws.plan.PlanSpec with .rollout): the v2 training job, then the rest."""
    from dataclasses import replace

    names = rollout_names(lay)
    first = next((c for c in earlier if c.operation == "CreateTrainingJob"), None)
    out: list[ApiCall] = []
    if first is not None:
        params = {**first.params, "TrainingJobName": names["job"],
                  "HyperParameters": {**first.params["HyperParameters"], **NEW_VERSION[1]}}
        res = params["ResourceConfig"]
        out.append(replace(first, params=params, name=names["job"],
                           summary=f"v2, {res['InstanceCount']} x {res['InstanceType']}: "
                                   + " ".join(f"{k}={v}" for k, v in NEW_VERSION[1].items())))
    artifact = lay.uri("output", names["job"], "output", "model.tar.gz")
    out += rollout_calls(spec=spec.rollout, endpoint=lay.endpoint, names=names, old_model=lay.name("model"),
                         new_artifact=artifact, image=spec.image, role_arn=spec.role_arn,
                         instance_type=spec.instance_type, run_id=spec.run_id, capture_uri=lay.uri("datacapture"),
                         sampling_percentage=spec.sampling_percentage)
    return out


def tagged_alarms(aws: Any, run_id: str | None) -> list[tuple[str, str, str, Any]]:
    """(name, ARN, run id, updated) of every sagecli-tagged CloudWatch alarm, for `sagecli cleanup` by tag."""
    cw = aws.client("cloudwatch")
    out = []
    for page in cw.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            try:
                tags = cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", [])
            except Exception:  # noqa: BLE001 - an alarm whose tags we cannot read is not provably ours
                continue
            tag = next((t["Value"] for t in tags if t["Key"] == calls.TAG_KEY), None)
            if tag is not None and (run_id is None or tag == run_id):
                updated = alarm.get("AlarmConfigurationUpdatedTimestamp")
                out.append((alarm["AlarmName"], alarm["AlarmArn"], tag, updated))
    return out
