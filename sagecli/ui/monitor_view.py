"""`sagecli monitor` output: what was written, then each violation as a block (80 columns)."""

from __future__ import annotations

from typing import Any

from rich.padding import Padding
from rich.text import Text

from sagecli.ui.console import out


def render_monitor(result: Any, title: str) -> None:
    """Summary line, the files written, and every violation with its check and description."""
    con = out()
    found = len(result.violations)
    con.print(f"{title}: {result.rows} rows -> {result.out_dir}", highlight=False)
    for name in result.files:
        con.print(f"  {name}", highlight=False)
    if not result.violations:
        if "constraint_violations.json" in result.files:
            con.print("No violation.", highlight=False)
        return
    con.print(f"{found} violation(s):", highlight=False)
    for v in result.violations:
        con.print(f"  {v['feature_name'] or '(dataset)'}: {v['constraint_check_type']}", highlight=False)
        con.print(Padding(Text(v["description"]), (0, 0, 0, 4), expand=False))
