"""The tune step: ranges and configs against botocore, the objective from the log by regex, early stopping,
a real tuning job (4 jobs, 2 at a time) whose description matches DescribeHyperParameterTuningJob, and the
best job's model going down the flow to the endpoint."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from sagecli.contracts import FlowOptions
from sagecli.errors import UsageError
from sagecli.flow import tune_spec as spec

AUC = spec.XGBOOST_METRIC_REGEX["validation:auc"]

# Lines as the built-in XGBoost algorithm writes them in a SageMaker training job's log (CloudWatch shows the
# tab as #011), including XGBoost's early-stopping trailer that repeats the best round.
REAL_LOG = """\
[2024-03-01 10:25:40.123 ip-10-0-1-1:7 INFO utils.py:28] RULE_JOB_STOP_SIGNAL_FILENAME: None
[15]#011train-auc:0.98571#011validation-auc:0.976057
[16]#011train-auc:0.986562#011validation-auc:0.975683
Stopping. Best iteration:
[6]#011train-auc:0.97752#011validation-auc:0.977851
""".splitlines()


def test_objective_is_read_from_real_xgboost_log_lines() -> None:
    assert spec.objective_values(REAL_LOG, AUC) == [0.976057, 0.975683, 0.977851]
    assert spec.objective_values(REAL_LOG, spec.XGBOOST_METRIC_REGEX["train:auc"]) == [0.98571, 0.986562, 0.97752]
    # no round number, or a tab that is not #011: the metric definition does not match
    assert spec.objective_values(["validation-auc:0.9", "[3]\tvalidation-auc:0.9", "[3]#011validation-auc:"],
                                 AUC) == []
    assert spec.objective_values(["[0]#011validation-auc:1e-3"], AUC) == [0.001]


def test_objective_from_this_projects_algorithm_log(tmp_path: Path) -> None:
    from sagecli.flow.data import make_dataset, write_channels
    from sagecli.train.job import run_training_job

    dirs = write_channels(make_dataset(3, 300), tmp_path / "data")
    result = run_training_job(tmp_path / "job", "j", {k: dirs[k] for k in ("train", "validation")},
                              {"num_round": "5", "objective": "binary:logistic", "eval_metric": "auc"})
    values = spec.objective_values(result.log_path.read_text().splitlines(), AUC)
    assert len(values) == 5
    assert values[-1] == pytest.approx(result.final_metrics["validation:auc"])


def test_early_stopping_uses_the_median_of_running_averages() -> None:
    earlier = [[0.5, 0.7, 0.9], [0.8, 0.8], [0.1, 0.3], [0.9]]  # running averages at epoch 2: 0.6, 0.8, 0.2
    assert spec.should_stop_early([0.99, 0.59], earlier, maximize=True)
    assert not spec.should_stop_early([0.0, 0.61], earlier, maximize=True)
    # the median of running averages, not of the values at that epoch (0.7, 0.8, 0.3 -> 0.7)
    assert not spec.should_stop_early([0.0, 0.65], earlier, maximize=True)
    # minimising: worse is higher
    assert spec.should_stop_early([0.0, 0.61], earlier, maximize=False)
    assert not spec.should_stop_early([0.0, 0.59], earlier, maximize=False)
    # epoch 3: only the job that reached it counts (running average 0.7)
    assert spec.should_stop_early([1, 1, 0.69], earlier, maximize=True)
    assert not spec.should_stop_early([1, 1, 1, 0.0], earlier, maximize=True)  # nobody reached epoch 4
    assert not spec.should_stop_early([0.9] * 7, [[0.9] * 7], maximize=True)  # equal, whatever the rounding
    assert not spec.should_stop_early([0.0], [], maximize=True)
    assert not spec.should_stop_early([], earlier, maximize=True)


def test_default_config_matches_botocores_shapes_and_enums() -> None:
    config = spec.tuning_config("Bayesian", 4, 2, spec.DEFAULT_RANGES, "validation:auc", "Maximize", "Auto", 7)
    spec.check_shape(config, "HyperParameterTuningJobConfig")
    spec.check_shape(spec.DEFAULT_RANGES, "ParameterRanges")
    kinds = {r.kind for r in spec.parse_ranges(spec.DEFAULT_RANGES)}
    assert kinds == {"integer", "continuous", "categorical"}
    assert {r.log for r in spec.parse_ranges(spec.DEFAULT_RANGES)} == {True, False}
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    assert set(spec.SCALING_TYPES) == set(model.shape_for("HyperParameterScalingType").enum)
    assert set(spec.STRATEGIES) == set(model.shape_for("HyperParameterTuningJobStrategyType").enum)
    with pytest.raises(ValueError, match="Strategy"):
        spec.check_shape({**config, "Strategy": "Genetic"}, "HyperParameterTuningJobConfig")
    with pytest.raises(ValueError, match="ResourceLimits"):
        spec.check_shape({"Strategy": "Random"}, "HyperParameterTuningJobConfig")


@pytest.mark.parametrize(("ranges", "message"), [
    ({"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0", "MaxValue": "1", "ScalingType": "Logarithmic"}]},
     "Logarithmic scaling needs MinValue > 0"),
    ({"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "1", "ScalingType": "Log"}]},
     "ScalingType 'Log' is not one of"),
    ({"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.9",
                                     "ScalingType": "ReverseLogarithmic"}]}, "not supported locally"),
    ({"IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2.5", "MaxValue": "8"}]}, "whole"),
    ({"IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "9", "MaxValue": "8"}]}, "above MaxValue"),
    ({"CategoricalParameterRanges": [{"Name": "grow_policy", "Values": []}]}, "at least one value"),
    ({}, "no hyperparameter ranges"),
])
def test_bad_ranges_are_one_clear_error(ranges: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        spec.parse_ranges(ranges)


def test_strategies_sagemaker_has_but_this_machine_does_not_are_refused() -> None:
    for strategy in ("Hyperband", "Grid"):
        with pytest.raises(UsageError, match="not supported locally"):
            spec.tuning_config(strategy, 4, 2, spec.DEFAULT_RANGES, "validation:auc", "Maximize", "Off", 1)


def test_tune_on_sagemaker_passes_the_option_check() -> None:
    from sagecli.commands.demo_run import check_backend_options

    check_backend_options("sagemaker", FlowOptions(steps=("tune",)))  # a real tuning job: tests/aws/test_sm_tune.py
    check_backend_options("sagemaker", FlowOptions())  # the default steps do not include tune


def test_plan_tune_replaces_train_unless_both_are_asked() -> None:
    from sagecli.flow.plan import plan_steps

    assert plan_steps(("tune", "evaluate"))[0] == ["process", "tune", "evaluate", "teardown"]
    assert plan_steps(("train", "tune"))[0] == ["process", "train", "tune", "teardown"]
    assert "tune" not in plan_steps(FlowOptions().steps)[0]


def _overlap(summaries: list[dict]) -> int:
    """The most jobs whose [start, end] windows overlap at one instant."""
    events = sorted([(datetime.fromisoformat(s["TrainingStartTime"]), 1) for s in summaries]
                    + [(datetime.fromisoformat(s["TrainingEndTime"]), -1) for s in summaries],
                    key=lambda e: (e[0], e[1]))
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_tuning_job_4_jobs_2_at_a_time_best_model_is_deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sagecli.flow.backends.local import LocalBackend, uri_to_path
    from sagecli.flow.runner import run_flow

    deployed: list[str] = []
    original = LocalBackend.deploy

    def spy(self, request):
        deployed.append(request.model_artifact)
        return original(self, request)

    monkeypatch.setattr(LocalBackend, "deploy", spy)
    opts = FlowOptions(rows=600, seed=3, steps=("tune", "invoke"), tune_max_jobs=4, tune_max_parallel=2,
                       tune_strategy="Random", tune_early_stopping="Off", min_auc=0.5)
    result = run_flow("local", opts, tmp_path, "tune-test")
    assert result.ok, result.error
    tune = result.step("tune")
    assert result.step("train") is None  # tune trained the model

    describe = json.loads(Path(tune.artifacts["description"]).read_text())
    spec.check_shape(describe, operation="DescribeHyperParameterTuningJob")
    listing = json.loads((Path(tune.artifacts["description"]).parent / "list-training-jobs-for-hyper-parameter-"
                                                                       "tuning-job.json").read_text())
    spec.check_shape(listing, operation="ListTrainingJobsForHyperParameterTuningJob")
    summaries = listing["TrainingJobSummaries"]
    assert describe["HyperParameterTuningJobStatus"] == "Completed"
    assert describe["TrainingJobStatusCounters"]["Completed"] == len(summaries) == 4
    assert describe["ObjectiveStatusCounters"]["Succeeded"] == 4
    assert describe["HyperParameterTuningJobConfig"]["ResourceLimits"] == {
        "MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2}
    assert tune.data["max_running_at_once"] == 2 and _overlap(summaries) == 2

    # each job is a full job directory; its objective is what the regex reads from its own log
    for s in summaries:
        job_dir = tmp_path / "jobs" / s["TrainingJobName"]
        hps = json.loads((job_dir / "input/config/hyperparameters.json").read_text())
        assert {k: hps[k] for k in s["TunedHyperParameters"]} == s["TunedHyperParameters"]
        assert (job_dir / "output/model.tar.gz").is_file()
        log = (job_dir / "output/training.log").read_text().splitlines()
        assert s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == spec.objective_values(log, AUC)[-1]
    assert len({json.dumps(s["TunedHyperParameters"], sort_keys=True) for s in summaries}) == 4

    best = describe["BestTrainingJob"]
    value = best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    assert value == max(s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for s in summaries)
    best_tarball = tmp_path / "jobs" / best["TrainingJobName"] / "output" / "model.tar.gz"
    assert [uri_to_path(u).resolve() for u in deployed] == [best_tarball.resolve()]
    assert result.step("invoke").data["max_abs_diff_vs_local"] <= 1e-4  # the endpoint answers as that model


SLOW_SCRIPT = """\
import json, os, pathlib, time
hps = json.loads(os.environ["SM_HPS"])
for i in range(int(hps["num_round"])):
    print(f"[{i}]#011train-auc:0.99#011validation-auc:{hps['quality']}", flush=True)
    time.sleep(0.03)
