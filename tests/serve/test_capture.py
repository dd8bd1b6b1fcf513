"""The capture writer's fast line builder against json.dumps of the documented record, and its event ids."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path

from sagecli.serve.capture import CaptureConfig, CaptureWriter, event_ids, read_capture

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_line_is_the_record_as_compact_json(tmp_path: Path) -> None:
    for inp, out in ((True, True), (True, False), (False, True)):
        w = CaptureWriter(CaptureConfig(root=tmp_path, endpoint="e", capture_input=inp, capture_output=out),
                          clock=lambda: 1_700_000_000.5)
        for body, ctype, inference_id in ((b"1,2.5,3", "text/csv", None), (b'{"a": "\xc3\xa9\\""}', "application/json",
                                          'id "q"\u00e9'), (b"\x00\xff", "application/x-npy", "7")):
            rec = w.record(body, ctype, b"0.25", "text/csv", inference_id, event_id="ev")
            assert w.line(body, ctype, b"0.25", "text/csv", inference_id, event_id="ev") == \
                json.dumps(rec, separators=(",", ":")) + "\n"


def test_event_ids_are_distinct_version_4_uuids() -> None:
    ids = list(islice(event_ids(chunk=8), 1000))
    assert len(set(ids)) == 1000
    assert all(UUID4.match(i) for i in ids)


def test_deferred_records_are_written_by_flush_and_close(tmp_path: Path) -> None:
    w = CaptureWriter(CaptureConfig(root=tmp_path, endpoint="e"))
    for _ in range(5):
        assert w.capture(b"1,2", "text/csv", b"0.5", "text/csv", defer=True)
    assert read_capture(tmp_path) == []
    w.flush()
    assert len(read_capture(tmp_path)) == 5
    w.capture(b"1,2", "text/csv", b"0.5", "text/csv", defer=True)
    w.close()
    assert len(read_capture(tmp_path)) == 6


def test_worker_shutdown_writes_pending_records(tmp_path: Path) -> None:
    from sagecli.serve.app import EndpointApp

    class Model:
        num_features = 2

    w = CaptureWriter(CaptureConfig(root=tmp_path, endpoint="e"))
    app = EndpointApp(type("H", (), {"model": Model()})(), "e", "AllTraffic", 1024, w)
    w.capture(b"1,2", "text/csv", b"0.5", "text/csv", defer=True)
    assert read_capture(tmp_path) == []
    app.__rsgi_del__(None)  # what granian calls when the worker stops (SIGTERM included)
    assert len(read_capture(tmp_path)) == 1


def test_a_new_file_each_minute_under_the_hours_folder(tmp_path: Path) -> None:
    """Real capture starts MM-SS-mmm-<uuid>.jsonl about every minute (aws/amazon-sagemaker-examples,
    SageMaker-ModelMonitoring_outputs.ipynb lists 20-48-871-....jsonl and 21-48-903-....jsonl in one hour)."""
    now = [1_700_000_000.5]  # 2023-11-14T22:13:20.5Z
    w = CaptureWriter(CaptureConfig(root=tmp_path, endpoint="e"), clock=lambda: now[0])
    for step in (0, 10, 61, 62, 3600):
        now[0] = 1_700_000_000.5 + step
        w.capture(b"1,2", "text/csv", b"0.5", "text/csv; charset=utf-8")
    w.close()
    files = sorted(p.relative_to(tmp_path / "e" / "AllTraffic").as_posix() for p in tmp_path.rglob("*.jsonl"))
    assert [f.rsplit("-", 5)[0] for f in files] == ["2023/11/14/22/13-20-500", "2023/11/14/22/14-21-500",
                                                    "2023/11/14/23/13-20-500"]
    assert all(re.fullmatch(r"\d\d-\d\d-\d{3}-[0-9a-f-]{36}\.jsonl", f.rsplit("/", 1)[1]) for f in files)
    assert len(read_capture(tmp_path)) == 5
