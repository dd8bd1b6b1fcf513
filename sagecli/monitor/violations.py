"""constraint_violations.json: the documented data-quality checks of current data against a baseline.

Checks: data_type_check, completeness_check, baseline_drift_check (L-infinity distance between the
baseline and current CDFs, from the quantile summaries, against comparison_threshold), missing_column_check,
extra_column_check, categorical_values_check.

Semantics follow the data-quality container, which is built on Deequ (awslabs/deequ, Apache-2.0):
- data_type_check and categorical_values_check pass when the matching share is at least the threshold
  (datatype_check_threshold / domain_content_threshold; 1.0 means every value must match).
- comparison_method "Simple" compares the L-infinity distance itself; "Robust" first subtracts Deequ's
  two-sample Kolmogorov-Smirnov allowance, 1.8 * sqrt((n + m) / (n * m)) for n baseline and m current values
  (floored at 0), so small samples do not raise drift alarms (Deequ's Distance.scala, linfRobust).
- Messages use the container's wording and Java's number printing ("Expected match: 100.0%. Observed: Only
  99.64592817400101% of data is Integral."; "Value: 0.8 does not meet the constraint requirement!").
"""

from __future__ import annotations

from typing import Any

from sagecli.deps import require
from sagecli.errors import SageCliError
from sagecli.monitor.csvparse import FRACTIONAL, INTEGRAL, MISSING, STRING, Table
from sagecli.monitor.numbers import java_double
from sagecli.monitor.statistics import column_names, dataset_statistics, sketch_values


def linf_distance(a_sorted: Any, b_sorted: Any) -> float:
    """max |F_a(x) - F_b(x)| over all x, for two sorted samples (their empirical CDFs)."""
    np = require("numpy")
    if len(a_sorted) == 0 or len(b_sorted) == 0:
        return 0.0
    pts = np.concatenate((a_sorted, b_sorted))
    fa = np.searchsorted(a_sorted, pts, side="right") / len(a_sorted)
    fb = np.searchsorted(b_sorted, pts, side="right") / len(b_sorted)
    return float(np.max(np.abs(fa - fb)))


def categorical_linf(base: list[dict[str, Any]], cur: list[dict[str, Any]]) -> float:
    """max |p_base(v) - p_cur(v)| over category values (LInfinity for categorical drift)."""
    tb = sum(b["count"] for b in base) or 1
    tc = sum(b["count"] for b in cur) or 1
    pb = {b["value"]: b["count"] / tb for b in base}
    pc = {b["value"]: b["count"] / tc for b in cur}
    return max((abs(pb.get(v, 0.0) - pc.get(v, 0.0)) for v in set(pb) | set(pc)), default=0.0)


METHODS = ("Simple", "Robust")


def robust(distance: float, n: float, m: float) -> float:
    """Deequ's linfRobust: the distance less the KS allowance for n and m samples, never below 0."""
    if n <= 0 or m <= 0:
        return 0.0
    return max(0.0, distance - 1.8 * ((n + m) / (n * m)) ** 0.5)


def _violation(name: str, check: str, description: str) -> dict[str, str]:
    return {"feature_name": name, "constraint_check_type": check, "description": description}


