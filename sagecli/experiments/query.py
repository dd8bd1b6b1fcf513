"""Read tracked runs back for `sagecli experiments list|show|compare`: plain, JSON-ready dicts.

A run is named by its MLflow run id (32 hex digits) or by its run name: a demo's parent run is named
after the sagecli run id, a training job or trial after its job name, the tuning run after its tuning job.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError, UsageError
from sagecli.experiments.records import KIND, PARENT, RUN_NAME
from sagecli.experiments.settings import TrackingSettings

MLFLOW_ID = re.compile(r"[0-9a-f]{32}")
SAFE_NAME = re.compile(r"[\w.:/-]{1,256}")  # run names sagecli writes; anything else cannot name one
CURVE_KEYS = ("validation_auc", "train_auc")  # the objective first: its marks win a shared cell
MAX_COMPARE = 6


class Store:
    """One experiment in one tracking store, opened for reading."""

    def __init__(self, settings: TrackingSettings) -> None:
        self.settings = settings
        self.client: Any = None
        self.exp_id: str | None = None
        if not _sqlite_missing(settings.uri):  # never create a database just to find it empty
            from sagecli.experiments.store import client_for, experiment_id

            self.client = client_for(settings.uri)
            self.exp_id = experiment_id(self.client, settings, create=False)

    def search(self, filter_string: str = "", limit: int = 1000) -> list[Any]:
        """Runs of the experiment, newest first (start time, then name as the tie-break)."""
        if self.exp_id is None:
            return []
        return self.client.search_runs([self.exp_id], filter_string=filter_string, max_results=limit,
                                       order_by=["attributes.start_time DESC", "attributes.run_name ASC"])

    def find(self, ref: str) -> Any:
        """The run a user named, or a one-line error."""
        ref = ref.strip()
        if self.exp_id is not None and MLFLOW_ID.fullmatch(ref):
            from mlflow.exceptions import MlflowException

            try:
                run = self.client.get_run(ref)
            except MlflowException:
                run = None
            if run is not None and run.info.experiment_id == self.exp_id:
                return run
        if SAFE_NAME.fullmatch(ref):
            runs = self.search(f"attributes.run_name = '{ref}'", limit=2)
            if runs:
                return runs[0]
        raise SageCliError(f"no run {ref!r} in experiment {self.settings.experiment} ({self.settings.uri})",
                           hint="list runs with: sagecli experiments list --all")

    def children(self, run_id: str) -> list[Any]:
        """Direct child runs, oldest first by name (trials sort by their number)."""
        runs = self.search(f"tags.`{PARENT}` = '{run_id}'")
        return sorted(runs, key=lambda r: r.data.tags.get(RUN_NAME, ""))

    def history(self, run_id: str, key: str) -> list[list[float]]:
        """[[step, value], ...] of one metric, by step."""
        points = self.client.get_metric_history(run_id, key)
        return [[int(p.step), float(p.value)] for p in sorted(points, key=lambda p: (p.step, p.timestamp))]


def _sqlite_missing(uri: str) -> bool:
    if not uri.startswith("sqlite:///"):
        return False
    path = uri[len("sqlite:///"):]
    return path not in ("", ":memory:") and not Path(path).exists()


def summary(run: Any) -> dict[str, Any]:
    """What list shows of a run: name, kind, status, times, tags, latest metric values, parameters."""
    info, data = run.info, run.data
    start = info.start_time or 0
    end = info.end_time or start
    return {"name": data.tags.get(RUN_NAME, info.run_name or ""), "mlflow_run_id": info.run_id,
            "kind": data.tags.get(KIND, ""), "status": info.status, "start_time_ms": start,
            "duration_s": round((end - start) / 1000, 3), "parent_run_id": data.tags.get(PARENT),
            "tags": {k: v for k, v in sorted(data.tags.items()) if k.startswith("sagecli.")},
            "metrics": {k: data.metrics[k] for k in sorted(data.metrics)},
            "params": {k: data.params[k] for k in sorted(data.params)}}


def list_runs(settings: TrackingSettings, limit: int = 20, every: bool = False) -> dict[str, Any]:
    """The newest demo runs; every=True adds each one's descendants below it (depth 1, 2...)."""
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    store = Store(settings)
    rows: list[dict[str, Any]] = []

    def add(run: Any, depth: int) -> None:
        rows.append({**{k: v for k, v in summary(run).items() if k != "params"}, "depth": depth})
        if every:
            for kid in store.children(run.info.run_id):
                add(kid, depth + 1)

    for run in store.search(f"tags.`{KIND}` = 'demo'", limit=limit):
        add(run, 0)
    return {"experiment": settings.experiment, "tracking_uri": settings.uri, "runs": rows}


