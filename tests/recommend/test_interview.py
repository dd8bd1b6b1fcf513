"""The interview: skippable, validated, never reached without a TTY; real widgets driven by a pipe input."""

from __future__ import annotations

from functools import partial

import pytest

from sagecli.recommend.facts import SPECS, missing
from sagecli.ui.recommend_view import SKIP, ask_questionary, interview


def _scripted(answers):
    it = iter(answers)
    return lambda fact: next(it)


def test_missing_lists_only_facts_worth_asking():
    names = [f.name for f in missing("deployment", {"payload_mb": 2})]
    assert "payload_mb" not in names and "traffic" in names
    assert all(f.ask for f in missing("instance", {}))


def test_skipping_every_question_gives_no_answers():
    facts = missing("deployment", {})
    assert interview("deployment", facts, ask=lambda fact: SKIP) == {}


def test_cancel_stops_and_keeps_earlier_answers():
    facts = missing("deployment", {})
    answers = interview("deployment", facts, ask=_scripted(["3", None]))
    assert answers == {facts[0].name: 3.0}


def test_invalid_answer_is_asked_again():
    fact = next(f for f in SPECS["deployment"] if f.name == "payload_mb")
    assert interview("deployment", [fact], ask=_scripted(["-1", "abc", "12"])) == {"payload_mb": 12.0}


def test_command_skips_interview_without_tty(monkeypatch):
    # The command only interviews on a TTY; under pytest stdin is not one, so the interview must not run.
    import sagecli.ui.recommend_view as view
    from sagecli.commands import recommend

    monkeypatch.setattr(view, "interview", lambda *a, **k: pytest.fail("asked without a TTY"))
    monkeypatch.setattr(view, "render", lambda *a, **k: None)
    recommend._run("deployment", {}, json_out=False, explain=False, no_input=False, show_all=False)


def test_questionary_widgets_with_pipe_input():
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    traffic = next(f for f in SPECS["deployment"] if f.name == "traffic")
    payload = next(f for f in SPECS["deployment"] if f.name == "payload_mb")
    realtime = next(f for f in SPECS["deployment"] if f.name == "realtime")
    with create_pipe_input() as pipe:
        pipe.send_text("\x1b[B\x1b[B\r")  # down twice from 'steady' -> 'intermittent'
        pipe.send_text("7.5\r")
        pipe.send_text("\x1b[B\r")  # the cursor starts on the default 'yes'; down is 'no'
        ask = partial(ask_questionary, input=pipe, output=DummyOutput())
        answers = interview("deployment", [traffic, payload, realtime], ask=ask)
    assert answers["traffic"] == "intermittent"
    assert answers["payload_mb"] == 7.5
    assert answers["realtime"] is False


def test_enter_takes_the_shown_default_and_ctrl_c_cancels():
    """Issue 12: yes/no questions say their default, Enter takes it, Ctrl-C stops instead of going on."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from sagecli.ui.recommend_view import _default_text

    realtime = next(f for f in SPECS["deployment"] if f.name == "realtime")
    gpu = next(f for f in SPECS["deployment"] if f.name == "gpu")
    assert _default_text(realtime) == "yes" and _default_text(gpu) == "no"
    with create_pipe_input() as pipe:
        pipe.send_text("\r\r")
        ask = partial(ask_questionary, input=pipe, output=DummyOutput())
        assert interview("deployment", [realtime, gpu], ask=ask) == {}  # both stay documented defaults
    with create_pipe_input() as pipe:
        pipe.send_text("\x03")
        ask = partial(ask_questionary, input=pipe, output=DummyOutput())
        with pytest.raises(KeyboardInterrupt):
            interview("deployment", [realtime, gpu], ask=ask)


def test_no_double_negative_in_questions():
    for facts in SPECS.values():
        for fact in facts:
            assert " not available" not in fact.help, fact.help


def test_negated_flag_spellings_are_accepted():
    from sagecli.recommend.facts import normalize

    inputs, _ = normalize("deployment", {"no_gpu": True, "mixed_frameworks": True, "no_user_impact": True,
                                         "no_cold_start_ok": True})
    assert inputs["gpu"] is False and inputs["same_framework"] is False
    assert inputs["no_user_impact"] is True and inputs["cold_start_ok"] is False
    assert normalize("instance", {"single": True})[0]["distributed"] is False