def check_violations(table: Table, baseline_stats: dict[str, Any], constraints: dict[str, Any],
                     current_stats: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(constraint_violations.json, statistics.json of the current data)."""
    np = require("numpy")
    config = constraints.get("monitoring_config", {})
    dist = config.get("distribution_constraints", {})
    method = dist.get("comparison_method", "Robust")
    if method not in METHODS:
        raise SageCliError(f"constraints.json: comparison_method {method!r} is not one of {', '.join(METHODS)}")
    rows, ncols = table.shape
    base_feats = constraints["features"]
    nbase = len(base_feats)
    names = [f["name"] for f in base_feats] + column_names(ncols)[nbase:]
    stats = current_stats or dataset_statistics(table, names[:ncols])
    out: list[dict[str, str]] = []
    if ncols < nbase:
        out.append(_violation("", "missing_column_check",
                              f"There are missing columns in the current dataset. Number of columns in current "
                              f"dataset: {ncols}, number of columns in baseline constraints: {nbase}"))
    if ncols > nbase:
        out.append(_violation("", "extra_column_check",
                              f"There are extra columns in the current dataset. Number of columns in current "
                              f"dataset: {ncols}, number of columns in baseline constraints: {nbase}"))
    base_by_name = {f["name"]: f for f in baseline_stats["features"]}
    type_threshold = float(config.get("datatype_check_threshold", 1.0))
    domain_threshold = float(config.get("domain_content_threshold", 1.0))
    num_threshold = float(dist.get("comparison_threshold", 0.1))
    cat_threshold = float(dist.get("categorical_comparison_threshold", num_threshold))
    compare = dist.get("perform_comparison", "Enabled") == "Enabled"
    for j, cons in enumerate(base_feats[:ncols]):
        name = cons["name"]
        kinds = table.kinds[:, j]
        present = kinds != MISSING
        n_present = int(present.sum())
        completeness = n_present / rows if rows else 1.0
        if completeness < float(cons.get("completeness", 0.0)) - 1e-12:
            out.append(_violation(name, "completeness_check",
                                  f"Data completeness requirement is not met. Expected completeness: "
                                  f"{cons['completeness'] * 100:.1f}%. Observed: only {completeness * 100:.1f}% of "
                                  f"the values are present."))
        expected = cons.get("inferred_type", "Unknown")
        if n_present and expected in ("Integral", "Fractional"):
            ok = (kinds == INTEGRAL) if expected == "Integral" else ((kinds == INTEGRAL) | (kinds == FRACTIONAL))
            matched = int(ok[present].sum())
            if matched / n_present < type_threshold:
                out.append(_violation(name, "data_type_check",
                                      f"Data type match requirement is not met. Expected data type: {expected}, "
                                      f"Expected match: {java_double(type_threshold * 100)}%. Observed: Only "
                                      f"{java_double(matched / n_present * 100)}% of data is {expected}."))
        domains = cons.get("string_constraints", {}).get("domains")
        if domains is not None and n_present:
            texts = [table.strings.get(j, {}).get(i) for i in np.flatnonzero(kinds == STRING)]
            numbers = [str(int(v)) if k == INTEGRAL else repr(float(v))
                       for v, k in zip(table.values[:, j][present & (kinds != STRING)],
                                       kinds[present & (kinds != STRING)], strict=True)]
            allowed = set(domains)
            inside = sum(1 for t in texts + numbers if t in allowed)
            if inside / n_present < domain_threshold:
                out.append(_violation(name, "categorical_values_check",
                                      f"Value: {java_double(inside / n_present)} does not meet the constraint "
                                      f"requirement!"))
        base = base_by_name.get(name)
        cur = stats["features"][j]
        if not compare or base is None or not n_present:
            continue
        if "numerical_statistics" in base and "numerical_statistics" in cur:
            distance = linf_distance(sketch_values(base), sketch_values(cur))
            limit = num_threshold
            block = "numerical_statistics"
        elif "string_statistics" in base and "string_statistics" in cur:
            distance = categorical_linf(base["string_statistics"]["distribution"]["categorical"]["buckets"],
                                        cur["string_statistics"]["distribution"]["categorical"]["buckets"])
            limit = cat_threshold
            block = "string_statistics"
        else:
            continue
        if method == "Robust":
            distance = robust(distance, base[block]["common"]["num_present"], cur[block]["common"]["num_present"])
        if distance > limit:
            out.append(_violation(name, "baseline_drift_check",
                                  f"Baseline drift distance: {distance:.4f} exceeds threshold: {limit}"))
    return {"violations": out}, stats
