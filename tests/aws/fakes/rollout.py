"""Fake SageMaker for run-demo --rollout: endpoint updates with guardrails, shadow variants, weights, TargetVariant.

moto 5.2 has no UpdateEndpoint, drops ShadowProductionVariants and serves every request from the first
production variant. Here:
- CreateEndpointConfig, UpdateEndpoint and UpdateEndpointWeightsAndCapacities requests are validated against
  botocore's model first (a request SageMaker's model refuses fails here too), and kept in REQUESTS;
- UpdateEndpoint sets Updating; each DescribeEndpoint then moves one step through the deployment (the new
  variant's VariantStatus in PendingDeploymentSummary: Creating, ActivatingTraffic, Baking per traffic step or
  batch) and ends InService on the new config with LastDeploymentConfig. An alarm named in
  AutoRollbackConfiguration in state ALARM (moto's CloudWatch) turns the update into RollingBack, then InService
  on the old config. CONTROL["alarm_after"] = n puts the endpoint's first alarm into ALARM after n
  DescribeEndpoint calls following the first update (as if its metric breached);
- InvokeEndpoint honours TargetVariant and the variants' weights, and counts copies sent to a shadow variant.
"""

from __future__ import annotations

import json
import math
import random
import threading
from typing import Any

# fail_config: refuse this config name; update_fails: the update ends Failed with this reason
CONTROL: dict[str, Any] = {"alarm_after": None, "fail_config": None, "update_fails": None}
REQUESTS: list[tuple[str, dict[str, Any]]] = []  # (operation, request) as received
SHADOW_COPIES: dict[str, int] = {}  # endpoint -> requests copied to its shadow variant
_UPDATES: dict[str, dict[str, Any]] = {}  # endpoint -> the update in progress
_SHADOWS: dict[str, list[dict[str, Any]]] = {}  # endpoint config -> ShadowProductionVariants
_LAST: dict[str, dict[str, Any]] = {}  # endpoint -> LastDeploymentConfig
_POLLS: dict[str, int] = {}  # endpoint -> DescribeEndpoint calls since its first update
_LOCAL = threading.local()
_RNG = random.Random(5)


def reset() -> None:
    """Forget every update, request and control setting."""
    CONTROL.update(alarm_after=None, fail_config=None, update_fails=None)
    REQUESTS.clear()
    for table in (SHADOW_COPIES, _UPDATES, _SHADOWS, _LAST, _POLLS):
        table.clear()


def _steps(deployment: dict[str, Any]) -> list[str]:
    """The new fleet's VariantStatus, one per DescribeEndpoint, for a DeploymentConfig."""
    bg = deployment.get("BlueGreenUpdatePolicy")
    if bg:
        routing = bg["TrafficRoutingConfiguration"]
        shifts = {"ALL_AT_ONCE": 1, "CANARY": 2}.get(routing["Type"])
        if shifts is None:
            shifts = math.ceil(100 / routing["LinearStepSize"]["Value"])
        return ["Creating"] + ["ActivatingTraffic", "Baking"] * shifts
    rolling = deployment.get("RollingUpdatePolicy")
    if rolling:
        return ["Creating", "ActivatingTraffic", "Baking"] * math.ceil(100 / rolling["MaximumBatchSize"]["Value"])
    return ["Creating", "ActivatingTraffic"]


def _cloudwatch() -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    from tests.aws.fake_sagemaker import ACCOUNT, REGION

    return cloudwatch_backends[ACCOUNT][REGION]


def _endpoint_alarms(endpoint: str) -> list[Any]:
    return [a for a in _cloudwatch().alarms.values()
            if any(getattr(d, "value", None) == endpoint or (isinstance(d, dict) and d.get("Value") == endpoint)
                   for d in a.dimensions)]


def _breach(endpoint: str) -> None:
    """CONTROL["alarm_after"]: the endpoint's first alarm goes to ALARM once enough polls have passed."""
    after = CONTROL["alarm_after"]
    if after is None or endpoint not in _POLLS:
        return
    _POLLS[endpoint] += 1
    alarms = sorted(_endpoint_alarms(endpoint), key=lambda a: a.name)
    if _POLLS[endpoint] >= after and alarms and alarms[0].state_value != "ALARM":
        _cloudwatch().set_alarm_state(alarms[0].name, "fake: the new variant's metric breached", None, "ALARM")


