"""Fixture banks and a controllable clock for the quiz tests."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

FIXTURE = Path(__file__).parent / "fixtures" / "content"
DOC = "https://docs.aws.amazon.com/sagemaker/latest/dg/whatis.html"


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _mc(qid: str, domain: int, n: int) -> dict:
    return {
        "id": qid, "type": "mc", "domain": domain, "task": f"{domain}.1",
        "stem": f"Synthetic test question {n} for domain {domain}?",
        "options": [
            {"key": k, "text": f"Option {k} of {n}", "correct": k == "C",
             "why": f"Option {k} is {'right' if k == 'C' else 'wrong'} here."}
            for k in "ABCD"
        ],
        "sources": [DOC],
    }


def big_bank(root: Path, per_domain: int = 20, duration_minutes: int = 130) -> Path:
    """A content directory: the small fixture plus per_domain synthetic mc items in each domain."""
    content = root / "content"
    shutil.copytree(FIXTURE, content)
    exams = yaml.safe_load((content / "exams.yaml").read_text())
    exams[0]["duration_minutes"] = duration_minutes
    (content / "exams.yaml").write_text(yaml.safe_dump(exams, sort_keys=False))
    items = [_mc(f"q-syn-{d}-{i}", d, i) for d in range(1, 5) for i in range(per_domain)]
    (content / "questions" / "synthetic.yaml").write_text(yaml.safe_dump(items, sort_keys=False))
    return content
