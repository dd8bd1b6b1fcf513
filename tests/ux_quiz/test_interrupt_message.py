"""Ctrl-C in a mock exam says how many were really answered, how many flagged, and the clock left."""

from __future__ import annotations

import pytest

from sagecli.quiz.db import Store
from sagecli.quiz.flow import ScriptPrompter, load_units
from sagecli.quiz.session import Interrupted, QuizOptions, Runner, start
from tests.quiz.helpers import FakeClock, big_bank


def test_interrupt_counts_answers_flags_and_time_left(tmp_path) -> None:
    units, _kb, fmt = load_units(big_bank(tmp_path), generated=False)
    store, clock = Store(tmp_path / "i.db"), FakeClock()
    sid = start(store, units, fmt, QuizOptions(mode="exam", count=13, seed=1), clock())  # 26 minutes

    class ThenCtrlC(ScriptPrompter):
        def ask(self, q):
            clock.tick(60)
            if q.pos == 3:
                raise KeyboardInterrupt
            return super().ask(q)

    # one answer, one "answer later" flag, one blank: only the first counts as answered
    first = ["A", "?", ""]
    with pytest.raises(Interrupted) as stop:
        Runner(store, units, fmt, sid, ThenCtrlC(iter(first)), clock).run()
    assert stop.value.exit_code == 130
    msg = str(stop.value.message)
    assert msg.startswith(f"Stopped: 1 of 13 answered (1 flagged), saved in session {sid}")
    assert msg.endswith("; 00:22:00 left on the exam clock.")
