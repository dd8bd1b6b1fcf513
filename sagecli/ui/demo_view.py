"""Rich views for run-demo (a live line per step, then a summary), the registry and local endpoints."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.live import Live
from rich.markup import escape
from rich.padding import Padding
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from sagecli.ui.console import out

ICONS = {"ok": "[green]✔[/]", "failed": "[red]✘[/]", "skipped": "[yellow]–[/]", "pending": "[dim]·[/]",
         "interrupted": "[red]✘[/]"}
FINISHED = ("ok", "failed", "skipped", "interrupted")
# Columns left free at the right of every live line: the terminal echoes Ctrl-C as `^C` at the cursor, and
# a full-width last line would wrap it onto a new line, so the next redraw would start one line too low
# (leaving a stale copy of the first row on screen).
ECHO_ROOM = 2


class DemoView:
    """One line per step: spinner or result mark, name, elapsed seconds, the step's latest message."""

    def __init__(self, run_id: str, run_dir: Path, backend: str, inference: str = "realtime") -> None:
        option = f" ([cyan]--inference {escape(inference)}[/])" if inference != "realtime" else ""
        self.header = Text.from_markup(f"[bold]sagecli run-demo[/] run [cyan]{escape(run_id)}[/] on "
                                       f"[cyan]{escape(backend)}[/]{option} -> {escape(str(run_dir))}")
        self.steps: dict[str, Any] = {}
        self.started: dict[str, float] = {}
        self.spinners: dict[str, Spinner] = {}  # one per step, kept: a new Spinner always shows its first frame
        self.interactive = out().is_terminal
        self.live = Live(self, console=out(), refresh_per_second=8, transient=False) if self.interactive else None

    def __enter__(self) -> DemoView:
        out().print(self.header, soft_wrap=True)  # once, above the live lines (a paused Live redraws its own)
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        for res in self.steps.values():  # whatever stopped the run, no row keeps spinning in the final frame
            if res.status == "running":
                res.status = "interrupted"
        if self.live is not None:
            self.live.__exit__(*exc)

    def update(self, res: Any) -> None:
        """Observer callback from the flow runner (not a terminal: one plain line per finished step)."""
        if res.status == "running" and res.name not in self.started:
            self.started[res.name] = time.perf_counter()
        self.steps[res.name] = res
        if self.live is None and res.status in FINISHED:
            secs = f"{res.duration_s:.2f}s" if res.status != "skipped" else "-"
            out().print(f"{res.status:7} {res.name:10} {secs:>7}  {escape(res.summary)}", soft_wrap=True)

    def show(self, text: str) -> None:
        """Print a block of text above the live lines (or plainly when not a terminal)."""
        out().print(escape(text), soft_wrap=True)

    def confirm(self, question: str) -> bool:
        """Ask yes/no with the live display paused, so the prompt is not overdrawn."""
        if self.live is None:
            return ask_confirmation(question)
        self.live.stop()
        try:
            return ask_confirmation(question)
        finally:
            self.live.start()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # fixed columns never shrink; the message column wraps (never cut with …) on a narrow terminal
        table = Table.grid(padding=(0, 1), expand=True)
        table.width = max(30, options.max_width - ECHO_ROOM)
        table.add_column(width=2, no_wrap=True)
        table.add_column(style="bold", width=9, no_wrap=True)
        table.add_column(justify="right", width=6, no_wrap=True)
        table.add_column(overflow="fold", ratio=1)
        for name, res in self.steps.items():
            if res.status == "running":
                mark: Any = self.spinners.setdefault(name, Spinner("dots", style="cyan"))
                secs = time.perf_counter() - self.started.get(name, time.perf_counter())
            else:
                mark = Text.from_markup(ICONS.get(res.status, ""))
                secs = res.duration_s
            table.add_row(mark, name, f"{secs:5.2f}s" if res.status != "skipped" else "", escape(res.summary))
        yield Group(table)

    def summary(self, result: Any) -> None:
        """After the run: what it produced (metrics, model package, endpoint, violations), then artifact paths."""
        con = out()
        title = f"Run {result.run_id}: {'completed' if result.ok else 'stopped'} in {result.duration_s:.2f}s"
        rows = summary_rows(result)
        if self.interactive:
            t = Table(title=title, show_header=False, title_justify="left")
            t.add_column(style="bold", no_wrap=True)
            t.add_column(overflow="fold")
            for key, value in rows:
                t.add_row(key, escape(value))
            con.print(t)
        else:  # the step lines are already on screen; plain lines, never cut (paths stay copyable)
            con.print(title, soft_wrap=True)
            for key, value in rows:
                con.print(f"{key}: {escape(value)}", soft_wrap=True)
        by = {s.name: s for s in result.steps}
        mon = by.get("monitor")
        if mon is not None and mon.data.get("run_2", {}).get("findings"):
            con.print("Violations in the drifted wave (constraint_violations.json):")
            for check, group in mon.data["run_2"]["findings"].items():
                why = Text.from_markup(f"[yellow]{escape(check)}[/]: {escape(group['why'])}")
                if self.interactive:  # wrapped lines keep the indent
                    con.print(Padding(why, (0, 0, 0, 2)))
                else:
                    con.print(Text("  ").append(why), soft_wrap=True)
                for line in group["features"]:
                    con.print(f"    {escape(line)}", soft_wrap=True)
        note = by["teardown"].data.get("kept_note") if "teardown" in by else None
        if note:
            con.print(f"[yellow]{escape(note)}[/]")  # words wrap; the command itself has no long token
        if result.added_steps:
            con.print(f"[dim]added prerequisite steps: {', '.join(result.added_steps)}[/]")
        con.print(f"Artifacts: {escape(str(result.run_dir))}", soft_wrap=True)
        for key in ("train", "bias", "transform", "monitor", "rollout"):
            if key in by:
                for name, path in by[key].artifacts.items():
                    con.print(f"[dim]  {key} {name}: {escape(relative_to_run(str(path), result.run_dir))}[/]",
                              soft_wrap=True)


