"""Run one training job on this machine: lay out the job directory, start the program, collect the outcome."""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from sagecli.contracts import COMPLETED, FAILED, STOPPED, MetricPoint, TrainingResult
from sagecli.procgroup import deferred_interrupts, stop_group
from sagecli.train.jobdir import create_job_dir, layout, training_env

ROUND = re.compile(r"^\[(\d+)\](?:#011|\t)(.*)$")
FAILURE_LIMIT = 1024  # DescribeTrainingJob shows the first 1024 characters of output/failure
# At MaxRuntimeInSeconds SageMaker sends the algorithm SIGTERM and ends the job 120 seconds later, a window in
# which it may save model artifacts (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html).
MAX_RUNTIME_GRACE_S = 120.0
STOP_GRACE_S = 2.0  # SIGTERM, then SIGKILL after this long: Ctrl-C, and what a finished script left running
DRAIN_S = 0.5  # after the script exits, read what is already in the pipe for at most this long


def parse_metric_line(line: str) -> list[MetricPoint]:
    """`[3]#011train-auc:0.91#011validation-auc:0.88` -> [train:auc@3, validation:auc@3]."""
    m = ROUND.match(line.strip())
    if not m:
        return []
    points = []
    for part in re.split(r"#011|\t", m.group(2)):
        name, _, value = part.partition(":")
        data, _, metric = name.partition("-")
        try:
            points.append(MetricPoint(f"{data}:{metric}", float(value), int(m.group(1))))
        except ValueError:
            continue
    return points


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b")


def error_message(tail: list[str]) -> str:
    """What a crashed program said, without its traceback: the last exception line, else its last line."""
    lines = [ln for ln in tail if ln.strip()]
    for line in reversed(lines):
        if EXCEPTION_LINE.match(line):
            return line.strip()
    return lines[-1].strip() if lines else "no output"


