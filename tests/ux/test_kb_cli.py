"""`sagecli kb` as users see it on an 80-column terminal: nothing cut off, search finds what they type."""

from __future__ import annotations

import json

import pytest

from sagecli.knowledge.store import load_kb
from tests.conftest import run_cli

NARROW = {"COLUMNS": "80", "NO_COLOR": "1"}
KB = load_kb()
KINDS = sorted(KB.kinds())


def _unboxed(text: str) -> str:
    """The table or panel text with borders and padding removed, folded lines joined back up."""
    return "".join(line.strip().strip("│┃║").strip() for line in text.splitlines())


@pytest.mark.parametrize("kind", KINDS)
def test_list_at_80_columns_never_cuts_an_id(kind):
    res = run_cli("kb", "list", kind, env=NARROW)
    assert res.returncode == 0, res.stderr
    assert "…" not in res.stdout, f"`kb list {kind}` truncates text at 80 columns"
    assert all(len(line) <= 80 for line in res.stdout.splitlines())
    ids = [r["id"] for r in KB.of_kind(kind)]  # instance families: one line each
    lines = res.stdout.splitlines()
    for rid in ids:
        assert any(rid in line for line in lines), f"{rid} is not shown whole in `kb list {kind}`"


def test_list_every_instance_type_at_80_columns():
    res = run_cli("kb", "list", "instance_family", "--all", env=NARROW)
    assert res.returncode == 0, res.stderr
    assert "…" not in res.stdout and all(len(line) <= 80 for line in res.stdout.splitlines())
    lines = res.stdout.splitlines()
    for rid in [s["type"] for f in KB.of_kind("instance_family") for s in f["sizes"]]:
        assert any(rid in line for line in lines), f"{rid} is not shown whole in `kb list instance_family --all`"


def test_narrow_lists_say_where_the_rest_is_and_wide_ones_show_it():
    narrow = run_cli("kb", "list", "inference_option", env=NARROW)
    assert "`sagecli kb show ID` has every field" in narrow.stdout
    assert "billing" not in narrow.stdout
    wide = run_cli("kb", "list", "inference_option", env={"COLUMNS": "160", "NO_COLOR": "1"})
    assert "billing" in wide.stdout and "has every field" not in wide.stdout


@pytest.mark.parametrize("record_id", ["serverless-inference", "ml.g5.2xlarge", "xgboost"])
def test_show_keeps_every_source_url_whole(record_id):
    res = run_cli("kb", "show", record_id, env=NARROW)
    assert res.returncode == 0, res.stderr
    assert "…" not in res.stdout
    rec = json.loads(run_cli("kb", "show", record_id, "--json").stdout)
    for url in rec["sources"]:
        assert url in _unboxed(res.stdout), f"{url} is cut off in `kb show {record_id}`"


def test_show_a_question_id():
    qid = sorted(KB.questions)[0]
    res = run_cli("kb", "show", qid, env=NARROW)
    assert res.returncode == 0 and qid in _unboxed(res.stdout)


def test_search_reads_limit_names_and_ranks_the_named_record_first():
    """'serverless payload' is how a user asks for the 4 MB limit; the record is named serverless, so it leads."""
    res = run_cli("kb", "search", "serverless payload", "--json")
    hits = [h["id"] for h in json.loads(res.stdout)]
    assert hits and hits[0] == "serverless-inference"


def test_search_puts_an_exact_id_first():
    hits = [h["id"] for h in json.loads(run_cli("kb", "search", "xgboost", "--json").stdout)]
    assert hits[0] == "xgboost" and len(hits) > 1


def test_search_without_hits_says_what_to_try():
    res = run_cli("kb", "search", "zzqx nothing", env=NARROW)
    assert res.returncode == 0
    assert "Try fewer or shorter words" in res.stdout


def test_validate_names_the_users_own_files(tmp_path):
    """A user's directory is not the bundled content/: problems point at the files they can open."""
    mine = tmp_path / "mykb"
    mine.mkdir()
    (mine / "components.yaml").write_text("- id: a-thing\n  name: A thing\n")
    res = run_cli("kb", "validate", str(mine))
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    assert "below" in lines[1]  # the hint points where the problems are printed
    problems = lines[2:]
    assert problems and all(p.startswith(f"{mine.as_posix()}/components.yaml:") for p in problems), problems


def test_validate_missing_directory_is_a_usage_error(tmp_path):
    res = run_cli("kb", "validate", str(tmp_path / "nowhere"))
    assert res.returncode == 2
    assert res.stderr.startswith("Error: no content directory at") and "Traceback" not in res.stderr


def test_show_question_reads_as_a_question():
    """A question's panel is titled with its id, and options read 'A. text (correct)' rather than key: A; text: ..."""
    qid, q = next((k, v) for k, v in sorted(KB.questions.items()) if v["type"] == "mc")
    res = run_cli("kb", "show", qid, env={"COLUMNS": "160", "NO_COLOR": "1"})
    assert f"Question {qid}" in res.stdout
    assert "key: A;" not in res.stdout
    right = next(o for o in q["options"] if o["correct"])
    assert f"{right['key']}. {right['text']} (correct)" in _unboxed(res.stdout) or \
        f"{right['key']}. {right['text']} (correct)" in res.stdout


def test_search_takes_several_words_without_quotes():
    """Users type `kb search serverless payload`; that is one search, not a usage error."""
    res = run_cli("kb", "search", "serverless", "payload", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)[0]["id"] == "serverless-inference"


def test_show_instance_type_labels_its_price_and_hides_zero_counts():
    """A price reads as USD per hour with its pricing component; a GPU type does not list 'accelerators 0'."""
    rec = json.loads(run_cli("kb", "show", "ml.g5.2xlarge", "--json").stdout)
    res = run_cli("kb", "show", "ml.g5.2xlarge", env={"COLUMNS": "160", "NO_COLOR": "1"})
    price = rec["price"]
    assert f"USD {price['usd_per_hour']:.4g}/hour: on-demand {price['component']} price" in res.stdout
    assert "usd_per_hour" not in res.stdout
    assert not any(line.strip("│ ").startswith("accelerators ") for line in res.stdout.splitlines())
