"""Shared fixtures: every test gets its own SAGECLI_HOME; subprocesses import this checkout.

The suite runs under pytest-xdist (see addopts in pyproject.toml): each worker is its own session, so a
session fixture runs once per worker. What is expensive and read-only is built once for the whole run with
`shared_dir` (under the run's common temp folder, behind a file lock) and reused by every worker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import clifork

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"

# The few slow end-to-end tests (a whole run-demo, a live endpoint, a terminal session with a timer): marked
# `slow` here, in one place, so a developer can run `-m "not slow"`; they still run by default and in CI.
# A name without "[" marks every parametrization of that test.
SLOW = (
    "tests/aws/test_cleanup.py::test_cleanup_stops_a_running_training_job_and_skips_finished_ones",
    "tests/aws/test_run_demo.py::test_whole_demo_on_the_fake",
    "tests/flow/test_endpoint_commands.py::test_keep_endpoint_then_list_invoke_stop",
    "tests/flow/test_failures.py::test_ctrl_c_with_a_live_endpoint_stops_the_server",
    "tests/flow/test_pty.py::test_ctrl_c_at_the_keyboard_leaves_no_server",
    "tests/flow/test_pty.py::test_live_view_then_summary_table",
    "tests/flow/test_run_demo.py::test_every_step_ran",
    "tests/flow/test_run_dir.py::test_teardown_never_touches_another_runs_kept_endpoint",
    "tests/quiz/test_pty.py::test_exam_auto_submits_on_screen_when_time_runs_out",
    "tests/test_readme.py::test_readme_examples_match_the_tool",
    "tests/ux_demo/test_endpoint_gone.py::test_invoke_on_a_dead_endpoint_is_one_clear_line",
    "tests/ux_demo/test_known_issues.py::test_kept_local_endpoint_names_endpoint_stop",
    "tests/ux_demo/test_known_issues.py::test_kept_sagemaker_endpoint_names_cleanup_and_billing",
    "tests/ux_demo/test_monitor_small_sample.py::test_monitor_line_counts_captured_not_sent",
    "tests/ux_demo/test_monitor_small_sample.py::test_small_run_raises_no_chance_drift_alarm_under_robust",
    "tests/ux_demo/test_summary_view.py::test_plain_summary_states_the_reason_once_per_check",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unused = set(SLOW)
    files = set()
    for item in items:
        base = item.nodeid.split("[")[0]
        files.add(base.split("::")[0])
        for name in (item.nodeid, base):
            if name in SLOW:
                item.add_marker(pytest.mark.slow)
                unused.discard(name)
    stale = sorted(n for n in unused if n.split("::")[0] in files and not config.option.keyword
                   and not config.option.markexpr)
    if stale:
        warnings.warn(f"tests/conftest.py SLOW names tests that no longer exist: {stale}", stacklevel=1)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl  # POSIX only, like the rest of the process tests

    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder that build(folder) fills once per test run, shared by all xdist workers (read-only to tests)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, common to every worker (and new for every run)
    target = root / f"shared-{name}"
    with _file_lock(root / f"shared-{name}.lock"):
        if not (target / ".built").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            (target / ".built").write_text("")
    return target


@pytest.fixture(scope="session")
def compiled_kb_cache(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled knowledge base compiled once (by the real CLI) into sagecli's cache files."""

    def build(folder: Path) -> None:
        res = run_cli("kb", "show", "serverless-inference", "--json", env={"SAGECLI_HOME": str(folder)})
        assert res.returncode == 0, res.stderr

    return sorted((shared_dir(tmp_path_factory, "kb-cache", build) / "cache").glob("kb-*"))


@pytest.fixture(autouse=True)
def sagecli_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                 compiled_kb_cache: list[Path]) -> Path:
    home = tmp_path_factory.mktemp("sagecli-home")
    # A warm compiled-KB cache, as after a user's first command: saves each CLI process compiling the YAML.
    # The files are hard links (sagecli replaces cache files atomically, never writes into them).
    (home / "cache").mkdir()
    for src in compiled_kb_cache:
        try:
            os.link(src, home / "cache" / src.name)
        except OSError:
            shutil.copyfile(src, home / "cache" / src.name)
    monkeypatch.setenv("SAGECLI_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    # run-demo records each run in MLflow by default; the tests that are about that (tests/experiments) turn it
    # back on, the others keep their output and their time as before.
    monkeypatch.setenv("SAGECLI_TRACK", "0")
    return home


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 60, preload: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run the real `sagecli` (python -m sagecli from this checkout) in a process of its own.

    The process is forked from a server that has Python and the third-party libraries loaded (tests/clifork.py),
    or started with subprocess.run when that cannot stand in; either way it is `python -m sagecli ...`.
    `preload` names heavy modules a command imports when it runs, for a fork server that holds them already.
    """
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return clifork.run(list(args), input=input, env=full_env, timeout=timeout, preload=preload)


@pytest.fixture
def cli():
    """The run_cli helper as a fixture."""
    return run_cli
