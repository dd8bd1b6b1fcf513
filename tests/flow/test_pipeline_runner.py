"""The local pipeline runner: graph order, the condition step, step caching (hits, misses, expiry), the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagecli.cli import app
from sagecli.contracts import FlowOptions
from sagecli.errors import SageCliError, UsageError
from sagecli.flow import pipeline_export as pe
from sagecli.flow import pipeline_runner as pr
from sagecli.flow.pipeline_cache import parse_duration
from sagecli.flow.plan import plan_steps
from tests.conftest import run_cli

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
STEPS = ("process", "train", "evaluate", "register", "transform")
DAY = 86400.0


def _definition(steps=STEPS, **kw):
    opts = FlowOptions(steps=tuple(steps), rows=400, **kw)
    definition, _ = pe.build_definition(opts, plan_steps(opts.steps)[0], run_id="pipeline", region="us-east-1",
                                        image=IMAGE)
    return definition


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _run(tmp_path: Path, definition, n: int, clock=None, **kw):
    return pr.run_pipeline(definition, tmp_path / f"run{n}", f"run{n}", cache_root=tmp_path / "cache",
                           clock=clock or Clock(), **kw)


def _by(flow):
    return {s.name: s for s in flow.steps}


def _cache(flow):
    return {s.name: s.data.get("cache", {}).get("status") for s in flow.steps if s.status == "ok"}


def test_order_follows_gets_and_depends_on_not_file_order():
    definition = _definition()
    shuffled = copy.deepcopy(definition)
    shuffled["Steps"].reverse()  # Transform first in the file, Process last
    order = [s["Name"] for s in pr.execution_order(shuffled)]
    assert order.index("Process") < order.index("Train") < order.index("Evaluate") < order.index("CheckAuc")
    assert order.index("Train") < order.index("CreateModel") < order.index("Transform")
    assert pr.structure_problems(shuffled) == []


def test_depends_on_orders_steps_without_a_get():
    definition = _definition()
    model = next(s for s in definition["Steps"] if s["Name"] == "CreateModel")
    model["DependsOn"] = ["CheckAuc"]
    definition["Steps"].remove(model)
    definition["Steps"].insert(1, model)
    order = [s["Name"] for s in pr.execution_order(definition)]
    assert order.index("CheckAuc") < order.index("CreateModel")


def test_cycles_and_unknown_steps_are_refused():
    definition = _definition()
    process = definition["Steps"][0]
    process["DependsOn"] = ["Transform"]
    with pytest.raises(SageCliError, match="cycle"):
        pr.execution_order(definition)
    process["DependsOn"] = ["NoSuchStep"]
    assert pr.structure_problems(definition) == ["Process refers to unknown step NoSuchStep"]
    definition = _definition()
    definition["Steps"][0]["Type"] = "EMR"
    assert "does not run locally" in pr.structure_problems(definition)[0]


def test_parameters_cast_and_unknown_refused():
    definition = _definition()
    params = pr.resolve_parameters(definition, {"MinAuc": "0.9", "TrainingInstanceCount": "2"})
    assert params["MinAuc"] == 0.9 and params["TrainingInstanceCount"] == 2
    with pytest.raises(UsageError, match="no parameter Nope"):
        pr.resolve_parameters(definition, {"Nope": "1"})
    with pytest.raises(UsageError, match="not a Float"):
        pr.resolve_parameters(definition, {"MinAuc": "high"})


@pytest.mark.parametrize("text, seconds", [("P30D", 30 * DAY), ("PT1H", 3600), ("P1DT12H", 1.5 * DAY),
                                           ("PT16M", 960), ("30d", 30 * DAY), ("T16m", 960), ("P1W", 7 * DAY)])
def test_expire_after_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "30 days", "P1H"])
def test_bad_durations_are_refused(text):
    with pytest.raises(UsageError):
        parse_duration(text)


def test_second_run_hits_the_cache_and_condition_runs_again(tmp_path):
    definition = _definition()
    first = _run(tmp_path, definition, 1)
    assert first.ok, first.error
    assert _cache(first) == {"Process": "miss", "Train": "miss", "Evaluate": "miss", "CheckAuc": "off",
                             "Register": "off", "CreateModel": "off", "Transform": "miss"}
    second = _run(tmp_path, definition, 2)
    assert second.ok, second.error
    assert _cache(second) == {"Process": "hit", "Train": "hit", "Evaluate": "hit", "CheckAuc": "off",
                              "Register": "off", "CreateModel": "off", "Transform": "hit"}
    by = _by(second)
    assert by["Train"].data["cache"]["source_run"] == "run1"
    assert by["Train"].summary == _by(first)["Train"].summary  # the earlier run's results, not a new job
    assert not (tmp_path / "run2" / "jobs").exists()
    assert by["Register"].data["version"] == _by(first)["Register"].data["version"] + 1  # never cached


def test_changed_hyperparameter_misses_from_train_on(tmp_path):
    definition = _definition()
    assert _run(tmp_path, definition, 1).ok
    changed = copy.deepcopy(definition)
    train = next(s for s in changed["Steps"] if s["Name"] == "Train")
    train["Arguments"]["HyperParameters"]["num_round"] = "7"
    flow = _run(tmp_path, changed, 2)
    assert flow.ok, flow.error
    assert _cache(flow)["Process"] == "hit"
    assert _cache(flow)["Train"] == "miss" and _cache(flow)["Evaluate"] == "miss"  # a new model downstream
    assert _by(flow)["Train"].data["hyperparameters"]["num_round"] == "7"  # the changed argument was used
    # an attribute outside Pipelines' cache keys (the instance type) still hits
    other = copy.deepcopy(definition)
    next(s for s in other["Steps"] if s["Name"] == "Train")["Arguments"]["ResourceConfig"]["VolumeSizeInGB"] = 99
    assert _cache(_run(tmp_path, other, 3))["Train"] == "hit"


def test_expiry_and_disabled_cache(tmp_path):
    definition = _definition()
    clock = Clock()
    assert _run(tmp_path, definition, 1, clock).ok
    clock.now += 29 * DAY
    assert _cache(_run(tmp_path, definition, 2, clock))["Train"] == "hit"
    clock.now += 2 * DAY  # 31 days after the only run that did the work: P30D has passed
    flow = _run(tmp_path, definition, 3, clock)
    assert _cache(flow)["Process"] == "miss" and "expired" in _by(flow)["Process"].data["cache"]["reason"]
    assert _cache(flow)["Train"] == "miss"  # new data from the new Process run: new arguments
    short = copy.deepcopy(definition)
    for step in short["Steps"]:
        if "CacheConfig" in step:
            step["CacheConfig"]["ExpireAfter"] = "PT1H"
    clock.now += 1800
    assert set(_cache(_run(tmp_path, short, 4, clock)).values()) == {"hit", "off"}  # run 3 is half an hour old
    clock.now += 3600
    assert _cache(_run(tmp_path, short, 5, clock))["Process"] == "miss"
    off = copy.deepcopy(short)
    off["Steps"][0]["CacheConfig"]["Enabled"] = False
    flow = _run(tmp_path, off, 6, clock)
    assert _cache(flow)["Process"] == "off" and _cache(flow)["Train"] == "miss"  # a rerun Process: new inputs


def test_changed_files_make_a_miss(tmp_path):
    definition = _definition(("process", "train"))
    first = _run(tmp_path, definition, 1)
    artifact = Path(first.steps[1].artifacts["model_artifact"].removeprefix("file://"))
    artifact.write_bytes(b"not the model")
    flow = _run(tmp_path, definition, 2)
    assert _cache(flow) == {"Process": "hit", "Train": "miss"}
    assert "gone or changed" in _by(flow)["Train"].data["cache"]["reason"]


def test_condition_false_skips_register_and_later_steps(tmp_path):
    flow = _run(tmp_path, _definition(), 1, parameters={"MinAuc": "0.999"})
    by = _by(flow)
    assert not flow.ok and flow.error.startswith("AucTooLow:")
    assert by["CheckAuc"].status == "ok" and by["CheckAuc"].data["outcome"] is False
    assert by["Register"].status == "skipped" and "ElseSteps" in by["Register"].summary
    assert by["AucTooLow"].status == "failed"
    assert by["CreateModel"].status == "skipped" and by["Transform"].status == "skipped"
    from sagecli.registry.store import list_groups

    assert list_groups() == []  # nothing registered


def test_check_steps_run_locally(tmp_path):
    flow = _run(tmp_path, _definition(("process", "train", "evaluate", "bias", "register", "monitor")), 1)
    assert flow.ok, flow.error
    by = _by(flow)
    stats = json.loads(Path(by["DataQualityCheck"].artifacts["statistics"]).read_text())
    assert len(stats["features"]) == by["DataQualityCheck"].data["features"] == 8
    assert by["BiasCheck"].status == "ok" and "DPPL" in by["BiasCheck"].summary


def test_cli_pipeline_run_json_says_cache_per_step(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_definition(("process", "train"))))
    runs = [CliRunner().invoke(app, ["pipeline", "run", str(path), "--json"]) for _ in range(2)]
    assert all(r.exit_code == 0 for r in runs), runs[0].output
    docs = [json.loads(r.output) for r in runs]
    assert docs[0]["cache"] == {"hit": 0, "miss": 2, "off": 0}
    assert docs[1]["cache"] == {"hit": 2, "miss": 0, "off": 0}
    assert [s["data"]["cache"]["status"] for s in docs[1]["steps"]] == ["hit", "hit"]
    assert (tmp_path / "home" / "pipeline-cache" / "sagecli-demo").is_dir()


def test_cli_lines_fit_80_columns(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_definition(("process", "train"))))
    CliRunner().invoke(app, ["pipeline", "run", str(path)])
    result = CliRunner().invoke(app, ["pipeline", "run", str(path), "--no-cache"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["STEP", "STATUS", "CACHE", "SUMMARY"]
    assert lines[2].split()[:3] == ["Process", "ok", "off"]
    assert all(len(line) <= 80 for line in lines if not line.startswith("Artifacts:"))


@pytest.mark.parametrize("content, expected", [("{not json", "is not JSON"), ('{"Version": "2020-12-01"}',
                                                                               "no Steps list")])
def test_cli_bad_file_is_one_line(tmp_path, content, expected):
    path = tmp_path / "p.json"
    path.write_text(content)
    result = run_cli("pipeline", "run", str(path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert expected in result.stderr.splitlines()[0]


def test_run_demo_as_pipeline_locally_reuses_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    args = ["run-demo", "--as-pipeline", "--steps", "process,train", "--rows", "400", "--json"]
    docs = [json.loads(CliRunner().invoke(app, args).stdout) for _ in range(2)]
    assert [s["name"] for s in docs[0]["steps"]] == ["Process", "Train"]
    assert docs[1]["cache"]["hit"] == 2


def test_container_scripts_pass_data_through_and_score_like_evaluate(tmp_path):
    """process.py and evaluate.py (what the processing jobs run on AWS), run here on a SageMaker-shaped tree."""
    import shutil
    import subprocess
    import sys

    from sagecli.flow.pipeline_sagemaker import SCRIPTS

    flow = _run(tmp_path, _definition(("process", "train", "evaluate")), 1)
    assert flow.ok, flow.error
    root = tmp_path / "processing"
    data = tmp_path / "run1" / "data"
    shutil.copytree(data, root / "input" / "raw")
    env = {"SAGECLI_PROCESSING_ROOT": str(root), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(SCRIPTS / "process.py")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (root / "output" / "test" / "test.csv").read_bytes() == (data / "test" / "test.csv").read_bytes()
    (root / "input" / "model").mkdir(parents=True)
    shutil.copy(_by(flow)["Train"].artifacts["model_artifact"].removeprefix("file://"), root / "input" / "model")
    shutil.copytree(root / "output" / "test", root / "input" / "test")
    done = subprocess.run([sys.executable, str(SCRIPTS / "evaluate.py")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads((root / "output" / "evaluation" / "evaluation.json").read_text())
    auc = report["binary_classification_metrics"]["auc"]["value"]
    assert auc == pytest.approx(_by(flow)["Evaluate"].data["metrics"]["auc"], abs=1e-6)


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["Steps"][0].update(Arguments="x"), "Process: Arguments must be an object"),
    (lambda d: d["Steps"][0].update(DependsOn="Train"), "Process: DependsOn must be an array"),
    (lambda d: d["Steps"][3]["Arguments"].update(IfSteps={}), "IfSteps and ElseSteps must be arrays"),
    (lambda d: d.update(Parameters=[{"Type": "String"}]), "Parameters must be an array"),
    (lambda d: d["Steps"].append(7), "every step needs a Name and a Type"),
])
def test_malformed_definitions_are_one_line(tmp_path, edit, expected):
    definition = _definition()
    edit(definition)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(definition))
    result = run_cli("pipeline", "run", str(path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert expected in result.stderr.splitlines()[0]


def test_a_step_whose_arguments_do_not_fit_fails_that_step(tmp_path):
    definition = _definition(("process", "train"))
    del definition["Steps"][0]["Arguments"]["AppSpecification"]
    flow = _run(tmp_path, definition, 1)
    assert not flow.ok and _by(flow)["Process"].status == "failed"
    assert _by(flow)["Train"].status == "skipped"


def test_tuning_step_runs_the_flows_tuner_and_caches(tmp_path):
    definition = _definition(("process", "tune"), tune_max_jobs=2, tune_max_parallel=1)
    limits = definition["Steps"][1]["Arguments"]["HyperParameterTuningJobConfig"]["ResourceLimits"]
    assert limits["MaxNumberOfTrainingJobs"] == 2
    first = _run(tmp_path, definition, 1)
    assert first.ok, first.error
    assert _by(first)["Tune"].summary.startswith("best #") and "of 2" in _by(first)["Tune"].summary
    assert _cache(_run(tmp_path, definition, 2)) == {"Process": "hit", "Tune": "hit"}


def test_check_settings_from_parameters_are_part_of_the_key(tmp_path):
    definition = _definition(("process", "monitor"))
    definition["Parameters"].append({"Name": "Group", "Type": "String", "DefaultValue": "a"})
    check = next(s for s in definition["Steps"] if s["Type"] == "QualityCheck")
    check["ModelPackageGroupName"] = {"Get": "Parameters.Group"}
    assert _run(tmp_path, definition, 1).ok
    assert _cache(_run(tmp_path, definition, 2))["DataQualityCheck"] == "hit"
    flow = _run(tmp_path, definition, 3, parameters={"Group": "b"})
    assert (_cache(flow)["Process"], _cache(flow)["DataQualityCheck"]) == ("hit", "miss")


def test_the_condition_verdict_is_the_approval_of_a_model_at_the_limit(tmp_path, monkeypatch):
    """Validation AUC passes MinAuc, test AUC does not: the condition gates Register, so it registers Approved."""
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    definition = _definition(("process", "train", "evaluate", "register"))
    first = _by(_run(tmp_path, definition, 1, parameters={"MinAuc": "0.0"}))
    validation_auc = float(first["CheckAuc"].data["conditions"][0].split()[0])
    test_auc = first["Evaluate"].data["metrics"]["auc"]
    assert validation_auc > test_auc + 0.01  # seed 7, 400 rows: 0.8733 and 0.7740
    limit = (validation_auc + test_auc) / 2
    flow = _run(tmp_path, definition, 2, parameters={"MinAuc": str(limit)})
    by = _by(flow)
    assert flow.ok, flow.error
    assert by["CheckAuc"].data["outcome"] is True and test_auc < limit
    register = by["Register"]
    assert register.data["approval_status"] == "Approved", register.summary
    assert register.data["condition"]["step"] == "CheckAuc" and register.data["condition"]["passed"] is True
    assert "Approved (CheckAuc passed)" in register.summary
    from sagecli.registry.store import list_groups

    assert list_groups()[0]["latest_approved"] == register.data["version"] == 2  # the registry says so too
