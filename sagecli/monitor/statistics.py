"""statistics.json in Model Monitor's schema, computed with numpy (columns in parallel threads).

Numeric features get count/mean/sum/std_dev/min/max, 10 equal-width buckets from min to max, and a
quantile summary stored as the KLL sketch's `data` (one level of up to k sorted values: exact
quantiles at evenly spaced ranks). String features get distinct_count and categorical buckets.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sagecli.deps import require
from sagecli.monitor.csvparse import FRACTIONAL, INTEGRAL, MISSING, STRING, Table

SKETCH_K = 2048.0  # a float in the container's statistics.json ("k": 2048.0)
SKETCH_C = 0.64
BUCKETS = 10


def column_names(n: int) -> list[str]:
    """Names Model Monitor gives headerless CSV columns: _c0, _c1, ..."""
    return [f"_c{i}" for i in range(n)]


def infer_type(kinds: Any) -> str:
    """Integral | Fractional | String | Unknown from the kinds of a column's cells."""
    np = require("numpy")
    counts = np.bincount(kinds, minlength=4)
    if counts[STRING]:
        return "String"
    if counts[FRACTIONAL]:
        return "Fractional"
    if counts[INTEGRAL]:
        return "Integral"
    return "Unknown"


def quantile_summary(sorted_values: Any, k: int = int(SKETCH_K)) -> Any:
    """Up to k values at evenly spaced ranks of sorted data (min and max included)."""
    np = require("numpy")
    n = len(sorted_values)
    if n <= k:
        return sorted_values
    idx = np.round(np.linspace(0, n - 1, k)).astype(np.int64)
    return sorted_values[idx]


def _numeric(values: Any, present: Any) -> tuple[dict[str, Any], Any]:
    np = require("numpy")
    v = values[present]  # a copy (boolean index), so it can be sorted in place: no second array
    v.sort()
    n = len(v)
    if n == 0:
        return {"mean": 0.0, "sum": 0.0, "std_dev": 0.0, "min": 0.0, "max": 0.0,
                "distribution": {"kll": {"buckets": [], "sketch": {"parameters": {"c": SKETCH_C, "k": SKETCH_K},
                                                                   "data": [[]]}}}}, v
    lo, hi = float(v[0]), float(v[-1])
    edges = np.linspace(lo, hi, BUCKETS + 1) if hi > lo else np.array([lo] * BUCKETS + [hi])
    # counts per bucket straight from the sorted values (last bucket closed on the right)
    cuts = np.searchsorted(v, edges[1:-1], side="left")
    counts = np.diff(np.concatenate(([0], cuts, [n])))
    total = float(v.sum())
    out = {"mean": total / n, "sum": total, "std_dev": float(v.std()), "min": lo, "max": hi,
           "distribution": {"kll": {
               "buckets": [{"lower_bound": float(edges[i]), "upper_bound": float(edges[i + 1]),
                            "count": float(counts[i])} for i in range(BUCKETS)],
               "sketch": {"parameters": {"c": SKETCH_C, "k": SKETCH_K},
                          "data": [quantile_summary(v).tolist()]}}}}
    return out, v


def feature_statistics(name: str, values: Any, kinds: Any, strings: dict[int, str]) -> dict[str, Any]:
    """One entry of statistics.json's features[]."""
    np = require("numpy")
    inferred = infer_type(kinds)
    present = kinds != MISSING
    common = {"num_present": int(present.sum()), "num_missing": int((~present).sum())}
    feat: dict[str, Any] = {"name": name, "inferred_type": inferred}
    if inferred == "String":
        texts = np.array([strings.get(i) if kinds[i] == STRING else _num_text(values[i], kinds[i])
                          for i in np.flatnonzero(present)], dtype=object)
        uniq, counts = np.unique(texts.astype(str), return_counts=True)
        feat["string_statistics"] = {"common": common, "distinct_count": float(len(uniq)),
                                     "distribution": {"categorical": {"buckets": [
                                         {"value": str(u), "count": int(c)} for u, c in zip(uniq, counts,
                                                                                             strict=True)]}}}
    else:
        stats, _ = _numeric(values, present)
        feat["numerical_statistics"] = {"common": common, **stats}
    return feat


def _num_text(value: float, kind: int) -> str:
    return str(int(value)) if kind == INTEGRAL else repr(float(value))


def dataset_statistics(table: Table, names: list[str] | None = None, threads: int = 2) -> dict[str, Any]:
    """statistics.json for a parsed table."""
    rows, cols = table.shape
    names = names or column_names(cols)

    def one(j: int) -> dict[str, Any]:
        return feature_statistics(names[j], table.values[:, j], table.kinds[:, j], table.strings.get(j, {}))

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        features = list(pool.map(one, range(cols)))
    return {"version": 0.0, "dataset": {"item_count": rows}, "features": features}


def sketch_values(feature: dict[str, Any]) -> Any:
    """The quantile summary stored in a numeric feature's sketch, flattened and sorted."""
    np = require("numpy")
    data = feature["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
    return np.sort(np.concatenate([np.asarray(level, dtype=np.float64) for level in data])) if data else np.zeros(0)
