"""A small trained model and a live endpoint server shared by the serve tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sagecli.flow.data import make_dataset, write_channels
from sagecli.serve.model import extract_model
from sagecli.serve.process import ServerHandle, realtime_payload_limit_bytes, start_server, stop_pid
from sagecli.train.job import run_training_job
from tests.conftest import shared_dir

HPS = {"num_round": "20", "objective": "binary:logistic", "max_depth": "3", "eval_metric": "auc"}


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    """(model.tar.gz, extracted model dir, dataset): trained once per test run for every xdist worker (shared_dir,
    read-only to the tests); the dataset is rebuilt from its seed, as the training job read it."""
    ds = make_dataset(3, 1500)

    def build(base: Path) -> None:
        dirs = write_channels(ds, base / "data")
        result = run_training_job(base / "job", "t", {k: dirs[k] for k in ("train", "validation")}, HPS)
        assert result.status == "Completed", result.failure_reason
        extract_model(base / "job" / "output" / "model.tar.gz", base / "extracted")

    base = shared_dir(tmp_path_factory, "serve-trained-model", build)
    return base / "job" / "output" / "model.tar.gz", base / "extracted", ds


def launch(model_dir: Path, state: Path, name: str, sampling: int = 100, json_requests: bool = False) -> ServerHandle:
    """Start an endpoint server with capture under state/capture (json_requests: custom inference code's JSON)."""
    config = {"model_dir": str(model_dir), "endpoint": name, "variant": "AllTraffic",
              "max_payload_bytes": realtime_payload_limit_bytes(),
              "capture": {"root": str(state / "capture"), "sampling_percentage": sampling}}
    if json_requests:
        config["json_requests"] = True
    return start_server(config, state)


@pytest.fixture(scope="module")
def endpoint(trained, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerHandle, Path]]:
    """A live endpoint named 'ep-test' and its state folder."""
    state = tmp_path_factory.mktemp("endpoint")
    handle = launch(trained[1], state, "ep-test")
    yield handle, state
    stop_pid(handle.pid)


@pytest.fixture(scope="module")
def json_endpoint(trained, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerHandle, Path]]:
    """'ep-test' started with json_requests: true, as custom inference code that reads JSON would be."""
    state = tmp_path_factory.mktemp("endpoint-json")
    handle = launch(trained[1], state, "ep-test", json_requests=True)
    yield handle, state
    stop_pid(handle.pid)
