"""`--need` on the recommend commands, `sagecli recommend needs`, and malformed rules in content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sagecli.knowledge.loader import compile_content
from tests.conftest import CONTENT, run_cli


def test_need_flag_rules_out_serverless_and_shows_the_rule():
    res = run_cli("recommend", "deployment", "--traffic", "intermittent", "--need", "data-capture", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    first = out["decisions"][0]
    assert out["inputs"]["needs"] == ["data-capture"]
    assert first["choice"] != "serverless"
    assert "serverless-no-data-capture" in [r["rule"] for r in first["rules"]]


def test_unknown_need_is_one_line_exit_2():
    res = run_cli("recommend", "deployment", "--need", "data-captur", "--no-input")
    assert res.returncode == 2
    assert "unknown need 'data-captur'" in res.stderr and "data-capture" in res.stderr
    assert "Traceback" not in res.stderr


def test_needs_command_lists_and_searches():
    res = run_cli("recommend", "needs", "vpc", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["id"] for r in rows] == ["vpc"]
    assert rows[0]["source"].startswith("https://docs.aws.amazon.com/")


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def test_rule_with_unknown_need_or_bad_condition_is_reported_with_its_line(tmp_path):
    root = _copy(tmp_path)
    (root / "rules" / "extra.yaml").write_text(
        "- id: bad-need\n  name: x\n  summary: x\n  decision: rollout\n  when: {need: no-such-need}\n"
        "  effects: [{option: canary, exclude: x}]\n  sources: [https://docs.aws.amazon.com/x.html]\n"
        "  checked: 2026-12-02\n"
        "- id: bad-when\n  name: x\n  summary: x\n  decision: rollout\n  when: {fact: risk, maybe: 1}\n"
        "  effects: [{option: canary, exclude: x}]\n  sources: [https://docs.aws.amazon.com/x.html]\n"
        "  checked: 2026-12-02\n")
    problems = [str(p) for p in compile_content(root).problems]
    assert any(p.startswith("content/rules/extra.yaml:") and "no-such-need" in p for p in problems), problems
    assert any("bad" not in p or "exactly one of" in p for p in problems), problems
    assert any(p.startswith("content/rules/extra.yaml:9") for p in problems), problems
