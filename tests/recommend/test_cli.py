"""The real `sagecli recommend` in a subprocess: JSON shape, usage errors, no prompts without a TTY."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import run_cli


def _json(*args: str) -> dict:
    proc = run_cli("recommend", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_deployment_json_shape():
    out = _json("deployment", "--payload-mb", "2", "--traffic", "intermittent")
    assert out["recommender"] == "deployment"
    assert out["inputs"] == {"payload_mb": 2.0, "traffic": "intermittent"}
    assert out["assumed"]["processing_seconds"] == 1.0
    names = [d["decision"] for d in out["decisions"]]
    assert names == ["inference_option", "rollout"]
    first = out["decisions"][0]
    assert first["choice"] == "serverless"
    row = first["ranked"][0]
    assert set(row) >= {"option", "eligible", "score", "reasons", "sources"}
    assert row["sources"][0].startswith("https://docs.aws.amazon.com/")


def test_instance_json_has_family_and_full_type():
    out = _json("instance", "--workload", "inference", "--params-b", "7", "--precision", "fp16")
    decision = out["decisions"][0]
    assert decision["choice"].startswith("ml.") and decision["choice"].count(".") == 2
    assert decision["ranked"][0]["family"] == ".".join(decision["choice"].split(".")[:2])


def test_input_mode_json():
    out = _json("input-mode", "--format", "augmented-manifest")
    assert out["decisions"][0]["choice"] == "pipe"


def test_nothing_eligible_is_an_answer_not_an_error():
    out = _json("instance", "--workload", "notebook", "--params-b", "1000")
    assert out["decisions"][0]["choice"] is None


@pytest.mark.parametrize("args, words", [
    (("deployment", "--payload-mb", "1e308"), ["--payload-mb", "1024 MB"]),
    (("deployment", "--payload-mb", "5000"), ["--payload-mb", "Asynchronous"]),
    (("deployment", "--processing-seconds", "4000"), ["--processing-seconds", "3600"]),
    (("input-mode", "--dataset-gb", "1", "--avg-file-mb", "5120"), ["--avg-file-mb", "--dataset-gb"]),
])
def test_numbers_beyond_every_sagemaker_limit_are_usage_errors(args, words):
    """Issue 12: bounds come from the knowledge base's limits; impossible combinations are refused."""
    proc = run_cli("recommend", *args)
    assert proc.returncode == 2, proc.stdout
    first = proc.stderr.splitlines()[0]
    assert first.startswith("Error: ") and all(w in first for w in words), proc.stderr


@pytest.mark.parametrize("args", [
    ("deployment", "--payload-mb", "0"),
    ("deployment", "--payload-mb", "-5"),
    ("deployment", "--traffic", "sometimes"),
    ("deployment", "--models", "0"),
    ("deployment", "--first-step-percent", "150"),
    ("deployment", "--endpoint", "lambda"),
    ("input-mode", "--dataset-gb", "-1"),
    ("input-mode", "--files", "0"),
    ("instance", "--params-b", "0"),
    ("instance", "--algorithm", "no-such-algorithm"),
    ("instance", "--workload", "gaming"),
    ("instance", "--algorithm", "xgboost", "--algorithm-mode", "turbo"),
])
def test_impossible_values_are_one_line_usage_errors(args):
    proc = run_cli("recommend", *args, "--json")
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    # with --json the error is one JSON object on stderr (issue 12), so scripts parse both outcomes
    assert len(lines) == 1 and json.loads(lines[0])["error"]
    assert "Traceback" not in proc.stderr
    plain = run_cli("recommend", *args)
    assert plain.returncode == 2
    assert [x for x in plain.stderr.splitlines() if x.strip()][0].startswith("Error: ")


def test_no_tty_never_asks_and_lists_assumptions():
    proc = run_cli("recommend", "deployment", input="")
    assert proc.returncode == 0, proc.stderr
    assert "?" not in proc.stdout.split("\n")[0]
    assert "assumed" in proc.stdout and "traffic=steady" in proc.stdout


def test_human_output_has_choice_table_cost_and_explain():
    proc = run_cli("recommend", "instance", "--algorithm", "xgboost", "--explain")
    assert proc.returncode == 0, proc.stderr
    assert "instance: ml." in proc.stdout
    assert "rules that fired" in proc.stdout
    assert "cost" in proc.stdout.lower()
    assert "docs: https://docs.aws.amazon.com/" in proc.stdout


def test_deployment_says_when_there_is_no_price():
    proc = run_cli("recommend", "deployment", "--traffic", "steady")
    assert "no prices" in proc.stdout


GUARD = """
import json, sys
sys.argv = ["sagecli", "recommend", "deployment", "--payload-mb", "2", "--traffic", "intermittent", "--json"]
from sagecli.cli import app
try:
    app(standalone_mode=True)
except SystemExit:
    pass
heavy = ("rich", "questionary", "yaml", "prompt_toolkit", "boto3", "numpy")
sys.stderr.write(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_json_path_imports_nothing_heavy(sagecli_home):
    import os
    import subprocess

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # the first run may compile the knowledge-base cache (which needs yaml)
        proc = subprocess.run([sys.executable, "-c", GUARD], capture_output=True, text=True, env=env, timeout=60)
    assert json.loads(proc.stdout)["decisions"][0]["choice"] == "serverless"
    assert json.loads(proc.stderr) == []
