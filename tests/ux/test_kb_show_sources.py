"""`kb show` at 80 columns: every source URL is one whole line below the panel, never split inside the box."""

from __future__ import annotations

from sagecli.knowledge.store import load_kb
from tests.conftest import run_cli


def test_sources_are_whole_lines_outside_the_box():
    rec = load_kb().get("serverless-inference")
    res = run_cli("kb", "show", "serverless-inference", env={"COLUMNS": "80"})
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    for url in rec["sources"]:
        assert f"source: {url}" in lines
    assert not any("docs.aws.amazon.com" in line for line in lines if line.startswith("│"))
