"""The numpy tree walk reproduces XGBoost's predictions, and declines models it does not cover."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from sagecli.serve.model import FAST_ROWS, XGBoostModel
from sagecli.serve.treepredict import compile_booster


def _train(params: dict, y_kind: str = "binary", rounds: int = 30) -> tuple[xgb.Booster, np.ndarray]:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(800, 6)) * [1, 10, 100, 0.1, 5, 1]
    x[rng.random(x.shape) < 0.1] = np.nan
    signal = np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 2]) / 100
    y = (signal > 0).astype(float) if y_kind == "binary" else (np.digitize(signal, [-1, 1]) if y_kind == "multi"
                                                                 else signal)
    return xgb.train({**params, "nthread": 1}, xgb.DMatrix(x, label=y), rounds), x


@pytest.mark.parametrize("params", [
    {"objective": "binary:logistic", "max_depth": 4},
    {"objective": "binary:logistic", "max_depth": 7, "eta": 0.5},
    {"objective": "binary:logitraw", "max_depth": 3},
    {"objective": "reg:squarederror", "max_depth": 5},
])
def test_matches_xgboost(params: dict) -> None:
    booster, x = _train(params, "binary" if params["objective"].startswith("binary") else "reg")
    ens = compile_booster(booster)
    assert ens is not None
    rng = np.random.default_rng(9)
    probe = np.vstack([x[:200], rng.normal(size=(200, 6)) * 50])
    np.testing.assert_allclose(ens.predict(probe), booster.inplace_predict(probe), atol=1e-5, rtol=0)
    one_by_one = np.concatenate([ens.predict(row[None]) for row in probe[:100]])  # the 1-row path, NaNs included
    np.testing.assert_allclose(one_by_one, booster.inplace_predict(probe[:100]), atol=1e-5, rtol=0)


def test_declines_multiclass() -> None:
    booster, _ = _train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3}, "multi", 5)
    assert compile_booster(booster) is None


def test_model_uses_it_for_small_requests_only() -> None:
    booster, x = _train({"objective": "binary:logistic", "max_depth": 4})
    model = XGBoostModel(booster)
    assert model.fast is not None
    small, large = x[:FAST_ROWS], x[:FAST_ROWS + 1]
    np.testing.assert_allclose(model.predict(small), booster.inplace_predict(small), atol=1e-5, rtol=0)
    np.testing.assert_allclose(model.predict(large), booster.inplace_predict(large), atol=1e-6, rtol=0)
