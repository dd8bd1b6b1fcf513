"""moto's ThreadedMotoServer, taught the few things SageMaker does that moto does not (test-only).

moto is a control-plane stub: jobs finish at once without running, InvokeEndpoint returns a fixed
string and nothing is captured. Here, in the test process that hosts the server:
- CreateTrainingJob also does what the built-in XGBoost container would: it reads the train and
  validation channels from (moto's) S3, trains a real booster and writes model.tar.gz with
  `xgboost-model` where DescribeTrainingJob says the artifact is;
- CreateTransformJob writes one `<input>.out` per input file;
- InvokeEndpoint scores with the endpoint's model (text/csv in; text/csv or application/json out,
  415 for other request types, as the XGBoost container does) and writes a data-capture record to
  the endpoint's DestinationS3Uri in SageMaker's key layout;
- DeleteModelPackage, DeleteModelPackageGroup, StopTrainingJob and an empty ListMonitoringSchedules exist
  (moto 5.2 lacks them), and ListTags reads a model package's tags (moto 5.2 fails on its group/version ARN).
A WSGI wrapper can fail any create call or send SIGINT to a client while it waits for a response.
"""

from __future__ import annotations

import io
import json
import os
import signal
import tarfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT = "123456789012"


class Faults:
    """What the server should do to the next matching call (operation names as in the API)."""

    def __init__(self) -> None:
        self.fail: str | None = None  # respond with an error to this operation
        self.interrupt: list[str] = []  # after serving each (once), SIGINT this pid before answering
        self.pid: int | None = None
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def reset(self) -> None:
        """Forget everything."""
        self.fail = self.pid = None
        self.interrupt = []
        self.seen = []


def operation_of(environ: dict[str, Any]) -> str:
    """The API operation of a request: from X-Amz-Target (JSON APIs) or the S3 REST shape."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.split(".")[-1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):  # query APIs (STS)
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size)
        environ["wsgi.input"] = io.BytesIO(body)
        return parse_qs(body.decode()).get("Action", [""])[0]
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "/s3/aws4_request" in auth:
        method = environ["REQUEST_METHOD"]
        parts = [p for p in environ.get("PATH_INFO", "").split("/") if p]
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if method == "PUT" and len(parts) == 1:
            return "PutBucketTagging" if "tagging" in query else "CreateBucket"
        if method == "PUT":
            return "PutObject"
        if method == "POST" and "delete" in query:
            return "DeleteObjects"
        if method == "DELETE":
            return "DeleteBucket" if len(parts) == 1 else "DeleteObject"
    return ""


class FaultyApp:
    """WSGI middleware over moto's app that injects failures and interrupts."""

    def __init__(self, app: Callable[..., Any], faults: Faults) -> None:
        self.app = app
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        op = operation_of(environ)
        with self.faults.lock:
            if op:
                self.faults.seen.append(op)
            fail = op and op == self.faults.fail
            interrupt = bool(op) and op in self.faults.interrupt
            if interrupt:
                self.faults.interrupt.remove(op)
        if fail:
            body = json.dumps({"__type": "ValidationException", "message": f"injected failure of {op}"}).encode()
            if environ.get("HTTP_X_AMZ_TARGET"):
                start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                                   ("x-amzn-ErrorType", "ValidationException")])
                return [body]
            if "/s3/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):  # query protocol
                xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                       f"<Message>injected failure of {op}</Message></Error></ErrorResponse>").encode()
                start_response("403 Forbidden", [("Content-Type", "text/xml")])
                return [xml]
            xml = (f"<Error><Code>AccessDenied</Code><Message>injected failure of {op}</Message></Error>").encode()
            start_response("403 Forbidden", [("Content-Type", "application/xml")])
            return [xml]
        result = list(self.app(environ, start_response))  # the resource now exists
        if interrupt and self.faults.pid:
            os.kill(self.faults.pid, signal.SIGINT)
            time.sleep(1.0)  # the client is still waiting for this response when the signal lands
        return result


