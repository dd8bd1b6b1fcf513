"""Rich views of knowledge-base records: tables per kind, a panel per record, the lifecycle tree."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from sagecli.ui.console import out


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ", ".join(_fmt(x) for x in v) if v else "-"
    return escape(str(v))


# Free-text columns: at narrow widths a list shows their first clause (the full text is in `kb show`).
PROSE = {"summary", "purpose", "cold_starts", "billing"}
WIDE = 120


def _brief(text: str, width: int) -> str:
    """The whole text on a wide terminal; otherwise up to the first '; ' or sentence end."""
    if width >= WIDE:
        return text
    cut = min((i for i in (text.find("; "), text.find(". ")) if i > 0), default=len(text))
    return text[:cut].rstrip(".") + ("..." if cut < len(text) else "")


def _label(v: Any, width: int) -> str:
    """A list cell: enum-like values (binary_classification) break at words; long lists shorten when narrow."""
    if not isinstance(v, list):
        return _fmt(v)
    if width >= WIDE:
        return _fmt(v).replace("_", " ")
    if len(v) > 4:
        v = [*v[:3], f"+{len(v) - 3} more"]
    return "\n".join(_fmt(x).replace("_", " ") for x in v) or "-"  # one item a line: no mid-word breaks


def _limit(rec: dict[str, Any], name: str) -> str:
    lim = rec.get("limits", {}).get(name)
    if not lim:
        return "-"
    text = _fmt(lim["value"]) + (f" {lim['unit']}" if lim.get("unit") else "")
    if lim.get("history"):
        old = lim["history"][0]
        text += f" (was {_fmt(old['value'])})"
    return text


def _table(title: str, width: int, caption: str | None = None) -> Table:
    """A list table; a caption says where the shortened text is when the terminal is narrow."""
    if width < WIDE:
        caption = "\n".join(x for x in (caption, "Shortened to fit; `sagecli kb show ID` has every field.") if x)
    return Table(title=title, caption=caption)


def _generic_table(kind: str, records: list[dict[str, Any]], width: int) -> Table:
    t = _table(f"{kind} ({len(records)})", width)
    t.add_column("id", style="cyan", no_wrap=True)
    t.add_column("name", overflow="fold")
    t.add_column("summary", overflow="fold")
    for r in records:
        t.add_row(r["id"], escape(r["name"]), escape(_brief(r["summary"], width)))
    return t


def _accelerator(s: dict[str, Any]) -> tuple[str, Any]:
    """'count x model' and total device memory (GiB) of a size; unknown counts show as '?'."""
    if s.get("gpus"):
        return f"{s['gpus']} x {s.get('gpu_model', '?')}", s.get("gpu_memory_gib")
    if s.get("accelerator_model"):
        return f"{s.get('accelerators') or '?'} x {s['accelerator_model']}", s.get("accelerator_memory_gib")
    return "-", None


API_SHORT = {"training": "train", "hosting": "host", "transform": "batch", "processing": "proc",
             "notebook": "nb", "studio": "studio", "hyperpod": "hpod"}
API_LEGEND = ("APIs: train = training jobs, host = real-time/async endpoints, batch = batch transform, "
              "proc = processing, nb = notebook instances, studio = Studio apps, hpod = HyperPod")


def _price_notes(records: list[dict[str, Any]]) -> list[str]:
    """One line per (component, region, date) of the prices shown, so rows can show bare numbers."""
    published = sorted({(s["price"]["component"], s["price"]["region"], str(s["price"]["published"]))
                        for fam in records for s in fam["sizes"] if s.get("price")})
    return [f"USD/h = on-demand {c} price, {r}, published {d}" for c, r, d in published]


def _apis_short(s: dict[str, Any]) -> str:
    return " ".join(API_SHORT.get(a, a) for a in s.get("apis", []))


def _instances_table(records: list[dict[str, Any]], width: int) -> Table:
    caption = "\n".join([API_LEGEND, *_price_notes(records)])
    t = _table("SageMaker ML instance types", width, caption)
    wide = width >= WIDE  # the category column is the family's; narrow terminals drop it
    for col in ("type", *(["category"] if wide else []), "vCPU", "mem GiB", "accelerator", "acc. GiB", "APIs",
                "USD/h"):
        t.add_column(col, no_wrap=col in ("type", "USD/h"), overflow="fold")
    for fam in records:
        for s in fam["sizes"]:
            acc, mem = _accelerator(s)
            if not wide:  # "8 x NVIDIA H100" -> "8x H100"
                acc = acc.replace(" x ", "x ").replace("NVIDIA ", "").replace("AWS ", "")
            price = f"{s['price']['usd_per_hour']:.4g}" if s.get("price") else "-"
            t.add_row(s["type"], *([fam["category"].replace("_", " ")] if wide else []), _fmt(s.get("vcpu")),
                      _fmt(s.get("memory_gib")), escape(acc), _fmt(mem), _apis_short(s), price)
    return t


def _size_line(s: dict[str, Any]) -> str:
    """One instance size on one line, for a family's panel."""
    acc, mem = _accelerator(s)
    parts = [f"{_fmt(s.get('vcpu'))} vCPU", f"{_fmt(s.get('memory_gib'))} GiB"]
    if acc != "-":  # GPU memory is the marketed GB figure; Neuron device memory is GiB
        parts.append(f"{escape(acc)} ({_fmt(mem)} {'GB' if s.get('gpus') else 'GiB'})")
    if s.get("price"):
        parts.append(f"USD/h {s['price']['usd_per_hour']:.4g}")
    parts += [f"was {p['usd_per_hour']:.4g} on {p['published']}" for p in s.get("price_history", [])]
    line = f"{s['type']}: " + ", ".join(parts) + f" [dim]({_apis_short(s)})[/dim]"
    return line + (f"\n  [italic]{escape(s['note'])}[/italic]" if s.get("note") else "")


