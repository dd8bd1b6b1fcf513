"""Rich views of knowledge-base records: tables per kind, a panel per record, the lifecycle tree."""

from __future__ import annotations

from typing import Any

from rich import box
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


API_LETTER = {"training": "T", "hosting": "H", "transform": "B", "processing": "P", "notebook": "N", "studio": "S",
              "hyperpod": "Y"}
API_LETTERS_LEGEND = ("APIs: T training, H real-time/async hosting, B batch transform, P processing, "
                      "N notebook instances, S Studio apps, Y HyperPod")


def _letters(apis: Any) -> str:
    """The APIs as one letter each, in a fixed order (T H B P N S Y), dots for the missing ones."""
    have = set(apis)
    return "".join(letter if api in have else "." for api, letter in API_LETTER.items())


def _short_acc(s: dict[str, Any]) -> str:
    """'8x H100', '16x Trainium2', '-' (maker dropped: the family line names it)."""
    if s.get("gpus"):
        model = str(s.get("gpu_model") or "GPU?").replace("NVIDIA ", "")
        return f"{s['gpus']}x {model}"
    if s.get("accelerator_model"):
        model = str(s["accelerator_model"]).replace("AWS ", "").replace("Habana ", "")
        return f"{s.get('accelerators') or '?'}x {model}"
    return "-"


def _num_range(values: list[Any]) -> str:
    vals = sorted({v for v in values if v is not None})
    if not vals:
        return "?"
    lo, hi = _fmt(vals[0]), _fmt(vals[-1])
    return lo if lo == hi else f"{lo}-{hi}"


def _efa(sizes: list[dict[str, Any]]) -> str:
    """EFA across a family's sizes: '-' none, 'all 32' every size (max interfaces), 'some 8' some sizes."""
    with_efa = [s for s in sizes if s.get("efa_supported")]
    if not with_efa:
        return "-"
    most = max(s.get("efa_max_interfaces") or 0 for s in with_efa)
    return f"{'all' if len(with_efa) == len(sizes) else 'some'} {most}"


def _family_accelerator(sizes: list[dict[str, Any]]) -> str:
    """'T4 x1-4', 'Trainium2 x1-16', '-'."""
    acc = [s for s in sizes if s.get("gpus") or s.get("accelerators")]
    if not acc:
        return "-"
    model = _short_acc(acc[0]).split(" ", 1)[1]
    counts = _num_range([s.get("gpus") or s.get("accelerators") for s in acc])
    return f"{model} x{counts}"


def _arch(sizes: list[dict[str, Any]]) -> str:
    archs = {s.get("architecture") for s in sizes} - {None}
    if not archs:
        return "?"
    return "/".join(sorted("arm64" if a == "arm64" else "x86" for a in archs))


def _compact(title: str, caption: str) -> Table:
    """A list table without vertical rules, so seven or eight columns fit 80 columns without split headers."""
    return Table(title=title, caption=caption, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False,
                 caption_justify="left")


def _families_table(records: list[dict[str, Any]], width: int) -> Table:
    """One line per family: size count, vCPU and memory ranges, accelerator, architecture, EFA (and APIs if wide)."""
    n = sum(len(f["sizes"]) for f in records)
    caption = (f"{len(records)} families, {n} types. arm64 = AWS Graviton. EFA: sizes with Elastic Fabric Adapter "
               "and their most EFA interfaces.\nEvery type: `sagecli kb list instance_family --all`; one family: "
               "`sagecli kb show ml.c7g`.")
    wide = width >= WIDE
    if wide:
        caption += "\n" + API_LETTERS_LEGEND
    t = _compact("SageMaker ML instance families", caption)
    cols = ["family", "sizes", "vCPU", "GiB", "accelerator", "arch", "EFA", *(["APIs", "category"] if wide else [])]
    for col in cols:
        t.add_column(col, no_wrap=col in ("family", "APIs"), justify="right" if col == "sizes" else "left")
    for fam in records:
        sizes = fam["sizes"]
        apis = {a for s in sizes for a in s.get("apis", [])}
        t.add_row(fam["id"], str(len(sizes)), _num_range([s.get("vcpu") for s in sizes]),
                  _num_range([s.get("memory_gib") for s in sizes]), escape(_family_accelerator(sizes)),
                  _arch(sizes), _efa(sizes),
                  *([_letters(apis), fam["category"].replace("_", " ")] if wide else []))
    return t


