"""Which steps a run executes: the chosen `--steps` plus their prerequisites, in flow order."""

from __future__ import annotations

from sagecli.contracts import STEPS
from sagecli.errors import UsageError

# step -> steps it needs (run automatically when a later step is chosen alone)
NEEDS: dict[str, tuple[str, ...]] = {
    "process": (),
    "features": ("process",),
    "train": ("process",),
    "tune": ("process",),
    "evaluate": ("train",),
    "bias": ("evaluate",),
    "register": ("evaluate",),
    "deploy": ("register",),
    "invoke": ("deploy",),
    "rollout": ("invoke",),
    "transform": ("train",),
    "monitor": ("invoke",),
    "teardown": (),
}


def plan_steps(chosen: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Chosen steps plus their prerequisites, in flow order; also which steps were added."""
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise UsageError(f"unknown step(s): {', '.join(unknown)}", hint="steps: " + ",".join(STEPS))
    want = set(chosen)
    stack = list(chosen)
    while stack:
        for need in NEEDS[stack.pop()]:
            if need not in want:
                want.add(need)
                stack.append(need)
    _tune_trains(want, chosen)
    if want & {"deploy", "train", "transform", "tune", "features"}:
        want.add("teardown")
    ordered = [s for s in STEPS if s in want]
    return ordered, [s for s in ordered if s not in chosen and s != "teardown"]


def _tune_trains(want: set[str], chosen: tuple[str, ...]) -> None:
    """With tune chosen, its best job is the trained model: train runs only when named too (as a baseline)."""
    if "tune" in want and "train" not in chosen:
        want.discard("train")
