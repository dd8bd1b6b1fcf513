"""`sagecli run-demo`, `sagecli registry ...`, `sagecli endpoint ...`: the reference lifecycle and what it leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sagecli.contracts import DEFAULT_MODEL_PACKAGE_GROUP

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (no markup).")]
ALL_STEPS = "process,train,evaluate,register,deploy,invoke,transform,monitor,teardown"

registry_app = typer.Typer(help="The local model registry: model package groups and versions.", no_args_is_help=True)
endpoint_app = typer.Typer(help="Local endpoints left running with run-demo --keep-endpoint.", no_args_is_help=True)


def run_demo(
    backend: Annotated[str, typer.Option(help="Where to run: local (this machine) or sagemaker (AWS, boto3).")]
    = "local",
    steps: Annotated[str, typer.Option(help="Comma-separated steps to run (prerequisites are added); "
                                             "add tune for Automatic Model Tuning, bias for "
                                             "bias metrics.")] = ALL_STEPS,
    run_dir: Annotated[Path | None, typer.Option(help="Artifact folder (default $SAGECLI_HOME/runs/<run-id>).")]
    = None,
    seed: Annotated[int, typer.Option(help="Random seed for data, training and traffic.")] = 7,
    rows: Annotated[int, typer.Option(min=200, max=5_000_000, help="Rows in the synthetic dataset.")] = 4000,
    input_mode: Annotated[str, typer.Option(help="Training input mode: file, fastfile or pipe.")] = "file",
    entry_point: Annotated[Path | None, typer.Option(help="Your train.py (training contract) instead of the "
                                                          "built-in XGBoost program.")] = None,
    hyperparameter: Annotated[list[str] | None, typer.Option("--hyperparameter", "-H",
                                                             help="KEY=VALUE built-in XGBoost hyperparameter "
                                                                  "(repeatable), e.g. -H num_round=100.")] = None,
    min_auc: Annotated[float, typer.Option(min=0.0, max=1.0, help="Condition step: approve the model only if "
                                                                  "test AUC >= this.")] = 0.75,
    model_package_group: Annotated[str, typer.Option(help="Model package group the register step adds a version "
                                                          "to.")] = DEFAULT_MODEL_PACKAGE_GROUP,
    sampling: Annotated[int, typer.Option(min=0, max=100, help="Data capture InitialSamplingPercentage.")] = 100,
    keep_endpoint: Annotated[bool, typer.Option("--keep-endpoint", help="Leave the endpoint running after the "
                                                                        "demo.")] = False,
    join_input: Annotated[bool, typer.Option("--join-input", help="Batch transform: JoinSource=Input "
                                                                  "(prediction after the input columns).")] = False,
    max_payload_mb: Annotated[int, typer.Option(min=1, max=100, help="Batch transform MaxPayloadInMB.")] = 6,
    drift: Annotated[bool, typer.Option(help="Send a second, drifted wave of traffic to the monitor.")] = True,
    startup_timeout: Annotated[float, typer.Option(min=1.0, max=3600.0, help="Seconds a new endpoint may take to "
                                                                             "answer GET /ping.")] = 60.0,
    instance_type: Annotated[str, typer.Option(help="Instance type for jobs and the endpoint (sagemaker "
                                                    "backend).")] = "ml.m5.xlarge",
    instance_count: Annotated[int, typer.Option(min=1, help="Training instance count (sagemaker backend).")] = 1,
    role_arn: Annotated[str | None, typer.Option(help="IAM role SageMaker assumes (sagemaker backend).")] = None,
    region: Annotated[str | None, typer.Option(help="AWS Region (sagemaker backend).")] = None,
    bucket: Annotated[str | None, typer.Option(help="S3 bucket (sagemaker backend; default "
                                                    "sagemaker-<region>-<account>).")] = None,
    spot: Annotated[bool, typer.Option("--spot", help="Managed spot training (sagemaker backend).")] = False,
    monitoring_schedule: Annotated[bool, typer.Option("--monitoring-schedule", help="Also create a Model Monitor "
                                                      "schedule (sagemaker backend, accounts that still have it).")]
    = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and stop before creating anything "
                                                            "(sagemaker backend).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (sagemaker backend).")]
    = False,
    inference: Annotated[str, typer.Option(help="How the model serves: realtime, serverless, async, multi-model "
                                                         "or batch.")]
    = "realtime",
    memory_size: Annotated[int, typer.Option(help="Serverless MemorySizeInMB (1024-6144, 1 GB steps).")] = 2048,
    max_concurrency: Annotated[int, typer.Option(help="Serverless MaxConcurrency (1-200).")] = 5,
    idle_timeout: Annotated[float, typer.Option(min=0.1, max=3600.0, help="Serverless/async locally: idle seconds "
                                                "before the worker stops (scale to zero).")] = 3.0,
    rollout: Annotated[str | None, typer.Option(help="Deploy a second model version to the real-time endpoint: "
                                                     "all-at-once, canary, linear, rolling, shadow or ab.",
                                                rich_help_panel="Rollout")] = None,
    canary_size: Annotated[int, typer.Option(help="Canary: CanarySize, % of traffic (1-50).",
                                             rich_help_panel="Rollout")] = 10,
    linear_step: Annotated[int, typer.Option(help="Linear: LinearStepSize, % per step (10-50).",
                                             rich_help_panel="Rollout")] = 25,
    batch_size: Annotated[int, typer.Option(help="Rolling: MaximumBatchSize, % of the fleet (5-50).",
                                            rich_help_panel="Rollout")] = 50,
    wait_interval: Annotated[float, typer.Option(help="Seconds between traffic steps (WaitIntervalInSeconds).",
                                                 rich_help_panel="Rollout")] = 2.0,
    bake: Annotated[float, typer.Option(min=0.0, max=3600.0, help="Seconds the new fleet bakes at full traffic.",
                                        rich_help_panel="Rollout")] = 2.0,
    max_execution_time: Annotated[float, typer.Option(help="MaximumExecutionTimeoutInSeconds (600-28800).",
                                                      rich_help_panel="Rollout")] = 600.0,
    fault: Annotated[str | None, typer.Option(help="Make the new version fail: new-version (errors) or "
                                                   "new-version-slow.", rich_help_panel="Rollout")] = None,
    tune_max_jobs: Annotated[int, typer.Option(min=1, max=100, help="Tune step (--steps ...,tune): "
                                               "MaxNumberOfTrainingJobs.")] = 8,
    tune_parallel: Annotated[int, typer.Option(min=1, max=16, help="Tune step: MaxParallelTrainingJobs (jobs run "
                                               "at the same time).")] = 2,
    tune_strategy: Annotated[str, typer.Option(help="Tune step: Bayesian (locally optuna TPE stands in; "
                                               "SageMaker's own on --backend sagemaker) or Random.")]
    = "Bayesian",
    tune_early_stopping: Annotated[str, typer.Option(help="Tune step: TrainingJobEarlyStoppingType, Auto or "
                                                     "Off.")] = "Auto",
    bias_max: Annotated[list[str] | None, typer.Option(
        "--bias-max", metavar="METRIC=LIMIT",
        help="Bias step (--steps ...,bias; local metrics, or a Clarify job on sagemaker): reject the model "
             "when METRIC is further than LIMIT from parity, e.g. DPPL=0.1 (repeatable).")] = None,
    shap: Annotated[bool, typer.Option("--shap", help="Bias step: also Kernel SHAP feature attributions "
                                       "(explanations_shap/out.csv, as Clarify writes them).")] = False,
    export_pipeline: Annotated[Path | None, typer.Option(help="Write the chosen steps as a SageMaker Pipelines "
                                                         "definition to this file and stop (nothing runs).")] = None,
    as_pipeline: Annotated[bool, typer.Option("--as-pipeline", help="Run the steps as a SageMaker Pipelines "
                                              "execution (locally: with step caching).")] = False,
    provisioned_concurrency: Annotated[int | None, typer.Option(min=1, max=200, help="Serverless "
                                                                "ProvisionedConcurrency (sagemaker backend).")] = None,
    json_out: JsonOpt = False,
    no_track: Annotated[bool, typer.Option("--no-track", help="Do not record the run in MLflow.",
                                           rich_help_panel="Tracking")] = False,
    tracking_uri: Annotated[str | None, typer.Option(help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, "
                                                     "else a SQLite file under $SAGECLI_HOME).",
                                                     rich_help_panel="Tracking")] = None,
    mlflow_arn: Annotated[str | None, typer.Option(help="SageMaker managed MLflow ARN to track in (sagemaker "
                                                   "backend; needs sagemaker-mlflow).",
                                                   rich_help_panel="Tracking")] = None,
) -> None:
    """Run the SageMaker lifecycle: process, train, evaluate, register, deploy, invoke, transform, monitor."""
    from sagecli.commands.demo_run import build_options, run_and_report

    opts = build_options(
        startup_timeout_s=startup_timeout,
        steps=steps, seed=seed, rows=rows, input_mode=input_mode, entry_point=entry_point,
        hyperparameters=hyperparameter or [], min_auc=min_auc, sampling=sampling, keep_endpoint=keep_endpoint,
        join_input=join_input, max_payload_mb=max_payload_mb, drift=drift, instance_type=instance_type,
        instance_count=instance_count, model_package_group=model_package_group, inference=inference,
        memory_size_mb=memory_size, max_concurrency=max_concurrency, idle_timeout_s=idle_timeout,
        rollout={"strategy": rollout, "canary_percent": canary_size, "linear_step_percent": linear_step,
                 "rolling_batch_percent": batch_size, "wait_interval_s": wait_interval, "bake_s": bake,
                 "max_execution_s": max_execution_time, "fault": fault} if rollout or fault else None,
        tune={"max_jobs": tune_max_jobs, "max_parallel": tune_parallel, "strategy": tune_strategy,
              "early_stopping": tune_early_stopping}, bias_max=bias_max or [], shap=shap,
        backend_options={"role_arn": role_arn, "region": region, "bucket": bucket, "spot": spot,
                         "monitoring_schedule": monitoring_schedule, "dry_run": dry_run, "yes": yes, "json": json_out,
                         "provisioned_concurrency": provisioned_concurrency})
    from sagecli.experiments.settings import for_run

    tracking = for_run(backend, no_track, tracking_uri, mlflow_arn)  # bad tracking options fail before anything
    if export_pipeline is not None:
        from sagecli.commands.demo_run import export_and_report

        return export_and_report(export_pipeline, opts, json_out)
    if as_pipeline:
        from sagecli.commands.pipeline_run import as_pipeline as run_as_pipeline

        return run_as_pipeline(backend, opts, run_dir, json_out)
    run_and_report(backend, opts, run_dir, json_out, tracking=None if dry_run else tracking)  # a plan is no run


def _show(data: object, json_out: bool, view: str) -> None:
    """--json prints data; otherwise the named renderer in sagecli.ui.demo_view draws it."""
    if json_out:
        from sagecli.output import emit_json

        emit_json(data)
    else:
        import importlib

        getattr(importlib.import_module("sagecli.ui.demo_view"), view)(data)


@registry_app.command("list")
def registry_list(json_out: JsonOpt = False) -> None:
    """List model package groups with their version counts and latest approved version."""
    from sagecli.registry.store import list_groups

    _show(list_groups(), json_out, "render_registry")


@registry_app.command("show")
def registry_show(
    group: Annotated[str, typer.Argument(help="Model package group name.")],
    version: Annotated[int | None, typer.Option(help="Version number (default: all versions).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a group's versions (metrics, approval status, artifact), or one version in full."""
    from sagecli.registry.store import get_version, list_versions

    data = [get_version(group, version)] if version is not None else list_versions(group)
    if json_out:
        _show(data if version is None else data[0], True, "")
    else:
        from sagecli.ui.demo_view import render_versions

        render_versions(group, data)


