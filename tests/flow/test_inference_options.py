"""run-demo --inference serverless|async|batch: SageMaker's contracts on this machine, limits from the KB."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sagecli.commands.demo_run import check_backend_options
from sagecli.errors import UsageError
from sagecli.flow.backends.local import runtime_client
from sagecli.serve.process import pid_alive
from sagecli.serve.serverless import ServerlessEndpoint, kb_limits
from tests.conftest import run_cli
from tests.flow.demo_options import ROW
from tests.flow.demo_options import demo_options as _options
from tests.flow.procs import server_pids_for
from tests.serve.conftest import trained  # noqa: F401 - the shared trained model (one per session)


@pytest.fixture
def serverless(trained, tmp_path: Path):  # noqa: F811
    made = []

    def make(max_concurrency: int = 2, idle_s: float = 0.5, timeout_s: float | None = None) -> ServerlessEndpoint:
        lim = kb_limits("serverless-inference")
        ep = ServerlessEndpoint({"model_dir": str(trained[1]), "endpoint": "sls", "variant": "AllTraffic"},
                                tmp_path / f"ep{len(made)}", 2048, max_concurrency, idle_s,
                                int(lim["max_payload_mb"] * 1024 * 1024), timeout_s or lim["max_processing_seconds"])
        made.append(ep)
        return ep

    yield make
    for ep in made:
        ep.close()


def test_serverless_settings_are_validated_from_the_knowledge_base() -> None:
    lim = kb_limits("serverless-inference")
    assert (lim["memory_size_mb.min"], lim["memory_size_mb.max"]) == (1024, 6144)
    for mb in (1024, 3072, 6144):
        assert _options(inference="serverless", memory_size_mb=mb).memory_size_mb == mb
    for mb in (512, 1500, 7168):
        with pytest.raises(UsageError, match="MemorySizeInMB"):
            _options(inference="serverless", memory_size_mb=mb)
    for conc in (0, 201):
        with pytest.raises(UsageError, match="max-concurrency"):
            _options(inference="serverless", max_concurrency=conc)
    with pytest.raises(UsageError, match="unknown inference"):
        _options(inference="multi-modal")
    with pytest.raises(UsageError, match="keep-endpoint"):
        _options(inference="serverless", keep_endpoint=True)
    for option in ("serverless", "async", "multi-model"):  # issue 14: they run on SageMaker too now
        assert check_backend_options("sagemaker", _options(inference=option)) is None
    with pytest.raises(UsageError, match="--provisioned-concurrency only applies to --backend sagemaker"):
        check_backend_options("local", _options(inference="serverless",
                                                backend_options={"provisioned_concurrency": 2}))
    with pytest.raises(UsageError, match="provisioned-concurrency 6 is out of range"):
        _options(inference="serverless", max_concurrency=5, backend_options={"provisioned_concurrency": 6})


def test_first_request_pays_a_cold_start_and_idle_scales_to_zero(serverless) -> None:
    ep = serverless(idle_s=0.5)
    assert ep.stats()["worker_running"] is False and ep.worker.handle is None  # nothing runs before a request
    client = runtime_client(ep.url)
    t0 = time.perf_counter()
    first = client.invoke_endpoint(EndpointName="sls", Body=ROW, ContentType="text/csv")
    cold_s = time.perf_counter() - t0
    assert 0.0 <= float(first["Body"].read()) <= 1.0
    pid = ep.worker.handle.pid
    assert pid_alive(pid)
    t0 = time.perf_counter()
    client.invoke_endpoint(EndpointName="sls", Body=ROW, ContentType="text/csv")
    warm_s = time.perf_counter() - t0
    stats = ep.stats()
    assert stats["cold_starts"] == 1 and stats["cold_start_ms"][0] > 50
    assert warm_s < cold_s / 3  # the warm request does not start a process
    deadline = time.monotonic() + 10
    while ep.worker.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ep.worker.running and not pid_alive(pid)  # the worker process is gone
    client.invoke_endpoint(EndpointName="sls", Body=ROW, ContentType="text/csv")
    stats = ep.stats()
    assert stats["cold_starts"] == 2 and stats["scaled_to_zero"] == 1
    assert ep.worker.handle.pid != pid


def test_max_concurrency_is_enforced_with_throttling(serverless, monkeypatch) -> None:
    from botocore.exceptions import ClientError

    import sagecli.serve.serverless as sls

    real_start = sls.start_server

    def slow_start(*args, **kwargs):  # a cold start long enough for every caller to arrive during it
        time.sleep(1.0)
        return real_start(*args, **kwargs)

    monkeypatch.setattr(sls, "start_server", slow_start)
    ep = serverless(max_concurrency=3)
    client = runtime_client(ep.url)

    def call(_: int) -> str:
        try:
            client.invoke_endpoint(EndpointName="sls", Body=ROW, ContentType="text/csv")
            return "ok"
        except ClientError as err:
            assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            return err.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=8) as pool:  # all arrive during the cold start, holding their slots
        outcomes = list(pool.map(call, range(8)))
    assert outcomes.count("ok") == 3
    assert outcomes.count("ThrottlingException") == 5
    assert ep.stats()["throttled"] == 5


def test_serverless_payload_limit_comes_from_the_knowledge_base(serverless) -> None:
    import urllib.error
    import urllib.request

    ep = serverless()
    limit = int(kb_limits("serverless-inference")["max_payload_mb"] * 1024 * 1024)
    assert limit == 4 * 1024 * 1024
    req = urllib.request.Request(f"{ep.url}/endpoints/sls/invocations", data=b"1" * (limit + 1), method="POST",
                                 headers={"content-type": "text/csv"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 413 and err.value.headers["x-amzn-errortype"] == "ValidationError"
    assert ep.stats()["cold_starts"] == 0  # refused at the front: no worker started for it


def test_processing_limit_gives_a_model_error(serverless) -> None:
    import socket

    from botocore.exceptions import ClientError

    assert kb_limits("serverless-inference")["max_processing_seconds"] == 60
    ep = serverless(timeout_s=0.3)  # the 60 s limit, shrunk
    with socket.socket() as silent:  # a worker that accepts the request and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        ep.worker.acquire = lambda: (f"http://127.0.0.1:{silent.getsockname()[1]}", None)
        ep.worker.release = lambda busy_s: None
        t0 = time.perf_counter()
        with pytest.raises(ClientError) as err:
            runtime_client(ep.url).invoke_endpoint(EndpointName="sls", Body=ROW, ContentType="text/csv")
        assert time.perf_counter() - t0 >= 0.3
    assert err.value.response["Error"]["Code"] == "ModelError"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424


def test_run_demo_serverless_end_to_end(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--inference", "serverless", "--steps", "invoke,monitor", "--rows", "1000",
                  "--max-concurrency", "3", "--memory-size", "3072", "--idle-timeout", "0.5",
                  "--run-dir", str(run_dir), env={"SAGECLI_HOME": str(tmp_path / "home")}, timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    steps = {s["name"]: s for s in out["steps"]}
    info = steps["invoke"]["data"]["inference"]
    assert info["option"] == "serverless" and info["memory_size_mb"] == 3072
    assert info["cold_starts"] >= 2 and info["scaled_to_zero"] >= 1 and info["scaled_to_zero_before_burst"]
    assert info["burst_ok"] >= 3 and info["burst_throttled"] >= 1  # callers arriving after the cold start may pass
    assert info["burst_ok"] + info["burst_throttled"] == 6 and info["throttled"] == info["burst_throttled"]
    assert info["cost_model"]["scale_to_zero"] is True and "millisecond" in info["cost_model"]["billing"]
    assert steps["monitor"]["status"] == "skipped" and "no data capture" in steps["monitor"]["summary"]
    assert not (run_dir / "capture").exists()
    assert "cold start" in steps["invoke"]["summary"] and "throttled" in steps["invoke"]["summary"]
    assert server_pids_for(run_dir) == []


def test_run_demo_async_end_to_end(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--inference", "async", "--steps", "invoke,monitor", "--rows", "1000",
                  "--idle-timeout", "0.5", "--run-dir", str(run_dir), env={"SAGECLI_HOME": str(tmp_path / "home")},
                  timeout=120)
    assert res.returncode == 0, res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    info = steps["invoke"]["data"]["inference"]
    assert info["option"] == "async" and info["completed"] == 2 and info["failed"] == 1  # 150 test rows, 100 a file
    assert info["cold_starts"] >= 1 and info["scaled_to_zero"] >= 1 and info["worker_running"] is False
    assert info["backlog_peak"] >= 1 and info["max_payload_bytes"] == 1024 ** 3
    assert steps["invoke"]["data"]["max_abs_diff_vs_local"] <= 1e-4
    outputs = list((run_dir / "s3").rglob("*.out"))
    assert len([p for p in outputs if p.name.endswith("-error.out")]) == 1 and len(outputs) == 3
    notes = list((run_dir / "sns").rglob("*.json"))
    assert len(notes) == 3
    assert steps["monitor"]["status"] == "skipped" and "data capture" in steps["monitor"]["summary"]
    assert server_pids_for(run_dir) == []


def test_run_demo_batch_runs_transform_instead_of_an_endpoint(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--inference", "batch", "--rows", "1000", "--run-dir", str(run_dir),
                  env={"SAGECLI_HOME": str(tmp_path / "home")}, timeout=120)
    assert res.returncode == 0, res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    for name in ("deploy", "invoke", "monitor"):
        assert steps[name]["status"] == "skipped" and "--inference batch" in steps[name]["summary"]
    assert steps["transform"]["status"] == "ok"
    info = steps["transform"]["data"]["inference"]
    assert info["option"] == "batch" and info["records"] == 150 and info["job_s"] > 0
    assert "length of the job" in info["cost_model"]["billing"]
    assert not (run_dir / "endpoints").exists() and not (run_dir / "capture").exists()


def test_multi_model_loads_on_first_use_and_evicts_least_recently_used(trained, tmp_path: Path) -> None:  # noqa: F811
    import shutil

    from botocore.exceptions import ClientError

    from sagecli.serve.multimodel import read_events
    from sagecli.serve.process import realtime_payload_limit_bytes, start_server, stop_pid

    prefix = tmp_path / "prefix"
    prefix.mkdir()
    for name in ("a.tar.gz", "b.tar.gz", "c.tar.gz"):
        shutil.copy(trained[0], prefix / name)
    size = sum(p.stat().st_size for p in trained[1].rglob("*") if p.is_file())
    events = tmp_path / "events.jsonl"
    handle = start_server({"model_dir": None, "endpoint": "mme", "variant": "AllTraffic", "capture": None,
                           "max_payload_bytes": realtime_payload_limit_bytes(),
                           "multi_model": {"prefix": str(prefix), "budget_bytes": 2 * size, "events": str(events),
                                           "work_dir": str(tmp_path / "work")}}, tmp_path / "state")
    try:
        client = runtime_client(handle.url)
        for target in ("a.tar.gz", "b.tar.gz", "a.tar.gz", "c.tar.gz", "b.tar.gz"):
            out = client.invoke_endpoint(EndpointName="mme", Body=ROW, ContentType="text/csv", TargetModel=target)
            assert 0.0 <= float(out["Body"].read()) <= 1.0
        got = [(e["event"], e["model"]) for e in read_events(events)]
        assert got == [("load", "a.tar.gz"), ("load", "b.tar.gz"), ("evict", "b.tar.gz"), ("load", "c.tar.gz"),
                       ("evict", "a.tar.gz"), ("load", "b.tar.gz")]
        assert not (tmp_path / "work" / "a_tar_gz").exists()  # an evicted model's files are gone
        for kwargs in ({}, {"TargetModel": "missing.tar.gz"}, {"TargetModel": "x..y"}):
            with pytest.raises(ClientError) as err:
                client.invoke_endpoint(EndpointName="mme", Body=ROW, ContentType="text/csv", **kwargs)
            assert err.value.response["Error"]["Code"] == "ValidationError"
    finally:
        stop_pid(handle.pid)


def test_run_demo_multi_model_end_to_end(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    res = run_cli("run-demo", "--json", "--inference", "multi-model", "--steps", "invoke,monitor", "--rows", "1000",
                  "--run-dir", str(run_dir), env={"SAGECLI_HOME": str(tmp_path / "home")}, timeout=180)
    assert res.returncode == 0, res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    assert steps["deploy"]["data"]["models"] == ["model-main.tar.gz", "model-depth-2.tar.gz", "model-depth-6.tar.gz"]
    info = steps["invoke"]["data"]["inference"]
    assert (info["models"], info["loads"], info["evictions"]) == (3, 5, 3)
    assert info["evicted"] == ["model-depth-2.tar.gz", "model-main.tar.gz", "model-depth-6.tar.gz"]
    assert len(info["cold_load_ms"]) == 5 and all(ms > 0 for ms in info["cold_load_ms"])
    assert steps["invoke"]["data"]["max_abs_diff_vs_local"] <= 1e-4
    assert steps["monitor"]["status"] == "skipped" and "single model" in steps["monitor"]["summary"]
    assert server_pids_for(run_dir) == []
