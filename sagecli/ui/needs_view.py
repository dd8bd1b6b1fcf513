"""`sagecli recommend needs`: the requirement vocabulary, one entry per block (reads well at 80 columns)."""

from __future__ import annotations

from typing import Any

from rich.padding import Padding
from rich.text import Text

from sagecli.ui.console import out as console


def render_needs(rows: list[dict[str, Any]]) -> None:
    """Print each need's id, the decisions it affects and its meaning, wrapped at word boundaries."""
    out = console()
    if not rows:
        out.print("No need matches. Run `sagecli recommend needs` to see them all.")
        return
    for row in rows:
        out.print(f"[bold]{row['id']}[/bold]  ({', '.join(row['decisions'])})", highlight=False)
        out.print(Padding(Text(row["meaning"]), (0, 0, 0, 2)))
    from sagecli.recommend.needs import DECISIONS_OF

    used = {d for row in rows for d in row["decisions"]}
    recs = "|".join(rec for rec, decs in DECISIONS_OF.items() if used & set(decs))
    out.print(f"\n{len(rows)} need(s). Use: sagecli recommend {recs} --need NAME", highlight=False)
