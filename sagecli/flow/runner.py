"""The reference flow, written once against the Backend protocol: process -> ... -> teardown.

Each step is a small function taking the shared `_Run` state. The runner adds the prerequisites
of the chosen `--steps`, reports every step to an observer (the live view or --json), and always
tears down in a `finally` (failures and Ctrl-C included).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError
from sagecli.flow.backend import (
    STEPS,
    Backend,
    Endpoint,
    FlowOptions,
    RunContext,
    TrainingResult,
)

# step -> steps it needs (run automatically when a later step is chosen alone)
NEEDS: dict[str, tuple[str, ...]] = {
    "process": (),
    "train": ("process",),
    "evaluate": ("train",),
    "register": ("evaluate",),
    "deploy": ("register",),
    "invoke": ("deploy",),
    "transform": ("train",),
    "monitor": ("invoke",),
    "teardown": (),
}


@dataclass
class StepResult:
    """One step's outcome for the live view, the summary table and --json."""

    name: str
    status: str = "pending"  # pending | running | ok | failed | skipped
    duration_s: float = 0.0
    summary: str = ""
    artifacts: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "status": self.status, "duration_s": round(self.duration_s, 3),
                "summary": self.summary, "artifacts": self.artifacts, "data": self.data}


@dataclass
class FlowResult:
    """The whole run: what --json prints and the summary table shows."""

    run_id: str
    run_dir: Path
    backend: str
    steps: list[StepResult]
    ok: bool = True
    error: str | None = None
    added_steps: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def step(self, name: str) -> StepResult | None:
        """The result of one step, if it was planned."""
        return next((s for s in self.steps if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"run_id": self.run_id, "run_dir": str(self.run_dir), "backend": self.backend, "ok": self.ok,
                "error": self.error, "duration_s": round(self.duration_s, 3), "added_steps": self.added_steps,
                "steps": [s.to_dict() for s in self.steps]}


class StepFailed(SageCliError):
    """A step ended in a state the flow cannot continue from (e.g. a Failed training job)."""


def plan_steps(chosen: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Chosen steps plus their prerequisites, in flow order; also which steps were added."""
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        from sagecli.errors import UsageError

        raise UsageError(f"unknown step(s): {', '.join(unknown)}", hint="steps: " + ",".join(STEPS))
    want = set(chosen)
    stack = list(chosen)
    while stack:
        for need in NEEDS[stack.pop()]:
            if need not in want:
                want.add(need)
                stack.append(need)
    if want & {"deploy", "train", "transform"}:
        want.add("teardown")
    ordered = [s for s in STEPS if s in want]
    return ordered, [s for s in ordered if s not in chosen and s != "teardown"]


def new_run_id(clock: Callable[[], float] = time.time) -> str:
    """A sortable, unique run id: UTC timestamp plus 6 random hex digits."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(clock()))
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


@dataclass
class _Run:
    """State shared by the steps of one run."""

    ctx: RunContext
    backend: Backend
    channels: dict[str, str] = field(default_factory=dict)  # name -> URI
    dataset: Any = None  # flow.data.Dataset
    training: TrainingResult | None = None
    model_dir: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    approved: bool = False
    package: Any = None
    endpoint: Endpoint | None = None
    analysed_events: set[str] = field(default_factory=set)
    wave1_requests: int = 0


Observer = Callable[[StepResult], None]


def run_flow(backend_name: str, options: FlowOptions, run_dir: Path, run_id: str,
             observer: Observer = lambda r: None, confirm: Callable[[str], bool] = lambda q: True,
             show: Callable[[str], None] = lambda text: None) -> FlowResult:
    """Run the chosen steps on the named backend; always tear down what was created."""
    from sagecli.flow import steps as step_impl
    from sagecli.flow.backends import create_backend

    ordered, added = plan_steps(options.steps)
    results = [StepResult(name) for name in ordered]
    flow = FlowResult(run_id=run_id, run_dir=run_dir, backend=backend_name, steps=results, added_steps=added)
    started = time.perf_counter()

    def emit(step: str, message: str) -> None:
        res = flow.step(step)
        if res is not None:
            res.summary = message
            observer(res)

    ctx = RunContext(run_id=run_id, run_dir=run_dir, options=options, emit=emit, confirm=confirm,
                     tags={"sagecli:run-id": run_id}, show=show)
    backend = create_backend(backend_name, ctx)
    state = _Run(ctx=ctx, backend=backend)
    stopped = False
    try:
        backend.prepare(ctx)
        run_dir.mkdir(parents=True, exist_ok=True)  # after the checks: a refused run leaves no empty folder
        for res in results:
            if res.name == "teardown":
                continue
            if stopped:
                res.status, res.summary = "skipped", "not run: an earlier step failed"
                observer(res)
                continue
            skip = step_impl.skip_reason(res.name, state)
            if skip:
                res.status, res.summary = "skipped", skip
                observer(res)
                continue
            _run_step(res, lambda r=res: step_impl.STEP_FUNCS[r.name](state, r), observer)
            if res.status == "failed":
                stopped = True
                flow.ok = False
                flow.error = f"{res.name}: {res.summary}"
    except KeyboardInterrupt as stop:
        flow.ok, flow.error = False, "interrupted"
        _teardown(flow, state, observer, keep=False)
        flow.duration_s = time.perf_counter() - started
        td = flow.step("teardown")
        if td is not None:  # what teardown did travels with the interrupt, for the one line the user sees
            stop.args = (td.summary if td.status == "ok" else f"teardown failed: {td.summary}",)
        raise
    except BaseException:
        flow.ok = False
        _teardown(flow, state, observer, keep=False)
        raise
    _teardown(flow, state, observer, keep=options.keep_endpoint and flow.ok)
    flow.duration_s = time.perf_counter() - started
    return flow


def _run_step(res: StepResult, fn: Callable[[], None], observer: Observer) -> None:
    res.status = "running"
    observer(res)
    t0 = time.perf_counter()
    try:
        fn()
        res.status = "ok"
    except SageCliError as err:
        res.status = "failed"
        res.summary = err.message.split("\n")[0]
    finally:
        res.duration_s = time.perf_counter() - t0
        observer(res)


def _teardown(flow: FlowResult, state: _Run, observer: Observer, keep: bool) -> None:
    from sagecli.flow import steps as step_impl

    res = flow.step("teardown")
    if res is None:
        res = StepResult("teardown")
        flow.steps.append(res)
    if res.status in ("ok", "failed"):
        return
    _run_step(res, lambda: step_impl.teardown(state, res, keep), observer)