def _inference_table(records: list[dict[str, Any]], width: int) -> Table:
    """Limits side by side; the prose columns (cold starts, billing) only where they fit."""
    t = _table("Inference options side by side", width)
    t.add_column("option", style="cyan", no_wrap=True)
    cols = ["max payload", "max time", "GPU", "scale to 0", "data capture"]
    prose = ["cold starts", "billing"] if width >= WIDE else []
    for col in cols + prose:
        t.add_column(col, overflow="fold")
    for r in records:
        t.add_row(r["id"], _limit(r, "max_payload_mb"), _limit(r, "max_processing_seconds"), _fmt(r["gpu"]),
                  _fmt(r["scale_to_zero"]), _fmt(r["data_capture"]),
                  *(escape(r[c.replace(" ", "_")]) for c in prose))
    return t


def _columns_table(kind: str, records: list[dict[str, Any]], cols: list[str], width: int) -> Table:
    t = _table(f"{kind} ({len(records)})", width)
    t.add_column("id", style="cyan", no_wrap=True)
    for c in cols:
        t.add_column(c.replace("_", " "), overflow="fold")
    for r in records:
        t.add_row(r["id"], *(escape(_brief(str(r.get(c) or "-"), width)) if c in PROSE else _label(r.get(c), width)
                             for c in cols))
    return t


KIND_COLUMNS = {
    "component": ["stage", "summary"],
    "channel": ["channel", "purpose", "used_by"],
    "input_mode": ["api_value", "data_sources", "needs_vpc", "summary"],
    "data_source": ["api_value", "needs_vpc", "input_modes", "summary"],
    "deployment_strategy": ["api_value", "gradual", "needs_second_fleet", "endpoint_types"],
    "algorithm": ["problem_types", "learning", "input_modes", "training_content_types"],
    "exam": ["code", "status", "questions_total", "duration_minutes", "passing_score"],
}


WIDE_ONLY = {"training_content_types"}  # long MIME types; `kb show ID` lists them


def render_list(result: dict[str, Any]) -> None:
    """A summary of kinds, or a table for one kind."""
    con = out()
    if result["kind"] is None:
        t = Table(title="Knowledge base")
        t.add_column("kind", style="cyan")
        t.add_column("records", justify="right")
        for k, n in result["kinds"].items():
            t.add_row(k, str(n))
        con.print(t)
        con.print("Show one kind with `sagecli kb list KIND`, one record with `sagecli kb show ID`.")
        return
    kind, records, width = result["kind"], result["records"], con.width
    if kind == "instance_family":
        con.print(_instances_table(records, width))
    elif kind == "inference_option":
        con.print(_inference_table(records, width))
    elif kind == "question":
        con.print(_columns_table("question", records, ["type", "domain", "task", "difficulty"], width))
    elif kind in KIND_COLUMNS:
        cols = [c for c in KIND_COLUMNS[kind] if width >= WIDE or c not in WIDE_ONLY]
        con.print(_columns_table(kind, records, cols, width))
    else:
        con.print(_generic_table(kind, records, width))


