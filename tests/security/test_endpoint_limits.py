"""Issue 10 items 4 and 6: a chunked body is not buffered past the payload limit; idle sockets do not lock
new clients out."""

from __future__ import annotations

import http.client
import resource
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagecli.serve.process import HEADER_READ_TIMEOUT_MS, ServerHandle, realtime_payload_limit_bytes, stop_pid
from tests.serve.conftest import launch

ROW = b"45,12,60.5,7.2,1,0,2,1\n"


@pytest.fixture
def server(trained, tmp_path: Path) -> Iterator[ServerHandle]:
    handle = launch(trained[1], tmp_path / "state", "ep-limits")
    yield handle
    stop_pid(handle.pid)


def _group_hwm_kib(pid: int) -> int:
    """The largest peak resident size (VmHWM) among the server and its worker processes."""
    pgid = __import__("os").getpgid(pid)
    peak = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat: the process group
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak


def _ping(url: str) -> int:
    with urllib.request.urlopen(f"{url}/ping", timeout=5) as resp:  # generous: the fix answers at once
        return resp.status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_chunked_body_over_the_limit_is_413_without_buffering_it(server: ServerHandle) -> None:
    limit = realtime_payload_limit_bytes()
    total = limit * 3  # 75 MB; the worker would hold all of it (twice, joined) before the fix
    before = _group_hwm_kib(server.pid)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.putrequest("POST", "/invocations")
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    piece = ROW * (65536 // len(ROW))
    sent = 0
    while sent < total:
        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        sent += len(piece)
    conn.send(b"0\r\n\r\n")
    resp = conn.getresponse()
    assert resp.status == 413
    assert b"over the" in resp.read()
    conn.close()
    grown_mib = (_group_hwm_kib(server.pid) - before) / 1024
    assert grown_mib < limit / 1024 / 1024 + 20, f"worker grew {grown_mib:.0f} MiB for a {total >> 20} MiB body"
    assert _ping(server.url) == 200


def test_chunked_body_under_the_limit_is_served(server: ServerHandle) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/invocations")
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for part in (ROW[:5], ROW[5:], ROW):
        conn.send(b"%x\r\n%s\r\n" % (len(part), part))
    conn.send(b"0\r\n\r\n")
    resp = conn.getresponse()
    assert resp.status == 200
    assert len(resp.read().split(b"\n")) == 2


def _enough_files(wanted: int) -> bool:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return True
    if hard != resource.RLIM_INFINITY and hard < wanted:
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return True


def test_many_idle_connections_do_not_lock_out_a_new_client(server: ServerHandle) -> None:
    idle = 1100  # just over granian's default 1,024 (backlog / backpressure)
    if not _enough_files(idle + 200):
        pytest.skip("the open-file limit is too low for this many sockets")
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(idle)]
    try:
        assert _ping(server.url) == 200  # before the fix: a ~30 s wait, so the 5 s timeout failed
        req = urllib.request.Request(server.url + "/invocations", data=ROW, headers={"Content-Type": "text/csv"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
    finally:
        for s in socks:
            s.close()


def test_idle_keep_alive_connections_are_closed(server: ServerHandle) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 200")
        sock.settimeout(HEADER_READ_TIMEOUT_MS / 1000 + 10)  # generous; granian's default kept it 30 s
        assert sock.recv(100) == b"", "the server closes a connection left idle"
    finally:
        sock.close()
