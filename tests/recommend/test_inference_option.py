"""Scenario tests for the inference-option decision, each written from an AWS documentation page."""

from __future__ import annotations

import pytest

SCENARIOS = [
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deploy-model-options.html (sustained, low-latency traffic)
    pytest.param({"traffic": "steady", "payload_mb": 1, "processing_seconds": 0.1, "latency_ms": 100},
                 "realtime", id="steady-low-latency"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html (intermittent, cold starts ok)
    pytest.param({"traffic": "intermittent", "payload_mb": 2}, "serverless", id="intermittent-small"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html (payloads up to 1 GB)
    pytest.param({"traffic": "steady", "payload_mb": 50}, "async", id="large-payload"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html (processing up to one hour)
    pytest.param({"traffic": "steady", "processing_seconds": 300}, "async", id="long-processing"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html (whole dataset offline)
    pytest.param({"traffic": "offline", "dataset_gb": 500}, "batch_transform", id="offline-dataset"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/hosting-faqs.html (real-time payload now 25 MB)
    pytest.param({"traffic": "steady", "payload_mb": 10}, "realtime", id="ten-mb-fits-current-limit"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html (many models, one framework)
    pytest.param({"traffic": "steady", "models": 200, "same_framework": True}, "multi_model", id="many-models"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/multi-container-endpoints.html (different frameworks)
    pytest.param({"traffic": "steady", "models": 5, "same_framework": False}, "multi_container",
                 id="mixed-frameworks"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/multi-container-endpoints.html (at most 15 containers)
    pytest.param({"traffic": "steady", "models": 20, "same_framework": False}, "inference_components",
                 id="too-many-containers"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/inference-pipelines.html (pre/post-processing containers)
    pytest.param({"traffic": "steady", "preprocessing": True}, "serial_pipeline", id="preprocessing"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html
    pytest.param({"traffic": "steady", "gpu": True, "scale_to_zero": True}, "inference_components",
                 id="gpu-realtime-scale-to-zero"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html (SNS notifications)
    pytest.param({"traffic": "spiky", "payload_mb": 100, "notify": True}, "async", id="notify-large"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html (cold starts not acceptable)
    pytest.param({"traffic": "spiky", "cold_start_ok": False}, "realtime", id="spiky-no-cold-starts"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html (latency-critical: dedicated)
    pytest.param({"traffic": "steady", "models": 10, "priority": "latency"}, "realtime", id="latency-critical-models"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html (jobs run for days)
    pytest.param({"traffic": "offline", "processing_seconds": 3000, "realtime": False}, "batch_transform",
                 id="long-offline"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html (nobody waits, notify on completion)
    pytest.param({"traffic": "intermittent", "realtime": False, "notify": True}, "async", id="queued-notify"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html (pay nothing while idle, ops)
    pytest.param({"traffic": "intermittent", "priority": "ops", "scale_to_zero": True}, "serverless",
                 id="intermittent-ops"),
]


@pytest.mark.parametrize(("facts", "expected"), SCENARIOS)
def test_inference_option_scenarios(choose, facts, expected):
    assert choose("deployment", "inference_option", **facts) == expected


def _row(result, option):
    decision = result["decisions"][0]
    return next(r for r in decision["ranked"] if r["option"] == option)


def test_serverless_payload_limit_is_the_reason(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html (4 MB request and response)
    result = run("deployment", traffic="intermittent", payload_mb=5)
    row = _row(result, "serverless")
    assert not row["eligible"]
    assert "5 MB exceeds" in row["reasons"][0] and "4 MB" in row["reasons"][0]


def test_serverless_has_no_gpu(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html (GPUs not supported)
    result = run("deployment", traffic="intermittent", gpu=True)
    assert result["decisions"][0]["choice"] != "serverless"
    assert any("GPU" in r for r in _row(result, "serverless")["reasons"])


def test_nothing_fits_a_two_gigabyte_payload(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html (1 GB); batch-transform.html (100 MB)
    result = run("deployment", payload_mb=2048)
    decision = result["decisions"][0]
    assert decision["choice"] is None
    assert all(not r["eligible"] and r["reasons"] for r in decision["ranked"])


def test_payload_between_old_and_new_limit_mentions_history(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/hosting-faqs.html (25 MB now; 6 MB in older pages)
    row = _row(run("deployment", traffic="steady", payload_mb=10), "realtime")
    assert any("6 MB" in r for r in row["reasons"])


def test_serverless_endpoint_quota(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html (50 serverless endpoints per Region)
    result = run("deployment", traffic="intermittent", models=60, same_framework=False)
    row = _row(result, "serverless")
    assert not row["eligible"] and "quota" in row["reasons"][0]


def test_streaming_within_8_minutes_is_not_called_a_large_request(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html (streams up to 8 minutes)
    decision = run("deployment", traffic="steady", processing_seconds=300, needs=["response-streaming"])["decisions"][0]
    assert decision["choice"] == "realtime"
    assert "large-request" not in [r["rule"] for r in decision["rules"]]


def test_model_gb_flag_reaches_the_serverless_memory_rule():
    # https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html (MemorySizeInMB at most 6144)
    import json

    from typer.testing import CliRunner

    from sagecli.cli import app

    out = CliRunner().invoke(app, ["recommend", "deployment", "--traffic", "intermittent", "--model-gb", "8",
                                   "--explain", "--json"])
    assert out.exit_code == 0, out.output
    decision = json.loads(out.stdout)["decisions"][0]
    assert decision["choice"] != "serverless"
    fired = {r["rule"]: r.get("source", "") for r in decision["rules"]}
    assert fired["serverless-memory-limit"].endswith("serverless-endpoints.html")
