"""Issue 15 item 10: the training job's /opt/ml/input/config holds the files real jobs get.

Real copies the expectations come from:
- REAL_2020: shiftan/simple_sagemaker, examples/single_task/expected_output/output/algo-1/input_dir_copy/config/
  (a real training job copied its own /opt/ml/input/config): metric-definition-regex.json and
  upstreamoutputdataconfig.json are `[]`; trainingjobconfig.json's keys and value spellings are below.
- REAL_2025: warlock601/CNN-AWS-SageMaker, Traffic-Sign-Classification/README.md, the log of a real
  2025-12-26 job on ml.c5.xlarge: SM_RESOURCE_CONFIG (resourceconfig.json) as printed there.
"""

from __future__ import annotations

import json
from pathlib import Path

from sagecli.train.jobdir import create_job_dir, training_env

# REAL_2025: SM_RESOURCE_CONFIG of the 2025-12-26 job, verbatim.
REAL_RESOURCE_CONFIG = json.loads(
    '{"current_group_name":"homogeneousCluster","current_host":"algo-1","current_instance_type":"ml.c5.xlarge",'
    '"hosts":["algo-1"],"instance_groups":[{"hosts":["algo-1"],"instance_group_name":"homogeneousCluster",'
    '"instance_type":"ml.c5.xlarge"}],"network_interface_name":"eth0","topology":null}')
# REAL_2020: trainingjobconfig.json's top-level keys (Tags, BaseTags, RoleArn, DebugHookConfig and
# CheckpointConfig are left out locally, see sagecli/train/jobdir.py).
REAL_TRAINING_JOB_KEYS = {"EnableInterContainerTrafficEncryption", "EnableNetworkIsolation",
                          "EnableManagedSpotTraining", "HyperParameters", "InputDataConfig", "OutputDataConfig",
                          "ResourceConfig", "RoleArn", "Tags", "BaseTags", "TrainingJobName", "StoppingCondition",
                          "AlgorithmSpecification", "TrainingJobArn", "DebugHookConfig", "CheckpointConfig"}
# REAL_2020: one InputDataConfig entry with its S3 URI taken out, and the enum spellings the platform stores.
REAL_CHANNEL = {"ChannelName": "data", "DataSource": {"S3DataSource": {"S3DataType": "S3_PREFIX",
                                                                        "S3DataDistributionType": "SHARDED_BY_S3_KEY"}},
                "CompressionType": "NONE", "RecordWrapperType": "NONE"}


def _job(tmp_path: Path, **kw) -> Path:
    data = tmp_path / "src" / "train"
    data.mkdir(parents=True)
    (data / "train.csv").write_text("1,2,3\n")
    create_job_dir(tmp_path / "job", {"train": data}, {"num_round": 5, "objective": "binary:logistic"}, "File",
                   instance_type="ml.c5.xlarge", **kw)
    return tmp_path / "job" / "input" / "config"


def test_resourceconfig_matches_a_recent_real_job(tmp_path: Path) -> None:
    cfg = _job(tmp_path)
    assert json.loads((cfg / "resourceconfig.json").read_text()) == REAL_RESOURCE_CONFIG
    env = training_env(tmp_path / "job", ["train"], {}, "j", "ml.c5.xlarge", "m")
    assert json.loads(env["SM_RESOURCE_CONFIG"])["topology"] is None


def test_empty_platform_files_are_what_real_jobs_get(tmp_path: Path) -> None:
    cfg = _job(tmp_path)
    # REAL_2020 holds `[]` in both; another real job's `ls -la` lists metric-definition-regex.json at 2 bytes
    assert (cfg / "metric-definition-regex.json").read_bytes() == b"[]"
    assert (cfg / "upstreamoutputdataconfig.json").read_bytes() == b"[]"
    assert not (cfg / "init-config.json").exists()  # left out: see the jobdir module docstring


def test_trainingjobconfig_has_the_real_shape(tmp_path: Path) -> None:
    cfg = _job(tmp_path, job_name="Task1-local", max_runtime_s=900)
    text = (cfg / "trainingjobconfig.json").read_text()
    assert ": " not in text and ", " not in text  # compact, as the real copy
    doc = json.loads(text)
    assert set(doc) <= REAL_TRAINING_JOB_KEYS
    assert set(doc) >= REAL_TRAINING_JOB_KEYS - {"RoleArn", "Tags", "BaseTags", "DebugHookConfig", "CheckpointConfig"}
    assert doc["HyperParameters"] == json.loads((cfg / "hyperparameters.json").read_text())
    assert doc["TrainingJobName"] == "Task1-local"
    assert doc["TrainingJobArn"].endswith(":training-job/task1-local")  # lower case, as the real ARN
    assert doc["StoppingCondition"] == {"MaxRuntimeInSeconds": 900}
    assert doc["ResourceConfig"] == {"InstanceCount": 1, "InstanceType": "ml.c5.xlarge", "VolumeSizeInGB": 30}
    assert doc["AlgorithmSpecification"] == {"MetricDefinitions": [], "TrainingInputMode": "File"}
    assert all(doc[k] is False for k in ("EnableInterContainerTrafficEncryption", "EnableNetworkIsolation",
                                         "EnableManagedSpotTraining"))
    (channel,) = doc["InputDataConfig"]
    source = channel["DataSource"]["S3DataSource"]
    assert source.pop("S3Uri").startswith("file://")
    assert source.pop("S3DataDistributionType") == "FULLY_REPLICATED"
    real = json.loads(json.dumps(REAL_CHANNEL))
    del real["DataSource"]["S3DataSource"]["S3DataDistributionType"]
    assert {k: v for k, v in channel.items() if k != "ContentType"} == {**real, "ChannelName": "train"}
    assert channel["ContentType"] == "text/csv"
    assert set(doc["OutputDataConfig"]) == {"KmsKeyId", "S3OutputPath"}
