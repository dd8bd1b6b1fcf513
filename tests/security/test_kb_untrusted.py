"""Issue 10 item 2: `sagecli kb validate DIR` treats DIR as untrusted input.

Alias bombs, special files, symlinks out of the directory, oversized files and deep nesting each give one
`file:LINE: what` problem. The CLI checks run in a subprocess with an address-space limit and a generous
timeout, so the unfixed code fails these tests (MemoryError or timeout) instead of taking the machine down.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagecli.knowledge.loader import MAX_FILE_BYTES, Compiled, compile_content
from sagecli.knowledge.yamlpos import MAX_DEPTH, YamlProblem, load_with_lines
from tests.conftest import ROOT
from tests.knowledge.test_loader import GOOD

LAUGHS = "- lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  l{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))  # 9**10 nodes


def _limited() -> None:
    limit = 2 * 1024 ** 3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sagecli", "kb", "validate", str(root)], capture_output=True,
                          text=True, env=env, timeout=120, preexec_fn=_limited)


def _root(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "content"
    (root / "questions").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _problem_lines(res: subprocess.CompletedProcess[str], root: Path) -> list[str]:
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    return [line for line in res.stderr.splitlines() if line.startswith(root.as_posix() + "/")]


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    assert len(LAUGHS) < 600
    root = _root(tmp_path, **{"components.yaml": LAUGHS})
    problems = _problem_lines(validate(root), root)
    assert problems == [f"{root}/components.yaml:2: YAML aliases (*name) are not allowed in content; "
                        "write the value out"]


@pytest.mark.parametrize("text", ["- a: &x 1\n  b: *x\n", "- &r [*r]\n", "- x: &m {a: 1}\n  y: [*m]\n",
                                  "- &k key: 1\n  *k : 2\n"])
def test_any_alias_is_refused(text: str) -> None:
    with pytest.raises(YamlProblem, match="aliases"):
        load_with_lines(text)


def test_merge_keys_are_refused() -> None:
    with pytest.raises(YamlProblem):
        load_with_lines("- x: &m {a: 1}\n  y: {<<: *m}\n")


def test_anchor_without_alias_is_plain_data() -> None:
    data, _ = load_with_lines("- a: &x 1\n  b: 2\n")
    assert data == [{"a": 1, "b": 2}]


def test_special_files_and_escaping_symlinks_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(GOOD)
    root = _root(tmp_path)
    os.mkfifo(root / "components.yaml")  # reading it would wait for a writer forever
    (root / "concepts.yaml").symlink_to("/dev/zero")  # reading it would fill memory
    (root / "algorithms.yaml").symlink_to(outside)
    (root / "questions" / "q.yaml").symlink_to(root / "components.yaml")  # inside, but a FIFO
    problems = _problem_lines(validate(root), root)
    assert len(problems) == 4, problems
    assert any(p.startswith(f"{root}/components.yaml:1: a FIFO") for p in problems), problems
    assert any(p.startswith(f"{root}/questions/q.yaml:1: a FIFO") for p in problems), problems
    assert any(p.startswith(f"{root}/concepts.yaml:1: a symlink that leaves") for p in problems), problems
    assert any(p.startswith(f"{root}/algorithms.yaml:1: a symlink that leaves") for p in problems), problems


def test_symlink_inside_the_directory_is_read(tmp_path: Path) -> None:
    root = _root(tmp_path, **{"real.txt": GOOD})
    (root / "components.yaml").symlink_to(root / "real.txt")
    compiled = compile_content(root)
    assert compiled.problems == [] and "a-thing" in compiled.records


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    filler = "# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    root = _root(tmp_path, **{"components.yaml": GOOD + filler})
    problems = [str(p) for p in compile_content(root).problems]
    assert problems == ["content/components.yaml:1: file is larger than the 1024 KiB limit for a content file; "
                        "not read"]
    assert compile_content(_root(tmp_path / "ok", **{"components.yaml": GOOD + "# x\n" * 1000})).problems == []


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    for depth in (MAX_DEPTH + 2, 900, 5000):
        with pytest.raises(YamlProblem, match="nested|malformed"):
            load_with_lines("- " + "[" * depth + "]" * depth + "\n")
        block = "".join("  " * i + "- \n" for i in range(depth if depth < 1000 else 999)) + "  " * depth + "x\n"
        with pytest.raises(YamlProblem):
            load_with_lines(block)


YAMLISH = st.lists(st.sampled_from(["- ", "  ", "\n", ":", ": ", "id: ", "a", "-", "&a ", "*a", "[", "]", "{", "}",
                                    ",", "'", '"', "!!binary ", "!!timestamp ", "!!python/object ", "!x ", "? ",
                                    "|", ">", "#", "1e999", "2001-13-45", "~", "\t", "\x00", "\ufeff", "é", "---",
                                    "...", "%YAML 1.1\n", "<<: ", "stage: ", "sources: ", "name: ", "summary: "]),
                   max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(YAMLISH, st.text(max_size=200)), name=st.sampled_from(["components.yaml", "questions/q.yaml",
                                                                            "exams.yaml", "bogus.yaml"]))
def test_fuzz_content_loader_gives_records_or_problems(tmp_path: Path, text: str, name: str) -> None:
    root = tmp_path / "fuzz"
    (root / "questions").mkdir(parents=True, exist_ok=True)
    for old in list(root.glob("*.yaml")) + list((root / "questions").glob("*.yaml")):
        old.unlink()
    (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    compiled = compile_content(root)  # never raises
    assert isinstance(compiled, Compiled)
    for problem in compiled.problems:
        assert "\n" not in problem.message and problem.line >= 1


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300))
def test_fuzz_raw_bytes(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    root = tmp_path_factory.mktemp("raw")
    (root / "components.yaml").write_bytes(raw)
    compiled = compile_content(root)
    assert all("\n" not in p.message for p in compiled.problems)


def test_questions_folder_linked_outside_is_not_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "q.yaml").write_text("- id: q\n")
    root = tmp_path / "content"
    root.mkdir()
    (root / "components.yaml").write_text(GOOD)
    (root / "questions").symlink_to(elsewhere, target_is_directory=True)
    problems = [str(p) for p in compile_content(root).problems]
    assert len(problems) == 1 and problems[0].startswith("content/questions/q.yaml:1: a symlink that leaves"), problems
