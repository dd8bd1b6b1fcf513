"""Views for `sagecli experiments`: runs one per line, one run in full with its curve, runs side by side."""

from __future__ import annotations

import time
from typing import Any

from rich.markup import escape

from sagecli.ui.charts import bar, line_chart
from sagecli.ui.console import out

WIDTH = 80
STATUS = {"FINISHED": "[green]FINISHED[/]", "FAILED": "[red]FAILED[/]", "KILLED": "[yellow]KILLED[/]"}


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ms / 1000)) if ms else "-"


def _num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _width() -> int:
    return min(WIDTH, out().width)


def _status(status: str, width: int = 8) -> str:
    """The run status, coloured, padded to width (padding outside the markup keeps columns straight)."""
    return STATUS.get(status, escape(status)) + " " * max(0, width - len(status))


def render_list(data: dict[str, Any]) -> None:
    """One line per run (names never cut: they are what show and compare take); --all as a tree."""
    runs = data["runs"]
    o = out()
    if not runs:
        o.print(f"No runs in experiment {escape(data['experiment'])} yet. Record one with: sagecli run-demo")
        return
    tops = sum(1 for r in runs if r.get("depth", 0) == 0)
    o.print(f"Experiment {escape(data['experiment'])}: {tops} demo run(s), newest first", soft_wrap=True)
    if any(r.get("depth", 0) for r in runs):
        name_w = max(len(r["name"]) + 2 * r["depth"] for r in runs)
        o.print(f"{'run':<{name_w}}  {'kind':<12}  {'status':<8}  auc")
        for r in runs:
            m = r["metrics"]
            auc = m.get("test_auc", m.get("objective_validation_auc", m.get("best_validation_auc",
                                                                           m.get("validation_auc"))))
            name = "  " * r["depth"] + r["name"]
            o.print(f"{escape(name):<{name_w}}  {r['kind']:<12}  {_status(r['status'])}  {_num(auc)}".rstrip())
        o.print("auc: test AUC of a demo run, validation AUC of a job, the best trial's of a tuning job.")
        return
    name_w = max(len(r["name"]) for r in runs)
    o.print(f"{'run':<{name_w}}  {'started UTC':<11}  {'status':<8}  {'backend':<9}  {'auc':<6}  model")
    for r in runs:
        tags, m = r["tags"], r["metrics"]
        model = tags.get("sagecli.model_package_version", "-").rpartition("/")[2]
        model = f"v{model} {tags.get('sagecli.approval_status', '')}".rstrip() if model != "-" else "-"
        o.print(f"{escape(r['name']):<{name_w}}  {_when(r['start_time_ms'])[5:]:<11}  {_status(r['status'])}  "
                f"{tags.get('sagecli.backend', '-'):<9}  {_num(m.get('test_auc'))[:6]:<6}  {escape(model)}")


def _pairs(items: dict[str, Any], width: int) -> list[str]:
    """key value pairs, two to a line when both fit in half the width; a longer one gets a line of its own."""
    half = (width - 4) // 2
    lines: list[str] = []
    row: list[str] = []
    for k, v in items.items():
        cell = f"{k} {_num(v)}"
        if len(cell) > half:
            lines.append("  " + (cell if len(cell) <= width - 2 else cell[:width - 3] + "…"))
            continue
        row.append(cell)
        if len(row) == 2:
            lines.append(f"  {row[0]:<{half}}  {row[1]}".rstrip())
            row = []
    if row:
        lines.append(f"  {row[0]}")
    return lines


def render_show(run: dict[str, Any]) -> None:
    """A run: what it is, its parameters and metrics, its child runs, its metric curve and its trials."""
    o = out()
    w = _width()
    o.print(f"[bold]{escape(run['name'])}[/]  {run['kind']}  {STATUS.get(run['status'], run['status'])}  "
            f"{run['duration_s']:.1f}s, started {_when(run['start_time_ms'])} UTC")
    o.print(f"MLflow run id {run['mlflow_run_id']}")
    tags = {k.removeprefix("sagecli."): v for k, v in run["tags"].items() if k not in ("sagecli.kind",)}
    if tags:
        o.print("[bold]Tags[/]")
        for line in _pairs(tags, w):
            o.print(escape(line))
    for title, items in (("Parameters", run["params"]), ("Metrics (last value)", run["metrics"])):
        if items:
            o.print(f"[bold]{title}[/]")
            for line in _pairs(items, w):
                o.print(escape(line))
    if run["children"]:
        o.print(f"[bold]Child runs[/] ({len(run['children'])})")
        name_w = max(len(c["name"]) for c in run["children"])
        for c in run["children"]:
            o.print(f"  {escape(c['name']):<{name_w}}  {c['kind']:<12}  {_status(c['status'])}".rstrip())
    curves = run.get("curves") or {}
    if curves.get("series"):
        o.print(f"[bold]By boosting round[/] ({escape(curves['run'])})")
        for line in line_chart(curves["series"], width=w):
            o.print(escape(line), highlight=False)
    if run.get("trials"):
        render_trials(run["trials"])


