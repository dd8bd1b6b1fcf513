"""Tracking URI precedence, the ARN check and run-demo's tracking options (nothing imported from mlflow)."""

from __future__ import annotations

import pytest

from sagecli.errors import SageCliError, UsageError
from sagecli.experiments import settings as st

ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/my-server"


@pytest.fixture(autouse=True)
def _track_on(monkeypatch):
    monkeypatch.delenv("SAGECLI_TRACK", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("SAGECLI_EXPERIMENT", raising=False)


@pytest.mark.parametrize("arn", [
    ARN,
    "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-app/app-ABC123",
    "arn:aws-cn:sagemaker:cn-north-1:123456789012:mlflow-tracking-server/x",
    f"  {ARN} ",
])
def test_managed_mlflow_arns_pass(arn):
    assert st.check_arn(arn) == arn.strip()


@pytest.mark.parametrize("arn", [
    "arn:aws:sagemaker:us-east-1:12345678901:mlflow-tracking-server/x",  # 11-digit account
    "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/",  # no name
    "arn:aws:sagemaker:us-east-1:123456789012:training-job/x",  # not an MLflow resource
    "arn:aws:s3:::bucket", "my-server", "",
])
def test_other_strings_are_a_usage_error(arn):
    with pytest.raises(UsageError, match="not a SageMaker managed MLflow ARN"):
        st.check_arn(arn)


def test_default_is_sqlite_under_sagecli_home(sagecli_home):
    s = st.resolve()
    assert s.uri == f"sqlite:///{sagecli_home / 'mlflow.db'}" and s.source == "default"
    assert s.experiment == "sagecli-demo" and s.artifact_location == (sagecli_home / "mlflow-artifacts").as_uri()


def test_flag_beats_environment_beats_default(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////from/env.db")
    assert (st.resolve().uri, st.resolve().source) == ("sqlite:////from/env.db", "MLFLOW_TRACKING_URI")
    s = st.resolve("http://127.0.0.1:5000")
    assert (s.uri, s.source, s.artifact_location) == ("http://127.0.0.1:5000", "--tracking-uri", None)
    monkeypatch.setenv("SAGECLI_EXPERIMENT", "mine")
    assert st.resolve().experiment == "mine"


def test_run_options(monkeypatch):
    assert st.for_run("local", True, None, None) is None
    assert st.for_run("local", False, None, None).source == "default"
    monkeypatch.setenv("SAGECLI_TRACK", "0")
    assert st.for_run("local", False, None, None) is None
    assert st.for_run("local", False, "sqlite:////x.db", None).uri == "sqlite:////x.db"  # an explicit URI wins


@pytest.mark.parametrize(("backend", "no_track", "uri", "arn", "message"), [
    ("local", False, None, ARN, "--mlflow-arn only applies to --backend sagemaker"),
    ("sagemaker", False, "sqlite:////x.db", ARN, "give --tracking-uri or --mlflow-arn, not both"),
    ("local", True, "sqlite:////x.db", None, "--no-track cannot be combined"),
    ("sagemaker", False, None, "arn:aws:iam::123456789012:role/x", "not a SageMaker managed MLflow ARN"),
])
def test_contradictory_or_bad_run_options_are_usage_errors(backend, no_track, uri, arn, message):
    with pytest.raises(UsageError, match=message):
        st.for_run(backend, no_track, uri, arn)


def test_arn_needs_the_sagemaker_mlflow_plugin(monkeypatch):
    monkeypatch.setattr(st, "plugin_installed", lambda: False)
    with pytest.raises(SageCliError, match="needs the sagemaker-mlflow plugin") as err:
        st.for_run("sagemaker", False, None, ARN)
    assert err.value.hint == "pip install sagemaker-mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", ARN)
    with pytest.raises(SageCliError, match="MLFLOW_TRACKING_URI is a SageMaker MLflow ARN"):
        st.resolve()


def test_arn_with_the_plugin_is_the_tracking_uri(monkeypatch):
    monkeypatch.setattr(st, "plugin_installed", lambda: True)
    s = st.for_run("sagemaker", False, None, ARN)
    assert (s.uri, s.source, s.experiment) == (ARN, "--mlflow-arn", "sagecli-demo")


def test_an_explicit_uri_without_mlflow_is_an_error(monkeypatch):
    monkeypatch.setattr(st, "mlflow_installed", lambda: False)
    with pytest.raises(SageCliError, match="--tracking-uri needs MLflow"):
        st.for_run("local", False, "sqlite:////x.db", None)
    assert st.for_run("local", False, None, None) is not None  # the default: the run goes on, untracked
