"""Rich output and the questionary interview for `sagecli recommend` (the only UI imports live here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

from sagecli.recommend.facts import Fact
from sagecli.ui.console import out

TOP = 10
SKIP = "(skip: let the recommender decide)"


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    return str(value)


def _specs(row: dict[str, Any], narrow: bool = False) -> str:
    s = row.get("specs") or {}
    parts = [f"{s['vcpu']} vCPU" if "vcpu" in s else "", f"{s['memory_gib']:g} GiB" if "memory_gib" in s else ""]
    for count, model in (("gpus", "gpu_model"), ("accelerators", "accelerator_model")):
        if s.get(count):
            name = s.get(model, "GPU" if count == "gpus" else "accelerator")
            if narrow:  # "1x NVIDIA L4" -> "1x L4"
                name = name.replace("NVIDIA ", "").replace("AWS ", "")
            parts.append(f"{s[count]}x {name}")
    if "accelerator_memory_gib" in s:
        parts.append(f"{s['accelerator_memory_gib']:g} GiB accel")
    return ", ".join(p for p in parts if p)


def _cost_line(decision: dict[str, Any], workload: str | None) -> str:
    cost = decision.get("cost")
    if cost:
        money = f"${cost['usd_per_hour']:,.4g}/hour, about ${cost['usd_per_month']:,.0f}/month if always on"
        where = f"{cost.get('region')}, published {cost.get('published')}"
        if cost.get("for_workload", True):
            return f"Estimated cost: {money} ({cost.get('component')} on-demand price, {where})"
        return (f"Price on record: {money} - the {cost.get('component')} on-demand price ({where}); the knowledge "
                f"base has no {workload} price for this type, which may differ")
    if decision["decision"] == "instance":
        return "Cost: " + decision.get("cost_note", "no published price in the knowledge base")
    return "Cost: the knowledge base has no prices for this decision; it depends on the instances you pick."


def _no_rule(row: dict[str, Any]) -> str:
    """What a row with no reasons means (instances are then ranked by their size and cost)."""
    return "no rule for or against" + ("; ranked by size and cost" if "family" in row else "")


def _reasons(row: dict[str, Any]) -> str:
    """Ruled-out rows: the constraints. Others: + for what counts for it, - against, plain for notes."""
    if row.get("ruled_out_by"):
        return "; ".join(row["ruled_out_by"])
    pros, cons = row.get("pros", []), row.get("cons", [])
    notes = [r for r in row["reasons"] if r not in pros and r not in cons]
    parts = [f"+ {r}" for r in pros] + [f"- {r}" for r in cons] + notes
    return "\n".join(parts) or _no_rule(row)


NARROW = 100  # below this many columns the eligible column goes (ruled-out rows rank "-") and specs shorten


def _shown(decision: dict[str, Any], show_all: bool) -> list[dict[str, Any]]:
    """The rows to print: every row, or the best of each family plus the interesting ruled-out ones."""
    rows = decision["ranked"]
    if show_all or len(rows) <= TOP + 5:
        return rows
    eligible = [r for r in rows if r["eligible"]]
    if decision["decision"] == "instance":  # the best size of each family says more than five sizes of one
        seen: set[str] = set()
        eligible = [r for r in eligible if not (r["family"] in seen or seen.add(r["family"]))]
    # ruled-out rows: the interesting constraints (fit, advice) before "not accepted by the API"
    kinds: set[str] = set()
    ruled_out = [r for r in rows if not r["eligible"]
                 and not (r["reasons"][0][:25] in kinds or kinds.add(r["reasons"][0][:25]))]
    ruled_out.sort(key=lambda r: r["reasons"][0].startswith("not accepted"))
    return eligible[:TOP] + ruled_out[:5]


def _cost_cell(row: dict[str, Any]) -> str:
    cost = row.get("cost")
    return f"{cost['usd_per_hour']:.4g}" if cost else "-"


def _table(decision: dict[str, Any], show_all: bool) -> tuple[Table, int]:
    is_instance = decision["decision"] == "instance"
    narrow = out().width < NARROW
    table = Table(show_lines=False, header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("option", no_wrap=True)  # the answer itself is never cut
    if is_instance:
        table.add_column("specs", overflow="fold")
        table.add_column("count" if not narrow else "n", justify="right")
        table.add_column("$/hour*", justify="right")
    if not narrow:
        table.add_column("eligible")
    table.add_column("score", justify="right")
    table.add_column("reasons", overflow="fold")  # a word wider than the cell (rare) is folded, never lost
    rows = decision["ranked"]
    shown = _shown(decision, show_all)
    rank = {id(r): i for i, r in enumerate(rows, 1)}
    for row in shown:
        cells = [str(rank[id(row)]) if row["eligible"] else "-", row["option"]]
        if is_instance:
            cells += [_specs(row, narrow), str(row.get("instance_count", 1)), _cost_cell(row)]
        if not narrow:
            cells.append("yes" if row["eligible"] else "[red]no[/red]")
        cells += [f"{row['score']:.2f}", _reasons(row)]
        table.add_row(*cells)
    return table, len(rows) - len(shown)


def _stacked(decision: dict[str, Any], show_all: bool, width: int) -> tuple[list[str], int]:
    """Narrow terminals: one aligned line per option, its specs and reasons indented below it."""
    from sagecli.ui.help import wrap

    rows = decision["ranked"]
    shown = _shown(decision, show_all)
    rank = {id(r): i for i, r in enumerate(rows, 1)}
    cells = [(str(rank[id(r)]) if r["eligible"] else "-", r["option"], str(r.get("instance_count", 1)),
              _cost_cell(r), f"{r['score']:.2f}") for r in shown]
    head = ("#", "option", "n", "$/hour*", "score")
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(5)]
    just = [str.rjust, str.ljust, str.rjust, str.rjust, str.rjust]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(j(v, w) for j, v, w in zip(just, values, widths, strict=True)).rstrip()

    indent = " " * (widths[0] + 2)
    lines = [line(head)]
    for row, values in zip(shown, cells, strict=True):
        lines.append(line(values))
        detail = [_specs(row, narrow=False)] + _reasons(row).split("\n")
        for text in detail:
            hang = "  " if text[:2] in ("+ ", "- ") else ""  # continuation lines align after the sign
            for i, chunk in enumerate(wrap(text, width - len(indent) - len(hang))):
                lines.append(indent + (hang if i else "") + chunk)
    return lines, len(rows) - len(shown)


def _left_over(rows: list[dict[str, Any]]) -> list[str]:
    """Why a choice with no reason of its own won: the options the facts favoured were ruled out."""
    favoured = sorted((r for r in rows if not r["eligible"] and r.get("pros")), key=lambda r: -len(r["pros"]))
    return ["the best of what is left"] + [f"{r['option']} is ruled out: {r['ruled_out_by'][0]}"
                                           for r in favoured[:2] if r.get("ruled_out_by")]


def _say(text: str, indent: int = 2, first: str = "") -> None:
    """Print plain text wrapped at word boundaries, continuation lines indented two more (or under `first`)."""
    from sagecli.ui.help import wrap

    con = out()
    hang = len(first) if first else 2
    lines = wrap(text, con.width - indent - hang)
    for i, line in enumerate(lines):
        lead = " " * (indent + hang) if i else " " * indent + first
        con.print(lead + line, markup=False, soft_wrap=True)


def _explain_weights(decision: dict[str, Any]) -> None:
    """The points behind the top two eligible options, so a reader sees why one beat the other."""
    con = out()
    for row in [r for r in decision["ranked"] if r["eligible"]][:2]:
        weights = row.get("weights") or []
        con.print(f"  [bold]{row['option']}[/bold] (score {row['score']:.2f}):"
                  + ("" if weights else f" {_no_rule(row)}"))
        for w in weights:
            _say(f"{w['reason']}", indent=3, first=f"{w['points']:+.1f}  ")


def render(result: dict[str, Any], explain: bool = False, show_all: bool = False) -> None:
    """Print a recommender's answer: choice, why, ranked table, cost, sources, assumptions."""
    con = out()
    for decision in result["decisions"]:
        title = decision["decision"].replace("_", " ")
        choice = decision["choice"]
        rows = decision["ranked"]
        if choice is None:
            con.print(f"[bold]{title}:[/bold] [red]nothing is eligible[/red] (see the reasons below)")
        else:
            best = rows[0]
            con.print(f"[bold]{title}: [green]{choice}[/green][/bold]")
            cons = set(best.get("cons", []))
            why = [r for r in best["reasons"] if r and r not in cons][:4] or _left_over(rows)
            if why:  # wrapped lines stay indented under the choice
                _say("why: " + "; ".join(why))
            if best["sources"]:
                con.print(f"  docs: {best['sources'][0]}", soft_wrap=True)
        if "memory_need_gib" in decision:
            on_cpu = choice is not None and "accelerator_memory_gib" not in (rows[0].get("specs") or {})
            con.print(f"  {'host' if on_cpu else 'accelerator'} memory needed: {decision['memory_need_gib']:.1f} GiB")
        narrow = con.width < NARROW
        if narrow and decision["decision"] == "instance":
            lines, hidden = _stacked(decision, show_all, con.width)
            for text in lines:
                con.print(text, markup=False, soft_wrap=True)
        else:
            table, hidden = _table(decision, show_all)
            con.print(table)
        if narrow and any(not r["eligible"] for r in _shown(decision, show_all)):
            _say("# - = ruled out (the reasons say by what)")
        if hidden:
            what = "the best size of each family is shown and # is its overall rank; " \
                if decision["decision"] == "instance" else ""
            _say(f"... {hidden} more options ({what}use --all, or --json for every one)")
        spread = decision.get("s3_distribution")
        if spread:
            _say(f"S3 distribution: {spread['type']} ({spread['reason']})")
        if decision["decision"] != "rollout":
            workload = {**result["assumed"], **result["inputs"]}.get("workload")
            _say(("* " if decision["decision"] == "instance" else "") + _cost_line(decision, workload))
        if explain:
            con.print("  [bold]rules that fired:[/bold]")
            for rule in decision.get("rules", []):
                _say(f"- [{rule['rule']}] {rule['text']}", indent=3)
                if rule.get("source"):  # a URL is a whole line: it can be clicked and copied
                    con.print(f"     {rule['source']}", markup=False, soft_wrap=True)
            _explain_weights(decision)
        con.print()
    if result.get("derived"):
        _say("derived: " + ", ".join(f"{k}={_fmt_value(v)}" for k, v in result["derived"].items()), indent=0)
    if result["assumed"]:
        _say("assumed (documented defaults; pass the flag to change): "
             + ", ".join(f"{k}={_fmt_value(v)}" for k, v in result["assumed"].items()), indent=0)


