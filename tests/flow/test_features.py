"""The features step on the local backend: the offline store's layout and Parquet columns (read back with
pyarrow), the online store's GetRecord, a hand-worked point-in-time join, and a later update never leaking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sagecli.contracts import FlowOptions
from sagecli.flow.feature_records import iso, parse_iso, point_in_time
from sagecli.flow.feature_store import OnlineStore
from sagecli.flow.runner import run_flow

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

RUN_ID = "20260101-000000-fea7e5"
GROUP = f"sagecli-{RUN_ID}-features"
FEATURES = ["age", "tenure_months", "monthly_spend", "data_usage_gb", "support_calls", "plan", "region", "autopay"]
FILE = re.compile(r"year=(\d{4})/month=(\d\d)/day=(\d\d)/hour=(\d\d)/(\d{8}T\d{6}Z)_[A-Za-z0-9]{16}\.parquet")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    run_dir = tmp_path_factory.mktemp("features") / "run"
    result = run_flow("local", FlowOptions(rows=400, steps=("process", "features")), run_dir, RUN_ID)
    assert result.ok, result.error
    return result, run_dir


def test_offline_store_layout_and_columns(run):
    result, run_dir = run
    data = result.step("features").data
    resolved = data["offline_store"]["resolved_uri"]
    prefix = f"s3://sagecli-local/sagecli/{RUN_ID}/feature-store/000000000000/sagemaker/local/offline-store/{GROUP}-"
    assert resolved.startswith(prefix) and re.fullmatch(r"\d+/data", resolved.removeprefix(prefix))
    data_dir = run_dir / "s3" / resolved.removeprefix("s3://")
    files = sorted(data_dir.rglob("*.parquet"))
    assert len(files) == data["put"]["files"] > 10 and not list(data_dir.rglob("*.tmp"))
    ts = pa.timestamp("ms", tz="UTC")
    want = pa.schema([("record_id", pa.string()), ("event_time", pa.string())]
                     + [(n, pa.float64() if n in ("monthly_spend", "data_usage_gb") else pa.int64()) for n in FEATURES]
                     + [("write_time", ts), ("api_invocation_time", ts), ("is_deleted", pa.bool_())])
    total = 0
    for path in files:
        m = FILE.fullmatch(path.relative_to(data_dir).as_posix())
        assert m, path
        table = pq.read_table(path)
        assert table.schema.remove_metadata() == want
        rows = table.to_pylist()
        total += len(rows)
        hour = "{}-{}-{}T{}".format(*m.groups()[:4])
        assert all(r["event_time"].startswith(hour) for r in rows)  # partitioned by event time
        assert m.group(5) == max(r["event_time"] for r in rows).replace("-", "").replace(":", "")
        assert not any(r["is_deleted"] for r in rows)
        assert all(r["api_invocation_time"] <= r["write_time"] for r in rows)
    assert total == data["record_versions"] == data["offline_store"]["rows"]
    assert data["offline_store"]["columns"] == list(want.names)


def test_online_store_get_record(run):
    result, run_dir = run
    data = result.step("features").data
    probe = data["online_store"]["get_record"]
    got = {f["FeatureName"]: f["ValueAsString"] for f in probe["response"]["Record"]}
    assert list(got) == ["record_id", "event_time", *FEATURES]
    at_label = data["point_in_time"]["probe_at_label"]
    # the online store serves the latest version, here one written after the label event
    assert int(got["support_calls"]) == at_label["support_calls"] + 4 and got["autopay"] == "0"
    store = OnlineStore(run_dir / "featurestore" / "online.sqlite")
    try:
        assert store.count(GROUP) == data["records"] == 400
        assert store.get_record(GROUP, "no-such-record") == {}
        assert store.get_record(GROUP, probe["record_id"], ["autopay", "record_id"]) == {
            "Record": [{"FeatureName": "record_id", "ValueAsString": probe["record_id"]},
                       {"FeatureName": "autopay", "ValueAsString": "0"}]}
    finally:
        store.close()


def test_online_store_keeps_the_latest_event_time(tmp_path: Path):
    store = OnlineStore(tmp_path / "online.sqlite")
    base = {"age": 30, "tenure_months": 1, "monthly_spend": 1.5, "data_usage_gb": 2.25, "support_calls": 0,
            "plan": 1, "region": 2, "autopay": 1}
    new = {"record_id": "r1", "event_time": "2026-01-05T12:00:00Z", **base, "support_calls": 7}
    old = {"record_id": "r1", "event_time": "2026-01-05T10:00:00Z", **base}
    store.put("g", [new])
    store.put("g", [old])  # arrives later, happened earlier: the online store keeps the newer event
    got = {f["FeatureName"]: f["ValueAsString"] for f in store.get_record("g", "r1")["Record"]}
    assert got["support_calls"] == "7" and got["event_time"] == "2026-01-05T12:00:00Z"
    assert got["monthly_spend"] == "1.5" and store.get_record("other", "r1") == {}
    store.close()


def _row(rid: str, when: str, x: int, deleted: bool = False) -> dict:
    return {"record_id": rid, "event_time": f"2026-01-05T{when}:00Z", "x": x, "is_deleted": deleted}


def test_point_in_time_hand_worked():
    rows = [_row("a", "15:00", 3), _row("a", "10:00", 1), _row("a", "12:00", 2), _row("b", "10:00", 9),
            _row("c", "08:00", 5), _row("c", "09:00", 5, deleted=True)]
    t = lambda hhmm: parse_iso(f"2026-01-05T{hhmm}:00Z")  # noqa: E731
    labels = [("a", t("11:00"), 0.0),  # only v1 (10:00) exists yet; 12:00 and 15:00 are the future
              ("a", t("12:00"), 1.0),  # an event at exactly the label time counts
              ("a", t("14:59"), 1.0),  # still v2: v3 is one minute in the future
              ("b", t("09:00"), 0.0),  # b has no version yet: dropped, not filled from the future
              ("c", t("10:00"), 0.0)]  # c was deleted at 09:00: no features
    chosen, stats = point_in_time(rows, labels)
    assert [(r["record_id"], r["x"]) for r in chosen] == [("a", 1), ("a", 2), ("a", 2)]
    assert stats == {"future_versions_excluded": 2 + 1 + 1 + 1, "labels_without_features": 2, "deleted": 1}
    assert iso(t("14:59")) == "2026-01-05T14:59:00Z"


def test_a_later_update_does_not_leak(run):
    result, run_dir = run
    pit = result.step("features").data["point_in_time"]
    assert pit["rows"] == pit["label_events"] == 280 and pit["matches_process_rows"] is True
    # some training records were updated after their label event; a latest-value join would have used them
    assert pit["future_versions_excluded"] == pit["naive_latest_join_would_leak_rows"] > 0
    assert result.step("features").data["updated_before_label"] > 0  # and the earlier updates were taken


def test_the_step_fails_when_the_join_leaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sagecli.flow import feature_records, features

    def naive(rows, labels):  # the latest version of each record, whatever its event time
        newest = feature_records.latest(rows)
        return [newest[rid] for rid, _, _ in labels], {"future_versions_excluded": 0}

    monkeypatch.setattr(features, "point_in_time", naive)
    result = run_flow("local", FlowOptions(rows=400, steps=("process", "features")), tmp_path / "run", RUN_ID)
    assert not result.ok
    assert result.step("features").summary == "the point-in-time training set differs from the process step's rows"


def test_training_reads_the_point_in_time_channel(tmp_path: Path):
    opts = FlowOptions(rows=400, steps=("process", "features", "train"))
    result = run_flow("local", opts, tmp_path / "with", RUN_ID)
    plain = run_flow("local", FlowOptions(rows=400, steps=("process", "train")), tmp_path / "without", RUN_ID)
    assert result.ok and plain.ok
    assert [s.name for s in result.steps] == ["process", "features", "train", "teardown"]
    assert result.step("features").data["train_channel"] == (tmp_path / "with" / "data" / "train").as_uri()
    # the rebuilt channel holds exactly the rows the process step wrote: no value from after a label event
    with_train = (tmp_path / "with" / "data" / "train" / "train.csv").read_text()
    assert with_train == (tmp_path / "without" / "data" / "train" / "train.csv").read_text()
    assert result.step("train").data["final_metrics"] == plain.step("train").data["final_metrics"]


def test_live_view_and_summary_at_80_columns(tmp_path: Path):
    import os
    import sys

    import pexpect
    import pyte

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(tmp_path / "home"), "COLUMNS": "80",
           "TERM": "xterm"}
    child = pexpect.spawn(sys.executable, ["-m", "sagecli", "run-demo", "--run-dir", str(tmp_path / "run"),
                                           "--steps", "process,features,train", "--rows", "400"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 80))
    raw = child.read()
    child.close()
    assert child.exitstatus == 0, raw[-2000:]
    screen = pyte.Screen(80, 40)
    pyte.Stream(screen).feed(raw)
    text = "\n".join(line.rstrip() for line in screen.display)
    assert "features" in text and "524 record versions; train set point-in-time: 280 rows" in text and "…" not in text
    assert "Feature Store" in text  # the summary table's row for the step
