"""`sagecli pipeline run FILE` (and `run-demo --as-pipeline` locally): a Pipelines definition run on this machine.

The graph is the definition's: a step runs after every step it names in a `Get` (`Steps.X...`) or in
`DependsOn`, in definition order among the steps that are ready. Each step is done by the flow's own
code (sagecli/flow/steps.py) on the local backend; a Condition step evaluates its conditions on the
resolved values and runs its IfSteps or its ElseSteps (the others are skipped), and a RegisterModel in its
branch takes the condition's verdict as its approval status (pipeline_state.register_gated); a Fail step stops the
execution, as it stops a Pipelines execution (https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html).
Cacheable steps with `CacheConfig.Enabled` reuse an earlier run's results (sagecli/flow/pipeline_cache.py);
each step says hit, miss (and why) or off, in the output and in --json (`data.cache`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sagecli.contracts import FlowOptions, FlowResult, RunContext, RunState, StepFailed, StepResult
from sagecli.errors import SageCliError, UsageError
from sagecli.flow import pipeline_state as state_io
from sagecli.flow.pipeline_cache import StepCache, cache_key, cache_settings, key_attributes
from sagecli.flow.pipeline_checks import CHECK_FIELDS

Observer = Callable[[StepResult], None]
KNOWN_TYPES = ("Processing", "Training", "Tuning", "Transform", "Model", "RegisterModel", "Condition", "Fail",
               "QualityCheck", "ClarifyCheck")
SCRIPTS = {"process.py": "process", "evaluate.py": "evaluate"}  # a Processing step's program -> the flow step
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "GreaterThanOrEqualTo": lambda a, b: a >= b, "GreaterThan": lambda a, b: a > b,
    "LessThanOrEqualTo": lambda a, b: a <= b, "LessThan": lambda a, b: a < b, "Equals": lambda a, b: a == b,
}
SYMBOLS = {"GreaterThanOrEqualTo": ">=", "GreaterThan": ">", "LessThanOrEqualTo": "<=", "LessThan": "<",
           "Equals": "=="}
CASTS: dict[str, Callable[[str], Any]] = {"String": str, "Integer": int, "Float": float,
                                          "Boolean": lambda v: v.strip().lower() in ("true", "1", "yes")}


def load_definition(path: Path) -> dict[str, Any]:
    """Read and check a definition file; one-line errors for anything this runner cannot run."""
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SageCliError(f"cannot read {path}: {err.strerror or err}") from None
    except ValueError as err:
        raise SageCliError(f"{path} is not JSON: {err}", hint="give a file written by run-demo --export-pipeline"
                           ) from None
    problems = structure_problems(definition)
    if problems:
        raise SageCliError(f"{path}: {problems[0]}", hint="give a file written by run-demo --export-pipeline")
    return definition


def structure_problems(definition: Any) -> list[str]:
    """What keeps a definition from running here: its shape, step types, names, references and cycles."""
    if not isinstance(definition, dict) or not isinstance(definition.get("Steps"), list):
        return ["not a pipeline definition (no Steps list)"]
    problems = []
    if definition.get("Version") != "2020-12-01":
        problems.append(f"Version {definition.get('Version')!r} is not 2020-12-01")
    steps = all_steps(definition)
    bad = [s for s in steps if not isinstance(s, dict) or not isinstance(s.get("Name"), str)
           or not isinstance(s.get("Type"), str)]
    if bad:
        return problems + ["every step needs a Name and a Type"]
    for step in steps:
        shapes = {"Arguments": dict, "DependsOn": list, "CacheConfig": dict}
        wrong = [k for k, kind in shapes.items() if k in step and not isinstance(step[k], kind)]
        if wrong:
            what = "an object" if shapes[wrong[0]] is dict else "an array"
            return problems + [f"{step['Name']}: {wrong[0]} must be {what}"]
        if step["Type"] == "Condition":
            args = step.get("Arguments", {})
            if not all(isinstance(args.get(k, []), list) for k in ("Conditions", "IfSteps", "ElseSteps")):
                return problems + [f"{step['Name']}: Conditions, IfSteps and ElseSteps must be arrays"]
    params = definition.get("Parameters", [])
    if not isinstance(params, list) or not all(isinstance(p, dict) and isinstance(p.get("Name"), str)
                                               for p in params):
        return problems + ["Parameters must be an array of objects with a Name"]
    names = [s["Name"] for s in steps]
    problems += [f"step name {n} repeats" for n in sorted({n for n in names if names.count(n) > 1})]
    problems += [f"{s['Name']}: step type {s['Type']} does not run locally" for s in steps
                 if s["Type"] not in KNOWN_TYPES]
    if problems:
        return problems
    try:
        execution_order(definition)
    except SageCliError as err:
        problems.append(err.message)
    return problems


def all_steps(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Top-level steps and the steps inside Condition branches."""
    out = []
    for step in definition["Steps"]:
        out.append(step)
        args = step.get("Arguments") if isinstance(step, dict) and step.get("Type") == "Condition" else None
        if isinstance(args, dict):
            out += [s for key in ("IfSteps", "ElseSteps") if isinstance(args.get(key), list) for s in args[key]]
    return out


