"""A numpy evaluator for small XGBoost tree ensembles: the same trees, without XGBoost's per-call overhead.

For a one-row request XGBoost's prediction call costs far more than walking 60 shallow trees; here the
trees become flat arrays (read from the booster's own JSON model) and every tree advances one level per
vector step. It is used only after it reproduced XGBoost's own predictions on probe rows (thresholds,
NaNs) to 1e-5; anything it does not cover (categorical splits, multi-class, other objectives, dart)
stays with XGBoost.

Why hand-written code and not a maintained library: measured with
`python benchmarks/demo_endpoint.py --only predictors --rounds 5` (the demo model: 60 trees of depth 4,
8 features; one thread; rows already in a preallocated float32 array; microseconds per call, median of
5 interleaved rounds; 2 shared cores, load average about 5; xgboost 3.2.0, treelite 4.8.1, numpy 2.4.6):

    rows per call                      1       8      32      64    1000
    this numpy tree walk            43.4    71.1   195.4   323.4  4181.7
    xgboost inplace_predict        306.2   317.7   334.3   355.0  1079.4
    treelite GTIL (nthread 1)       61.7   103.4   266.9   489.6  6224.5

At 1-8 rows (the real-time case) it is 4.5-7x faster than XGBoost's own call and 1.4x faster than
treelite; at 32 rows still 1.7x; at 64 rows only 1.1x (no clear win) and beyond that XGBoost is faster.
So sagecli.serve.model uses it up to FAST_ROWS = 32 rows and XGBoost's inplace_predict above. A second run
(1 round, load average 10) agreed: 11.7x at 1 row, 1.6x at 32, 0.8x at 64; and through the whole handler
(parse + predict + encode one CSV row, the benchmark's compute ceiling) 7,864 rows/s with this walk against
1,010 rows/s with XGBoost's predict call.
"""

from __future__ import annotations

import json
from typing import Any

from sagecli.deps import require

LINKS = {"binary:logistic": "sigmoid", "reg:logistic": "sigmoid", "binary:logitraw": "identity",
         "reg:squarederror": "identity"}
TOLERANCE = 1e-5


class TreeEnsemble:
    """Flat arrays for every node of every tree, plus the base margin and the output link."""

    def __init__(self, feature: Any, threshold: Any, left: Any, right: Any, default: Any, leaf: Any,
                 value: Any, roots: Any, depth: int, base_margin: float, link: str) -> None:
        self.feature, self.threshold, self.left, self.right = feature, threshold, left, right
        self.default, self.leaf, self.value, self.roots = default, leaf, value, roots
        self.depth, self.base_margin, self.link = depth, base_margin, link
        self._np = require("numpy")

    def predict(self, x: Any) -> Any:
        """Scores for rows x (n x features), as XGBoost's predict gives them."""
        np = self._np
        x = np.asarray(x, dtype=np.float32)
        if len(x) == 1:  # the real-time case: one row, every tree at once, 1-D arrays
            row, node = x[0], self.roots
            for _ in range(self.depth):  # leaves point to themselves, so finished trees stay put
                v = row[self.feature[node]]
                nxt = np.where(v < self.threshold[node], self.left[node], self.right[node])
                if np.isnan(v.sum()):  # a missing value: that node's default branch
                    nxt = np.where(np.isnan(v), self.default[node], nxt)
                node = nxt
            margin = self.value[node].sum(dtype=np.float32)[None] + np.float32(self.base_margin)
        else:
            rows = np.arange(len(x))[:, None]
            node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
            for _ in range(self.depth):
                v = x[rows, self.feature[node]]
                nxt = np.where(v < self.threshold[node], self.left[node], self.right[node])
                node = np.where(np.isnan(v), self.default[node], nxt)
            margin = self.value[node].sum(axis=1, dtype=np.float32) + np.float32(self.base_margin)
        if self.link == "sigmoid":
            return (1.0 / (1.0 + np.exp(-margin.astype(np.float64)))).astype(np.float32)
        return margin


