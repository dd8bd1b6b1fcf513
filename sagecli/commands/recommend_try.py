"""`recommend deployment --try`: the decision -> run-demo options -> one local run -> reasons beside measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sagecli.contracts import FlowOptions


def try_options(plan: Any, json_out: bool = False) -> FlowOptions:
    """The TryPlan as run-demo's FlowOptions (run-demo's defaults for everything the decision does not set)."""
    from sagecli.commands.demo_run import build_options

    return build_options(
        steps=plan.steps, seed=7, rows=4000, input_mode="file", entry_point=None, hyperparameters=[], min_auc=0.75,
        sampling=100, keep_endpoint=False, join_input=False, max_payload_mb=6, drift=False,
        instance_type="ml.m5.xlarge", instance_count=1, inference=plan.inference,
        memory_size_mb=plan.memory_size_mb, idle_timeout_s=plan.idle_timeout_s, rollout=plan.rollout,
        backend_options={"json": json_out})


def try_deployment(result: dict[str, Any], idle_timeout_s: float, fault: str | None, run_dir: Path | None,
                   json_out: bool) -> None:
    """Run the recommended option and rollout locally; print the decision and the run summary together."""
    from sagecli.commands.demo_run import run_and_report
    from sagecli.flow.tryout import plan_try, summarize

    plan = plan_try(result, idle_timeout_s=idle_timeout_s, fault=fault)
    options = try_options(plan, json_out)
    if not json_out:
        from sagecli.ui.recommend_view import render
        from sagecli.ui.try_view import render_plan

        render(result, explain=False, show_all=False)
        render_plan(plan.to_dict())
    run = run_and_report("local", options, run_dir, json_out, emit=False)
    summary = summarize(result, plan, run)
    if json_out:
        from sagecli.output import emit_json

        emit_json({"decision": result, "try": {"plan": plan.to_dict(), "summary": summary, "run": run}})
        return
    from sagecli.ui.try_view import render_summary

    render_summary(summary)
