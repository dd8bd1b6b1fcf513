"""The text charts of `experiments show` and the 80-column views, from fixed data (no mlflow)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from sagecli.ui import charts, experiments_view

FOUR = {"validation_auc": [[0, 0.5], [1, 0.6], [2, 0.7], [3, 0.8]], "train_auc": [[0, 0.5], [3, 0.9]]}


def test_line_chart_exact():
    lines = charts.line_chart(FOUR, width=20, height=5)
    # 11 plot columns for steps 0..3; rows 0.1 apart; validation (•) drawn over train (·) where they meet
    assert lines == [
        "0.9000 ┤         ··",
        "       ┤       ··••",
        "0.7000 ┤    ··•••",
        "       ┤  ••••",
        "0.5000 ┤••",
        "       └───────────",
        "        0         3",
        "        • validation_auc   · train_auc",
    ]


def test_line_chart_fits_the_width_and_skips_empty_series():
    lines = charts.line_chart({"a": [[i, (i % 7) / 7] for i in range(500)], "b": []}, width=80, height=10)
    assert max(len(line) for line in lines) <= 80 and len(lines) == 13
    assert lines[-1].strip() == "• a"
    assert charts.line_chart({"a": []}) == []
    flat = charts.line_chart({"a": [[5, 0.5]]}, width=30, height=3)  # one point, one value: no division by zero
    assert flat[0].startswith("0.5000 ┤•")


@pytest.mark.parametrize(("value", "blocks"), [(0.80, 1), (0.90, 11), (0.85, 6)])
def test_bar_scales_from_one_block(value, blocks):
    assert charts.bar(value, 0.80, 0.90, 11) == "█" * blocks


def _render(fn, data) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=80, no_color=True, highlight=False, soft_wrap=False)
    experiments_view.out.__globals__["_out"] = console  # the view prints through sagecli.ui.console.out()
    try:
        fn(data)
    finally:
        experiments_view.out.__globals__["_out"] = None
    return buf.getvalue()


RUN = {"name": "20260101-120000-5eed07", "mlflow_run_id": "a" * 32, "kind": "demo", "status": "FAILED",
       "start_time_ms": 1767268800000, "duration_s": 3.25, "parent_run_id": None,
       "tags": {"sagecli.kind": "demo", "sagecli.backend": "local", "sagecli.error": "x" * 120},
       "params": {"eta": "0.2", "steps": "process,train,evaluate," * 5}, "metrics": {"test_auc": 0.85},
       "children": [], "curves": {"run": "job", "series": FOUR}, "trials": None}


def test_show_stays_inside_80_columns_and_cuts_long_values():
    text = _render(experiments_view.render_show, RUN)
    assert text.splitlines()[0] == "20260101-120000-5eed07  demo  FAILED  3.2s, started 2026-01-01 12:00 UTC"
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "  error " + "x" * 71 + "…" in text.splitlines()
    assert "By boosting round (job)" in text


def test_list_of_nothing_says_how_to_record():
    text = _render(experiments_view.render_list, {"experiment": "sagecli-demo", "tracking_uri": "x", "runs": []})
    assert text == "No runs in experiment sagecli-demo yet. Record one with: sagecli run-demo\n"