def _gets(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"Get"}:
            return [str(value["Get"])]
        return [g for v in value.values() for g in _gets(v)]
    if isinstance(value, list):
        return [g for v in value for g in _gets(v)]
    return []


def execution_order(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Top-level steps in an order that respects every Get and DependsOn (definition order breaks ties)."""
    top = list(definition["Steps"])
    owner = {s["Name"]: s["Name"] for s in top}
    for step in top:
        if step["Type"] == "Condition":
            for child in all_steps({"Steps": [step]})[1:]:
                owner[child["Name"]] = step["Name"]
    needs: dict[str, set[str]] = {}
    for step in top:
        named = [g.split(".")[1] for g in _gets({k: v for k, v in step.items() if k != "Name"})
                 if g.startswith("Steps.") and g.count(".") >= 2]
        named += list(step.get("DependsOn", []))
        unknown = sorted({n for n in named if n not in owner})
        if unknown:
            raise SageCliError(f"{step['Name']} refers to unknown step {unknown[0]}")
        needs[step["Name"]] = {owner[n] for n in named} - {step["Name"]}
    order: list[dict[str, Any]] = []
    done: set[str] = set()
    while len(order) < len(top):
        ready = next((s for s in top if s["Name"] not in done and needs[s["Name"]] <= done), None)
        if ready is None:
            stuck = sorted(s["Name"] for s in top if s["Name"] not in done)
            raise SageCliError(f"the steps {', '.join(stuck)} depend on each other in a cycle")
        order.append(ready)
        done.add(ready["Name"])
    return order


def resolve_parameters(definition: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Parameter defaults with --parameter NAME=VALUE overrides, cast to each parameter's Type."""
    declared = {p["Name"]: p for p in definition.get("Parameters", [])}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise UsageError(f"the pipeline has no parameter {unknown[0]}", hint="parameters: " + ", ".join(declared))
    out = {}
    for name, p in declared.items():
        if name in overrides:
            try:
                out[name] = CASTS.get(p.get("Type", "String"), str)(overrides[name])
            except ValueError:
                raise UsageError(f"--parameter {name}={overrides[name]} is not a {p.get('Type')}") from None
        elif "DefaultValue" in p:
            out[name] = p["DefaultValue"]
    return out


def resolve(value: Any, params: Mapping[str, Any], props: Mapping[str, Mapping[str, Any]]) -> Any:
    """A copy of value with each Get replaced by a parameter's value or an earlier step's property."""
    if isinstance(value, dict):
        if set(value) == {"Get"}:
            head, _, rest = str(value["Get"]).partition(".")
            if head == "Parameters" and rest in params:
                return params[rest]
            step, _, prop = rest.partition(".")
            if head == "Steps" and prop in props.get(step, {}):
                return props[step][prop]
            raise StepFailed(f"{value['Get']} has no value here")
        return {k: resolve(v, params, props) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params, props) for v in value]
    return value


