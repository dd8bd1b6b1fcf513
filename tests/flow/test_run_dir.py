"""Issue 10 item 7: teardown stops only what its own run started; --run-dir is new, empty or an earlier run's."""

from __future__ import annotations

import json
from pathlib import Path

from sagecli.serve.process import is_endpoint_server
from tests.conftest import run_cli

FAST = ("--rows", "200", "-H", "num_round=5", "--min-auc", "0")


def _kept_endpoint(home: Path) -> dict:
    records = [json.loads(p.read_text()) for p in (home / "endpoints").glob("*.json")]
    assert len(records) == 1, records
    return records[0]


def test_teardown_never_touches_another_runs_kept_endpoint(tmp_path: Path, sagecli_home: Path) -> None:
    kept_dir = tmp_path / "runb"  # the other run's folder: "run" is a string prefix of it
    res = run_cli("run-demo", "--json", "--steps", "deploy", "--keep-endpoint", "--run-dir", str(kept_dir), *FAST,
                  timeout=120)
    assert res.returncode == 0, res.stderr
    rec = _kept_endpoint(sagecli_home)
    try:
        assert is_endpoint_server(rec["pid"], rec["url"])
        for run_dir in (tmp_path / "run", kept_dir):  # a prefix of its folder, then its own folder reused
            res = run_cli("run-demo", "--json", "--steps", "train", "--run-dir", str(run_dir), *FAST, timeout=120)
            assert res.returncode == 0, res.stderr
            teardown = next(s for s in json.loads(res.stdout)["steps"] if s["name"] == "teardown")
            assert teardown["status"] == "ok"
            assert is_endpoint_server(rec["pid"], rec["url"]), f"a run in {run_dir} stopped another run's endpoint"
            assert _kept_endpoint(sagecli_home)["name"] == rec["name"]
    finally:
        run_cli("endpoint", "stop", rec["name"])
    assert not is_endpoint_server(rec["pid"], rec["url"])


def test_a_folder_with_other_files_is_refused_before_anything_starts(tmp_path: Path) -> None:
    run_dir = tmp_path / "mine"
    run_dir.mkdir()
    (run_dir / "notes.csv").write_text("1,2,3\n")
    res = run_cli("run-demo", "--steps", "process", "--run-dir", str(run_dir), "--rows", "200")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert f"Error: --run-dir {run_dir} is not empty and was not made by sagecli run-demo" in res.stderr
    assert sorted(p.name for p in run_dir.iterdir()) == ["notes.csv"]


def test_a_file_as_run_dir_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "hosts"
    target.write_text("127.0.0.1 localhost\n")
    res = run_cli("run-demo", "--steps", "process", "--run-dir", str(target), "--rows", "200")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert f"--run-dir {target} is a file, not a folder" in res.stderr


def test_an_earlier_runs_folder_is_reused_with_only_this_runs_data(tmp_path: Path) -> None:
    run_dir = tmp_path / "again"
    first = run_cli("run-demo", "--json", "--steps", "process", "--run-dir", str(run_dir), "--rows", "400")
    assert first.returncode == 0, first.stderr
    (run_dir / "data" / "train" / "stale.csv").write_text("1," + ",".join(["9"] * 8) + "\n")
    second = run_cli("run-demo", "--json", "--steps", "process", "--run-dir", str(run_dir), "--rows", "200")
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in (run_dir / "data" / "train").iterdir()) == ["train.csv"]
    marker = json.loads((run_dir / ".sagecli-run.json").read_text())
    assert marker["runs"] == [json.loads(first.stdout)["run_id"], json.loads(second.stdout)["run_id"]]
