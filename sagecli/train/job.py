"""Run one training job on this machine: lay out the job directory, start the program, collect the outcome."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from sagecli.contracts import COMPLETED, FAILED, STOPPED, MetricPoint, TrainingResult
from sagecli.train.jobdir import create_job_dir, layout, training_env

ROUND = re.compile(r"^\[(\d+)\](?:#011|\t)(.*)$")
FAILURE_LIMIT = 1024  # DescribeTrainingJob shows the first 1024 characters of output/failure


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


def run_training_job(job_dir: Path, job_name: str, channels: Mapping[str, Path], hyperparameters: Mapping[str, str],
                     input_mode: str = "File", entry_point: Path | None = None, instance_type: str = "ml.m5.xlarge",
                     max_runtime_s: int = 3600, on_line: Callable[[str], None] = lambda line: None,
                     on_start: Callable[[subprocess.Popen], None] = lambda p: None) -> TrainingResult:
    """Run the job to the end; Completed with output/model.tar.gz, or Failed/Stopped with the reason."""
    started = time.perf_counter()
    paths = create_job_dir(job_dir, channels, hyperparameters, input_mode, instance_type=instance_type)
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
    code = -1
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(argv, cwd=paths["code"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, bufsize=1, start_new_session=True)
        timer = threading.Timer(max_runtime_s, proc.kill)
        timer.daemon = True  # never keeps the CLI alive, whatever happens below
        try:
            on_start(proc)
            timer.start()
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                tail = (tail + [line.rstrip()])[-20:]
                metrics += parse_metric_line(line)
                on_line(line.rstrip())
            code = proc.wait()
        finally:
            timer.cancel()
            stop.set()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for t, fifo in feeders:
                _release_fifo(fifo)
                t.join(timeout=2)
    result = TrainingResult(job_name=job_name, status=COMPLETED, metrics=metrics, job_dir=job_dir, log_path=log_path)
    last: dict[str, float] = {}
    for p in metrics:
        last[p.name] = p.value
    result.final_metrics = last
    elapsed = time.perf_counter() - started
    if code == 0:
        tarball = job_dir / "output" / "model.tar.gz"
        with tarfile.open(tarball, "w:gz") as tar:
            for item in sorted(paths["model"].iterdir()):
                tar.add(item, arcname=item.name)
        result.model_artifact = tarball.resolve().as_uri()
        result.secondary_status = "Completed"
    elif elapsed >= max_runtime_s:
        result.status, result.secondary_status = STOPPED, "MaxRuntimeExceeded"
        result.failure_reason = f"Training job exceeded MaxRuntimeInSeconds ({max_runtime_s} s)"
    else:
        result.status, result.secondary_status = FAILED, "Failed"
        failure = layout(job_dir)["failure"]
        if failure.exists() and failure.read_text().strip():
            result.failure_reason = failure.read_text()[:FAILURE_LIMIT]
        else:
            result.failure_reason = f"AlgorithmError: exit code {code}; {error_message(tail)}"[:FAILURE_LIMIT]
    result.duration_s = elapsed
    return result
