"""What a learner sees when their own training script crashes, and other local-run messages."""

from __future__ import annotations

import json
from pathlib import Path

from sagecli.train.job import error_message
from tests.conftest import run_cli

CRASH = 'import sys\nprint("loading")\nraise RuntimeError("no GPU found; this script wants a p3 instance")\n'


def test_error_message_is_the_exception_line_not_the_traceback():
    tail = ["loading", "Traceback (most recent call last):", '  File "train.py", line 3, in <module>',
            '    raise RuntimeError("boom")', "RuntimeError: boom"]
    assert error_message(tail) == "RuntimeError: boom"
    assert error_message(["step 1", "cannot find channel foo", ""]) == "cannot find channel foo"
    xgb = "xgboost.core.XGBoostError: bad param"
    assert error_message([xgb, "  (details)"]) == xgb
    assert error_message([]) == "no output"


def test_crashing_script_gives_one_line_with_its_exception(tmp_path: Path):
    script = tmp_path / "train.py"
    script.write_text(CRASH)
    res = run_cli("run-demo", "--json", "--entry-point", str(script), "--rows", "400", "--run-dir", str(tmp_path / "r"))
    assert res.returncode == 1
    # with --json the error is JSON on stderr too (issue 12), one object
    err = [json.loads(ln)["error"] for ln in res.stderr.splitlines() if ln.startswith("{")]
    assert err == ["the demo stopped: train: training job Failed: AlgorithmError: exit code 1; "
                   "RuntimeError: no GPU found; this script wants a p3 instance"]
    assert "File " not in res.stderr and "Traceback" not in res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    assert steps["evaluate"]["summary"] == "not run: an earlier step failed"


def test_plain_output_after_a_failure_lists_only_what_ran(tmp_path: Path):
    script = tmp_path / "train.py"
    script.write_text(CRASH)
    res = run_cli("run-demo", "--entry-point", str(script), "--rows", "400", "--run-dir", str(tmp_path / "r"))
    assert res.returncode == 1
    assert "Stopped at: train: training job Failed" in res.stdout
    assert "Model package:" not in res.stdout and "Monitor:" not in res.stdout


def test_entry_point_directory_is_named_as_such(tmp_path: Path):
    res = run_cli("run-demo", "--entry-point", str(tmp_path))
    assert res.returncode == 1 and f"entry point {tmp_path} is a directory, not a script" in res.stderr


def test_train_line_names_the_input_mode(tmp_path: Path):
    res = run_cli("run-demo", "--json", "--steps", "train", "--input-mode", "pipe", "--rows", "400",
                  "--run-dir", str(tmp_path / "r"))
    assert res.returncode == 0, res.stderr[-2000:]
    train = next(s for s in json.loads(res.stdout)["steps"] if s["name"] == "train")
    assert "(Pipe mode)" in train["summary"]
