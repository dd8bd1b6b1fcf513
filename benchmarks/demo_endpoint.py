"""Endpoint throughput and latency for single-row CSV requests, at 1 and 16 concurrent clients.

Measured in the same run, with the load generator in its own process: wrk (C, one thread) when it is
installed, else sagecli.serve.loadgen (Python asyncio, which itself needs most of a core: on a 2-core
machine it takes CPU from the server it measures, so its numbers are lower):
  * the endpoint (granian RSGI, model + data capture at 100 %, and without capture),
  * the HTTP ceiling: a minimal granian RSGI app returning a constant,
  * the compute ceiling: parse the row and predict in a loop in one process, one core (no HTTP),
  * `mlflow models serve` on the same model, when MLflow is installed,
  * the predictor alone (`--only predictors`): sagecli's numpy tree walk (sagecli/serve/treepredict.py)
    against XGBoost's own `inplace_predict` on a preallocated float32 array and, when installed,
    treelite's GTIL (`pip install 'sagecli[bench]'`), per call at 1, 8, 32, 64 and 1,000 rows.
Targets (issue 5): at 16 clients >= 0.5x the compute ceiling, p99 < 10 ms, >= 2x MLflow's throughput.

    python benchmarks/demo_endpoint.py [--requests 5000] [--seconds 3] [--rounds 3] [--loadgen auto|wrk|python]
                                       [--only all|predictors]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sagecli.flow.data import make_dataset, write_channels  # noqa: E402
from sagecli.serve.process import free_port, ping, realtime_payload_limit_bytes, start_server, stop_pid  # noqa: E402
from sagecli.train.job import run_training_job  # noqa: E402

ROW = b"45,12,60.5,7.2,1,0,2,1"
CONSTANT_APP = '''
async def app(scope, proto):
    if scope.path != "/ping":
        await proto()
    proto.response_bytes(200, [("content-type", "text/csv")], b"0.5")
'''


WRK_SCRIPT = f"""wrk.method = "POST"
wrk.body = "{ROW.decode()}"
wrk.headers["Content-Type"] = "text/csv"
wrk.headers["Accept"] = "text/csv"
"""
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def load(port: int, clients: int, args: argparse.Namespace) -> dict:
    """Run the load generator (wrk or sagecli.serve.loadgen) in its own process."""
    if args.loadgen == "python":
        out = subprocess.run([sys.executable, "-m", "sagecli.serve.loadgen", "--port", str(port), "--requests",
                              str(args.requests), "--clients", str(clients)], capture_output=True, text=True,
                             check=True, env={"PYTHONPATH": str(ROOT)})
        return json.loads(out.stdout)
    text = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{args.seconds}s", "--latency", "-s", args.wrk_script,
                           f"http://127.0.0.1:{port}/invocations"], capture_output=True, text=True, check=True).stdout
    lat = {m[0]: float(m[1]) * UNITS[m[2]] for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1]), "p50_ms": lat["50"], "p99_ms": lat["99"],
            "errors": (int(bad[1]) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)}


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by every process in a process group (Linux /proc; else 0)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # after the command name: state, ppid, pgrp, ..., utime (11), stime (12)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(port: int, pgid: int, args: argparse.Namespace) -> dict[int, dict]:
    """Warm up, then 1 and 16 clients; also the server's CPU time per request (what machine load does not inflate)."""
    load(port, 4, argparse.Namespace(**{**vars(args), "requests": 500, "seconds": 1}))
    out = {}
    for c in (1, 16):
        cpu0 = group_cpu_s(pgid)
        out[c] = load(port, c, args)
        done = out[c]["rps"] * args.seconds if args.loadgen == "wrk" else args.requests
        out[c]["cpu_us"] = (group_cpu_s(pgid) - cpu0) / max(done, 1) * 1e6
    return out


