"""A fork server for `python -m sagecli` in tests: the same process semantics, without paying Python's start-up.

Most of a short CLI call's CPU goes to starting the interpreter and importing Typer, Click, pydantic, rich and
boto3 (0.2-0.3 s each time). A server process imports the libraries in PRELOAD once (none reads the
environment on import, apart from STARTUP_VARS); sagecli itself is imported afresh by every run, so a module
of sagecli that reads the environment or the clock on import still sees the caller's. Each call forks the
server, and the forked process becomes `python -m sagecli ...`: its own pid, the caller's environment,
working directory, stdin, stdout and stderr (passed as file descriptors), `sys.path[0]` as `-m` sets it,
`runpy` running sagecli as `__main__`, and a normal interpreter exit (atexit, thread joins, flushes, the exit
status, a traceback for an uncaught exception). The server calls gc.freeze() before forking, so a child's
collections and exit do not touch (and copy) the preloaded heap: a short command then costs ~0.07 s of CPU
instead of ~0.3 s.

`run()` falls back to a real subprocess whenever the fork server cannot stand in faithfully: no fork or fd
passing on this platform, SAGECLI_TEST_FORK=0, or a variable that Python or a preloaded library reads at
start-up (PYTHON*, locale, Typer's) differs from the server's; a test that hides a package with PYTHONPATH
therefore gets a real process. Two servers alternate, so two runs in one test see different hash seeds, as
separate processes would.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import locale
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What `python -m sagecli` commands import outside sagecli (none of these reads the environment on import,
# except the variables in STARTUP_VARS). Never sagecli's own modules: they are imported by each run.
PRELOAD = ("click", "typer", "typer.main", "typer.core", "typer._adapters", "typer.rich_utils", "shellingham",
           "pydantic", "pydantic.plugin._loader", "pydantic_core", "typing_inspection", "annotated_types",
           "rich.console", "rich.markup", "rich.table", "rich.text", "rich.panel", "rich.live", "rich.progress",
           "yaml", "json", "sqlite3", "csv", "difflib", "decimal", "zoneinfo", "datetime", "uuid", "tempfile",
           "subprocess", "zipfile", "email.message", "importlib.metadata", "urllib.request", "logging", "pickle",
           "platform", "secrets", "hmac", "textwrap", "inspect", "dataclasses", "ipaddress", "fractions",
           "boto3", "boto3.session", "botocore.session", "botocore.client", "botocore.httpsession",
           "botocore.credentials", "botocore.endpoint", "botocore.parsers", "botocore.serialize", "botocore.auth")
# What `sagecli experiments ...` imports to read an MLflow store: for run(..., preload=MLFLOW).
MLFLOW = ("mlflow", "mlflow.tracking", "mlflow.entities", "mlflow.exceptions", "mlflow.store.tracking.sqlalchemy_store")
# Read once when Python or a preloaded library starts: a call that sets them differently runs a real process.
STARTUP_VARS = ("TERMINAL_WIDTH", "_TYPER_FORCE_DISABLE_TERMINAL", "GITHUB_ACTIONS", "FORCE_COLOR", "PY_COLORS",
                "TYPER_USE_RICH", "TYPER_STANDARD_TRACEBACK", "_TYPER_STANDARD_TRACEBACK", "LANG", "LC_ALL",
                "LC_CTYPE", "PYDANTIC_DISABLE_PLUGINS")


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith("PYTHON") or k in STARTUP_VARS}


def _recv(conn: socket.socket) -> tuple[dict, list[int]]:
    size = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))[0]
    msg, fds, _flags, _addr = socket.recv_fds(conn, size, 3, socket.MSG_WAITALL)
    return json.loads(msg), fds


def _become_cli(request: dict, fds: list[int]) -> None:
    """In the forked process: take the caller's files, environment and directory, then run sagecli as -m does."""
    import io
    import runpy

    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    for name, fd, mode in (("stdin", 0, "r"), ("stdout", 1, "w"), ("stderr", 2, "w")):
        old = getattr(sys, name)
        raw = open(fd, mode + "b", closefd=False)  # noqa: SIM115 (becomes sys.stdin/stdout/stderr)
        stream = io.TextIOWrapper(raw, encoding=old.encoding, errors=old.errors,
                                  line_buffering=name == "stderr" or os.isatty(fd))
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]  # `python -m` puts the working directory first
    sys.argv = ["-m", *request["args"]]
    runpy.run_module("sagecli", run_name="__main__", alter_sys=True)


def serve(sock_path: str, extra: tuple[str, ...] = ()) -> None:
    """The server loop (a process of its own): one fork per request; returns only inside a forked CLI."""
    for name in (*PRELOAD, *extra):
        with contextlib.suppress(Exception):  # a module that is missing here is imported by the run itself
            __import__(name)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    server.listen(16)
    server.settimeout(2.0)
    parent = os.getppid()
    import gc
    gc.freeze()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if os.getppid() != parent:  # the test process is gone: so is the need for this server
                os._exit(0)
            continue
        conn.settimeout(None)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        if os.fork():  # the server: back to accept
            conn.close()
            continue
        server.close()
        request, fds = _recv(conn)
        pid = os.fork()
        if pid == 0:  # the CLI process
            conn.close()
            _become_cli(request, fds)
            return
        for fd in fds:
            os.close(fd)
        conn.sendall(struct.pack("!i", pid))
        _, status, usage = os.wait4(pid, 0)
        conn.sendall(struct.pack("!id", os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime))
        os._exit(0)


