"""Every limit a recommender uses comes from content/: edit a copy and watch the decision move."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sagecli.knowledge.store import load_kb
from sagecli.recommend import decide
from tests.recommend.conftest import build_content

RECOMMEND = Path(__file__).resolve().parents[2] / "sagecli" / "recommend"


def _edit(tmp_path: Path, file: str, record_id: str, limit: str, **changes: float):
    root = build_content(tmp_path / "content")
    path = root / file
    records = yaml.safe_load(path.read_text())
    rec = next(r for r in records if r["id"] == record_id)
    rec["limits"][limit].update(changes)
    path.write_text(yaml.safe_dump(records, sort_keys=False))
    return load_kb(root, use_cache=False)


def _choice(kb, recommender, decision, **facts):
    result = decide(recommender, facts, kb)
    return next(d for d in result["decisions"] if d["decision"] == decision)["choice"]


def test_serverless_payload_limit(tmp_path, kb):
    facts = {"traffic": "intermittent", "payload_mb": 5}
    assert _choice(kb, "deployment", "inference_option", **facts) != "serverless"
    edited = _edit(tmp_path, "inference_options.yaml", "serverless-inference", "max_payload_mb", value=8)
    assert _choice(edited, "deployment", "inference_option", **facts) == "serverless"


def test_realtime_payload_limit_back_to_6_mb(tmp_path, kb):
    facts = {"traffic": "steady", "payload_mb": 10}
    assert _choice(kb, "deployment", "inference_option", **facts) == "realtime"
    edited = _edit(tmp_path, "inference_options.yaml", "realtime-inference", "max_payload_mb", value=6)
    assert _choice(edited, "deployment", "inference_option", **facts) == "async"


def test_async_payload_limit(tmp_path, kb):
    facts = {"traffic": "steady", "payload_mb": 2048}
    assert _choice(kb, "deployment", "inference_option", **facts) is None
    edited = _edit(tmp_path, "inference_options.yaml", "async-inference", "max_payload_mb", value=4096)
    assert _choice(edited, "deployment", "inference_option", **facts) == "async"


def test_canary_size_limit(tmp_path, kb):
    facts = {"endpoint": "realtime", "first_step_percent": 60}
    assert _choice(kb, "deployment", "rollout", **facts) != "canary"
    edited = _edit(tmp_path, "deployment_strategies.yaml", "canary-traffic-shifting", "max_canary_size_percent",
                   max=70)
    assert _choice(edited, "deployment", "rollout", **facts) == "canary"


def test_file_mode_dataset_threshold(tmp_path, kb):
    facts = {"dataset_gb": 30, "fast_start": True}
    assert _choice(kb, "input-mode", "input_mode", **facts) == "file"
    edited = _edit(tmp_path, "input_modes.yaml", "file-mode", "small_dataset_gb", value=5, max=10)
    assert _choice(edited, "input-mode", "input_mode", **facts) == "fastfile"


def test_bytes_per_parameter(tmp_path, kb):
    facts = {"workload": "inference", "params_b": 7, "precision": "fp16"}
    before = decide("instance", facts, kb)["decisions"][0]
    edited = _edit(tmp_path, "sizing_rules.yaml", "accelerator-memory-sizing", "bytes_per_param_fp16", value=4)
    after = decide("instance", facts, edited)["decisions"][0]
    assert after["memory_need_gib"] == pytest.approx(2 * before["memory_need_gib"], rel=1e-3)
    assert after["choice"] != before["choice"]


DISTINCTIVE = (25, 1024, 3600, 6144, 200, 15, 128, 28800, 21600, 180, 730, 150)


@pytest.mark.parametrize("module", sorted(p.name for p in RECOMMEND.glob("*.py")))
def test_no_documented_limit_is_a_literal(module):
    code = (RECOMMEND / module).read_text()
    code = re.sub(r'"[^"\n]*"', '""', code)  # strings may mention numbers; code may not
    for value in DISTINCTIVE:
        assert not re.search(rf"(?<![\w.]){value}(?![\w.])", code), f"{module} hard-codes {value}"
