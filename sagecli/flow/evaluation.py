"""Evaluation metrics for a binary classifier, with numpy only: AUC (rank based), accuracy and F1."""

from __future__ import annotations

from typing import Any

from sagecli.deps import require


def auc(y: Any, scores: Any) -> float:
    """Area under the ROC curve via the Mann-Whitney U statistic (ties get average ranks)."""
    np = require("numpy")
    y = np.asarray(y, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over runs of equal scores
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(scores)]))
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def binary_metrics(y: Any, scores: Any, threshold: float = 0.5) -> dict[str, float]:
    """AUC, accuracy, precision, recall and F1 at the given threshold."""
    np = require("numpy")
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(scores) >= threshold
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"auc": round(auc(y, scores), 6), "accuracy": round(float((pred == y).mean()), 6),
            "precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}
