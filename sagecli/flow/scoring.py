"""What the steps and the inference options share: the demo's hyperparameters and the prediction checks."""

from __future__ import annotations

from typing import Any

from sagecli.contracts import RunState
from sagecli.deps import require

# Built-in XGBoost hyperparameters used by the demo (names as the algorithm spells them; values are strings).
DEFAULT_HYPERPARAMETERS: dict[str, str] = {
    "num_round": "60",
    "objective": "binary:logistic",
    "eta": "0.2",
    "max_depth": "4",
    "subsample": "0.9",
    "min_child_weight": "1",
    "eval_metric": "auc",
    "verbosity": "0",
}


def prediction_gap(endpoint_scores: Any, model_scores: Any) -> float:
    """The largest absolute difference between two score lists; infinite when their lengths differ."""
    np = require("numpy")
    got, want = np.asarray(endpoint_scores, dtype=np.float64), np.asarray(model_scores, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    return float(np.max(np.abs(got - want))) if got.size else 0.0


def run_model_scores(run: RunState, x: Any) -> Any:
    """Scores from the model the evaluate step loaded (the reference for endpoint and transform outputs)."""
    from sagecli.serve.model import load_model_dir

    assert run.model_dir is not None
    return load_model_dir(run.model_dir).predict(x)
