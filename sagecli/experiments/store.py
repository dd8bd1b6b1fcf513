"""Write run records to MLflow: one client, one experiment, runs with their children, off the demo's path.

`Recorder` starts a recording process when the demo starts; it imports mlflow while the flow runs (the
import is most of the cost: about 1.5 s of CPU for mlflow and its SQLAlchemy models), then writes the
finished run with a handful of log_batch calls. Recording never fails the demo: an error becomes one line.
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagecli.experiments.records import PARENT, RUN_NAME, RunRecord, demo_record, option_values
from sagecli.experiments.settings import INSTALL_HINT, TrackingSettings, mlflow_installed

BATCH_METRICS = 1000  # log_batch limits: 1000 metrics, 100 params, 100 tags per call
BATCH_PARAMS = 100
RECORD_TIMEOUT_S = 120.0  # a remote tracking server that hangs must not hold the demo forever


_prepared = False


def quiet_mlflow() -> None:
    """No telemetry (this tool talks to no server the user did not name), no INFO lines from mlflow/alembic,
    and a quick exit.

    After mlflow and its SQLAlchemy models are imported, the interpreter's own shutdown spends 1.5-3 s in
    garbage collection passes over about 240,000 objects (measured here); freezing them at exit (atexit runs
    before module teardown) brings that back to about 0.1 s. Nothing is frozen while the process works."""
    global _prepared
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # a server that does not answer: MLflow's defaults (7 retries, 120 s timeouts) would hang for minutes
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not _prepared:
        _prepared = True
        atexit.register(gc.freeze)


def client_for(uri: str) -> Any:
    """An MlflowClient on the tracking URI (mlflow imported here, never at CLI start-up)."""
    quiet_mlflow()
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def experiment_id(client: Any, settings: TrackingSettings, create: bool = True) -> str | None:
    """The experiment's id, created on first use (None when it does not exist and create is False)."""
    exp = client.get_experiment_by_name(settings.experiment)
    if exp is not None:
        return str(exp.experiment_id)
    if not create:
        return None
    return str(client.create_experiment(settings.experiment, artifact_location=settings.artifact_location))


def write(client: Any, exp_id: str, record: RunRecord, end_ms: int, parent_id: str | None = None) -> str:
    """Create the run and its children (depth first); returns the MLflow run id."""
    from mlflow.entities import Metric, Param

    start_ms = end_ms - int(record.duration_s * 1000)
    tags = {**record.tags, RUN_NAME: record.name}
    if parent_id:
        tags[PARENT] = parent_id
    run = client.create_run(exp_id, start_time=start_ms, tags=tags, run_name=record.name)
    run_id = run.info.run_id
    params = [Param(k, v) for k, v in sorted(record.params.items())]
    metrics = [Metric(m.key, m.value, end_ms, m.step) for m in record.metrics]
    # one call when it fits (the usual case); the API's per-call limits otherwise
    chunks = max(-(-len(metrics) // BATCH_METRICS), -(-len(params) // BATCH_PARAMS), 1)
    for i in range(chunks):
        client.log_batch(run_id, metrics=metrics[i * BATCH_METRICS:(i + 1) * BATCH_METRICS],
                         params=params[i * BATCH_PARAMS:(i + 1) * BATCH_PARAMS])
    for child in record.children:
        write(client, exp_id, child, end_ms, run_id)
    client.set_terminated(run_id, status=record.status, end_time=end_ms)
    return run_id


def write_run(settings: TrackingSettings, result: Mapping[str, Any], options: Any = None, client: Any = None,
              exp_id: str | None = None) -> dict[str, Any]:
    """Write a finished demo (FlowResult.to_dict()) as runs; an "error" key instead when the store refuses."""
    try:
        record = demo_record(result, options)
        client = client or client_for(settings.uri)
        exp_id = exp_id or experiment_id(client, settings)
        assert exp_id is not None
        run_id = write(client, exp_id, record, int(time.time() * 1000))
    except Exception as exc:  # a locked or foreign database, an unreachable server: one line, not a traceback
        text = str(exc).strip()
        return {"error": f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"}
    return {"mlflow_run_id": run_id, "run_name": record.name, "runs": record.count()}


class Recorder:
    """Track one demo run: start() before the flow starts the recording process, record() hands it the result.

    The process (sagecli/experiments/worker.py) imports mlflow while the flow runs; measured here, doing that
    import on a thread of the demo's own process instead slowed the flow by about as much as the import
    costs (the GIL), so the demo's process never imports mlflow at all."""

    def __init__(self, settings: TrackingSettings) -> None:
        self.settings = settings
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> Recorder:
        """Start the recording process (it dies with the demo: it records only what arrives on its stdin)."""
        if mlflow_installed():
            import sagecli

            root = str(Path(sagecli.__file__).resolve().parents[1])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH"))
                                                               if p)}
            s = self.settings
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "sagecli.experiments.worker", s.uri, s.experiment, s.artifact_location or ""],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        return self

    def record(self, result: Mapping[str, Any], options: Any = None) -> dict[str, Any]:
        """Write the run; returns what --json shows under "tracking" (an "error" or "skipped" key when not written)."""
        info: dict[str, Any] = {"tracking_uri": self.settings.uri, "experiment": self.settings.experiment}
        if self._proc is None:
            return {**info, "skipped": "MLflow is not installed", "hint": INSTALL_HINT}
        t0 = time.perf_counter()
        payload = json.dumps({"result": result, "options": option_values(options)}, default=str)
        try:
            out, err = self._proc.communicate(payload, timeout=RECORD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            return {**info, "error": f"recording took more than {RECORD_TIMEOUT_S:.0f}s"}
        lines = out.strip().splitlines()
        try:
            answer = json.loads(lines[-1]) if lines else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            said = [ln for ln in err.strip().splitlines() if ln.strip()]
            return {**info, "error": said[-1] if said else f"the recording process exited {self._proc.returncode}"}
        return {**info, **answer, "record_s": round(time.perf_counter() - t0, 3)}


def tracking_line(info: Mapping[str, Any]) -> str:
    """One line for the end of the demo's summary."""
    if "skipped" in info:
        return f"Not tracked: {info['skipped']} ({info.get('hint', '')}; --no-track hides this line)."
    if "error" in info:
        return f"Not tracked: recording to {info['tracking_uri']} failed: {info['error']}"
    return (f"Tracked in MLflow experiment {info['experiment']}: {info['runs']} runs in {info['record_s']:.1f}s "
            f"after the flow; see: sagecli experiments show {info['run_name']}")