def compute_ceiling(model_dir: Path, seconds: float = 2.0, xgboost_only: bool = False) -> tuple[float, float]:
    """Single-row parse + predict + encode per second, in a fresh process (one core, no HTTP): per wall second
    (the issue's compute ceiling) and per CPU second (for the CPU-time ratio)."""
    code = f"""
import time
from pathlib import Path
from sagecli.serve.handler import InferenceHandler
from sagecli.serve.model import load_model_dir
m = load_model_dir(Path({str(model_dir)!r}))
if {xgboost_only}:
    m.fast = None  # XGBoost's own predict call for every row
h = InferenceHandler(m)
for _ in range(200): h.invoke({ROW!r}, "text/csv", "text/csv")
n, t0, c0 = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - t0 < {seconds}:
    for _ in range(100): h.invoke({ROW!r}, "text/csv", "text/csv")
    n += 100
print(n / (time.perf_counter() - t0), n / (time.process_time() - c0))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT)})
    wall_rate, cpu_rate = map(float, out.stdout.split())
    return wall_rate, cpu_rate


PREDICTOR_ROWS = (1, 8, 32, 64, 1000)


def predictors(model_dir: Path) -> dict[str, object]:
    """Callables name -> predict(x) on the same model, each single-threaded, each taking a float32 array."""
    from sagecli.serve.model import load_model_dir
    from sagecli.serve.treepredict import compile_booster

    model = load_model_dir(model_dir)  # nthread 1, as in the endpoint's worker
    booster = model.booster
    out: dict[str, object] = {}
    fast = compile_booster(booster)
    if fast is not None:
        out["numpy tree walk (treepredict)"] = fast.predict
    out["xgboost inplace_predict"] = lambda x: booster.inplace_predict(x, validate_features=False)
    if importlib.util.find_spec("treelite") is not None:
        import treelite

        tl_model = treelite.frontend.from_xgboost(booster)
        out["treelite gtil"] = lambda x: treelite.gtil.predict(tl_model, x, nthread=1).reshape(-1)
    return out


def predictor_costs(model_dir: Path, rounds: int, seconds: float = 0.3) -> dict[str, dict[int, float]]:
    """Microseconds per predict call at each batch size: median of interleaved rounds, rows copied into a
    preallocated float32 array first (what the endpoint's decoder hands over), outputs checked to agree."""
    import numpy as np

    from sagecli.flow.data import make_dataset

    ds = make_dataset(11, max(PREDICTOR_ROWS) * 3)
    rows = np.ascontiguousarray(ds.splits["train"][0][:max(PREDICTOR_ROWS)], dtype=np.float32)
    preds = predictors(model_dir)
    reference = next(iter(preds.values()))(rows)
    for name, fn in preds.items():
        diff = float(np.max(np.abs(np.asarray(fn(rows)) - reference)))
        if diff > 1e-5:
            raise RuntimeError(f"{name} disagrees with the others by {diff}")
    buffers = {n: np.empty((n, rows.shape[1]), np.float32) for n in PREDICTOR_ROWS}
    samples: dict[str, dict[int, list[float]]] = {name: {n: [] for n in PREDICTOR_ROWS} for name in preds}
    for _ in range(rounds):
        for n in PREDICTOR_ROWS:
            buf = buffers[n]
            np.copyto(buf, rows[:n])
            for name, fn in preds.items():
                for _ in range(20):
                    fn(buf)  # warm up
                calls, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < seconds:
                    for _ in range(10):
                        fn(buf)
                    calls += 10
                samples[name][n].append((time.perf_counter() - t0) / calls * 1e6)
    return {name: {n: statistics.median(v) for n, v in by.items()} for name, by in samples.items()}


def print_predictor_costs(costs: dict[str, dict[int, float]], rounds: int) -> None:
    print(f"predictor alone, one thread, us per call (median of {rounds} interleaved rounds; lower is better):")
    print(f"  {'rows per call':34}" + "".join(f"{n:>10}" for n in PREDICTOR_ROWS))
    for name, by in costs.items():
        print(f"  {name:34}" + "".join(f"{by[n]:10.1f}" for n in PREDICTOR_ROWS))
    base = costs.get("xgboost inplace_predict")
    if base:
        for name, by in costs.items():
            if name != "xgboost inplace_predict":
                print(f"  xgboost / {name}: " + ", ".join(f"{n} rows {base[n] / by[n]:.1f}x" for n in PREDICTOR_ROWS))
    if "treelite gtil" not in costs:
        print("  treelite is not installed here (pip install 'sagecli[bench]'): its row was skipped")


def train_model(tmp: Path) -> Path:
    """The demo's model (seed 7, 4000 rows, 60 rounds of depth 4), extracted; returns its folder."""
    from sagecli.serve.model import extract_model

    ds = make_dataset(7, 4000)
    dirs = write_channels(ds, tmp / "data")
    run_training_job(tmp / "job", "bench", {k: dirs[k] for k in ("train", "validation")},
                     {"num_round": "60", "objective": "binary:logistic", "eta": "0.2", "max_depth": "4"})
    return extract_model(tmp / "job" / "output" / "model.tar.gz", tmp / "model")


def constant_server(tmp: Path) -> tuple[subprocess.Popen, int]:
    """The same framework returning a constant: the HTTP ceiling."""
    (tmp / "constant_app.py").write_text(CONSTANT_APP)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "granian", "--interface", "rsgi", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", "1", "--runtime-threads", "1", "--no-ws", "--http", "1",
                             "--log-level", "warning", "constant_app:app"], cwd=tmp, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not ping(f"http://127.0.0.1:{port}", 0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("constant server did not start")
        time.sleep(0.05)
    return proc, port


def _line(name: str, r: dict) -> str:
    return (f"  {name:34} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
            f"server CPU {r['cpu_us']:5.0f} us/req  errors {r['errors']}")


def main() -> None:
    """Train a model, start the servers, measure, print ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=5000, help="per point, with the Python load generator")
    ap.add_argument("--seconds", type=int, default=3, help="per point, with wrk")
    ap.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; every number printed is the median")
    ap.add_argument("--only", choices=("all", "predictors"), default="all",
                    help="predictors: only the predictor comparison (no servers)")
    args = ap.parse_args()
    if args.only == "predictors":
        with tempfile.TemporaryDirectory() as tmpname:
            print_predictor_costs(predictor_costs(train_model(Path(tmpname)), args.rounds), args.rounds)
        return
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        args.wrk_script = str(tmp / "post_row.lua")
        Path(args.wrk_script).write_text(WRK_SCRIPT)
        model_dir = train_model(tmp)
        costs = predictor_costs(model_dir, args.rounds)
        servers: dict[str, tuple[int, int]] = {}  # label -> (port, process group)
        try:
            for label, capture in (("endpoint (capture 100 %)", True), ("endpoint (no capture)", False)):
                cfg = {"model_dir": str(model_dir), "endpoint": "bench", "variant": "AllTraffic",
                       "max_payload_bytes": realtime_payload_limit_bytes(),
                       "capture": {"root": str(tmp / "capture"), "sampling_percentage": 100} if capture else None}
                handle = start_server(cfg, tmp / label.split()[1].strip("()"))
                servers[label] = (handle.port, handle.pid)
            proc, port = constant_server(tmp)
            servers["constant server (HTTP ceiling)"] = (port, proc.pid)
            rounds: list[dict] = []
            for _ in range(args.rounds):  # interleaved, so a burst of load elsewhere hits every server alike
                ceil = compute_ceiling(model_dir)
                xgb = compute_ceiling(model_dir, 1.0, True)[0]
                rounds.append({"ceiling": ceil[0], "ceiling_cpu": ceil[1], "xgb": xgb, "load": os.getloadavg()[0],
                               **{label: measure(port, pgid, args) for label, (port, pgid) in servers.items()}})
        finally:
            for _, pgid in servers.values():
                stop_pid(pgid)
    ceiling, ceiling_cpu, ceiling_xgb = (statistics.median(r[k] for r in rounds) for k in ("ceiling", "ceiling_cpu",
                                                                                            "xgb"))
    results = {label: {c: {key: statistics.median(r[label][c][key] for r in rounds)
                           for key in ("rps", "p50_ms", "p99_ms", "cpu_us")} | {"errors": sum(r[label][c]["errors"]
                                                                                          for r in rounds)}
                       for c in (1, 16)} for label in servers}
    per_point = f"{args.seconds} s" if args.loadgen == "wrk" else f"{args.requests} requests"
    generator = "wrk, one thread" if args.loadgen == "wrk" else "sagecli.serve.loadgen, Python asyncio"
    print(f"single-row text/csv requests, {per_point} per point, load generator ({generator}) in its own process; "
          f"median of {args.rounds} interleaved rounds (errors: total)")
    print(f"compute ceiling (parse + predict, one process, no HTTP): {ceiling:8.0f} rows/s with the server's "
          f"predictor (numpy tree walk), {ceiling_xgb:8.0f} rows/s with XGBoost's predict call")
    for clients in (1, 16):
        print(f"{clients} client(s):")
        for label, res in results.items():
            print(_line(label, res[clients]))
    ep = results["endpoint (capture 100 %)"][16]
    http = results["constant server (HTTP ceiling)"][16]
    print("ratios at 16 clients (same run):")
    print(f"  endpoint / compute ceiling = {ep['rps'] / ceiling:.2f}x (target >= 0.5x); "
          f"endpoint / XGBoost-predict ceiling = {ep['rps'] / ceiling_xgb:.2f}x")
    print(f"  constant server / compute ceiling = {http['rps'] / ceiling:.2f}x (HTTP alone costs this much)")
    print(f"  endpoint / constant server = {ep['rps'] / http['rps']:.2f}x")
    print(f"  server CPU per request: endpoint {ep['cpu_us']:.0f} us, constant server {http['cpu_us']:.0f} us, "
          f"compute ceiling {1e6 / ceiling_cpu:.0f} us per row -> CPU-time ratio (ceiling / endpoint) "
          f"{1e6 / ceiling_cpu / ep['cpu_us']:.2f}x (machine load does not inflate CPU time as it does wall time)")
    print(f"  p99 {ep['p99_ms']:.2f} ms (target < 10 ms); machine load average {min(r['load'] for r in rounds):.2f}-"
          f"{max(r['load'] for r in rounds):.2f} (1 min, at each round's start) on "
          f"{os.cpu_count()} CPUs")
    print_predictor_costs(costs, args.rounds)
    if importlib.util.find_spec("mlflow") is None:
        print("  MLflow is not installed here: the `mlflow models serve` comparison was skipped")


if __name__ == "__main__":
    main()
