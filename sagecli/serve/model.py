"""Load model.tar.gz the safe way: tarfile's data filter, then XGBoost's own format (never pickle)."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

from sagecli.deps import require
from sagecli.errors import SageCliError

MODEL_FILE = "xgboost-model"
FAST_ROWS = 32  # up to this many rows the numpy tree walk clearly beats XGBoost (see serve/treepredict.py)


class XGBoostModel:
    """A Booster plus the feature count it expects; predict() takes a float array (rows x features)."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster
        self.num_features = int(booster.num_features())
        self.booster.set_param({"nthread": 1})  # one request at a time per worker: no thread-pool overhead
        from sagecli.serve.treepredict import compile_booster

        try:
            self.fast = compile_booster(booster)  # numpy trees for small requests, checked against XGBoost
        except (KeyError, ValueError, TypeError):
            self.fast = None

    def predict(self, x: Any) -> Any:
        """Scores for each row (probabilities for binary:logistic)."""
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"expected {self.num_features} features per row, got {x.shape[-1] if x.ndim else 0}")
        if self.fast is not None and len(x) <= FAST_ROWS:
            return self.fast.predict(x)
        return self.booster.inplace_predict(x, validate_features=False)


def extract_model(tarball: Path, dest: Path) -> Path:
    """Extract model.tar.gz into dest with the 'data' filter (no absolute paths, links out, or devices)."""
    if not hasattr(tarfile, "data_filter"):  # the filter came in Python 3.11.4: never extract without it
        raise SageCliError(f"cannot extract {tarball.name} safely: this Python has no tarfile data filter",
                           hint="use Python 3.11.4 or later (sagecli requires it)")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise SageCliError(f"cannot extract {tarball.name}: {exc}") from None
    return dest


def load_model_dir(model_dir: Path) -> XGBoostModel:
    """Load <model_dir>/xgboost-model with Booster.load_model (XGBoost's JSON/UBJSON format)."""
    xgb = require("xgboost")
    path = model_dir / MODEL_FILE
    if not path.is_file():
        found = sorted(p.name for p in model_dir.iterdir()) if model_dir.is_dir() else []
        raise SageCliError(f"no {MODEL_FILE} in the model artifact (found: {', '.join(found) or 'nothing'})")
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(path.read_bytes()))  # raw buffer: no guessing from a file extension
    except xgb.core.XGBoostError as exc:
        raise SageCliError(f"{MODEL_FILE} is not in XGBoost's model format: {str(exc).splitlines()[0]}",
                           hint="pickled models are not loaded; save with Booster.save_model") from None
    return XGBoostModel(booster)


def load_model_artifact(tarball: Path, dest: Path) -> XGBoostModel:
    """Extract a model.tar.gz safely and load the model in it."""
    return load_model_dir(extract_model(tarball, dest))
