"""The bias step: Clarify's metric definitions on hand-computed cases, analysis.json's shape, the condition, a run.

Every expected value below is worked out by hand from AWS's published definitions:
- pre-training: https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-measure-data-bias.html and its
  per-metric pages (clarify-bias-metric-class-imbalance, clarify-data-bias-metric-true-label-imbalance,
  clarify-data-bias-metric-kl-divergence, -jensen-shannon-divergence, -lp-norm, -total-variation-distance,
  -kolmogorov-smirnov, clarify-data-bias-metric-cddl);
- post-training: https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-measure-post-training-bias.html and
  its per-metric pages (clarify-post-training-bias-metric-dppl, -di, -dca, -dcr, -rd, -dar, -drr, -ad, -te,
  -ft, -cddpl);
- the output: https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-analysis-results.html
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sagecli.contracts import FlowOptions
from sagecli.errors import UsageError
from sagecli.flow import bias_metrics as bm

# Facet a: 6 rows, labels 1 1 1 0 0 0; facet d: 4 rows, labels 1 0 0 0 (all in one CDD group).
LABELS = [1, 1, 1, 0, 0, 0, 1, 0, 0, 0]
FACET_D = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
ONE_GROUP = [0] * 10


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-12)


def test_pre_training_metrics_match_the_definitions() -> None:
    got = bm.pre_training_metrics(LABELS, FACET_D, ONE_GROUP)
    # P_a = (P(y=0), P(y=1)) = (1/2, 1/2); P_d = (3/4, 1/4)
    assert got["CI"] == approx((6 - 4) / 10)  # CI = (na - nd) / (na + nd)
    assert got["DPL"] == approx(3 / 6 - 1 / 4)  # DPL = qa - qd
    assert got["KL"] == approx(0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25))  # sum Pa log(Pa/Pd)
    mix = (0.625, 0.375)  # P = (Pa + Pd) / 2
    kl_a = 0.5 * math.log(0.5 / mix[0]) + 0.5 * math.log(0.5 / mix[1])
    kl_d = 0.75 * math.log(0.75 / mix[0]) + 0.25 * math.log(0.25 / mix[1])
    assert got["JS"] == approx(0.5 * (kl_a + kl_d))  # JS = 1/2 [KL(Pa, P) + KL(Pd, P)]
    assert got["LP"] == approx(math.sqrt(0.25 ** 2 + 0.25 ** 2))  # L2 norm of Pa - Pd
    assert got["TVD"] == approx(0.5 * (0.25 + 0.25))  # half the L1 norm
    assert got["KS"] == approx(0.25)  # max |Pa(y) - Pd(y)|
    # DD = nd(0)/n(0) - nd(1)/n(1) = 3/6 - 1/4; one group: CDD = DD
    assert got["CDDL"] == approx(3 / 6 - 1 / 4)


def test_cddl_weights_each_subgroup_by_its_size() -> None:
    groups = [0, 0, 1, 1, 1, 1, 0, 0, 1, 1]
    # group 0: a labels 1 1, d labels 1 0 -> DD0 = 1/1 - 1/3 (n0 = 4)
    # group 1: a labels 1 0 0 0, d labels 0 0 -> DD1 = 2/5 - 0/1 (n1 = 6)
    want = (4 * (1 - 1 / 3) + 6 * (2 / 5 - 0)) / 10
    assert bm.pre_training_metrics(LABELS, FACET_D, groups)["CDDL"] == approx(want)


def test_no_imbalance_gives_zero_and_an_empty_facet_is_undefined() -> None:
    labels, facet = [1, 0, 1, 0], [0, 0, 1, 1]
    got = bm.pre_training_metrics(labels, facet, [0] * 4)
    assert all(got[k] == approx(0.0) for k in ("CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL"))
    empty = bm.pre_training_metrics([1, 0, 1], [0, 0, 0], [0] * 3)
    assert empty["CI"] == approx(1.0) and empty["DPL"] is None and empty["KL"] is None


# Post-training: facet a labels 1 1 1 0 0 0, predicted 1 1 0 1 0 0 -> TP 2, FN 1, FP 1, TN 2;
# facet d labels 1 1 0 0, predicted 1 0 1 1 -> TP 1, FN 1, FP 2, TN 0.
POST_LABELS = [1, 1, 1, 0, 0, 0, 1, 1, 0, 0]
POST_PRED = [1, 1, 0, 1, 0, 0, 1, 0, 1, 1]


def test_post_training_metrics_match_the_definitions() -> None:
    x = [[float(i)] for i in range(10)]
    got = bm.post_training_metrics(POST_LABELS, POST_PRED, FACET_D, ONE_GROUP, x)
    assert got["DPPL"] == approx(3 / 6 - 3 / 4)  # q̂a - q̂d
    assert got["DI"] == approx((3 / 4) / (3 / 6))  # q̂d / q̂a
    assert got["DCA"] == approx(3 / 3 - 2 / 3)  # ca - cd, c = n(1) / n̂(1)
    assert got["DCR"] == approx(2 / 1 - 3 / 3)  # rd - ra, r = n(0) / n̂(0)
    assert got["RD"] == approx(2 / 3 - 1 / 2)  # TPa/(TPa+FNa) - TPd/(TPd+FNd)
    assert got["DAR"] == approx(2 / 3 - 1 / 3)  # TPa/(TPa+FPa) - TPd/(TPd+FPd)
    assert got["DRR"] == approx(0 / 1 - 2 / 3)  # TNd/(TNd+FNd) - TNa/(TNa+FNa)
    assert got["AD"] == approx(4 / 6 - 1 / 4)  # ACCa - ACCd
    assert got["TE"] == approx(1 / 2 - 1 / 1)  # FNd/FPd - FNa/FPa
    # CDDPL on predicted labels, one group: n̂d(0)/n̂(0) - n̂d(1)/n̂(1) = 1/4 - 3/6
    assert got["CDDPL"] == approx(1 / 4 - 3 / 6)


def test_flip_test_counts_flips_against_the_nearest_facet_a_rows() -> None:
    # facet a: rows at 0..5 predicted 1 (near 0) or 0 (near 100); facet d rows sit next to them.
    x = [[0.0], [1.0], [2.0], [100.0], [101.0], [102.0], [0.5], [1.5], [100.5], [101.5]]
    pred = [1, 1, 1, 0, 0, 0,
            0,  # d near the 1s, predicted 0: F+
            1,  # d near the 1s, predicted 1: no flip
            1,  # d near the 0s, predicted 1: F-
            1]  # F-
    got = bm.flip_test(x, pred, FACET_D, k=3)
    assert got == approx((1 - 2) / 4)  # FT = (F+ - F-) / nd


def test_a_zero_denominator_is_undefined_not_an_error() -> None:
    got = bm.post_training_metrics([1, 0, 1, 0], [0, 0, 1, 1], [0, 0, 1, 1], [0] * 4, [[0.0]] * 4)
    assert got["DI"] is None  # q̂a = 0
    assert got["TE"] is None  # facet a has no false positives: FNa/FPa is undefined


def test_analysis_json_has_clarifys_layout() -> None:
    from sagecli.flow.bias import analysis_document

    pre = bm.pre_training_metrics(LABELS, FACET_D, ONE_GROUP)
    post = bm.post_training_metrics(POST_LABELS, POST_PRED, FACET_D, ONE_GROUP, [[float(i)] for i in range(10)])
    doc = json.loads(json.dumps(analysis_document("customer_group", pre, post)))
    for key, names in (("pre_training_bias_metrics", bm.PRE_TRAINING), ("post_training_bias_metrics",
                                                                       bm.POST_TRAINING)):
        section = doc[key]
        assert section["label_value_or_threshold"] == "1"
        (entry,) = section["facets"]["customer_group"]
        assert entry["value_or_threshold"] == "1"
        assert [m["name"] for m in entry["metrics"]] == list(names)
        assert all(set(m) >= {"name", "description", "value"} for m in entry["metrics"])
    dpl = next(m for m in doc["pre_training_bias_metrics"]["facets"]["customer_group"][0]["metrics"]
               if m["name"] == "DPL")
    assert dpl["value"] == approx(0.25) and "(DPL)" in dpl["description"]


def test_condition_fails_when_a_metric_crosses_its_limit() -> None:
    from sagecli.flow.bias import check_condition, parse_limits

    limits = parse_limits(["dppl=0.1", "DCAcc=0.5", "DI=0.2"])
    assert limits == {"DPPL": 0.1, "DCA": 0.5, "DI": 0.2}
    cond = check_condition(limits, {"DPPL": -0.25, "DCA": 0.3, "DI": 1.1})
    assert [c["passed"] for c in cond["checks"]] == [False, True, True] and not cond["passed"]
    assert check_condition({"DI": 0.2}, {"DI": 1.5})["passed"] is False  # DI is judged by |1 - DI|
    assert check_condition({"TE": 1.0}, {"TE": None})["passed"] is False  # undefined never passes
    for bad in (["DPPL"], ["NOPE=0.1"], ["DPPL=-1"], ["DPPL=x"]):
        with pytest.raises(ValueError):
            parse_limits(bad)


def test_facet_has_the_controlled_bias_and_leaves_the_features_alone() -> None:
    import numpy as np

    from sagecli.flow.data import FEATURES, make_dataset, make_facet

    ds = make_dataset(7, 4000)
    assert ds.x.shape[1] == len(FEATURES) == 8  # the facet is not a feature column
    _, y = ds.splits["train"]
    biased = bm.pre_training_metrics(y, make_facet(7, "train", y), np.zeros(len(y)))["DPL"]
    fair = bm.pre_training_metrics(y, make_facet(7, "train", y, strength=0.0), np.zeros(len(y)))["DPL"]
    assert biased < -0.1 and abs(fair) < 0.06


def test_bias_step_options() -> None:
    from sagecli.commands.demo_run import bias_limits, check_backend_options
    from sagecli.flow.plan import plan_steps

    assert "bias" not in plan_steps(FlowOptions().steps)[0]
    assert plan_steps(("bias", "register"))[0] == ["process", "train", "evaluate", "bias", "register", "teardown"]
    check_backend_options("sagemaker", FlowOptions(steps=("bias",)))  # a Clarify job: tests/aws/test_sm_bias.py
    with pytest.raises(UsageError, match="needs the bias step"):
        bias_limits(["DPPL=0.1"], ("train",))
    with pytest.raises(UsageError, match="METRIC=LIMIT"):
        bias_limits(["XYZ=1"], ("bias",))


def test_run_demo_bias_fails_registration(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    res = run_cli("run-demo", "--json", "--steps", "bias,register", "--rows", "1500", "--bias-max", "DPPL=0.001",
                  "--run-dir", str(tmp_path / "run"), env={"SAGECLI_HOME": str(tmp_path / "home")}, timeout=120)
    assert res.returncode == 0, res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    bias = steps["bias"]
    assert bias["status"] == "ok" and "Clarify closed to new customers" in bias["summary"]
    doc = json.loads(Path(bias["artifacts"]["analysis"]).read_text())
    post = doc["post_training_bias_metrics"]["facets"]["customer_group"][0]["metrics"]
    dppl = next(m["value"] for m in post if m["name"] == "DPPL")
    assert dppl == approx(bias["data"]["post_training"]["DPPL"]) and abs(dppl) > 0.001
    assert "DPPL" in Path(bias["artifacts"]["report"]).read_text()
    lines = Path(bias["artifacts"]["dataset"]).read_text().splitlines()
    assert lines[0].endswith(",customer_group") and len(lines[1].split(",")) == 10  # label, 8 features, facet
    assert json.loads(Path(bias["artifacts"]["config"]).read_text())["label"] == "churn"
    register = steps["register"]
    assert register["data"]["approval_status"] == "Rejected" and register["data"]["condition"]["passed"]
    assert "bias check failed" in register["summary"]


def test_flip_test_uses_one_neighbour_for_a_small_facet_a() -> None:
    # 3 facet-a rows (<= 9): one neighbour decides. d at 0.9 sits next to a at 1.0 (predicted 0) although two of
    # the three a rows are predicted 1; a majority of 3 would call it F+, the nearest one does not.
    x = [[0.0], [0.1], [1.0], [0.9]]
    assert bm.flip_test(x, [1, 1, 0, 0], [0, 0, 0, 1]) == approx(0.0)
    assert bm.flip_test(x, [1, 1, 0, 0], [0, 0, 0, 1], k=3) == approx(1.0)


def test_the_dataset_file_keeps_the_facet_beside_the_features() -> None:
    import numpy as np

    from sagecli.flow.bias import analysis_config, dataset_csv

    headers = ["churn", "age", "tenure_months", "customer_group"]
    text = dataset_csv(headers, np.array([[30.0, 12.0], [40.0, 3.0]]), np.array([1.0, 0.0]), np.array([0, 1]))
    assert text.splitlines() == ["churn,age,tenure_months,customer_group", "1,30,12,0", "0,40,3,1"]
    cfg = analysis_config("customer_group", headers, {"DPPL": 0.1})
    assert cfg["facet"] == [{"name_or_index": "customer_group", "value_or_threshold": [1]}]
    assert cfg["methods"]["post_training_bias"]["methods"][0] == "DPPL"
