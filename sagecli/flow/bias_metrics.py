"""Clarify's bias metrics for a binary label and one facet, computed with numpy (a local stand-in).

Amazon SageMaker Clarify is no longer open to new customers
(https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-availability-change.html); these functions follow
its published definitions so the demo can show what a bias report says:
- pre-training, on the observed labels:
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-measure-data-bias.html
- post-training, on the model's predicted labels:
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-measure-post-training-bias.html

Notation as on those pages: facet d is the facet value analysed (the group that may be disadvantaged), facet a
is every other row; label 1 is the positive outcome (label_value_or_threshold); n(1) and n(0) count observed
positive and negative labels, n̂(1) and n̂(0) predicted ones. A metric whose denominator is zero is undefined:
its value is None (analysis.json then carries an "error" beside it).
"""

from __future__ import annotations

import math
from typing import Any

from sagecli.deps import require

# Metric code -> description, in Clarify's order (the codes are those of the API and analysis.json)
PRE_TRAINING: dict[str, str] = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "KL": "Kullback-Liebler Divergence (KL)",
    "JS": "Jensen-Shannon Divergence (JS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
}
POST_TRAINING: dict[str, str] = {
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "DCA": "Difference in Conditional Acceptance (DCAcc)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "RD": "Recall Difference (RD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "AD": "Accuracy Difference (AD)",
    "TE": "Treatment Equality (TE)",
    "FT": "Flip Test (FT)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
}
ALIASES = {"DCACC": "DCA", "CDD": "CDDL"}  # the documentation's labels for the API's codes
FLIP_TEST_K = 5  # FT: neighbours in facet a per facet-d row (the page gives no k; smclarify uses 5)


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def _diff(x: float | None, y: float | None) -> float | None:
    return None if x is None or y is None else x - y


def _arrays(*cols: Any) -> list[Any]:
    np = require("numpy")
    return [np.asarray(c) for c in cols]


def _dist(label: Any) -> tuple[float, float] | None:
    """(P(y=0), P(y=1)) of a facet's labels; None for an empty facet."""
    n = len(label)
    return None if n == 0 else (float((label == 0).sum()) / n, float((label == 1).sum()) / n)


def _kl(p: tuple[float, float], q: tuple[float, float]) -> float | None:
    total = 0.0
    for pi, qi in zip(p, q, strict=True):
        if pi == 0:
            continue
        if qi == 0:
            return None  # infinite divergence
        total += pi * math.log(pi / qi)
    return total


def demographic_disparity(label: Any, d: Any) -> float | None:
    """DD_d = n_d(0)/n(0) - n_d(1)/n(1): facet d's share of the rejected minus its share of the accepted."""
    n0, n1 = float((label == 0).sum()), float((label == 1).sum())
    rejected, accepted = _ratio(float((d & (label == 0)).sum()), n0), _ratio(float((d & (label == 1)).sum()), n1)
    return _diff(rejected, accepted)


def conditional_dd(label: Any, d: Any, group: Any) -> float | None:
    """CDD = (1/n) * sum_i n_i * DD_i over the subgroups i of the group variable.

    A subgroup with no accepted or no rejected rows has no DD_i; it is left out of the sum and of n.
    """
    np = require("numpy")
    total, n = 0.0, 0
    for g in np.unique(group):
        rows = group == g
        dd = demographic_disparity(label[rows], d[rows])
        if dd is not None:
            total += int(rows.sum()) * dd
            n += int(rows.sum())
    return _ratio(total, n)


def pre_training_metrics(label: Any, d: Any, group: Any) -> dict[str, float | None]:
    """The eight pre-training metrics of facet d (bool array) on 0/1 labels; group is CDDL's group variable."""
    label, d, group = _arrays(label, d, group)
    d = d.astype(bool)
    na, nd = int((~d).sum()), int(d.sum())
    pa, pd = _dist(label[~d]), _dist(label[d])
    out: dict[str, float | None] = {"CI": _ratio(na - nd, na + nd)}
    if pa is None or pd is None:
        out.update(dict.fromkeys(("DPL", "KL", "JS", "LP", "TVD", "KS"), None))
    else:
        mix = ((pa[0] + pd[0]) / 2, (pa[1] + pd[1]) / 2)
        kl_a, kl_d = _kl(pa, mix), _kl(pd, mix)
        gaps = [abs(x - y) for x, y in zip(pa, pd, strict=True)]
        out.update(DPL=pa[1] - pd[1], KL=_kl(pa, pd),
                   JS=None if kl_a is None or kl_d is None else 0.5 * (kl_a + kl_d),
                   LP=math.sqrt(sum(g * g for g in gaps)), TVD=0.5 * sum(gaps), KS=max(gaps))
    out["CDDL"] = conditional_dd(label, d, group)
    return out


def _counts(label: Any, pred: Any) -> dict[str, float]:
    return {"n": float(len(label)), "tp": float(((label == 1) & (pred == 1)).sum()),
            "fp": float(((label == 0) & (pred == 1)).sum()), "tn": float(((label == 0) & (pred == 0)).sum()),
            "fn": float(((label == 1) & (pred == 0)).sum())}


def _facet_rates(c: dict[str, float]) -> dict[str, float | None]:
    """Per-facet rates the post-training metrics compare."""
    pos, neg = c["tp"] + c["fn"], c["tn"] + c["fp"]  # observed n(1), n(0)
    pred_pos, pred_neg = c["tp"] + c["fp"], c["tn"] + c["fn"]  # predicted n̂(1), n̂(0)
    return {"q_hat": _ratio(pred_pos, c["n"]), "c": _ratio(pos, pred_pos), "r": _ratio(neg, pred_neg),
            "recall": _ratio(c["tp"], pos), "precision": _ratio(c["tp"], pred_pos),
            "npv": _ratio(c["tn"], pred_neg), "acc": _ratio(c["tp"] + c["tn"], c["n"]),
            "te": _ratio(c["fn"], c["fp"])}


def flip_test(x: Any, pred: Any, d: Any, k: int | None = None) -> float | None:
    """FT = (F+ - F-) / n_d, each facet-d row's outcome against the majority of its k nearest facet-a rows.

    As the FT page defines them: F+ counts d rows predicted 0 (unfavourable) whose neighbours in facet a are
    predicted 1; F- counts d rows predicted 1 whose neighbours are predicted 0. The page gives no k; like AWS's
    smclarify library, k is 5 (1 when facet a has 9 rows or fewer) and distances are Euclidean on the features
    as given. (smclarify counts its positive flips the other way round; this follows the documentation.)
    """
    np = require("numpy")
    x, pred, d = _arrays(x, pred, d)
    x, d = x.astype(np.float64), d.astype(bool)
    if d.sum() == 0 or (~d).sum() == 0:
        return None
    xa, pa, xd, pd = x[~d], pred[~d], x[d], pred[d]
    k = min(k or (FLIP_TEST_K if len(xa) > 9 else 1), len(xa))
    f_plus = f_minus = 0
    for i in range(0, len(xd), 256):  # chunks keep the distance matrix small
        dist = ((xd[i:i + 256, None, :] - xa[None, :, :]) ** 2).sum(axis=2)
        near = np.argpartition(dist, k - 1, axis=1)[:, :k]
        neighbour = (pa[near].mean(axis=1) > 0.5).astype(int)
        mine = pd[i:i + 256]
        f_plus += int(((mine == 0) & (neighbour == 1)).sum())
        f_minus += int(((mine == 1) & (neighbour == 0)).sum())
    return (f_plus - f_minus) / float(d.sum())


def post_training_metrics(label: Any, pred: Any, d: Any, group: Any, x: Any) -> dict[str, float | None]:
    """The eleven post-training metrics of facet d: 0/1 labels, 0/1 predicted labels, features x for FT."""
    label, pred, d, group = _arrays(label, pred, d, group)
    d = d.astype(bool)
    ra, rd = _facet_rates(_counts(label[~d], pred[~d])), _facet_rates(_counts(label[d], pred[d]))
    di = None if ra["q_hat"] in (None, 0) or rd["q_hat"] is None else rd["q_hat"] / ra["q_hat"]
    return {
        "DPPL": _diff(ra["q_hat"], rd["q_hat"]), "DI": di, "DCA": _diff(ra["c"], rd["c"]),
        "DCR": _diff(rd["r"], ra["r"]), "RD": _diff(ra["recall"], rd["recall"]),
        "DAR": _diff(ra["precision"], rd["precision"]), "DRR": _diff(rd["npv"], ra["npv"]),
        "AD": _diff(ra["acc"], rd["acc"]), "TE": _diff(rd["te"], ra["te"]), "FT": flip_test(x, pred, d),
        "CDDPL": conditional_dd(pred, d, group),
    }


def metric_code(name: str) -> str:
    """A metric name as the user types it -> Clarify's code (DCAcc -> DCA); ValueError when unknown."""
    code = name.strip().upper()
    code = ALIASES.get(code, code)
    if code not in PRE_TRAINING and code not in POST_TRAINING:
        raise ValueError(name)
    return code


def deviation(code: str, value: float) -> float:
    """How far a value is from parity: |value|, except DI whose parity is 1 (|1 - DI|)."""
    return abs(1.0 - value) if code == "DI" else abs(value)

