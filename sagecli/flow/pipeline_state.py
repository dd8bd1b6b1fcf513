"""What each pipeline step does locally, the properties it exposes to later `Get`s, and its cacheable state.

A step's work is the flow's own code (sagecli/flow/steps.py), plus two small local stand-ins: a Model step
names the model after its artifact (a local model is a pointer to model.tar.gz, so the same artifact is the
same model and a Transform over it can hit the cache) and a QualityCheck step runs the Model Monitor
baseline (sagecli/monitor, the analyzer's statistics.json and constraints.json). Property paths are those
of the step's Describe* response (or the check step's properties), with local file:// URIs for S3 URIs.
State saved in the cache is plain JSON: what a later step reads from the run state, and the files behind it.
RegisterModel inside a Condition step's branch is gated by that condition, as in Pipelines: the condition's
verdict is the approval status (the branch it chose), so a model the condition lets through is registered
Approved even when its test AUC (Evaluate) is below MinAuc; a RegisterModel outside any condition runs the
flow's register step, which decides on the test AUC.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sagecli.contracts import MetricPoint, RunState, StepFailed, StepResult, TrainingResult


def _path(uri: str) -> Path:
    from sagecli.flow.backends.local import uri_to_path

    return uri_to_path(uri)


def model_name(artifact: str) -> str:
    """A local model's name: derived from the artifact it serves."""
    return "sagecli-model-" + hashlib.sha256(artifact.encode()).hexdigest()[:12]


def _model(run: RunState, res: StepResult, args: dict[str, Any]) -> None:
    if run.training is None or not run.training.model_artifact:
        raise StepFailed("no trained model to name")
    res.data = {"model_name": model_name(run.training.model_artifact), "artifact": run.training.model_artifact}
    res.summary = f"{res.data['model_name']} serves {Path(_path(run.training.model_artifact)).name}"


def _quality(run: RunState, res: StepResult, args: dict[str, Any]) -> None:
    from sagecli.monitor.jobs import suggest_baseline

    source = next((i["S3Input"]["S3Uri"] for i in args.get("ProcessingInputs", [])
                   if i.get("InputName") == "baseline_dataset_input"), None)
    if not source:
        raise StepFailed("the QualityCheck has no baseline_dataset_input")
    base = _path(str(source))
    files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
    if not files:
        raise StepFailed(f"no baseline data at {source}")
    out = run.ctx.run_dir / "quality-check"
    _, cons = suggest_baseline(b"".join(f.read_bytes() for f in files), out)
    res.artifacts = {"statistics": str(out / "statistics.json"), "constraints": str(out / "constraints.json")}
    res.data = {"features": len(cons["features"]), "check_type": "DATA_QUALITY"}
    res.summary = f"baseline of {len(cons['features'])} features: statistics.json, constraints.json"


def _evaluate(run: RunState, res: StepResult, args: dict[str, Any]) -> None:
    from sagecli.flow.steps import evaluate
    from sagecli.paths import atomic_write_text

    evaluate(run, res)
    out = run.ctx.run_dir / "evaluation" / "evaluation.json"
    atomic_write_text(out, json.dumps({"metrics": run.metrics}, indent=2) + "\n")
    res.artifacts["evaluation"] = str(out)


def register_gated(run: RunState, res: StepResult, condition: str, verdict: bool, shown: list[str]) -> None:
    """RegisterModel in a Condition step's branch: the condition's verdict (and a failed bias check) decides."""
    from sagecli.flow.steps import register_version

    said = "; ".join(shown) or "no conditions"
    register_version(run, res, verdict, f"{condition} {said}",
                     {"step": condition, "passed": verdict, "conditions": shown, "test_auc": run.metrics.get("auc")},
                     f"{condition} {'passed' if verdict else 'failed'}")


def run_kind(kind: str, run: RunState, res: StepResult, args: dict[str, Any]) -> None:
    """Do one step's work with the flow's code."""
    from sagecli.flow.steps import STEP_FUNCS

    own = {"model": _model, "quality": _quality, "evaluate": _evaluate}
    if kind in own:
        own[kind](run, res, args)
    else:
        STEP_FUNCS[kind](run, res)


