"""Plain-text charts for the terminal (no colour needed, so they read the same in NO_COLOR and the README):
metric curves by step and horizontal bars. Pure functions: series in, lines out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MARKS = ("•", "·", "x", "+")  # the first series is drawn last, so it wins a shared cell


def line_chart(series: Mapping[str, Sequence[Sequence[float]]], width: int = 80, height: int = 10,
               marks: Sequence[str] = MARKS) -> list[str]:
    """Series of [step, value] points as a scatter of marks, y labels at the left, steps below; width in columns."""
    named = [(name, list(points)) for name, points in series.items() if points]
    if not named:
        return []
    values = [v for _, pts in named for _, v in pts]
    steps = [s for _, pts in named for s, _ in pts]
    lo, hi = min(values), max(values)
    first, last = min(steps), max(steps)
    label_w = max(len(f"{lo:.4f}"), len(f"{hi:.4f}"))
    plot_w = max(10, width - label_w - 3)
    grid = [[" "] * plot_w for _ in range(height)]
    for i, (_, pts) in reversed(list(enumerate(named))):
        for col in range(plot_w):
            value = _at(pts, first + col * (last - first) / (plot_w - 1)) if last != first else pts[0][1]
            if value is None:
                continue
            row = 0 if hi == lo else round((hi - value) * (height - 1) / (hi - lo))
            grid[row][col] = marks[i % len(marks)]
    lines = []
    for r, cells in enumerate(grid):
        label = f"{hi:.4f}" if r == 0 else f"{lo:.4f}" if r == height - 1 else \
            f"{(hi + lo) / 2:.4f}" if r == (height - 1) // 2 and height > 2 else ""
        lines.append(f"{label:>{label_w}} ┤{''.join(cells)}".rstrip())
    lines.append(" " * label_w + " └" + "─" * plot_w)
    right = str(int(last))
    lines.append(" " * (label_w + 2) + str(int(first)) + right.rjust(plot_w - len(str(int(first)))))
    legend = "   ".join(f"{marks[i % len(marks)]} {name}" for i, (name, _) in enumerate(named))
    lines.append(" " * (label_w + 2) + legend)
    return lines


def _at(points: Sequence[Sequence[float]], step: float) -> float | None:
    """The series' value at step, linear between its two nearest points (None outside its steps)."""
    pts = sorted(points)
    if not pts or step < pts[0][0] or step > pts[-1][0]:
        return None
    for (s0, v0), (s1, v1) in zip(pts, pts[1:], strict=False):
        if s0 <= step <= s1:
            return v0 if s1 == s0 else v0 + (v1 - v0) * (step - s0) / (s1 - s0)
    return pts[-1][1]


def bar(value: float, lo: float, hi: float, width: int) -> str:
    """A bar of full blocks for value on a lo..hi scale (the smallest value still gets one block)."""
    if hi <= lo:
        return "█" * width
    share = (value - lo) / (hi - lo)
    return "█" * max(1, round(1 + share * (width - 1)))