def relative_to_run(path: str, run_dir: Path) -> str:
    """A local artifact path (or file:// URI) under the run folder as a relative path; anything else as is."""
    from urllib.parse import unquote, urlparse

    local = Path(unquote(urlparse(path).path)) if path.startswith("file://") else Path(path)
    try:
        return str(local.relative_to(run_dir)) + ("/" if path.endswith("/") else "")
    except ValueError:
        return path


def summary_rows(result: Any) -> list[tuple[str, str]]:
    """(label, value) pairs for what the run produced; steps that did not run give no row."""
    by = {s.name: s for s in result.steps}
    rows: list[tuple[str, str]] = []
    if result.error:
        rows.append(("Stopped at", result.error))
    ev = by.get("evaluate")
    if ev is not None and ev.data.get("metrics"):
        rows.append(("Test metrics", ", ".join(f"{k} {v:.4f}" for k, v in ev.data["metrics"].items())))
    for name, label in (("tune", "Tuning"), ("bias", "Bias"), ("register", "Model package"),
                        ("transform", "Batch transform"), ("monitor", "Monitor"), ("features", "Feature Store")):
        step = by.get(name)
        shown = ("ok",) if result.error else ("ok", "skipped")  # after a failure, later steps just did not run
        if step is not None and step.status in shown and step.summary:
            rows.append((label, step.summary))
    dep = by.get("deploy")
    if dep is not None and dep.data.get("endpoint"):
        kept = "teardown" in by and by["teardown"].data.get("kept_endpoint")
        where = f" at {dep.data['url']}" if dep.data.get("url") else ""
        state = "still running" if kept else "removed at teardown"
        rows.append(("Endpoint", f"{dep.data['endpoint']}{where} ({state})"))
    rows += inference_rows(by)
    rows += rollout_rows(by)
    return rows


