"""Pre-flight checks: one clear line, before any resource exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagecli.contracts import FlowOptions, RunContext
from sagecli.errors import SageCliError
from sagecli.flow.backends.sagemaker import SageMakerBackend
from tests.aws.conftest import ACCESS_KEY, SECRET_KEY
from tests.aws.helpers import backend_options


def _prepare(tmp_path: Path, **opts) -> None:
    flow_opts = {k: opts.pop(k) for k in ("instance_type", "instance_count", "input_mode") if k in opts}
    ctx = RunContext(run_id="20260101-000000-abcdef", run_dir=tmp_path,
                     options=FlowOptions(backend_options=backend_options(**opts), **flow_opts))
    SageMakerBackend(ctx).prepare(ctx)


@pytest.mark.parametrize(("opts", "message"), [
    ({"region": "us-east-7"}, "unknown region 'us-east-7'"),
    ({"role_arn": "arn:aws:iam::123456789012:user/alice"}, "invalid role ARN"),
    ({"role_arn": "not-an-arn"}, "invalid role ARN"),
    ({"role_arn": None}, "--role-arn is required"),
    ({"role_arn": "arn:aws-cn:iam::123456789012:role/R"}, "partition"),
    ({"instance_type": "ml.t2.medium"}, "not accepted for training"),
    ({"instance_type": "ml.nonsense.xlarge"}, "not accepted for training"),
    ({"input_mode": "Streaming"}, "input mode 'Streaming'"),
    ({"instance_count": 0}, "--instance-count must be at least 1"),
])
def test_bad_input_fails_before_anything_exists(fake, tmp_path, opts, message):
    with pytest.raises(SageCliError) as err:
        _prepare(tmp_path, **opts)
    assert message in err.value.message
    assert "\n" not in err.value.message
    assert fake.client("s3").list_buckets()["Buckets"] == []
    assert "CreateBucket" not in fake.faults.seen


def test_missing_credentials(fake, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SageCliError, match="no AWS credentials found"):
        _prepare(tmp_path)
    assert fake.faults.seen == []  # not even STS was called


def test_rejected_credentials_never_echo_the_secret(fake, tmp_path):
    fake.faults.fail = "GetCallerIdentity"
    with pytest.raises(SageCliError) as err:
        _prepare(tmp_path)
    text = f"{err.value.message} {err.value.hint}"
    assert "AWS rejected the credentials" in text
    assert ACCESS_KEY not in text and SECRET_KEY not in text


def test_declined_confirmation_creates_nothing(fake, tmp_path):
    ctx = RunContext(run_id="20260101-000000-abcdef", run_dir=tmp_path,
                     options=FlowOptions(backend_options=backend_options()), confirm=lambda q: False)
    asked = []
    ctx.confirm = lambda q: asked.append(q) or False
    with pytest.raises(SageCliError, match="cancelled"):
        SageMakerBackend(ctx).prepare(ctx)
    assert "123456789012" in asked[0] and "us-east-1" in asked[0]
    assert fake.client("s3").list_buckets()["Buckets"] == []


def test_unreachable_endpoint_is_one_line(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(SageCliError) as err:
        _prepare(tmp_path)
    assert err.value.message.startswith("cannot reach AWS STS in us-east-1")
