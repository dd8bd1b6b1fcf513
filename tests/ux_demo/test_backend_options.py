"""sagemaker-only options given to the local backend stop the run with one line (they were meant for AWS)."""

from __future__ import annotations

import pytest

from sagecli.commands.demo_run import check_backend_options
from sagecli.contracts import FlowOptions
from sagecli.errors import UsageError
from tests.conftest import run_cli


@pytest.mark.parametrize(("options", "flags"), [
    (FlowOptions(backend_options={"role_arn": "arn"}), "--role-arn only applies"),
    (FlowOptions(backend_options={"spot": True, "bucket": "b"}), "--bucket, --spot only apply"),
    (FlowOptions(instance_count=2), "--instance-count only applies"),
])
def test_local_refuses_aws_only_options(options, flags):
    with pytest.raises(UsageError, match=flags):
        check_backend_options("local", options)
    check_backend_options("sagemaker", options)  # the same options are fine there


def test_harmless_options_pass_on_local():
    check_backend_options("local", FlowOptions(backend_options={"yes": True, "json": True, "region": None}))


def test_cli_line(tmp_path):
    res = run_cli("run-demo", "--spot", "--steps", "process", "--run-dir", str(tmp_path / "r"))
    assert res.returncode == 2 and "Error: --spot only applies to --backend sagemaker" in res.stderr
    assert not (tmp_path / "r").exists()