def rollout_rows(by: dict[str, Any]) -> list[tuple[str, str]]:
    """--rollout: outcome, the new version's traffic share over time, alarms, rollback, documented limits."""
    step = by.get("rollout")
    rep = step.data.get("rollout") if step is not None else None
    if not rep:
        return []
    if rep.get("backend") == "sagemaker":  # UpdateEndpoint with guardrails: sagecli/flow/backends/sagemaker_rollout.py
        from sagecli.flow.backends.sagemaker_rollout import summary_rows as sagemaker_rows

        return sagemaker_rows(step.summary, rep)
    new = rep["variants"]["new"]
    moves = " -> ".join(f"{t['t_s']:.1f}s {t['shares'].get(new, 0) * 100:.0f}%" for t in rep["timeline"])
    what = "a copy of every request (responses logged)" if rep["strategy"] == "shadow" else f"share {moves}"
    rows = [("Rollout", step.summary), ("Traffic", f"{new}: {what}")]
    names = " and ".join(a["AlarmName"].rsplit("-", 1)[-1] for a in rep["alarms"])
    state = rep["alarm_state"] + (f" at {rep['alarm_at_s']:.1f}s: {rep['alarm_reason']}" if rep["alarm_reason"] else "")
    rows.append(("Alarms", f"{names} on {new}, every period: {state}"))
    if rep["rolled_back"]:
        c = rep["callers"]
        secs = rep["rollback_s"] * 1000
        rows.append(("Rollback", f"all traffic back on {rep['variants']['old']} in {secs:.1f} ms; "
                                 f"{c['new_failed']} caller(s) hit the new version first, {c['old_failed']} failed "
                                 "on the old"))
    limits = [line.split(" (http")[0] for line in rep["limits"]]
    rows.append(("Limits", "; ".join(limits)))
    return rows


def inference_rows(by: dict[str, Any]) -> list[tuple[str, str]]:
    """--inference serverless/async/batch: what was measured (latency, cold starts) and how the option bills."""
    for name in ("invoke", "transform"):
        step = by.get(name)
        info = step.data.get("inference") if step is not None and step.status == "ok" else None
        if info:
            rows = [("Inference", info.get("summary") or step.summary)]
            cost = info.get("cost_model") or {}
            if cost.get("billing"):
                rows.append(("Cost model", f"{cost['billing']}; cold starts: {cost.get('cold_starts', '')}"))
            return rows
    return []


def ask_confirmation(question: str, stderr: bool = False) -> bool:
    """A yes/no question on the terminal (default no); on stderr when stdout carries JSON."""
    from rich.prompt import Confirm

    from sagecli.errors import SageCliError
    from sagecli.ui.console import err

    console = err() if stderr else out()
    try:
        answer = Confirm.ask(question, default=False, console=console)
        if not sys.stdin.isatty():
            console.print()  # a piped answer is not echoed: end the question's line
        return answer
    except EOFError:  # stdin closed (e.g. < /dev/null in a script): no answer is not a yes
        console.print()
        raise SageCliError("no answer to the confirmation (stdin is closed): nothing was created",
                           hint="pass --yes to create the resources without asking") from None


def render_registry(groups: list[dict[str, Any]]) -> None:
    """Model package groups as a table."""
    t = Table(title=f"Model package groups ({len(groups)})")
    for col in ("group", "versions", "latest approved", "created"):
        t.add_column(col)
    for g in groups:
        t.add_row(escape(g["ModelPackageGroupName"]), str(g["versions"]),
                  str(g["latest_approved"] or "-"), g["CreationTime"])
    out().print(t)


def render_versions(group: str, versions: list[dict[str, Any]]) -> None:
    """A group's versions: approval status and metrics; then each version's artifact (never cut, stays copyable)."""
    from sagecli.registry.store import metrics_of

    t = Table(title=f"{group}: {len(versions)} version(s)")
    for col in ("version", "approval", "auc", "f1", "accuracy", "created"):
        t.add_column(col, no_wrap=True)
    for v in versions:
        m = metrics_of(v)
        t.add_row(str(v["ModelPackageVersion"]), v["ModelApprovalStatus"],
                  *(f"{m[k]:.4f}" if k in m else "-" for k in ("auc", "f1", "accuracy")), v["CreationTime"])
    out().print(t)
    for v in versions:
        url = v["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
        out().print(f"v{v['ModelPackageVersion']} model artifact: {escape(url)}", soft_wrap=True)


def render_endpoints(endpoints: list[dict[str, Any]]) -> None:
    """Local endpoints with status and URL (names and URLs are never folded: they are meant to be copied)."""
    from rich import box

    t = Table(title=f"Local endpoints ({len(endpoints)})", box=box.SIMPLE_HEAD, show_edge=False,
              pad_edge=False, collapse_padding=True, title_justify="left")
    for col in ("name", "status", "url", "pid"):
        t.add_column(col, no_wrap=True)
    for e in endpoints:
        style = "green" if e["status"] == "InService" else "red"
        t.add_row(escape(e["name"]), f"[{style}]{e['status']}[/]", e["url"], str(e["pid"]))
    if not endpoints:
        out().print("No local endpoints. Start one with: sagecli run-demo --keep-endpoint")
        return
    out().print(t)
