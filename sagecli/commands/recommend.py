"""`sagecli recommend`: instance, input-mode and deployment decisions with reasons and sources."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

rec_app = typer.Typer(
    help="Recommend a SageMaker instance type, training input mode, or inference option and rollout.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as JSON (never asks questions).")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Show every rule that fired.")]
NoInputOpt = Annotated[bool, typer.Option("--no-input", help="Never ask questions; use documented defaults.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Show every ranked option, not only the top ones.")]
InteractiveOpt = Annotated[bool, typer.Option(
    "--interactive", help="On a terminal, also offer the named requirements (needs) to pick from.")]
NeedOpt = Annotated[list[str] | None, typer.Option(
    "--need", help="A named requirement (repeatable); list them: sagecli recommend needs.", show_default=False)]
PriorityHelp = "What matters most: "


def _opt(help_text: str, *names: str) -> Any:
    return typer.Option(*names, help=help_text, show_default=False)


def _flag(value: bool) -> bool | None:
    """A plain on-flag: absent means 'not given' so the documented default is listed under assumed."""
    return True if value else None


def _run(recommender: str, given: dict[str, Any], json_out: bool, explain: bool, no_input: bool,
         show_all: bool, try_it: dict[str, Any] | None = None, interactive: bool = False) -> None:
    from sagecli.recommend.facts import missing, normalize

    given = {k: v for k, v in given.items() if v is not None}
    from sagecli.knowledge.store import load_kb
    from sagecli.recommend.conflicts import check_conflicts
    from sagecli.recommend.needs import check_needs

    kb = load_kb()
    from sagecli.recommend.facts import check_bounds

    # bad or contradicting flags, unknown needs and numbers no SageMaker option accepts fail now,
    # before any question is asked
    needs = check_needs(recommender, given.pop("needs", None), kb)
    inputs = normalize(recommender, given)[0]
    check_bounds(recommender, inputs, kb)
    check_conflicts(recommender, inputs, kb)
    if needs:
        given["needs"] = needs
    ask = missing(recommender, given)
    if (ask or interactive) and not json_out and not no_input and sys.stdin.isatty() and sys.stdout.isatty():
        from sagecli.recommend.facts import check_with_kb
        from sagecli.recommend.needs import vocabulary
        from sagecli.ui.recommend_view import interview

        offer = vocabulary(kb, recommender) if interactive and not needs else None  # --need given: not asked
        given.update(interview(recommender, ask, check=lambda fact, value: check_with_kb(fact, value, kb),
                               needs=offer))
    from sagecli.recommend import decide

    result = decide(recommender, given, kb)
    if try_it is not None:
        from sagecli.commands.recommend_try import try_deployment

        try_deployment(result, json_out=json_out, **try_it)
        return
    if json_out:
        from sagecli.output import emit_json

        emit_json(result)
        return
    from sagecli.ui.recommend_view import render

    render(result, explain=explain, show_all=show_all)


@rec_app.command("instance")
def instance_cmd(
    workload: Annotated[str | None, _opt("training|inference|transform|processing|notebook (default: training).")]\
    = None,
    algorithm: Annotated[str | None, _opt("Built-in algorithm id (e.g. xgboost, deepar) or custom.")] = None,
    algorithm_mode: Annotated[str | None, _opt("Algorithm mode, e.g. BlazingText batch_skipgram.")] = None,
    algorithm_version: Annotated[str | None, _opt("Algorithm container version, e.g. XGBoost 1.7-1.")] = None,
    framework: Annotated[str | None, _opt("pytorch|tensorflow|sklearn|xgboost|huggingface|spark.")] = None,
    params_b: Annotated[float | None, _opt("Model parameters in billions.")] = None,
    precision: Annotated[str | None, _opt("fp32|bf16|fp16|fp8|int8|int4 (default bf16).")] = None,
    layers: Annotated[int | None, _opt("LLM KV cache: transformer layers.")] = None,
    hidden_size: Annotated[int | None, _opt("LLM KV cache: hidden size.")] = None,
    seq_len: Annotated[int | None, _opt("LLM KV cache: tokens per sequence (prompt + output).")] = None,
    concurrent: Annotated[int | None, _opt("LLM KV cache: sequences at once (default 1).")] = None,
    mini_batch_size: Annotated[int | None, _opt("Training mini-batch size (DeepAR).")] = None,
    gpu: Annotated[bool | None, _opt("Require or rule out accelerators (default: decide).", "--gpu/--no-gpu")] = None,
    dataset_gb: Annotated[float | None, _opt("Training data size in GB.")] = None,
    distributed: Annotated[bool | None, _opt("Allow or forbid several instances.", "--distributed/--single")] = None,
    sparse: Annotated[bool, _opt("The data is sparse.")] = False,
    arm: Annotated[bool, _opt("Graviton (ARM) images are acceptable.")] = False,
    priority: Annotated[str | None, _opt(PriorityHelp + "cost|latency|throughput|sustainability.")] = None,
    json_out: JsonOpt = False,
    explain: ExplainOpt = False,
    no_input: NoInputOpt = False,
    show_all: AllOpt = False,
    need: NeedOpt = None,
    interactive: InteractiveOpt = False,
) -> None:
    """Recommend an instance type sized for the model, accepted by the workload's API."""
    _run("instance", {
        "workload": workload, "algorithm": algorithm, "algorithm_mode": algorithm_mode,
        "algorithm_version": algorithm_version, "framework": framework, "params_b": params_b, "precision": precision,
        "layers": layers, "hidden_size": hidden_size, "seq_len": seq_len, "concurrent": concurrent,
        "mini_batch_size": mini_batch_size, "gpu": gpu, "dataset_gb": dataset_gb,
        "distributed": distributed, "sparse": _flag(sparse), "arm": _flag(arm), "priority": priority, "needs": need,
    }, json_out, explain, no_input, show_all, interactive=interactive)


