"""What moto 5.2 lacks for `--inference serverless|async|multi-model` on the fake SageMaker (test-only).

- InvokeEndpoint with TargetModel on a Mode MultiModel model scores with `<ModelDataUrl><TargetModel>`;
- InvokeEndpoint on a ServerlessConfig variant admits MaxConcurrency requests at a time and answers the rest
  with ThrottlingException; a cold endpoint (first request, or idle for COLD_AFTER_S) takes COLD_S to start.
  Both hook fake_sagemaker's load_booster and predict (looked up by module name at call time), so they hold
  under any wrapper of its InvokeEndpoint (fakes/rollout.py wraps invoke_like_sagemaker);
- InvokeEndpointAsync reads the input object, then (a moment later, in a thread) writes `<S3OutputPath>/<id>.out`
  or `<S3FailurePath>/<id>-error.out` and publishes an SNS-shaped notification to the Success/Error topic
  (moto's SNS: publishing to a deleted topic fails, so the topics must live as long as the endpoint).
- RegisterScalableTarget keeps its Tags and ListTagsForResource reads them (moto 5.2 drops them and lacks it),
  so `sagecli cleanup` can find a tagged scaling target.
Requests are validated against botocore's sagemaker-runtime model; an invalid one is a ValidationError.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.aws import fake_sagemaker as fs

COLD_S = 1.0  # long enough that a burst's callers all arrive while the first ones start
COLD_AFTER_S = 1.0  # idle this long and the next request starts cold
ASYNC_DELAY_S = 0.05
NOTIFICATIONS: list[dict[str, Any]] = []  # every notification published, in order (topic ARN + message)
_REQUEST = threading.local()
_LOCK = threading.Lock()
_IN_FLIGHT: dict[str, int] = {}
_LAST_SEEN: dict[str, float] = {}


def reset() -> None:
    """Forget notifications and serverless state (tests call it; the server reset keeps moto's side clean)."""
    NOTIFICATIONS.clear()
    _TARGET_TAGS.clear()
    _IN_FLIGHT.clear()
    _LAST_SEEN.clear()


def _error(code: str, message: str, status: int = 400) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, {"status": str(status), "x-amzn-ErrorType": code, "Content-Type": "application/json"}, body


def _invalid(operation: str, params: dict[str, Any]) -> tuple[int, dict[str, str], bytes] | None:
    from sagecli.aws.validate import problems_for

    problems = problems_for("sagemaker-runtime", operation, {k: v for k, v in params.items() if v is not None})
    return _error("ValidationError", f"{operation}: {problems[0]}") if problems else None


def _config(endpoint: str) -> tuple[Any, Any, Any] | None:
    sm, _ = fs._backends()
    if endpoint not in sm.endpoints:
        return None
    cfg = sm.endpoint_configs[sm.endpoints[endpoint].endpoint_config_name]
    variant = cfg.production_variants[0]
    return cfg, variant, sm._models[variant["ModelName"]].primary_container


def _score(url: str, model_data_url: str, body: bytes) -> bytes:
    x, _ = fs._matrix(body, False)
    return ("\n".join(f"{s:.7g}" for s in fs.predict(fs.load_booster(url, model_data_url), x)) + "\n").encode()


def _refuse(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def load_booster(original: Any, url: str, model_data_url: str) -> Any:
    """A multi-model ModelDataUrl is a prefix: the request's TargetModel names the model.tar.gz under it."""
    if not model_data_url.endswith("/"):
        return original(url, model_data_url)
    target = getattr(_REQUEST, "target", None)
    if not target:
        raise _refuse("ValidationError", "TargetModel is required for a multi-model endpoint")
    bad = _invalid("InvokeEndpoint", {"EndpointName": getattr(_REQUEST, "endpoint", "x"), "Body": b"",
                                      "ContentType": "text/csv", "TargetModel": target})
    if bad:
        raise _refuse("ValidationError", json.loads(bad[2])["message"])
    try:
        return original(url, model_data_url + target)
    except Exception as exc:  # a missing model.tar.gz
        raise _refuse("ValidationError", f"Failed to download model data {model_data_url + target}: {exc}") from None


def predict(original: Any, booster: Any, x: Any) -> list[float]:
    """On a serverless endpoint: MaxConcurrency requests at a time (the rest throttled), a cold start when idle."""
    endpoint = getattr(_REQUEST, "endpoint", None)
    found = _config(endpoint) if endpoint else None
    serverless = found[1].get("ServerlessConfig") if found else None
    if not serverless:
        return original(booster, x)
    with _LOCK:
        if _IN_FLIGHT.get(endpoint, 0) >= serverless["MaxConcurrency"]:
            raise _refuse("ThrottlingException", "Rate exceeded")
        _IN_FLIGHT[endpoint] = _IN_FLIGHT.get(endpoint, 0) + 1
        cold = time.monotonic() - _LAST_SEEN.get(endpoint, -1e9) > COLD_AFTER_S
    try:
        if cold:
            time.sleep(COLD_S)
        return original(booster, x)
    finally:
        with _LOCK:
            _IN_FLIGHT[endpoint] -= 1
            _LAST_SEEN[endpoint] = time.monotonic()


def _notify(topic: str | None, message: dict[str, Any]) -> None:
    from moto.sns.models import sns_backends

    if not topic:
        return
    text = json.dumps(message)
    sns_backends[fs.ACCOUNT][fs.REGION].publish(text, arn=topic)  # raises if the topic does not exist
    NOTIFICATIONS.append({"TopicArn": topic, "Message": text})


def _run_async(url: str, endpoint: str, cfg: Any, container: dict[str, Any], input_uri: str,
               inference_id: str, output_uri: str, failure_uri: str, accept: str) -> None:
    time.sleep(ASYNC_DELAY_S)
    _, s3 = fs._backends()
    out_cfg = cfg.async_inference_config["OutputConfig"]
    topics = out_cfg.get("NotificationConfig", {})
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    note: dict[str, Any] = {"awsRegion": fs.REGION, "eventTime": now, "receivedTime": now, "inferenceId": inference_id,
                            "eventVersion": "1.0", "eventSource": "aws:sagemaker", "eventName": "InferenceResult",
                            "requestParameters": {"endpointName": endpoint, "inputLocation": input_uri,
                                                  "accept": accept}}
    try:
        bucket, key = fs._split(input_uri)
        body = s3.get_object(bucket, key).value
        out = _score(url, container["ModelDataUrl"], body)
    except Exception as exc:
        bucket, key = fs._split(failure_uri)
        s3.put_object(bucket, key, f"ClientError: unable to evaluate payload provided: {exc}".encode())
        note.update(invocationStatus="Failed", failureReason=f"ClientError: {exc}",
                    responseParameters={"failureLocation": failure_uri})
        _notify(topics.get("ErrorTopic"), note)
        return
    bucket, key = fs._split(output_uri)
    s3.put_object(bucket, key, out)
    note.update(invocationStatus="Completed", responseParameters={"contentType": "text/csv",
                                                                  "outputLocation": output_uri})
    _notify(topics.get("SuccessTopic"), note)


def invoke_async(self: Any) -> Any:
    """InvokeEndpointAsync: answer at once with the locations; write the result a moment later."""
    endpoint = self.path.split("/")[2]
    h = self.headers
    params = {"EndpointName": endpoint, "InputLocation": h.get("X-Amzn-SageMaker-InputLocation"),
              "ContentType": h.get("X-Amzn-SageMaker-Content-Type") or h.get("Content-Type"),
              "Accept": h.get("X-Amzn-SageMaker-Accept") or h.get("Accept"),
              "InferenceId": h.get("X-Amzn-SageMaker-Inference-Id")}
    bad = _invalid("InvokeEndpointAsync", params)
    if bad:
        return bad
    found = _config(endpoint)
    if found is None:
        return _error("ValidationError", f"Endpoint {endpoint} of account {fs.ACCOUNT} not found.")
    cfg, _, container = found
    if not cfg.async_inference_config:
        return _error("ValidationError", f"Endpoint {endpoint} is not an asynchronous inference endpoint")
    out_cfg = cfg.async_inference_config["OutputConfig"]
    rid = str(uuid.uuid4())
    output_uri = f"{out_cfg['S3OutputPath'].rstrip('/')}/{rid}.out"
    failure_uri = f"{out_cfg['S3FailurePath'].rstrip('/')}/{rid}-error.out"
    inference_id = params["InferenceId"] or rid
    threading.Thread(target=_run_async, args=(fs_url(), endpoint, cfg, container, params["InputLocation"],
                                              inference_id, output_uri, failure_uri, params["Accept"] or ""),
                     daemon=True).start()
    headers = {"X-Amzn-SageMaker-OutputLocation": output_uri, "X-Amzn-SageMaker-FailureLocation": failure_uri,
               "Content-Type": "application/json"}
    return 202, headers, json.dumps({"InferenceId": inference_id})


_URL: dict[str, str] = {}
_TARGET_TAGS: dict[str, dict[str, str]] = {}  # scalable target ARN -> Tags


def fs_url() -> str:
    """The fake server's URL (set when the patches are made)."""
    return _URL["box"]["url"]  # type: ignore[index]


def patches(url_box: dict[str, str]) -> list[Any]:
    """mock.patch objects: TargetModel and serverless behaviour on InvokeEndpoint, and InvokeEndpointAsync."""
    from unittest import mock

    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    orig_register = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: Any) -> Any:
        result = orig_register(self)
        _TARGET_TAGS[json.loads(result)["ScalableTargetARN"]] = dict(self._get_param("Tags") or {})
        return result

    def list_tags_for_resource(self: Any) -> Any:
        arn = self._get_param("ResourceARN")
        live = {t.arn for dims in self.applicationautoscaling_backend.targets.values() for t in dims.values()}
        if arn not in live:
            return 400, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(
                {"__type": "ResourceNotFoundException", "message": f"No scalable target {arn}"})
        return json.dumps({"Tags": _TARGET_TAGS.get(arn, {})})

    _URL["box"] = url_box  # type: ignore[assignment]
    orig_call = SageMakerRuntimeResponse.call_action
    orig_load, orig_predict = fs.load_booster, fs.predict

    def call_action(self: Any) -> Any:  # the request's endpoint and TargetModel, for load_booster and predict
        _REQUEST.target = self.headers.get("X-Amzn-SageMaker-Target-Model")
        _REQUEST.endpoint = self.path.split("/")[2] if self.path.startswith("/endpoints/") else None
        try:
            return orig_call(self)
        finally:
            _REQUEST.target = _REQUEST.endpoint = None

    def load_booster_(url: str, model_data_url: str) -> Any:
        return load_booster(orig_load, url, model_data_url)

    def predict_(booster: Any, x: Any) -> list[float]:
        return predict(orig_predict, booster, x)

    # fake_sagemaker's InvokeEndpoint (and any wrapper of it, e.g. fakes/rollout.py) calls these by module name
    return [mock.patch.object(ApplicationAutoScalingResponse, "register_scalable_target", register_scalable_target),
            mock.patch.object(ApplicationAutoScalingResponse, "list_tags_for_resource", list_tags_for_resource,
                              create=True),
            mock.patch.object(SageMakerRuntimeResponse, "call_action", call_action),
            mock.patch.object(fs, "load_booster", load_booster_),
            mock.patch.object(fs, "predict", predict_),
            mock.patch.object(SageMakerRuntimeResponse, "invoke_endpoint_async", invoke_async)]
