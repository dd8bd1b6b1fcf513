"""Issue 10 items 9 and 10: the local training job's end, its runtime limit, and its failure reason."""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from pathlib import Path

import pytest

from sagecli.train.job import FAILURE_LIMIT, read_failure_reason, run_training_job

# The script starts a grandchild with an empty environment (no marker can find it) that keeps the job's
# output open, writes its pid, and then does what `TAIL` says.
SCRIPT = """
import os, subprocess, sys, time
child = subprocess.Popen(["sleep", "60"], env={{}})  # inherits stdout: the job's output pipe stays open
open({pidfile!r}, "w").write(str(child.pid))
print("grandchild started", flush=True)
{tail}
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _job(tmp_path: Path, tail: str, **kwargs):
    pidfile = tmp_path / "grandchild.pid"
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(pidfile=str(pidfile), tail=tail))
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "train.csv").write_text("1,0.5\n0,0.1\n")
    t0 = time.monotonic()
    result = run_training_job(tmp_path / "job", "sagecli-test-train", {"train": tmp_path / "train"}, {},
                              entry_point=script, **kwargs)
    return result, time.monotonic() - t0, pidfile


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_script_that_exits_is_not_held_by_a_grandchild_keeping_its_output(tmp_path: Path) -> None:
    result, took, pidfile = _job(tmp_path, "sys.exit(0)")
    assert took < 10, f"the train step waited {took:.1f}s on a grandchild after the script exited"
    assert result.status == "Completed"
    assert "grandchild started" in result.log_path.read_text()
    pid = int(pidfile.read_text())
    assert not _alive(pid), "the script's grandchild outlived the job"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_max_runtime_stops_the_whole_process_group(tmp_path: Path) -> None:
    result, took, pidfile = _job(tmp_path, "time.sleep(60)", max_runtime_s=2)
    assert took < 8, f"a 2 s MaxRuntimeInSeconds took {took:.1f}s"
    assert result.status == "Stopped"
    assert result.secondary_status == "MaxRuntimeExceeded"
    assert "MaxRuntimeInSeconds (2 s)" in (result.failure_reason or "")
    assert result.model_artifact is None
    assert not _alive(int(pidfile.read_text()))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_ctrl_c_stops_a_grandchild_that_cleared_its_environment(tmp_path: Path) -> None:
    seen: list[str] = []

    def on_line(line: str) -> None:
        seen.append(line)
        if line == "grandchild started":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _job(tmp_path, "time.sleep(60)", on_line=on_line)
    assert seen == ["grandchild started"]
    pid = int((tmp_path / "grandchild.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_a_huge_failure_file_is_read_bounded_and_printed_as_text(tmp_path: Path) -> None:
    failure = tmp_path / "failure"
    with open(failure, "wb") as fh:
        fh.write(b"\x1b[31mValueError:\x07 bad\r\nlabel\x00" + "é".encode() * 3000)
        fh.truncate(256 * 1024 * 1024)  # sparse: 256 MiB on paper, nothing on disk
    tracemalloc.start()
    try:
        reason = read_failure_reason(failure)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, f"reading the failure file took {peak} bytes"
    assert len(reason) <= FAILURE_LIMIT == 1024
    assert reason.startswith("[31mValueError: bad label é")
    assert all(ch.isprintable() for ch in reason)


def test_a_failed_job_reports_the_bounded_failure_reason(tmp_path: Path) -> None:
    tail = ("out = os.path.join(os.environ['SM_OUTPUT_DIR'], 'failure')\n"
            "with open(out, 'wb') as fh:\n"
            "    fh.write(b'\\x1b[2JClientError: boom\\n' + b'x' * 5000)\n"
            "    fh.truncate(64 * 1024 * 1024)\n"
            "os.kill(child.pid, 9)\n"
            "sys.exit(2)")
    result, _, _ = _job(tmp_path, tail)
    assert result.status == "Failed"
    reason = result.failure_reason or ""
    assert reason.startswith("[2JClientError: boom xxx")
    assert 1000 < len(reason) <= FAILURE_LIMIT  # the first 1,024 characters, control characters dropped
    assert "\x1b" not in reason and "\x00" not in reason


def test_deferred_interrupts_deliver_the_signal_after_the_block() -> None:
    from sagecli.procgroup import deferred_interrupts

    reached = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        reached.append("end of block")
    assert reached == ["end of block"]


def test_at_max_runtime_the_script_gets_sigterm_and_keeps_what_it_saves(tmp_path: Path) -> None:
    tail = ("import signal\n"
            "def save(signum, frame):\n"
            "    open(os.path.join(os.environ['SM_MODEL_DIR'], 'checkpoint'), 'w').write('saved on SIGTERM')\n"
            "    sys.exit(143)\n"
            "signal.signal(signal.SIGTERM, save)\n"
            "print('waiting', flush=True)\n"
            "time.sleep(60)")
    result, took, _ = _job(tmp_path, tail, max_runtime_s=2)
    assert took < 8
    assert result.status == "Stopped" and result.secondary_status == "MaxRuntimeExceeded"
    assert result.model_artifact and result.model_artifact.endswith("model.tar.gz")