def _options_grid(options: list[dict[str, Any]]) -> Table:
    """Keyed items (options, prompts, choices) as a grid: key, text, the answer marked, why underneath."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for o in options:
        mark = " [green](correct)[/green]" if o.get("correct") else ""
        if o.get("answer") is not None:
            mark += f" [green]-> {escape(_fmt(o['answer']))}[/green]"
        rest = [f"{k}: {_fmt(v)}" for k, v in o.items() if k not in ("key", "text", "correct", "answer", "why")]
        mark += f" [dim]({'; '.join(rest)})[/dim]" if rest else ""
        why = f"\n[dim]{escape(str(o['why']))}[/dim]" if o.get("why") else ""
        grid.add_row(f"{escape(str(o['key']))}.", f"{escape(str(o.get('text', '')))}{mark}{why}")
    return grid


SKIP = {"id", "name", "summary", "sources", "related", "exam_tips", "limits", "kind", "tags"}


def render_record(rec: dict[str, Any]) -> None:
    """One record as a readable panel."""
    con = out()
    body = Table.grid(padding=(0, 2))
    body.add_column(style="bold", no_wrap=True)
    body.add_column(overflow="fold")  # URLs and paths wrap whole, never end in an ellipsis
    if rec.get("summary"):
        body.add_row("summary", escape(rec["summary"]))
    for key, value in rec.items():
        if key in SKIP or value in (None, [], {}):
            continue
        if key in ("gpus", "accelerators") and value == 0:
            continue  # "accelerators 0" on a GPU type is noise
        if key == "price" and isinstance(value, dict) and "usd_per_hour" in value:
            component = escape(str(value.get("component")))
            body.add_row("price", f"USD {value['usd_per_hour']:.4g}/hour: on-demand {component} price, "
                                  f"{value.get('region')}, published {value.get('published')}"
                                  + (f"\n[dim]{escape(value['source'])}[/dim]" if value.get("source") else ""))
            continue
        if key == "sizes":
            notes = _price_notes([rec])
            body.add_row("sizes", "\n".join([_size_line(s) for s in value] + [f"[dim]{n}[/dim]" for n in notes]))
        elif isinstance(value, dict):
            items = [f"{escape(k)}: {_fmt(v)}" for k, v in value.items() if v not in (None, [], {})]
            # long maps (contract paths, env, routes, fields) read better one entry per line
            body.add_row(key, ("\n" if sum(map(len, items)) > 80 else "; ").join(items))
        elif isinstance(value, list) and value and all(isinstance(o, dict) and {"key", "text"} <= set(o)
                                                       for o in value):
            body.add_row(key, _options_grid(value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            body.add_row(key, "\n".join("; ".join(f"{k}: {_fmt(v)}" for k, v in item.items()) for item in value))
        elif isinstance(value, list):
            body.add_row(key, "\n".join(f"- {_fmt(v)}" for v in value))
        else:
            body.add_row(key, _fmt(value))
    for name, lim in (rec.get("limits") or {}).items():
        text = _fmt(lim["value"]) + (f" {lim['unit']}" if lim.get("unit") else "")
        if lim.get("note"):
            text += f"  ({escape(lim['note'])})"
        for old in lim.get("history", []):
            text += f"\n  earlier: {_fmt(old['value'])} until {_fmt(old.get('until'))}"
        body.add_row(f"limit {name}", text)
    for tip in rec.get("exam_tips", []):
        body.add_row("exam tip", escape(tip))
    if rec.get("related"):
        body.add_row("related", ", ".join(rec["related"]))
    for src in rec.get("sources", []):
        body.add_row("source", f"[link={src}]{escape(src)}[/link]")
    if rec.get("kind") == "question":  # a question has no name; its type is not one either
        title = f"Question {escape(rec['id'])} [dim]({escape(str(rec.get('type', '')))}, task " \
                f"{escape(str(rec.get('task', '-')))})[/dim]"
    else:
        title = f"{escape(rec.get('name', rec.get('type', rec.get('id', ''))))} [dim]({rec.get('kind')}: " \
                f"{escape(rec.get('id', rec.get('type', '')))})[/dim]"
    con.print(Panel(body, title=title, title_align="left"))


def render_search(text: str, hits: list[dict[str, Any]]) -> None:
    """Search hits as a table."""
    con = out()
    if not hits:
        con.print(f"No records mention every word of {escape(text)!r}. Try fewer or shorter words, or "
                  "`sagecli kb list KIND` to browse.")
        return
    t = Table(title=f"{len(hits)} record(s) matching {escape(text)!r}")
    t.add_column("id", style="cyan", no_wrap=True)
    t.add_column("kind")
    t.add_column("summary")
    for r in hits:
        t.add_row(r["id"], r["kind"], escape(r["summary"]))
    con.print(t)


def render_lifecycle(stages: list[dict[str, Any]]) -> None:
    """The lifecycle as a tree: stages in order, components under them."""
    tree = Tree("[bold]Amazon SageMaker AI lifecycle[/bold]")

    def add(branch: Tree, comp: dict[str, Any]) -> None:
        status = comp["availability"].replace("_", " ")
        note = "" if status == "available" else f" [yellow]({status})[/yellow]"
        sub = branch.add(f"[cyan]{escape(comp['name'])}[/cyan]{note} [dim]{escape(comp['summary'])}[/dim]")
        for ch in comp["children"]:
            add(sub, ch)

    for i, stage in enumerate(stages):
        arrow = "" if i == len(stages) - 1 else "  ->"
        branch = tree.add(f"[bold]{escape(stage['name'])}[/bold]{arrow}")
        for comp in stage["components"]:
            add(branch, comp)
    out().print(tree)
