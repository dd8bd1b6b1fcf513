"""Decisions fixed after using the CLI like its users; each test names the AWS page behind the rule."""

from __future__ import annotations

from tests.recommend.test_limits_from_content import _choice, _edit

BLAZINGTEXT = "https://docs.aws.amazon.com/sagemaker/latest/dg/blazingtext.html"
LMI = "https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html"


def _row(result: dict, option: str) -> dict:
    return next(r for r in result["decisions"][0]["ranked"] if r["option"] == option)


def test_a100_is_not_called_an_older_gpu(run):
    """LMI guide: prefer A-series GPUs or newer over T4; A100 (p4d) is A-series even though its family says 4."""
    result = run("instance", workload="inference", params_b=70, precision="fp16")
    p4d = " ".join(_row(result, "ml.p4d.24xlarge")["reasons"])
    assert "older GPU" not in p4d
    g4dn = " ".join(_row(result, "ml.g4dn.12xlarge")["reasons"])
    assert "older GPU (T4)" in g4dn  # the T4 still carries the LMI guide's warning


def test_blazingtext_supervised_over_2_gb_goes_to_one_gpu(choose, kb):
    """BlazingText page: text classification on C5 under 2 GB of data, otherwise a single GPU instance."""
    chosen = choose("instance", "instance", workload="training", algorithm="blazingtext",
                    algorithm_mode="supervised", dataset_gb=5)
    fam, size = kb.instance(chosen)
    assert size.get("gpus") == 1, chosen


def test_blazingtext_supervised_small_data_stays_on_cpu(choose, kb):
    """BlazingText page: under 2 GB, C5 CPU instances."""
    chosen = choose("instance", "instance", workload="training", algorithm="blazingtext",
                    algorithm_mode="supervised", dataset_gb=1)
    fam, size = kb.instance(chosen)
    assert not size.get("gpus") and fam["id"] == "ml.c5", chosen


def test_blazingtext_data_limit_is_read_from_content(tmp_path, kb):
    """The 2 GB threshold is content (algorithms.yaml), not code: raise it and 5 GB stays on CPU."""
    facts = {"workload": "training", "algorithm": "blazingtext", "algorithm_mode": "supervised", "dataset_gb": 5}
    before = _choice(kb, "instance", "instance", **facts)
    edited = _edit(tmp_path, "algorithms.yaml", "blazingtext", "supervised_cpu_data_limit_gb", value=10)
    after = _choice(edited, "instance", "instance", **facts)
    assert kb.instance(before)[1].get("gpus") and not kb.instance(after)[1].get("gpus")


def test_blazingtext_reason_names_the_threshold_and_page(run):
    result = run("instance", workload="training", algorithm="blazingtext", algorithm_mode="supervised",
                 dataset_gb=5)
    top = result["decisions"][0]["ranked"][0]
    assert any("over 2 GB" in r for r in top["reasons"])
    assert BLAZINGTEXT in top["sources"]


def test_waiting_caller_with_payload_within_realtime_limits_gets_an_endpoint_that_answers(choose):
    """deploy-model-options: async is for payloads or times beyond real-time limits, answered through S3; a
    caller waiting on a 5 MB request (over serverless's 4 MB, under real-time's limit) needs a synchronous answer."""
    choice = choose("deployment", "inference_option", traffic="intermittent", payload_mb=5, realtime=True)
    assert choice in ("realtime", "inference_components")
    queued = choose("deployment", "inference_option", traffic="intermittent", payload_mb=5, realtime=False)
    assert queued == "async"  # nobody waits: the queue and scale-to-zero win


def test_neo_is_named_only_for_inf1(run):
    """deploy-model page: Inf1 models are compiled with Neo; Trainium and Inf2 use the Neuron SDK directly."""
    result = run("instance", workload="inference", params_b=1, precision="fp16")
    trn = " ".join(_row(result, "ml.trn1.32xlarge")["reasons"])
    inf2 = " ".join(_row(result, "ml.inf2.xlarge")["reasons"])
    inf1 = " ".join(_row(result, "ml.inf1.xlarge")["reasons"])
    assert "Neo" not in trn and "Neo" not in inf2
    assert "Neo" in inf1


def test_capacity_limited_rolling_does_not_claim_to_be_the_only_strategy_for_the_endpoint_type(run):
    """deployment-guardrails-rolling: rolling suits tight capacity; real-time endpoints still support the others."""
    result = run("deployment", traffic="steady", risk="high", capacity_limited=True)
    rollout = result["decisions"][1]
    assert rollout["choice"] == "rolling"
    text = " ".join(rollout["ranked"][0]["reasons"])
    assert "available for this realtime endpoint" not in text and "with these facts" in text


def test_no_gradual_is_honoured_even_at_high_risk(choose):
    """deployment-guardrails-blue-green: all at once is the non-gradual mode (it still bakes and rolls back on
    alarms); a user who rules out gradual shifting should not be handed linear."""
    assert choose("deployment", "rollout", endpoint="realtime", risk="high", gradual=False) == "all_at_once"
    assert choose("deployment", "rollout", endpoint="realtime", risk="high") == "linear"


def test_multi_instance_blazingtext_is_fully_replicated(run, kb):
    """blazingtext page: only batch_skipgram uses several instances, and its train channel must be FullyReplicated."""
    result = run("input-mode", algorithm="blazingtext", instances=2)
    spread = result["decisions"][0]["s3_distribution"]
    assert spread["type"] == kb.get("fully-replicated")["api_value"]
    assert spread["source"] == BLAZINGTEXT and "batch_skipgram" in spread["reason"]
    custom = run("input-mode", instances=2)["decisions"][0]["s3_distribution"]
    assert custom["type"] == kb.get("sharded-by-s3-key")["api_value"]


def test_llm_instance_cites_the_sizing_page_not_the_notebook_type_list(run, kb):
    """A parameter-sized GPU pick cites the page behind the fit (AWS's right-sizing guidance for inference, the
    model-parallel memory page for training) before the family page; the family page stays among the sources."""
    notebook_list = "https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html"
    for workload, page_part in (("inference", "right-sizing"), ("training", "model-parallel-intro")):
        top = run("instance", workload=workload, params_b=70)["decisions"][0]["ranked"][0]
        assert page_part in top["sources"][0], top["sources"]
        fam = kb.get(top["family"])
        assert fam["sources"][0] in top["sources"]
    assert notebook_list != run("instance", workload="inference", params_b=7)["decisions"][0]["ranked"][0][
        "sources"][0]
