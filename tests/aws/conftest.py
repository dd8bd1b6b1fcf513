"""Fixtures for the SageMaker backend tests: one fake SageMaker (moto) per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.aws.fake_sagemaker import REGION, FakeSageMaker

# Dummy credentials: the tests also check that they never appear in any output or file.
ACCESS_KEY = "AKIASAGECLIDUMMYKEY7"
SECRET_KEY = "sagecli-dummy-secret-never-printed-0123456789"
ROLE_ARN = "arn:aws:iam::123456789012:role/SageCliDemoRole"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeSageMaker]:
    pytest.importorskip("moto")
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