pathlib.Path(os.environ["SM_MODEL_DIR"], "model.txt").write_text(hps["quality"])
"""


def test_early_stopping_stops_jobs_worse_than_earlier_ones(tmp_path: Path) -> None:
    """A user script (training contract) whose objective is its `quality` hyperparameter, 20 rounds of 30 ms."""
    from sagecli.flow.tune import run_tuning

    script = tmp_path / "train.py"
    script.write_text(SLOW_SCRIPT)
    data = tmp_path / "data"
    (data / "train").mkdir(parents=True)
    (data / "train" / "x.csv").write_text("1,2\n")
    ranges = {"CategoricalParameterRanges": [{"Name": "quality", "Values": ["0.9", "0.3"]}]}
    config = spec.tuning_config("Random", 6, 1, ranges, "validation:auc", "Maximize", "Auto", 2)
    out = run_tuning("t-es", tmp_path, {"train": data / "train"}, {"num_round": "20"}, config, seed=2,
                     entry_point=script)
    seen: list[str] = []
    checked = 0
    for s in out.summaries:
        quality = s["TunedHyperParameters"]["quality"]
        log = (tmp_path / "jobs" / s["TrainingJobName"] / "output/training.log").read_text().splitlines()
        rounds = len(spec.objective_values(log, AUC))
        if quality == "0.9" or not seen:  # never worse than a median of earlier jobs, or nothing to compare with
            assert (s["TrainingJobStatus"], rounds) == ("Completed", 20)
        elif seen.count("0.9") > seen.count("0.3"):  # the median at epoch 1 is 0.9: stopped at once
            assert s["TrainingJobStatus"] == "Stopped" and rounds < 20
            assert s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == 0.3
            checked += 1
        seen.append(quality)
    assert checked >= 1, f"no job to check in {seen}: pick another seed"
    assert out.description["TrainingJobStatusCounters"]["Stopped"] == len(out.early_stopped) >= checked
    assert out.best is not None and out.description["BestTrainingJob"]["TunedHyperParameters"] == {"quality": "0.9"}
    spec.check_shape(out.description, operation="DescribeHyperParameterTuningJob")


def test_tune_flags_take_the_apis_spelling_or_fail_in_one_line() -> None:
    from sagecli.commands.demo_run import tune_options

    assert tune_options({"strategy": "random", "early_stopping": "OFF", "max_jobs": 8, "max_parallel": 2}) == {
        "tune_strategy": "Random", "tune_early_stopping": "Off", "tune_max_jobs": 8, "tune_max_parallel": 2}
    with pytest.raises(UsageError, match="--tune-strategy 'grid' is not supported"):
        tune_options({"strategy": "grid"})
    with pytest.raises(UsageError, match="--tune-early-stopping"):
        tune_options({"early_stopping": "sometimes"})


def test_run_demo_json_with_tune(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    res = run_cli("run-demo", "--json", "--steps", "train,tune,evaluate", "--rows", "400", "--tune-max-jobs", "2",
                  "--tune-parallel", "2", "--tune-strategy", "random", "--run-dir", str(tmp_path / "run"),
                  env={"SAGECLI_HOME": str(tmp_path / "home")}, timeout=120)
    assert res.returncode == 0, res.stderr
    steps = {s["name"]: s for s in json.loads(res.stdout)["steps"]}
    assert [n for n in steps if n != "teardown"] == ["process", "train", "tune", "evaluate"]
    tune = steps["tune"]["data"]
    assert tune["strategy"] == "Random" and tune["max_jobs"] == 2 and len(tune["jobs"]) == 2
    assert tune["sampler"] == "Random: optuna RandomSampler"
    assert tune["baseline"]["job_name"] == steps["train"]["data"]["job_name"]
    assert Path(steps["tune"]["artifacts"]["description"]).is_file()
    best = tmp_path / "run" / "jobs" / tune["best_training_job"]["TrainingJobName"] / "output" / "model.tar.gz"
    assert Path(steps["evaluate"]["artifacts"]["model"]).read_bytes() == best.read_bytes()  # evaluated: the best


def _processes_in(folder: Path) -> list[int]:
    """Pids of live processes whose working directory is under folder (a training job runs in <job>/code)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(Path(proc / "cwd").readlink()).startswith(str(folder)):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_sigterm_during_tuning_leaves_no_training_job(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "sagecli", "run-demo", "--json", "--steps", "tune", "--run-dir",
                             str(run), "--tune-max-jobs", "60", "--tune-early-stopping", "off"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((run / "jobs").glob("*/output/training.log"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    assert len(list((run / "jobs").iterdir())) < 60
    assert _processes_in(run) == []


def test_every_job_failing_fails_the_tuning_job_with_the_jobs_reason(tmp_path: Path) -> None:
    from sagecli.flow.data import make_dataset, write_channels
    from sagecli.flow.tune import run_tuning

    dirs = write_channels(make_dataset(3, 300), tmp_path / "data")
    config = spec.tuning_config("Random", 2, 2, spec.DEFAULT_RANGES, "validation:auc", "Maximize", "Off", 1)
    out = run_tuning("t-fail", tmp_path, {k: dirs[k] for k in ("train", "validation")},
                     {"num_round": "5", "objective": "binary:logistic", "eval_metric": "auc", "gamma": "abc"},
                     config, seed=1)
    desc = out.description
    spec.check_shape(desc, operation="DescribeHyperParameterTuningJob")
    assert out.best is None and "BestTrainingJob" not in desc
    assert desc["HyperParameterTuningJobStatus"] == "Failed"
    assert desc["TrainingJobStatusCounters"]["NonRetryableError"] == 2
    assert desc["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 0, "Failed": 2}
    assert "Hyperparameter gamma: 'abc' is not a valid value" in desc["FailureReason"]
