"""The whole flow through the real CLI: every step, artifacts in SageMaker's shapes, registry, teardown."""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import run_cli, shared_dir
from tests.flow.procs import server_pids_for


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    def build(folder: Path) -> None:
        (folder / "home").mkdir()
        (folder / "run").mkdir()
        res = run_cli("run-demo", "--json", "--run-dir", str(folder / "run"), "--seed", "11",
                      env={"SAGECLI_HOME": str(folder / "home")}, timeout=120)
        assert res.returncode == 0, res.stderr
        (folder / "summary.json").write_text(res.stdout)

    folder = shared_dir(tmp_path_factory, "flow-demo", build)  # one run for every xdist worker
    return json.loads((folder / "summary.json").read_text()), folder / "run", folder / "home"


def _step(summary: dict, name: str) -> dict:
    return next(s for s in summary["steps"] if s["name"] == name)


def test_every_step_ran(demo) -> None:
    summary, _, _ = demo
    assert summary["ok"] is True
    assert [s["name"] for s in summary["steps"]] == ["process", "train", "evaluate", "register", "deploy", "invoke",
                                                     "transform", "monitor", "teardown"]
    assert {s["status"] for s in summary["steps"]} == {"ok"}
    assert all(s["duration_s"] >= 0 for s in summary["steps"])


def test_channels_are_headerless_label_first_csv(demo) -> None:
    _, run_dir, _ = demo
    rows = (run_dir / "data" / "train" / "train.csv").read_text().splitlines()
    assert len(rows) == 2800
    first = rows[0].split(",")
    assert first[0] in ("0", "1") and len(first) == 9  # label + 8 features, no header
    assert all(float(v) is not None for v in first)