@rec_app.command("input-mode")
def input_mode_cmd(
    dataset_gb: Annotated[float | None, _opt("Dataset size in GB.")] = None,
    files: Annotated[int | None, _opt("Number of files (S3 objects).")] = None,
    avg_file_mb: Annotated[float | None, _opt("Average file size in MB.")] = None,
    access: Annotated[str | None, _opt("sequential|random (default sequential).")] = None,
    format: Annotated[str | None, _opt(
        "csv|parquet|recordio-protobuf|tfrecord|jsonl|images|augmented-manifest|text|image-recordio|hdf5|libsvm.")]\
    = None,
    algorithm: Annotated[str | None, _opt("Built-in algorithm id or AWS image name (kmeans), or custom.")] = None,
    algorithm_mode: Annotated[str | None, _opt("Algorithm mode, e.g. BlazingText supervised or skipgram.")] = None,
    storage: Annotated[str | None, _opt("Where the data lives: s3|efs|fsx (default s3).")] = None,
    fast_start: Annotated[bool, _opt("Training must start quickly.")] = False,
    shared: Annotated[bool, _opt("Many instances or jobs read the same data.")] = False,
    vpc: Annotated[bool | None, _opt("The job may run in a VPC (default yes).", "--vpc/--no-vpc")] = None,
    local_disk_gb: Annotated[float | None, _opt("Storage volume per instance in GB.")] = None,
    instances: Annotated[int | None, _opt("Training instances reading the data (default 1).")] = None,
    posix: Annotated[bool, _opt("Needs full POSIX semantics such as file locking.")] = False,
    priority: Annotated[str | None, _opt(PriorityHelp + "cost|throughput|ops.")] = None,
    json_out: JsonOpt = False,
    explain: ExplainOpt = False,
    no_input: NoInputOpt = False,
    show_all: AllOpt = False,
    need: NeedOpt = None,
    interactive: InteractiveOpt = False,
) -> None:
    """Recommend how a training job reads its data: file, pipe, fastfile, fsx_lustre or efs."""
    _run("input-mode", {
        "dataset_gb": dataset_gb, "files": files, "avg_file_mb": avg_file_mb, "access": access, "format": format,
        "algorithm": algorithm, "algorithm_mode": algorithm_mode, "storage": storage,
        "fast_start": _flag(fast_start), "shared": _flag(shared), "vpc": vpc, "local_disk_gb": local_disk_gb,
        "instances": instances, "posix": _flag(posix),
        "priority": priority, "needs": need,
    }, json_out, explain, no_input, show_all, interactive=interactive)


