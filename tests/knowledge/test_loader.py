"""Content validation: every problem reported as content/<file>.yaml:<line>, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sagecli.knowledge.loader import compile_content
from tests.conftest import CONTENT, run_cli

GOOD = """\
- id: a-thing
  name: A thing
  summary: One line.
  stage: training
  sources: [https://docs.aws.amazon.com/sagemaker/latest/dg/whatis.html]
"""


def _write(tmp: Path, name: str, text: str) -> Path:
    root = tmp / "content"
    root.mkdir(exist_ok=True)
    (root / name).write_text(text)
    return root


def test_valid_minimal_content(tmp_path: Path) -> None:
    root = _write(tmp_path, "components.yaml", GOOD)
    compiled = compile_content(root)
    assert compiled.problems == []
    assert compiled.records["a-thing"]["kind"] == "component"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (GOOD + "- id: b\n  name: [unclosed\n", 8, "malformed YAML"),
        (GOOD.replace("  summary: One line.\n", ""), 1, "summary: Field required"),
        (GOOD.replace("stage: training", "stage: 42"), 4, "stage: Input should be"),
        (GOOD + GOOD, 6, "duplicate id 'a-thing'"),
        (GOOD + "  related: [missing-one]\n", 6, "refers to missing id 'missing-one'"),
        (GOOD.replace("https://docs.aws.amazon.com/sagemaker/latest/dg/whatis.html", "https://example.com/x"),
         1, "at least one URL must be on AWS documentation"),
        (GOOD + "  colour: blue\n", 6, "colour: Extra inputs are not permitted"),
    ],
)
def test_broken_content_reports_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    root = _write(tmp_path, "components.yaml", text)
    problems = [str(p) for p in compile_content(root).problems]
    assert any(p.startswith(f"content/components.yaml:{line}:") and needle in p for p in problems), problems


def test_all_problems_at_once_and_validate_exit_code(tmp_path: Path) -> None:
    root = _write(tmp_path, "components.yaml", GOOD.replace("stage: training", "stage: nowhere") + GOOD)
    _write(tmp_path, "exams.yaml", "- id: x\n  name: X\n")
    res = run_cli("kb", "validate", str(root))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "content/components.yaml:4: stage:" in res.stderr
    assert "content/exams.yaml:1:" in res.stderr


def test_validate_bundled_content_passes() -> None:
    res = run_cli("kb", "validate")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("OK:")


def test_edited_copy_changes_a_limit(tmp_path: Path) -> None:
    from sagecli.knowledge.store import load_kb

    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    path = copy / "inference_options.yaml"
    path.write_text(path.read_text().replace("value: 4\n", "value: 5\n", 1))
    assert load_kb(copy).limit("serverless-inference", "max_payload_mb") == 5
    assert load_kb().limit("serverless-inference", "max_payload_mb") == 4


def test_every_record_and_question_has_an_aws_source() -> None:
    from sagecli.knowledge.schema import is_aws_doc
    from sagecli.knowledge.store import load_kb

    kb = load_kb()
    for rec in [*kb.records.values(), *kb.questions.values()]:
        assert any(is_aws_doc(u) for u in rec["sources"]), rec["id"]