class _Server:
    def __init__(self, folder: Path, index: int | str, extra: tuple[str, ...] = ()) -> None:
        self.sock_path = str(folder / f"clifork-{os.getpid()}-{index}.sock")
        env = {**_BASE_ENV, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c",
             f"import sys; from tests.clifork import serve; serve({self.sock_path!r}, {tuple(extra)!r})"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.startup = _startup_env(env)
        self.ready = self.proc.stdout.readline() == b"ready\n"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        with contextlib.suppress(OSError):
            os.unlink(self.sock_path)
            os.rmdir(Path(self.sock_path).parent)


# The servers start with the environment the test process had when this module was imported (at collection),
# not a test's monkeypatched one: their /proc/<pid>/environ, which forked runs show too, names no test's paths.
_BASE_ENV = dict(os.environ)
_servers: list[_Server] = []
# Servers that also hold a heavy library a few commands import when they run (mlflow for `experiments ...`),
# one per tuple of extra modules, started on first use. One server, not two: runs share its hash seed.
_extra_servers: dict[tuple[str, ...], _Server] = {}
_folder: Path | None = None
cpu_seconds = 0.0  # CPU time of the forked CLI processes (and what they waited for), for measurements
_turn = 0


def _server_for(env: dict[str, str], preload: tuple[str, ...] = ()) -> _Server | None:
    global _turn, _folder
    if os.environ.get("SAGECLI_TEST_FORK", "1") == "0" or not hasattr(socket, "send_fds") or not hasattr(os, "fork"):
        return None
    if _folder is None:
        import tempfile

        _folder = Path(tempfile.mkdtemp(prefix="sagecli-clifork-"))
        atexit.register(lambda: [s.stop() for s in [*_servers, *_extra_servers.values()]])
    if preload:
        if preload not in _extra_servers:
            _extra_servers[preload] = _Server(_folder, f"x{len(_extra_servers)}", preload)
        server = _extra_servers[preload]
    else:
        if not _servers:
            _servers.extend(_Server(_folder, i) for i in range(2))
        _turn += 1
        server = _servers[_turn % len(_servers)]
    if not server.ready or server.proc.poll() is not None or server.startup != _startup_env(env):
        return None
    return server


def run(args: list[str], input: str | None, env: dict[str, str], timeout: float,
        preload: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Like subprocess.run([python, -m, sagecli, *args], capture_output=True, text=True, ...).

    preload: more modules the server holds already (for commands that import a heavy library when they run;
    never use it where a test checks what a command imports)."""
    server = _server_for(env, preload)
    if server is None:
        return subprocess.run([sys.executable, "-m", "sagecli", *args], input=input, capture_output=True, text=True,
                              env=env, timeout=timeout)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe() if input is not None else (None, None)
    stdin_fd = in_r if in_r is not None else 0
    request = json.dumps({"args": list(args), "env": env, "cwd": os.getcwd()}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(server.sock_path)
        conn.sendall(struct.pack("!I", len(request)))
        socket.send_fds(conn, [request], [stdin_fd, out_w, err_w])
        pid = struct.unpack("!i", conn.recv(4, socket.MSG_WAITALL))[0]
    except (OSError, struct.error):  # the server went away before starting the CLI: a real process instead
        conn.close()
        for fd in (out_r, err_r, in_w):
            if fd is not None:
                os.close(fd)
        server.ready = False
        return run(args, input, env, timeout, preload)
    finally:
        for fd in (out_w, err_w, in_r):
            if fd is not None:
                os.close(fd)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}

    def drain(fd: int) -> None:
        with open(fd, "rb", closefd=True) as fh:
            chunks[fd].append(fh.read())

    def feed() -> None:
        with open(in_w, "wb", closefd=True) as fh, contextlib.suppress(BrokenPipeError):
            fh.write(input.encode(locale.getpreferredencoding(False)))

    threads = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in (out_r, err_r)]
    if in_w is not None:
        threads.append(threading.Thread(target=feed, daemon=True))
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    conn.settimeout(timeout)
    try:
        code, cpu = struct.unpack("!id", conn.recv(struct.calcsize("!id"), socket.MSG_WAITALL))
    except (TimeoutError, struct.error) as exc:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        conn.close()
        if isinstance(exc, struct.error):
            raise RuntimeError("the sagecli fork server went away") from exc
        raise subprocess.TimeoutExpired([sys.executable, "-m", "sagecli", *args], timeout) from None
    conn.close()
    global cpu_seconds
    cpu_seconds += cpu
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    # as subprocess.run(text=True) decodes: the locale's encoding, universal newlines
    encoding = locale.getpreferredencoding(False)
    out, err = (b"".join(chunks[fd]).decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
                for fd in (out_r, err_r))
    return subprocess.CompletedProcess([sys.executable, "-m", "sagecli", *args], code, out, err)