def client(url: str, service: str) -> Any:
    """A boto3 client for the fake server (used from inside the server's own handlers)."""
    return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _objects(s3: Any, uri: str) -> list[tuple[str, bytes]]:
    bucket, prefix = _split(uri)
    out = []
    for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        out.append((obj["Key"], s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()))
    return sorted(out)


def _matrix(data: bytes, label: bool) -> tuple[Any, Any]:
    import numpy as np

    rows = [r for r in data.decode().splitlines() if r.strip()]
    arr = np.array([[float(v) for v in r.split(",")] for r in rows], dtype=np.float64)
    return (arr[:, 1:], arr[:, 0]) if label else (arr, None)


def train_like_the_container(url: str, params: dict[str, Any]) -> None:
    """Train a real booster from the job's S3 channels and write model.tar.gz where SageMaker would."""
    import numpy as np
    import xgboost as xgb

    s3 = client(url, "s3")
    chans = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in params["InputDataConfig"]}
    x, y = zip(*(_matrix(body, True) for _, body in _objects(s3, chans["train"])), strict=True)
    dtrain = xgb.DMatrix(np.vstack(x), label=np.concatenate(y))
    hps = dict(params.get("HyperParameters", {}))
    rounds = int(hps.pop("num_round"))
    params_ = {k: v for k, v in hps.items() if k != "verbosity"} | {"verbosity": 0, "nthread": 1}
    booster = xgb.train(params_, dtrain, rounds)
    raw = booster.save_raw("ubj")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    bucket, key = _split(params["OutputDataConfig"]["S3OutputPath"].rstrip("/") + "/" +
                         params["TrainingJobName"] + "/output/model.tar.gz")
    s3.put_object(Bucket=bucket, Key=key, Body=buf.getvalue())


_MODELS: dict[str, Any] = {}
_CAPTURE_FILES: dict[str, tuple[str, list[str]]] = {}  # endpoint -> (current capture file key, its records)
CAPTURE_BATCH = 50


