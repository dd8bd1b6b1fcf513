"""The features step's records: a feature group definition, a seeded history of record versions, and the
point-in-time join that builds a training set from it (pure: values in, new values out, no clock).

Feature Store facts used here (docs.aws.amazon.com):
- FeatureType is Integral, Fractional or String; a feature may not be named is_deleted, write_time or
  api_invocation_time (API_FeatureDefinition.html).
- RecordIdentifierFeatureName names the feature whose value identifies a record; only the latest record per
  identifier is kept in the online store (API_CreateFeatureGroup.html).
- EventTimeFeatureName: an event time is String (ISO-8601 `yyyy-MM-dd'T'HH:mm:ssZ`) or Fractional (Unix
  seconds); every record carries one (API_CreateFeatureGroup.html).
- GetRecord answers {"Record": [{"FeatureName": ..., "ValueAsString": ...}]}, every type as a string, and an
  empty result when no record has the identifier (API_feature_store_GetRecord.html).
- The offline store adds write_time, api_invocation_time and is_deleted to each record
  (sagemaker/latest/dg/feature-store-offline.html).
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any

from sagecli.aws.featurestore_calls import value_as_string
from sagecli.flow.data import FEATURES

RECORD_ID = "record_id"
EVENT_TIME = "event_time"
RESERVED = ("is_deleted", "write_time", "api_invocation_time")
# The history starts here (a fixed date, not the clock: the same seed gives the same records).
T0 = calendar.timegm((2026, 1, 5, 0, 0, 0))
FIRST_SPAN_S = 36 * 3600  # first versions spread over 36 hours (36 hourly partitions, not hundreds of files)
UPDATE_SHARE = 0.15  # of the records get a second version before their label event, as many after it


def feature_type(kind: str) -> str:
    """Our column kind -> FeatureType: int and category codes are Integral, float is Fractional."""
    return "Fractional" if kind == "float" else "Integral"


def feature_definitions() -> list[dict[str, str]]:
    """CreateFeatureGroup FeatureDefinitions: the record identifier, the event time, then the features."""
    defs = [{"FeatureName": RECORD_ID, "FeatureType": "String"}, {"FeatureName": EVENT_TIME, "FeatureType": "String"}]
    return defs + [{"FeatureName": name, "FeatureType": feature_type(kind)} for name, kind in FEATURES]


def iso(ts: float) -> str:
    """Unix seconds -> the ISO-8601 event time Feature Store accepts (yyyy-MM-dd'T'HH:mm:ssZ)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_iso(text: str) -> int:
    """yyyy-MM-dd'T'HH:mm:ssZ -> Unix seconds."""
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


@dataclass
class History:
    """Every record version written to the feature group, and the label events of the training rows."""

    records: list[dict[str, Any]]  # one dict per version: record_id, event_time and every feature
    labels: list[tuple[str, int, float]]  # (record_id, label time in Unix seconds, label) per training row
    before: list[str]  # record ids updated before their label event (the join must take the update)
    after: list[str]  # record ids updated after their label event (the join must not see the update)


