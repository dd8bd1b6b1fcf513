"""The plan: every request validates offline against botocore's model, and says what the issue asks."""

from __future__ import annotations

import pytest

from sagecli.aws.api_calls import TAG_KEY
from sagecli.aws.images import lookup
from sagecli.aws.plan import PlanSpec, build_plan, validate_plan
from sagecli.aws.validate import problems_for

CHANNELS = {"train": ["train.csv"], "validation": ["validation.csv"], "transform": ["test.csv"]}


def _spec(**kw) -> PlanSpec:
    base = dict(run_id="20260101-000000-abcdef", region="eu-west-1", account="123456789012",
                role_arn="arn:aws:iam::123456789012:role/R", bucket="sagemaker-eu-west-1-123456789012",
                bucket_exists=False, image=lookup("image-sagemaker-xgboost", "eu-west-1"),
                hyperparameters={"num_round": "10", "objective": "binary:logistic"}, channel_files=CHANNELS)
    return PlanSpec(**{**base, **kw})


def _ops(plan):
    return {c.operation: c.params for c in plan}


@pytest.mark.parametrize("kw", [
    {}, {"instance_count": 3, "spot": True}, {"bucket_exists": True, "group_exists": True},
    {"monitoring_image": lookup("image-model-monitor-analyzer", "eu-west-1"), "input_mode": "Pipe"},
    {"instance_type": "ml.g5.xlarge", "sampling_percentage": 20, "join_source": "Input"},
])
def test_every_request_validates(kw):
    plan = build_plan(_spec(**kw))
    assert validate_plan(plan) == {}
    for call in plan:
        if call.operation.startswith("Create") and call.service == "sagemaker":
            assert {"Key": TAG_KEY, "Value": "20260101-000000-abcdef"} in call.params["Tags"]
        if call.operation == "PutObject":
            assert "sagecli%3Arun-id=20260101-000000-abcdef" in call.params["Tagging"]


def test_validator_catches_bad_requests():
    plan = _ops(build_plan(_spec()))
    bad = dict(plan["CreateEndpoint"], Tags=[{"Key": TAG_KEY}])
    assert any('"Value"' in p for p in problems_for("sagemaker", "CreateEndpoint", bad))
    cfg = plan["CreateEndpointConfig"]
    wrong = dict(cfg, ProductionVariants=[dict(cfg["ProductionVariants"][0], InstanceType="ml.t2.huge")])
    assert any("ProductionVariantInstanceType" in p for p in problems_for("sagemaker", "CreateEndpointConfig", wrong))
    assert problems_for("sagemaker", "CreateModel", dict(plan["CreateModel"], ModelName="a_b"))


def test_training_job_request():
    ops = _ops(build_plan(_spec(instance_count=2, spot=True)))
    job = ops["CreateTrainingJob"]
    assert job["AlgorithmSpecification"]["TrainingImage"] == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/" \
                                                             "sagemaker-xgboost:1.7-1"
    dist = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3DataDistributionType"] for c in job["InputDataConfig"]}
    assert dist == {"train": "ShardedByS3Key", "validation": "FullyReplicated"}
    stop = job["StoppingCondition"]
    assert stop["MaxRuntimeInSeconds"] == 3600 and stop["MaxWaitTimeInSeconds"] > stop["MaxRuntimeInSeconds"]
    assert job["EnableManagedSpotTraining"] is True and "CheckpointConfig" in job
    one = _ops(build_plan(_spec()))["CreateTrainingJob"]
    assert one["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600} and "EnableManagedSpotTraining" not in one
    assert {c["DataSource"]["S3DataSource"]["S3DataDistributionType"] for c in one["InputDataConfig"]} == \
        {"FullyReplicated"}


def test_shards_and_bucket():
    plan = build_plan(_spec(instance_count=3))
    keys = [c.params["Key"] for c in plan if c.operation == "PutObject" and "/input/train/" in c.params["Key"]]
    assert len(keys) == 3
    assert plan[0].params == {"Bucket": "sagemaker-eu-west-1-123456789012",
                              "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}
    assert "CreateBucket" not in _ops(build_plan(_spec(bucket_exists=True)))


def test_capture_registry_and_monitoring():
    ops = _ops(build_plan(_spec(sampling_percentage=30)))
    cap = ops["CreateEndpointConfig"]["DataCaptureConfig"]
    assert cap["EnableCapture"] and cap["InitialSamplingPercentage"] == 30
    assert [o["CaptureMode"] for o in cap["CaptureOptions"]] == ["Input", "Output"]
    assert cap["DestinationS3Uri"].startswith("s3://sagemaker-eu-west-1-123456789012/sagecli/")
    pkg = ops["CreateModelPackage"]
    assert pkg["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"].endswith("evaluation.json")
    assert "CreateMonitoringSchedule" not in ops
    mon = _ops(build_plan(_spec(monitoring_image=lookup("image-model-monitor-analyzer", "eu-west-1"))))
    assert "CreateMonitoringSchedule" in mon


def test_cost_estimate_from_the_knowledge_base():
    from sagecli.aws.cost import estimate
    from sagecli.knowledge.store import load_kb

    kb = load_kb()
    price = kb.instance("ml.m5.xlarge")[1]["price"]
    plan = build_plan(_spec(region="us-east-1", instance_count=2, spot=True, max_runtime_s=1800))
    lines = {c.resource: c for c in estimate(plan, "us-east-1", kb)}
    assert set(lines) == {"TrainingJob", "Endpoint", "TransformJob"}
    train = lines["TrainingJob"]
    assert train.usd_per_hour == pytest.approx(2 * price["usd_per_hour"])
    assert train.max_hours == pytest.approx((1800 + 3600) / 3600)  # MaxWait bounds a spot job
    assert price["component"] in train.note and "spot" in train.note
    elsewhere = {c.resource: c for c in estimate(build_plan(_spec()), "eu-west-1", kb)}
    assert elsewhere["Endpoint"].usd_per_hour is None and "only has the us-east-1 price" in elsewhere["Endpoint"].note
    unknown = estimate(build_plan(_spec(instance_type="ml.c7i.large")), "us-east-1", kb)
    assert all(c.usd_per_hour is None and c.note.startswith("unknown") for c in unknown)


def test_plan_follows_the_chosen_steps():
    from sagecli.flow.runner import plan_steps

    ops = lambda steps: [c.operation for c in build_plan(_spec(steps=tuple(plan_steps(steps)[0])))]  # noqa: E731
    assert "CreateEndpoint" not in ops(("evaluate",)) and "CreateTrainingJob" in ops(("evaluate",))
    transform_only = ops(("transform",))
    assert "CreateModel" in transform_only and "CreateEndpointConfig" not in transform_only
    assert "CreateModelPackage" not in transform_only
    assert ops(("process",)) == ["CreateBucket", "PutBucketTagging", "PutObject", "PutObject", "PutObject"]
    assert "CreateEndpoint" in ops(("monitor",))


def test_algorithm_notes_from_the_knowledge_base():
    from sagecli.aws.preflight import algorithm_notes

    assert algorithm_notes("File") == [] and algorithm_notes("Pipe") == []
    assert "FastFile is not among them" in algorithm_notes("FastFile")[0]
