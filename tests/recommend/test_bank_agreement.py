"""Quiz items with a `recommender_check` must agree with the recommenders (trivially true with none)."""

from __future__ import annotations

from typing import Any

import pytest

from sagecli.knowledge.store import load_kb
from sagecli.recommend import decide


def _checks() -> list[tuple[str, dict[str, Any]]]:
    kb = load_kb()
    found = []
    for qid, q in sorted(kb.questions.items()):
        for item in [q, *(q.get("parts") or [])]:
            check = item.get("recommender_check")
            if check:
                found.append((item.get("id", qid), check))
    return found


CHECKS = _checks()


@pytest.mark.parametrize(("qid", "check"), CHECKS or [pytest.param(None, None, marks=pytest.mark.skip(
    reason="no quiz item carries a recommender_check yet"))], ids=[c[0] for c in CHECKS] or ["none"])
def test_bank_agrees_with_recommenders(qid, check):
    kb = load_kb()
    result = decide(check["recommender"], dict(check.get("args") or {}), kb)
    decision = next(d for d in result["decisions"] if d["decision"] == check["decision"])
    assert decision["choice"] == check["expect"], (
        f"{qid}: the bank expects {check['expect']!r}, the recommender says {decision['choice']!r}"
    )


def test_checks_name_real_recommenders():
    for _qid, check in CHECKS:
        assert check["recommender"] in ("instance", "input-mode", "deployment")
