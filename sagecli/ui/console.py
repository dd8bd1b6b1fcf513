"""Consoles and plain JSON output. rich is imported here, never at CLI import time."""

from __future__ import annotations

from rich.console import Console

_out: Console | None = None
_err: Console | None = None


def out() -> Console:
    """The stdout console (rich honours NO_COLOR and non-TTY output itself)."""
    global _out
    if _out is None:
        _out = Console(highlight=False, soft_wrap=False)
    return _out


def err() -> Console:
    """The stderr console."""
    global _err
    if _err is None:
        _err = Console(stderr=True, highlight=False)
    return _err
