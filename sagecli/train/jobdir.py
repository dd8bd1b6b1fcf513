"""A SageMaker-shaped job directory (what /opt/ml looks like inside a training container).

    <job>/input/config/{hyperparameters,inputdataconfig,resourceconfig}.json   the documented files
    <job>/input/config/{trainingjobconfig,metric-definition-regex,upstreamoutputdataconfig}.json
    <job>/input/data/<channel>/...      File (copied) or FastFile (read in place, via a symlink)
    <job>/input/data/<channel>_0        Pipe: a FIFO fed by the runner
    <job>/model/  <job>/output/{failure,data/}  <job>/code/

Beyond the documented files, real jobs also get files written by the platform. Their content here follows
real jobs' copies, not documentation (there is none):
- shiftan/simple_sagemaker, examples/single_task/expected_output/output/algo-1/input_dir_copy/config/ (a real
  2020 training job's /opt/ml/input/config, copied by the job itself): `metric-definition-regex.json` and
  `upstreamoutputdataconfig.json` are `[]` when the job has no metric definitions; `trainingjobconfig.json` is
  the CreateTrainingJob request as the platform stores it (enum values upper-case: S3_PREFIX, NONE) plus the
  job's ARN, compact JSON. A second real job's `ls -la` shows metric-definition-regex.json at 2 bytes.
- warlock601/CNN-AWS-SageMaker, Traffic-Sign-Classification/README.md (a real 2025-12-26 job log):
  SM_RESOURCE_CONFIG, the content of resourceconfig.json, ends with `"topology":null`.

Left out, with the reason:
- `init-config.json`: the platform agent's own input (S3 URIs, host numbering, `jobRunInfo`, a checkpoint
  channel); only one real File-mode copy was found, so its shape for FastFile/Pipe and for jobs without
  checkpoints cannot be sourced.
- In trainingjobconfig.json: `RoleArn`, `AlgorithmSpecification.TrainingImage`, `Tags`, `DebugHookConfig`
  and `CheckpointConfig` (a local job has no role, image, tags, debugger or checkpoints); channel `S3Uri`
  and `S3OutputPath` are file:// URIs of the local folders.
- `debughookconfig.json`, `profilerconfig.json`, `checkpointconfig.json`, `tensorboardoutputconfig.json`: real
  jobs get them only when the request turns on Debugger, Profiler, checkpoints or TensorBoard output.

The model file, model/xgboost-model, is UBJSON from the installed XGBoost. The built-in container loads it with
Booster.load_model(path) once pickle fails (serve_utils.get_loaded_booster). Measured with a model saved by
XGBoost 3.2: XGBoost 1.5.2 (container 1.5-1 and older) cannot read it (UBJSON came in 1.6); 1.7.6 (1.7-1)
and 3.0.5 (3.0-5) read it but take the vector base_score XGBoost 3.1+ writes ("[5.65E-1]") as 0.5, so their
predictions differ (0.877 where 3.2 gives 0.903).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from sagecli.paths import atomic_write_text

INPUT_MODES = {"file": "File", "fastfile": "FastFile", "pipe": "Pipe"}
HOST = "algo-1"


def normalise_input_mode(mode: str) -> str:
    """'file'/'File' -> 'File', etc.; raise UsageError for anything else."""
    value = INPUT_MODES.get(mode.lower().replace("_", "").replace("-", ""))
    if value is None:
        from sagecli.errors import UsageError

        raise UsageError(f"unknown input mode {mode!r}", hint="use file, fastfile or pipe")
    return value


def layout(job_dir: Path) -> dict[str, Path]:
    """The contract's paths under a job directory."""
    return {
        "config": job_dir / "input" / "config",
        "data": job_dir / "input" / "data",
        "model": job_dir / "model",
        "output": job_dir / "output",
        "output_data": job_dir / "output" / "data",
        "failure": job_dir / "output" / "failure",
        "code": job_dir / "code",
    }


def training_job_config(job_dir: Path, job_name: str, channels: Mapping[str, Path], hyperparameters: Mapping[str, str],
                        input_mode: str, content_type: str, instance_type: str, max_runtime_s: int) -> dict:
    """trainingjobconfig.json: the request as a real job's copy holds it (see the module docstring), local URIs."""
    return {
        "EnableInterContainerTrafficEncryption": False, "EnableNetworkIsolation": False,
        "EnableManagedSpotTraining": False,
        "HyperParameters": {str(k): str(v) for k, v in hyperparameters.items()},
        "InputDataConfig": [{"ChannelName": name,
                             "DataSource": {"S3DataSource": {"S3DataType": "S3_PREFIX", "S3Uri": src.resolve().as_uri(),
                                                             # FullyReplicated spelt as the real copy spells
                                                             # ShardedByS3Key (SHARDED_BY_S3_KEY)
                                                             "S3DataDistributionType": "FULLY_REPLICATED"}},
                             "ContentType": content_type, "CompressionType": "NONE", "RecordWrapperType": "NONE"}
                            for name, src in channels.items()],
        "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": layout(job_dir)["output"].resolve().as_uri()},
        # 30 GB: the SageMaker Python SDK's default volume_size, as in the real copy
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": instance_type, "VolumeSizeInGB": 30},
        "TrainingJobName": job_name,
        "StoppingCondition": {"MaxRuntimeInSeconds": int(max_runtime_s)},
        "AlgorithmSpecification": {"MetricDefinitions": [], "TrainingInputMode": input_mode},
        # the real ARN carries the job name in lower case
        "TrainingJobArn": f"arn:aws:sagemaker:local:000000000000:training-job/{job_name.lower()}",
    }


