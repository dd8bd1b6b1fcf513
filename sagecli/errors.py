"""One error path: every failure becomes one line on stderr (plus a hint) and a non-zero exit.

SageCliError (the project's own), usage errors found by Typer's parser, and OSError on a path the user
gave all print `Error: ...` / `Hint: ...`; with `--json` on the command line the same error is one JSON
object on stderr, `{"error": ..., "hint": ...}`, so scripts can parse both outcomes.
"""

from __future__ import annotations

import errno
import json
import os
import re
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


_json_errors = False


def json_errors(argv: list[str]) -> bool:
    """True when the command line asks for --json (before any `--`): errors are then JSON too."""
    for arg in argv[1:]:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def _use_color() -> bool:
    return "NO_COLOR" not in os.environ and sys.stderr.isatty()


def report(err: SageCliError) -> None:
    """Print an error as one line (red on a colour terminal) and its hint, to stderr."""
    lines = err.message.split("\n")
    first = lines[0].strip()
    if _json_errors:
        payload: dict[str, Any] = {"error": first, "hint": err.hint}
        if len(lines) > 1:
            payload["details"] = [line for line in lines[1:] if line.strip()]
        sys.stderr.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    if _use_color():
        sys.stderr.write(f"\x1b[31mError: {first}\x1b[0m\n")
    else:
        sys.stderr.write(f"Error: {first}\n")
    if err.hint:
        sys.stderr.write(f"Hint: {err.hint}\n")
    # Multi-line details (for example every problem found by `kb validate`) follow the one line.
    for line in lines[1:]:
        sys.stderr.write(line + "\n")


def _is_click_exception(exc: BaseException) -> bool:
    """Typer's parser errors (click's ClickException family), recognised without importing click."""
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__) and hasattr(exc, "format_message")


def usage_error(exc: Any) -> SageCliError:
    """A parser error (no such option, bad value, missing argument) as one line with a hint."""
    message = " ".join(str(exc.format_message()).split())
    message = message.replace("Value error, ", "")
    param = getattr(exc, "param", None)
    if type(exc).__name__ == "MissingParameter" and getattr(param, "param_type_name", "") == "argument":
        # click names the Python parameter ('record_id'); the help shows its metavar (ID)
        shown = (param.metavar or param.name or "").upper()
        message = re.sub(r"'[^']*'", shown, message, count=1)
    ctx = getattr(exc, "ctx", None)
    hint = None
    if ctx is not None:
        hint = f"run '{ctx.command_path} --help' to see the options"
    code = getattr(exc, "exit_code", ExitCode.USAGE)
    return SageCliError(message, hint=hint, exit_code=code)


_TMP_NAME = re.compile(r"^\.(?P<name>.+)\.\d+\.tmp$")


def os_error(exc: OSError) -> SageCliError:
    """An OSError on a path (a folder that is a file, /proc, a read-only home) as one line naming it."""
    path = exc.filename
    if isinstance(path, (str, bytes, os.PathLike)):
        path = os.fsdecode(path)
        head, tail = os.path.split(path)
        match = _TMP_NAME.match(tail)
        if match:  # an atomic write's temporary file: name the file the user asked for
            path = os.path.join(head, match.group("name"))
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EEXIST, errno.ENOTDIR) and path and os.path.isfile(path):
        reason = "a file is in the way (a folder is needed here)"
    if not path:
        return SageCliError(f"{reason}", hint="check the paths given on the command line")
    home = os.environ.get("SAGECLI_HOME")
    if home and os.path.abspath(path).startswith(os.path.abspath(home)):
        hint = "set SAGECLI_HOME to a folder you can write to"
    elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
        hint = "check that the folder exists and the path is spelled right"
    elif exc.errno == errno.EEXIST:
        hint = "choose a folder that does not exist yet"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a path you can write to"
    else:
        hint = "check the path given on the command line"
    target = f"{path} -> {os.fsdecode(exc.filename2)}" if exc.filename2 else path
    return SageCliError(f"{target}: {reason}", hint=hint)


def run(app: Callable[..., Any], argv: list[str] | None = None) -> None:
    """Call a Typer app; turn every error, Ctrl-C and unexpected crash into a clean one-line exit."""
    global _json_errors
    _json_errors = json_errors(sys.argv if argv is None else argv)
    try:
        code = app(standalone_mode=False, prog_name="sagecli")
    except SageCliError as err:
        report(err)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(ExitCode.INTERRUPTED)
    except SystemExit:
        raise
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # `sagecli ... | head`: the reader left, nothing to report
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
            sys.exit(ExitCode.ERROR)
        if os.environ.get("SAGECLI_DEBUG"):
            raise
        err = os_error(exc)
        report(err)
        sys.exit(err.exit_code)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `sagecli` alone prints its help
            sys.stdout.write(exc.format_message())  # type: ignore[attr-defined]
            sys.exit(ExitCode.USAGE)
        if type(exc).__name__ == "Abort":  # Ctrl-C or Ctrl-D in a Typer prompt
            sys.stderr.write("Cancelled.\n")
            sys.exit(ExitCode.INTERRUPTED)
        if _is_click_exception(exc):
            err = usage_error(exc)
            report(err)
            sys.exit(err.exit_code)
        if os.environ.get("SAGECLI_DEBUG"):
            raise
        report(
            SageCliError(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="set SAGECLI_DEBUG=1 to see the traceback, and please report it",
            )
        )
        sys.exit(ExitCode.ERROR)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)
