"""Answer encoding and all-or-nothing grading for every item type.

Answers are written in the letters the learner sees (options are shuffled, so the letters are the
displayed ones, not the bank's keys) and stored in the bank's own keys:

- multiple choice: one letter, e.g. ``B``
- multiple response: exactly `select` distinct letters in any order, e.g. ``AC``
- ordering: every letter once, first step first, e.g. ``CAB``
- matching: one choice letter per prompt, prompts in their numbered order, e.g. ``BAC`` means
  prompt 1 -> B, prompt 2 -> A, prompt 3 -> C (a choice may serve more than one prompt)
- a case study is answered part by part: each part consumes one answer
- an empty answer leaves the question unanswered, which is graded wrong (as on the exam)
"""

from __future__ import annotations

from typing import Any

from sagecli.quiz.items import TYPE_NAMES, display_keys


class AnswerFormatError(ValueError):
    """An answer that does not have the form its question expects."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"expected {expected}; got {got!r}")
        self.expected = expected
        self.got = got


def expected_form(unit: dict[str, Any]) -> str:
    """How an answer to this unit is written, for prompts and error messages."""
    t = unit["type"]
    if t == "mc":
        letters = display_keys(len(unit["options"]))
        return f"one letter {letters[0]}-{letters[-1]}, e.g. {letters[1]}"
    if t == "mr":
        letters = display_keys(len(unit["options"]))
        n = unit["select"]
        return f"{n} different letters from {letters[0]}-{letters[-1]}, e.g. {''.join(letters[:n])}"
    if t == "ordering":
        letters = display_keys(len(unit["items"]))
        return f"all of {''.join(letters)} once each, first step first, e.g. {''.join(reversed(letters))}"
    letters = display_keys(len(unit["choices"]))
    n = len(unit["prompts"])
    example = "".join(letters[i % len(letters)] for i in range(n))
    return f"{n} letters from {letters[0]}-{letters[-1]}, one per prompt in order 1-{n}, e.g. {example}"


def parse_answer(unit: dict[str, Any], perm: list[str], text: str) -> list[str] | None:
    """Displayed letters -> the answer in bank keys (None if empty); raises AnswerFormatError."""
    raw = "".join(text.split()).upper()
    if not raw:
        return None
    shown = display_keys(len(perm))
    to_key = dict(zip(shown, perm, strict=True))
    t = unit["type"]
    bad = AnswerFormatError(expected_form(unit), text.strip())
    if any(ch not in to_key for ch in raw):
        raise bad
    keys = [to_key[ch] for ch in raw]
    if t == "mc":
        if len(keys) != 1:
            raise bad
    elif t == "mr":
        if len(keys) != unit["select"] or len(set(keys)) != len(keys):
            raise bad
        keys = sorted(keys)
    elif t == "ordering":
        if sorted(keys) != sorted(perm):
            raise bad
    elif len(keys) != len(unit["prompts"]):
        raise bad
    return keys


def correct_answer(unit: dict[str, Any]) -> list[str]:
    """The right answer in bank keys (sorted for multiple response)."""
    t = unit["type"]
    if t in ("mc", "mr"):
        return sorted(o["key"] for o in unit["options"] if o["correct"])
    if t == "ordering":
        return [i["key"] for i in unit["items"]]
    return [p["answer"] for p in unit["prompts"]]


def grade(unit: dict[str, Any], answer: list[str] | None) -> bool:
    """All or nothing: True only when the whole answer is right; unanswered is wrong."""
    if answer is None:
        return False
    given = sorted(answer) if unit["type"] == "mr" else list(answer)
    return given == correct_answer(unit)


def to_display(perm: list[str], answer: list[str] | None, unit_type: str) -> str:
    """An answer in bank keys written back in the displayed letters ('' when unanswered)."""
    if answer is None:
        return ""
    to_letter = dict(zip(perm, display_keys(len(perm)), strict=True))
    letters = [to_letter[k] for k in answer]
    if unit_type == "mr":
        letters.sort()
    return "".join(letters)


def describe(unit: dict[str, Any]) -> str:
    """A short label such as 'multiple response (select 2)'."""
    label = TYPE_NAMES[unit["type"]]
    if unit["type"] == "mr":
        label += f" (select {unit['select']})"
    if unit.get("case_id"):
        label = f"case study part {unit['case_part']}, {label}"
    return label
