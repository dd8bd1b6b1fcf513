"""The bias step: Clarify-style pre- and post-training bias metrics for a facet of the demo data (local only).

Amazon SageMaker Clarify is no longer open to new customers
(https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-availability-change.html): this step is a local
stand-in that computes its published metrics (sagecli/flow/bias_metrics.py) and writes them as Clarify's
analysis.json (https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-analysis-results.html)
with a readable report.md beside it. The facet (data.FACET_NAME) is a sensitive attribute kept beside the data,
not a model feature. With --bias-max NAME=VALUE the step acts like Pipelines' ClarifyCheck: a metric further
from parity than VALUE fails the check, and the register step then rejects the model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sagecli.contracts import RunState, StepResult
from sagecli.flow import bias_metrics as bm

LABEL = "churn"
LABEL_VALUE = "1"  # label_value_or_threshold: the positive outcome
FACET_VALUE = "1"  # the facet value analysed (facet d)
GROUP_VARIABLE = "region"  # CDDL/CDDPL's group variable: a feature column of the demo data
THRESHOLD = 0.5  # probability_threshold: a score above it is a predicted 1
NOTE = "Clarify is closed to new customers; local stand-in computing its published metrics"


def section(facet: str, values: Mapping[str, float | None], descriptions: Mapping[str, str]) -> dict[str, Any]:
    """One pre_training_bias_metrics / post_training_bias_metrics section of analysis.json."""
    metrics: list[dict[str, Any]] = []
    for name, description in descriptions.items():
        entry: dict[str, Any] = {"name": name, "description": description, "value": values[name]}
        if values[name] is None:
            entry["error"] = "undefined for this data (a denominator is zero)"
        metrics.append(entry)
    return {"label": LABEL, "facets": {facet: [{"value_or_threshold": FACET_VALUE, "metrics": metrics}]},
            "label_value_or_threshold": LABEL_VALUE}


def analysis_document(facet: str, pre: Mapping[str, float | None],
                      post: Mapping[str, float | None] | None) -> dict[str, Any]:
    """The analysis.json document (Clarify's layout); post is None when there are no predictions."""
    doc: dict[str, Any] = {"version": "1.0",
                           "pre_training_bias_metrics": section(facet, pre, bm.PRE_TRAINING)}
    if post is not None:
        doc["post_training_bias_metrics"] = section(facet, post, bm.POST_TRAINING)
    return doc


def analysis_config(facet: str, headers: list[str], limits: Mapping[str, float]) -> dict[str, Any]:
    """The analysis configuration a Clarify processing job would read for this analysis (its documented schema:
    https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html)."""
    return {"version": "1.0", "dataset_type": "text/csv", "headers": headers, "label": LABEL,
            "label_values_or_threshold": [int(LABEL_VALUE)],
            "facet": [{"name_or_index": facet, "value_or_threshold": [int(FACET_VALUE)]}],
            "group_variable": GROUP_VARIABLE, "probability_threshold": THRESHOLD,
            "methods": {"pre_training_bias": {"methods": list(bm.PRE_TRAINING)},
                        "post_training_bias": {"methods": list(bm.POST_TRAINING)}},
            "sagecli_condition": {code: {"max_deviation_from_parity": v} for code, v in limits.items()}}


def dataset_csv(headers: list[str], x: Any, y: Any, facet: Any) -> str:
    """The rows the analysis read, as a Clarify dataset: a header line, label first, the facet column last."""
    from sagecli.flow.data import format_rows

    rows = format_rows(x, y).splitlines()
    return ",".join(headers) + "\n" + "".join(f"{r},{int(f)}\n" for r, f in zip(rows, facet, strict=True))


def check_condition(limits: Mapping[str, float], values: Mapping[str, float | None]) -> dict[str, Any]:
    """The ClarifyCheck-like condition: every chosen metric within its limit of parity (DI: |1 - DI|)."""
    checks = []
    for code, limit in limits.items():
        value = values.get(code)
        passed = value is not None and bm.deviation(code, value) <= limit
        checks.append({"metric": code, "value": value, "max": limit, "passed": passed})
    return {"checks": checks, "passed": all(c["passed"] for c in checks)}


def parse_limits(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """['DPPL=0.1'] -> {'DPPL': 0.1}; ValueError(item) when one is not NAME=NUMBER with a known name."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            limit = float(value)
            if not sep or limit < 0:
                raise ValueError(item)
            out[bm.metric_code(name)] = limit
        except ValueError:
            raise ValueError(item) from None
    return out


def _fmt(value: float | None) -> str:
    return "undefined" if value is None else f"{value:+.4f}"


def report_text(doc: Mapping[str, Any], condition: Mapping[str, Any] | None, counts: Mapping[str, int],
                note: str = NOTE) -> str:
    """report.md: the metrics as two tables, then the condition."""
    title = "local stand-in for SageMaker Clarify" if note == NOTE else "SageMaker Clarify processing job"
    post_rows = "the test set" if note == NOTE else "the training rows (one Clarify dataset)"
    lines = [f"# Bias report ({title})", "", f"> {note}.", "",
             f"Facet `{counts['facet']}` = {FACET_VALUE} (facet d, {counts['d']} training rows) against the other "
             f"{counts['a']} rows; label `{LABEL}` = {LABEL_VALUE} is the positive outcome; CDD groups: "
             f"`{GROUP_VARIABLE}`.", ""]
    for key, title in (("pre_training_bias_metrics", "Pre-training (training data labels)"),
                       ("post_training_bias_metrics", f"Post-training (model predictions on {post_rows})")):
        if key not in doc:
            continue
        lines += [f"## {title}", "", "| metric | value | description |", "|---|---|---|"]
        for facet_entries in doc[key]["facets"].values():
            for m in facet_entries[0]["metrics"]:
                lines.append(f"| {m['name']} | {_fmt(m['value'])} | {m['description']} |")
        lines.append("")
    if condition:
        lines += ["## Condition (like ClarifyCheck)", ""]
        for c in condition["checks"]:
            verdict = "pass" if c["passed"] else "FAIL"
            lines.append(f"- {c['metric']} {_fmt(c['value'])}: limit {c['max']} -> {verdict}")
        lines.append("")
    return "\n".join(lines)


def bias_step(run: RunState, res: StepResult) -> None:
    """Compute the metrics on the train split (labels) and the test split (predictions), write the files.

    On --backend sagemaker a Clarify processing job computes them instead (sagecli/flow/bias_sagemaker.py; the
    flow's bias step picks it).
    """
    import numpy as np

    from sagecli.flow.data import FACET_NAME, FEATURES, make_facet
    from sagecli.flow.scoring import run_model_scores

    opts = run.ctx.options
    group_col = [name for name, _ in FEATURES].index(GROUP_VARIABLE)
    x_train, y_train = run.dataset.splits["train"]
    d_train = make_facet(opts.seed, "train", y_train)
    pre = bm.pre_training_metrics(y_train, d_train, x_train[:, group_col])
    x_test, y_test = run.dataset.splits["test"]
    d_test = make_facet(opts.seed, "test", y_test)
    pred = (np.asarray(run_model_scores(run, x_test)) > THRESHOLD).astype(np.int64)
    post = bm.post_training_metrics(y_test, pred, d_test, x_test[:, group_col], x_test)
    doc = analysis_document(FACET_NAME, pre, post)
    headers = [LABEL, *(name for name, _ in FEATURES), FACET_NAME]
    config = analysis_config(FACET_NAME, headers, dict(opts.bias_max))
    if opts.shap:
        doc["explanations"], config["methods"]["shap"] = local_shap(run, x_train, x_test)
    finish(run, res, doc, pre, post, config, dataset_csv(headers, x_train, y_train, d_train),
           {"facet": FACET_NAME, "d": int(d_train.sum()), "a": int(len(d_train) - d_train.sum())}, NOTE)


def baseline_row(x_train: Any) -> list[float]:
    """SHAP's baseline: one row of the training features' means (Clarify takes any rows; one keeps it cheap)."""
    import numpy as np

    return [float(v) for v in np.asarray(x_train, dtype=np.float64).mean(axis=0)]


def local_shap(run: RunState, x_train: Any, x_test: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Kernel SHAP on the test rows (sagecli/flow/shap.py): writes explanations_shap/out.csv; returns the
    analysis.json section and the methods.shap configuration."""
    from sagecli.flow import shap
    from sagecli.flow.data import FEATURES
    from sagecli.paths import atomic_write_text
    from sagecli.serve.model import load_model_dir

    assert run.model_dir is not None
    model = load_model_dir(run.model_dir)
    base = [baseline_row(x_train)]
    seed = run.ctx.options.seed
    result = shap.kernel_shap(model.predict, x_test, base, shap.DEFAULT_NUM_SAMPLES, seed=seed)
    names = [name for name, _ in FEATURES]
    atomic_write_text(run.ctx.run_dir / "bias" / "explanations_shap" / "out.csv", shap.local_csv(names, result.values))
    return shap.explanations_section(names, result), shap.shap_config(base, shap.DEFAULT_NUM_SAMPLES, seed=seed)


def finish(run: RunState, res: StepResult, doc: dict[str, Any], pre: Mapping[str, float | None],
           post: Mapping[str, float | None], config: Mapping[str, Any], dataset: str, counts: Mapping[str, Any],
           note: str) -> None:
    """What both backends do with the metrics: the files, the condition, the step's data and summary."""
    from sagecli.flow import shap
    from sagecli.flow.data import FACET_NAME
    from sagecli.paths import atomic_write_text

    opts = run.ctx.options
    limits = dict(opts.bias_max)
    condition = check_condition(limits, {**pre, **post}) if limits else None
    out = run.ctx.run_dir / "bias"
    atomic_write_text(out / "analysis.json", json.dumps(doc, indent=2) + "\n")
    atomic_write_text(out / "analysis_config.json", json.dumps(config, indent=2))
    atomic_write_text(out / "train-with-facet.csv", dataset)
    atomic_write_text(out / "report.md", report_text(doc, condition, counts, note))
    run.bias = {"condition": condition}
    res.artifacts = {**res.artifacts, "analysis": str(out / "analysis.json"), "report": str(out / "report.md"),
                     "config": str(out / "analysis_config.json"), "dataset": str(out / "train-with-facet.csv")}
    res.data = {**res.data, "facet": FACET_NAME, "facet_value": FACET_VALUE, "note": note, "pre_training": pre,
                "post_training": post, "condition": condition}
    res.summary = summary_line(pre, post, condition, note)
    if "explanations" in doc:
        top = shap.top_features(doc["explanations"], 3)
        res.data["shap"] = {"global_shap_values": doc["explanations"]["kernel_shap"]["label0"]["global_shap_values"],
                            "top": [name for name, _ in top]}
        res.artifacts["explanations"] = str(out / "explanations_shap" / "out.csv")
        res.summary += "; SHAP top: " + ", ".join(name for name, _ in top)


def summary_line(pre: Mapping[str, float | None], post: Mapping[str, float | None],
                 condition: Mapping[str, Any] | None, note: str = NOTE) -> str:
    """One line for the live view: the headline metrics and the condition's verdict."""
    short = {k: "undefined" if v is None else f"{v:+.3f}" for k, v in {**pre, **post}.items()}
    text = f"DPL {short['DPL']} CI {short['CI']}; DPPL {short['DPPL']} DI {short['DI']}"
    if condition:
        failed = [c["metric"] for c in condition["checks"] if not c["passed"]]
        text += "; check " + ("passed" if not failed else "FAILED: " + ", ".join(failed))
    return text + (" (local stand-in; Clarify closed to new customers)" if note == NOTE else " (SageMaker Clarify)")