def _advance(backend: Any, name: str) -> None:
    """One DescribeEndpoint's worth of progress for an update in flight."""
    up = _UPDATES.get(name)
    endpoint = backend.endpoints.get(name)
    if up is None or endpoint is None:
        return
    if up["state"] == "RollingBack":
        endpoint.endpoint_status = "InService"
        _LAST[name] = up["deployment"]
        del _UPDATES[name]
        return
    names = [a["AlarmName"] for a in (up["deployment"].get("AutoRollbackConfiguration") or {}).get("Alarms", [])]
    states = {a.name: a.state_value for a in _cloudwatch().alarms.values()}
    if any(states.get(n) == "ALARM" for n in names):
        up["state"] = endpoint.endpoint_status = "RollingBack"
        return
    up["step"] += 1
    if up["step"] < len(up["steps"]):
        return
    if CONTROL["update_fails"]:
        endpoint.endpoint_status, endpoint.failure_reason = "Failed", CONTROL["update_fails"]
        del _UPDATES[name]
        return
    cfg = backend.endpoint_configs[up["new"]]
    endpoint.endpoint_config_name = up["new"]
    endpoint.production_variants = endpoint._process_production_variants(cfg.production_variants)
    endpoint.endpoint_status = "InService"
    _LAST[name] = up["deployment"]
    del _UPDATES[name]


def _describe(backend: Any, name: str) -> dict[str, Any]:
    desc = dict(backend.describe_endpoint(name))
    shadows = _SHADOWS.get(desc.get("EndpointConfigName", ""))
    if shadows:
        desc["ShadowProductionVariants"] = [
            {"VariantName": v["VariantName"], "CurrentWeight": v.get("InitialVariantWeight", 1.0),
             "DesiredWeight": v.get("InitialVariantWeight", 1.0), "CurrentInstanceCount": v["InitialInstanceCount"],
             "DesiredInstanceCount": v["InitialInstanceCount"]} for v in shadows]
    desc["ProductionVariants"] = [{k: v for k, v in p.items() if v is not None}
                                  for p in desc.get("ProductionVariants", [])]
    up = _UPDATES.get(name)
    if up is not None:
        status = up["steps"][min(up["step"], len(up["steps"]) - 1)]
        new = backend.endpoint_configs[up["new"]]
        desc["PendingDeploymentSummary"] = {"EndpointConfigName": up["new"], "ProductionVariants": [
            {"VariantName": v["VariantName"], "VariantStatus": [
                {"Status": status, "StatusMessage": f"step {up['step'] + 1} of {len(up['steps'])}"}]}
            for v in new.production_variants]}
    if name in _LAST:
        desc["LastDeploymentConfig"] = _LAST[name]
    return desc


def _invoke(orig: Any, url: str, endpoint: str, body: bytes, content_type: str, accept: str,
            inference_id: str | None) -> tuple[int, dict[str, str], bytes]:
    """TargetVariant and weights over several production variants; a copy to the shadow, never returned."""
    from tests.aws import fake_sagemaker as fs

    sm, _ = fs._backends()
    target = getattr(_LOCAL, "target", None)
    ep = sm.endpoints.get(endpoint)
    if ep is None or not content_type.startswith("text/csv"):
        return orig(url, endpoint, body, content_type, accept, inference_id)
    cfg = sm.endpoint_configs[ep.endpoint_config_name]
    if cfg.endpoint_config_name in _SHADOWS:
        SHADOW_COPIES[endpoint] = SHADOW_COPIES.get(endpoint, 0) + 1
    variants = cfg.production_variants
    if len(variants) == 1 and target in (None, variants[0]["VariantName"]):
        return orig(url, endpoint, body, content_type, accept, inference_id)
    if target is not None:
        chosen = next((v for v in variants if v["VariantName"] == target), None)
        if chosen is None:
            msg = {"__type": "ValidationError", "message": f"Variant {target} not found for endpoint {endpoint}."}
            return 400, {"status": "400", "x-amzn-ErrorType": "ValidationError"}, json.dumps(msg).encode()
    else:
        weights = {p["VariantName"]: p.get("CurrentWeight", 1.0) or 0.0 for p in ep.production_variants}
        chosen = _RNG.choices(variants, [weights.get(v["VariantName"], 0.0) for v in variants])[0]
    model = sm._models[chosen["ModelName"]].primary_container["ModelDataUrl"]
    x, _ = fs._matrix(body, False)
    scores = fs.predict(fs.load_booster(url, model), x)
    out = ("\n".join(f"{s:.7g}" for s in scores) + "\n").encode()
    return 200, {"Content-Type": "text/csv; charset=utf-8",
                 "x-Amzn-Invoked-Production-Variant": chosen["VariantName"]}, out