def _record(rid: str, ts: int, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {RECORD_ID: rid, EVENT_TIME: iso(ts)}
    for (name, kind), value in zip(FEATURES, row, strict=True):
        out[name] = float(value) if kind == "float" else int(value)
    return out


def _stale(row: Any) -> Any:
    """An older version: less tenure, a different bill (the values the later update replaced)."""
    old = row.copy()
    old[1] = max(old[1] - 1, 0)
    old[2] = round(old[2] * 0.9, 4)
    return old


def _future(row: Any) -> Any:
    """A version written after the label event: the behaviour of a customer who already left."""
    new = row.copy()
    new[4] = new[4] + 4  # support calls
    new[7] = 0  # autopay off
    new[3] = round(new[3] * 0.2, 4)  # usage collapses
    return new


def make_history(seed: int, splits: dict[str, tuple[Any, Any]]) -> History:
    """Record versions for every row of every split (ids c00000...), label events for the train rows.

    A row's values are what the features were at its label event. Some records got a second version before
    the label event (the first one is stale), others after it (values that leak the outcome): a point-in-time
    join over this history gives back exactly the rows the process step wrote.
    """
    import numpy as np

    rng = np.random.default_rng([seed, 17])
    records: list[dict[str, Any]] = []
    labels: list[tuple[str, int, float]] = []
    before: list[str] = []
    after: list[str] = []
    i = 0
    for split, (x, y) in splits.items():
        n = len(x)
        first = T0 + rng.integers(0, FIRST_SPAN_S, n)
        label_at = first + rng.integers(2 * 3600, 12 * 3600, n)
        kind = rng.random(n)
        frac = rng.uniform(0.2, 0.8, n)
        late = rng.integers(3600, 24 * 3600, n)
        for j in range(n):
            rid = f"c{i:05d}"
            i += 1
            if kind[j] < UPDATE_SHARE:
                records.append(_record(rid, int(first[j]), _stale(x[j])))
                records.append(_record(rid, int(first[j] + (label_at[j] - first[j]) * frac[j]), x[j]))
                before.append(rid)
            elif kind[j] < 2 * UPDATE_SHARE:
                records.append(_record(rid, int(first[j]), x[j]))
                records.append(_record(rid, int(label_at[j] + late[j]), _future(x[j])))
                after.append(rid)
            else:
                records.append(_record(rid, int(first[j]), x[j]))
            if split == "train":
                labels.append((rid, int(label_at[j]), float(y[j])))
    return History(records, labels, before, after)


def point_in_time(rows: list[dict[str, Any]], labels: list[tuple[str, int, float]]) -> tuple[list[dict[str, Any]],
                                                                                             dict[str, int]]:
    """For each label event, the record version with the latest event time at or before it (not deleted).

    Ties on event time go to the later api_invocation_time, as a rewrite of the same event would. Returns the
    chosen versions (in label order; labels with no version yet are dropped) and counts of what was excluded.
    """
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_id.setdefault(row[RECORD_ID], []).append(row)
    for versions in by_id.values():
        versions.sort(key=lambda r: (parse_iso(r[EVENT_TIME]), str(r.get("api_invocation_time", ""))))
    chosen: list[dict[str, Any]] = []
    stats = {"future_versions_excluded": 0, "labels_without_features": 0, "deleted": 0}
    for rid, at, _ in labels:
        best = None
        for version in by_id.get(rid, []):
            if parse_iso(version[EVENT_TIME]) > at:
                stats["future_versions_excluded"] += 1
                continue
            best = version
        if best is not None and best.get("is_deleted"):
            stats["deleted"] += 1
            best = None
        if best is None:
            stats["labels_without_features"] += 1
            continue
        chosen.append(best)
    return chosen, stats


def latest(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest version of each record (what the online store holds, and what a naive join would use)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        prev = out.get(row[RECORD_ID])
        if prev is None or parse_iso(row[EVENT_TIME]) >= parse_iso(prev[EVENT_TIME]):
            out[row[RECORD_ID]] = row
    return out


def as_matrix(rows: list[dict[str, Any]]) -> Any:
    """Feature values of the chosen versions as an n x d float array, in the dataset's column order."""
    import numpy as np

    return np.array([[float(r[name]) for name, _ in FEATURES] for r in rows], dtype=np.float64).reshape(
        len(rows), len(FEATURES))


def get_record_response(record: dict[str, Any] | None, names: list[str] | None = None) -> dict[str, Any]:
    """GetRecord's answer: {"Record": [...]} in definition order, or {} when there is no such record."""
    if record is None:
        return {}
    keys = [d["FeatureName"] for d in feature_definitions()]
    wanted = [k for k in keys if names is None or k in names]
    return {"Record": [{"FeatureName": k, "ValueAsString": value_as_string(record[k])} for k in wanted]}
