"""A feature group on this machine: the offline store as Parquet in SageMaker's S3 layout, the online store in SQLite.

Offline layout (AWS Glue table format, docs.aws.amazon.com/sagemaker/latest/dg/feature-store-offline.html):
  <S3Uri>/<account>/sagemaker/<region>/offline-store/<group>-<creation time>/data/
      year=YYYY/month=MM/day=DD/hour=HH/<latest event time in the file>_<16 random alphanumerics>.parquet
partitioned by event time, each record with the added columns write_time, api_invocation_time and is_deleted.
Parquet types are this tool's mapping (the page names the columns, not their physical types): Integral int64,
Fractional float64, String string, the two added times timestamp[ms, UTC], is_deleted bool.

The online store keeps the latest version of each record (by event time) and answers GetRecord with
SageMaker's response shape. pyarrow is imported only here, inside the functions that write and read Parquet.
"""

from __future__ import annotations

import json
import random
import sqlite3
import string
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sagecli.flow.feature_records import (
    EVENT_TIME,
    RECORD_ID,
    feature_definitions,
    get_record_response,
    parse_iso,
)

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "local"
EXTRA_COLUMNS = ("write_time", "api_invocation_time", "is_deleted")


def arrow_schema() -> Any:
    """The offline store's Parquet schema: the feature definitions, then the three columns Feature Store adds."""
    from sagecli.deps import require

    pa = require("pyarrow")
    types = {"Integral": pa.int64(), "Fractional": pa.float64(), "String": pa.string()}
    fields = [pa.field(d["FeatureName"], types[d["FeatureType"]]) for d in feature_definitions()]
    ts = pa.timestamp("ms", tz="UTC")
    return pa.schema(fields + [pa.field("write_time", ts), pa.field("api_invocation_time", ts),
                               pa.field("is_deleted", pa.bool_())])


def partition_of(event_time: str) -> str:
    """year=YYYY/month=MM/day=DD/hour=HH for an event time (UTC)."""
    t = time.gmtime(parse_iso(event_time))
    return f"year={t.tm_year:04d}/month={t.tm_mon:02d}/day={t.tm_mday:02d}/hour={t.tm_hour:02d}"


def resolved_uri(s3_uri: str, account: str, region: str, group: str, created: float) -> str:
    """ResolvedOutputS3Uri: where a group's offline files go under OfflineStoreConfig's S3Uri."""
    return f"{s3_uri.rstrip('/')}/{account}/sagemaker/{region}/offline-store/{group}-{int(created)}/data"


def write_offline(data_dir: Path, records: list[dict[str, Any]], invoked: list[float], written: float,
                  rand: random.Random) -> list[Path]:
    """One Parquet file per hourly partition of event time; returns the files written (sorted)."""
    from sagecli.deps import require

    pa = require("pyarrow")
    pq = require("pyarrow.parquet")
    schema = arrow_schema()
    parts: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        parts.setdefault(partition_of(rec[EVENT_TIME]), []).append(i)
    out = []
    for part, idx in sorted(parts.items()):
        cols: dict[str, list[Any]] = {f.name: [] for f in schema}
        for i in idx:
            for name in cols:
                if name not in EXTRA_COLUMNS:
                    cols[name].append(records[i][name])
            cols["write_time"].append(int(written * 1000))
            cols["api_invocation_time"].append(int(invoked[i] * 1000))
            cols["is_deleted"].append(False)
        newest = max(parse_iso(records[i][EVENT_TIME]) for i in idx)
        suffix = "".join(rand.choice(string.ascii_letters + string.digits) for _ in range(16))
        path = data_dir / part / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(newest))}_{suffix}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(pa.table(cols, schema=schema), tmp)
        tmp.replace(path)  # atomic: a reader never sees half a file
        out.append(path)
    return out