def _instances_table(records: list[dict[str, Any]], width: int) -> Table:
    """Every type on one line (`kb list instance_family --all`)."""
    caption = "\n".join([API_LETTERS_LEGEND, "arm = AWS Graviton (arm64); EFA = most Elastic Fabric Adapter "
                         "interfaces; accelerator memory and network: `sagecli kb show TYPE`", *_price_notes(records)])
    t = _compact("SageMaker ML instance types", caption)
    wide = width >= WIDE  # narrow: accelerator memory and network are left to `kb show`
    cols = ["type", "vCPU", "GiB", "accelerator", *(["acc GiB"] if wide else []), "arch", "EFA", "APIs", "USD/h",
            *(["network"] if wide else [])]
    for col in cols:
        t.add_column(col, no_wrap=col != "accelerator", overflow="fold", min_width=11 if col == "accelerator" else None,
                     justify="right" if col in ("vCPU", "GiB", "acc GiB", "USD/h") else "left")
    for fam in records:
        for s in fam["sizes"]:
            _, mem = _accelerator(s)
            price = f"{s['price']['usd_per_hour']:.4g}" if s.get("price") else "-"
            arch = {"arm64": "arm", "x86_64": "x86"}.get(s.get("architecture") or "", "?")
            efa = str(s.get("efa_max_interfaces") or "yes") if s.get("efa_supported") else "-"
            t.add_row(s["type"], _fmt(s.get("vcpu")), _fmt(_round(s.get("memory_gib"))), escape(_short_acc(s)),
                      *([_fmt(_round(mem))] if wide else []), arch, efa, _letters(s.get("apis", [])), price,
                      *([escape(s.get("network_performance") or "-")] if wide else []))
    return t


def _round(v: Any) -> Any:
    """GiB figures to at most two decimals (EC2's MiB give values like 22.3515625; c4.large has 3.75)."""
    return round(v, 2) if isinstance(v, float) else v


def _size_line(s: dict[str, Any]) -> str:
    """One instance size on one line, for a family's panel: specs, network/EFA, price, APIs."""
    acc, mem = _accelerator(s)
    parts = [f"{_fmt(s.get('vcpu'))} vCPU", f"{_fmt(_round(s.get('memory_gib')))} GiB"]
    if acc != "-":  # GPU memory as EC2 reports it; Neuron device memory from AWS's Neuron docs
        parts.append(f"{escape(acc)} ({_fmt(_round(mem))} GiB)" if mem else escape(acc))
    if s.get("network_performance"):
        parts.append(escape(s["network_performance"]))
    if s.get("efa_supported"):
        parts.append(f"EFA x{s.get('efa_max_interfaces', '?')}")
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
        con.print(_instances_table(records, width) if result.get("all") else _families_table(records, width))
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
    body.add_column(overflow="fold")  # paths wrap whole, never end in an ellipsis
    pages: list[tuple[str, str]] = []  # printed below the panel as whole lines, so they can be clicked and copied
    if rec.get("summary"):
        body.add_row("summary", escape(rec["summary"]))
    for key, value in rec.items():
        if key in SKIP or value in (None, [], {}):
            continue
        if key in ("gpus", "accelerators") and value == 0:
            continue  # "accelerators 0" on a GPU type is noise
        if key == "source" and isinstance(value, str):  # an instance type's data set, not a page
            body.add_row("data from", escape(value))
            continue
        if key == "apis" and isinstance(value, list) and rec.get("kind") == "instance_type":
            body.add_row("accepted by", ", ".join(value))
            continue
        if key == "price" and isinstance(value, dict) and "usd_per_hour" in value:
            component = escape(str(value.get("component")))
            body.add_row("price", f"USD {value['usd_per_hour']:.4g}/hour: on-demand {component} price, "
                                  f"{value.get('region')}, published {value.get('published')} (source below)")
            if value.get("source"):
                pages.append(("price", value["source"]))
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
    pages += [("source", src) for src in rec.get("sources", [])]
    if rec.get("kind") == "question":  # a question has no name; its type is not one either
        title = f"Question {escape(rec['id'])} [dim]({escape(str(rec.get('type', '')))}, task " \
                f"{escape(str(rec.get('task', '-')))})[/dim]"
    else:
        title = f"{escape(rec.get('name', rec.get('type', rec.get('id', ''))))} [dim]({rec.get('kind')}: " \
                f"{escape(rec.get('id', rec.get('type', '')))})[/dim]"
    con.print(Panel(body, title=title, title_align="left"))
    for label, url in pages:  # whole lines, never split inside a box
        con.print(f"{label}: [link={url}]{escape(url)}[/link]", soft_wrap=True, highlight=False)


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
