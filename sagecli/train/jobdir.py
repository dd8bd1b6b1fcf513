"""A SageMaker-shaped job directory (what /opt/ml looks like inside a training container).

    <job>/input/config/{hyperparameters,inputdataconfig,resourceconfig}.json
    <job>/input/data/<channel>/...      File (copied) or FastFile (read in place, via a symlink)
    <job>/input/data/<channel>_0        Pipe: a FIFO fed by the runner
    <job>/model/  <job>/output/{failure,data/}  <job>/code/
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


def create_job_dir(job_dir: Path, channels: Mapping[str, Path], hyperparameters: Mapping[str, str],
                   input_mode: str, content_type: str = "text/csv",
                   instance_type: str = "ml.m5.xlarge") -> dict[str, Path]:
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
                                     "instance_type": instance_type, "hosts": [HOST]}]}
    atomic_write_text(paths["config"] / "hyperparameters.json", json.dumps(hps, indent=2))
    atomic_write_text(paths["config"] / "inputdataconfig.json", json.dumps(data_config, indent=2))
    atomic_write_text(paths["config"] / "resourceconfig.json", json.dumps(resource, indent=2))
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
