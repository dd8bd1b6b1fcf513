"""Plain-text `--help` that reads well at 80 columns (the layout of gh, uv and httpie).

Every option name and every allowed value is printed in full; flags carry no metavar; the description
gets the rest of the line, and when the option is too long for the left column (or the terminal is
narrow) the description goes on its own lines, indented below the option. No rich: help is text.

Typer's public hook is used: `HelpGroup`/`HelpCommand` subclass Typer's own classes (as Typer's docs do
for custom command ordering) and `apply_help_layout(app)` sets them on every command of an app.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

MAX_WIDTH = 100  # wider lines are hard to read; gh and uv stop at about this width
LEFT_MAX = 30  # the option column never takes more than this; longer options stack
NARROW = 60  # below this width every description goes under its option


def width() -> int:
    """The help width: the terminal's (COLUMNS honoured), at most MAX_WIDTH, at least 40."""
    return max(40, min(MAX_WIDTH, typer.get_terminal_size((80, 24)).columns))


def _wrap_token(token: str, limit: int) -> list[str]:
    """Split one over-long token (a value list like a|b|c or a default like a,b,c) after | or ,."""
    if len(token) <= limit:
        return [token]
    parts: list[str] = []
    current = ""
    for ch in token:
        current += ch
        if ch in "|,":  # never inside a word: a URL longer than the line stays whole
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    # Merge pieces back greedily so lines are as full as allowed.
    lines: list[str] = []
    for piece in parts:
        if lines and len(lines[-1]) + len(piece) <= limit:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def wrap(text: str, limit: int) -> list[str]:
    """Wrap at word boundaries; a word longer than the line is split after | or , only."""
    limit = max(10, limit)
    words: list[str] = []
    for word in text.split():
        words.extend(_wrap_token(word, limit))
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _paragraphs(text: str) -> list[str]:
    """Docstring paragraphs with single line breaks joined (as Typer's rich help does)."""
    text = textwrap.dedent(text).replace("\b\n", "").replace("\b", "")
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def _left(param: Any, ctx: Any) -> str:
    """`--name, -n <type>` for an option (no metavar for flags), the argument's name for an argument."""
    if param.param_type_name == "argument":
        return (param.metavar or param.name or "").upper()
    record = param.get_help_record(ctx)
    left = record[0] if record else ""
    for ranged in ("int", "float"):
        left = left.replace(f"<{ranged} range>", f"<{ranged}>")
    return left


def _help(param: Any, ctx: Any) -> str:
    if param.param_type_name == "argument":
        parts = [getattr(param, "help", None) or ""]
        if param.required:
            parts.append("[required]")
        return "  ".join(p for p in parts if p)
    record = param.get_help_record(ctx)
    return _ranges(record[1]) if record else ""


def _ranges(text: str) -> str:
    """click's range notation in words: `1<=x<=4` -> `1 to 4`, `x>=1` -> `at least 1`."""
    text = re.sub(r"(-?[\d.]+)<=x<=(-?[\d.]+)", r"\1 to \2", text)
    text = re.sub(r"x>=(-?[\d.]+)", r"at least \1", text)
    return re.sub(r"x<=(-?[\d.]+)", r"at most \1", text)


def definition_list(rows: list[tuple[str, str]], total: int) -> list[str]:
    """Two columns when they fit; otherwise the description on its own lines, indented below."""
    out: list[str] = []
    fitting = [len(left) for left, _ in rows if len(left) <= LEFT_MAX]
    col = (max(fitting) if fitting else 0) + 4  # 2 indent + 2 gap
    stacked = total < NARROW or col < 8
    for left, desc in rows:
        left_lines = wrap(left, total - 2) if len(left) > total - 2 else [left]
        first = left_lines[0]
        for extra in left_lines[1:]:
            out.append("  " + first)
            first = "    " + extra
        desc_lines = wrap(desc, total - col) if desc else []
        if not stacked and len(first) + 4 <= col:
            head = "  " + first
            if desc_lines:
                out.append(head.ljust(col) + desc_lines[0])
                out.extend(" " * col + line for line in desc_lines[1:])
            else:
                out.append(head)
        else:
            out.append("  " + first)
            indent = 6 if stacked else col
            if desc:
                out.extend(" " * indent + line for line in wrap(desc, total - indent))
    return out


def _heading(text: str) -> str:
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        return typer.style(text, bold=True)
    return text


def render(command: Any, ctx: Any) -> str:
    """The whole help page of a Typer command or group, as text."""
    total = width()
    lines: list[str] = []
    help_text = command.help or ""
    for para in _paragraphs(help_text):
        lines.extend(wrap(para, total))
        lines.append("")
    usage = command.get_usage(ctx).strip()
    lines.extend(wrap(usage, total))
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    panels: dict[str, list[tuple[str, str]]] = {}
    for param in params:
        default = "Arguments" if param.param_type_name == "argument" else "Options"
        panel = getattr(param, "rich_help_panel", None) or default
        panels.setdefault(panel, []).append((_left(param, ctx), _help(param, ctx)))
    order = ["Arguments", "Options"] + [p for p in panels if p not in ("Arguments", "Options")]
    for panel in order:
        if panels.get(panel):
            lines += ["", _heading(panel + ":")]
            lines += definition_list(panels[panel], total)
    if hasattr(command, "list_commands"):
        groups: dict[str, list[tuple[str, str]]] = {}
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            short = sub.get_short_help_str(limit=300) if hasattr(sub, "get_short_help_str") else ""
            panel = getattr(sub, "rich_help_panel", None) or "Commands"
            groups.setdefault(panel, []).append((name, short))
        for panel, rows in groups.items():
            lines += ["", _heading(panel + ":")]
            lines += definition_list(rows, total)
    if command.epilog:
        lines.append("")
        for para in _paragraphs(command.epilog):
            lines.extend(wrap(para, total))
    return "\n".join(lines).rstrip() + "\n"


class HelpLayout:
    """Mixed into a Typer command or group class: its --help is sagecli's 80-column layout."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(render(self, ctx))


class HelpCommand(HelpLayout, TyperCommand):
    """A Typer command whose --help is sagecli's 80-column layout."""


class HelpGroup(HelpLayout, TyperGroup):
    """A Typer group whose --help is sagecli's 80-column layout."""


def _with_layout(cls: Any, base: type, default: type) -> type:
    """Typer's own class (or none yet) -> ours; a project subclass (e.g. one that rewrites arguments) gets
    the layout mixed in, keeping its behaviour."""
    if not isinstance(cls, type) or cls is base:
        return default
    if issubclass(cls, HelpLayout):
        return cls
    return type(cls.__name__, (HelpLayout, cls), {"__doc__": cls.__doc__, "__module__": cls.__module__})


def apply_help_layout(app: typer.Typer) -> None:
    """Use the layout for this app and, recursively, every command and group in it."""
    app.info.cls = _with_layout(app.info.cls, TyperGroup, HelpGroup)
    for info in app.registered_commands:
        info.cls = _with_layout(info.cls, TyperCommand, HelpCommand)
    for group in app.registered_groups:
        if isinstance(group.cls, type):
            group.cls = _with_layout(group.cls, TyperGroup, HelpGroup)
        if group.typer_instance is not None:
            apply_help_layout(group.typer_instance)

def note(text: str) -> None:
    """A note on stderr, wrapped at word boundaries to the terminal (never broken mid-word by the terminal)."""
    cols = typer.get_terminal_size((80, 24)).columns
    for para in text.split("\n"):
        sys.stderr.write("\n".join(wrap(para, max(20, cols - 1)) or [""]) + "\n")
