"""constraint_violations.json: the documented data-quality checks of current data against a baseline.

Checks: data_type_check, completeness_check, baseline_drift_check (L-infinity distance between the
baseline and current CDFs, from the quantile summaries, against comparison_threshold), missing_column_check,
extra_column_check, categorical_values_check. Only comparison_method "Simple" is implemented.
"""

from __future__ import annotations

from typing import Any

from sagecli.deps import require
from sagecli.errors import SageCliError
from sagecli.monitor.csvparse import FRACTIONAL, INTEGRAL, MISSING, STRING, Table
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


def _violation(name: str, check: str, description: str) -> dict[str, str]:
    return {"feature_name": name, "constraint_check_type": check, "description": description}


def check_violations(table: Table, baseline_stats: dict[str, Any], constraints: dict[str, Any],
                     current_stats: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(constraint_violations.json, statistics.json of the current data)."""
    np = require("numpy")
    config = constraints.get("monitoring_config", {})
    dist = config.get("distribution_constraints", {})
    if dist.get("comparison_method", "Simple") != "Simple":
        raise SageCliError("only comparison_method Simple is implemented locally")
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
    type_threshold = float(config.get("datatype_check_threshold", 0.1))
    domain_threshold = float(config.get("domain_content_threshold", 0.1))
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
            match = float(ok[present].mean())
            if match < 1.0 - type_threshold:
                out.append(_violation(name, "data_type_check",
                                      f"Data type match requirement is not met. Expected data type: {expected}, "
                                      f"expected match: at least {(1 - type_threshold) * 100:.1f}%. Observed: only "
                                      f"{match * 100:.1f}% of the data is {expected}."))
        domains = cons.get("string_constraints", {}).get("domains")
        if domains is not None and n_present:
            texts = [table.strings.get(j, {}).get(i) for i in np.flatnonzero(kinds == STRING)]
            numbers = [str(int(v)) if k == INTEGRAL else repr(float(v))
                       for v, k in zip(table.values[:, j][present & (kinds != STRING)],
                                       kinds[present & (kinds != STRING)], strict=True)]
            allowed = set(domains)
            outside = sum(1 for t in texts + numbers if t not in allowed)
            if outside / n_present > domain_threshold:
                out.append(_violation(name, "categorical_values_check",
                                      f"Value set requirement is not met: {outside / n_present * 100:.1f}% of the "
                                      f"values are outside the baseline domain (allowed: at most "
                                      f"{domain_threshold * 100:.1f}%)."))
        base = base_by_name.get(name)
        cur = stats["features"][j]
        if not compare or base is None or not n_present:
            continue
        if "numerical_statistics" in base and "numerical_statistics" in cur:
            distance = linf_distance(sketch_values(base), sketch_values(cur))
            limit = num_threshold
        elif "string_statistics" in base and "string_statistics" in cur:
            distance = categorical_linf(base["string_statistics"]["distribution"]["categorical"]["buckets"],
                                        cur["string_statistics"]["distribution"]["categorical"]["buckets"])
            limit = cat_threshold
        else:
            continue
        if distance > limit:
            out.append(_violation(name, "baseline_drift_check",
                                  f"Baseline drift distance: {distance:.4f} exceeds threshold: {limit}"))
    return {"violations": out}, stats