@endpoint_app.command("list")
def endpoint_list(json_out: JsonOpt = False) -> None:
    """List local endpoints with their URL and whether they answer /ping."""
    from sagecli.serve.state import list_endpoints

    _show(list_endpoints(), json_out, "render_endpoints")


@endpoint_app.command("invoke")
def endpoint_invoke(
    name: Annotated[str, typer.Argument(help="Endpoint name (see: sagecli endpoint list).")],
    body: Annotated[str, typer.Option(help="Request body, e.g. one CSV row without the label.")],
    content_type: Annotated[str, typer.Option(help="text/csv or text/libsvm, as the XGBoost container.")] = "text/csv",
    accept: Annotated[str, typer.Option(help="text/csv or application/json.")] = "text/csv",
) -> None:
    """Call a local endpoint through boto3's sagemaker-runtime client and print the response body."""
    from sagecli.errors import SageCliError
    from sagecli.flow.backends.local import invoke_url
    from sagecli.serve.process import is_endpoint_server
    from sagecli.serve.state import get_endpoint

    rec = get_endpoint(name)
    if not is_endpoint_server(int(rec["pid"]), rec["url"]):
        raise SageCliError(f"endpoint {name} is not running (its server process is gone)",
                           hint=f"forget it with: sagecli endpoint stop {name}")
    result = invoke_url(rec["url"], rec["name"], body.encode(), content_type, accept)
    typer.echo(result.body.decode(errors="replace"))


@endpoint_app.command("stop")
def endpoint_stop(name: Annotated[str, typer.Argument(help="Endpoint name (see: sagecli endpoint list).")]) -> None:
    """Stop a local endpoint's server process and forget it."""
    from sagecli.serve.process import is_endpoint_server, stop_pid
    from sagecli.serve.state import forget_endpoint, get_endpoint

    rec = get_endpoint(name)
    # never signal a process that merely reuses a stale record's pid
    was_running = is_endpoint_server(int(rec["pid"]), rec["url"]) and stop_pid(int(rec["pid"]))
    forget_endpoint(name)
    typer.echo(f"Stopped {name}." if was_running else f"{name} was not running; record removed.")


def register(app: typer.Typer) -> None:
    """Add run-demo, registry and endpoint to the main app."""
    app.command("run-demo")(run_demo)
    app.add_typer(registry_app, name="registry")
    app.add_typer(endpoint_app, name="endpoint")
