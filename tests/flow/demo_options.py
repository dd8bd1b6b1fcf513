"""FlowOptions for flow tests, built through run-demo's own option validation (commands/demo_run.py)."""

from __future__ import annotations

from typing import Any

from sagecli.commands.demo_run import build_options
from sagecli.contracts import FlowOptions

ROW = b"0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8"  # one request row of the demo's eight features


def demo_options(**kw: Any) -> FlowOptions:
    """run-demo's defaults for a small local run, with the given fields changed."""
    base = {"steps": "process", "seed": 1, "rows": 1000, "input_mode": "file", "entry_point": None,
            "hyperparameters": [], "min_auc": 0.5, "sampling": 100, "keep_endpoint": False, "join_input": False,
            "max_payload_mb": 6, "drift": True, "instance_type": "ml.m5.xlarge", "instance_count": 1,
            "backend_options": {}}
    return build_options(**{**base, **kw})
