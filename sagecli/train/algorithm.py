"""The built-in-XGBoost-style training program, run as its own process inside a job directory.

`python -m sagecli.train.algorithm` reads the contract files (SAGEMAKER_BASE_DIR, as the SageMaker
training toolkit does), trains with xgboost, logs one line per round in the algorithm's format
(`[3]#011train-auc:0.91#011validation-auc:0.88`), saves `model/xgboost-model` in XGBoost's own format,
and on any error writes the reason to `output/failure` and exits non-zero.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# Hyperparameters the algorithm accepts (subset of the built-in list) and how to read them.
INT_HPS = {"num_round", "max_depth", "early_stopping_rounds", "seed", "verbosity", "num_class", "max_bin", "nthread"}
FLOAT_HPS = {"eta", "gamma", "min_child_weight", "subsample", "colsample_bytree", "colsample_bylevel",
             "colsample_bynode", "lambda", "alpha", "base_score", "scale_pos_weight", "max_delta_step"}
STR_HPS = {"objective", "eval_metric", "tree_method", "booster", "grow_policy"}
OBJECTIVES = {"reg:squarederror", "reg:logistic", "reg:gamma", "reg:absoluteerror", "reg:tweedie",
              "binary:logistic", "binary:logitraw", "binary:hinge", "multi:softmax", "multi:softprob"}
CSV_TYPES = {"text/csv", "csv", "text/csv;label_size=1", "csv;label_size=1"}


class ClientError(Exception):
    """A problem with the request (hyperparameters, data): SageMaker reports these as ClientError."""


def parse_hyperparameters(raw: dict[str, str]) -> tuple[dict[str, Any], int, int | None]:
    """Validate the string hyperparameters; return xgboost params, num_round, early_stopping_rounds."""
    if "num_round" not in raw:
        raise ClientError("Missing required hyperparameter: num_round")
    params: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            if key in INT_HPS:
                params[key] = int(float(value))
            elif key in FLOAT_HPS:
                params[key] = float(value)
            elif key in STR_HPS:
                params[key] = str(value)
            else:
                raise ClientError(f"Additional hyperparameters are not allowed ({key!r} was unexpected)")
        except ValueError:
            raise ClientError(f"Hyperparameter {key}: {value!r} is not a valid value") from None
    if params.get("objective", "reg:squarederror") not in OBJECTIVES:
        raise ClientError(f"Hyperparameter objective: {params['objective']!r} is not supported")
    if not 0 <= params.get("eta", 0.3) <= 1:
        raise ClientError("Hyperparameter eta: value must be in [0, 1]")
    num_round = params.pop("num_round")
    if num_round < 1:
        raise ClientError("Hyperparameter num_round: value must be >= 1")
    early = params.pop("early_stopping_rounds", None)
    return params, num_round, early


def read_channel(data_dir: Path, name: str, mode: str) -> bytes:
    """All bytes of a channel: every file in its directory (File, FastFile) or the FIFO <name>_0 (Pipe)."""
    if mode == "Pipe":
        with open(data_dir / f"{name}_0", "rb") as fifo:
            return fifo.read()
    files = sorted(p for p in (data_dir / name).rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ClientError(f"No data found in channel {name!r}")
    return b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in files)


def load_csv_channel(blob: bytes, name: str) -> tuple[Any, Any]:
    """Headerless CSV, label in column 0 -> (features, labels)."""
    from sagecli.monitor.csvparse import parse_numeric

    try:
        table = parse_numeric(blob)
    except ValueError as exc:
        raise ClientError(f"Channel {name!r}: {exc}") from None
    if table.ndim != 2 or table.shape[1] < 2:
        raise ClientError(f"Channel {name!r}: expected a label column and at least one feature")
    return table[:, 1:], table[:, 0]


def train(base: Path) -> int:
    """Run the job in `base`; return the process exit code."""
    import xgboost as xgb

    config = base / "input" / "config"
    hps = json.loads((config / "hyperparameters.json").read_text())
    data_config = json.loads((config / "inputdataconfig.json").read_text())
    params, num_round, early = parse_hyperparameters(hps)
    if "train" not in data_config:
        raise ClientError("Channel 'train' is required")
    mats = {}
    for name, cfg in data_config.items():
        content_type = cfg.get("ContentType", "").replace(" ", "").lower()
        if content_type not in CSV_TYPES:
            raise ClientError(f"Channel {name!r}: content type {content_type or '(none: libsvm assumed)'!r} is not "
                              "supported here; use text/csv")
        x, y = load_csv_channel(read_channel(base / "input" / "data", name, cfg["TrainingInputMode"]), name)
        mats[name] = xgb.DMatrix(x, label=y)
    evals = [(mats["train"], "train")] + ([(mats["validation"], "validation")] if "validation" in mats else [])
    # One thread unless asked: on small data OpenMP's thread start-up and spinning cost more than they save
    # (measured here: 2,800 rows x 60 rounds took 0.05 s with 1 thread and several seconds with 2).
    params.setdefault("nthread", 1)
    booster = xgb.train(params, mats["train"], num_boost_round=num_round, evals=evals,
                        early_stopping_rounds=early, verbose_eval=False, callbacks=[_round_logger(xgb)])
    model_dir = base / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    # XGBoost's own binary JSON (UBJSON), the format Booster.load_model reads; the file keeps the
    # built-in algorithm's name, which has no extension, so the format is chosen explicitly here.
    (model_dir / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))
    return 0


def _round_logger(xgb: Any) -> Any:
    """A callback printing `[round]#011<data>-<metric>:<value>...` after each round (the algorithm's format)."""

    class RoundLogger(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            parts = [f"{data}-{metric}:{values[-1]:.5f}" for data, metrics in evals_log.items()
                     for metric, values in metrics.items()]
            print(f"[{epoch}]#011" + "#011".join(parts), flush=True)
            return False

    return RoundLogger()


def main() -> int:
    """Entry point: run the job, turning errors into output/failure and a non-zero exit code."""
    base = Path(os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml"))
    try:
        return train(base)
    except ClientError as exc:
        reason = f"ClientError: {exc}"
    except Exception as exc:  # the algorithm itself failed
        reason = f"AlgorithmError: {type(exc).__name__}: {exc}"
    (base / "output").mkdir(parents=True, exist_ok=True)
    (base / "output" / "failure").write_text(reason)
    print(reason, file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