def patches(url_box: dict[str, str]) -> list[Any]:
    """mock.patch objects adding the behaviour above to moto's SageMaker responses."""
    from unittest import mock

    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    from sagecli.aws.validate import problems_for
    from tests.aws import fake_sagemaker as fs

    def checked(operation: str, body: Any) -> dict[str, Any]:
        params = json.loads(body)
        problems = problems_for("sagemaker", operation, params)
        if problems:
            raise ValidationError(message=f"{operation}: {problems[0]}")
        REQUESTS.append((operation, params))
        return params

    orig_config = SageMakerResponse.create_endpoint_config

    def create_endpoint_config(self: Any) -> Any:
        params = checked("CreateEndpointConfig", self.body)
        if params["EndpointConfigName"] == CONTROL["fail_config"]:
            raise ValidationError(message=f"injected failure of CreateEndpointConfig {CONTROL['fail_config']}")
        shadows = params.get("ShadowProductionVariants") or []
        if shadows and len(shadows) > 1 or shadows and len(params["ProductionVariants"]) > 1:
            raise ValidationError(message="at most one shadow variant, and then one production variant")
        result = orig_config(self)
        if shadows:
            self.sagemaker_backend.validate_production_variants(shadows)
            _SHADOWS[params["EndpointConfigName"]] = shadows
        return result

    def update_endpoint(self: Any) -> Any:
        params = checked("UpdateEndpoint", self.body)
        backend, name = self.sagemaker_backend, params["EndpointName"]
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            raise ValidationError(message=f"Could not find endpoint \"{name}\".")
        if endpoint.endpoint_status != "InService":
            raise ValidationError(message=f"Cannot update in-progress endpoint \"{endpoint.arn}\".")
        if params["EndpointConfigName"] not in backend.endpoint_configs:
            raise ValidationError(message=f"Could not find endpoint configuration \"{params['EndpointConfigName']}\".")
        deployment = params.get("DeploymentConfig") or {}
        known = {a.name for a in _cloudwatch().alarms.values()}
        for alarm in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms", []):
            if alarm["AlarmName"] not in known:
                raise ValidationError(message=f"Alarm {alarm['AlarmName']} does not exist.")
        _UPDATES[name] = {"old": endpoint.endpoint_config_name, "new": params["EndpointConfigName"],
                          "deployment": deployment, "steps": _steps(deployment), "step": 0, "state": "Updating"}
        _POLLS.setdefault(name, 0)
        endpoint.endpoint_status = "Updating"
        return ActionResult({"EndpointArn": endpoint.arn})

    orig_weights = SageMakerResponse.update_endpoint_weights_and_capacities

    def update_weights(self: Any) -> Any:
        checked("UpdateEndpointWeightsAndCapacities", self.body)
        return orig_weights(self)

    def describe_endpoint(self: Any) -> Any:
        name = self._get_param("EndpointName")
        backend = self.sagemaker_backend
        if name not in backend.endpoints:
            return orig_describe(self)
        _breach(name)
        _advance(backend, name)
        return ActionResult(_describe(backend, name))

    orig_describe = SageMakerResponse.describe_endpoint
    orig_setup = SageMakerRuntimeResponse.setup_class

    def setup_class(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = orig_setup(self, *args, **kwargs)
        _LOCAL.target = self.headers.get("X-Amzn-SageMaker-Target-Variant")
        return result

    orig_invoke = fs.invoke_like_sagemaker

    def invoke(*args: Any) -> Any:
        return _invoke(orig_invoke, *args)

    return [
        mock.patch.object(SageMakerResponse, "create_endpoint_config", create_endpoint_config),
        mock.patch.object(SageMakerResponse, "update_endpoint", update_endpoint, create=True),
        mock.patch.object(SageMakerResponse, "update_endpoint_weights_and_capacities", update_weights),
        mock.patch.object(SageMakerResponse, "describe_endpoint", describe_endpoint),
        mock.patch.object(SageMakerRuntimeResponse, "setup_class", setup_class),
        mock.patch.object(fs, "invoke_like_sagemaker", invoke),
    ]
