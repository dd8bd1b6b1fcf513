"""The endpoint server: container contract, the boto3 runtime route, limits, bad input, data capture, load."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import numpy as np
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sagecli.flow.data import format_rows
from sagecli.serve.capture import read_capture
from sagecli.serve.model import load_model_dir
from sagecli.serve.process import realtime_payload_limit_bytes, stop_pid
from tests.conftest import ROOT
from tests.serve.conftest import launch


def _post(url: str, body: bytes, ctype: str = "text/csv", accept: str = "text/csv") -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": ctype, "Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def _client(url: str):
    return boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="y", config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def test_ping_and_bind_address(endpoint) -> None:
    handle, _ = endpoint
    assert handle.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(handle.url + "/ping", timeout=2) as resp:
        assert resp.status == 200


def test_invocations_csv_and_json_match_the_model(endpoint, json_endpoint, trained) -> None:
    handle, _ = endpoint
    x = trained[2].splits["test"][0][:5]
    expected = load_model_dir(trained[1]).predict(x)
    status, body, headers = _post(handle.url + "/invocations", format_rows(x).encode())
    assert status == 200 and headers["content-type"] == "text/csv; charset=utf-8"  # as the XGBoost container
    assert np.allclose([float(v) for v in body.decode().split("\n")], expected, atol=1e-6)
    json_body = json.dumps({"instances": x.tolist()}).encode()
    # the built-in container refuses JSON requests with 415 (sagemaker-xgboost-container algorithm_mode/serve.py)
    status, body, _ = _post(handle.url + "/invocations", json_body, "application/json", "application/json")
    assert status == 415 and body.startswith(b"application/json is not an accepted ContentType: csv, libsvm")
    # ... unless the server is started for custom inference code (json_requests: true)
    status, body, _ = _post(json_endpoint[0].url + "/invocations", json_body, "application/json", "application/json")
    assert status == 200
    assert np.allclose([p["score"] for p in json.loads(body)["predictions"]], expected, atol=1e-6)


def test_boto3_sagemaker_runtime_calls_the_endpoint(endpoint, trained) -> None:
    handle, _ = endpoint
    x = trained[2].splits["test"][0][:1]
    resp = _client(handle.url).invoke_endpoint(EndpointName="ep-test", Body=format_rows(x).encode(),
                                               ContentType="text/csv", Accept="application/json",
                                               InferenceId="boto3-check")
    assert resp["ContentType"] == "application/json"
    assert resp["InvokedProductionVariant"] == "AllTraffic"
    score = json.loads(resp["Body"].read())["predictions"][0]["score"]
    assert abs(score - float(load_model_dir(trained[1]).predict(x)[0])) < 1e-6


def test_boto3_errors_look_like_invoke_endpoint_errors(endpoint) -> None:
    client = _client(endpoint[0].url)
    with pytest.raises(ClientError) as err:
        client.invoke_endpoint(EndpointName="ep-test", Body=b"age,tenure", ContentType="text/csv")
    assert err.value.response["Error"]["Code"] == "ModelError"
    assert err.value.response["OriginalStatusCode"] == 400
    with pytest.raises(ClientError) as err:  # the container's 415, wrapped as InvokeEndpoint wraps it
        client.invoke_endpoint(EndpointName="ep-test", Body=b'{"instances": [[1]]}', ContentType="application/json")
    assert err.value.response["Error"]["Code"] == "ModelError"
    assert err.value.response["OriginalStatusCode"] == 415
    with pytest.raises(ClientError) as err:
        client.invoke_endpoint(EndpointName="no-such-endpoint", Body=b"1", ContentType="text/csv")
    assert err.value.response["Error"]["Code"] == "ValidationError"


@pytest.mark.parametrize(("body", "ctype", "status", "server"), [
    (b"1,2,three,4,5,6,7,8", "text/csv", 400, "endpoint"),
    (b"1,2,3", "text/csv", 400, "endpoint"),  # wrong feature count
    (b"{not json", "application/json", 415, "endpoint"),  # the container does not read JSON at all
    (b'{"instances": [[1, 2, 3, 4, 5, 6, 7, 8]]}', "application/json", 415, "endpoint"),
    (b"{not json", "application/json", 400, "json_endpoint"),
    (b'{"instances": [["a"]]}', "application/json", 400, "json_endpoint"),
    (b"", "text/csv", 400, "endpoint"),
    (b"1,2,3,4,5,6,7,8", "application/x-parquet", 415, "endpoint"),
    (b"1 1:x", "text/libsvm", 415, "endpoint"),
])
def test_bad_requests_get_4xx_and_the_server_keeps_serving(request, body, ctype, status, server) -> None:
    handle, _ = request.getfixturevalue(server)
    got, message, _ = _post(handle.url + "/invocations", body, ctype)
    assert got == status and message
    ok, _, _ = _post(handle.url + "/invocations", b"45,12,60.5,7.2,1,0,2,1")
    assert ok == 200


def test_payload_over_the_knowledge_base_limit_is_413(endpoint) -> None:
    handle, _ = endpoint
    limit = realtime_payload_limit_bytes()
    assert limit == 25 * 1024 * 1024  # realtime-inference max_payload_mb in content/
    row = b"45,12,60.5,7.2,1,0,2,1\n"
    status, _, _ = _post(handle.url + "/invocations", row * (limit // len(row) + 1))
    assert status == 413
    assert _post(handle.url + "/invocations", row)[0] == 200


def test_capture_records_have_the_documented_fields(endpoint) -> None:
    handle, state = endpoint
    _client(handle.url).invoke_endpoint(EndpointName="ep-test", Body=b"45,12,60.5,7.2,1,0,2,1",
                                        ContentType="text/csv", Accept="text/csv", InferenceId="fields-check")
    deadline = time.monotonic() + 5  # records are written within a few ms of the response, not before it
    while not (found := [r for r in read_capture(state / "capture")
                         if r["eventMetadata"].get("inferenceId") == "fields-check"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    rec = found[0]
    assert set(rec) == {"captureData", "eventMetadata", "eventVersion"} and rec["eventVersion"] == "0"
    inp, outp = rec["captureData"]["endpointInput"], rec["captureData"]["endpointOutput"]
    assert inp == {"observedContentType": "text/csv", "mode": "INPUT", "data": "45,12,60.5,7.2,1,0,2,1",
                   "encoding": "CSV"}
    assert outp["mode"] == "OUTPUT" and outp["encoding"] == "CSV" and float(outp["data"]) > 0
    assert outp["observedContentType"] == "text/csv; charset=utf-8"  # what real XGBoost capture records hold
    meta = rec["eventMetadata"]
    assert len(meta["eventId"]) == 36 and meta["inferenceTime"].endswith("Z") and len(meta["inferenceTime"]) == 20
    files = list((state / "capture" / "ep-test" / "AllTraffic").rglob("*.jsonl"))
    assert all(len(f.relative_to(state / "capture" / "ep-test" / "AllTraffic").parts) == 5 for f in files)


def test_unlisted_content_types_are_captured_as_base64(endpoint) -> None:
    from sagecli.serve.capture import CaptureConfig, encode_body

    cfg = CaptureConfig(root=Path("."), endpoint="e")
    assert encode_body(b"\x00\x01", "application/x-npy", cfg) == ("AAE=", "BASE64")
    assert encode_body(b'{"a": 1}', "application/json", cfg) == ('{"a": 1}', "JSON")


def test_load_5000_requests_16_clients_no_errors_every_capture(trained, tmp_path: Path) -> None:
    handle = launch(trained[1], tmp_path, "ep-load")
    try:
        out = subprocess.run([sys.executable, "-m", "sagecli.serve.loadgen", "--port", str(handle.port),
                              "--requests", "5000", "--clients", "16"], capture_output=True, text=True,
                             env={"PYTHONPATH": str(ROOT)}, timeout=120)
        result = json.loads(out.stdout)
    finally:
        stop_pid(handle.pid)
    assert result["errors"] == 0 and result["ok"] == 5000, result
    records = read_capture(tmp_path / "capture")
    assert len(records) == 5000
    assert len({r["eventMetadata"]["eventId"] for r in records}) == 5000


def test_sampling_percentage_zero_captures_nothing(trained, tmp_path: Path) -> None:
    handle = launch(trained[1], tmp_path, "ep-sample", sampling=0)
    try:
        for _ in range(20):
            assert _post(handle.url + "/invocations", b"45,12,60.5,7.2,1,0,2,1")[0] == 200
    finally:
        stop_pid(handle.pid)
    assert read_capture(tmp_path / "capture") == []


def test_sampling_percentage_fifty_captures_about_half(trained, tmp_path: Path) -> None:
    handle = launch(trained[1], tmp_path, "ep-half", sampling=50)
    try:
        out = subprocess.run([sys.executable, "-m", "sagecli.serve.loadgen", "--port", str(handle.port),
                              "--requests", "1000", "--clients", "4"], capture_output=True, text=True,
                             env={"PYTHONPATH": str(ROOT)}, timeout=120)
        assert json.loads(out.stdout)["ok"] == 1000
    finally:
        stop_pid(handle.pid)
    assert 400 <= len(read_capture(tmp_path / "capture")) <= 600  # binomial(1000, 0.5): 10 sigma either side


def test_execution_parameters_for_batch_transform(endpoint) -> None:
    with urllib.request.urlopen(endpoint[0].url + "/execution-parameters", timeout=2) as resp:
        doc = json.loads(resp.read())
    assert doc == {"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}
