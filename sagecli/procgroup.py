"""Child processes in their own process groups: start them without losing one to Ctrl-C, stop a whole group.

Every job and server sagecli starts runs with `start_new_session=True`, so its process group id is its
pid and every process it forks (a data loader, a server's workers) is in that group unless it leaves on
purpose. Stopping the group stops them all, even after the leader has exited and even when a grandchild
cleared its environment: nothing is found by looking at environments or paths.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any


def group_alive(pgid: int) -> bool:
    """Whether any process of this group still exists (zombies included until they are reaped)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, grace_s: float = 5.0, reap: int | None = None) -> bool:
    """SIGTERM every process in the group, SIGKILL what is left after grace_s; True if any was running.

    `reap` is the leader's pid when it is our child, so it is waited for and does not linger as a zombie.
    """
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # not ours: never signal a group we may not own
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap(reap)
        if not _members_running(pgid):
            break
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and _members_running(pgid):
        _reap(reap)
        time.sleep(0.01)
    _reap(reap)
    return True


def _members_running(pgid: int) -> bool:
    """Whether a live (not zombie) process is in the group; without /proc, whether the group exists."""
    proc = "/proc"
    if not os.path.isdir(proc):
        return group_alive(pgid)
    if not group_alive(pgid):
        return False
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(f"{proc}/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def _reap(pid: int | None) -> None:
    if pid is None:
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends (main thread only; elsewhere a no-op).

    Wrap `Popen(...)` and the line that records the new process: a Ctrl-C that lands in between would
    otherwise leave a child nobody knows the pid of. The signal is delivered as soon as the block exits.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}

    def hold(signum: int, frame: Any) -> None:
        caught.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(caught):
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                if signum == signal.SIGINT:
                    raise KeyboardInterrupt
                signal.raise_signal(signum)
