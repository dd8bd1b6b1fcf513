"""Plain lines for a pipeline execution: one line per step as it ends, then the cache summary (fits 80 columns)."""

from __future__ import annotations

import shutil
import sys
from typing import Any, TextIO

NAME_W, STATUS_W, CACHE_W = 16, 7, 5
DONE = ("ok", "failed", "skipped", "interrupted")


def _width() -> int:
    return max(60, shutil.get_terminal_size((80, 24)).columns)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def step_line(res: Any, width: int | None = None) -> str:
    """`Train            ok      hit   Completed in 1.0s ...`: name, status, cache, summary cut to the width."""
    width = width or _width()
    cache = res.data.get("cache", {}).get("status", "-") if res.status == "ok" else "-"
    head = f"{res.name[:NAME_W]:<{NAME_W}} {res.status:<{STATUS_W}} {cache:<{CACHE_W}} "
    return head + _fit(res.summary.replace("\n", " "), width - len(head))


def export_lines(info: dict[str, Any], width: int | None = None) -> list[str]:
    """`Wrote pipeline.json: ... N steps (A, B, ...).` wrapped to the width, the step list indented; a path
    longer than the width stays whole, so it can be copied."""
    import textwrap

    text = (f"Wrote {info['path']}: SageMaker Pipelines definition {info['version']}, {len(info['steps'])} steps "
            f"({', '.join(info['steps'])}).")
    return textwrap.wrap(text, width or _width(), subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False)


class PipelineLines:
    """The observer: prints each step once, when it ends."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.shown: set[str] = set()

    def header(self, name: str, run_id: str, steps: int, where: str = "on this machine") -> None:
        """The first lines: which pipeline, which run, and the column names."""
        self.stream.write(f"Pipeline {name}, run {run_id}: {steps} steps {where}\n")
        self.stream.write(f"{'STEP':<{NAME_W}} {'STATUS':<{STATUS_W}} {'CACHE':<{CACHE_W}} SUMMARY\n")

    def update(self, res: Any) -> None:
        """A step changed: print it when it has ended."""
        if res.status in DONE and res.name not in self.shown:
            self.shown.add(res.name)
            self.stream.write(step_line(res) + "\n")
            self.stream.flush()

    def summary(self, result: Any, counts: dict[str, int]) -> None:
        """After the execution: the outcome, cache hits and misses (with the reason for each), artifacts.

        A failure is not repeated here: the command's one error line says it, whole."""
        width = _width()
        state = "Succeeded" if result.ok else "Failed"
        self.stream.write(f"Execution {state} in {result.duration_s:.2f}s. Step cache: {counts['hit']} hit, "
                          f"{counts['miss']} miss, {counts['off']} off.\n")
        for res in result.steps:
            cache = res.data.get("cache", {})
            if res.status == "ok" and cache.get("status") in ("hit", "miss"):
                self.stream.write(_fit(f"  {res.name}: {cache['status']}, {cache.get('reason', '')}", width) + "\n")
        self.stream.write(f"Artifacts: {result.run_dir}\n")