def flow_kind(step: Mapping[str, Any]) -> str:
    """Which local code does a step: a flow step name, or model / quality / condition / fail."""
    kind = step["Type"]
    if kind == "Processing":
        entry = step.get("Arguments", {}).get("AppSpecification", {}).get("ContainerEntrypoint") or [""]
        script = str(entry[-1]).rsplit("/", 1)[-1]
        if script not in SCRIPTS:
            raise StepFailed(f"no local program for the processing script {script or '(none)'}",
                             "locally a Processing step runs process.py or evaluate.py")
        return SCRIPTS[script]
    return {"Training": "train", "Tuning": "tune", "Transform": "transform", "Model": "model",
            "RegisterModel": "register", "Condition": "condition", "Fail": "fail", "QualityCheck": "quality",
            "ClarifyCheck": "bias"}[kind]


def options_from(definition: Mapping[str, Any], params: Mapping[str, Any]) -> FlowOptions:
    """The flow options a definition implies (dataset size and seed, hyperparameters, condition, group)."""
    by_type: dict[str, dict[str, Any]] = {}
    for step in all_steps(definition):
        by_type.setdefault(step["Type"] if step["Type"] != "Processing" else step["Name"], step)
    args = {k: resolve_params_only(v.get("Arguments", {}), params) for k, v in by_type.items()}
    env = next((s.get("Arguments", {}).get("Environment", {}) for s in all_steps(definition)
                if s["Type"] == "Processing" and "SAGECLI_SEED" in s.get("Arguments", {}).get("Environment", {})), {})
    train = args.get("Training", {})
    tuning = args.get("Tuning", {}).get("HyperParameterTuningJobConfig", {})
    limits = tuning.get("ResourceLimits", {})
    transform = args.get("Transform", {})
    kinds = []
    for step in all_steps(definition):
        try:
            kinds.append(flow_kind(step))
        except StepFailed:
            continue
    extra: dict[str, Any] = {}
    if limits:
        extra = {"tune_max_jobs": int(limits.get("MaxNumberOfTrainingJobs", 8)),
                 "tune_max_parallel": int(limits.get("MaxParallelTrainingJobs", 2)),
                 "tune_strategy": tuning.get("Strategy", "Bayesian"),
                 "tune_early_stopping": tuning.get("TrainingJobEarlyStoppingType", "Auto")}
    return FlowOptions(
        seed=int(env.get("SAGECLI_SEED", 7)), rows=int(env.get("SAGECLI_ROWS", 4000)),
        steps=tuple(k for k in ("process", "train", "tune", "evaluate", "bias", "register", "transform")
                    if k in kinds),
        input_mode=train.get("AlgorithmSpecification", {}).get("TrainingInputMode", "File"),
        hyperparameters={str(k): str(v) for k, v in train.get("HyperParameters", {}).items()},
        min_auc=float(params.get("MinAuc", 0.75)),
        instance_type=str(train.get("ResourceConfig", {}).get("InstanceType", "ml.m5.xlarge")),
        model_package_group=str(args.get("RegisterModel", {}).get("ModelPackageGroupName", "sagecli-demo-churn")),
        max_payload_mb=int(transform.get("MaxPayloadInMB", 6)),
        join_source=str(transform.get("DataProcessing", {}).get("JoinSource", "None")), **extra)


