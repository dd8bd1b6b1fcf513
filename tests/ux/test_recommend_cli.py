"""The real `sagecli recommend` as users drive it: contradictions are one-line usage errors, answers read well."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize("args, words", [
    (["deployment", "--traffic", "offline", "--realtime"], "--traffic offline and --realtime contradict"),
    (["deployment", "--endpoint", "serverless", "--gpu"], "Serverless Inference has no GPU support"),
    (["input-mode", "--files", "10", "--avg-file-mb", "100", "--dataset-gb", "5000"], "give any two of the three"),
])
def test_contradicting_flags_are_one_line_usage_errors(args, words):
    for extra in ([], ["--json"]):
        res = run_cli("recommend", *args, *extra)
        assert res.returncode == 2, res.stdout + res.stderr
        assert words in res.stderr
        assert "Traceback" not in res.stderr
        assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1, res.stderr
        assert res.stdout == ""


def test_consistent_sizes_and_gpu_endpoints_still_answer():
    """Sizes that agree within rounding, and a GPU on an endpoint type that has GPUs, are fine."""
    res = run_cli("recommend", "input-mode", "--files", "10", "--avg-file-mb", "100", "--dataset-gb", "1.2",
                  "--json")
    assert res.returncode == 0, res.stderr
    res = run_cli("recommend", "deployment", "--endpoint", "async", "--gpu", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["decisions"][1]["choice"]


def test_efs_data_already_there_is_not_a_file_system_to_create():
    res = run_cli("recommend", "input-mode", "--storage", "efs", "--dataset-gb", "100", "--json")
    top = json.loads(res.stdout)["decisions"][0]["ranked"][0]
    assert top["option"] == "efs"
    assert not any("to create" in r for r in top["reasons"]), top["reasons"]


WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}


def test_notebook_price_is_not_passed_off_as_a_training_cost():
    """The knowledge base's prices are Studio-Notebook prices: a training answer says so instead of 'Estimated'."""
    res = run_cli("recommend", "instance", "--workload", "training", "--algorithm", "xgboost", "--dataset-gb", "20",
                  env=WIDE)
    assert res.returncode == 0, res.stderr
    assert "Estimated cost" not in res.stdout
    assert "Price on record" in res.stdout and "no training price" in res.stdout
    nb = run_cli("recommend", "instance", "--workload", "notebook", env=WIDE)
    assert "Estimated cost" in nb.stdout and "Studio-Notebook" in nb.stdout


def test_memory_label_matches_the_chosen_type():
    """A CPU choice needs host memory; calling it accelerator memory misleads."""
    cpu = run_cli("recommend", "instance", "--workload", "notebook", "--params-b", "7", env=WIDE)
    assert "host memory needed" in cpu.stdout and "accelerator memory needed" not in cpu.stdout
    gpu = run_cli("recommend", "instance", "--workload", "inference", "--params-b", "7", "--precision", "fp16",
                  env=WIDE)
    assert "accelerator memory needed" in gpu.stdout


def test_rows_without_rules_say_why_they_rank():
    res = run_cli("recommend", "instance", "--workload", "processing", env=WIDE)
    assert "ranked by size and cost" in res.stdout


def test_explain_shows_the_points_behind_the_top_two():
    """--explain: the rules, then each adjustment of the choice and the runner-up with its points."""
    res = run_cli("recommend", "deployment", "--traffic", "spiky", "--explain", env=WIDE)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "rules that fired" in out
    assert "+1.0  unpredictable bursts with cold starts acceptable" in out
    assert "+0.8  real-time endpoints absorb spikes with auto scaling" in out
    data = json.loads(run_cli("recommend", "deployment", "--traffic", "spiky", "--json").stdout)
    top = data["decisions"][0]["ranked"][0]
    assert top["weights"] and all({"points", "reason"} <= set(w) for w in top["weights"])


def test_instance_table_says_why_ranks_skip():
    """The table shows one size per family, so ranks jump (1, 3, 4...); the footer says so."""
    res = run_cli("recommend", "instance", "--workload", "training", "--algorithm", "xgboost", env=WIDE)
    assert "the best size of each family is shown and # is its overall rank" in res.stdout
    full = run_cli("recommend", "instance", "--workload", "training", "--algorithm", "xgboost", "--all", env=WIDE)
    assert "more options" not in full.stdout


@pytest.mark.parametrize("args", [
    ["instance", "--workload", "inference", "--params-b", "70", "--precision", "fp16"],
    ["instance", "--workload", "training", "--algorithm", "xgboost", "--dataset-gb", "20"],
    ["input-mode", "--dataset-gb", "2000", "--format", "images", "--avg-file-mb", "0.1"],
    ["deployment", "--traffic", "spiky", "--payload-mb", "5"],
])
def test_answers_at_80_columns_never_cut_an_option(args):
    """On an 80-column terminal the options (full instance types) are shown whole, nothing ends in '…'."""
    res = run_cli("recommend", *args, "--no-input", env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert "…" not in res.stdout
    data = json.loads(run_cli("recommend", *args, "--json").stdout)
    for decision in data["decisions"]:
        if decision["choice"]:
            # a table row, or (instance types below 100 columns) a stacked row: rank, option, ...
            assert any(decision["choice"] in line.split() for line in res.stdout.splitlines()
                       if line.startswith("│") or line.split()[1:2] == [decision["choice"]]), decision["choice"]


def test_shadow_and_business_metric_wishes_contradict():
    """shadow-tests vs model-ab-testing: a shadow hides responses from users, an A/B test measures how users react."""
    res = run_cli("recommend", "deployment", "--no-user-impact", "--compare-variants", "--json")
    assert res.returncode == 2 and "contradict" in res.stderr and res.stdout == ""


def test_a_choice_that_won_by_elimination_says_so():
    """Intermittent traffic favours serverless; at 5 MB it is over serverless's payload limit, so the answer
    explains that instead of showing no reason at all."""
    res = run_cli("recommend", "deployment", "--traffic", "intermittent", "--payload-mb", "5", "--no-input", env=WIDE)
    why = next(line for line in res.stdout.splitlines() if line.strip().startswith("why:"))
    assert "serverless is ruled out: payload 5 MB exceeds" in why
