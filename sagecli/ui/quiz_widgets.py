"""Questionary widgets for quiz items: select, checkbox held to the count, ordering, matching, countdown.

Each widget returns the answer as displayed letters (the same encoding as --answers) plus whether the
learner flagged it. With an exam deadline a countdown line stays on top and the prompt ends with TimeUp.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import questionary
from questionary import Choice, Separator

from sagecli.quiz.session import TimeUp

FLAG = "\u2691 Flag for review and answer later"
STYLE = questionary.Style([("highlighted", "bold"), ("pointer", "bold"), ("instruction", "italic")])


def clock_text(deadline: datetime) -> str:
    """'01:43:20 left' for a deadline."""
    left = max(0, int((deadline - datetime.now(UTC)).total_seconds()))
    return f"\u23f1 {left // 3600:02d}:{left % 3600 // 60:02d}:{left % 60:02d} left"


def flag_text(flag: list[bool] | None) -> str:
    """The flag state for the top line: how to flag, or that the question is flagged."""
    if flag is None:
        return ""
    return "  \u00b7  \u2691 FLAGGED (f to unflag)" if flag[0] else "  \u00b7  f: flag for review"


def echo(text: str) -> None:
    """What the learner chose, left on screen as plain text wrapped at words (the live prompt is erased)."""
    import shutil
    import sys
    import textwrap

    cols = max(40, shutil.get_terminal_size((80, 24)).columns)
    sys.stdout.write("\n".join(textwrap.wrap(text, cols - 1, subsequent_indent="      ")) + "\n")
    sys.stdout.flush()


def _ask(question: Any, deadline: datetime | None, progress: str, flag: list[bool] | None = None,
         said: Callable[[Any], str] | None = None) -> Any:
    """Run a questionary prompt under a visible progress line and countdown; TimeUp when time runs out.
    With `flag` (a one-item list), the f key toggles it, so an answer can be given and flagged at once.
    The prompt is erased when done; `said` turns the result into the line left in its place."""
    from prompt_toolkit.filters import to_filter
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    app = question.application

    def top() -> list[tuple[str, str]]:
        import shutil
        import textwrap

        parts = [progress.strip(" \u00b7"), clock_text(deadline) if deadline else "",
                 flag_text(flag).strip(" \u00b7")]
        text = "  \u00b7  ".join(p for p in parts if p)
        cols = max(40, shutil.get_terminal_size((80, 24)).columns)
        # wrapped here at words: the window would otherwise break the key hint mid-word
        return [("class:instruction", "\n".join(textwrap.wrap(text, cols - 1)))]

    has_bar = bool(progress.strip() or deadline or flag is not None)

    if flag is not None:
        keys = KeyBindings()

        @keys.add("f")
        def _toggle(event: Any) -> None:
            flag[0] = not flag[0]

        app.key_bindings = merge_key_bindings([app.key_bindings, keys]) if app.key_bindings else keys

    if has_bar:
        bar = Window(FormattedTextControl(top), wrap_lines=True, dont_extend_height=True)
        app.layout = Layout(HSplit([bar, app.layout.container]))
    for window in app.layout.find_all_windows():
        window.wrap_lines = to_filter(True)  # long options wrap instead of being cut at the edge
    timer = None
    if deadline is not None:
        app.refresh_interval = 1.0
        left = (deadline - datetime.now(UTC)).total_seconds()
        if left <= 0:
            raise TimeUp

        def expire() -> None:
            loop = getattr(app, "loop", None)
            if loop is not None and app.is_running:
                loop.call_soon_threadsafe(lambda: app.exit(exception=TimeUp()) if app.is_running else None)

        timer = threading.Timer(left, expire)
        timer.daemon = True
        timer.start()
    app.erase_when_done = True
    try:
        got = question.unsafe_ask()
    finally:
        if timer is not None:
            timer.cancel()
    if said is not None and (line := said(got)):
        echo(line + (" \u00b7 \u2691 flagged" if flag and flag[0] else ""))
    return got


def title(key: str, text: str, lead: int) -> str:
    """'A. text' wrapped at words to the terminal, continuation lines under the text (lead: the columns
    questionary draws before the title, pointer and tick box)."""
    import shutil
    import textwrap

    cols = max(40, shutil.get_terminal_size((80, 24)).columns)
    hang = " " * (lead + len(key) + 2)
    lines = textwrap.wrap(f"{key}. {text}", cols - lead - 1, subsequent_indent=hang[lead:])
    return ("\n" + " " * lead).join(lines) if lines else f"{key}."


def _flag_choices(can_flag: bool, checked: bool = False) -> list[Any]:
    return [Separator(), Choice(FLAG, value="?", checked=checked)] if can_flag else []


def choose_one(options: list[tuple[str, str]], can_flag: bool, deadline: datetime | None,
               progress: str, prev: str = "", flagged: bool = False) -> tuple[str, bool]:
    """Multiple choice: arrow keys and Enter (the cursor starts on the previous answer when revisiting);
    in an exam, f flags the answer for review."""
    choices: list[Any] = [Choice(title(k, t, 3), value=k) for k, t in options] + _flag_choices(can_flag)
    flag = [flagged] if can_flag else None
    got = _ask(questionary.select("Your answer:", choices=choices, style=STYLE, instruction="(arrows, Enter)",
                                  default=prev or None), deadline, progress, flag,
               lambda g: LATER if g == "?" else f"Your answer: {g}. {dict(options)[g]}")
    return ("", True) if got == "?" else (got, bool(flag and flag[0]))


def choose_n(options: list[tuple[str, str]], n: int, can_flag: bool, deadline: datetime | None,
             progress: str, prev: str = "", flagged: bool = False) -> tuple[str, bool]:
    """Multiple response: Space to tick, Enter to submit; exactly n ticks (the flag does not count).
    Revisiting starts with the previous ticks and flag."""
    choices: list[Any] = [Choice(title(k, t, 5), value=k, checked=k in prev) for k, t in options]
    choices += _flag_choices(can_flag, flagged)

    def valid(picked: list[str]) -> bool | str:
        real = [p for p in picked if p != "?"]
        return len(real) == n or (not real and "?" in picked) or f"Select exactly {n} (you have {len(real)})"

    def said(got: list[str]) -> str:
        real = [p for p in got if p != "?"]
        if not real:
            return LATER
        return f"Your answer: {', '.join(real)}" + (" \u00b7 \u2691 flagged" if "?" in got else "")

    flag = [False] if can_flag else None
    got = _ask(questionary.checkbox(f"Select {n}:", choices=choices, validate=valid, style=STYLE,
                                    instruction="(Space to tick, Enter to submit)"), deadline, progress, flag,
               said)
    return "".join(sorted(p for p in got if p != "?")), "?" in got or bool(flag and flag[0])


UNDO = "\u21a9 Undo the last step"
LATER = "\u2691 Flagged to answer later"


def order(steps: list[tuple[str, str]], can_flag: bool, deadline: datetime | None,
          progress: str, flagged: bool = False) -> tuple[str, bool]:
    """Ordering: pick the first step, then the next, ... (a step can be undone); the last one is placed
    for you."""
    text = dict(steps)
    picked: list[str] = []
    flag = [flagged] if can_flag else None
    while len(picked) < len(steps) - 1:
        left = [(k, t) for k, t in steps if k not in picked]
        choices: list[Any] = [Choice(title(k, t, 3), value=k) for k, t in left]
        if picked:
            choices += [Separator(), Choice(UNDO, value="<")]
        elif can_flag:
            choices += _flag_choices(True)
        so_far = " \u2192 ".join(picked) or "-"
        got = _ask(questionary.select(f"Step {len(picked) + 1} of {len(steps)}:", choices=choices, style=STYLE),
                   deadline, f"{progress}  \u00b7  order so far: {so_far}".strip(" \u00b7"), flag,
                   lambda g, n=len(picked) + 1: LATER if g == "?" else f"Undo step {n - 1}" if g == "<"
                   else f"Step {n}: {g}. {text[g]}")
        if got == "?":
            return "", True
        if got == "<":
            picked.pop()
            continue
        picked.append(got)
    last = next(k for k in text if k not in picked)
    echo(f"Step {len(steps)}: {last}. {text[last]} (the one left)")
    return "".join([*picked, last]), bool(flag and flag[0])


def match(prompts: list[tuple[str, str]], options: list[tuple[str, str]], can_flag: bool,
          deadline: datetime | None, progress: str, flagged: bool = False) -> tuple[str, bool]:
    """Matching: for each numbered prompt, select its choice (a prompt can be gone back to)."""
    letters: list[str] = []
    flag = [flagged] if can_flag else None
    while len(letters) < len(prompts):
        i = len(letters)
        num, text = prompts[i]
        choices: list[Any] = [Choice(title(k, t, 3), value=k) for k, t in options]
        if i:
            choices += [Separator(), Choice("\u21a9 Back to the previous prompt", value="<")]
        elif can_flag:
            choices += _flag_choices(True)
        got = _ask(questionary.select(f"{num}. {text}  ->", choices=choices, style=STYLE), deadline,
                   f"{progress}  \u00b7  prompt {i + 1} of {len(prompts)}".strip(" \u00b7"), flag,
                   lambda g, num=num, text=text: LATER if g == "?" else "(back to the previous prompt)" if g == "<"
                   else f"{num}. {text} \u2192 {g}. {dict(options)[g]}")
        if got == "?":
            return "", True
        if got == "<":
            letters.pop()
            continue
        letters.append(got)
    return "".join(letters), bool(flag and flag[0])


def pick_row(labels: list[str], deadline: datetime | None, progress: str, start: int | None = None,
             confirm: str = "") -> int | None:
    """The exam review screen: a question to revisit (its index), or None to submit. The cursor starts on
    `start`; with `confirm` (e.g. '2 unanswered'), submitting asks first."""
    while True:
        choices: list[Any] = [Choice("Submit the exam", value=-1), Separator()]
        choices += [Choice(label, value=i) for i, label in enumerate(labels)]
        got = _ask(questionary.select("Review: revisit a question or submit", choices=choices, style=STYLE,
                                      default=start), deadline, progress)
        if got != -1:
            return got
        if not confirm or _ask(questionary.confirm(f"Submit with {confirm}?", default=False, style=STYLE),
                               deadline, progress):
            return None


def pause(deadline: datetime | None, progress: str) -> None:
    """Wait for a key before the next question."""
    _ask(questionary.press_any_key_to_continue("Press any key for the next question..."), deadline, progress)