def show_run(settings: TrackingSettings, ref: str) -> dict[str, Any]:
    """One run in full: parameters, metrics, children, the metric curves, and a tuning run's trials."""
    store = Store(settings)
    run = store.find(ref)
    out = summary(run)
    kids = store.children(run.info.run_id)
    out["children"] = [{k: v for k, v in summary(c).items() if k in ("name", "kind", "status", "mlflow_run_id")}
                       for c in kids]
    curve_run = _curve_run(store, run, kids)
    out["curves"] = {}
    if curve_run is not None:
        out["curves"] = {"run": summary(curve_run)["name"],
                         "series": {k: store.history(curve_run.info.run_id, k) for k in CURVE_KEYS
                                    if k in curve_run.data.metrics}}
    tuning = _tuning_run(store, run, kids)
    out["trials"] = trials(store, tuning) if tuning is not None else None
    return out


def _curve_run(store: Store, run: Any, kids: list[Any]) -> Any:
    """Whose boosting-round curve to draw: the run itself, else its training job, else its best trial."""
    if any(k in run.data.metrics for k in CURVE_KEYS):
        return run if run.data.tags.get(KIND) != "demo" else next(
            (k for k in kids if k.data.tags.get(KIND) == "training-job"), None)
    for kid in kids:
        if kid.data.tags.get(KIND) == "training-job":
            return kid
    tuning = _tuning_run(store, run, kids)
    if tuning is not None and tuning.data.tags.get("sagecli.best_trial"):
        best = store.search(f"attributes.run_name = '{tuning.data.tags['sagecli.best_trial']}'", limit=1)
        return best[0] if best else None
    return None


def _tuning_run(store: Store, run: Any, kids: list[Any]) -> Any:
    if run.data.tags.get(KIND) == "tuning-job":
        return run
    return next((k for k in kids if k.data.tags.get(KIND) == "tuning-job"), None)


def trials(store: Store, tuning: Any) -> dict[str, Any]:
    """A tuning run's trials: objective, status, early stopping and the tuned hyperparameters."""
    objective = tuning.data.tags.get("sagecli.objective", "validation_auc")
    key = f"objective_{objective}"
    rows = []
    for trial in store.children(tuning.info.run_id):
        tuned = [t for t in trial.data.params.get("tuned", "").split(",") if t]
        rows.append({"name": trial.data.tags.get(RUN_NAME, ""), "status": trial.info.status,
                     "objective": trial.data.metrics.get(key),
                     "early_stopped": trial.data.tags.get("sagecli.early_stopped") == "true",
                     "hyperparameters": {t: trial.data.params.get(t) for t in tuned}})
    return {"tuning_run": tuning.data.tags.get(RUN_NAME, ""), "objective": objective,
            "type": tuning.data.tags.get("sagecli.objective_type", "Maximize"),
            "best": tuning.data.tags.get("sagecli.best_trial"), "trials": rows}


def compare_runs(settings: TrackingSettings, refs: list[str]) -> dict[str, Any]:
    """Runs side by side: every parameter and metric (latest value), and each tuning run's trial objectives."""
    if len(refs) < 2:
        raise UsageError("compare needs at least two runs", hint="e.g. sagecli experiments compare RUN RUN")
    if len(refs) > MAX_COMPARE:
        raise UsageError(f"compare shows at most {MAX_COMPARE} runs side by side (got {len(refs)})")
    store = Store(settings)
    runs = [store.find(r) for r in refs]
    sums = [summary(r) for r in runs]
    params = sorted({k for s in sums for k in s["params"]})
    metrics = sorted({k for s in sums for k in s["metrics"]})
    tuning = []
    for run in runs:
        t = _tuning_run(store, run, store.children(run.info.run_id) if run.data.tags.get(KIND) == "demo" else [])
        if t is not None:
            tuning.append({"run": summary(run)["name"], **trials(store, t)})
    return {"experiment": settings.experiment, "tracking_uri": settings.uri,
            "runs": [{k: s[k] for k in ("name", "mlflow_run_id", "kind", "status", "duration_s")} for s in sums],
            "params": {k: [s["params"].get(k) for s in sums] for k in params},
            "metrics": {k: [s["metrics"].get(k) for s in sums] for k in metrics},
            "tuning": tuning}