def test_training_job_directory_follows_the_contract(demo) -> None:
    summary, _, _ = demo
    job = Path(_step(summary, "train")["artifacts"]["job_dir"])
    hps = json.loads((job / "input/config/hyperparameters.json").read_text())
    assert hps["num_round"] == "60" and hps["objective"] == "binary:logistic"
    assert all(isinstance(v, str) for v in hps.values())
    cfg = json.loads((job / "input/config/inputdataconfig.json").read_text())
    assert cfg["train"] == {"ContentType": "text/csv", "TrainingInputMode": "File",
                            "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}
    res = json.loads((job / "input/config/resourceconfig.json").read_text())
    assert res["current_host"] == "algo-1" and res["hosts"] == ["algo-1"]
    assert (job / "input/data/train/train.csv").is_file()
    assert (job / "model/xgboost-model").is_file()
    with tarfile.open(job / "output/model.tar.gz") as tar:
        assert tar.getnames() == ["xgboost-model"]
    train = _step(summary, "train")["data"]
    assert train["rounds"] == 60 and 0.5 < train["final_metrics"]["validation:auc"] <= 1


def test_evaluation_and_condition_step(demo) -> None:
    summary, _, home = demo
    metrics = _step(summary, "evaluate")["data"]["metrics"]
    assert set(metrics) >= {"auc", "accuracy", "f1"}
    reg = _step(summary, "register")["data"]
    assert reg["condition"]["passed"] is (metrics["auc"] >= 0.75)
    assert reg["approval_status"] == "Approved"
    listing = run_cli("registry", "list", "--json", env={"SAGECLI_HOME": str(home)})
    groups = json.loads(listing.stdout)
    assert groups[0]["ModelPackageGroupName"] == "sagecli-demo-churn" and groups[0]["latest_approved"] == 1
    show = json.loads(run_cli("registry", "show", "sagecli-demo-churn", "--version", "1", "--json",
                              env={"SAGECLI_HOME": str(home)}).stdout)
    assert show["ModelApprovalStatus"] == "Approved"
    assert show["ModelMetrics"]["ModelQuality"]["Statistics"]["metrics"]["auc"]["value"] == metrics["auc"]


def test_invoke_matches_model_and_transform_writes_one_out_per_file(demo) -> None:
    summary, run_dir, _ = demo
    inv = _step(summary, "invoke")["data"]
    assert inv["max_abs_diff_vs_local"] < 1e-4 and inv["requests"] > 200
    out = run_dir / "transform-output" / "test.csv.out"
    assert len(out.read_text().splitlines()) == 600


def test_capture_files_use_the_endpoint_variant_hour_layout(demo) -> None:
    summary, run_dir, _ = demo
    endpoint = _step(summary, "deploy")["data"]["endpoint"]
    files = list((run_dir / "capture" / endpoint / "AllTraffic").glob("*/*/*/*/*.jsonl"))
    assert files, "capture files must sit under <endpoint>/<variant>/yyyy/mm/dd/hh/"
    yyyy, mm, dd, hh = files[0].parent.relative_to(run_dir / "capture" / endpoint / "AllTraffic").parts
    assert len(yyyy) == 4 and len(mm) == 2 and len(dd) == 2 and len(hh) == 2
    lines = sum(len(f.read_text().splitlines()) for f in files)
    mon = _step(summary, "monitor")["data"]
    assert lines == mon["run_1"]["records"] + mon["run_2"]["records"]


def test_monitor_is_clean_on_wave_one_and_finds_the_drift(demo) -> None:
    summary, run_dir, _ = demo
    mon = _step(summary, "monitor")["data"]
    assert mon["run_1"]["violations"] == []
    drifted = {v["feature_name"] for v in mon["run_2"]["violations"]
               if v["constraint_check_type"] == "baseline_drift_check"}
    assert {"_c2", "_c4"} <= drifted  # monthly_spend and support_calls were shifted
    assert all("monthly_spend" in e or "support_calls" in e or "autopay" in e for e in mon["run_2"]["explanations"])
    for name in ("statistics.json", "constraints.json"):
        assert (run_dir / "monitor" / "baseline" / name).is_file()
    # each run where a scheduled execution writes: reports/<endpoint>/<schedule>/yyyy/mm/dd/hh/
    endpoint = _step(summary, "deploy")["data"]["endpoint"]
    arts = _step(summary, "monitor")["artifacts"]
    hours = []
    for key in ("run_1", "run_2"):
        report = Path(arts[key])
        assert report.name == "constraint_violations.json" and report.is_file()
        parts = report.parent.relative_to(run_dir / "monitor").parts
        assert parts[:3] == ("reports", endpoint, f"{endpoint}-schedule")
        yyyy, mm, dd, hh = parts[3:]
        assert (len(yyyy), len(mm), len(dd), len(hh)) == (4, 2, 2, 2)
        hours.append(datetime(int(yyyy), int(mm), int(dd), int(hh), tzinfo=UTC))
        for name in ("statistics.json", "constraints.json"):  # a real run writes all three
            assert (report.parent / name).is_file()
    assert hours[1] > hours[0]  # an hourly schedule: the drifted run is the next execution, not an overwrite
    assert not (run_dir / "monitor" / "run-1").exists() and not (run_dir / "monitor" / "run-2").exists()


def test_monitoring_report_dir_is_the_schedule_layout(tmp_path: Path) -> None:
    from sagecli.flow.monitoring import report_dir, schedule_name

    when = datetime(2026, 3, 4, 5, 59, 59, tzinfo=UTC).timestamp()
    assert report_dir(tmp_path, "ep", "ep-schedule", when) == tmp_path / "reports/ep/ep-schedule/2026/03/04/05"
    assert report_dir(tmp_path, "ep", "s", when + 1).parts[-4:] == ("2026", "03", "04", "06")
    long = "e" * 63  # an endpoint name at the limit still gives a schedule name within 63 characters
    assert len(schedule_name(long)) == 63 and schedule_name("ep") == "ep-schedule"


def test_teardown_left_no_server(demo) -> None:
    summary, run_dir, home = demo
    assert server_pids_for(run_dir) == []
    assert not list((home / "endpoints").glob("*.json"))
    assert _step(summary, "teardown")["data"]["removed"]


def test_steps_subset_adds_prerequisites(tmp_path: Path) -> None:
    res = run_cli("run-demo", "--json", "--steps", "evaluate", "--run-dir", str(tmp_path), "--rows", "600")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert [s["name"] for s in summary["steps"]] == ["process", "train", "evaluate", "teardown"]
    assert summary["added_steps"] == ["process", "train"]


def test_unknown_step_is_a_usage_error(tmp_path: Path) -> None:
    res = run_cli("run-demo", "--steps", "train,fly", "--run-dir", str(tmp_path))
    assert res.returncode == 2
    assert "unknown step(s): fly" in res.stderr and "Traceback" not in res.stderr
