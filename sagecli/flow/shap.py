"""Kernel SHAP feature attributions with numpy, as a SageMaker Clarify job computes them (run-demo --shap).

Kernel SHAP (Lundberg and Lee, 2017) explains one prediction f(x) as a sum of per-feature values phi_i with
f(x) = E[f(baseline)] + sum_i phi_i. A coalition z (the features "present") is scored by replacing the absent
features with the baseline rows' values and averaging the model's output over the baseline rows; the phi are the
weighted least-squares fit of those scores with the Shapley kernel weight

    pi(z) = (M - 1) / (C(M, |z|) * |z| * (M - |z|))

under the constraint sum_i phi_i = f(x) - E[f(baseline)]. With every coalition enumerated (num_samples >= 2^M - 2)
the fit is the exact Shapley values of that value function; with fewer, whole coalition sizes are enumerated
from the smallest (with their complements) while the budget allows, and the rest drawn in complementary pairs
with the kernel's size distribution, as the shap package does.

Clarify's SHAP analysis takes the same parameters (baseline rows, num_samples, agg_method mean_abs | median |
mean_sq, use_logit) and writes per-record values to explanations_shap/out.csv and the aggregated (global) values
to analysis.json under explanations.kernel_shap.label0:
https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-analysis-results.html
(the shap package, https://shap.readthedocs.io, is not used: it pulls numba and llvmlite into the environment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sagecli.deps import require

AGG_METHODS = ("mean_abs", "median", "mean_sq")
DEFAULT_NUM_SAMPLES = 100  # coalitions per record; 2^8 - 2 = 254 would enumerate the demo's eight features


@dataclass
class ShapResult:
    """Per-record SHAP values (n x M), the baseline's expected output, and the model's outputs on the records."""

    values: Any
    expected_value: float
    predictions: Any
    exact: bool  # True when every coalition was enumerated


def kernel_weight(m: int, size: int) -> float:
    """The Shapley kernel weight of one coalition of `size` features out of m (infinite for the empty/full set)."""
    if size in (0, m):
        return math.inf
    return (m - 1) / (math.comb(m, size) * size * (m - size))


def coalitions(m: int, num_samples: int, rng: Any) -> tuple[Any, Any, bool]:
    """(masks k x m of 0/1, weights k, exact): every proper coalition when the budget allows, else a sample."""
    np = require("numpy")
    total = 2 ** m - 2
    if num_samples >= total:
        masks = ((np.arange(1, 2 ** m - 1)[:, None] >> np.arange(m)[None, :]) & 1).astype(np.float64)
        weights = np.array([kernel_weight(m, int(s)) for s in masks.sum(axis=1)])
        return masks, weights, True
    mass = {s: (m - 1) / (s * (m - s)) for s in range(1, m)}  # a size's share of the kernel
    norm = sum(mass.values())
    rows: list[Any] = []
    weights: list[float] = []
    left, budget = sorted(mass), num_samples
    while left:  # whole sizes first, smallest with their complements, while the budget holds them
        s = left[0]
        group = sorted({s, m - s})
        count = sum(math.comb(m, g) for g in group)
        if count > budget:
            break
        for g in group:
            for on in combinations(range(m), g):
                mask = np.zeros(m)
                mask[list(on)] = 1.0
                rows.append(mask)
                weights.append(mass[g] / norm / math.comb(m, g))
            left.remove(g)
        budget -= count
    if left and budget > 0:  # the rest: complementary pairs drawn with the kernel's size distribution
        p = np.array([mass[s] for s in left])
        share = p.sum() / norm
        pairs = max(1, budget // 2)
        for _ in range(pairs):
            mask = np.zeros(m)
            mask[rng.choice(m, size=int(rng.choice(left, p=p / p.sum())), replace=False)] = 1.0
            rows += [mask, 1.0 - mask]
            weights += [share / (2 * pairs)] * 2
    return np.array(rows), np.array(weights), False


def _solve(masks: Any, weights: Any, values: Any, total: float) -> Any:
    """Weighted least squares of values ~ masks @ phi with sum(phi) = total (the last phi eliminated)."""
    np = require("numpy")
    last = masks[:, -1]
    a = masks[:, :-1] - last[:, None]
    b = values - last * total
    sw = np.sqrt(weights)
    head, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
    return np.append(head, total - head.sum())


def kernel_shap(predict: Callable[[Any], Any], x: Any, baseline: Any, num_samples: int = DEFAULT_NUM_SAMPLES,
                seed: int = 0, use_logit: bool = False) -> ShapResult:
    """Kernel SHAP values of every row of x against the baseline rows (use_logit: explain log-odds)."""
    np = require("numpy")
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    base = np.atleast_2d(np.asarray(baseline, dtype=np.float64))
    if base.shape[1] != x.shape[1]:
        raise ValueError(f"baseline has {base.shape[1]} columns, the records {x.shape[1]}")
    if num_samples < 1:
        raise ValueError("num_samples must be at least 1")
    m = x.shape[1]

    def f(rows: Any) -> Any:
        out = np.asarray(predict(rows), dtype=np.float64).reshape(-1)
        if use_logit:
            p = np.clip(out, 1e-12, 1 - 1e-12)
            out = np.log(p / (1 - p))
        return out

    expected = float(f(base).mean())
    preds = f(x)
    rng = np.random.default_rng(seed)
    masks, weights, exact = coalitions(m, num_samples, rng)
    out = np.zeros_like(x)
    for i, row in enumerate(x):
        # every coalition against every baseline row: absent features take the baseline's values
        synth = np.where(masks[:, None, :] > 0, row[None, None, :], base[None, :, :]).reshape(-1, m)
        values = f(synth).reshape(len(masks), len(base)).mean(axis=1) - expected
        out[i] = _solve(masks, weights, values, float(preds[i] - expected))
    return ShapResult(values=out, expected_value=expected, predictions=preds, exact=exact)


def exact_shapley(value: Callable[[frozenset[int]], float], m: int) -> list[float]:
    """Shapley values by their definition (every subset): phi_i = sum |S|!(m-|S|-1)!/m! (v(S+i) - v(S))."""
    out = []
    for i in range(m):
        others = [j for j in range(m) if j != i]
        total = 0.0
        for size in range(m):
            w = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in combinations(others, size):
                s = frozenset(subset)
                total += w * (value(s | {i}) - value(s))
        out.append(total)
    return out


def aggregate(values: Any, method: str = "mean_abs") -> Any:
    """Global SHAP values per feature: mean of |phi| (mean_abs), median of phi, or mean of phi^2 (mean_sq)."""
    np = require("numpy")
    if method not in AGG_METHODS:
        raise ValueError(f"agg_method {method!r} is not one of {', '.join(AGG_METHODS)}")
    v = np.asarray(values, dtype=np.float64)
    if method == "mean_abs":
        return np.abs(v).mean(axis=0)
    if method == "median":
        return np.median(v, axis=0)
    return (v ** 2).mean(axis=0)


def explanations_section(names: Sequence[str], result: ShapResult, method: str = "mean_abs") -> dict[str, Any]:
    """The `explanations` part of analysis.json for a single-output model (label0)."""
    glob = aggregate(result.values, method)
    return {"kernel_shap": {"label0": {
        "global_shap_values": {n: float(v) for n, v in zip(names, glob, strict=True)},
        "expected_value": result.expected_value}}}


def local_csv(names: Sequence[str], values: Any) -> str:
    """explanations_shap/out.csv: a header of feature names, then one row of SHAP values per record."""
    lines = [",".join(names)]
    lines += [",".join(f"{float(v):.10g}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def shap_config(baseline: Sequence[Sequence[float]], num_samples: int, method: str = "mean_abs",
                use_logit: bool = False, seed: int = 0) -> dict[str, Any]:
    """methods.shap as Clarify's analysis configuration spells it."""
    return {"baseline": [list(map(float, row)) for row in baseline], "num_samples": num_samples,
            "agg_method": method, "use_logit": use_logit, "save_local_shap_values": True, "seed": seed}


def top_features(section: dict[str, Any], k: int = 3) -> list[tuple[str, float]]:
    """The k features with the largest global SHAP value (name order breaks ties)."""
    glob = section["kernel_shap"]["label0"]["global_shap_values"]
    return sorted(glob.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
