"""The Evaluate step's program (XGBoost image): score the test split with the trained model, write evaluation.json.

Reads /opt/ml/processing/input/model/model.tar.gz (the training job's artifact, `xgboost-model` inside, in
XGBoost's own format) and input/test/*.csv (headerless, label first); writes output/evaluation/evaluation.json
in the model-metrics shape ({"binary_classification_metrics": {"auc": {"value": ...}}}).
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
from pathlib import Path


# the image's Python may be older than this package's: no zip(strict=...), no tarfile filters
def auc(labels: list[float], scores: list[float]) -> float:
    """Area under the ROC curve from ranks (ties share their mean rank)."""
    pairs = sorted(zip(scores, labels))  # noqa: B905
    ranks = [0.0] * len(pairs)
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(1 for _, y in pairs if y == 1)
    neg = len(pairs) - pos
    if not pos or not neg:
        return float("nan")
    return (sum(r for r, (_, y) in zip(ranks, pairs) if y == 1)  # noqa: B905
             - pos * (pos + 1) / 2) / (pos * neg)


def main(root: Path) -> int:
    import xgboost

    model_dir = root / "input" / "model"
    target = model_dir / "extracted" / "xgboost-model"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(next(model_dir.glob("*.tar.gz"))) as tar:  # only the model file, by name (no path tricks)
        member = tar.getmember("xgboost-model")
        target.write_bytes(tar.extractfile(member).read())
    booster = xgboost.Booster()
    booster.load_model(str(target))
    rows = [[float(v) for v in line.split(",")] for f in sorted((root / "input" / "test").glob("*.csv"))
            for line in f.read_text().splitlines() if line.strip()]
    labels = [r[0] for r in rows]
    scores = booster.predict(xgboost.DMatrix([r[1:] for r in rows])).tolist()
    doc = {"binary_classification_metrics": {"auc": {"value": auc(labels, scores), "standard_deviation": "NaN"}}}
    out = root / "output" / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(os.environ.get("SAGECLI_PROCESSING_ROOT", "/opt/ml/processing"))))
