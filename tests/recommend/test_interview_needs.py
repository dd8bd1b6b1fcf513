"""--interactive: the interview ends with one optional multi-select of named requirements (content/needs.yaml)."""

from __future__ import annotations

import os
import re
import sys

import pytest

from sagecli.knowledge.store import load_kb
from sagecli.recommend.facts import missing
from sagecli.recommend.needs import vocabulary
from sagecli.ui.recommend_view import SKIP, ask_needs_questionary, interview, need_label
from tests.conftest import ROOT


def _fail(*_a):
    pytest.fail("needs were offered although none were passed in")


def test_picked_needs_become_an_answer():
    needs = vocabulary(load_kb(), "deployment")
    facts = missing("deployment", {})
    answers = interview("deployment", facts, ask=lambda fact: SKIP, needs=needs,
                        ask_needs=lambda offered: ["vpc", "data-capture"])
    assert answers == {"needs": ["data-capture", "vpc"]}


def test_no_pick_and_no_offer_leave_needs_out():
    facts = missing("deployment", {})
    assert interview("deployment", facts, ask=lambda fact: SKIP, needs=[{"id": "need.vpc"}],
                     ask_needs=lambda offered: []) == {}
    assert interview("deployment", facts, ask=lambda fact: SKIP, ask_needs=_fail) == {}


def test_only_the_recommenders_needs_are_offered():
    kb = load_kb()
    offered = {}
    for rec in ("instance", "input-mode", "deployment"):
        interview(rec, [], needs=vocabulary(kb, rec), ask_needs=lambda n, r=rec: offered.setdefault(r, n) and [])
    assert {n["id"] for n in offered["instance"]}.isdisjoint({n["id"] for n in offered["input-mode"]})
    assert "need.data-capture" in {n["id"] for n in offered["deployment"]}
    assert all(len(need_label(n)) <= 76 for n in vocabulary(kb))  # one checkbox line fits 80 columns


def test_checkbox_widget_with_pipe_input():
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    needs = vocabulary(load_kb(), "deployment")
    with create_pipe_input() as pipe:
        pipe.send_text(" \x1b[B \r")  # tick the first two, confirm
        picked = ask_needs_questionary(needs, input=pipe, output=DummyOutput())
    assert picked == [n["id"].removeprefix("need.") for n in needs[:2]]
    with create_pipe_input() as pipe:
        pipe.send_text("\r")  # nothing ticked: no need
        assert ask_needs_questionary(needs, input=pipe, output=DummyOutput()) == []


def test_tty_interactive_offers_needs_and_uses_the_pick():
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "80", "TERM": "xterm"}
    args = ["-m", "sagecli", "recommend", "deployment", "--interactive", "--payload-mb", "1", "--traffic", "steady",
            "--processing-seconds", "1", "--realtime", "--no-gpu", "--cold-start-ok", "--risk", "medium",
            "--alarms", "--no-user-impact", "--capacity-limited", "--explain"]
    child = pexpect.spawn(sys.executable, args, env=env, encoding="utf-8", timeout=30, dimensions=(40, 80))
    child.expect("Compare versions side by side")  # the one fact left to ask
    child.send("\r")  # Enter keeps the default
    child.expect("Any of these requirements")
    child.send(" ")  # tick the first: data-capture
    child.send("\r")
    child.expect(pexpect.EOF)
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before or "")
    child.close()
    assert child.exitstatus == 0, out
    assert "serverless-no-data-capture" in out  # the rule that the picked need triggers fired