def _feed_fifo(fifo: Path, files: list[Path], stop: threading.Event) -> None:
    """Stream the channel's files into its FIFO (one reader, as in Pipe mode)."""
    try:
        with open(fifo, "wb") as out:
            for f in files:
                if stop.is_set():
                    return
                with open(f, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
    except (BrokenPipeError, OSError):
        return


def _release_fifo(fifo: Path) -> None:
    """Unblock a feeder still waiting in open() when the program never read its pipe."""
    try:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass


def read_failure_reason(path: Path, limit: int = FAILURE_LIMIT) -> str:
    """The job's output/failure as DescribeTrainingJob shows it: at most `limit` characters, printable text only.

    Reads at most 4 bytes per character (UTF-8), never the whole file; control characters become spaces
    (tabs and line breaks included), so a hostile file cannot move the cursor or recolour the terminal.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit * 4)
    except OSError:
        return ""
    return printable(raw.decode("utf-8", errors="replace")[:limit])


def printable(text: str) -> str:
    """Text safe for a terminal: every non-printable character (escape codes, NUL, line breaks) becomes a space."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _follow(proc: subprocess.Popen, deadline: float, take: Callable[[str], None]) -> tuple[int, bool]:
    """Read the program's output lines until it exits; (exit code, whether MaxRuntimeInSeconds stopped it).

    Never blocks on the pipe: a grandchild that keeps the output open does not hold the job once the script
    has exited (its process group is stopped by the caller), and the runtime limit holds while it is silent.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    pending = b""
    open_pipe = True
    exited_at: float | None = None
    while True:
        now = time.monotonic()
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is None and now >= deadline:  # as SageMaker does: stop the job's processes at the limit
            stop_group(proc.pid, grace_s=MAX_RUNTIME_GRACE_S, reap=proc.pid)
            proc.wait()
            code, timed_out = proc.returncode, True
            break
        if exited_at is not None and (not open_pipe or now - exited_at >= DRAIN_S):
            code, timed_out = proc.returncode, False
            break
        if not open_pipe:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.0, min(0.2, deadline - now)))
            continue
        ready, _, _ = select.select([fd], [], [], max(0.0, min(0.2, deadline - now)))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            continue
        if not chunk:
            open_pipe = False
            continue
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            take(line.decode("utf-8", errors="replace").rstrip("\r"))
    if pending:
        take(pending.decode("utf-8", errors="replace"))
    return code, timed_out


def run_training_job(job_dir: Path, job_name: str, channels: Mapping[str, Path], hyperparameters: Mapping[str, str],
                     input_mode: str = "File", entry_point: Path | None = None, instance_type: str = "ml.m5.xlarge",
                     max_runtime_s: int = 3600, on_line: Callable[[str], None] = lambda line: None,
                     on_start: Callable[[subprocess.Popen], None] = lambda p: None) -> TrainingResult:
    """Run the job to the end; Completed with output/model.tar.gz, or Failed/Stopped with the reason."""
    started = time.perf_counter()
    paths = create_job_dir(job_dir, channels, hyperparameters, input_mode, instance_type=instance_type,
                           job_name=job_name, max_runtime_s=max_runtime_s)
    if entry_point is not None:
        shutil.copy2(entry_point, paths["code"] / entry_point.name)
        argv = [sys.executable, entry_point.name] + [a for k, v in hyperparameters.items() for a in (f"--{k}", str(v))]
        module = entry_point.stem
    else:
        argv = [sys.executable, "-m", "sagecli.train.algorithm"]
        module = "sagecli.train.algorithm"
    env = {**os.environ, **training_env(job_dir, list(channels), hyperparameters, job_name, instance_type, module),
           "PYTHONUNBUFFERED": "1"}
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    stop = threading.Event()
    feeders = []
    if input_mode == "Pipe":
        for name, src in channels.items():
            files = sorted(p for p in Path(src).rglob("*") if p.is_file())
            t = threading.Thread(target=_feed_fifo, args=(paths["data"] / f"{name}_0", files, stop), daemon=True)
            t.start()
            feeders.append((t, paths["data"] / f"{name}_0"))
    log_path = job_dir / "output" / "training.log"
    metrics: list[MetricPoint] = []
    tail: list[str] = []

    def take(line: str) -> None:
        nonlocal tail
        log.write(line + "\n")
        tail = (tail + [line])[-20:]
        metrics.extend(parse_metric_line(line))
        on_line(line)

    proc: subprocess.Popen | None = None
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            with deferred_interrupts():  # a Ctrl-C cannot land between the fork and on_start
                proc = subprocess.Popen(argv, cwd=paths["code"], env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
                on_start(proc)
            code, timed_out = _follow(proc, time.monotonic() + max_runtime_s, take)
        finally:
            stop.set()
            if proc is not None:
                stop_group(proc.pid, grace_s=STOP_GRACE_S, reap=proc.pid)  # the script's children end with it
                if proc.stdout is not None:
                    proc.stdout.close()
            for t, fifo in feeders:
                _release_fifo(fifo)
                t.join(timeout=2)
    result = TrainingResult(job_name=job_name, status=COMPLETED, metrics=metrics, job_dir=job_dir, log_path=log_path)
    last: dict[str, float] = {}
    for p in metrics:
        last[p.name] = p.value
    result.final_metrics = last
    elapsed = time.perf_counter() - started
    saved = sorted(paths["model"].iterdir())
    if (code == 0 and not timed_out) or (timed_out and saved):  # a stopped job keeps what it saved in time
        tarball = job_dir / "output" / "model.tar.gz"
        with tarfile.open(tarball, "w:gz") as tar:
            for item in saved:
                tar.add(item, arcname=item.name)
        result.model_artifact = tarball.resolve().as_uri()
    if code == 0 and not timed_out:
        result.secondary_status = "Completed"
    elif timed_out:
        result.status, result.secondary_status = STOPPED, "MaxRuntimeExceeded"
        result.failure_reason = (f"Training job reached its stopping condition MaxRuntimeInSeconds "
                                 f"({max_runtime_s} s) and was stopped")
    else:
        result.status, result.secondary_status = FAILED, "Failed"
        reason = read_failure_reason(layout(job_dir)["failure"])
        if reason:
            result.failure_reason = reason
        else:
            said = printable(error_message(tail))
            result.failure_reason = f"AlgorithmError: exit code {code}; {said}"[:FAILURE_LIMIT]
    result.duration_s = elapsed
    return result