@rec_app.command("deployment")
def deployment_cmd(
    payload_mb: Annotated[float | None, _opt("Request payload in MB (default 1).")] = None,
    processing_seconds: Annotated[float | None, _opt("Seconds to process one request (default 1).")] = None,
    latency_ms: Annotated[float | None, _opt("Latency target in milliseconds.")] = None,
    traffic: Annotated[str | None, _opt("steady|spiky|intermittent|offline (default steady).")] = None,
    realtime: Annotated[bool | None, _opt("A caller waits for the answer.", "--realtime/--no-realtime")] = None,
    gpu: Annotated[bool | None, _opt("The model needs a GPU (default no).", "--gpu/--no-gpu")] = None,
    scale_to_zero: Annotated[bool, _opt("Must cost nothing while idle.")] = False,
    cold_start_ok: Annotated[bool | None, _opt("Cold starts are acceptable (default yes).",
                                               "--cold-start-ok/--no-cold-start-ok")] = None,
    models: Annotated[int | None, _opt("How many models to host (default 1).")] = None,
    same_framework: Annotated[bool | None, _opt("Models share one framework (default yes).",
                                                "--same-framework/--mixed-frameworks")] = None,
    preprocessing: Annotated[bool, _opt("Pre/post-processing runs in its own container.")] = False,
    dataset_gb: Annotated[float | None, _opt("Dataset scored offline, in GB.")] = None,
    notify: Annotated[bool, _opt("Callers want to be told when a result is ready.")] = False,
    priority: Annotated[str | None, _opt(PriorityHelp + "cost|latency|ops.")] = None,
    model_gb: Annotated[float | None, _opt("Memory the loaded model needs, in GB.")] = None,
    endpoint: Annotated[str | None, _opt(
        "Endpoint being updated: realtime|serverless|async|inference_components (default: the inference choice).")
    ] = None,
    risk: Annotated[str | None, _opt("low|medium|high (default medium).")] = None,
    gradual: Annotated[bool | None, _opt("Shift traffic gradually.", "--gradual/--no-gradual")] = None,
    steps: Annotated[int | None, _opt("Number of traffic-shifting steps.")] = None,
    first_step_percent: Annotated[float | None, _opt("Share of capacity in the first step (%).")] = None,
    no_user_impact: Annotated[bool, _opt("Try the new version on live traffic without affecting responses.",
                                         "--no-user-impact/--user-impact-ok")] = False,
    compare_variants: Annotated[bool, _opt("Compare versions side by side on a business metric.")] = False,
    alarms: Annotated[bool | None, _opt("CloudWatch alarms for auto-rollback (default yes).",
                                        "--alarms/--no-alarms")] = None,
    capacity_limited: Annotated[bool, _opt("Capacity is limited: no room for a second full fleet.")] = False,
    instance_family: Annotated[str | None, _opt("Endpoint instance family, e.g. ml.g5.")] = None,
    bake_minutes: Annotated[float | None, _opt("Baking time after each traffic step, in minutes.")] = None,
    rollout_hours: Annotated[float | None, _opt("How long the rollout or live comparison runs, in hours.")] = None,
    try_: Annotated[bool, _opt("Run the recommended option and rollout locally with run-demo.", "--try")] = False,
    idle_timeout: Annotated[float | None, typer.Option(min=0.1, max=3600.0, show_default=False, help="--try: "
                                                       "serverless/async idle seconds before the worker stops "
                                                       "(default 3).")] = None,
    fault: Annotated[str | None, _opt("--try: make the new version fail (new-version|new-version-slow).")] = None,
    run_dir: Annotated[Path | None, _opt("--try: artifact folder (default $SAGECLI_HOME/runs/<run-id>).")] = None,
    json_out: JsonOpt = False,
    explain: ExplainOpt = False,
    no_input: NoInputOpt = False,
    show_all: AllOpt = False,
    need: NeedOpt = None,
    interactive: InteractiveOpt = False,
) -> None:
    """Recommend an inference option and a rollout strategy for it (--try runs them locally)."""
    if not try_ and (fault or run_dir or idle_timeout is not None):
        from sagecli.errors import UsageError

        raise UsageError("--idle-timeout, --fault and --run-dir apply to --try only", hint="add --try")
    idle = 3.0 if idle_timeout is None else idle_timeout
    try_it = {"idle_timeout_s": idle, "fault": fault, "run_dir": run_dir} if try_ else None
    _run("deployment", {
        "payload_mb": payload_mb, "processing_seconds": processing_seconds, "latency_ms": latency_ms,
        "traffic": traffic, "realtime": realtime, "gpu": gpu, "scale_to_zero": _flag(scale_to_zero),
        "cold_start_ok": cold_start_ok, "models": models, "same_framework": same_framework,
        "preprocessing": _flag(preprocessing), "dataset_gb": dataset_gb, "notify": _flag(notify),
        "priority": priority, "endpoint": endpoint, "risk": risk, "gradual": gradual, "steps": steps,
        "first_step_percent": first_step_percent, "no_user_impact": _flag(no_user_impact),
        "compare_variants": _flag(compare_variants), "alarms": alarms, "capacity_limited": _flag(capacity_limited),
        "instance_family": instance_family, "model_gb": model_gb, "bake_minutes": bake_minutes,
        "rollout_hours": rollout_hours, "needs": need,
    }, json_out, explain, no_input, show_all, try_it, interactive)


@rec_app.command("needs")
def needs_cmd(
    search: Annotated[str | None, typer.Argument(help="Words to look for in a need's name or meaning.")] = None,
    for_: Annotated[str | None, _opt("Only needs for this recommender: instance|input-mode|deployment.",
                                     "--for")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the named requirements that --need accepts, with what each means."""
    from sagecli.knowledge.store import load_kb
    from sagecli.recommend.needs import find_needs

    found = find_needs(load_kb(), search, for_)
    if json_out:
        from sagecli.output import emit_json

        emit_json(found)
        return
    from sagecli.ui.needs_view import render_needs

    render_needs(found)


def register(app: typer.Typer) -> None:
    """Add `recommend` to the main app."""
    app.add_typer(rec_app, name="recommend")
