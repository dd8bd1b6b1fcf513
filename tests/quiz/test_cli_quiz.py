"""The real `sagecli quiz` in subprocesses: a whole mock exam, crash safety, resume, errors, export, stats."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, run_cli
from tests.quiz.helpers import FIXTURE, big_bank

FX = ["--content", str(FIXTURE), "--no-generated"]


def _answers_for(args: list[str], n_blank: int, home) -> list[str]:
    """The right answers (displayed letters) of the plan a seed gives, read from a throwaway run."""
    res = run_cli("quiz", *args, "--json", "--answers", "," * (n_blank - 1), env={"SAGECLI_HOME": str(home)})
    assert res.returncode == 0, res.stderr
    return [q["answer"] for q in json.loads(res.stdout)["questions"]]


def _db_answers(home) -> list[tuple]:
    con = sqlite3.connect(home / "progress.sqlite3")
    try:
        return con.execute("SELECT pos, qid, answer, correct FROM answers ORDER BY pos").fetchall()
    except sqlite3.OperationalError:  # the process has not created its tables yet
        return []
    finally:
        con.close()


def test_whole_mock_exam_non_interactive(tmp_path) -> None:
    content = big_bank(tmp_path)
    args = ["--mode", "exam", "--seed", "5", "--content", str(content), "--no-generated"]
    right = _answers_for(args, 1, tmp_path / "scratch")
    assert len(right) == 65
    right[0] = ""  # one left unanswered: wrong, as on the exam
    res = run_cli("quiz", *args, "--json", "--answers", ",".join(right))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["total"] == 65 and out["correct"] == 64 and out["answered"] == 64
    assert out["complete"] and out["time_limit_seconds"] == 130 * 60
    sc = out["score"]
    assert sc["low"] <= sc["estimate"] <= sc["high"] <= 1000 and sc["passing"] == 720 and sc["pass_estimate"]
    assert sum(d["total"] for d in out["domains"].values()) == 65
    assert all(q["seconds"] >= 0 for q in out["questions"])
    text = run_cli("stats", "--content", str(content), "--json")
    stats = json.loads(text.stdout)
    assert stats["mock_exams"][0]["correct"] == 64 and stats["answers"] == 65


def test_plain_text_result_is_labelled_an_estimate(tmp_path) -> None:
    content = big_bank(tmp_path, per_domain=20)
    res = run_cli("quiz", "--mode", "exam", "--count", "8", "--seed", "1", "--content", str(content),
                  "--no-generated", "--answers", "")
    assert res.returncode == 0, res.stderr
    assert "Estimated score" in res.stdout and "estimate only" in res.stdout and "Explanations" in res.stdout


def test_killed_between_answers_loses_nothing_and_resumes(tmp_path, sagecli_home) -> None:
    args = [*FX, "--seed", "4", "--count", "6"]
    right = _answers_for(args, 6, tmp_path / "scratch")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sagecli", "quiz", *args, "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for k in range(3):
            proc.stdin.write(right[k] + "\n")
            proc.stdin.flush()
            deadline = time.time() + 30
            while time.time() < deadline:
                if (sagecli_home / "progress.sqlite3").exists() and len(_db_answers(sagecli_home)) == k + 1:
                    break
                time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    saved = _db_answers(sagecli_home)
    assert [(p, ok) for p, _q, _a, ok in saved] == [(0, 1), (1, 1), (2, 1)]
    res = run_cli("quiz", "--resume", "--json", "--answers", ",".join(right[3:]))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["total"] == 6 and out["correct"] == 6 and out["complete"]
    assert [q["answer"] for q in out["questions"]] == right  # same questions, same option order


def test_practice_stops_when_answers_run_out_and_resume_finishes(tmp_path) -> None:
    args = [*FX, "--seed", "8", "--count", "6"]
    right = _answers_for(args, 6, tmp_path / "scratch")
    first = json.loads(run_cli("quiz", *args, "--json", "--answers", ",".join(right[:2])).stdout)
    assert first["complete"] is False and first["answered"] == 2
    res = run_cli("quiz", "--resume", "--json", input="\n".join(right[2:]) + "\n")
    out = json.loads(res.stdout)
    assert out["complete"] and out["correct"] == 6


def test_malformed_answer_is_one_line_naming_the_question() -> None:
    res = run_cli("quiz", *FX, "--type", "mr", "--count", "1", "--seed", "1", "--answers", "A")
    assert res.returncode == 2
    first = res.stderr.splitlines()[0]
    assert first.startswith("Error: answer 1 (question 1 of 1, q-") and "expected 2 different letters" in first
    assert "Traceback" not in res.stderr


def test_resume_without_a_session_is_a_clear_error() -> None:
    res = run_cli("quiz", "--resume", "--answers", "A")
    assert res.returncode == 1 and res.stderr.startswith("Error: no interrupted quiz to resume")


def test_corrupt_database_is_reported_and_kept(sagecli_home) -> None:
    db = sagecli_home / "progress.sqlite3"
    junk = b"this is not a database " * 200
    db.write_bytes(junk)
    res = run_cli("quiz", *FX, "--count", "1", "--answers", "A")
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    assert lines[0].startswith("Error: the progress database") and "cannot be read" in lines[0]
    assert lines[1].startswith("Hint:") and ".recover" in lines[1]
    assert db.read_bytes() == junk  # never wiped
    assert run_cli("stats", "--json").returncode == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "anki"])
def test_export(tmp_path, fmt: str) -> None:
    out = tmp_path / f"bank.{ {'anki': 'apkg'}.get(fmt, fmt)}"
    res = run_cli("quiz", "export", "--format", fmt, "-o", str(out), *FX)
    assert res.returncode == 0, res.stderr
    assert "Wrote 6 questions" in res.stdout and out.stat().st_size > 100
    if fmt == "json":
        ids = {u["id"] for u in json.loads(out.read_text())}
        assert "q-fx-case-retail-algo" in ids
    if fmt == "anki":
        import zipfile

        assert "collection.anki2" in zipfile.ZipFile(out).namelist()


def test_stats_after_practice(tmp_path) -> None:
    args = [*FX, "--seed", "2", "--count", "6"]
    right = _answers_for(args, 6, tmp_path / "scratch")
    right[1] = ""
    run_cli("quiz", *args, "--json", "--answers", ",".join(right))
    res = run_cli("stats", *FX[:2], "--json", "--exam-date", "2030-01-15")
    assert res.returncode == 0, res.stderr
    s = json.loads(res.stdout)
    assert s["answers"] == 6 and s["coverage"]["seen"] == 6
    assert sum(d["correct"] for d in s["domains"].values()) == 5
    assert s["due"]["cards"] == 6 and len(s["due"]["forecast"]) == 7
    assert 0 <= s["exam_day"]["mean_recall"] < 1
    assert s["readiness"]["low"] <= s["readiness"]["estimate"] <= s["readiness"]["high"]
    text = run_cli("stats", *FX[:2])
    assert "Readiness" in text.stdout and "Due today" in text.stdout
    bad = run_cli("stats", "--exam-date", "15/01/2030")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_scripted_json_path_does_not_import_questionary() -> None:
    code = (
        "import sys\nfrom sagecli.__main__ import main\n"
        f"sys.argv=['sagecli','quiz','--content',{str(FIXTURE)!r},'--no-generated','--type','mc','--count','1',"
        "'--answers','A','--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ','.join(m for m in ('questionary','prompt_toolkit','rich') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.stdout.strip().splitlines()[-1] == "LOADED:"


def test_two_processes_at_once_share_the_store(tmp_path, sagecli_home) -> None:
    args = [*FX, "--count", "6", "--json"]
    answers = {s: _answers_for([*FX, "--count", "6", "--seed", str(s)], 6, tmp_path / f"s{s}") for s in (1, 2)}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "sagecli", "quiz", *args, "--seed", str(s), "--answers",
                               ",".join(answers[s])], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for s in (1, 2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(json.loads(o)["correct"] == 6 for o, _ in outs)
    con = sqlite3.connect(sagecli_home / "progress.sqlite3")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM answers").fetchone()[0] == 12
        assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 12
    finally:
        con.close()


def test_no_answers_on_a_non_terminal_is_an_error_not_an_empty_session() -> None:
    res = run_cli("quiz", *FX, "--count", "2", input="")
    assert res.returncode == 1 and res.stderr.startswith("Error: no answers were given")
    assert run_cli("quiz", "--resume", "--answers", "A").stderr.startswith("Error: no interrupted quiz")


def test_database_from_a_newer_sagecli_is_left_alone(sagecli_home) -> None:
    db = sagecli_home / "progress.sqlite3"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    before = db.read_bytes()
    res = run_cli("quiz", *FX, "--count", "1", "--answers", "A")
    assert res.returncode == 1 and "newer sagecli" in res.stderr.splitlines()[0]
    assert db.read_bytes() == before
