"""The CLI's shell: version, help on every command, the one error path, startup imports."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from sagecli import __version__
from sagecli.cli import app
from tests.conftest import ROOT, run_cli

runner = CliRunner()


def _walk(cmd, path=()):
    """Every (path, command) below a click command."""
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk(sub, path + (name,))


def test_version() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.strip() == f"sagecli {__version__}"


def test_every_command_and_option_has_help() -> None:
    missing = []
    import typer.main

    for path, cmd in _walk(typer.main.get_command(app)):
        if path and not (cmd.help or "").strip():
            missing.append(" ".join(path))
        for param in cmd.params:
            if param.name in ("help",):
                continue
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{' '.join(path)} {param.name}")
    assert missing == []


def test_unknown_option_is_usage_error() -> None:
    res = run_cli("kb", "list", "--bogus")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "No such option" in res.stderr


def test_sagecli_error_is_one_line_and_nonzero() -> None:
    res = run_cli("kb", "show", "no-such-record")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[0] == "Error: no knowledge-base record with id 'no-such-record'"
    assert lines[1].startswith("Hint:")
    assert "\x1b[" not in res.stderr  # not a TTY: no colour codes


def test_heavy_modules_not_imported_at_startup() -> None:
    code = (
        "import sys, sagecli.cli\n"
        "heavy = ['boto3', 'botocore', 'numpy', 'xgboost', 'questionary', 'prompt_toolkit', 'rich',"
        " 'pydantic', 'yaml', 'fsrs']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip() == ""


def _modules_after(argv: list[str], expr: str) -> str:
    """Run the console entry point with argv in a subprocess; return what expr (over sys.modules) printed."""
    code = (
        f"import sys\nfrom sagecli.__main__ import main\nsys.argv={['sagecli', *argv]!r}\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('RESULT:' + {expr})\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return res.stdout.strip().splitlines()[-1]


def test_kb_show_json_does_not_import_rich_or_yaml_when_cached() -> None:
    # pydantic is not checked: Typer's own adapters import it whenever it is installed.
    run_cli("kb", "show", "serverless-inference", "--json")  # warm the cache
    expr = "','.join(m for m in ('rich','yaml') if m in sys.modules)"
    assert _modules_after(["kb", "show", "serverless-inference", "--json"], expr) == "RESULT:"


def test_console_script_registers_only_the_named_group() -> None:
    from sagecli.commands import COMMAND_MODULES, modules_for

    assert modules_for(["sagecli", "kb", "show", "x"]) == ["kb"]
    assert modules_for(["sagecli", "--help"]) == COMMAND_MODULES
    assert modules_for(["sagecli", "no-such-command"]) == COMMAND_MODULES
    expr = "','.join(sorted(m.split('.')[-1] for m in sys.modules if m.startswith('sagecli.commands.')))"
    assert _modules_after(["kb", "show", "serverless-inference", "--json"], expr) == "RESULT:kb"
