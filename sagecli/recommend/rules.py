"""Documented rules as data: content/rules/<decision>.yaml, applied to a decision's candidates.

A rule record (validated by sagecli.knowledge.schema.Rule when content compiles):

    - id: serverless-no-data-capture          # stable, unique across the knowledge base
      name: Serverless endpoints have no data capture
      summary: One line a reader sees under --explain.
      decision: inference_option              # instance | input_mode | inference_option | rollout
      when: {need: data-capture}              # sagecli.knowledge.predicates: all/any/not, need, fact tests
      effects:
        - option: serverless                  # or options: [a, b], or a glob (ml.g5.*), or where: {...}
          exclude: serverless inference does not support data capture
        - option: realtime
          adjust: 0.5                         # logit points; needs a reason
          reason: real-time endpoints capture requests and responses for Model Monitor
      sources: [https://docs.aws.amazon.com/...]
      checked: 2026-12-02

Effects run in file order after the decision's own code scored its candidates; an exclude names the rule
in the candidate's reasons. `disabled` switches rules off by id: the scenario tests use it to prove that
each rule changes an answer. Nothing here prints, prompts or reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from sagecli.knowledge.predicates import holds
from sagecli.recommend.ranking import Candidate, Decision


def rules_for(kb: Any, decision: str) -> list[dict[str, Any]]:
    """The knowledge base's rules for one decision, in content order."""
    return [r for r in kb.of_kind("rule") if r["decision"] == decision]


def _dig(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def selects(effect: dict[str, Any], cand: Candidate) -> bool:
    """True when the effect's option names/patterns and `where` fields match the candidate."""
    return _matcher(effect)(cand)


_GLOB_CHARS = frozenset("*?[")


def _matcher(effect: dict[str, Any]) -> Callable[[Candidate], bool]:
    """selects() for one effect, with its names and paths prepared once (an instance rule meets ~300 types)."""
    names = [effect["option"]] if effect.get("option") else list(effect.get("options") or [])
    exact = {n for n in names if not _GLOB_CHARS & set(n)}  # fnmatchcase without wildcards is equality
    globs = [n for n in names if n not in exact]
    where = list((effect.get("where") or {}).items())

    def match(cand: Candidate) -> bool:
        if names and cand.option not in exact and not any(fnmatchcase(cand.option, n) for n in globs):
            return False
        for path, want in where:
            have = _dig(cand.extra, path)
            if isinstance(want, list):
                if have not in want:
                    return False
            elif have != want:
                return False
        return True

    return match


def apply_rules(d: Decision, facts: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> list[str]:
    """Apply every rule of the decision whose condition holds; return the ids that fired."""
    needs = frozenset(facts.get("needs") or ())
    fired: list[str] = []

    def limit(record: str, name: str) -> Any:
        return kb.limit(record, name)

    for rule in rules_for(kb, d.name):
        if rule["id"] in disabled or not holds(rule["when"], facts, needs, limit):
            continue
        source = rule["sources"][0]
        touched = False
        for effect in rule["effects"]:
            match = _matcher(effect)
            for cand in d.candidates.values():
                if not match(cand):
                    continue
                touched = True
                if effect.get("exclude"):
                    if cand.eligible or effect["exclude"] not in cand.blockers:
                        cand.exclude(effect["exclude"], source)
                elif effect.get("adjust") is not None:
                    cand.adjust(float(effect["adjust"]), effect["reason"], source)
                else:
                    cand.note(effect["note"], source)
        if touched:
            d.fire(rule["id"], rule["summary"], source)
            fired.append(rule["id"])
    return fired