def _objectives(t: dict[str, Any]) -> list[float]:
    return [r["objective"] for r in t["trials"] if r["objective"] is not None]


def render_trials(t: dict[str, Any], legend: bool = True, scale: tuple[float, float] | None = None) -> None:
    """A tuning run's trials as bars of their objective (on scale, lo..hi, when given); the best marked *."""
    o = out()
    rows = list(t["trials"])
    o.print(f"[bold]Trials of {escape(t['tuning_run'])}[/]: {t['objective']} ({t['type']})")
    values = _objectives(t)
    lo, hi = scale or ((min(values), max(values)) if values else (0.0, 1.0))
    names = [r["name"].rsplit("-", 2) for r in rows]
    short = ["-".join(n[-2:]) if len(n) == 3 else r["name"] for n, r in zip(names, rows, strict=True)]
    name_w = max((len(s) for s in short), default=0)
    bar_w = max(5, _width() - name_w - 4 - 7 - 1)
    for r, s in zip(rows, short, strict=True):
        mark = "*" if r["name"] == t.get("best") else "~" if r["early_stopped"] else " "
        value = r["objective"]
        shown = f"{value:.4f}" if value is not None else "   -  "
        o.print(escape(f"{mark} {s:<{name_w}}  {shown} {bar(value, lo, hi, bar_w) if value is not None else ''}")
                .rstrip())
    if legend:
        stopped = any(r["early_stopped"] for r in rows)
        o.print("* best trial" + (", ~ stopped early (TrainingJobEarlyStoppingType Auto)" if stopped else ""))


def render_compare(data: dict[str, Any]) -> None:
    """Runs as columns A, B, ...: metrics, then the parameters that differ; then each tuning run's trials."""
    o = out()
    runs = data["runs"]
    letters = [chr(ord("A") + i) for i in range(len(runs))]
    for letter, r in zip(letters, runs, strict=True):
        o.print(f"{letter}  {escape(r['name'])}  {r['kind']}  {_status(r['status'], 0)}  {r['duration_s']:.1f}s")
    # differ: two runs that have the parameter disagree; the rest are the same wherever they are set
    differ = {k: v for k, v in data["params"].items() if len({str(x) for x in v if x is not None}) > 1}
    partial = sum(1 for k, v in data["params"].items() if k not in differ and None in v)
    rows = [(k, [_num(x) for x in v]) for k, v in data["metrics"].items()]
    rows += [(k, [_short(x) for x in v]) for k, v in differ.items()]
    key_w = max([len(k) for k, _ in rows] + [6])
    col_w = max(6, (_width() - key_w - 2 * len(runs)) // len(runs))
    o.print(escape(f"{'':<{key_w}}" + "".join(f"  {x:<{col_w}}" for x in letters).rstrip()))
    for i, (key, values) in enumerate(rows):
        if i == len(data["metrics"]) and differ:
            o.print("parameters that differ:")
        cells = "".join(f"  {_cut(v, col_w):<{col_w}}" for v in values)
        o.print(escape(f"{key:<{key_w}}{cells}".rstrip()))
    same = len(data["params"]) - len(differ) - partial
    notes = [f"{same} parameter(s) equal in all runs"] if same else []
    notes += [f"{partial} set in some runs only"] if partial else []
    if notes:
        o.print(f"Not shown: {', '.join(notes)} (--json).")
    every = [v for t in data["tuning"] for v in _objectives(t)]
    scale = (min(every), max(every)) if every else None  # one scale, so bars compare across runs
    for tuning in data["tuning"]:
        render_trials(tuning, legend=tuning is data["tuning"][-1], scale=scale)


def _short(value: Any) -> str:
    """A parameter value for a narrow column: long decimals (tuned values) to 4 significant digits."""
    if value is None:
        return "-"
    text = str(value)
    try:
        number = float(text)
    except ValueError:
        return text
    return f"{number:.4g}" if "." in text and len(text) > 8 else text


def _cut(value: Any, n: int) -> str:
    text = "-" if value is None else str(value)
    return text if len(text) <= n else text[:n - 1] + "…"
