"""Scenario tests for the training input decision, each written from an AWS documentation page."""

from __future__ import annotations

import pytest

BEST = "model-access-training-data-best-practices"

SCENARIOS = [
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (small: File)
    pytest.param({"dataset_gb": 10, "format": "csv"}, "file", id="small-csv"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (large files)
    pytest.param({"dataset_gb": 500, "avg_file_mb": 200}, "fastfile", id="large-files"),
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html (augmented manifest: Pipe)
    pytest.param({"format": "augmented-manifest"}, "pipe", id="augmented-manifest"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html (File only) + augmented manifest needs Pipe
    pytest.param({"format": "augmented-manifest", "algorithm": "deepar"}, None, id="manifest-file-only-algorithm"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (data in EFS)
    pytest.param({"storage": "efs", "dataset_gb": 50}, "efs", id="data-in-efs"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (FSx for Lustre channel)
    pytest.param({"storage": "fsx", "dataset_gb": 2000}, "fsx_lustre", id="data-in-fsx"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (EFS needs a VPC)
    pytest.param({"storage": "efs", "vpc": False}, None, id="efs-without-vpc"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (small, random)
    pytest.param({"dataset_gb": 2000, "avg_file_mb": 0.5, "access": "random"}, "fsx_lustre", id="many-small-random"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (FastFile: no VPC needed)
    pytest.param({"dataset_gb": 300, "fast_start": True}, "fastfile", id="fast-start-large"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (shared data)
    pytest.param({"dataset_gb": 1000, "shared": True}, "fsx_lustre", id="shared-by-many-jobs"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (File mode, POSIX files)
    pytest.param({"dataset_gb": 5, "posix": True}, "file", id="posix-small"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (FastFile: nothing to run)
    pytest.param({"dataset_gb": 400, "avg_file_mb": 500, "priority": "ops"}, "fastfile", id="ops-large"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/randomcutforest.html (File or Pipe; small data: File)
    pytest.param({"dataset_gb": 5, "algorithm": "random-cut-forest", "format": "csv"}, "file", id="rcf-small"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (volume holds the data)
    pytest.param({"dataset_gb": 200, "local_disk_gb": 100, "avg_file_mb": 300}, "fastfile", id="disk-too-small"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (throughput)
    pytest.param({"dataset_gb": 5000, "priority": "throughput", "access": "random"}, "fsx_lustre",
                 id="throughput-huge"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (Pipe: small volumes, stream)
    pytest.param({"dataset_gb": 800, "format": "recordio-protobuf", "algorithm": "linear-learner", "vpc": False,
                  "priority": "cost", "local_disk_gb": 50}, "pipe", id="pipe-builtin-recordio"),
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (File default)
    pytest.param({}, "file", id="defaults"),
]


@pytest.mark.parametrize(("facts", "expected"), SCENARIOS)
def test_input_mode_scenarios(choose, facts, expected):
    assert choose("input-mode", "input_mode", **facts) == expected


def _row(result, option):
    return next(r for r in result["decisions"][0]["ranked"] if r["option"] == option)


def test_file_only_algorithm_rules_out_pipe(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html (File mode only)
    row = _row(run("input-mode", algorithm="deepar"), "pipe")
    assert not row["eligible"] and "File" in row["reasons"][0]


def test_no_vpc_rules_out_file_systems(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html (FSx and EFS need a VPC)
    result = run("input-mode", dataset_gb=2000, avg_file_mb=0.5, access="random", vpc=False)
    assert result["decisions"][0]["choice"] not in ("fsx_lustre", "efs")
    assert any("VPC" in r for r in _row(result, "fsx_lustre")["reasons"])


def test_small_files_suggest_serializing(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html (~150 MB)
    row = _row(run("input-mode", dataset_gb=100, files=100000), "fastfile")
    assert any("150 MB" in r for r in row["reasons"])


def test_average_file_size_is_derived(run):
    result = run("input-mode", dataset_gb=100, files=1000)
    assert result["derived"]["avg_file_mb"] == pytest.approx(102.4)


def test_distributed_training_shards_by_s3_key(run):
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html (ShardedByS3Key: 1/n each)
    spread = run("input-mode", dataset_gb=10, instances=4, files=400)["decisions"][0]["s3_distribution"]
    assert spread["type"] == "ShardedByS3Key"


def test_fewer_objects_than_instances_replicates(run):
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html (instances <= objects)
    spread = run("input-mode", dataset_gb=10, instances=8, files=2)["decisions"][0]["s3_distribution"]
    assert spread["type"] == "FullyReplicated"


def _spread(run, **facts):
    return run("input-mode", **facts)["decisions"][0].get("s3_distribution")


def test_image_classification_recordio_in_pipe_is_fully_replicated(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/image-classification.html (RecordIO in pipe mode:
    # S3DataDistributionType FullyReplicated)
    spread = _spread(run, algorithm="image-classification", format="image-recordio", dataset_gb=800,
                     local_disk_gb=100, instances=4, files=400)
    assert spread["type"] == "FullyReplicated"


def test_random_cut_forest_train_channel_is_sharded(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/randomcutforest.html (train: ShardedByS3Key only)
    spread = _spread(run, algorithm="randomcutforest", format="csv", dataset_gb=5, instances=4, files=2)
    assert spread["type"] == "ShardedByS3Key"


def test_xgboost_dask_gpu_reads_fully_replicated(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html (Dask GPU training: FullyReplicated)
    spread = _spread(run, algorithm="xgboost", format="parquet", dataset_gb=40, instances=4, files=40,
                     needs=["dask-gpu-training"])
    assert spread["type"] == "FullyReplicated"


def test_documented_modes_are_marked_for_builtins_only(run):
    rows = run("input-mode", algorithm="deepar")["decisions"][0]["ranked"]
    marks = {r["option"]: r.get("documented") for r in rows}
    assert marks == {"file": True, "fsx_lustre": True, "efs": True, "pipe": False, "fastfile": False}
    assert all("documented" not in r for r in run("input-mode")["decisions"][0]["ranked"])


def test_explain_shows_the_input_rule_and_its_page():
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ShuffleConfig.html
    from typer.testing import CliRunner

    from sagecli.cli import app

    result = CliRunner().invoke(app, ["recommend", "input-mode", "--dataset-gb", "200", "--avg-file-mb", "100",
                                      "--need", "reshuffle-every-epoch", "--explain", "--no-input"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("input mode: pipe")
    assert "[pipe-reshuffles-every-epoch]" in result.output
    assert "API_ShuffleConfig.html" in result.output


def test_kmeans_train_channel_is_sharded_on_several_instances(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/k-means.html (train: ShardedByS3Key recommended)
    assert _spread(run, algorithm="kmeans", format="csv", dataset_gb=5, instances=3, files=2)["type"] == \
        "ShardedByS3Key"
    assert _spread(run, algorithm="kmeans", format="csv", dataset_gb=5)["type"] == "FullyReplicated"


def test_xgboost_cpu_distributed_is_sharded_and_asks_for_enough_files(run):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html (ShardedByS3Key, files >= instances)
    spread = _spread(run, algorithm="xgboost", format="csv", dataset_gb=20, instances=4, files=2)
    assert spread["type"] == "ShardedByS3Key" and "at least 4 files" in spread["reason"]
