"""Questionary widgets for quiz items: select, checkbox held to the count, ordering, matching, countdown.

Each widget returns the answer as displayed letters (the same encoding as --answers) plus whether the
learner flagged it. With an exam deadline a countdown line stays on top and the prompt ends with TimeUp.
"""

from __future__ import annotations

import threading
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


def _ask(question: Any, deadline: datetime | None, progress: str) -> Any:
    """Run a questionary prompt under a visible progress line and countdown; TimeUp when time runs out."""
    from prompt_toolkit.filters import to_filter
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    app = question.application

    def top() -> list[tuple[str, str]]:
        text = progress + (f"  \u00b7  {clock_text(deadline)}" if deadline else "")
        return [("class:instruction", text)]

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
    try:
        return question.unsafe_ask()
    finally:
        if timer is not None:
            timer.cancel()


def choose_one(options: list[tuple[str, str]], can_flag: bool, deadline: datetime | None,
               progress: str) -> tuple[str, bool]:
    """Multiple choice: arrow keys and Enter."""
    choices: list[Any] = [Choice(f"{k}. {t}", value=k) for k, t in options]
    if can_flag:
        choices += [Separator(), Choice(FLAG, value="?")]
    got = _ask(questionary.select("Your answer:", choices=choices, style=STYLE, instruction="(arrows, Enter)"),
               deadline, progress)
    return ("", True) if got == "?" else (got, False)


def choose_n(options: list[tuple[str, str]], n: int, can_flag: bool, deadline: datetime | None,
             progress: str) -> tuple[str, bool]:
    """Multiple response: Space to tick, Enter to submit; exactly n ticks (the flag does not count)."""
    choices: list[Any] = [Choice(f"{k}. {t}", value=k) for k, t in options]
    if can_flag:
        choices += [Separator(), Choice(FLAG, value="?")]

    def valid(picked: list[str]) -> bool | str:
        real = [p for p in picked if p != "?"]
        return len(real) == n or (not real and "?" in picked) or f"Select exactly {n} (you have {len(real)})"

    got = _ask(questionary.checkbox(f"Select {n}:", choices=choices, validate=valid, style=STYLE,
                                    instruction="(Space to tick, Enter to submit)"), deadline, progress)
    return "".join(sorted(p for p in got if p != "?")), "?" in got


def order(steps: list[tuple[str, str]], can_flag: bool, deadline: datetime | None,
          progress: str) -> tuple[str, bool]:
    """Ordering: pick the first step, then the next, ...; the last one is placed for you."""
    left = list(steps)
    picked: list[str] = []
    while len(left) > 1:
        choices: list[Any] = [Choice(f"{k}. {t}", value=k) for k, t in left]
        if can_flag and not picked:
            choices += [Separator(), Choice(FLAG, value="?")]
        got = _ask(questionary.select(f"Step {len(picked) + 1} of {len(steps)}:", choices=choices, style=STYLE),
                   deadline, f"{progress}  \u00b7  order so far: {''.join(picked) or '-'}")
        if got == "?":
            return "", True
        picked.append(got)
        left = [s for s in left if s[0] != got]
    picked.append(left[0][0])
    return "".join(picked), False


def match(prompts: list[tuple[str, str]], options: list[tuple[str, str]], can_flag: bool,
          deadline: datetime | None, progress: str) -> tuple[str, bool]:
    """Matching: for each numbered prompt, select its choice."""
    letters = []
    for i, (num, text) in enumerate(prompts):
        choices: list[Any] = [Choice(f"{k}. {t}", value=k) for k, t in options]
        if can_flag and i == 0:
            choices += [Separator(), Choice(FLAG, value="?")]
        got = _ask(questionary.select(f"{num}. {text}  ->", choices=choices, style=STYLE), deadline,
                   f"{progress}  \u00b7  prompt {i + 1} of {len(prompts)}")
        if got == "?":
            return "", True
        letters.append(got)
    return "".join(letters), False


def pick_row(labels: list[str], deadline: datetime | None, progress: str) -> int | None:
    """The exam review screen: a question to revisit (its index), or None to submit."""
    choices: list[Any] = [Choice("Submit the exam", value=-1), Separator()]
    choices += [Choice(label, value=i) for i, label in enumerate(labels)]
    got = _ask(questionary.select("Review: revisit a question or submit", choices=choices, style=STYLE),
               deadline, progress)
    return None if got == -1 else got


def pause(deadline: datetime | None, progress: str) -> None:
    """Wait for a key before the next question."""
    _ask(questionary.press_any_key_to_continue("Press any key for the next question..."), deadline, progress)
