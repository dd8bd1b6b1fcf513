"""`sagecli quiz sessions` and `quiz discard`: unfinished sessions as a table that fits 80 columns."""

from __future__ import annotations

from typing import Any

MODES = {"exam": "mock exam", "practice": "practice"}


def started(iso: str) -> str:
    """'2026-03-02 09:00' from a stored ISO time (UTC)."""
    return iso[:16].replace("T", " ")


def clock_left(seconds: int | None) -> str:
    """'01:42:10' for an exam's time left; '-' for practice (untimed)."""
    if seconds is None:
        return "-"
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _notes(r: dict[str, Any]) -> str:
    """'2 skipped, 1 flagged, open elsewhere' (what is worth knowing before resuming)."""
    parts = [f"{r['skipped']} skipped" if r["skipped"] else "", f"{r['flagged']} flagged" if r["flagged"] else "",
             "open in another sagecli" if r["open_elsewhere"] else ""]
    return ", ".join(p for p in parts if p)


def render_sessions(rows: list[dict[str, Any]]) -> None:
    """The unfinished sessions, newest first, and how to resume or discard one."""
    from rich.table import Table

    from sagecli.ui.console import out

    con = out()
    if not rows:
        con.print("No unfinished sessions. Start one with [bold]sagecli quiz[/bold] "
                  "or [bold]sagecli quiz --mode exam[/bold].")
        return
    notes = {r["id"]: _notes(r) for r in rows}
    table = Table(title="Unfinished sessions (newest first)", title_justify="left")
    cols = [("ID", "right"), ("Mode", "left"), ("Started (UTC)", "left"), ("Answered", "right"),
            ("Time left", "right")]
    if any(notes.values()):
        cols.append(("Notes", "left"))
    for col, justify in cols:
        table.add_column(col, justify=justify, no_wrap=col != "Notes")
    for r in rows:
        cells = [str(r["id"]), MODES.get(r["mode"], r["mode"]), started(r["started"]), f"{r['answered']}/{r['total']}",
                 clock_left(r["time_left_seconds"]), notes[r["id"]]]
        table.add_row(*cells[:len(cols)])
    con.print(table)
    con.print("Resume one: [bold]sagecli quiz --resume ID[/bold]")
    con.print("Discard one: [bold]sagecli quiz discard ID[/bold] (kept in your history, never resumed)")


def render_discarded(gone: dict[str, Any]) -> None:
    """One line: which session was discarded and how far it had got."""
    from sagecli.ui.console import out

    out().print(f"Discarded {MODES.get(gone['mode'], gone['mode'])} session {gone['id']} "
                f"({gone['answered']} of {gone['total']} answered; kept in your history, never resumed).")
