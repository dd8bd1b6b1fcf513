"""The real `sagecli run-demo --backend sagemaker` against the fake SageMaker: the whole flow, the dry run,
Ctrl-C, and a failure at every create call (the same flow code, in-process, for speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.aws.validate import problems_for
from sagecli.contracts import FlowOptions
from sagecli.flow.runner import run_flow
from tests.aws.conftest import ACCESS_KEY, ROLE_ARN, SECRET_KEY
from tests.aws.helpers import leftovers
from tests.conftest import ROOT, run_cli

AWS_ARGS = ("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1")
CREATE_CALLS = ["CreateBucket", "PutBucketTagging", "PutObject", "CreateTrainingJob", "CreateModelPackageGroup",
                "CreateModelPackage", "CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateTransformJob"]


def _no_secrets(*texts: str) -> None:
    for text in texts:
        assert ACCESS_KEY not in text and SECRET_KEY not in text


def test_whole_demo_on_the_fake(fake, sagecli_home):
    res = run_cli(*AWS_ARGS, "--yes", "--json", "--rows", "1000", timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    steps = {s["name"]: s for s in summary["steps"]}
    assert [s["status"] for s in summary["steps"]] == ["ok"] * 9
    assert steps["register"]["data"]["approval_status"] == "Approved"
    assert steps["invoke"]["summary"].endswith("predictions match the evaluated model")
    assert steps["monitor"]["data"]  # the same monitor code read the capture files from S3
    assert leftovers(fake, summary["run_id"]) == []
    assert fake.client("s3").list_buckets()["Buckets"] == []
    ledger_text = (ledger_dir() / f"{summary['run_id']}.json").read_text()
    assert Ledger.load(ledger_dir() / f"{summary['run_id']}.json").live() == []
    assert "account 123456789012" not in res.stdout  # --json: the plan goes to stderr, the summary to stdout
    _no_secrets(res.stdout, res.stderr, ledger_text)
    ops = fake.faults.seen
    assert {op for op in ops if op.startswith(("Create", "Put"))} == set(CREATE_CALLS)  # each is fault-tested below
    assert ops.index("GetCallerIdentity") < ops.index("CreateBucket") < ops.index("CreateTrainingJob") \
        < ops.index("CreateEndpoint") < ops.index("DeleteEndpoint")


def test_dry_run_plan_validates_and_creates_nothing(fake):
    res = run_cli(*AWS_ARGS, "--dry-run", "--json", "--instance-count", "2", "--spot", "--monitoring-schedule",
                  "--input-mode", "fastfile")
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["account"] == "123456789012" and plan["region"] == "us-east-1"
    ops = [r["operation"] for r in plan["requests"]]
    assert ops[:2] == ["CreateBucket", "PutBucketTagging"] and "CreateMonitoringSchedule" in ops
    for req in plan["requests"]:
        assert problems_for(req["service"], req["operation"], req["request"]) == [], req["operation"]
    assert {c["resource"] for c in plan["cost"]} == {"TrainingJob", "Endpoint", "TransformJob", "MonitoringSchedule"}
    assert all(c["usd_per_hour"] is None or c["usd_per_hour"] > 0 for c in plan["cost"])
    assert len(plan["notes"]) == 1 and "FastFile is not among them" in plan["notes"][0]
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]
    text = run_cli(*AWS_ARGS, "--dry-run")
    assert "Note:" not in text.stdout  # File mode is in the algorithm's list
    assert text.returncode == 0 and "Plan for run" in text.stdout and "Cost estimate per resource-hour" in text.stdout
    _no_secrets(res.stdout, res.stderr, text.stdout, text.stderr)


def test_bad_role_is_one_line_before_anything(fake):
    res = run_cli(*AWS_ARGS[:-4], "--role-arn", "arn:aws:iam::123456789012:user/bob", "--yes")
    assert res.returncode == 1
    assert res.stderr.splitlines()[0].startswith("Error: ") and "invalid role ARN" in res.stderr
    assert "Traceback" not in res.stderr
    assert not [op for op in fake.faults.seen if op.startswith(("Create", "Put"))]


def _interrupted_run(fake, *signals: str) -> tuple[int, str, str]:
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sagecli", *AWS_ARGS, "--yes", "--json", "--rows", "400"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    fake.faults.pid, fake.faults.interrupt = proc.pid, list(signals)
    out, err = proc.communicate(timeout=120)
    assert fake.faults.interrupt == []  # every signal was sent, each in the middle of its call
    return proc.returncode, out, err


@pytest.mark.parametrize("operation", ["CreateTrainingJob", "CreateEndpoint"])
def test_ctrl_c_mid_flow_leaves_nothing(fake, operation):
    code, out, err = _interrupted_run(fake, operation)
    assert code == 130, err[-2000:]
    run_id = next(p.stem for p in ledger_dir().glob("*.json"))
    assert leftovers(fake, run_id) == []
    assert fake.client("s3").list_buckets()["Buckets"] == []
    _no_secrets(out, err)


def test_second_ctrl_c_during_teardown_does_not_stop_it(fake):
    code, out, err = _interrupted_run(fake, "CreateEndpoint", "DeleteEndpoint")
    assert code == 130, err[-2000:]
    assert "finishing teardown first" in err
    run_id = next(p.stem for p in ledger_dir().glob("*.json"))
    assert leftovers(fake, run_id) == []
    assert fake.client("s3").list_buckets()["Buckets"] == []


@pytest.mark.parametrize("operation", CREATE_CALLS)
def test_failure_at_each_create_call_tears_down_the_rest(fake, tmp_path: Path, operation):
    fake.faults.fail = operation
    opts = FlowOptions(rows=300, min_auc=0.0, backend_options={"role_arn": ROLE_ARN, "region": "us-east-1",
                                                               "poll_s": 0.01})
    result = run_flow("sagemaker", opts, tmp_path / "run", "20260101-000000-f0f0f0")
    assert not result.ok and f"{operation} failed" in (result.error or "")
    fake.faults.fail = None
    assert leftovers(fake, "20260101-000000-f0f0f0") == []
    assert fake.client("s3").list_buckets()["Buckets"] == []
    assert Ledger.load(ledger_dir() / "20260101-000000-f0f0f0.json").live() == []
    assert result.step("teardown").status == "ok"

