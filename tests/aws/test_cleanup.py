"""`sagecli cleanup` finds a run's leftovers by tag and deletes them (the real command, in a subprocess)."""

from __future__ import annotations

import json

from sagecli.aws.api_calls import tag_list
from tests.aws.conftest import ACCESS_KEY, ROLE_ARN, SECRET_KEY
from tests.aws.helpers import leftovers
from tests.aws.test_backend import RUN, _backend, _drive
from tests.conftest import run_cli

OTHER = "20251231-230000-0f0f0f"


def _orphan(fake, run_id: str) -> None:
    """Resources a crashed run left behind, with no ledger on this machine."""
    sm = fake.client("sagemaker")
    sm.create_model(ModelName=f"orphan-{run_id[-6:]}", ExecutionRoleArn=ROLE_ARN,
                    PrimaryContainer={"Image": "x"}, Tags=tag_list(run_id))
    sm.create_endpoint_config(EndpointConfigName=f"orphan-{run_id[-6:]}", Tags=tag_list(run_id),
                              ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": f"orphan-{run_id[-6:]}",
                                                   "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}])


def test_cleanup_by_run_id(fake, tmp_path):
    backend, ctx = _backend(tmp_path)
    _drive(backend, ctx, tmp_path, keep=True)  # endpoint, config, model and data are left on purpose
    _orphan(fake, OTHER)
    assert leftovers(fake, RUN)

    dry = run_cli("cleanup", "--run-id", RUN, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    found = json.loads(dry.stdout)["found"]
    assert {f["kind"] for f in found} >= {"Endpoint", "EndpointConfig", "Model", "S3Prefix"}
    assert all(f["run_id"] == RUN for f in found)
    assert leftovers(fake, RUN)  # a dry run deletes nothing

    done = run_cli("cleanup", "--run-id", RUN, "--yes")
    assert done.returncode == 0, done.stderr
    assert "account 123456789012, region us-east-1" in done.stdout
    assert leftovers(fake, RUN) == []
    assert leftovers(fake, OTHER)  # another run's resources are untouched
    for text in (dry.stdout, dry.stderr, done.stdout, done.stderr):
        assert ACCESS_KEY not in text and SECRET_KEY not in text


def test_cleanup_all_and_older_than(fake):
    _orphan(fake, OTHER)
    young = run_cli("cleanup", "--older-than", "2h", "--yes")
    assert young.returncode == 0 and "Nothing tagged" in young.stdout
    assert leftovers(fake, OTHER)
    everything = run_cli("cleanup", "--yes")
    assert everything.returncode == 0, everything.stderr
    assert leftovers(fake, OTHER) == []


def test_cleanup_needs_confirmation_without_a_terminal(fake):
    _orphan(fake, OTHER)
    res = run_cli("cleanup", input="")
    assert res.returncode == 1 and "pass --yes" in res.stderr
    assert leftovers(fake, OTHER)


def test_cleanup_bad_duration_is_a_usage_error(fake):
    res = run_cli("cleanup", "--older-than", "soon")
    assert res.returncode == 2 and res.stderr.startswith("Error: --older-than 'soon' is not a duration")


def test_cleanup_finds_versions_in_a_shared_group(fake):
    sm = fake.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="team-models")  # not created by sagecli: no tag
    arn = sm.create_model_package(
        ModelPackageGroupName="team-models", ModelApprovalStatus="Approved", Tags=tag_list(OTHER),
        InferenceSpecification={"Containers": [{"Image": "x"}], "SupportedContentTypes": ["text/csv"],
                                "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]
    res = run_cli("cleanup", "--run-id", OTHER, "--yes")
    assert res.returncode == 0, res.stderr
    assert "ModelPackage" in res.stdout
    groups = [g["ModelPackageGroupName"] for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]]
    assert groups == ["team-models"]  # the group is someone else's and stays
    assert arn not in str(sm.list_model_packages(ModelPackageGroupName="team-models"))


def test_cleanup_stops_a_running_training_job_and_skips_finished_ones(fake):
    from moto.sagemaker.models import sagemaker_backends

    sm, s3 = fake.client("sagemaker"), fake.client("s3")
    s3.create_bucket(Bucket="other-data")
    s3.put_object(Bucket="other-data", Key="train/t.csv", Body=b"1,0.5\n0,0.1\n1,0.9\n0,0.2\n")
    channel = [{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://other-data/train/"}}}]
    for name in ("running-job", "done-job"):
        sm.create_training_job(
            TrainingJobName=name, RoleArn=ROLE_ARN, Tags=tag_list(OTHER), HyperParameters={"num_round": "2"},
            AlgorithmSpecification={"TrainingImage": "x", "TrainingInputMode": "File"},
            InputDataConfig=channel, OutputDataConfig={"S3OutputPath": "s3://other-data/out/"},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 60})
    sagemaker_backends["123456789012"]["us-east-1"].training_jobs["running-job"].training_job_status = "InProgress"
    res = run_cli("cleanup", "--run-id", OTHER, "--yes")
    assert res.returncode == 0, res.stderr
    assert "running-job: stopped (Stopped)" in res.stdout and "done-job" not in res.stdout
    assert sm.describe_training_job(TrainingJobName="running-job")["TrainingJobStatus"] == "Stopped"
