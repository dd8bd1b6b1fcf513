"""Docs guard: the README's `$ sagecli ...` examples run, and its quick start is what CI runs."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _examples() -> list[str]:
    """Every `$ sagecli ...` line in the README, without pipes into other tools or trailing comments."""
    out = []
    for line in README.splitlines():
        if not line.startswith("$ sagecli "):
            continue
        cmd = re.split(r"\s+(?:\||#)\s", line[2:])[0].strip()
        if "--backend sagemaker" in cmd:
            continue  # needs an AWS account (tests/aws runs it against moto)
        out.append(cmd)
    return out


def test_readme_has_examples() -> None:
    assert len(_examples()) >= 6


@pytest.mark.parametrize("command", _examples())
def test_readme_example_runs(command: str) -> None:
    argv = shlex.split(command)[1:]
    res = run_cli(*argv, timeout=180)
    assert res.returncode == 0, f"{command!r} exited {res.returncode}: {res.stderr[-800:]}"
    assert "Traceback" not in res.stderr


def test_quick_start_is_two_commands_and_ci_runs_them() -> None:
    block = README.split("<!-- quickstart:start -->")[1].split("<!-- quickstart:end -->")[0]
    commands = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("```")]
    assert len(commands) == 2
    assert "sagecli run-demo" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "quickstart 1" in ci and "quickstart 2" in ci
