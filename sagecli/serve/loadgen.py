"""A small HTTP/1.1 load generator (asyncio, keep-alive connections) for the endpoint test and benchmarks.

`python -m sagecli.serve.loadgen --port P --requests N --clients C [--path /invocations]` prints JSON:
requests, errors, statuses, rps, p50_ms, p99_ms. Run it in its own process so it does not share a core
with the server it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence


async def _client(host: str, port: int, requests: list[bytes], latencies: list[float],
                  statuses: dict[int, int], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for raw in requests:
            t0 = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


def build_request(host: str, port: int, path: str, body: bytes, content_type: str) -> bytes:
    """One raw HTTP/1.1 POST with keep-alive."""
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n"
            f"Accept: text/csv\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def _run(host: str, port: int, bodies: Sequence[bytes], path: str, content_type: str,
               clients: int) -> dict:
    raws = [build_request(host, port, path, b, content_type) for b in bodies]
    shares = [raws[i::clients] for i in range(clients)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(host, port, s, latencies, statuses, errors) for s in shares if s))
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    ok = sum(v for k, v in statuses.items() if k == 200)
    return {"requests": len(bodies), "ok": ok, "errors": len(errors) + (len(latencies) - ok), "error_samples":
            errors[:3], "statuses": {str(k): v for k, v in sorted(statuses.items())}, "wall_s": wall,
            "rps": len(latencies) / wall if wall else 0.0, "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


def run_load(port: int, bodies: Sequence[bytes], clients: int, path: str = "/invocations",
             content_type: str = "text/csv", host: str = "127.0.0.1") -> dict:
    """Send every body once, spread over `clients` keep-alive connections; return the summary."""
    return asyncio.run(_run(host, port, bodies, path, content_type, clients))


def main(argv: Sequence[str] | None = None) -> int:
    """CLI for a separate load-generator process."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--path", default="/invocations")
    ap.add_argument("--body-file", help="one request body per line (cycled); default a single 8-feature row")
    args = ap.parse_args(argv)
    if args.body_file:
        with open(args.body_file, "rb") as fh:
            lines = [ln for ln in fh.read().splitlines() if ln]
    else:
        lines = [b"45,12,60.5,7.2,1,0,2,1"]
    bodies = [lines[i % len(lines)] for i in range(args.requests)]
    sys.stdout.write(json.dumps(run_load(args.port, bodies, args.clients, args.path)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