def resolve_params_only(value: Any, params: Mapping[str, Any]) -> Any:
    """Parameters resolved, step properties left as they are (for options read before anything runs)."""
    if isinstance(value, dict):
        if set(value) == {"Get"} and str(value["Get"]).startswith("Parameters."):
            return params.get(str(value["Get"]).split(".", 1)[1], value)
        return {k: resolve_params_only(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_params_only(v, params) for v in value]
    return value


class _Execution:
    """One local execution: the shared run state, each step's properties, and the step cache."""

    def __init__(self, state: RunState, params: dict[str, Any], cache: StepCache | None, clock: Callable[[], float],
                 observer: Observer) -> None:
        self.state, self.params, self.cache, self.clock, self.observer = state, params, cache, clock, observer
        self.props: dict[str, dict[str, Any]] = {}
        self.results: dict[str, StepResult] = {}
        self.stopped: str | None = None  # why the rest of the execution does not run
        self.gate: tuple[str, bool, list[str]] | None = None  # the Condition whose branch runs: name, verdict, why

    def step(self, step: Mapping[str, Any]) -> None:
        res = self.results[step["Name"]]
        if self.stopped:
            res.status, res.summary = "skipped", f"not run: {self.stopped}"
            self.observer(res)
            return
        res.status = "running"
        self.observer(res)
        t0 = time.perf_counter()
        try:
            self._run(step, res)
            res.status = "ok" if res.status == "running" else res.status
        except SageCliError as err:
            res.status, res.summary = "failed", err.message.split("\n")[0]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:  # a hand-edited definition
            res.status, res.summary = "failed", f"the step's definition does not fit it: {type(err).__name__} {err}"
        except KeyboardInterrupt:
            res.status, res.summary = "interrupted", "interrupted"
            raise
        finally:
            res.duration_s = time.perf_counter() - t0
            self.observer(res)
        if res.status == "failed" and not self.stopped:
            self.stopped = f"the execution stopped at {step['Name']}"

    def _run(self, step: Mapping[str, Any], res: StepResult) -> None:
        kind = flow_kind(step)
        if kind == "condition":
            self._condition(step, res)
            return
        if kind == "fail":
            message = str(resolve(step.get("Arguments", {}).get("ErrorMessage", "a Fail step ran"), self.params,
                                  self.props))
            raise StepFailed(message)
        args = resolve(step.get("Arguments", {}), self.params, self.props)
        if kind == "register" and self.gate is not None:  # the condition gates RegisterModel: its verdict decides
            state_io.register_gated(self.state, res, *self.gate)
            self.props[step["Name"]] = state_io.properties(kind, self.state, args)
            res.data["cache"] = {"status": "off"}
            return
        checks = {k: resolve(step[k], self.params, self.props) for k in CHECK_FIELDS if k in step}
        enabled, expire_s = cache_settings(step)
        cache_info: dict[str, Any] = {"status": "off"}
        if enabled and self.cache is not None:
            key = cache_key(step, key_attributes({**step, **checks}, args))
            entry, why = self.cache.lookup(key, self.clock(), expire_s)
            if entry is not None:
                state_io.restore(kind, self.state, entry["state"])
                self.props[step["Name"]] = entry["properties"]
                res.summary, res.artifacts = entry.get("summary", ""), entry.get("artifacts", {})
                res.data = {**entry.get("data", {}), "cache": {"status": "hit", "reason": why, "key": key,
                                                               "source_run": entry.get("run_id")}}
                return
            cache_info = {"status": "miss", "reason": why, "key": key}
        state_io.run_kind(kind, self.state, res, args)
        self.props[step["Name"]] = state_io.properties(kind, self.state, args)
        res.data["cache"] = cache_info
        if cache_info["status"] == "miss" and self.cache is not None:
            saved, files = state_io.snapshot(kind, self.state)
            from sagecli.flow.pipeline_cache import fingerprint

            self.cache.store(cache_info["key"], {
                "created": self.clock(), "run_id": self.state.ctx.run_id, "step": step["Name"], "state": saved,
                "properties": self.props[step["Name"]], "files": fingerprint(files), "summary": res.summary,
                "artifacts": res.artifacts, "data": {k: v for k, v in res.data.items() if k != "cache"}})

    def _condition(self, step: Mapping[str, Any], res: StepResult) -> None:
        args = step.get("Arguments", {})
        shown, outcome = [], True
        for cond in args.get("Conditions", []):
            test = COMPARE.get(cond.get("Type"))
            if test is None:
                raise StepFailed(f"condition type {cond.get('Type')} does not run locally",
                                 "locally: " + ", ".join(COMPARE))
            left = resolve(cond.get("LeftValue"), self.params, self.props)
            right = resolve(cond.get("RightValue"), self.params, self.props)
            ok = bool(test(left, right))
            outcome = outcome and ok
            shown.append(f"{_num(left)} {SYMBOLS[cond['Type']]} {_num(right)} is {str(ok).lower()}")
        chosen, other = ("IfSteps", "ElseSteps") if outcome else ("ElseSteps", "IfSteps")
        names = ", ".join(c["Name"] for c in args.get(chosen, [])) or "nothing"
        res.summary = "; ".join(shown) + f" -> {chosen} ({names})"
        res.data = {"outcome": outcome, "conditions": shown, "branch": chosen, "cache": {"status": "off"}}
        self.props[step["Name"]] = {"Outcome": outcome}
        res.status = "ok"
        self.observer(res)
        for child in args.get(other, []):
            skipped = self.results[child["Name"]]
            skipped.status, skipped.summary = "skipped", f"not run: {step['Name']} chose {chosen}"
            self.observer(skipped)
        outer, self.gate = self.gate, (step["Name"], outcome, shown)
        try:
            for child in args.get(chosen, []):
                self.step(child)
        finally:
            self.gate = outer


def _num(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def run_pipeline(definition: Mapping[str, Any], run_dir: Path, run_id: str, *, name: str = "sagecli-demo",
                 parameters: Mapping[str, str] | None = None, observer: Observer = lambda r: None,
                 clock: Callable[[], float] = time.time, cache_root: Path | None = None,
                 use_cache: bool = True) -> FlowResult:
    """Run a definition on the local backend, step caching under cache_root ($SAGECLI_HOME/pipeline-cache)."""
    from sagecli.flow.backends import create_backend
    from sagecli.flow.rundir import check_run_dir, mark_run_dir
    from sagecli.paths import home_dir

    problems = structure_problems(definition)
    if problems:
        raise SageCliError(f"the pipeline definition cannot run: {problems[0]}")
    params = resolve_parameters(definition, parameters or {})
    options = options_from(definition, params)
    order = execution_order(definition)
    results = [StepResult(s["Name"]) for s in all_steps({"Steps": order})]
    flow = FlowResult(run_id=run_id, run_dir=run_dir, backend="local", steps=results)
    started = time.perf_counter()

    def emit(step: str, message: str) -> None:
        running = next((r for r in results if r.status == "running"), None)
        if running is not None:
            running.summary = message
            observer(running)

    ctx = RunContext(run_id=run_id, run_dir=run_dir, options=options, emit=emit, tags={"sagecli:run-id": run_id})
    check_run_dir(run_dir)
    backend = create_backend("local", ctx)
    state = RunState(ctx=ctx, backend=backend)
    cache = StepCache(cache_root or home_dir() / "pipeline-cache", name) if use_cache else None
    execution = _Execution(state, params, cache, clock, observer)
    execution.results = {r.name: r for r in results}
    try:
        backend.prepare(ctx)
        run_dir.mkdir(parents=True, exist_ok=True)
        mark_run_dir(run_dir, run_id)
        for step in order:
            execution.step(step)
    finally:
        backend.teardown()
    failed = next((r for r in results if r.status == "failed"), None)
    if failed is not None:
        flow.ok, flow.error = False, f"{failed.name}: {failed.summary}"
    flow.duration_s = time.perf_counter() - started
    return flow


def cache_counts(flow: FlowResult) -> dict[str, int]:
    """How many steps hit, missed or ran without the cache."""
    counts = {"hit": 0, "miss": 0, "off": 0}
    for res in flow.steps:
        status = res.data.get("cache", {}).get("status")
        if status in counts and res.status == "ok":
            counts[status] += 1
    return counts