def _compact(doc: object) -> str:
    return json.dumps(doc, separators=(",", ":"))


def create_job_dir(job_dir: Path, channels: Mapping[str, Path], hyperparameters: Mapping[str, str],
                   input_mode: str, content_type: str = "text/csv",
                   instance_type: str = "ml.m5.xlarge", job_name: str = "local-training-job",
                   max_runtime_s: int = 86400) -> dict[str, Path]:
    """Write the config files and lay out each channel's data for the input mode; return the paths."""
    paths = layout(job_dir)
    for key in ("config", "data", "model", "output_data", "code"):
        paths[key].mkdir(parents=True, exist_ok=True)
    hps = {str(k): str(v) for k, v in hyperparameters.items()}  # all strings, as on the API
    data_config = {name: {"ContentType": content_type, "TrainingInputMode": input_mode,
                          "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}
                   for name in channels}
    resource = {"current_host": HOST, "hosts": [HOST], "network_interface_name": "eth0",
                "current_instance_type": instance_type,
                "current_group_name": "homogeneousCluster",
                "instance_groups": [{"instance_group_name": "homogeneousCluster",
                                     "instance_type": instance_type, "hosts": [HOST]}],
                "topology": None}  # recent real jobs carry "topology": null (module docstring)
    atomic_write_text(paths["config"] / "hyperparameters.json", json.dumps(hps, indent=2))
    atomic_write_text(paths["config"] / "inputdataconfig.json", json.dumps(data_config, indent=2))
    atomic_write_text(paths["config"] / "resourceconfig.json", json.dumps(resource, indent=2))
    atomic_write_text(paths["config"] / "trainingjobconfig.json", _compact(training_job_config(
        job_dir, job_name, channels, hps, input_mode, content_type, instance_type, max_runtime_s)))
    atomic_write_text(paths["config"] / "metric-definition-regex.json", "[]")  # no metric definitions
    atomic_write_text(paths["config"] / "upstreamoutputdataconfig.json", "[]")
    for name, src in channels.items():
        target = paths["data"] / name
        if input_mode == "File":
            shutil.copytree(src, target, dirs_exist_ok=True)
        elif input_mode == "FastFile":
            os.symlink(src.resolve(), target, target_is_directory=True)
        else:
            os.mkfifo(paths["data"] / f"{name}_0")
    return paths


def training_env(job_dir: Path, channels: list[str], hyperparameters: Mapping[str, str], job_name: str,
                 instance_type: str, module_name: str) -> dict[str, str]:
    """The SM_* variables the SageMaker training toolkit exports to a user script, for this job directory."""
    paths = layout(job_dir)
    hps = dict(hyperparameters)
    env = {
        "SAGEMAKER_BASE_DIR": str(job_dir),
        "TRAINING_JOB_NAME": job_name,
        "SM_MODEL_DIR": str(paths["model"]),
        "SM_CHANNELS": json.dumps(sorted(channels)),
        "SM_HPS": json.dumps(hps),
        "SM_CURRENT_HOST": HOST,
        "SM_HOSTS": json.dumps([HOST]),
        "SM_NUM_GPUS": "0",
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        "SM_LOG_LEVEL": "20",
        "SM_NETWORK_INTERFACE_NAME": "eth0",
        "SM_USER_ARGS": json.dumps([a for k, v in hps.items() for a in (f"--{k}", str(v))]),
        "SM_INPUT_DIR": str(job_dir / "input"),
        "SM_INPUT_CONFIG_DIR": str(paths["config"]),
        "SM_OUTPUT_DIR": str(paths["output"]),
        "SM_OUTPUT_DATA_DIR": str(paths["output_data"]),
        "SM_RESOURCE_CONFIG": (paths["config"] / "resourceconfig.json").read_text(),
        "SM_INPUT_DATA_CONFIG": (paths["config"] / "inputdataconfig.json").read_text(),
        "SM_CURRENT_INSTANCE_TYPE": instance_type,
        "SM_MODULE_NAME": module_name,
        "SM_MODULE_DIR": str(paths["code"]),
    }
    for name in channels:
        env[f"SM_CHANNEL_{name.upper()}"] = str(paths["data"] / name)
    for key, value in hps.items():
        env[f"SM_HP_{key.upper()}"] = str(value)
    env["SM_TRAINING_ENV"] = json.dumps({k[3:].lower(): v for k, v in env.items() if k.startswith("SM_")})
    return env
