"""One error path: SageCliError becomes one red line on stderr (plus a hint) and a non-zero exit."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Process exit codes used by every command."""

    OK = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


class SageCliError(Exception):
    """An error the user can act on: a one-line message and an optional hint."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(SageCliError):
    """Bad option values found after parsing (impossible numbers and the like): exit 2."""

    exit_code = ExitCode.USAGE


def _use_color() -> bool:
    return "NO_COLOR" not in os.environ and sys.stderr.isatty()


def report(err: SageCliError) -> None:
    """Print an error as one line (red on a colour terminal) and its hint, to stderr."""
    first = " ".join(err.message.split("\n")[:1]).strip()
    if _use_color():
        sys.stderr.write(f"\x1b[31mError: {first}\x1b[0m\n")
    else:
        sys.stderr.write(f"Error: {first}\n")
    if err.hint:
        sys.stderr.write(f"Hint: {err.hint}\n")
    # Multi-line details (for example every problem found by `kb validate`) follow the one line.
    rest = err.message.split("\n")[1:]
    for line in rest:
        sys.stderr.write(line + "\n")


def run(app: Callable[..., Any]) -> None:
    """Call a Typer app; turn SageCliError, Ctrl-C and unexpected crashes into clean exits."""
    try:
        app(standalone_mode=True)
    except SageCliError as err:
        report(err)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(ExitCode.INTERRUPTED)
    except SystemExit:
        raise
    except Exception as exc:  # a bug, not bad input: still no traceback unless asked for
        if os.environ.get("SAGECLI_DEBUG"):
            raise
        report(
            SageCliError(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="set SAGECLI_DEBUG=1 to see the traceback, and please report it",
            )
        )
        sys.exit(ExitCode.ERROR)
