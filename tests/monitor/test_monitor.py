"""Model Monitor files: schemas as documented, drift found, no false alarm, every check type."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sagecli.monitor.jobs import capture_to_csv, run_monitoring, suggest_baseline
from sagecli.monitor.violations import linf_distance


def _csv(x: np.ndarray, ints: tuple[int, ...] = ()) -> bytes:
    cols = [x[:, j].astype(np.int64).astype(str) if j in ints else np.char.mod("%.4f", x[:, j])
            for j in range(x.shape[1])]
    rows = cols[0]
    for c in cols[1:]:
        rows = np.char.add(np.char.add(rows, ","), c)
    return ("\n".join(rows.tolist()) + "\n").encode()


def _data(seed: int, n: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(50 + shift, 10, n), rng.gamma(2.0, 3.0, n), rng.integers(0, 5, n)])


@pytest.fixture
def baseline(tmp_path: Path):
    return suggest_baseline(_csv(_data(0, 5000), ints=(2,)), tmp_path / "baseline")


def test_statistics_json_schema(baseline, tmp_path: Path) -> None:
    stats = json.loads((tmp_path / "baseline" / "statistics.json").read_text())
    assert stats["version"] == 0.0 and stats["dataset"] == {"item_count": 5000}
    assert [f["name"] for f in stats["features"]] == ["_c0", "_c1", "_c2"]
    assert [f["inferred_type"] for f in stats["features"]] == ["Fractional", "Fractional", "Integral"]
    num = stats["features"][0]["numerical_statistics"]
    assert set(num) == {"common", "mean", "sum", "std_dev", "min", "max", "distribution"}
    assert num["common"] == {"num_present": 5000, "num_missing": 0}
    kll = num["distribution"]["kll"]
    assert len(kll["buckets"]) == 10
    assert sum(b["count"] for b in kll["buckets"]) == 5000
    assert kll["buckets"][0]["lower_bound"] == num["min"] and kll["buckets"][-1]["upper_bound"] == num["max"]
    assert kll["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}
    assert isinstance(kll["sketch"]["parameters"]["k"], float)  # "k": 2048.0 in the container's output
    assert len(kll["sketch"]["data"][0]) == 2048
    assert num["mean"] == pytest.approx(num["sum"] / 5000)


def test_constraints_json_schema(baseline, tmp_path: Path) -> None:
    cons = json.loads((tmp_path / "baseline" / "constraints.json").read_text())
    assert cons["version"] == 0.0
    feat = cons["features"][0]
    assert set(feat) == {"name", "inferred_type", "completeness", "num_constraints"}
    assert feat["completeness"] == 1.0 and feat["num_constraints"] == {"is_non_negative": True}
    cfg = cons["monitoring_config"]
    assert cfg["evaluate_constraints"] == "Enabled" and cfg["emit_metrics"] == "Enabled"
    assert cfg["datatype_check_threshold"] == 1.0 and cfg["domain_content_threshold"] == 1.0
    assert cfg["distribution_constraints"] == {
        "perform_comparison": "Enabled", "comparison_threshold": 0.1, "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1, "categorical_drift_method": "LInfinity"}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_no_false_alarm_on_undrifted_data(baseline, tmp_path: Path, seed: int) -> None:
    stats, cons = baseline
    violations, _ = run_monitoring(_csv(_data(seed, 800), ints=(2,)), stats, cons, tmp_path / "run")
    assert violations == {"violations": []}


def test_known_drift_is_found_and_only_there(baseline, tmp_path: Path) -> None:
    stats, cons = baseline
    violations, _ = run_monitoring(_csv(_data(9, 800, shift=8.0), ints=(2,)), stats, cons, tmp_path / "run")
    assert [(v["feature_name"], v["constraint_check_type"]) for v in violations["violations"]] == [
        ("_c0", "baseline_drift_check")]
    assert violations["violations"][0]["description"].startswith("Baseline drift distance: 0.")
    written = json.loads((tmp_path / "run" / "constraint_violations.json").read_text())
    assert written == violations


def test_missing_and_extra_columns(baseline, tmp_path: Path) -> None:
    stats, cons = baseline
    fewer, _ = run_monitoring(_csv(_data(1, 200)[:, :2]), stats, cons, tmp_path / "a")
    assert [v["constraint_check_type"] for v in fewer["violations"]] == ["missing_column_check"]
    more = np.column_stack([_data(1, 200), np.ones(200)])
    extra, _ = run_monitoring(_csv(more, ints=(2, 3)), stats, cons, tmp_path / "b")
    assert [v["constraint_check_type"] for v in extra["violations"]] == ["extra_column_check"]


def test_data_type_and_completeness(baseline, tmp_path: Path) -> None:
    stats, cons = baseline
    lines = _csv(_data(1, 300), ints=(2,)).decode().splitlines()
    lines = [ln.rsplit(",", 1)[0] + (",2.5" if i % 3 == 0 else ",") if i % 2 == 0 else ln
             for i, ln in enumerate(lines)]
    res, _ = run_monitoring(("\n".join(lines) + "\n").encode(), stats, cons, tmp_path / "run")
    kinds = {(v["feature_name"], v["constraint_check_type"]) for v in res["violations"]}
    assert ("_c2", "completeness_check") in kinds and ("_c2", "data_type_check") in kinds


def test_string_features_get_domains_and_categorical_checks(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base = "\n".join(f"{v:.2f},{c}" for v, c in zip(rng.normal(size=2000), rng.choice(["gold", "silver", "bronze"],
                                                                                     2000), strict=True))
    stats, cons = suggest_baseline(base.encode(), tmp_path / "b")
    assert stats["features"][1]["inferred_type"] == "String"
    assert stats["features"][1]["string_statistics"]["distinct_count"] == 3.0
    assert cons["features"][1]["string_constraints"]["domains"] == ["bronze", "gold", "silver"]
    same = "\n".join(f"{v:.2f},{c}" for v, c in zip(rng.normal(size=500), rng.choice(["gold", "silver", "bronze"],
                                                                                     500), strict=True))
    clean, _ = run_monitoring(same.encode(), stats, cons, tmp_path / "r1")
    assert clean["violations"] == []
    new = "\n".join(f"{v:.2f},{c}" for v, c in zip(rng.normal(size=500), rng.choice(["gold", "platinum"], 500),
                                                   strict=True))
    drifted, _ = run_monitoring(new.encode(), stats, cons, tmp_path / "r2")
    kinds = {v["constraint_check_type"] for v in drifted["violations"] if v["feature_name"] == "_c1"}
    assert kinds == {"categorical_values_check", "baseline_drift_check"}


def test_linf_distance_is_the_max_cdf_gap() -> None:
    a = np.sort(np.array([1.0, 2.0, 3.0, 4.0]))
    b = np.sort(np.array([3.0, 4.0, 5.0, 6.0]))
    assert linf_distance(a, b) == 0.5
    assert linf_distance(a, a) == 0.0


def test_capture_records_become_csv_rows() -> None:
    import base64

    recs = [
        {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                           "data": "1,2\n3,4", "encoding": "CSV"}}},
        {"captureData": {"endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                                           "data": '{"instances": [[5, 6.5]]}', "encoding": "JSON"}}},
        {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                           "data": base64.b64encode(b"7,8").decode(), "encoding": "BASE64"}}},
    ]
    assert capture_to_csv(recs) == b"1,2\n3,4\n5,6.5\n7,8\n"
