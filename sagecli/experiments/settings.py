"""Where runs are tracked: the MLflow tracking URI from --tracking-uri, MLFLOW_TRACKING_URI or the default store.

The default is a SQLite file under $SAGECLI_HOME. MLflow's file store (./mlruns) still exists but is in
maintenance mode: MLflow 3 refuses it unless MLFLOW_ALLOW_FILE_STORE=true and points users to a database
backend, so sagecli uses SQLite (sqlalchemy and alembic come with the `tracking` extra).

On SageMaker AI the tracking URI is the managed MLflow resource's ARN, which the `sagemaker-mlflow` plugin
understands (https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow-track-experiments.html); the ARN's
shape is the API's MlflowResourceArn pattern
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AIMlflowConfig.html).
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass

from sagecli.errors import SageCliError, UsageError

EXPERIMENT = "sagecli-demo"
# MlflowResourceArn: arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:mlflow-(app|tracking-server)/.*
# (a name is required after the slash here: an empty one names no server).
MLFLOW_ARN = re.compile(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:mlflow-(app|tracking-server)/\S+")
ARN_DOC = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AIMlflowConfig.html"
INSTALL_HINT = "pip install 'sagecli[tracking]' (mlflow-skinny, sqlalchemy, alembic)"


@dataclass(frozen=True)
class TrackingSettings:
    """Where and under which experiment a run is recorded."""

    uri: str
    experiment: str = EXPERIMENT
    source: str = "default"  # default | --tracking-uri | MLFLOW_TRACKING_URI | --mlflow-arn
    artifact_location: str | None = None  # the default store keeps artifacts beside its database


def default_uri() -> tuple[str, str]:
    """The default store, a SQLite file under $SAGECLI_HOME, and where its artifacts would go."""
    from sagecli.paths import home_dir

    home = home_dir()
    return f"sqlite:///{home / 'mlflow.db'}", (home / "mlflow-artifacts").as_uri()


def check_arn(arn: str) -> str:
    """The ARN, stripped, when it has the shape of a SageMaker managed MLflow resource; a usage error otherwise."""
    arn = arn.strip()
    if len(arn) > 2048 or not MLFLOW_ARN.fullmatch(arn):
        raise UsageError(f"--mlflow-arn {arn!r} is not a SageMaker managed MLflow ARN",
                         hint="arn:aws:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME (or mlflow-app/ID); "
                              f"see {ARN_DOC}")
    return arn


def mlflow_installed() -> bool:
    """True when mlflow (or mlflow-skinny) can be imported; nothing is imported to find out."""
    return importlib.util.find_spec("mlflow") is not None


def plugin_installed() -> bool:
    """True when the sagemaker-mlflow plugin (ARN tracking URIs) is installed."""
    return importlib.util.find_spec("sagemaker_mlflow") is not None


def experiment_name() -> str:
    """The MLflow experiment sagecli records into: $SAGECLI_EXPERIMENT, else sagecli-demo."""
    return os.environ.get("SAGECLI_EXPERIMENT", "").strip() or EXPERIMENT


def resolve(tracking_uri: str | None = None) -> TrackingSettings:
    """The tracking settings for a query command or a run: --tracking-uri, then MLFLOW_TRACKING_URI, then default."""
    experiment = experiment_name()
    if tracking_uri is not None and tracking_uri.strip():
        uri, source = tracking_uri.strip(), "--tracking-uri"
    elif os.environ.get("MLFLOW_TRACKING_URI", "").strip():
        uri, source = os.environ["MLFLOW_TRACKING_URI"].strip(), "MLFLOW_TRACKING_URI"
    else:
        uri, artifacts = default_uri()
        return TrackingSettings(uri, experiment, "default", artifacts)
    if uri.startswith("arn:"):
        check_arn(uri)
        _need_plugin(source)
    return TrackingSettings(uri, experiment, source)


def _need_plugin(source: str) -> None:
    if not plugin_installed():
        raise SageCliError(f"{source} is a SageMaker MLflow ARN, which needs the sagemaker-mlflow plugin "
                           "(not installed)", hint="pip install sagemaker-mlflow")


def tracking_on() -> bool:
    """False when $SAGECLI_TRACK says off (0, off, false, no): run-demo then tracks only when given a URI or ARN."""
    return os.environ.get("SAGECLI_TRACK", "").strip().lower() not in ("0", "off", "false", "no")


def for_run(backend: str, no_track: bool, tracking_uri: str | None, mlflow_arn: str | None) -> TrackingSettings | None:
    """run-demo's tracking options, checked before anything runs; None when the run is not tracked.

    The default store with MLflow missing is not an error: the run goes on untracked (the caller says so)."""
    if no_track and (tracking_uri or mlflow_arn):
        raise UsageError("--no-track cannot be combined with --tracking-uri or --mlflow-arn",
                         hint="leave out --no-track to record the run")
    if no_track or (not tracking_uri and mlflow_arn is None and not tracking_on()):
        return None
    if mlflow_arn is not None:
        if backend != "sagemaker":
            raise UsageError("--mlflow-arn only applies to --backend sagemaker",
                             hint="use --tracking-uri for another MLflow server, or add --backend sagemaker")
        if tracking_uri:
            raise UsageError("give --tracking-uri or --mlflow-arn, not both", hint="the ARN is the tracking URI")
        arn = check_arn(mlflow_arn)
        _need_mlflow("--mlflow-arn")
        _need_plugin("--mlflow-arn")
        return TrackingSettings(arn, experiment_name(), "--mlflow-arn")
    settings = resolve(tracking_uri)
    if settings.source != "default":
        _need_mlflow(settings.source)
    return settings


def _need_mlflow(source: str) -> None:
    if not mlflow_installed():
        raise SageCliError(f"{source} needs MLflow, which is not installed", hint=INSTALL_HINT)
