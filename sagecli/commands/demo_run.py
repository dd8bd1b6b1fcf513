"""run-demo's command layer: command-line values to FlowOptions, one run_flow call, then the view or JSON."""

from __future__ import annotations

import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sagecli.contracts import DEFAULT_MODEL_PACKAGE_GROUP, FlowOptions
from sagecli.errors import SageCliError, UsageError


def parse_hyperparameters(items: Sequence[str]) -> dict[str, str]:
    """['num_round=100', 'eta=0.1'] -> {'num_round': '100', 'eta': '0.1'} (values stay strings, as on the API)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"hyperparameter {item!r} is not KEY=VALUE", hint="e.g. -H num_round=100")
        out[key.strip()] = value.strip()
    return out


def build_options(steps: str, seed: int, rows: int, input_mode: str, entry_point: Path | None,
                  hyperparameters: Sequence[str], min_auc: float, sampling: int, keep_endpoint: bool,
                  join_input: bool, max_payload_mb: int, drift: bool, instance_type: str, instance_count: int,
                  backend_options: Mapping[str, Any], startup_timeout_s: float = 60.0,
                  model_package_group: str = DEFAULT_MODEL_PACKAGE_GROUP, inference: str = "realtime",
                  memory_size_mb: int = 2048, max_concurrency: int = 5, idle_timeout_s: float = 3.0,
                  rollout: Mapping[str, Any] | None = None,
                  tune: Mapping[str, Any] | None = None, bias_max: Sequence[str] = (),
                  shap: bool = False) -> FlowOptions:
    """Validate and assemble the options of a run."""
    from sagecli.train.jobdir import normalise_input_mode

    chosen = tuple(s.strip() for s in steps.split(",") if s.strip())
    if not chosen:
        raise UsageError("--steps is empty", hint="e.g. --steps process,train,evaluate")
    from sagecli.registry.store import NAME as GROUP_NAME  # ModelPackageGroupName's pattern

    if not GROUP_NAME.match(model_package_group):
        raise UsageError(f"invalid model package group name {model_package_group!r}",
                         hint="1-63 letters, digits and hyphens, starting with a letter or digit")
    if entry_point is not None and not entry_point.is_file():
        what = "is a directory, not a script" if entry_point.is_dir() else "does not exist"
        raise SageCliError(f"entry point {entry_point} {what}")
    if inference in ("serverless", "async", "multi-model") and keep_endpoint:
        raise UsageError(f"--keep-endpoint keeps a real-time endpoint only; the demo's {inference} endpoint is "
                         "torn down with the run", hint="leave out --keep-endpoint, or use --inference realtime")
    opts = FlowOptions(seed=seed, rows=rows, steps=chosen, input_mode=normalise_input_mode(input_mode),
                       entry_point=entry_point.resolve() if entry_point else None,
                       hyperparameters=parse_hyperparameters(hyperparameters), min_auc=min_auc,
                       instance_type=instance_type, instance_count=instance_count, sampling_percentage=sampling,
                       keep_endpoint=keep_endpoint, join_source="Input" if join_input else "None",
                       max_payload_mb=max_payload_mb, drift_wave=drift, backend_options=dict(backend_options),
                       startup_timeout_s=startup_timeout_s, model_package_group=model_package_group,
                       inference=inference.strip().lower(), memory_size_mb=memory_size_mb,
                       max_concurrency=max_concurrency, idle_timeout_s=idle_timeout_s, **tune_options(tune or {}),
                       bias_max=bias_limits(bias_max, chosen), shap=shap)
    if shap and "bias" not in chosen:
        raise UsageError("--shap needs the bias step", hint="add it: --steps ...,bias")
    from sagecli.flow.inference import validate_inference

    validate_inference(opts)
    return _with_rollout(opts, rollout) if rollout else opts


def _with_rollout(opts: FlowOptions, settings: Mapping[str, Any]) -> FlowOptions:
    """--rollout: the spec, checked against the KB; the rollout step joins the chosen steps."""
    import dataclasses

    from sagecli.contracts import RolloutSpec
    from sagecli.flow.rollout_plan import validate_rollout

    if not settings.get("strategy"):
        raise UsageError("--fault needs a --rollout", hint="e.g. --rollout canary --fault new-version")
    if opts.keep_endpoint:
        raise UsageError("--keep-endpoint keeps the first version's endpoint; the rollout's router and new fleet "
                         "live inside the demo run", hint="leave out --keep-endpoint with --rollout")
    spec = RolloutSpec(**{**settings, "strategy": str(settings["strategy"]).strip().lower()})
    validate_rollout(spec, opts.inference)
    steps = opts.steps if "rollout" in opts.steps else (*opts.steps, "rollout")
    return dataclasses.replace(opts, rollout=spec, steps=steps)


def bias_limits(items: Sequence[str], steps: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """--bias-max NAME=VALUE (repeatable) -> ((code, limit), ...); only with the bias step chosen."""
    from sagecli.flow.bias import parse_limits

    if items and "bias" not in steps:
        raise UsageError("--bias-max needs the bias step", hint="add it: --steps ...,bias")
    try:
        return tuple(parse_limits(list(items)).items())
    except ValueError as bad:
        raise UsageError(f"--bias-max {bad} is not METRIC=LIMIT with a Clarify metric and a limit >= 0",
                         hint="e.g. --bias-max DPPL=0.1 (metrics: CI DPL KL JS LP TVD KS CDDL DPPL DI DCAcc DCR "
                              "RD DAR DRR AD TE FT CDDPL)") from None


def tune_options(tune: Mapping[str, Any]) -> dict[str, Any]:
    """--tune-* values -> FlowOptions fields; the strategy and early stopping in the API's spelling."""
    out: dict[str, Any] = {}
    for key, allowed in (("strategy", ("Bayesian", "Random")), ("early_stopping", ("Auto", "Off"))):
        if key in tune:
            value = {a.lower(): a for a in allowed}.get(str(tune[key]).strip().lower())
            if value is None:
                flag = "--tune-" + key.replace("_", "-")
                raise UsageError(f"{flag} {tune[key]!r} is not supported", hint="use " + " or ".join(allowed))
            out[f"tune_{key}"] = value
    for key in ("max_jobs", "max_parallel"):
        if key in tune:
            out[f"tune_{key}"] = int(tune[key])
    return out


