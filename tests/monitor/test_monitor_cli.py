"""`sagecli monitor baseline|run` on local files: the three files, exit codes 0/1/2, one-line errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.conftest import run_cli


def _capture_line(csv_row: str, encoding: str = "CSV") -> str:
    data = base64.b64encode(csv_row.encode()).decode() if encoding == "BASE64" else csv_row
    return json.dumps({"captureData": {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": data, "encoding": encoding},
        "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": "0.5",
                           "encoding": "CSV"}},
        "eventMetadata": {"eventId": "e", "inferenceTime": "2026-12-02T08:00:00Z"}, "eventVersion": "0"})


def _train(tmp_path: Path, header: bool = True) -> Path:
    rows = [f"{i % 7},{(i % 13) / 10:.1f},{'yes' if i % 2 else 'no'}" for i in range(400)]
    path = tmp_path / "train.csv"
    path.write_text(("tenure,spend,autopay\n" if header else "") + "\n".join(rows) + "\n")
    return path


def test_baseline_then_clean_run_exits_0(tmp_path: Path) -> None:
    train = _train(tmp_path)
    res = run_cli("monitor", "baseline", str(train), "--header", "--out", str(tmp_path / "base"), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows"] == 400
    stats = json.loads((tmp_path / "base" / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == ["tenure", "spend", "autopay"]
    cap = tmp_path / "capture" / "ep" / "AllTraffic" / "2026" / "12" / "02" / "08"
    cap.mkdir(parents=True)
    (cap / "00-01-123-abc.jsonl").write_text("\n".join(_capture_line(f"{i % 7},{(i % 13) / 10:.1f},"
                                                                     f"{'yes' if i % 2 else 'no'}")
                                                       for i in range(300)) + "\n")
    res = run_cli("monitor", "run", str(tmp_path / "capture"), "--baseline", str(tmp_path / "base"),
                  "--out", str(tmp_path / "report"), "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["violation_count"] == 0
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == [
        "constraint_violations.json", "constraints.json", "statistics.json"]


def test_violations_exit_1_and_are_listed(tmp_path: Path) -> None:
    train = _train(tmp_path, header=False)
    assert run_cli("monitor", "baseline", str(train), "-o", str(tmp_path / "b")).returncode == 0
    cap = tmp_path / "c.jsonl"
    cap.write_text("\n".join(_capture_line(f"{i % 7}.5,{(i % 13) / 10 + 5:.1f},maybe", "BASE64")
                             for i in range(200)) + "\n")
    res = run_cli("monitor", "run", str(cap), "--baseline", str(tmp_path / "b"), "-o", str(tmp_path / "r"))
    assert res.returncode == 1, res.stderr
    assert "_c0: data_type_check" in res.stdout and "_c2: categorical_values_check" in res.stdout
    found = json.loads((tmp_path / "r" / "constraint_violations.json").read_text())["violations"]
    by_check = {(v["feature_name"], v["constraint_check_type"]): v["description"] for v in found}
    assert by_check[("_c0", "data_type_check")].endswith("Observed: Only 0.0% of data is Integral.")
    assert by_check[("_c2", "categorical_values_check")] == "Value: 0.0 does not meet the constraint requirement!"


def test_errors_exit_2_in_one_line(tmp_path: Path) -> None:
    res = run_cli("monitor", "run", str(tmp_path / "nothing"), "--baseline", str(tmp_path), "-o", str(tmp_path / "r"))
    assert res.returncode == 2
    assert res.stderr.startswith("Error: ") and "Traceback" not in res.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "statistics.json").write_text('{"features": []}')
    (tmp_path / "b" / "constraints.json").write_text('{"features": []}')
    res = run_cli("monitor", "run", str(bad), "--baseline", str(tmp_path / "b"), "-o", str(tmp_path / "r"))
    assert res.returncode == 2 and f"{bad}:1: not a JSON capture record" in res.stderr
