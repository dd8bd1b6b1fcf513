"""Start and stop endpoint server processes (granian on 127.0.0.1, an ephemeral port, its own session)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sagecli.errors import SageCliError
from sagecli.paths import atomic_write_text
from sagecli.procgroup import deferred_interrupts, stop_group

HOST = "127.0.0.1"
# Connections the worker serves at once (granian's default is its 1,024 listen backlog: that many idle
# sockets made new clients wait ~30 s), and how long a connection may sit without a complete request
# header, idle keep-alive included, before the server closes it (granian's default is 30 s).
MAX_CONNECTIONS = 4096
HEADER_READ_TIMEOUT_MS = 5000


def realtime_payload_limit_bytes() -> int:
    """The real-time payload limit from the knowledge base (realtime-inference max_payload_mb), in bytes."""
    from sagecli.knowledge.store import load_kb

    return int(float(load_kb().limit("realtime-inference", "max_payload_mb")) * 1024 * 1024)


def free_port() -> int:
    """An ephemeral port the OS hands out on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class ServerHandle:
    """A running endpoint server."""

    proc: subprocess.Popen | None
    pid: int
    port: int
    url: str
    log_path: Path


def ping(url: str, timeout: float = 2.0) -> bool:
    """GET /ping answers 200 (the health check's 2 s timeout)."""
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def start_server(config: dict, state_dir: Path, startup_timeout_s: float = 60.0, attempts: int = 3,
                 on_start: Callable[[subprocess.Popen], None] = lambda p: None) -> ServerHandle:
    """Start the server for `config` and wait for /ping; raise SageCliError with the log tail if it never answers.

    config keys: model_dir, endpoint, variant, max_payload_bytes, capture (or None), multi_model (optional) and
    json_requests (optional, default false): accept application/json requests as custom inference code would.
    The built-in XGBoost container answers them 415, and so does the server without it.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    config_path = state_dir / "server-config.json"
    atomic_write_text(config_path, json.dumps(config, indent=2))
    log_path = state_dir / "server.log"
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "SAGECLI_SERVE_CONFIG": str(config_path),
           "PYTHONPATH": root + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")}
    for _ in range(attempts):
        port = free_port()
        argv = [sys.executable, "-m", "granian", "--interface", "rsgi", "--host", HOST, "--port", str(port),
                "--workers", "1", "--runtime-threads", "1", "--no-ws", "--http", "1", "--log-level", "warning",
                "--backpressure", str(MAX_CONNECTIONS), "--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS),
                "sagecli.serve.worker:app"]
        with open(log_path, "ab") as log, deferred_interrupts():  # no Ctrl-C between the fork and on_start
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
            on_start(proc)  # the caller tracks it at once, so Ctrl-C during startup still stops it
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + startup_timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if ping(url, timeout=0.5):
                return ServerHandle(proc, proc.pid, port, url, log_path)
            time.sleep(0.05)
        if proc.poll() is None:  # it never answered: stop it and report
            stop_pid(proc.pid)
            break
    tail = log_path.read_text(errors="replace").strip().splitlines()[-3:] if log_path.exists() else []
    raise SageCliError("the endpoint server did not become healthy (GET /ping)",
                       hint=f"see {log_path}" + (f": {tail[-1]}" if tail else ""))


def is_endpoint_server(pid: int, url: str) -> bool:
    """Whether pid is still our endpoint server (not a reused pid): its command line on Linux, else /ping."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if Path("/proc").is_dir():
        try:
            return b"sagecli.serve.worker:app" in cmdline.read_bytes()
        except OSError:
            return False
    return pid_alive(pid) and ping(url, timeout=1.0)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pid: int, grace_s: float = 5.0) -> bool:
    """SIGTERM the server's process group, then SIGKILL after the grace period; True if it was running."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return False
    if pgid == pid:  # started with start_new_session: the group is the server and its workers
        return stop_group(pgid, grace_s=grace_s, reap=pid)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid):
            break
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
