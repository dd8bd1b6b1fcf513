"""SageMaker Clarify for the fake SageMaker (moto 5.2 stores a processing job as Completed and runs nothing).

CreateProcessingJob is validated against botocore's model; when its image is the Clarify image, the fake does what
the container does with the documented inputs: it reads the analysis configuration (InputName analysis_config)
and the headerless CSV dataset (InputName dataset), checks the configuration's required keys, scores the rows
with the predictor's model (the model's artifact, loaded as the fake endpoints load it; the excluded columns and
the label are not sent), computes the requested bias metrics with Clarify's published definitions
(sagecli/flow/bias_metrics.py) and SHAP with Kernel SHAP (sagecli/flow/shap.py), and writes analysis.json (and
explanations_shap/out.csv) to the analysis_result output. A configuration it cannot use makes the job Failed with
a FailureReason, as the container would. HOLD["in_progress"] keeps a new job InProgress and does nothing.
"""

from __future__ import annotations

import json
from typing import Any

HOLD = {"in_progress": False}
REQUIRED = ("dataset_type", "headers", "label", "facet", "methods", "predictor")


def _read(url: str, uri: str) -> list[tuple[str, bytes]]:
    from tests.aws.fake_sagemaker import _objects, client

    return _objects(client(url, "s3"), uri)


def analyse(url: str, params: dict[str, Any]) -> tuple[dict[str, bytes], str | None]:
    """What the Clarify container writes for this job: {relative key: bytes}, or a failure reason."""
    import numpy as np

    from sagecli.flow import bias_metrics as bm
    from sagecli.flow import shap
    from tests.aws.fake_sagemaker import client, load_booster, predict

    inputs = {i["InputName"]: i["S3Input"]["S3Uri"] for i in params["ProcessingInputs"]}
    if set(inputs) != {"analysis_config", "dataset"}:
        return {}, f"inputs must be analysis_config and dataset, got {sorted(inputs)}"
    config = json.loads(next(b for k, b in _read(url, inputs["analysis_config"]) if k.endswith(".json")))
    missing = [k for k in REQUIRED if k not in config]
    if missing:
        return {}, f"analysis_config.json lacks {', '.join(missing)}"
    headers = config["headers"]
    rows = [r for _, body in _read(url, inputs["dataset"]) for r in body.decode().splitlines() if r.strip()]
    data = np.array([[float(v) for v in r.split(",")] for r in rows])
    if data.shape[1] != len(headers):
        return {}, f"the dataset has {data.shape[1]} columns, headers name {len(headers)}"
    col = {h: i for i, h in enumerate(headers)}
    facet = config["facet"][0]
    label = (data[:, col[config["label"]]] == float(config["label_values_or_threshold"][0])).astype(int)
    d = data[:, col[facet["name_or_index"]]] == float(facet["value_or_threshold"][0])
    features = [h for h in headers if h != config["label"] and h not in config.get("excluded_columns", [])]
    x = data[:, [col[h] for h in features]]
    model_name = config["predictor"]["model_name"]
    artifact = client(url, "sagemaker").describe_model(ModelName=model_name)["PrimaryContainer"]["ModelDataUrl"]
    booster = load_booster(url, artifact)
    scores = np.array(predict(booster, x))
    pred = (scores > config.get("probability_threshold", 0.5)).astype(int)
    group = data[:, col[config["group_variable"]]] if "group_variable" in config else np.zeros(len(data))
    doc: dict[str, Any] = {"version": "1.0"}
    for key, compute, codes in (("pre_training_bias", lambda: bm.pre_training_metrics(label, d, group),
                                 bm.PRE_TRAINING),
                                ("post_training_bias", lambda: bm.post_training_metrics(label, pred, d, group, x),
                                 bm.POST_TRAINING)):
        if key not in config["methods"]:
            continue
        values = compute()
        wanted = config["methods"][key]["methods"]
        names = list(codes) if wanted == "all" else wanted
        metrics = [{"name": n, "description": codes[n], "value": values[n]} for n in names]
        doc[f"{key}_metrics"] = {"label": config["label"], "label_value_or_threshold": str(label.max()),
                                 "facets": {facet["name_or_index"]: [{"value_or_threshold": str(
                                     facet["value_or_threshold"][0]), "metrics": metrics}]}}
    out = {}
    if "shap" in config["methods"]:
        cfg = config["methods"]["shap"]
        result = shap.kernel_shap(lambda rows: predict(booster, rows), x, cfg["baseline"], cfg["num_samples"],
                                  seed=cfg.get("seed", 0), use_logit=cfg.get("use_logit", False))
        doc["explanations"] = shap.explanations_section(features, result, cfg.get("agg_method", "mean_abs"))
        out["explanations_shap/out.csv"] = shap.local_csv(features, result.values).encode()
    out["analysis.json"] = json.dumps(doc).encode()
    return out, None


def patches(url_box: dict[str, str]) -> list[Any]:
    """mock.patch objects making CreateProcessingJob run the Clarify analysis when the image is Clarify's."""
    from unittest import mock

    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    from sagecli.aws.validate import problems_for
    from tests.aws.fake_sagemaker import _split, client

    original = SageMakerResponse.create_processing_job

    def create(self: Any) -> Any:
        params = json.loads(self.body)
        problems = problems_for("sagemaker", "CreateProcessingJob", params)
        if problems:
            raise ValidationError(message="; ".join(problems))
        result = original(self)
        if "sagemaker-clarify-processing" not in params["AppSpecification"]["ImageUri"]:
            return result
        job = self.sagemaker_backend.processing_jobs[params["ProcessingJobName"]]
        if HOLD["in_progress"]:
            job.processing_job_status = "InProgress"
            return result
        files, failure = analyse(url_box["url"], params)
        if failure:
            job.processing_job_status = "Failed"
            job.failure_reason = failure
            return result
        bucket, prefix = _split(params["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"])
        s3 = client(url_box["url"], "s3")
        for key, body in files.items():
            s3.put_object(Bucket=bucket, Key=f"{prefix.rstrip('/')}/{key}", Body=body)
        return result

    return [mock.patch.object(SageMakerResponse, "create_processing_job", create)]