def read_offline(data_dir: Path) -> list[dict[str, Any]]:
    """Every row of every Parquet file under the group's data folder (times as ISO strings)."""
    from sagecli.deps import require

    pq = require("pyarrow.parquet")
    rows: list[dict[str, Any]] = []
    for path in sorted(data_dir.rglob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            for key in ("write_time", "api_invocation_time"):
                row[key] = row[key].isoformat()
            rows.append(row)
    return rows


class OnlineStore:
    """SQLite standing in for the online store: the latest version per record identifier, GetRecord's answer."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS records (feature_group TEXT, record_id TEXT, event_time INTEGER, "
                        "record TEXT, PRIMARY KEY (feature_group, record_id))")

    def put(self, group: str, records: list[dict[str, Any]]) -> None:
        """PutRecord for each record, in one transaction; an older event time never replaces a newer one."""
        with self.db:
            self.db.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT (feature_group, record_id) DO UPDATE SET "
                "event_time = excluded.event_time, record = excluded.record "
                "WHERE excluded.event_time >= records.event_time",
                [(group, r[RECORD_ID], parse_iso(r[EVENT_TIME]), json.dumps(r)) for r in records])

    def get_record(self, group: str, record_id: str, names: list[str] | None = None) -> dict[str, Any]:
        """GetRecord: {"Record": [{FeatureName, ValueAsString}, ...]}, or {} for an unknown identifier."""
        row = self.db.execute("SELECT record FROM records WHERE feature_group = ? AND record_id = ?",
                              (group, record_id)).fetchone()
        return get_record_response(json.loads(row[0]) if row else None, names)

    def count(self, group: str) -> int:
        """How many records the group holds."""
        return self.db.execute("SELECT COUNT(*) FROM records WHERE feature_group = ?", (group,)).fetchone()[0]

    def close(self) -> None:
        """Close the database."""
        self.db.close()


class LocalFeatureStore:
    """One feature group under the run's local S3 root: CreateFeatureGroup, PutRecord, GetRecord, offline reads."""

    kind = "local"

    def __init__(self, s3_root: Path, run_dir: Path, run_id: str, seed: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.s3_root = s3_root
        self.run_id = run_id
        self.clock = clock
        self.rand = random.Random(seed)
        self.online = OnlineStore(run_dir / "featurestore" / "online.sqlite")
        self.group = ""
        self.data_dir: Path | None = None
        self.info: dict[str, Any] = {}

    def create(self, group: str, s3_uri: str, definitions: list[dict[str, str]], record_id: str,
               event_time: str) -> dict[str, Any]:
        """A feature group with an online store and an offline store under s3_uri; DescribeFeatureGroup's fields."""
        created = self.clock()
        self.group = group
        resolved = resolved_uri(s3_uri, LOCAL_ACCOUNT, LOCAL_REGION, group, created)
        self.data_dir = self.s3_root / resolved.removeprefix("s3://")
        self.info = {"FeatureGroupName": group, "FeatureGroupStatus": "Created",
                     "FeatureGroupArn": f"arn:aws:sagemaker:{LOCAL_REGION}:{LOCAL_ACCOUNT}:feature-group/{group}",
                     "RecordIdentifierFeatureName": record_id, "EventTimeFeatureName": event_time,
                     "FeatureDefinitions": list(definitions),
                     "OnlineStoreConfig": {"EnableOnlineStore": True},
                     "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": s3_uri, "ResolvedOutputS3Uri": resolved}}}
        return self.info

    def s3_uri(self) -> str:
        """OfflineStoreConfig.S3StorageConfig.S3Uri: under the run's prefix in the local bucket."""
        return f"s3://sagecli-local/sagecli/{self.run_id}/feature-store"

    def put_records(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """PutRecord each version: the online store keeps the newest, the offline store gets every one."""
        assert self.data_dir is not None
        invoked = [self.clock() for _ in records]  # when each PutRecord was received
        self.online.put(self.group, records)
        files = write_offline(self.data_dir, records, invoked, self.clock(), self.rand)
        return {"put": len(records), "files": len(files),
                "partitions": len({f.parent for f in files})}

    def get_record(self, record_id: str, names: list[str] | None = None) -> dict[str, Any]:
        """GetRecord from the online store."""
        return self.online.get_record(self.group, record_id, names)

    def offline_rows(self) -> tuple[list[dict[str, Any]], str]:
        """The offline store read back from its Parquet files, and where the rows came from."""
        assert self.data_dir is not None
        files = len(list(self.data_dir.rglob("*.parquet")))
        return read_offline(self.data_dir), f"read back from the offline store ({files} Parquet files)"

    def upload_channel(self, name: str, local_dir: Path) -> str:
        """A local channel stays where it is."""
        return local_dir.resolve().as_uri()

    def close(self) -> None:
        """Release the online store."""
        self.online.close()
