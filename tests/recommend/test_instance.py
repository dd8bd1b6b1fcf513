"""Scenario tests for the instance decision, each written from an AWS documentation page."""

from __future__ import annotations

import pytest

from sagecli.recommend import decide
from sagecli.recommend.instance import accel_gib, kind_of


def _pick(kb, **facts):
    """(decision dict, chosen size record or None)."""
    decision = decide("instance", facts, kb)["decisions"][0]
    size = kb.instance(decision["choice"])[1] if decision["choice"] else None
    return decision, size


def _family(decision):
    return decision["ranked"][0]["family"]


def test_xgboost_prefers_general_purpose_m5(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html (memory-bound: M5 over compute-optimised)
    decision, size = _pick(kb, workload="training", algorithm="xgboost")
    assert _family(decision) == "ml.m5" and kind_of(size) == "cpu"


def test_xgboost_memory_holds_the_data(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html (enough memory for the training data)
    decision, size = _pick(kb, workload="training", algorithm="xgboost", dataset_gb=100)
    row = decision["ranked"][0]
    assert size["memory_gib"] * row["instance_count"] >= 100


def test_catboost_single_instance_must_hold_data(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/catboost.html (CPU, single instance, memory-bound)
    decision, size = _pick(kb, workload="training", algorithm="catboost", dataset_gb=300)
    assert decision["ranked"][0]["instance_count"] == 1 and size["memory_gib"] >= 300 and kind_of(size) == "cpu"


def test_rcf_inference_on_c5_xlarge(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/randomcutforest.html (ml.c5.xl for inference)
    decision, _ = _pick(kb, workload="inference", algorithm="random-cut-forest")
    assert decision["choice"] == "ml.c5.xlarge"


def test_rcf_never_on_gpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/randomcutforest.html (no GPU benefit)
    decision, _ = _pick(kb, workload="training", algorithm="random-cut-forest", gpu=True)
    assert decision["choice"] is None


def test_deepar_inference_is_cpu_only(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html (inference runs on CPU only)
    decision, size = _pick(kb, workload="inference", algorithm="deepar")
    assert kind_of(size) == "cpu"
    assert all(not r["eligible"] for r in decision["ranked"] if r["specs"].get("gpus"))


def test_deepar_training_starts_on_cpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html (start with one CPU instance)
    _, size = _pick(kb, workload="training", algorithm="deepar")
    assert kind_of(size) == "cpu"


def test_semantic_segmentation_gpu_single_machine(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/semantic-segmentation.html (GPU only, single machine)
    decision, size = _pick(kb, workload="training", algorithm="semantic-segmentation", distributed=True)
    assert kind_of(size) == "gpu" and decision["ranked"][0]["instance_count"] == 1


def test_seq2seq_gpu_only(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/seq-2-seq.html (GPU only)
    decision, size = _pick(kb, workload="training", algorithm="seq2seq")
    assert kind_of(size) == "gpu"
    assert all(not r["eligible"] for r in decision["ranked"] if not r["specs"].get("gpus"))


def test_lda_single_cpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/lda.html (single-instance CPU only)
    decision, size = _pick(kb, workload="training", algorithm="lda", dataset_gb=1)
    assert kind_of(size) == "cpu" and decision["ranked"][0]["instance_count"] == 1


def test_kmeans_gpu_uses_single_gpu_types(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/k-means.html (one GPU per instance, e.g. ml.g4dn.xlarge)
    _, size = _pick(kb, workload="training", algorithm="k-means", gpu=True)
    assert size["gpus"] == 1


def test_batch_skipgram_on_cpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/blazingtext.html (batch_skipgram: CPU instances)
    _, size = _pick(kb, workload="training", algorithm="blazingtext", algorithm_mode="batch_skipgram")
    assert kind_of(size) == "cpu"


def test_factorization_machines_sparse_on_cpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/fact-machines.html (GPU only for dense data)
    _, size = _pick(kb, workload="training", algorithm="factorization-machines", sparse=True)
    assert kind_of(size) == "cpu"


def test_ip_insights_inference_on_cpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/ip-insights.html (CPU instances for inference)
    _, size = _pick(kb, workload="inference", algorithm="ip-insights")
    assert kind_of(size) == "cpu"


def test_llm_7b_fits_one_modern_gpu(kb):
    # https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html
    # (AWS's LMI guide: ~7B fp16 on a 24 GB A10G/L4 instance; prefer A-series or newer over T4)
    decision, size = _pick(kb, workload="inference", params_b=7, precision="fp16")
    assert kind_of(size) == "gpu" and size["gpus"] == 1
    assert accel_gib(size) >= decision["memory_need_gib"]
    assert _family(decision) not in ("ml.g4dn", "ml.p3")


def test_llm_70b_needs_multi_gpu_instance(kb):
    # https://docs.aws.amazon.com/prescriptive-guidance/latest/gen-ai-inference-architecture-and-best-practices-on-aws/right-sizing-and-auto-scaling.html
    decision, size = _pick(kb, workload="inference", params_b=70, precision="fp16")
    assert decision["ranked"][0]["instance_count"] == 1
    assert accel_gib(size) >= decision["memory_need_gib"] >= 140


def test_model_too_big_for_any_instance(kb):
    # https://docs.aws.amazon.com/prescriptive-guidance/latest/gen-ai-inference-architecture-and-best-practices-on-aws/right-sizing-and-auto-scaling.html
    # (one model copy must fit one instance's accelerators)
    decision, _ = _pick(kb, workload="inference", params_b=2000, precision="fp16")
    assert decision["choice"] is None
    assert all(r["reasons"] for r in decision["ranked"])


def test_training_70b_spans_instances(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-parallel-intro.html (20 bytes/param: shard the model)
    decision, size = _pick(kb, workload="training", params_b=70)
    row = decision["ranked"][0]
    assert accel_gib(size) * row["instance_count"] >= decision["memory_need_gib"] >= 70 * 20 * 1e9 / 2**30


def test_training_too_big_for_one_instance_is_impossible(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-parallel-intro.html
    # 150B at ~20 bytes/param is more than any single training type holds (p6-b300: 8 x 268 GiB)
    decision, _ = _pick(kb, workload="training", params_b=150, distributed=False)
    biggest = max(accel_gib(s) for _, s in kb.instance_sizes() if "training" in s["apis"])
    assert decision["memory_need_gib"] > biggest
    assert decision["choice"] is None


def test_training_70b_fits_the_biggest_gpu_instances_alone(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-parallel-intro.html (20 bytes/param + activations)
    decision, size = _pick(kb, workload="training", params_b=70, distributed=False)
    assert decision["choice"] is not None and accel_gib(size) >= decision["memory_need_gib"]
    assert decision["ranked"][0]["instance_count"] == 1


def test_notebook_defaults_to_t3_medium(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html
    decision, _ = _pick(kb, workload="notebook")
    assert decision["choice"] == "ml.t3.medium"


@pytest.mark.parametrize("workload,api", [("training", "training"), ("inference", "hosting"),
                                          ("transform", "transform"), ("processing", "processing")])
def test_only_types_the_api_accepts(kb, workload, api):
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html (instance type enums)
    decision, _ = _pick(kb, workload=workload, params_b=7)
    for row in decision["ranked"]:
        if row["eligible"]:
            assert api in kb.instance(row["option"])[1]["apis"]


def test_trainium_training_is_pytorch_only(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/distributed-training.html (Trainium: PyTorch)
    decision, _ = _pick(kb, workload="training", framework="tensorflow", params_b=1, priority="sustainability",
                        needs=["neuron"])
    assert not decision["choice"].startswith("ml.trn")


def test_sustainability_picks_trainium_for_pytorch(kb):
    # https://docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/mlsus-16.html (purpose-built chips)
    # (and only when the model compiles for Neuron: content/rules/instance.yaml)
    decision, _ = _pick(kb, workload="training", framework="pytorch", params_b=1, priority="sustainability",
                        needs=["neuron"])
    assert decision["choice"].startswith("ml.trn")


def test_cost_priority_picks_inferentia_for_llm_inference(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deploy-model.html (Inferentia: lowest cost per inference)
    decision, _ = _pick(kb, workload="inference", params_b=13, precision="fp16", priority="cost", needs=["neuron"])
    assert decision["choice"].startswith("ml.inf")


def test_lower_precision_needs_less_memory(kb):
    # https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html
    fp16, _ = _pick(kb, workload="inference", params_b=30, precision="fp16")
    int4, _ = _pick(kb, workload="inference", params_b=30, precision="int4")
    assert int4["memory_need_gib"] == pytest.approx(fp16["memory_need_gib"] / 4, rel=1e-3)


def test_price_shown_with_its_component(kb):
    # https://aws.amazon.com/sagemaker/pricing/ (only published prices; the component is named)
    decision, size = _pick(kb, workload="training", algorithm="xgboost")
    if size.get("price"):
        assert decision["cost"]["usd_per_hour"] == pytest.approx(size["price"]["usd_per_hour"])
        assert decision["cost"]["component"]
    else:
        assert "no published price" in decision["cost_note"]


def test_deep_learning_training_uses_accelerators(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/distributed-training.html (GPU training for deep learning)
    _, size = _pick(kb, workload="training", framework="pytorch")
    assert kind_of(size) != "cpu"


def test_deep_learning_inference_at_lowest_cost_uses_inferentia(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deploy-model.html (Inferentia: lowest cost per inference)
    decision, _ = _pick(kb, workload="inference", framework="pytorch", priority="cost", needs=["neuron"])
    assert decision["choice"].startswith("ml.inf")


def test_pytorch_training_avoids_k80(kb):
    # https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html
    # (AWS's LMI guide prefers A-series GPUs or newer; P2's K80 is the oldest GPU the APIs accept)
    decision, size = _pick(kb, workload="training", framework="pytorch")
    assert kind_of(size) == "gpu" and "K80" not in size["gpu_model"]
    p2 = next(r for r in decision["ranked"] if r["option"] == "ml.p2.xlarge")
    assert p2["eligible"] and any("older GPU (K80)" in r for r in p2["reasons"])


def test_sklearn_inference_on_cpu(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints.html (CPU instances for classic ML)
    _, size = _pick(kb, workload="inference", framework="sklearn")
    assert kind_of(size) == "cpu"


def test_no_gpu_sizes_host_memory(kb):
    # https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html (weights fit)
    decision, size = _pick(kb, workload="inference", params_b=7, precision="fp16", gpu=False)
    assert kind_of(size) == "cpu" and size["memory_gib"] >= decision["memory_need_gib"]


def test_arm_matters_only_where_the_api_accepts_graviton(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-graviton.html (Graviton for endpoints);
    # which APIs accept a Graviton type comes from the catalog (botocore's enums)
    arm_apis = {a for _, s in kb.instance_sizes() if s.get("architecture") == "arm64" for a in s["apis"]}
    assert "hosting" in arm_apis and "processing" not in arm_apis
    hosting, size = _pick(kb, workload="inference", arm=True)
    assert size["architecture"] == "arm64"
    x86, size = _pick(kb, workload="inference")
    assert size["architecture"] == "x86_64"
    assert all(not r["eligible"] for r in x86["ranked"] if r["specs"].get("architecture") == "arm64")
    proc, _ = _pick(kb, workload="processing", arm=True)
    assert proc["choice"] == _pick(kb, workload="processing")[0]["choice"]
    assert any("no Graviton type is accepted by the processing API" in r["text"] for r in proc["rules"])


def test_every_ranked_type_is_accepted_by_the_workloads_api(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html (InstanceType enum)
    for workload, api in (("inference", "hosting"), ("processing", "processing"), ("transform", "transform")):
        decision, _ = _pick(kb, workload=workload)
        assert decision["ranked"]
        assert all(api in kb.instance(r["option"])[1]["apis"] for r in decision["ranked"])
    training, _ = _pick(kb, workload="training", framework="pytorch", params_b=1, needs=["neuron"])
    assert "ml.trn2.3xlarge" not in {r["option"] for r in training["ranked"]}  # HyperPod only


def test_distributed_training_reasons_name_efa_and_network(kb):
    # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html
    decision, size = _pick(kb, workload="training", framework="pytorch", params_b=30, distributed=True)
    top = decision["ranked"][0]
    assert size["efa_supported"] and any(r.startswith("EFA: up to") for r in top["reasons"])


def test_types_without_a_rate_say_cost_is_a_proxy(kb):
    # https://aws.amazon.com/sagemaker/pricing/ (no rate is invented: the ranking says what it used)
    decision, size = _pick(kb, workload="inference", arm=True)
    assert "price" not in size
    assert any("no published rate: ranked by size and cost" in r for r in decision["ranked"][0]["reasons"])
    assert any(r.startswith("Graviton (arm64)") for r in decision["ranked"][0]["reasons"])
    assert any(r["rule"] == "cost" and "proxy" in r["text"] for r in decision["rules"])
