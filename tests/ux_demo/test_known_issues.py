"""The four issues the authors reported: the kept-endpoint message, teardown with nothing created, the model
package group name, and what the transform step reports on AWS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagecli.aws.plan import PlanSpec, build_plan
from sagecli.contracts import DEFAULT_MODEL_PACKAGE_GROUP, FlowOptions
from sagecli.errors import SageCliError
from sagecli.flow.runner import run_flow
from tests.aws.conftest import ROLE_ARN
from tests.aws.helpers import leftovers
from tests.conftest import run_cli

AWS = ("run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN, "--region", "us-east-1")


def _steps(stdout: str) -> dict[str, dict]:
    return {s["name"]: s for s in json.loads(stdout)["steps"]}


def test_kept_sagemaker_endpoint_names_cleanup_and_billing(fake):
    res = run_cli(*AWS, "--yes", "--json", "--rows", "600", "--keep-endpoint", timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    run_id = json.loads(res.stdout)["run_id"]
    teardown = _steps(res.stdout)["teardown"]
    assert f"sagecli cleanup --run-id {run_id}" in teardown["summary"] and "billing" in teardown["summary"]
    assert "endpoint stop" not in teardown["summary"] + res.stderr
    assert f"sagecli cleanup --run-id {run_id}" in res.stderr  # also said outside the JSON
    assert any(x.startswith("Endpoints:") for x in leftovers(fake, run_id))
    done = run_cli("cleanup", "--run-id", run_id, "--region", "us-east-1", "--yes")
    assert done.returncode == 0, done.stderr
    assert leftovers(fake, run_id) == []


def test_kept_local_endpoint_names_endpoint_stop(tmp_path: Path):
    res = run_cli("run-demo", "--json", "--keep-endpoint", "--steps", "deploy", "--rows", "600",
                  "--run-dir", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr[-2000:]
    teardown = _steps(res.stdout)["teardown"]
    name = _steps(res.stdout)["deploy"]["data"]["endpoint"]
    try:
        assert f"sagecli endpoint stop {name}" in teardown["summary"] and "cleanup" not in teardown["summary"]
        assert teardown["summary"].startswith(f"endpoint {name} kept at http://127.0.0.1:")  # no "nothing left"
        listed = run_cli("endpoint", "list", env={"COLUMNS": "80"})
        url = _steps(res.stdout)["deploy"]["data"]["url"]
        row = next(ln for ln in listed.stdout.splitlines() if ln.startswith(name))
        assert url in row and "InService" in row and "…" not in listed.stdout
    finally:
        assert run_cli("endpoint", "stop", name).returncode == 0


def test_dry_run_teardown_says_nothing_was_created(fake, tmp_path: Path):
    seen = {}
    opts = FlowOptions(rows=300, backend_options={"role_arn": ROLE_ARN, "region": "us-east-1", "dry_run": True})
    try:
        run_flow("sagemaker", opts, tmp_path / "run", "20260101-000000-d1d1d1",
                 observer=lambda r: seen.__setitem__(r.name, r.summary))
    except SystemExit as stop:
        assert stop.code == 0
    assert seen["teardown"] == "nothing was created, nothing to remove"


def test_early_error_teardown_says_nothing_was_created(tmp_path: Path):
    seen = {}
    opts = FlowOptions(rows=300, entry_point=tmp_path / "gone.py")  # prepare() refuses it
    with pytest.raises(SageCliError, match="does not exist"):
        run_flow("local", opts, tmp_path / "run", "20260101-000000-e1e1e1",
                 observer=lambda r: seen.__setitem__(r.name, r.summary))
    assert seen["teardown"] == "nothing was created, nothing to remove"


def test_one_model_package_group_for_flow_and_plan(tmp_path: Path):
    spec = PlanSpec(run_id="r1", region="us-east-1", account="123456789012", role_arn=ROLE_ARN, bucket="b",
                    bucket_exists=True, image="img", steps=("register",), group_name="churn-team-a")
    groups = {c.params.get("ModelPackageGroupName") for c in build_plan(spec)
              if c.operation in ("CreateModelPackageGroup", "CreateModelPackage")}
    assert groups == {"churn-team-a"}
    assert FlowOptions().model_package_group == DEFAULT_MODEL_PACKAGE_GROUP
    res = run_cli("run-demo", "--json", "--steps", "register", "--rows", "600", "--model-package-group",
                  "churn-team-a", "--run-dir", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr[-2000:]
    assert _steps(res.stdout)["register"]["data"]["group"] == "churn-team-a"
    listed = json.loads(run_cli("registry", "list", "--json").stdout)
    assert [g["ModelPackageGroupName"] for g in listed] == ["churn-team-a"]


def test_model_package_group_in_the_aws_plan(fake):
    res = run_cli(*AWS, "--dry-run", "--json", "--model-package-group", "churn-team-b")
    assert res.returncode == 0, res.stderr
    names = {r["request"].get("ModelPackageGroupName") for r in json.loads(res.stdout)["requests"]
             if r["operation"] in ("CreateModelPackageGroup", "CreateModelPackage")}
    assert names == {"churn-team-b"}


def test_bad_model_package_group_is_a_usage_error():
    res = run_cli("run-demo", "--model-package-group", "no_underscores!")
    assert res.returncode == 2 and "invalid model package group name" in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) <= 2


def test_aws_transform_reports_records_and_files_not_zero_requests(fake, tmp_path: Path):
    opts = FlowOptions(rows=300, min_auc=0.0, steps=("transform",),
                       backend_options={"role_arn": ROLE_ARN, "region": "us-east-1", "poll_s": 0.01})
    result = run_flow("sagemaker", opts, tmp_path / "run", "20260101-000000-7a7a7a")
    step = result.step("transform")
    assert result.ok and step is not None, result.error
    assert step.data["requests"] is None and step.data["records"] > 0 and step.data["files"] == 1
    assert "0 " not in step.summary.split("records")[1] and "request" not in step.summary
    assert step.summary.startswith(f"{step.data['records']} records from 1 output file(s)")


def test_registry_show_prints_whole_artifact_uris(tmp_path: Path):
    res = run_cli("run-demo", "--json", "--steps", "register", "--rows", "400", "--run-dir", str(tmp_path / "r"))
    assert res.returncode == 0, res.stderr[-2000:]
    shown = run_cli("registry", "show", DEFAULT_MODEL_PACKAGE_GROUP, env={"COLUMNS": "80"})
    artifact = (tmp_path / "r").resolve().as_uri()
    assert any(ln.startswith("v1 model artifact: " + artifact) and ln.endswith("model.tar.gz")
               for ln in shown.stdout.splitlines())
