"""The ClarifyCheck step's inputs for --as-pipeline: its analysis configuration and dataset, written before the run.

As the SageMaker Python SDK's ClarifyCheckStep does (src/sagemaker/workflow/clarify_check_step.py), the analysis
configuration is written and uploaded when the pipeline is defined, and the step's `analysis_config` input names
it; the predictor has no model_name there: the step's top-level ModelName (a `Get` on the CreateModel step) tells
Pipelines which model Clarify's shadow endpoint serves at execution time. The configuration is the one the flow's
bias step sends to its Clarify job (flow/bias_sagemaker.clarify_config), on the same dataset: the training rows
with the facet column last, headerless (`headers` names the columns).
https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#step-type-clarify-check
https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagecli.contracts import FlowOptions

CONFIG_FILE = "analysis_config.json"
DATASET_FILE = "train-with-facet.csv"


def config_uri(layout: Any) -> str:
    """Where the analysis configuration is uploaded (the ClarifyCheck's analysis_config input)."""
    return layout.uri("clarify", CONFIG_FILE)


def dataset_uri(layout: Any) -> str:
    """The S3 prefix of the dataset the check analyses (its `dataset` input)."""
    return layout.uri("clarify", "dataset") + "/"


def predictor(opts: FlowOptions) -> dict[str, Any]:
    """The shadow endpoint Clarify creates for the check; no model_name (the step's ModelName gives it)."""
    return {"instance_type": opts.instance_type, "initial_instance_count": 1, "content_type": "text/csv",
            "accept_type": "text/csv"}


def check_inputs(opts: FlowOptions) -> tuple[dict[str, Any], str]:
    """(analysis configuration, headerless CSV rows): the flow's Clarify job's config and dataset."""
    from sagecli.flow import bias as local
    from sagecli.flow.bias_sagemaker import clarify_config
    from sagecli.flow.data import FACET_NAME, FEATURES, make_dataset, make_facet

    x_train, y_train = make_dataset(opts.seed, opts.rows).splits["train"]
    headers = [local.LABEL, *(name for name, _ in FEATURES), FACET_NAME]
    rows = local.dataset_csv(headers, x_train, y_train, make_facet(opts.seed, "train", y_train))
    return clarify_config(headers, predictor=predictor(opts)), rows.split("\n", 1)[1]


def write_inputs(opts: FlowOptions, dest: Path) -> tuple[Path, Path]:
    """Write <dest>/analysis_config.json and <dest>/dataset/train-with-facet.csv (atomically); their paths."""
    from sagecli.paths import atomic_write_text

    config, rows = check_inputs(opts)
    config_path, data_path = dest / CONFIG_FILE, dest / "dataset" / DATASET_FILE
    atomic_write_text(config_path, json.dumps(config, indent=2) + "\n")
    atomic_write_text(data_path, rows)
    return config_path, data_path


def shadow_cost(check: dict[str, Any], opts: FlowOptions, region: str) -> Any:
    """The cost line of Clarify's shadow endpoint: the predictor's instances, for at most the check job's runtime."""
    from sagecli.aws.cost import COMPONENTS, CostLine, price_for
    from sagecli.knowledge.store import load_kb

    hours = check["Arguments"]["StoppingCondition"]["MaxRuntimeInSeconds"] / 3600
    usd, note = price_for(load_kb(), opts.instance_type, region, COMPONENTS["Endpoint"])
    return CostLine("Endpoint", opts.instance_type, 1, usd, f"Clarify's shadow endpoint while the BiasCheck job "
                    f"runs, at most {hours:g} h", note, hours)
