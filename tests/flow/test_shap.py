"""Kernel SHAP (sagecli/flow/shap.py) against exact Shapley values and the linear model's closed form."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sagecli.flow import shap


def _value_function(predict, x, baseline):
    """v(S) = mean over baseline rows of f(x_S, b_rest) - E f(b), the function Kernel SHAP's fit targets."""
    base = np.atleast_2d(baseline)
    expected = float(np.mean(predict(base)))

    def v(s: frozenset[int]) -> float:
        rows = base.copy()
        for j in s:
            rows[:, j] = x[j]
        return float(np.mean(predict(rows))) - expected

    return v


def _tiny(rows):
    rows = np.atleast_2d(rows)
    return rows[:, 0] * rows[:, 1] + np.sin(rows[:, 2]) + 0.5 * (rows[:, 0] > 0.3) * rows[:, 3] ** 2


def test_every_coalition_gives_the_exact_shapley_values_of_a_tiny_nonlinear_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    baseline = rng.normal(size=(2, 4))
    got = shap.kernel_shap(_tiny, x, baseline, num_samples=14)  # 2^4 - 2 = 14: every coalition
    assert got.exact
    for i, row in enumerate(x):
        want = shap.exact_shapley(_value_function(_tiny, row, baseline), 4)
        assert got.values[i] == pytest.approx(want, abs=1e-9)
        assert got.values[i].sum() == pytest.approx(got.predictions[i] - got.expected_value, abs=1e-9)


def test_linear_model_matches_the_closed_form_even_when_sampled():
    w, c = np.array([2.0, -1.0, 0.5, 0.0, 3.0, -2.5]), 0.7
    rng = np.random.default_rng(1)
    x, baseline = rng.normal(size=(5, 6)), rng.normal(size=(3, 6))
    want = w * (x - baseline.mean(axis=0))  # phi_i = w_i (x_i - E[b_i]) for f = w.x + c
    for samples in (62, 20):  # all 2^6 - 2 coalitions, then a sample of 20
        got = shap.kernel_shap(lambda r: r @ w + c, x, baseline, num_samples=samples, seed=3)
        assert got.exact is (samples == 62)
        assert got.values == pytest.approx(want, abs=1e-9)
        assert got.expected_value == pytest.approx(float((baseline @ w + c).mean()))


def test_sampling_approaches_the_exact_values_on_a_nonlinear_model():
    rng = np.random.default_rng(2)
    x, baseline = rng.normal(size=(1, 8)), rng.normal(size=(1, 8))

    def f(rows):
        rows = np.atleast_2d(rows)
        return np.tanh(rows[:, 0] * rows[:, 1]) + rows[:, 2] * rows[:, 3] * rows[:, 4] + np.abs(rows[:, 5:]).sum(1)

    want = np.array(shap.exact_shapley(_value_function(f, x[0], baseline), 8))
    coarse = shap.kernel_shap(f, x, baseline, num_samples=40, seed=0).values[0]
    fine = shap.kernel_shap(f, x, baseline, num_samples=200, seed=0).values[0]
    assert coarse.sum() == pytest.approx(want.sum(), abs=1e-9)  # the constraint holds whatever the sample
    assert np.abs(fine - want).max() < np.abs(coarse - want).max() or np.abs(fine - want).max() < 1e-6
    assert np.abs(fine - want).max() < 0.15 * np.abs(want).max()


def test_kernel_weights_and_aggregation():
    assert shap.kernel_weight(4, 1) == pytest.approx(3 / (4 * 1 * 3))
    assert shap.kernel_weight(4, 2) == pytest.approx(3 / (6 * 2 * 2))
    assert math.isinf(shap.kernel_weight(4, 0)) and math.isinf(shap.kernel_weight(4, 4))
    v = np.array([[1.0, -2.0], [-3.0, 4.0], [5.0, 0.0]])
    assert shap.aggregate(v, "mean_abs") == pytest.approx([3.0, 2.0])
    assert shap.aggregate(v, "median") == pytest.approx([1.0, 0.0])
    assert shap.aggregate(v, "mean_sq") == pytest.approx([35 / 3, 20 / 3])
    with pytest.raises(ValueError):
        shap.aggregate(v, "max")


def test_use_logit_explains_log_odds():
    w = np.array([1.0, -2.0, 0.5])

    def proba(rows):
        return 1 / (1 + np.exp(-(np.atleast_2d(rows) @ w)))

    x, b = np.array([[0.3, -0.4, 2.0]]), np.zeros((1, 3))
    got = shap.kernel_shap(proba, x, b, num_samples=6, use_logit=True)
    assert got.values[0] == pytest.approx(w * x[0], abs=1e-9)  # the logit of the model is linear


def test_outputs_are_clarify_shaped():
    result = shap.ShapResult(values=np.array([[0.1, -0.2], [0.3, 0.0]]), expected_value=0.25,
                             predictions=np.array([0.15, 0.55]), exact=True)
    section = shap.explanations_section(["a", "b"], result)
    label0 = section["kernel_shap"]["label0"]
    assert label0["global_shap_values"] == pytest.approx({"a": 0.2, "b": 0.1})
    assert label0["expected_value"] == 0.25
    assert shap.top_features(section, 1) == [("a", pytest.approx(0.2))]
    assert shap.local_csv(["a", "b"], result.values).splitlines() == ["a,b", "0.1,-0.2", "0.3,0"]
    config = shap.shap_config([[1, 2]], 100)
    assert config["agg_method"] == "mean_abs" and config["baseline"] == [[1.0, 2.0]]
    json.dumps(config)


def test_run_demo_shap_writes_clarify_files(tmp_path):
    from sagecli.contracts import FlowOptions
    from sagecli.flow.data import FEATURES
    from sagecli.flow.runner import run_flow

    result = run_flow("local", FlowOptions(steps=("bias",), rows=1000, min_auc=0.0, shap=True), tmp_path / "run",
                      "20260101-000000-5a5a5a")
    assert result.ok, result.error
    bias = result.step("bias")
    names = [n for n, _ in FEATURES]
    rows = (tmp_path / "run" / "bias" / "explanations_shap" / "out.csv").read_text().splitlines()
    assert rows[0].split(",") == names and len(rows) == 1 + 150  # one row per test record (15% of 1000)
    doc = json.loads((tmp_path / "run" / "bias" / "analysis.json").read_text())
    label0 = doc["explanations"]["kernel_shap"]["label0"]
    values = np.array([[float(v) for v in r.split(",")] for r in rows[1:]])
    assert [label0["global_shap_values"][n] for n in names] == pytest.approx(np.abs(values).mean(axis=0))
    assert bias.data["shap"]["top"] == [n for n, _ in shap.top_features(doc["explanations"], 3)]
    config = json.loads((tmp_path / "run" / "bias" / "analysis_config.json").read_text())
    assert config["methods"]["shap"]["num_samples"] == shap.DEFAULT_NUM_SAMPLES
    assert "SHAP top" in bias.summary


def test_shap_needs_the_bias_step():
    from sagecli.errors import UsageError
    from tests.flow.demo_options import demo_options

    with pytest.raises(UsageError, match="--shap needs the bias step"):
        demo_options(steps="train", shap=True)
    assert demo_options(steps="bias", shap=True).shap
