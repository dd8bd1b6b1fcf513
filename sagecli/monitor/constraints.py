"""constraints.json in Model Monitor's schema, suggested from a baseline's statistics."""

from __future__ import annotations

from typing import Any

MAX_DOMAIN = 50  # suggest a value domain for String features with at most this many distinct values


def default_monitoring_config(comparison_threshold: float = 0.1) -> dict[str, Any]:
    """monitoring_config as the data-quality container suggests it.

    datatype_check_threshold and domain_content_threshold 1.0 (every value must match), comparison_method
    "Robust", comparison_threshold 0.1, LInfinity for categorical drift: the values in the constraints.json
    schema page (model-monitor-byoc-constraints) and in baselines the real container wrote.
    """
    return {"evaluate_constraints": "Enabled", "emit_metrics": "Enabled", "datatype_check_threshold": 1.0,
            "domain_content_threshold": 1.0,
            "distribution_constraints": {"perform_comparison": "Enabled",
                                         "comparison_threshold": comparison_threshold, "comparison_method": "Robust",
                                         "categorical_comparison_threshold": comparison_threshold,
                                         "categorical_drift_method": "LInfinity"}}


def suggest_constraints(statistics: dict[str, Any], comparison_threshold: float = 0.1) -> dict[str, Any]:
    """One constraint entry per feature: type, completeness, non-negativity or a value domain."""
    features = []
    for feat in statistics["features"]:
        entry: dict[str, Any] = {"name": feat["name"], "inferred_type": feat["inferred_type"]}
        block = feat.get("numerical_statistics") or feat.get("string_statistics") or {}
        common = block.get("common", {"num_present": 0, "num_missing": 0})
        total = common["num_present"] + common["num_missing"]
        entry["completeness"] = common["num_present"] / total if total else 0.0
        if "numerical_statistics" in feat:
            entry["num_constraints"] = {"is_non_negative": bool(feat["numerical_statistics"]["min"] >= 0)}
        elif "string_statistics" in feat:
            buckets = feat["string_statistics"]["distribution"]["categorical"]["buckets"]
            if len(buckets) <= MAX_DOMAIN:
                entry["string_constraints"] = {"domains": sorted(b["value"] for b in buckets)}
        features.append(entry)
    return {"version": 0.0, "features": features, "monitoring_config": default_monitoring_config(comparison_threshold)}
