"""The reference flow, written once against the Backend protocol: process -> ... -> teardown.

Each step is a small function taking the shared `RunState` (sagecli/contracts.py). The runner adds the
prerequisites of the chosen `--steps` (sagecli/flow/plan.py), reports every step to an observer (the live
view or --json), and always tears down in a `finally` (failures and Ctrl-C included).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sagecli.contracts import FlowOptions, FlowResult, RunContext, RunState, StepResult
from sagecli.errors import SageCliError
from sagecli.flow import steps as step_impl
from sagecli.flow.backends import create_backend
from sagecli.flow.plan import plan_steps
from sagecli.flow.rundir import check_run_dir, mark_run_dir

__all__ = ["FlowResult", "Observer", "StepResult", "new_run_id", "plan_steps", "run_flow"]


def new_run_id(clock: Callable[[], float] = time.time) -> str:
    """A sortable, unique run id: UTC timestamp plus 6 random hex digits."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(clock()))
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


Observer = Callable[[StepResult], None]


def run_flow(backend_name: str, options: FlowOptions, run_dir: Path, run_id: str,
             observer: Observer = lambda r: None, confirm: Callable[[str], bool] = lambda q: True,
             show: Callable[[str], None] = lambda text: None) -> FlowResult:
    """Run the chosen steps on the named backend; always tear down what was created."""
    ordered, added = plan_steps(options.steps)
    results = [StepResult(name) for name in ordered]
    flow = FlowResult(run_id=run_id, run_dir=run_dir, backend=backend_name, steps=results, added_steps=added)
    started = time.perf_counter()

    def emit(step: str, message: str) -> None:
        res = flow.step(step)
        if res is not None and res.status == "running":  # a late line (e.g. a worker's idle stop) changes nothing
            res.summary = message
            observer(res)

    ctx = RunContext(run_id=run_id, run_dir=run_dir, options=options, emit=emit, confirm=confirm,
                     tags={"sagecli:run-id": run_id}, show=show)
    check_run_dir(run_dir)  # before the backend exists: a refused folder starts nothing
    backend = create_backend(backend_name, ctx)
    state = RunState(ctx=ctx, backend=backend)
    stopped = False
    try:
        backend.prepare(ctx)
        run_dir.mkdir(parents=True, exist_ok=True)  # after the checks: a refused run leaves no empty folder
        mark_run_dir(run_dir, run_id)
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
    except KeyboardInterrupt:
        res.status = "interrupted"
        res.summary = "interrupted" + (f" ({res.summary})" if res.summary else "")
        raise
    finally:
        res.duration_s = time.perf_counter() - t0
        observer(res)


def _teardown(flow: FlowResult, state: RunState, observer: Observer, keep: bool) -> None:
    res = flow.step("teardown")
    if res is None:
        res = StepResult("teardown")
        flow.steps.append(res)
    if res.status in ("ok", "failed"):
        return
    _run_step(res, lambda: step_impl.teardown(state, res, keep), observer)