def _base_margin(base_score: float, link: str) -> float:
    import math

    if link == "sigmoid":
        return math.log(base_score / (1.0 - base_score))
    return base_score


def compile_booster(booster: Any) -> TreeEnsemble | None:
    """A TreeEnsemble for the booster, or None when it is not covered or does not reproduce XGBoost."""
    np = require("numpy")
    model = json.loads(bytes(booster.save_raw(raw_format="json")))
    learner = model["learner"]
    link = LINKS.get(learner["objective"]["name"])
    gbm = learner["gradient_booster"]
    if link is None or gbm.get("name") != "gbtree" or learner["learner_model_param"].get("num_class", "0") != "0":
        return None
    trees = gbm["model"]["trees"]
    if not trees or any(any(t.get("split_type", [])) for t in trees):
        return None
    parts: dict[str, list[Any]] = {k: [] for k in ("feature", "threshold", "left", "right", "default", "leaf",
                                                   "value")}
    roots, offset, depth = [], 0, 0
    for t in trees:
        left = np.asarray(t["left_children"], np.int64)
        right = np.asarray(t["right_children"], np.int64)
        leaf = left == -1
        cond = np.asarray(t["split_conditions"], np.float32)
        default_left = np.asarray(t["default_left"], bool)
        roots.append(offset)
        parts["feature"].append(np.where(leaf, 0, np.asarray(t["split_indices"], np.int64)))
        parts["threshold"].append(np.where(leaf, np.float32(0), cond))
        own = np.arange(len(left))  # a leaf's children are itself: walking past the bottom changes nothing
        parts["left"].append(np.where(leaf, own, left) + offset)
        parts["right"].append(np.where(leaf, own, right) + offset)
        parts["default"].append(np.where(leaf, own, np.where(default_left, left, right)) + offset)
        parts["leaf"].append(leaf)
        parts["value"].append(np.where(leaf, cond, np.float32(0)))
        depth = max(depth, _depth(left, right))
        offset += len(left)
    base = float(str(learner["learner_model_param"]["base_score"]).strip("[]"))
    arrays = {k: np.concatenate(v) for k, v in parts.items()}
    ens = TreeEnsemble(arrays["feature"], arrays["threshold"].astype(np.float32), arrays["left"], arrays["right"],
                       arrays["default"], arrays["leaf"], arrays["value"].astype(np.float32),
                       np.asarray(roots, np.int64), depth, _base_margin(base, link), link)
    probe = _probe_rows(arrays, int(booster.num_features()))
    expected = booster.inplace_predict(probe, validate_features=False)
    if not np.allclose(ens.predict(probe), expected, rtol=0, atol=TOLERANCE):
        return None
    singles = np.concatenate([ens.predict(probe[i:i + 1]) for i in range(64)])  # the one-row path too
    if not np.allclose(singles, expected[:64], rtol=0, atol=TOLERANCE):
        return None
    return ens


def _depth(left: Any, right: Any) -> int:
    depth, frontier = 0, [0]
    while frontier:
        frontier = [c for n in frontier for c in (left[n], right[n]) if c != -1]
        depth += 1 if frontier else 0
    return depth


def _probe_rows(arrays: dict[str, Any], num_features: int) -> Any:
    """Rows that land on and around every threshold, with some NaNs: where two evaluators could disagree."""
    np = require("numpy")
    rng = np.random.default_rng(0)
    splits = ~arrays["leaf"]
    rows = rng.normal(size=(512, num_features)).astype(np.float32) * 50
    for f in range(num_features):
        th = arrays["threshold"][splits & (arrays["feature"] == f)]
        if len(th):
            picks = rng.choice(th, 512)
            jitter = rng.choice(np.array([-1e-3, 0.0, 0.0, 1e-3], np.float32), 512)
            rows[:, f] = picks + jitter
    rows[rng.random(rows.shape) < 0.05] = np.nan
    return rows
