"""Practice feedback: every option marked right or wrong, the learner's own picks visible, per-step and
per-pair marks for ordering and matching, and text that wraps at words under its own indent."""

from __future__ import annotations

from sagecli.quiz.flow import load_units
from sagecli.quiz.session import Presented
from sagecli.ui.quiz_view import feedback_rows, review_labels, review_start, wrap
from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE

UNITS, _, _ = load_units(FIXTURE, generated=False)


def _q(qid: str, perm: list[str] | None = None, answer: list[str] | None = None, flagged: bool = False,
       pos: int = 0) -> Presented:
    u = UNITS[qid]
    pool = u["options"] or u["items"] or u["choices"]
    return Presented(u, perm or [o["key"] for o in pool], pos, 3, "exam", answer=answer, flagged=flagged)


def test_multiple_response_rows_mark_correctness_and_the_learners_picks() -> None:
    u = UNITS["q-fx-pipe-two"]
    right = {o["key"] for o in u["options"] if o["correct"]}
    wrong = next(o["key"] for o in u["options"] if not o["correct"])
    picked = [sorted(right)[0], wrong]
    rows = feedback_rows(_q("q-fx-pipe-two"), picked)
    assert [r[0] for r in rows] == [o["correct"] for o in u["options"]]
    assert [r[1] for r in rows] == [o["key"] in picked for o in u["options"]]
    assert all(r[4] for r in rows)  # a why on every option


def test_ordering_rows_say_where_a_misplaced_step_was_put() -> None:
    u = UNITS["q-fx-order-deploy"]
    keys = [i["key"] for i in u["items"]]
    swapped = [keys[1], keys[0], *keys[2:]]
    rows = feedback_rows(_q("q-fx-order-deploy"), swapped)
    assert [r[0] for r in rows] == [False, False] + [True] * (len(keys) - 2)
    assert rows[0][5] == "(you: 2nd)" and rows[1][5] == "(you: 1st)" and rows[2][5] == ""


def test_matching_rows_show_the_learners_wrong_choice() -> None:
    u = UNITS["q-fx-match-monitor"]
    answer = [p["answer"] for p in u["prompts"]]
    other = next(c for c in u["choices"] if c["key"] != answer[0])
    rows = feedback_rows(_q("q-fx-match-monitor"), [other["key"], *answer[1:]])
    assert [r[0] for r in rows] == [False] + [True] * (len(answer) - 1)
    assert other["text"] in rows[0][5] and rows[1][5] == ""


def test_wrap_breaks_at_words_with_a_hanging_indent(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    lines = wrap("A. " + "word " * 20, "  ", "     ")
    assert all(len(line) <= 39 for line in lines) and all(line.endswith("word") for line in lines)
    assert lines[0].startswith("  A. ") and all(line.startswith("     word") for line in lines[1:])


def test_review_screen_fits_the_width_and_starts_on_open_work() -> None:
    rows = [_q("q-fx-serverless-payload", answer=["A"]), _q("q-fx-pipe-two", answer=["A", "B"], flagged=True,
                                                             pos=1),
            _q("q-fx-order-deploy", pos=2)]
    labels = review_labels(rows, 60)
    assert all(len(label) <= 54 for label in labels) and labels[0].endswith("\u2026")
    assert review_start(rows) == 2  # unanswered first
    rows[2].answer = ["A"]
    assert review_start(rows) == 1  # then flagged
    rows[1].flagged = False
    assert review_start(rows) is None  # nothing open: the cursor stays on Submit


def test_scripted_feedback_marks_picks_and_unanswered(tmp_path) -> None:
    args = ["quiz", "--content", str(FIXTURE), "--no-generated", "--type", "mc", "--count", "1", "--no-shuffle"]
    res = run_cli(*args, "--answers", "A")
    assert res.returncode == 0, res.stderr
    assert "\u00bb A." in res.stdout and "\u00bb you: A" in res.stdout and "\u00bb B." not in res.stdout
    res = run_cli(*args, "--answers", "")
    assert res.returncode == 0, res.stderr
    assert "Unanswered (counts as wrong)" in res.stdout and "\u00bb" not in res.stdout


def test_mock_exam_ends_with_the_score_not_the_last_explanation(tmp_path) -> None:
    res = run_cli("quiz", "--mode", "exam", "--content", str(FIXTURE), "--no-generated", "--count", "3",
                  "--seed", "1", "--answers", ",,,,,,")
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert text.index("Explanations") < text.index("Estimated score") < text.index("By domain")
    assert text.index("Explanations") < text.index("Mock exam result") < text.index("Estimated score")
    assert text.rstrip().splitlines()[-2].startswith("Missed: #1")
    assert text.rstrip().splitlines()[-1] == "Drill them: sagecli quiz --retake wrong"


def test_malformed_answer_after_good_ones_says_they_are_saved_and_how_to_go_on() -> None:
    res = run_cli("quiz", "--content", str(FIXTURE), "--no-generated", "--count", "4", "--seed", "1",
                  "--no-shuffle", input="A\nZZZZ\n")  # piped answers are taken as they come
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert lines[0].startswith("Error: answer 2 (question 2 of ") and "Traceback" not in res.stderr
    assert "1 answer(s) before it are saved" in lines[1] and "--resume" in lines[1]
    # the saved answer is really there: resuming asks from question 2 and numbers the script afresh
    res = run_cli("quiz", "--resume", "--answers", "ZZZZ")
    assert res.returncode == 2 and res.stderr.startswith("Error: answer 1 (question 2 of ")


def test_case_part_names_its_part_not_its_id(capsys) -> None:
    from sagecli.ui.quiz_view import show_question

    show_question(_q("q-fx-case-retail-two"))
    text = capsys.readouterr().out
    assert "Case study (part 2/2" in text and "q-fx-case-retail" not in text
    assert "A retailer keeps three years" in text


def test_piped_feedback_wraps_at_words_without_trailing_padding() -> None:
    res = run_cli("quiz", "--content", str(FIXTURE), "--no-generated", "--count", "5", "--seed", "3",
                  "--answers", ",,,,", env={"COLUMNS": "60"})
    assert res.returncode == 0, res.stderr
    feedback = res.stdout[:res.stdout.index("By domain")]
    assert all(len(line) <= 60 for line in feedback.splitlines() if "https://" not in line)
    assert not [line for line in feedback.splitlines() if line.endswith(" ")]
