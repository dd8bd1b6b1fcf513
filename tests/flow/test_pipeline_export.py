"""run-demo --export-pipeline: a SageMaker Pipelines definition built from the backend's request builders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagecli.cli import app
from sagecli.contracts import FlowOptions
from sagecli.flow import pipeline_export as pe
from sagecli.flow.plan import plan_steps
from tests.conftest import run_cli

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ALL = ("process", "train", "evaluate", "register", "deploy", "transform")
# The published schema (github.com/aws-sagemaker-mlops/sagemaker-model-building-pipeline-definition-JSON-schema,
# schema/pipeline-definition.schema.json); not vendored: point SAGECLI_PIPELINE_SCHEMA at a copy.
SCHEMA_PATHS = [os.environ.get("SAGECLI_PIPELINE_SCHEMA", "")]


def _build(steps=ALL, **kw):
    opts = FlowOptions(steps=tuple(steps), **kw)
    return pe.build_definition(opts, plan_steps(opts.steps)[0], run_id="r1", region="us-east-1", image=IMAGE)


@pytest.mark.parametrize("steps", [ALL, ("tune", "register", "transform"), ("train",)])
def test_definition_validates_against_botocore(steps):
    definition, refs = _build(steps)
    assert pe.definition_problems(definition, refs) == []
    kinds = {s["Type"] for s in pe.iter_steps(definition)}
    assert ("Tuning" in kinds) == ("tune" in steps)


def test_broken_request_is_caught():
    definition, refs = _build()
    train = next(s for s in definition["Steps"] if s["Name"] == "Train")
    train["Arguments"]["ResourceConfig"]["VolumeSizeInGB"] = "ten"
    assert any(p.startswith("Train:") for p in pe.definition_problems(definition, refs))


def test_definition_longer_than_create_pipeline_allows_is_caught():
    from sagecli.aws.validate import service_model

    definition, refs = _build(("process",))
    limit = service_model("sagemaker").operation_model("CreatePipeline").input_shape.members[
        "PipelineDefinition"].metadata["max"]
    assert pe.definition_problems(definition, refs) == []
    definition["Metadata"] = {"Padding": "x" * limit}
    assert any("more than its maximum" in p for p in pe.definition_problems(definition, refs))


def test_references_resolve_to_earlier_steps():
    definition, _ = _build()
    assert pe.reference_problems(definition) == []
    gets = pe._gets([s["Arguments"] for s in definition["Steps"]])
    assert "Steps.Train.ModelArtifacts.S3ModelArtifacts" in gets
    assert "Steps.CreateModel.ModelName" in gets
    definition["Steps"].reverse()  # a later step referenced first
    assert pe.reference_problems(definition)
    definition, _ = _build()
    definition["Steps"][1]["Arguments"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = {
        "Get": "Steps.Process.NoSuchMember"}
    assert any("NoSuchMember" in p for p in pe.reference_problems(definition))


def test_parameters_have_defaults_and_condition_uses_min_auc():
    definition, _ = _build(min_auc=0.81)
    params = {p["Name"]: p for p in definition["Parameters"]}
    assert all("DefaultValue" in p for p in params.values())
    assert params["MinAuc"]["DefaultValue"] == 0.81
    cond = next(s for s in definition["Steps"] if s["Type"] == "Condition")
    (check,) = cond["Arguments"]["Conditions"]
    assert check["Type"] == "GreaterThanOrEqualTo" and check["RightValue"] == {"Get": "Parameters.MinAuc"}
    assert [s["Type"] for s in cond["Arguments"]["IfSteps"]] == ["RegisterModel"]
    assert [s["Type"] for s in cond["Arguments"]["ElseSteps"]] == ["Fail"]


def test_definition_against_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    path = next((Path(p) for p in SCHEMA_PATHS if p and Path(p).is_file()), None)
    if path is None:
        pytest.skip("no copy of the published pipeline definition schema (set SAGECLI_PIPELINE_SCHEMA)")
    schema = json.loads(path.read_text())
    definition, _ = _build((*ALL, "tune", "bias", "monitor"))
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(definition))
    # The schema's ContainerDefinition types ModelDataUrl as a plain string; CreateModel's artifact is a Get.
    paths = {tuple(c.absolute_path) for e in errors for c in e.context if "is not of type 'string'" in c.message}
    assert len(errors) <= 1 and all(list(e.absolute_path)[:1] == ["Steps"] for e in errors)
    if errors:
        assert paths == {("Steps", errors[0].absolute_path[1], "Arguments", "PrimaryContainer", "ModelDataUrl")}


def test_cli_exports_atomically_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    out = tmp_path / "pipeline.json"
    result = CliRunner().invoke(app, ["run-demo", "--export-pipeline", str(out), "--min-auc", "0.7", "--json"])
    assert result.exit_code == 0, result.output
    definition = json.loads(out.read_text())
    assert definition["Version"] == "2020-12-01"
    assert json.loads(result.output)["steps"][0] == "Process"
    assert {p["Name"]: p["DefaultValue"] for p in definition["Parameters"]}["MinAuc"] == 0.7
    assert not (tmp_path / "home" / "runs").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_cli_unwritable_path_is_one_line(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = run_cli("run-demo", "--export-pipeline", str(blocked / "pipeline.json"))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "cannot write the pipeline definition" in lines[0]
    assert "Traceback" not in result.stderr and len(lines) <= 2  # the error and its hint


def test_cli_export_uses_role_and_bucket_without_aws(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    out = tmp_path / "p.json"
    role = "arn:aws:iam::123456789012:role/MyPipelineRole"
    result = CliRunner().invoke(app, ["run-demo", "--export-pipeline", str(out), "--steps", "transform",
                                      "--role-arn", role, "--bucket", "my-bucket", "--region", "eu-west-1"])
    assert result.exit_code == 0, result.output
    definition = json.loads(out.read_text())
    names = [s["Name"] for s in pe.iter_steps(definition)]
    assert names == ["Process", "Train", "CreateModel", "Transform"]
    train = definition["Steps"][1]["Arguments"]
    assert train["RoleArn"] == role and train["OutputDataConfig"]["S3OutputPath"].startswith("s3://my-bucket/")
    assert ".eu-west-1." in train["AlgorithmSpecification"]["TrainingImage"]
    assert all(s.get("CacheConfig", {}).get("Enabled") for s in definition["Steps"] if s["Type"] != "Model")


CHECKED = (*ALL, "bias", "monitor")


def test_check_steps_shaped_as_the_sdk_writes_them():
    definition, refs = _build(CHECKED)
    assert pe.definition_problems(definition, refs) == []
    steps = {s["Name"]: s for s in pe.iter_steps(definition)}
    quality, bias = steps["DataQualityCheck"], steps["BiasCheck"]
    assert (quality["Type"], quality["CheckType"]) == ("QualityCheck", "DATA_QUALITY")
    assert (bias["Type"], bias["CheckType"]) == ("ClarifyCheck", "MODEL_BIAS")
    for step in (quality, bias):  # check settings beside Arguments, a processing job inside
        assert step["SkipCheck"] is True and step["RegisterNewBaseline"] is True
        assert "ProcessingJobName" not in step["Arguments"] and "CheckType" not in step["Arguments"]
        assert step["CacheConfig"]["Enabled"] is True
    assert quality["Arguments"]["AppSpecification"]["ImageUri"].endswith("/sagemaker-model-monitor-analyzer")
    env = quality["Arguments"]["Environment"]
    assert env["publish_cloudwatch_metrics"] == "Disabled"
    assert env["dataset_source"] == "/opt/ml/processing/input/baseline_dataset_input"
    assert json.loads(env["dataset_format"]) == {"csv": {"header": False, "output_columns_position": "START"}}
    assert [i["InputName"] for i in bias["Arguments"]["ProcessingInputs"]] == ["analysis_config", "dataset"]
    assert bias["Arguments"]["AppSpecification"] == {
        "ImageUri": "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"}
    assert bias["ModelName"] == {"Get": "Steps.CreateModel.ModelName"}
    names = [s["Name"] for s in pe.iter_steps(definition)]
    assert names.index("CreateModel") < names.index("BiasCheck") < names.index("CheckAuc")
    assert steps["CheckAuc"]["DependsOn"] == ["Evaluate", "BiasCheck"]


def test_check_steps_only_when_asked():
    definition, _ = _build(("process", "train", "evaluate", "register"))
    assert {s["Type"] for s in pe.iter_steps(definition)}.isdisjoint({"QualityCheck", "ClarifyCheck"})


@pytest.mark.parametrize("breakage, expected", [
    (lambda s: s.update(CheckType="DATA_BIAS"), "CheckType 'DATA_BIAS'"),
    (lambda s: s.update(SkipCheck="yes"), "SkipCheck must be a boolean"),
    (lambda s: s["Arguments"]["ProcessingResources"]["ClusterConfig"].update(VolumeSizeInGB="big"),
     "DataQualityCheck:"),
    (lambda s: s["Arguments"]["ProcessingInputs"][0]["S3Input"].update(S3Uri={"Get": "Steps.Train.Nope"}),
     "does not name an earlier step"),
])
def test_broken_quality_check_is_caught(breakage, expected):
    definition, refs = _build(CHECKED)
    breakage(next(s for s in definition["Steps"] if s["Name"] == "DataQualityCheck"))
    assert any(expected in p for p in pe.definition_problems(definition, refs))


def test_check_properties_are_checked():
    definition, _ = _build(CHECKED)
    bias = next(s for s in definition["Steps"] if s["Name"] == "BiasCheck")
    bias.pop("ModelName")
    definition["Steps"][-1]["Arguments"]["ModelName"] = {"Get": "Steps.DataQualityCheck.CalculatedBaselineStatistics"}
    assert pe.reference_problems(definition) == []
    definition["Steps"][-1]["Arguments"]["ModelName"] = {"Get": "Steps.DataQualityCheck.ProcessingJobArn"}
    assert any("not a QualityCheck property" in p for p in pe.reference_problems(definition))
    assert any("needs ModelName" in p for p in pe.definition_problems(definition, pe.Refs()))


def test_cli_wrote_line_fits_80_columns(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGECLI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run-demo", "--export-pipeline", "pipeline.json", "--steps",
                                      "process,train,evaluate,bias,register,transform,monitor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    steps = [s["Name"] for s in pe.iter_steps(json.loads((tmp_path / "pipeline.json").read_text()))]
    assert len(steps) == 10 and len(lines) > 1
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[0].startswith("Wrote pipeline.json: SageMaker Pipelines definition 2020-12-01, 10 steps")
    assert " ".join(line.strip() for line in lines).endswith(f"({', '.join(steps)}).")  # every step, in order


def test_wrote_lines_keep_a_long_path_whole():
    from sagecli.ui.pipeline_view import export_lines

    path = "/" + "/".join(["a-very-long-folder-name"] * 4) + "/pipeline.json"
    lines = export_lines({"path": path, "version": "2020-12-01", "steps": ["Process", "Train"]}, 80)
    assert path in lines[1] and all(len(line) <= 80 for line in lines if path not in line)