# Options that only mean something on AWS: given to the local backend they were most likely meant for
# `--backend sagemaker`, so the run stops instead of quietly ignoring them.
AWS_ONLY = {"role_arn": "--role-arn", "region": "--region", "bucket": "--bucket", "spot": "--spot",
            "monitoring_schedule": "--monitoring-schedule", "dry_run": "--dry-run",
            "provisioned_concurrency": "--provisioned-concurrency"}


def check_backend_options(backend: str, options: FlowOptions) -> None:
    """A usage error when sagemaker-only options are given to the local backend."""
    if backend != "local":
        if options.rollout is not None and options.rollout.fault:  # on AWS the alarms watch real metrics
            raise UsageError("--fault runs on --backend local only", hint="leave out --fault on sagemaker")
        return
    given = [flag for key, flag in AWS_ONLY.items() if options.backend_options.get(key)]
    if options.instance_count > 1:
        given.append("--instance-count")
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise UsageError(f"{', '.join(given)} only {verb} to --backend sagemaker",
                         hint="add --backend sagemaker, or leave them out to run on this machine")


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM takes the same path as Ctrl-C: tear down, then exit


def run_and_report(backend: str, options: FlowOptions, run_dir: Path | None, json_out: bool,
                   emit: bool = True, tracking: Any = None) -> dict[str, Any]:
    """Run the flow with the live view (or quietly for --json), print the summary, fail if a step failed.

    Returns the run's result dict; emit=False leaves printing the JSON to the caller (recommend --try).
    tracking (experiments.settings.TrackingSettings): record the finished run in MLflow."""
    from sagecli.flow.rundir import check_run_dir
    from sagecli.flow.runner import new_run_id, plan_steps, run_flow
    from sagecli.paths import home_dir

    plan_steps(options.steps)  # bad step names fail before anything starts
    check_backend_options(backend, options)
    run_id = new_run_id()
    target = (run_dir or home_dir() / "runs" / run_id).resolve()
    check_run_dir(target)  # a file, or someone else's files: refused before the view starts
    previous = signal.signal(signal.SIGTERM, _sigterm)
    recorder = _recorder(tracking)
    try:
        if json_out:
            from sagecli.output import emit_json

            result = run_flow(backend, options, target, run_id, confirm=_confirm(options, None), show=_stderr)
            tracked = {"tracking": recorder.record(result.to_dict(), options)} if recorder else {}
            if emit:
                emit_json({**result.to_dict(), **tracked})
            kept = result.step("teardown")
            if kept is not None and kept.data.get("kept_note"):
                _stderr(kept.data["kept_note"])  # a kept endpoint may bill: say so outside the JSON too
        else:
            from sagecli.ui.demo_view import DemoView

            with DemoView(run_id, target, backend, options.inference) as view:
                result = run_flow(backend, options, target, run_id, observer=view.update,
                                  confirm=_confirm(options, view), show=view.show)
            view.summary(result)
            if recorder is not None:
                from sagecli.experiments.store import tracking_line

                print(tracking_line(recorder.record(result.to_dict(), options)))
    except KeyboardInterrupt as stop:
        import sys

        done = str(stop.args[0]) if stop.args else "torn down"
        hint = f"; check with: sagecli cleanup --run-id {run_id}" if done.startswith("teardown failed") else ""
        sys.stderr.write(f"Interrupted: run {run_id}: {done}{hint}.\n")
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not result.ok:
        raise SageCliError(f"the demo stopped: {result.error}", hint=f"artifacts and logs are in {target}")
    return result.to_dict()


def _recorder(tracking: Any) -> Any:
    """A started experiments Recorder (mlflow imports in the background while the flow runs), or None."""
    if tracking is None:
        return None
    from sagecli.experiments.store import Recorder

    return Recorder(tracking).start()


def export_and_report(path: Path, options: FlowOptions, json_out: bool) -> None:
    """--export-pipeline: write the definition offline (no AWS call, no run) and say what was written."""
    import typer

    from sagecli.aws.images import XGBOOST_IMAGE, lookup
    from sagecli.flow.pipeline_export import export_pipeline
    from sagecli.flow.runner import new_run_id, plan_steps

    steps, _ = plan_steps(options.steps)
    b = options.backend_options
    region = b.get("region") or "us-east-1"
    info = export_pipeline(path, options, steps, run_id=new_run_id(), region=region,
                           image=lookup(XGBOOST_IMAGE, region), role_arn=b.get("role_arn"), bucket=b.get("bucket"))
    if json_out:
        from sagecli.output import emit_json

        emit_json(info)
    else:
        from sagecli.ui.pipeline_view import export_lines

        typer.echo("\n".join(export_lines(info)))


def _stderr(text: str) -> None:
    import sys

    sys.stderr.write(text.rstrip("\n") + "\n")


def _confirm(options: FlowOptions, view: Any) -> Any:
    """The confirmation callback: yes with --yes; else the view asks (pausing its live display)."""
    if options.backend_options.get("yes"):
        return lambda question: True
    if view is not None:
        return view.confirm

    def ask(question: str) -> bool:
        from sagecli.ui.demo_view import ask_confirmation

        return ask_confirmation(question, stderr=True)

    return ask