def _default_text(fact: Fact) -> str:
    """What Enter takes, in words: the documented default, or the recommender deciding."""
    if fact.default is None:
        return "the recommender decides"
    return _fmt_value(fact.default)


def ask_questionary(fact: Fact, **io: Any) -> Any:
    """Ask one fact with questionary; returns the answer or SKIP (Enter on the shown default).

    Ctrl-C raises KeyboardInterrupt (the command stops, exit 130): it never continues with defaults.
    `io` passes prompt_toolkit's input/output through (tests use a pipe input and DummyOutput).
    """
    import questionary

    label = f"{fact.help} (default: {_default_text(fact)})"
    if fact.kind == "choice":
        if fact.default in fact.choices:  # Enter on the default leaves it listed under "assumed"
            got = questionary.select(label, choices=list(fact.choices), default=fact.default, **io).unsafe_ask()
            return SKIP if got == fact.default else got
        return questionary.select(label, choices=[SKIP, *fact.choices], default=SKIP, **io).unsafe_ask()
    if fact.kind == "bool":
        if isinstance(fact.default, bool):
            shown = "yes" if fact.default else "no"
            answer = questionary.select(label, choices=["yes", "no"], default=shown, **io).unsafe_ask()
        else:
            answer = questionary.select(label, choices=[SKIP, "yes", "no"], default=SKIP, **io).unsafe_ask()
        if answer == SKIP or (answer == "yes") is fact.default:
            return SKIP
        return answer == "yes"
    text = questionary.text(label + " (Enter takes the default)", **io).unsafe_ask()
    return text.strip() or SKIP


