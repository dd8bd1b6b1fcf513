"""Model Monitor output checked against what AWS's own data-quality container wrote in published real runs.

Values come from the saved outputs of aws/amazon-sagemaker-examples
sagemaker_model_monitor/introduction/SageMaker-ModelMonitoring_outputs.ipynb (a real run, 2022-04-18):
its violations table and its suggested constraints; and from awslabs/deequ
src/main/scala/com/amazon/deequ/analyzers/Distance.scala (the library the container is built on).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from sagecli.monitor.constraints import suggest_constraints
from sagecli.monitor.csvparse import parse_table
from sagecli.monitor.jobs import run_monitoring
from sagecli.monitor.numbers import java_double
from sagecli.monitor.statistics import dataset_statistics
from sagecli.monitor.violations import check_violations, robust

# The real run's data_type_check text, character for character (feature "Area Code_408" and others).
REAL_TYPE_TEXT = ("Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
                  "Observed: Only 99.64592817400101% of data is Integral.")
REAL_ZERO_TEXT = ("Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
                  "Observed: Only 0.0% of data is Integral.")
# AWS's own parser of violation text (aws/amazon-sagemaker-examples archived/visualization/utils.py)
AWS_VALUE_RE = re.compile(r"Value: (.+) does not meet the constraint requirement!")

# A constraints.json as the real container suggests it (monitoring_config as in the schema page and real runs).
REAL_CONSTRAINTS = {
    "version": 0.0,
    "features": [
        {"name": "Area Code_408", "inferred_type": "Integral", "completeness": 1.0,
         "num_constraints": {"is_non_negative": True}},
        {"name": "Churn", "inferred_type": "Integral", "completeness": 1.0,
         "num_constraints": {"is_non_negative": True}},
    ],
    "monitoring_config": {
        "evaluate_constraints": "Enabled", "emit_metrics": "Enabled", "datatype_check_threshold": 1.0,
        "domain_content_threshold": 1.0,
        "distribution_constraints": {"perform_comparison": "Enabled", "comparison_threshold": 0.1,
                                     "comparison_method": "Robust"},
    },
}


def _rows(cells: list[tuple[str, str]]) -> bytes:
    return ("\n".join(f"{a},{b}" for a, b in cells) + "\n").encode()


def test_real_constraints_with_robust_are_accepted_and_give_the_real_text(tmp_path: Path) -> None:
    # 1,970 of 1,977 values integral gives exactly the real run's 99.64592817400101 %.
    cells = [("1", "0.5")] * 1970 + [("1.5", "0.5")] * 7
    base_stats = dataset_statistics(parse_table(_rows([("1", "0")] * 100)), ["Area Code_408", "Churn"])
    violations, _ = run_monitoring(_rows(cells), base_stats, REAL_CONSTRAINTS, tmp_path)
    texts = {v["feature_name"]: v["description"] for v in violations["violations"]
             if v["constraint_check_type"] == "data_type_check"}
    assert texts == {"Area Code_408": REAL_TYPE_TEXT, "Churn": REAL_ZERO_TEXT}
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["constraint_violations.json", "constraints.json", "statistics.json"]
    assert json.loads((tmp_path / "constraints.json").read_text()) == REAL_CONSTRAINTS


def test_threshold_one_flags_99_5_percent_integral() -> None:
    cells = [("1", "0")] * 995 + [("1.5", "0")] * 5
    base = dataset_statistics(parse_table(_rows([("1", "0")] * 50)), ["Area Code_408", "Churn"])
    out, _ = check_violations(parse_table(_rows(cells)), base, REAL_CONSTRAINTS)
    assert [v["feature_name"] for v in out["violations"] if v["constraint_check_type"] == "data_type_check"] \
        == ["Area Code_408"]


def test_a_lower_threshold_is_the_share_that_must_match() -> None:
    cons = json.loads(json.dumps(REAL_CONSTRAINTS))
    cons["monitoring_config"]["datatype_check_threshold"] = 0.9
    cells = [("1", "0")] * 95 + [("1.5", "0")] * 5  # 95 % integral: passes 0.9
    base = dataset_statistics(parse_table(_rows([("1", "0")] * 50)), ["Area Code_408", "Churn"])
    out, _ = check_violations(parse_table(_rows(cells)), base, cons)
    assert not [v for v in out["violations"] if v["constraint_check_type"] == "data_type_check"]
    cells = [("1", "0")] * 85 + [("1.5", "0")] * 15  # 85 %: fails it
    out, _ = check_violations(parse_table(_rows(cells)), base, cons)
    assert [v["feature_name"] for v in out["violations"] if v["constraint_check_type"] == "data_type_check"] \
        == ["Area Code_408"]


def test_suggested_config_equals_the_containers_defaults() -> None:
    stats = dataset_statistics(parse_table(_rows([("1", "2")] * 10)))
    cfg = suggest_constraints(stats)["monitoring_config"]
    assert cfg["datatype_check_threshold"] == 1.0 and cfg["domain_content_threshold"] == 1.0
    assert cfg["distribution_constraints"]["comparison_method"] == "Robust"
    assert cfg["distribution_constraints"]["comparison_threshold"] == 0.1


def test_robust_subtracts_the_ks_allowance() -> None:
    # Deequ: linfRobust = max(0, linfSimple - 1.8 * sqrt((n + m) / (n * m)))
    assert robust(0.3, 100, 100) == pytest.approx(0.3 - 1.8 * math.sqrt(200 / 10000))
    assert robust(0.1, 100, 100) == 0.0
    assert robust(0.5, 0, 10) == 0.0


def _shifted(n: int, shift: float) -> bytes:
    return ("\n".join(f"{(i % 97) / 97 + shift:.4f}" for i in range(n)) + "\n").encode()


@pytest.mark.parametrize("method,n,flagged", [("Simple", 60, True), ("Robust", 60, False),
                                              ("Simple", 20000, True), ("Robust", 20000, True)])
def test_small_samples_need_more_evidence_under_robust(method: str, n: int, flagged: bool) -> None:
    base_stats = dataset_statistics(parse_table(_shifted(n, 0.0)))
    cons = suggest_constraints(base_stats)
    cons["monitoring_config"]["distribution_constraints"]["comparison_method"] = method
    out, _ = check_violations(parse_table(_shifted(n, 0.2)), base_stats, cons)
    drift = [v for v in out["violations"] if v["constraint_check_type"] == "baseline_drift_check"]
    assert bool(drift) is flagged


def test_categorical_values_check_reads_with_aws_parser() -> None:
    base = parse_table(b"a\nb\na\nb\n")
    stats = dataset_statistics(base)
    cons = suggest_constraints(stats)
    out, _ = check_violations(parse_table(b"a\nb\na\nb\nc\n"), stats, cons)
    texts = [v["description"] for v in out["violations"] if v["constraint_check_type"] == "categorical_values_check"]
    assert texts == ["Value: 0.8 does not meet the constraint requirement!"]
    assert AWS_VALUE_RE.fullmatch(texts[0]).group(1) == "0.8"


def test_unknown_comparison_method_is_one_line() -> None:
    from sagecli.errors import SageCliError

    stats = dataset_statistics(parse_table(b"1\n2\n"))
    cons = suggest_constraints(stats)
    cons["monitoring_config"]["distribution_constraints"]["comparison_method"] = "Fancy"
    with pytest.raises(SageCliError, match="comparison_method 'Fancy'"):
        check_violations(parse_table(b"1\n2\n"), stats, cons)


@pytest.mark.parametrize("value,text", [(99.64592817400101, "99.64592817400101"), (100.0, "100.0"), (0.0, "0.0"),
                                        (0.8, "0.8"), (1e-4, "1.0E-4"), (12345678.0, "1.2345678E7"),
                                        (1.25e-5, "1.25E-5"), (0.001, "0.001")])
def test_numbers_print_as_java_doubles(value: float, text: str) -> None:
    assert java_double(value) == text
