"""Checks before anything exists on AWS: bucket names S3 would refuse, instance types per planned step."""

from __future__ import annotations

import pytest

from sagecli.aws.checks import check_bucket_name
from sagecli.errors import SageCliError
from tests.aws.conftest import ROLE_ARN
from tests.conftest import run_cli

AWS = ("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1")


@pytest.mark.parametrize("name", ["Bad_Bucket", "ab", "a" * 64, "-lead", "trail-", "my..bucket", "192.168.5.4",
                                  "xn--abc", "sthree-x", "amzn-s3-demo-x", "x-s3alias", "x--ol-s3", "x.mrap"])
def test_bucket_names_s3_refuses(name):
    with pytest.raises(SageCliError, match="invalid S3 bucket name"):
        check_bucket_name(name)


@pytest.mark.parametrize("name", ["abc", "my-bucket.v2", "sagemaker-us-east-1-123456789012", "a" * 63])
def test_bucket_names_s3_accepts(name):
    assert check_bucket_name(name) == name


def test_bad_bucket_fails_before_anything_is_created(fake):
    res = run_cli(*AWS, "--bucket", "Bad_Bucket", "--yes")
    assert res.returncode == 1 and "Error: invalid S3 bucket name 'Bad_Bucket'" in res.stderr
    assert "Traceback" not in res.stderr
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def test_instance_type_is_checked_only_for_the_planned_steps(fake):
    # ml.p4d.24xlarge is in TrainingInstanceType but not in TransformInstanceType
    train_only = run_cli(*AWS, "--steps", "train", "--instance-type", "ml.p4d.24xlarge", "--dry-run")
    assert train_only.returncode == 0, train_only.stderr
    full = run_cli(*AWS, "--instance-type", "ml.p4d.24xlarge", "--dry-run")
    assert full.returncode == 1 and "not accepted for transform" in full.stderr


def test_refused_run_leaves_no_run_folder(fake, sagecli_home):
    res = run_cli(*AWS[:-2], "--region", "mars-east-1", "--yes")
    assert res.returncode == 1 and "unknown region 'mars-east-1'" in res.stderr
    dry = run_cli(*AWS, "--dry-run")
    assert dry.returncode == 0 and "Plan for run" in dry.stdout
    assert not (sagecli_home / "runs").exists() or list((sagecli_home / "runs").iterdir()) == []


def test_closed_stdin_is_no_answer_and_creates_nothing(fake):
    res = run_cli(*AWS, "--rows", "400", input="")
    assert res.returncode == 1 and "Error: no answer to the confirmation" in res.stderr
    assert "--yes" in res.stderr and "Aborted" not in res.stdout + res.stderr
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def test_piped_no_cancels_on_its_own_line(fake):
    res = run_cli(*AWS, "--rows", "400", input="n\n")
    assert res.returncode == 1 and "Error: cancelled: nothing was created" in res.stderr
    question = next(ln for ln in res.stdout.splitlines() if ln.startswith("Create these resources"))
    assert question.rstrip().endswith("(n):")


def test_cleanup_that_cannot_connect_says_nothing_was_deleted(fake):
    res = run_cli("cleanup", "--dry-run", "--region", "us-east-1", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"})
    assert res.returncode == 1 and "cannot reach AWS STS" in res.stderr
    assert "nothing was deleted" in res.stderr and "nothing was created" not in res.stderr
