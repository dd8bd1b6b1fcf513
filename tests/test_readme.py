"""Docs guard: every output block in the README is regenerated from real runs and must match byte for byte.

`scripts/readme_examples.py --check` reruns every example (except the run-demo sample, whose timings differ
on every run) at 80 columns and diffs it against README.md. It takes a minute or two. After a change in
what the tool prints, regenerate with `python scripts/readme_examples.py` and review the diff.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPT = ROOT / "scripts" / "readme_examples.py"


def _load_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_examples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_examples"] = module  # dataclasses look their module up while being defined
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_every_example_has_markers_and_every_block_is_generated() -> None:
    script = _load_script()
    blocks = script.blocks(README)
    assert set(script.EXAMPLES) <= set(blocks), set(script.EXAMPLES) - set(blocks)
    assert len(blocks) >= 8
    # no hand-written `$ sagecli` output outside the generated blocks (it would drift)
    outside = README
    for start, end in sorted(blocks.values(), reverse=True):
        outside = outside[:start] + outside[end:]
    assert not re.findall(r"^\$ sagecli ", outside, re.M)


def test_samples_say_they_are_samples() -> None:
    script = _load_script()
    for name, example in script.EXAMPLES.items():
        if example.sample:
            before = README[:README.index(f"<!-- example:{name} -->")].strip().rsplit("\n\n", 1)[-1]
            assert "sample" in before, f"the text before the {name} block must say it is a regenerated sample"


SHARDS = 4  # the compared blocks are split so parallel workers share them (each shard is one --check run)


def _shard(i: int) -> list[str]:
    script = _load_script()
    compared = [name for name, example in script.EXAMPLES.items() if not example.sample]
    return compared[i::SHARDS]


def test_the_shards_cover_every_compared_example() -> None:
    script = _load_script()
    covered = [name for i in range(SHARDS) for name in _shard(i)]
    assert sorted(covered) == sorted(n for n, ex in script.EXAMPLES.items() if not ex.sample)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_readme_examples_match_the_tool(shard: int) -> None:
    """Regenerates this shard's compared blocks and fails on any difference (prints the diff)."""
    names = _shard(shard)
    args = [arg for name in names for arg in ("--only", name)]
    res = subprocess.run([sys.executable, str(SCRIPT), "--check", *args], capture_output=True, text=True,
                         timeout=900, cwd=ROOT)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]


def test_normalise_makes_runs_comparable() -> None:
    script = _load_script()
    text = "run 20261126-055559-825db1 at http://127.0.0.1:47695 in /tmp/h/runs  \n"
    assert script.normalise(text, "/tmp/h") == (
        f"run {script.RUN_ID_SHOWN} at http://127.0.0.1:8080 in {script.HOME_SHOWN}/runs\n")


def test_quick_start_is_two_commands_and_ci_runs_them() -> None:
    block = README.split("<!-- quickstart:start -->")[1].split("<!-- quickstart:end -->")[0]
    commands = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("```")]
    assert len(commands) == 2
    assert "sagecli run-demo" in commands[0]
    assert "pytest" in commands[1]
    assert "takes several minutes" in README.split("<!-- quickstart:end -->")[1][:600]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "quickstart 1" in ci and "quickstart 2" in ci
