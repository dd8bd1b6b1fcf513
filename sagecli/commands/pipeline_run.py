"""The command layer of `pipeline run` and `run-demo --as-pipeline`: one runner call, then lines or JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sagecli.contracts import FlowOptions
from sagecli.errors import SageCliError, UsageError

LAYOUT_ID = "pipeline"  # --as-pipeline locally: one stable definition, so a second run can hit the cache


def parse_parameters(items: Sequence[str]) -> dict[str, str]:
    """['MinAuc=0.9'] -> {'MinAuc': '0.9'} (cast to each parameter's Type by the runner)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--parameter {item!r} is not NAME=VALUE", hint="e.g. --parameter MinAuc=0.9")
        out[key.strip()] = value.strip()
    return out


def run_and_report(definition: Mapping[str, Any], parameters: Mapping[str, str], run_dir: Path | None,
                   json_out: bool, name: str = "sagecli-demo", use_cache: bool = True) -> dict[str, Any]:
    """Run the definition on this machine; print each step (or JSON); fail when the execution failed."""
    import signal
    import sys

    from sagecli.commands.demo_run import _sigterm
    from sagecli.flow.pipeline_runner import all_steps, cache_counts, run_pipeline
    from sagecli.flow.rundir import check_run_dir
    from sagecli.flow.runner import new_run_id
    from sagecli.paths import home_dir
    from sagecli.ui.pipeline_view import PipelineLines

    run_id = new_run_id()
    target = (run_dir or home_dir() / "runs" / run_id).resolve()
    check_run_dir(target)
    lines = PipelineLines()
    if not json_out:
        lines.header(name, run_id, len(all_steps(definition)))
    previous = signal.signal(signal.SIGTERM, _sigterm)  # SIGTERM ends the run as Ctrl-C does: processes stopped
    try:
        result = run_pipeline(definition, target, run_id, name=name, parameters=parameters,
                              observer=(lambda r: None) if json_out else lines.update, use_cache=use_cache)
    except KeyboardInterrupt:
        sys.stderr.write(f"Interrupted: run {run_id}: its job processes were stopped; files are in {target}.\n")
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    counts = cache_counts(result)
    doc = {**result.to_dict(), "pipeline": name, "cache": counts}
    if json_out:
        from sagecli.output import emit_json

        emit_json(doc)
    else:
        lines.summary(result, counts)
    if not result.ok:
        raise SageCliError(f"the pipeline execution failed at {result.error}",
                           hint=f"artifacts and logs are in {target}")
    return doc


NOT_PIPELINE_STEPS = ("features", "deploy", "invoke", "rollout", "monitor")  # the export writes no step for them


def as_pipeline(backend: str, options: FlowOptions, run_dir: Path | None, json_out: bool) -> None:
    """run-demo --as-pipeline: the chosen steps as a pipeline definition, run locally or on SageMaker Pipelines."""
    import sys

    from sagecli.aws.images import XGBOOST_IMAGE, lookup
    from sagecli.commands.demo_run import check_backend_options
    from sagecli.flow.pipeline_export import build_definition
    from sagecli.flow.runner import plan_steps

    steps, _ = plan_steps(options.steps)
    check_backend_options(backend, options)
    left_out = [s for s in steps if s in NOT_PIPELINE_STEPS]
    if left_out:  # Pipelines has no endpoint step; monitor's baseline is the DataQualityCheck step
        import textwrap

        note = (f"--as-pipeline: {', '.join(left_out)} are not steps of the exported pipeline "
                "and do not run" + ("; monitor's baseline runs as the DataQualityCheck step." if "monitor" in left_out
                                    else "."))
        sys.stderr.write(textwrap.fill(note, 80) + "\n")
    unused = [flag for flag, given in (("--shap", options.shap), ("--bias-max", options.bias_max)) if given]
    if unused and "bias" in steps:  # the BiasCheck is a MODEL_BIAS check with SkipCheck: no SHAP, no limits
        import textwrap

        sys.stderr.write(textwrap.fill(f"--as-pipeline: {' and '.join(unused)} do not apply: the BiasCheck step is "
                                       "a MODEL_BIAS ClarifyCheck that registers a new baseline (SkipCheck).", 80)
                         + "\n")
    if backend == "sagemaker":
        on_sagemaker(options, steps, run_dir, json_out)
        return
    region = "us-east-1"  # locally the definition's AWS names are placeholders; one Region keeps them stable
    definition, _ = build_definition(options, steps, run_id=LAYOUT_ID, region=region,
                                     image=lookup(XGBOOST_IMAGE, region))
    run_and_report(definition, {}, run_dir, json_out)


def on_sagemaker(options: FlowOptions, steps: list[str], run_dir: Path | None, json_out: bool) -> dict[str, Any]:
    """--backend sagemaker --as-pipeline: plan, confirm, run one execution, tear down; lines or JSON."""
    import sys

    from sagecli.commands.demo_run import _confirm
    from sagecli.flow.pipeline_runner import cache_counts
    from sagecli.flow.pipeline_sagemaker import run_on_sagemaker
    from sagecli.flow.rundir import check_run_dir, mark_run_dir
    from sagecli.flow.runner import new_run_id
    from sagecli.paths import home_dir

    run_id = new_run_id()
    target = (run_dir or home_dir() / "runs" / run_id).resolve()
    check_run_dir(target)
    stream = sys.stderr if json_out else sys.stdout

    def say(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    target.mkdir(parents=True, exist_ok=True)
    mark_run_dir(target, run_id)
    result = run_on_sagemaker(options, steps, run_id=run_id, run_dir=target, confirm=_confirm(options, None), say=say,
                              json_out=json_out)
    doc = {**result.to_dict(), "pipeline": f"sagecli-{run_id}-pipeline", "cache": cache_counts(result)}
    if json_out:
        from sagecli.output import emit_json

        emit_json(doc)
    else:
        from sagecli.ui.pipeline_view import PipelineLines

        lines = PipelineLines()
        lines.header(doc["pipeline"], run_id, len(result.steps) - 1, "on SageMaker Pipelines")
        for res in result.steps:
            lines.update(res)
        lines.summary(result, doc["cache"])
    if not result.ok:
        raise SageCliError(f"the pipeline {result.error}", hint=f"the ledger and data are in {target}")
    return doc
