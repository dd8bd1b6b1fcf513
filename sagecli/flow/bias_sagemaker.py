"""The bias step on --backend sagemaker: a SageMaker Clarify processing job, its analysis.json read back.

The job gets the training rows with their facet column (headerless CSV: label first, the eight features, the facet
last, which `excluded_columns` keeps away from the model) and the analysis configuration the local step writes,
plus a `predictor` naming the SageMaker model the flow creates from the trained artifact (deploy reuses it):
Clarify runs a shadow endpoint of it for the post-training metrics (and SHAP with --shap). Both bias sections are
computed on that one dataset, so the post-training metrics here describe the training rows, where the local step
uses the test split. Schema: https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html
Output: https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-analysis-results.html
The keys used (headers, label, label_values_or_threshold, facet, group_variable, excluded_columns,
probability_threshold, methods, predictor with model_name/instance_type/initial_instance_count/content_type/
accept_type, shap with baseline/num_samples/agg_method/use_logit/save_local_shap_values/seed) were checked against
AWS's own SageMaker Python SDK (src/sagemaker/clarify.py: DataConfig, BiasConfig, ModelConfig, SHAPConfig), which
writes this file for its ClarifyProcessor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagecli.contracts import FlowOptions, RunState, StepFailed, StepResult
from sagecli.flow import bias as local
from sagecli.flow import bias_metrics as bm

NOTE = "computed by a SageMaker Clarify processing job on the training rows"


def plan_settings(opts: FlowOptions, region: str) -> dict[str, Any]:
    """PlanSpec.clarify: the Clarify image for the Region (a one-line error where the KB has none)."""
    from sagecli.aws.clarify_calls import CLARIFY_IMAGE
    from sagecli.aws.images import lookup

    return {"image": lookup(CLARIFY_IMAGE, region), "shap": opts.shap}


def clarify_config(headers: list[str], predictor: dict[str, Any] | None = None,
                   shap: dict[str, Any] | None = None) -> dict[str, Any]:
    """The analysis configuration for the Clarify job: the local one, the facet excluded, the predictor added."""
    from sagecli.flow.data import FACET_NAME

    config = local.analysis_config(FACET_NAME, headers, {})
    config.pop("sagecli_condition")  # the condition is applied by the flow, not by Clarify
    config["excluded_columns"] = [FACET_NAME]  # a sensitive attribute, not a model input
    if shap is not None:
        config["methods"]["shap"] = shap
    if predictor is not None:
        config["predictor"] = predictor
    return config


def metric_values(section: dict[str, Any], codes: dict[str, str]) -> dict[str, float | None]:
    """{code: value} from one *_bias_metrics section of analysis.json (the first facet value's metrics)."""
    facet = next(iter(section["facets"].values()))[0]
    found = {m["name"]: m.get("value") for m in facet["metrics"]}
    return {code: None if found.get(code) is None else float(found[code]) for code in codes}


def run_clarify(backend: Any, model_artifact: str, config: dict[str, Any], dataset: bytes,
                dest: Path) -> tuple[dict[str, Any], list[Path]]:
    """On the SageMaker backend: model, uploads, CreateProcessingJob, wait, download the outputs into dest."""
    from sagecli.aws import api_calls as calls
    from sagecli.aws import clarify_calls
    from sagecli.errors import SageCliError

    lay, run_id, opts = backend.layout, backend.ctx.run_id, backend.ctx.options
    model = backend._ensure_model(model_artifact)
    config = {**config, "predictor": {"model_name": model, "instance_type": opts.instance_type,
                                      "initial_instance_count": 1, "content_type": "text/csv",
                                      "accept_type": "text/csv"}}
    config_uri = lay.uri("clarify", "analysis_config.json")
    backend.exe.put_bytes(calls.put_object(config_uri, run_id, "analysis_config.json", "application/json"),
                          json.dumps(config, indent=2).encode())
    data_uri = lay.uri("clarify", "dataset", "train-with-facet.csv")
    backend.exe.put_bytes(calls.put_object(data_uri, run_id, "train-with-facet.csv"), dataset)
    output_uri = lay.uri("clarify", "output") + "/"
    call = clarify_calls.create_clarify_job(
        name=lay.name("clarify"), image=backend.spec.clarify["image"], role_arn=backend.spec.role_arn,
        config_uri=config_uri, dataset_uri=lay.uri("clarify", "dataset") + "/", output_uri=output_uri,
        instance_type=opts.instance_type, run_id=run_id, max_runtime_s=backend.max_runtime_s)
    desc = clarify_calls.run_processing(backend.exe, backend.aws.client("sagemaker"), call,
                                        lambda m: backend._say("bias", m), backend.poll_s, backend.max_runtime_s * 3)
    if desc["ProcessingJobStatus"] != "Completed":
        raise SageCliError(f"Clarify job {call.name} {desc['ProcessingJobStatus']}: "
                           f"{desc.get('FailureReason') or desc.get('ExitMessage') or 'no reason given'}")
    return desc, backend.exe.download(output_uri, dest)


def sagemaker_bias_step(run: RunState, res: StepResult) -> None:
    """Run the Clarify job on the training rows and read its analysis.json into the local step's result."""
    from sagecli.flow import shap
    from sagecli.flow.data import FACET_NAME, FEATURES, make_facet

    assert run.training is not None and run.training.model_artifact
    opts = run.ctx.options
    x_train, y_train = run.dataset.splits["train"]
    d_train = make_facet(opts.seed, "train", y_train)
    headers = [local.LABEL, *(name for name, _ in FEATURES), FACET_NAME]
    dataset = local.dataset_csv(headers, x_train, y_train, d_train)
    shap_cfg = (shap.shap_config([local.baseline_row(x_train)], shap.DEFAULT_NUM_SAMPLES, seed=opts.seed)
                if opts.shap else None)
    config = clarify_config(headers, shap=shap_cfg)
    rows = dataset.split("\n", 1)[1]  # Clarify's CSV dataset has no header: `headers` names the columns
    out = run.ctx.run_dir / "bias"
    desc, files = run.backend.clarify(run.training.model_artifact, config, rows.encode(),  # type: ignore[attr-defined]
                                      out / "clarify-output")
    found = {p.relative_to(out / "clarify-output").as_posix(): p for p in files}
    if "analysis.json" not in found:
        raise StepFailed(f"Clarify job {desc['ProcessingJobName']} wrote no analysis.json")
    doc = json.loads(found["analysis.json"].read_text())
    pre = metric_values(doc["pre_training_bias_metrics"], bm.PRE_TRAINING)
    post = metric_values(doc["post_training_bias_metrics"], bm.POST_TRAINING)
    if opts.shap and "explanations_shap/out.csv" in found:
        from sagecli.paths import atomic_write_text

        atomic_write_text(out / "explanations_shap" / "out.csv", found["explanations_shap/out.csv"].read_text())
    res.data = {"processing_job": desc["ProcessingJobName"], "processing_job_status": desc["ProcessingJobStatus"]}
    local.finish(run, res, doc, pre, post, config,
                 dataset, {"facet": FACET_NAME, "d": int(d_train.sum()), "a": int(len(d_train) - d_train.sum())},
                 NOTE)
