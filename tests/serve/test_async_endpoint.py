"""The local async endpoint through boto3's invoke_endpoint_async: queue, outputs, failures, notifications."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from sagecli.contracts import AsyncSpec
from sagecli.flow.backends.local import runtime_client
from sagecli.serve.async_queue import AsyncEndpoint
from sagecli.serve.process import pid_alive
from sagecli.serve.serverless import kb_limits


@pytest.fixture
def async_ep(trained, tmp_path: Path):
    ep = AsyncEndpoint({"model_dir": str(trained[1]), "endpoint": "aep", "variant": "AllTraffic"}, tmp_path / "ep",
                       AsyncSpec(idle_timeout_s=0.5), s3_root=tmp_path / "s3")
    yield ep, tmp_path
    ep.close()


def _put(root: Path, key: str, data: bytes) -> str:
    path = root / "s3" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"s3://{key}"


def _wait(ep: AsyncEndpoint, n: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = ep.stats()
        if stats["completed"] + stats["failed"] >= n:
            return stats
        time.sleep(0.02)
    raise AssertionError(f"only {ep.stats()} after {timeout} s")


def _message(root: Path, topic: str, inference_id: str) -> dict:
    envelope = json.loads((root / "sns" / topic / f"{inference_id}.json").read_text())
    assert envelope["Type"] == "Notification" and envelope["TopicArn"].endswith(":" + topic)
    return json.loads(envelope["Message"])


def test_invoke_endpoint_async_writes_output_and_notification(async_ep, trained) -> None:
    ep, root = async_ep
    _, model_dir, ds = trained
    from sagecli.flow.data import format_rows
    from sagecli.serve.model import load_model_dir

    x = ds.splits["test"][0][:20]
    uri = _put(root, "bucket/in/rows.csv", format_rows(x).encode())
    assert ep.worker.running is False  # scaled to zero until there is work
    resp = runtime_client(ep.url).invoke_endpoint_async(EndpointName="aep", InputLocation=uri, ContentType="text/csv",
                                                        Accept="text/csv", InferenceId="req-1")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert resp["InferenceId"] == "req-1"
    assert resp["OutputLocation"] == "s3://sagecli-local/async/aep/output/req-1.out"
    assert resp["FailureLocation"] == "s3://sagecli-local/async/aep/failure/req-1-error.out"
    stats = _wait(ep, 1)
    assert stats["completed"] == 1 and stats["cold_starts"] == 1
    out = (root / "s3" / "sagecli-local/async/aep/output/req-1.out").read_text().split()
    want = load_model_dir(model_dir).predict(x)
    assert [round(float(v), 5) for v in out] == [round(float(v), 5) for v in want]
    msg = _message(root, "aep-success", "req-1")
    assert msg["invocationStatus"] == "Completed" and msg["eventName"] == "InferenceResult"
    assert msg["requestParameters"] == {"contentType": "text/csv", "endpointName": "aep", "inputLocation": uri}
    assert msg["responseParameters"]["outputLocation"] == resp["OutputLocation"]


def test_failure_location_and_error_notification(async_ep) -> None:
    ep, root = async_ep
    client = runtime_client(ep.url)
    bad = _put(root, "bucket/in/header.csv", b"a,b,c\n1,2,3\n")
    r1 = client.invoke_endpoint_async(EndpointName="aep", InputLocation=bad, ContentType="text/csv")
    r2 = client.invoke_endpoint_async(EndpointName="aep", InputLocation="s3://bucket/in/missing.csv")
    _wait(ep, 2)
    for resp in (r1, r2):
        failure = root / "s3" / resp["FailureLocation"].removeprefix("s3://")
        assert failure.read_text()
        msg = _message(root, "aep-error", resp["InferenceId"])
        assert msg["invocationStatus"] == "Failed" and msg["failureReason"]
        assert not (root / "s3" / resp["OutputLocation"].removeprefix("s3://")).exists()
    assert "not found" in _message(root, "aep-error", r2["InferenceId"])["failureReason"]


def test_backlog_metric_and_scale_to_zero(async_ep) -> None:
    ep, root = async_ep
    client = runtime_client(ep.url)
    uri = _put(root, "bucket/in/one.csv", b"0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8\n")
    for i in range(5):
        client.invoke_endpoint_async(EndpointName="aep", InputLocation=uri, ContentType="text/csv",
                                     InferenceId=f"r{i}")
    stats = _wait(ep, 5)
    assert stats["backlog_peak"] >= 2  # queued while the worker started from zero
    records = [json.loads(line) for line in Path(stats["metrics"]).read_text().splitlines()]
    backlog = [r["Value"] for r in records if r["MetricName"] == "ApproximateBacklogSize"]
    assert max(backlog) == stats["backlog_peak"] and backlog[-1] == 0
    assert all(r["Namespace"] == "AWS/SageMaker" and r["Dimensions"] == [{"Name": "EndpointName", "Value": "aep"}]
               for r in records)
    assert any(r["MetricName"] == "HasBacklogWithoutCapacity" and r["Value"] == 1 for r in records)
    pid = ep.worker.handle.pid
    deadline = time.monotonic() + 10
    while ep.worker.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ep.worker.running and not pid_alive(pid) and ep.stats()["scaled_to_zero"] == 1
    client.invoke_endpoint_async(EndpointName="aep", InputLocation=uri, ContentType="text/csv", InferenceId="again")
    assert _wait(ep, 6)["cold_starts"] == 2  # work after an empty queue scales out from zero again


def test_async_limits_from_the_knowledge_base(async_ep) -> None:
    from botocore.exceptions import ClientError

    ep, root = async_ep
    lim = kb_limits("async-inference")
    assert ep.max_payload_bytes == 1024 * 1024 * 1024 == int(lim["max_payload_mb"] * 1024 * 1024)
    assert ep.max_timeout_s == 3600 and ep.default_timeout_s == 900
    client = runtime_client(ep.url)
    uri = _put(root, "bucket/in/x.csv", b"1,2,3,4,5,6,7,8\n")
    with pytest.raises(ClientError) as err:  # over one hour: refused at the front
        client.invoke_endpoint_async(EndpointName="aep", InputLocation=uri, InvocationTimeoutSeconds=3601)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError):  # the real-time route is not offered on an async endpoint
        client.invoke_endpoint(EndpointName="aep", Body=b"1,2,3,4,5,6,7,8", ContentType="text/csv")
    ep.max_payload_bytes = 8  # the size check, without writing a gigabyte
    resp = client.invoke_endpoint_async(EndpointName="aep", InputLocation=uri, ContentType="text/csv")
    _wait(ep, 1)
    assert "limit" in _message(root, "aep-error", resp["InferenceId"])["failureReason"]
    with pytest.raises(ClientError):  # a key leaving the bucket root
        client.invoke_endpoint_async(EndpointName="aep", InputLocation="s3://bucket/../../etc/passwd")
