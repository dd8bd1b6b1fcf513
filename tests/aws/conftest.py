"""Fixtures for the SageMaker backend tests: one fake SageMaker (moto) per session, reset per test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from unittest import mock

import pytest

from tests.aws.fake_sagemaker import REGION, FakeSageMaker

# Dummy credentials: the tests also check that they never appear in any output or file.
ACCESS_KEY = "AKIASAGECLIDUMMYKEY7"
SECRET_KEY = "sagecli-dummy-secret-never-printed-0123456789"
ROLE_ARN = "arn:aws:iam::123456789012:role/SageCliDemoRole"


class _NoDuplicates(list):
    """Search paths that boto3 appends to on every Session: with a shared loader, keep each path once."""

    def append(self, item: str) -> None:
        if item not in self:
            super().append(item)


@contextlib.contextmanager
def shared_botocore_loader() -> Iterator[None]:
    """One botocore data loader for this test process, so each service model is parsed once, not per client.

    Every client that sagecli, the tests and moto create reads its service's JSON model again (about 0.1 s of
    CPU for SageMaker's); the data are static files, so one loader (botocore caches per loader) serves all.
    Only this process is affected: `sagecli` run as a process loads botocore as usual.
    """
    import botocore.loaders
    import botocore.session

    original = botocore.loaders.create_loader
    loaders: dict[str | None, botocore.loaders.Loader] = {}

    def create_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loader = original(search_path_string)
            loader._search_paths = _NoDuplicates(loader.search_paths)
            loaders[search_path_string] = loader
        return loaders[search_path_string]

    with mock.patch.object(botocore.session, "create_loader", create_loader):
        yield


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeSageMaker]:
    pytest.importorskip("moto")
    with shared_botocore_loader():
        server = FakeSageMaker().start()
        yield server
        server.stop()


@pytest.fixture
def fake(fake_server: FakeSageMaker, monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> Iterator[FakeSageMaker]:
    """A clean fake SageMaker, with this process's AWS settings pointing at it."""
    fake_server.reset()
    empty = tmp_path_factory.mktemp("aws-config") / "none"
    env = {"AWS_ENDPOINT_URL": fake_server.url, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
           "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION, "AWS_MAX_ATTEMPTS": "1",
           "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    yield fake_server
    fake_server.faults.reset()
