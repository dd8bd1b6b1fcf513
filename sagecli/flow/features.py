"""The features step: the process step's rows go into a feature group, and training reads them back point in time.

Every row becomes a record (record_id, event_time, the eight features); some records get a second version before
their label event, some after it (sagecli/flow/feature_records.py). The step writes every version to the feature
group (offline + online store), asks the online store for one record (GetRecord), then builds the training
channel from the offline store with a point-in-time join: for each label event, the latest version whose event
time is not after it. A version written after the label event would leak the outcome; the join leaves it out,
which the step checks: the rebuilt training rows must equal the process step's rows exactly.

Locally the offline store is Parquet under the run's S3 root and the online store is SQLite
(sagecli/flow/feature_store.py); on SageMaker it is a real feature group (sagecli/aws/featurestore_calls.py),
whose offline store lags up to 15 minutes, so the join runs over the records PutRecord accepted.
"""

from __future__ import annotations

from typing import Any

from sagecli.contracts import RunState, StepFailed, StepResult
from sagecli.flow.feature_records import (
    EVENT_TIME,
    RECORD_ID,
    as_matrix,
    feature_definitions,
    latest,
    make_history,
    parse_iso,
    point_in_time,
)

SHOWN_FEATURES = ["support_calls", "autopay", "data_usage_gb"]  # what a later (leaky) version changes


def group_name(run_id: str) -> str:
    """FeatureGroupName for a run: sagecli-<run-id>-features."""
    from sagecli.aws.plan import safe_name

    return safe_name(f"sagecli-{run_id}-features", 64)


def open_store(run: RunState) -> Any:
    """The backend's feature store (SageMaker), else a local one under the run's S3 root."""
    factory = getattr(run.backend, "feature_store", None)
    if factory is not None:
        return factory()
    from sagecli.flow.feature_store import LocalFeatureStore

    ctx = run.ctx
    return LocalFeatureStore(run.backend.s3_root(), ctx.run_dir, ctx.run_id, ctx.options.seed)


MAX_AWS_ROWS = 20_000  # PutRecord takes one record per call: more rows belong to a batch ingestion job


def feature_plan(ctx: Any) -> dict[str, Any]:
    """What the SageMaker plan shows for the features step: the group, its definitions and every PutRecord."""
    from sagecli.aws.featurestore_calls import record_values
    from sagecli.errors import UsageError
    from sagecli.flow.data import make_dataset

    opts = ctx.options
    if opts.rows > MAX_AWS_ROWS:
        raise UsageError(f"the features step on --backend sagemaker writes one PutRecord per row: at most "
                         f"{MAX_AWS_ROWS} --rows", hint=f"use --rows {MAX_AWS_ROWS} or fewer, or --backend local")
    history = make_history(opts.seed, make_dataset(opts.seed, opts.rows).splits)
    return {"name": group_name(ctx.run_id), "definitions": feature_definitions(), "record_id": RECORD_ID,
            "event_time": EVENT_TIME, "sample": record_values(history.records[0]), "count": len(history.records)}


def _values(response: dict[str, Any]) -> dict[str, str]:
    return {f["FeatureName"]: f["ValueAsString"] for f in response.get("Record", [])}


def features_step(run: RunState, res: StepResult) -> None:
    """Write the feature group, GetRecord one record, rebuild the train channel from a point-in-time join."""
    import numpy as np

    from sagecli.deps import require

    ctx = run.ctx
    if getattr(run.backend, "feature_store", None) is None:
        require("pyarrow")  # the local offline store is Parquet
    history = make_history(ctx.options.seed, run.dataset.splits)
    group = group_name(ctx.run_id)
    store = open_store(run)
    try:
        info = store.create(group, store.s3_uri(), feature_definitions(), RECORD_ID, EVENT_TIME)
        ctx.emit("features", f"{group} Created; PutRecord x {len(history.records)}")
        put = store.put_records(history.records)
        probe = history.after[0] if history.after else history.records[0][RECORD_ID]
        online = store.get_record(probe)
        ctx.emit("features", f"GetRecord {probe}: {len(online.get('Record', []))} features from the online store")
        rows, source = store.offline_rows()
        chosen, stats = point_in_time(rows, history.labels)
        x_train, y_train = run.dataset.splits["train"]
        x_pit = as_matrix(chosen)
        if x_pit.shape != x_train.shape or not np.array_equal(x_pit, x_train):
            raise StepFailed("the point-in-time training set differs from the process step's rows",
                             "a feature value from after a label event reached the training set")
        newest = latest(rows)
        leaky = sum(parse_iso(newest[rid][EVENT_TIME]) > at for rid, at, _ in history.labels)
        channel = _rewrite_train(run, x_pit, y_train)
        run.channels["train"] = store.upload_channel("train", channel)
    finally:
        store.close()
    at_label = next((r for r in chosen if r[RECORD_ID] == probe), None)
    resolved = info.get("OfflineStoreConfig", {}).get("S3StorageConfig", {}).get("ResolvedOutputS3Uri", "")
    res.data = {
        "feature_group": group, "arn": info.get("FeatureGroupArn"), "status": info.get("FeatureGroupStatus"),
        "record_identifier": RECORD_ID, "event_time_feature": EVENT_TIME, "definitions": feature_definitions(),
        "record_versions": len(history.records), "records": len({r[RECORD_ID] for r in history.records}),
        "updated_before_label": len(history.before), "updated_after_label": len(history.after),
        "put": put, "offline_store": {"resolved_uri": resolved, "rows": len(rows), "source": source,
                                      "columns": list(rows[0]) if rows else []},
        "online_store": {"store": store.kind, "get_record": {"record_id": probe, "response": online}},
        "point_in_time": {"label_events": len(history.labels), "rows": len(chosen), **stats,
                          "naive_latest_join_would_leak_rows": leaky, "matches_process_rows": True,
                          "probe_at_label": {k: at_label[k] for k in SHOWN_FEATURES} if at_label else None},
        "train_channel": run.channels["train"],
    }
    res.data["online_store"]["line"] = online_line(res.data)
    if store.kind == "sagemaker":  # buffered PutRecord data may reach S3 after teardown emptied the prefix
        res.data["after_teardown"] = (f"offline store files can still land under {resolved} up to 15 minutes "
                                      f"after the run; remove them with: sagecli cleanup --run-id {ctx.run_id}")
    res.artifacts = {"offline_store": resolved, "train_channel": run.channels["train"]}
    res.summary = (f"{len(history.records)} record versions; train set point-in-time: {len(chosen)} rows, "
                   f"{stats['future_versions_excluded']} later versions left out")


def _rewrite_train(run: RunState, x: Any, y: Any) -> Any:
    """The train channel (headerless, label first) written from the point-in-time rows."""
    from sagecli.flow.data import format_rows
    from sagecli.paths import atomic_write_text

    folder = run.ctx.run_dir / "data" / "train"
    atomic_write_text(folder / "train.csv", format_rows(x, y))
    run.dataset.splits["train"] = (x, y)
    return folder


def online_line(data: dict[str, Any]) -> str:
    """One line contrasting GetRecord (the latest version) with what training saw at the label event."""
    probe = data["online_store"]["get_record"]
    now = _values(probe["response"])
    then = data["point_in_time"]["probe_at_label"] or {}
    parts = [f"{k} {now.get(k)} (at label: {then.get(k)})" for k in SHOWN_FEATURES if k in now]
    return f"GetRecord {probe['record_id']}: " + ", ".join(parts)