def properties(kind: str, run: RunState, args: dict[str, Any]) -> dict[str, Any]:
    """The properties later steps may Get from this step (Describe* member paths)."""
    out: dict[str, Any] = {}
    outputs = [o["OutputName"] for o in args.get("ProcessingOutputConfig", {}).get("Outputs", [])]
    where = {"process": lambda n: run.channels.get(n),
             "evaluate": lambda n: (run.ctx.run_dir / "evaluation").resolve().as_uri()}
    if kind in where:
        for name in outputs:
            value = where[kind](name)
            if value is not None:
                out[f"ProcessingOutputConfig.Outputs['{name}'].S3Output.S3Uri"] = value
    if kind in ("train", "tune") and run.training is not None:
        out["TrainingJobName"] = run.training.job_name
        out["ModelArtifacts.S3ModelArtifacts"] = run.training.model_artifact
        out.update({f"FinalMetricDataList['{k}'].Value": v for k, v in run.training.final_metrics.items()})
        if kind == "tune":
            out["BestTrainingJob.TrainingJobName"] = run.training.job_name
    if kind == "model" and run.training is not None and run.training.model_artifact:
        out["ModelName"] = model_name(run.training.model_artifact)
    if kind == "register" and run.package is not None:
        out["ModelPackageArn"] = run.package.arn
    if kind == "quality":
        base = (run.ctx.run_dir / "quality-check").resolve()
        out["CalculatedBaselineStatistics"] = (base / "statistics.json").as_uri()
        out["CalculatedBaselineConstraints"] = (base / "constraints.json").as_uri()
    if kind == "bias":
        out["CalculatedBaselineConstraints"] = (run.ctx.run_dir / "bias" / "analysis.json").resolve().as_uri()
    if kind == "transform":
        out["TransformOutput.S3OutputPath"] = (run.ctx.run_dir / "transform").resolve().as_uri()
    return out


def snapshot(kind: str, run: RunState) -> tuple[dict[str, Any], list[str]]:
    """(JSON state a cache hit restores, the files it relies on) after a step ran."""
    opts = run.ctx.options
    if kind == "process":
        return ({"channels": run.channels, "seed": opts.seed, "rows": opts.rows},
                [str(_path(u)) for u in run.channels.values()])
    if kind in ("train", "tune") and run.training is not None:
        doc = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(run.training).items()}
        return {"training": doc}, [str(_path(run.training.model_artifact or ""))]
    if kind == "evaluate":
        return ({"metrics": run.metrics, "model_dir": str(run.model_dir)},
                [str(run.model_dir), str(run.ctx.run_dir / "evaluation")])
    if kind == "bias":
        return {"bias": run.bias}, [str(run.ctx.run_dir / "bias")]
    if kind == "quality":
        return {}, [str(run.ctx.run_dir / "quality-check")]
    if kind == "transform":
        return {}, [str(run.ctx.run_dir / "transform")]
    return {}, []


def restore(kind: str, run: RunState, saved: dict[str, Any]) -> None:
    """Put a cached step's state back into the run, as if it had just run."""
    if kind == "process":
        from sagecli.flow.data import make_dataset

        run.channels = dict(saved["channels"])
        run.dataset = make_dataset(int(saved["seed"]), int(saved["rows"]))  # deterministic and cheap
    elif kind in ("train", "tune"):
        doc = dict(saved["training"])
        doc["metrics"] = [MetricPoint(**m) for m in doc.get("metrics", [])]
        for key in ("job_dir", "log_path"):
            doc[key] = Path(doc[key]) if doc.get(key) else None
        run.training = TrainingResult(**doc)
    elif kind == "evaluate":
        run.metrics = dict(saved["metrics"])
        run.model_dir = Path(saved["model_dir"])
    elif kind == "bias":
        run.bias = saved.get("bias")
