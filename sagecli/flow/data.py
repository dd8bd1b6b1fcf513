"""The process step's dataset: a seeded synthetic churn-style table (numeric + categorical, binary label).

Written as SageMaker's built-in XGBoost reads CSV: no header, label in the first column. Categorical
features are integer codes, because the built-in algorithm's CSV input is numeric only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagecli.deps import require

# (name, kind): kind is "int", "float" or "category:<n levels>"
FEATURES: tuple[tuple[str, str], ...] = (
    ("age", "int"),
    ("tenure_months", "int"),
    ("monthly_spend", "float"),
    ("data_usage_gb", "float"),
    ("support_calls", "int"),
    ("plan", "category:4"),
    ("region", "category:5"),
    ("autopay", "category:2"),
)
SPLITS = (("train", 0.7), ("validation", 0.15), ("test", 0.15))


@dataclass
class Dataset:
    """Features (n x d float array), labels (0/1) and the split arrays."""

    x: Any
    y: Any
    splits: dict[str, tuple[Any, Any]]

    @property
    def feature_names(self) -> list[str]:
        """Human names of the feature columns, in CSV order after the label."""
        return [name for name, _ in FEATURES]


def make_features(rng: Any, n: int, drift: bool = False) -> Any:
    """n rows of features; drift=True shifts spend and support calls the way a pricing change would."""
    np = require("numpy")
    age = rng.integers(18, 80, n)
    tenure = rng.integers(0, 72, n)
    spend = rng.gamma(4.0, 15.0, n) + (35.0 if drift else 0.0)
    usage = rng.lognormal(2.0, 0.6, n)
    calls = rng.poisson(3.5 if drift else 1.2, n)
    plan = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
    region = rng.integers(0, 5, n)
    autopay = rng.random(n) < (0.3 if drift else 0.6)
    return np.column_stack([age, tenure, spend, usage, calls, plan, region, autopay]).astype(np.float64)


def churn_probability(x: Any) -> Any:
    """The ground truth the labels are drawn from (a logistic of a few interactions)."""
    np = require("numpy")
    age, tenure, spend, usage, calls, plan, region, autopay = x.T
    z = (-1.0 + 0.045 * (spend - 60) - 0.05 * tenure + 0.55 * calls - 0.9 * autopay
         + 0.5 * (plan == 0) - 0.4 * (plan == 3) + 0.25 * (region == 2) - 0.02 * (age - 45)
         + 0.35 * np.log1p(usage) * (plan == 0))
    return 1.0 / (1.0 + np.exp(-z))


def make_dataset(seed: int, rows: int) -> Dataset:
    """A reproducible dataset split 70/15/15 into train, validation and test."""
    np = require("numpy")
    rng = np.random.default_rng(seed)
    x = make_features(rng, rows)
    y = (rng.random(rows) < churn_probability(x)).astype(np.float64)
    order = rng.permutation(rows)
    splits: dict[str, tuple[Any, Any]] = {}
    start = 0
    for i, (name, frac) in enumerate(SPLITS):
        end = rows if i == len(SPLITS) - 1 else start + int(round(rows * frac))
        idx = order[start:end]
        splits[name] = (x[idx], y[idx])
        start = end
    return Dataset(x=x, y=y, splits=splits)


def format_rows(x: Any, y: Any | None = None) -> str:
    """Headerless CSV text, label first when y is given; integers without a decimal point."""
    np = require("numpy")
    cols = [] if y is None else [y]
    cols += [x[:, j] for j in range(x.shape[1])]
    kinds = ([] if y is None else ["int"]) + [kind for _, kind in FEATURES][: x.shape[1]]
    parts = []
    for col, kind in zip(cols, kinds, strict=True):
        if kind == "float":
            parts.append(np.char.mod("%.4f", col))
        else:
            parts.append(col.astype(np.int64).astype(str))
    rows = parts[0]
    for p in parts[1:]:
        rows = np.char.add(np.char.add(rows, ","), p)
    return "\n".join(rows.tolist()) + "\n"


def write_channels(ds: Dataset, data_dir: Path) -> dict[str, Path]:
    """Write <data_dir>/<channel>/<channel>.csv for train, validation and test, plus the transform input.

    Returns channel name -> directory. `transform` holds the test features without the label
    (what batch transform and the endpoint receive); `baseline` holds the training features only.
    """
    from sagecli.paths import atomic_write_text

    dirs: dict[str, Path] = {}
    for name, (x, y) in ds.splits.items():
        dirs[name] = data_dir / name
        atomic_write_text(dirs[name] / f"{name}.csv", format_rows(x, y))
    x_test, _ = ds.splits["test"]
    dirs["transform"] = data_dir / "transform"
    atomic_write_text(dirs["transform"] / "test.csv", format_rows(x_test))
    x_train, _ = ds.splits["train"]
    dirs["baseline"] = data_dir / "baseline"
    atomic_write_text(dirs["baseline"] / "train-features.csv", format_rows(x_train))
    return dirs


# The bias step's facet: a sensitive attribute kept beside the data, never a feature column (the model does not
# see it). Rows with a positive label join facet d with probability FACET_BASE + strength, the others with
# FACET_BASE, so facet d holds more positive labels than facet a: a controlled label imbalance.
FACET_NAME = "customer_group"
FACET_BASE = 0.25
FACET_STRENGTH = 0.2


def make_facet(seed: int, split: str, y: Any, strength: float = FACET_STRENGTH) -> Any:
    """0/1 facet membership for the rows of one split (1 = facet d), drawn from its own random stream."""
    np = require("numpy")
    rng = np.random.default_rng([seed, 13, [s for s, _ in SPLITS].index(split)])
    p = np.where(np.asarray(y) == 1, FACET_BASE + strength, FACET_BASE)
    return (rng.random(len(y)) < p).astype(np.int64)
