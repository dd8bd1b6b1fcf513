"""Batch transform: MultiRecord batches within MaxPayloadInMB, one <input>.out per input file, JoinSource=Input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sagecli.errors import SageCliError
from sagecli.flow.data import format_rows
from sagecli.serve.handler import InferenceHandler
from sagecli.serve.model import load_model_dir
from sagecli.transform.job import batches, run_transform


def test_multirecord_batches_fit_the_payload_limit() -> None:
    lines = [b"x" * 9] * 25  # 10 bytes each with the newline
    got = batches(lines, 100)
    assert [len(b) for b in got] == [10, 10, 5]
    assert all(sum(len(ln) + 1 for ln in b) <= 100 for b in got)
    assert [len(b) for b in batches(lines, 100, "SingleRecord")] == [1] * 25
    with pytest.raises(SageCliError):
        batches([b"y" * 200], 100)


def test_one_out_file_per_input_and_join(trained, tmp_path: Path) -> None:
    _, model_dir, ds = trained
    x = ds.splits["test"][0]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text(format_rows(x[:100]))
    (tmp_path / "in" / "b.csv").write_text(format_rows(x[100:130]))
    handler = InferenceHandler(load_model_dir(model_dir))
    res = run_transform(handler, "t", tmp_path / "in", tmp_path / "out", join_source="Input")
    assert res.status == "Completed" and res.records == 130 and res.requests == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv.out", "b.csv.out"]
    rows = (tmp_path / "out" / "a.csv.out").read_text().splitlines()
    assert len(rows) == 100
    inputs = format_rows(x[:100]).splitlines()
    expected = handler.model.predict(x[:100])
    for line, original, score in zip(rows, inputs, expected, strict=True):
        head, _, pred = line.rpartition(",")
        assert head == original and abs(float(pred) - score) < 1e-6


def test_a_bad_record_fails_the_job_with_a_reason(trained, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.csv").write_text("1,2,3\n")
    res = run_transform(InferenceHandler(load_model_dir(trained[1])), "t", tmp_path / "in", tmp_path / "out")
    assert res.status == "Failed" and "bad.csv" in res.failure_reason and "features" in res.failure_reason
    assert np.isfinite(res.duration_s)
