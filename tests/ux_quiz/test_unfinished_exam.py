"""Starting a new quiz while a mock exam is unfinished says so, and the exam can still be resumed."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE

FX = ["--content", str(FIXTURE), "--no-generated"]


def test_new_quiz_mentions_the_unfinished_exam_which_still_resumes() -> None:
    res = run_cli("quiz", *FX, "--mode", "exam", "--count", "4", "--seed", "1", input="A\nZZZ\n")
    assert res.returncode == 2  # the malformed second piped answer stops the exam; the first is saved
    res = run_cli("quiz", *FX, "--type", "mc", "--count", "1", "--answers", "A", "--json")
    assert res.returncode == 0, res.stderr
    assert res.stderr.startswith("Note: mock exam session 1 is unfinished (1 of 4 answered")
    res = run_cli("quiz", "--resume", "--answers", ",,", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["mode"] == "exam" and out["session"] == 1 and out["answered"] == 1 and out["complete"]
    res = run_cli("quiz", *FX, "--type", "mc", "--count", "1", "--answers", "A", "--json")
    assert "Note:" not in res.stderr  # finished: no more notes
