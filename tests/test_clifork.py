"""The fork server behind run_cli stands in for `python -m sagecli`: same output, exit status, env, cwd."""

from __future__ import annotations

import os
import subprocess
import sys

from tests import clifork
from tests.conftest import ROOT, run_cli


def _real(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "sagecli", *args], input=input, capture_output=True, text=True,
                          env=full, timeout=60)


def test_forked_run_matches_a_real_process() -> None:
    for args in (["kb", "show", "serverless-inference", "--json"], ["--help"], ["no-such-command"],
                 ["recommend", "deployment", "--payload-mb", "2", "--traffic", "intermittent"]):
        forked, real = run_cli(*args, env={"COLUMNS": "80"}), _real(*args, env={"COLUMNS": "80"})
        assert (forked.returncode, forked.stdout, forked.stderr) == (real.returncode, real.stdout, real.stderr), args
    assert clifork._servers and all(s.ready for s in clifork._servers)  # the fork server did run these


def test_forked_run_gets_cwd_and_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = clifork.cpu_seconds
    res = run_cli("quiz", "export", "-o", "out.apkg", input="", env={"SAGECLI_HOME": str(tmp_path / "h")})
    real = _real("quiz", "export", "-o", "out2.apkg", input="", env={"SAGECLI_HOME": str(tmp_path / "h2")})
    assert res.returncode == real.returncode == 0, res.stderr
    assert (tmp_path / "out.apkg").is_file() and (tmp_path / "out2.apkg").is_file()  # relative to the caller's cwd
    assert (tmp_path / "h").is_dir() and (tmp_path / "h2").is_dir()  # the caller's SAGECLI_HOME
    assert clifork.cpu_seconds > before


def test_start_up_variables_that_differ_get_a_real_process(monkeypatch) -> None:
    calls = []
    real_run = subprocess.run
    monkeypatch.setattr(clifork.subprocess, "run", lambda *a, **k: calls.append(a) or real_run(*a, **k))
    res = run_cli("--version", env={"PYTHONHASHSEED": "123"})
    assert res.returncode == 0 and res.stdout.startswith("sagecli ")
    assert calls and calls[0][0][1:3] == ["-m", "sagecli"]