def load_booster(url: str, model_data_url: str) -> Any:
    """The booster in a model.tar.gz on S3 (cached per URL)."""
    import xgboost as xgb

    if model_data_url not in _MODELS:
        bucket, key = _split(model_data_url)
        data = client(url, "s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            raw = tar.extractfile("xgboost-model").read()  # type: ignore[union-attr]
        booster = xgb.Booster()
        booster.load_model(bytearray(raw))
        booster.set_param({"nthread": 1})  # one request at a time: a thread pool per call costs more than it saves
        _MODELS[model_data_url] = booster
    return _MODELS[model_data_url]


def predict(booster: Any, x: Any) -> list[float]:
    """Scores for a feature matrix."""
    return [float(v) for v in booster.inplace_predict(x)]


def transform_like_sagemaker(url: str, params: dict[str, Any]) -> None:
    """One <input>.out per input file: a score per line (SplitType Line, AssembleWith Line)."""
    sm, s3 = client(url, "sagemaker"), client(url, "s3")
    model = sm.describe_model(ModelName=params["ModelName"])["PrimaryContainer"]["ModelDataUrl"]
    booster = load_booster(url, model)
    src = params["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
    out_bucket, out_prefix = _split(params["TransformOutput"]["S3OutputPath"])
    for key, body in _objects(s3, src):
        x, _ = _matrix(body, False)
        scores = "\n".join(f"{s:.7g}" for s in predict(booster, x)) + "\n"
        name = key.rsplit("/", 1)[-1] + ".out"
        s3.put_object(Bucket=out_bucket, Key=f"{out_prefix.rstrip('/')}/{name}", Body=scores.encode())


def _backends() -> tuple[Any, Any]:
    from moto.s3.models import s3_backends
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[ACCOUNT][REGION], s3_backends[ACCOUNT]["aws"]


def invoke_like_sagemaker(url: str, endpoint: str, body: bytes, content_type: str, accept: str,
                          inference_id: str | None) -> tuple[int, dict[str, str], bytes]:
    """Score with the endpoint's model and write a capture record, as a real endpoint would.

    Reads moto's state in-process (the HTTP round trips would dominate the test's run time).
    """
    sm, s3 = _backends()
    if endpoint not in sm.endpoints:
        msg = {"__type": "ValidationError", "message": f"Endpoint {endpoint} of account {ACCOUNT} not found."}
        return 400, {"status": "400", "x-amzn-ErrorType": "ValidationError"}, json.dumps(msg).encode()
    cfg = sm.endpoint_configs[sm.endpoints[endpoint].endpoint_config_name]
    variant = cfg.production_variants[0]
    model = sm._models[variant["ModelName"]].primary_container["ModelDataUrl"]
    if not content_type.startswith("text/csv"):  # the XGBoost container takes csv, libsvm, recordio only
        msg = {"message": f"Received client error (415) from primary with message "
                          f"\"Content type {content_type} is not supported by this framework.\"",
               "OriginalStatusCode": 415}
        headers = {"status": "424", "x-amzn-ErrorType": "ModelError", "Content-Type": "application/json"}
        return 424, headers, json.dumps(msg).encode()
    x, _ = _matrix(body, False)
    scores = predict(load_booster(url, model), x)
    if accept.startswith("application/json"):
        out, out_type = json.dumps({"predictions": [{"score": s} for s in scores]}).encode(), "application/json"
    else:
        out, out_type = ("\n".join(f"{s:.7g}" for s in scores) + "\n").encode(), "text/csv; charset=utf-8"
    cap = cfg.data_capture_config or {}
    if cap.get("EnableCapture"):
        now = datetime.now(UTC)
        meta = {"eventId": str(uuid.uuid4()), "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
        if inference_id:
            meta["inferenceId"] = inference_id
        record = {"captureData": {
            "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": body.decode(),
                              "encoding": "CSV"},
            "endpointOutput": {"observedContentType": out_type, "mode": "OUTPUT", "data": out.decode(),
                               "encoding": "JSON" if out_type == "application/json" else "CSV"}},
            "eventMetadata": meta, "eventVersion": "0"}
        bucket, prefix = _split(cap["DestinationS3Uri"])
        folder = f"{prefix.rstrip('/')}/{endpoint}/{variant['VariantName']}/{now:%Y/%m/%d/%H}/"
        key, lines = _CAPTURE_FILES.get(endpoint, ("", []))
        if not key.startswith(folder) or len(lines) >= CAPTURE_BATCH:  # SageMaker buffers records into files
            key, lines = f"{folder}{now:%M-%S}-{now.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl", []
        lines.append(json.dumps(record))
        _CAPTURE_FILES[endpoint] = (key, lines)
        s3.put_object(bucket, key, ("\n".join(lines) + "\n").encode())
    return 200, {"Content-Type": out_type, "x-Amzn-Invoked-Production-Variant": variant["VariantName"]}, out

def extra_patches(url_box: dict[str, str]) -> list[Any]:
    """Patches from every module in tests/aws/fakes/ (each defines `patches(url_box) -> list`), by file name.

    One module per topic (an API moto lacks or gets wrong), so separate work never edits the same file.
    """
    import importlib
    import pkgutil

    from tests.aws import fakes

    found: list[Any] = []
    for info in sorted(pkgutil.iter_modules(fakes.__path__), key=lambda m: m.name):
        found += importlib.import_module(f"tests.aws.fakes.{info.name}").patches(url_box)
    return found


def _patches(url_box: dict[str, str]) -> list[Any]:
    """mock.patch objects that add the behaviour above to moto's response classes."""
    from unittest import mock

    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    orig_train = SageMakerResponse.create_training_job
    orig_transform = SageMakerResponse.create_transform_job

    def create_training_job(self: Any) -> Any:
        result = orig_train(self)
        train_like_the_container(url_box["url"], json.loads(self.body))
        return result

    def create_transform_job(self: Any) -> Any:
        result = orig_transform(self)
        transform_like_sagemaker(url_box["url"], json.loads(self.body))
        return result

    def delete_model_package_group(self: Any) -> Any:
        name = self._get_param("ModelPackageGroupName")
        if self.sagemaker_backend.model_package_groups.pop(name, None) is None:
            raise ValidationError(message=f"ModelPackageGroup {name} does not exist.")
        return EmptyResult()

    def delete_model_package(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("ModelPackageName")
        arn = backend.model_package_name_mapping.get(name, name)
        if backend.model_packages.pop(arn, None) is None:
            raise ValidationError(message=f"Model package {name} does not exist.")
        return EmptyResult()

    orig_list_tags = SageMakerResponse.list_tags

    def list_tags(self: Any) -> Any:  # moto 5.2 cannot parse a model package ARN (group/version)
        arn = self._get_param("ResourceArn")
        if ":model-package/" in arn:
            package = self.sagemaker_backend.model_packages.get(arn)
            if package is None:
                raise ValidationError(message=f"Could not find model package {arn}")
            return ActionResult({"Tags": package.tags or []})
        return orig_list_tags(self)

    def stop_training_job(self: Any) -> Any:  # moto 5.2 lacks it (its jobs never run)
        job = self.sagemaker_backend.training_jobs[self._get_param("TrainingJobName")]
        job.training_job_status = job.secondary_status = "Stopped"
        return EmptyResult()

    def list_monitoring_schedules(self: Any) -> Any:  # moto 5.2 has no monitoring-schedule APIs
        return ActionResult({"MonitoringScheduleSummaries": []})

    def invoke_endpoint(self: Any) -> Any:
        endpoint = self.path.split("/")[2]  # /endpoints/<name>/invocations
        body = self.body if isinstance(self.body, bytes) else self.body.encode()
        return invoke_like_sagemaker(url_box["url"], endpoint, body,
                                     self.headers.get("Content-Type", ""), self.headers.get("Accept", "text/csv"),
                                     self.headers.get("X-Amzn-SageMaker-Inference-Id"))

    return extra_patches(url_box) + [
        mock.patch.object(SageMakerResponse, "create_training_job", create_training_job),
        mock.patch.object(SageMakerResponse, "create_transform_job", create_transform_job),
        mock.patch.object(SageMakerResponse, "delete_model_package_group", delete_model_package_group, create=True),
        mock.patch.object(SageMakerResponse, "delete_model_package", delete_model_package, create=True),
        mock.patch.object(SageMakerResponse, "list_tags", list_tags),
        mock.patch.object(SageMakerResponse, "stop_training_job", stop_training_job, create=True),
        mock.patch.object(SageMakerResponse, "list_monitoring_schedules", list_monitoring_schedules, create=True),
        mock.patch.object(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint),
    ]


class FakeSageMaker:
    """A moto server on 127.0.0.1 (ephemeral port) with the SageMaker behaviour above and fault injection."""

    def __init__(self) -> None:
        self.faults = Faults()
        self.url = ""
        self._server: Any = None
        self._patches: list[Any] = []

    def start(self) -> FakeSageMaker:
        """Start the server thread and apply the patches."""
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        faults = self.faults

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
                return

        class Server(ThreadedMotoServer):
            def _server_entry(self) -> None:
                app = FaultyApp(DomainDispatcherApplication(create_backend_app), faults)
                self._server = make_server(self._ip_address, self._port, app, True,
                                           request_handler=QuietHandler)
                self._server_ready_event.set()
                self._server.serve_forever()

        box: dict[str, str] = {}
        self._patches = _patches(box)
        for p in self._patches:
            p.start()
        self._server = Server(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = box["url"] = f"http://{host}:{port}"
        return self

    def reset(self) -> None:
        """Empty every moto backend and forget faults and cached models."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST")).read()
        self.faults.reset()
        _MODELS.clear()
        _CAPTURE_FILES.clear()

    def stop(self) -> None:
        """Stop the server and remove the patches."""
        self._server.stop()
        for p in self._patches:
            p.stop()

    def client(self, service: str) -> Any:
        """A boto3 client for this server."""
        return client(self.url, service)
