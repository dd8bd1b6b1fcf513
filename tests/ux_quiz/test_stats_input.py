"""`sagecli stats`: a past exam date is refused in one line; a new learner gets a short start, not empty tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE


def test_exam_date_in_the_past_is_one_line_and_exit_2() -> None:
    res = run_cli("stats", "--content", str(FIXTURE), "--exam-date", "2020-01-01")
    assert res.returncode == 2 and "in the past" in res.stderr and "Traceback" not in res.stderr
    today = datetime.now(UTC).date().isoformat()
    assert run_cli("stats", "--content", str(FIXTURE), "--exam-date", today).returncode == 0
    soon = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    res = run_cli("stats", "--content", str(FIXTURE), "--exam-date", soon, "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["exam_day"]["date"] == soon


def test_stats_before_any_answer_is_a_short_start() -> None:
    res = run_cli("stats", "--content", str(FIXTURE))
    assert res.returncode == 0
    assert res.stdout.startswith("No answers yet") and "Accuracy by domain" not in res.stdout
    run_cli("quiz", "--content", str(FIXTURE), "--no-generated", "--type", "mc", "--count", "1", "--answers", "A")
    assert "Accuracy by domain" in run_cli("stats", "--content", str(FIXTURE)).stdout
