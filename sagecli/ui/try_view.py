"""`recommend deployment --try`: which inputs became demo settings, then the reasons beside the measurements.

Blocks of wrapped text rather than wide tables, so every line reads well at 80 columns."""

from __future__ import annotations

from typing import Any

from rich.padding import Padding
from rich.text import Text

from sagecli.ui.console import out as console

LABELS = {"mean_latency_ms": "mean latency (ms)", "warm_latency_ms_p50": "warm p50 latency (ms)",
          "cold_starts": "cold starts", "cold_start_ms": "cold start times (ms)", "cold_load_ms": "model loads (ms)",
          "throttled": "throttled", "scaled_to_zero": "scaled to zero", "endpoint_start_s": "endpoint start (s)",
          "queue_wait_ms_p50": "queue wait p50 (ms)", "all_results_ms": "all results in (ms)",
          "evictions": "evictions", "records": "records scored", "job_s": "job time (s)", "strategy": "strategy",
          "completed": "completed", "rolled_back": "rolled back", "alarm_reason": "alarm",
          "alarm_at_s": "alarm at (s)", "rollback_s": "alarm to 0% on new (s)", "duration_s": "rollout time (s)",
          "new_version_failed": "requests failed on new"}


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render_plan(plan: dict[str, Any]) -> None:
    """Which of the decision's inputs map to run-demo settings, and why the others do not."""
    out = console()
    out.print("\n[bold]Trying it locally[/bold] (run-demo settings from the decision)")
    for row in plan["mapped"]:
        out.print(Padding(Text(f"{row['input']} = {row['value']}  ->  {row['demo']}"), (0, 0, 0, 2)))
    for row in plan["unmapped"]:
        out.print(Padding(Text(f"{row['input']} = {row['value']}: not mapped, {row['why']}"), (0, 0, 0, 2)))


def _block(title: str, entry: dict[str, Any]) -> None:
    out = console()
    if entry.get("choice") is None:
        out.print(f"\n[bold]{title}: none recommended[/bold]", highlight=False)
        return
    demo = f" (run-demo: {entry['demo']})" if entry.get("demo") else ""
    out.print(f"\n[bold]{title}: {entry.get('choice')}[/bold]{demo}", highlight=False)
    out.print("  Why it was recommended:")
    for reason in entry.get("reasons") or ["(no reason recorded)"]:
        out.print(Padding(Text(f"- {reason}"), (0, 0, 0, 4)))
    if entry.get("not_run"):
        out.print(Padding(Text(f"Not run: {entry['not_run']}"), (0, 0, 0, 2)))
        return
    out.print("  What the run measured:")
    measured = entry.get("measured") or {}
    for key, value in measured.items():
        out.print(Padding(Text(f"{LABELS.get(key, key)}: {_value(value)}"), (0, 0, 0, 4)))
    if not measured:
        out.print(Padding(Text("nothing (the step did not report)"), (0, 0, 0, 4)))


def render_summary(summary: dict[str, Any]) -> None:
    """The inference option and the rollout: the recommendation's reasons, then the measured values."""
    _block("Inference option", summary["inference"])
    _block("Rollout", summary["rollout"])