def interview(recommender: str, facts: list[Fact], ask: Callable[[Fact], Any] | None = None,
              check: Callable[[Fact, Any], Any] | None = None, needs: list[dict[str, Any]] | None = None,
              ask_needs: Callable[[list[dict[str, Any]]], list[str] | None] | None = None) -> dict[str, Any]:
    """Ask for the missing facts that matter; Enter takes the shown default. Returns the answers given.

    `check` validates one answer (default: the fact's own rules); a bad answer is explained and asked again.
    `needs` (need records, content/needs.yaml) adds one last optional multi-select; picks go under "needs".
    Ctrl-C (KeyboardInterrupt from `ask`) stops the command.
    """
    from sagecli.errors import UsageError
    from sagecli.recommend.facts import check as check_fact

    ask = ask or ask_questionary
    check = check or check_fact
    answers: dict[str, Any] = {}
    out().print(f"[bold]{recommender}[/bold]: a few questions (Enter takes the default shown; Ctrl-C cancels)")
    for fact in facts:
        while True:
            value = ask(fact)
            if value is None:  # a scripted asker with nothing more to say
                return answers
            if value == SKIP:
                break
            try:
                answers[fact.name] = check(fact, value)
                break
            except UsageError as err:
                out().print(f"[red]{err.message}[/red]")
    if needs:
        picked = (ask_needs or ask_needs_questionary)(needs)
        if picked:
            answers["needs"] = sorted(picked)
    return answers


def need_label(need: dict[str, Any]) -> str:
    """One checkbox line: the name --need takes and the need's short name."""
    return f"{need['id'].removeprefix('need.')}: {need['name']}"


def ask_needs_questionary(needs: list[dict[str, Any]], **io: Any) -> list[str]:
    """One optional multi-select of named requirements; Enter with nothing ticked means none."""
    import questionary

    choices = [questionary.Choice(title=need_label(n), value=n["id"].removeprefix("need.")) for n in needs]
    picked = questionary.checkbox("Any of these requirements? (Space ticks, Enter confirms; none is fine)",
                                  choices=choices, **io).unsafe_ask()
    return list(picked or [])
