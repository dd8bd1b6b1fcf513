"""Property tests of the instance decision: memory grows with the model, every answer is a type the workload's
API accepts in the installed botocore, and a built-in algorithm's undocumented accelerator kind never wins."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sagecli.errors import UsageError
from sagecli.recommend import decide
from sagecli.recommend.advice import advice_for
from sagecli.recommend.instance import accel_gib, kind_of
from sagecli.recommend.sizing import KvShape, memory_need, weights_gib

SETTINGS = settings(max_examples=int(os.environ.get("RECOMMEND_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
WORKLOADS = ("training", "inference", "transform", "processing", "notebook")
# workload -> the botocore shape whose enum lists the instance types that API accepts
API_SHAPES = {"training": "TrainingInstanceType", "inference": "ProductionVariantInstanceType",
              "transform": "TransformInstanceType", "processing": "ProcessingInstanceType",
              "notebook": "InstanceType"}
ALGORITHMS = ("xgboost", "linear-learner", "k-means", "pca", "random-cut-forest", "ip-insights",
              "factorization-machines", "knn", "blazingtext", "object2vec", "seq2seq", "deepar", "lda", "ntm",
              "image-classification", "object-detection", "semantic-segmentation", "lightgbm", "catboost",
              "autogluon-tabular", "tabtransformer")


@pytest.fixture(scope="module")
def botocore_enums() -> dict[str, frozenset[str]]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return {w: frozenset(model.shape_for(shape).enum) for w, shape in API_SHAPES.items()}


def test_the_algorithm_list_is_every_builtin(kb):
    assert set(ALGORITHMS) == {r["id"] for r in kb.of_kind("algorithm")}


kv_shapes = st.builds(KvShape, layers=st.integers(1, 160), hidden_size=st.integers(64, 32768),
                      seq_len=st.integers(1, 200_000), concurrent=st.integers(1, 256))


@SETTINGS
@given(params=st.floats(0.001, 2000), grow=st.floats(1.0, 10.0), kv=kv_shapes,
       more=st.tuples(st.integers(0, 40), st.integers(0, 4096), st.integers(0, 50_000), st.integers(0, 64)),
       precision=st.sampled_from(PRECISIONS), workload=st.sampled_from(("inference", "transform")))
def test_a_bigger_model_never_needs_less_memory(kb, params, grow, kv, more, precision, workload):
    """Over parameters and every KV-cache input: growing any of them never lowers the memory need."""
    bigger = KvShape(kv.layers + more[0], kv.hidden_size + more[1], kv.seq_len + more[2], kv.concurrent + more[3])
    small = memory_need(kb, params, precision, workload, kv).gib
    assert memory_need(kb, params * grow, precision, workload, bigger).gib >= small - 1e-9
    weights, _ = weights_gib(kb, params, precision)
    assert small >= round(weights, 3) - 1e-3  # the weights are always counted, the KV cache is never negative


def _chosen_memory(kb, facts) -> float | None:
    d = decide("instance", facts, kb)["decisions"][0]
    if d["choice"] is None:
        return None
    return accel_gib(kb.instance(d["choice"])[1]) * d["ranked"][0]["instance_count"]


@SETTINGS
@given(params=st.floats(0.1, 200), kv=kv_shapes.filter(lambda k: k.layers * k.hidden_size * k.seq_len < 10**11),
       factor=st.integers(1, 8), precision=st.sampled_from(PRECISIONS),
       priority=st.sampled_from((None, "cost", "latency", "throughput", "sustainability")))
def test_more_kv_cache_never_picks_less_accelerator_memory(kb, params, kv, factor, precision, priority):
    base = {"workload": "inference", "params_b": params, "precision": precision, "layers": kv.layers,
            "hidden_size": kv.hidden_size, "seq_len": kv.seq_len, "priority": priority}
    first = _chosen_memory(kb, {**base, "concurrent": kv.concurrent})
    second = _chosen_memory(kb, {**base, "concurrent": kv.concurrent * factor})
    if first is None:
        assert second is None
    elif second is not None:
        assert second >= first - 1e-9


def _facts() -> st.SearchStrategy:
    return st.fixed_dictionaries({
        "workload": st.sampled_from(WORKLOADS),
        "algorithm": st.sampled_from(("custom", *ALGORITHMS)),
    }, optional={
        "framework": st.sampled_from(("pytorch", "tensorflow", "sklearn", "xgboost", "huggingface", "spark")),
        "params_b": st.floats(0.01, 500),
        "precision": st.sampled_from(PRECISIONS),
        "gpu": st.booleans(),
        "dataset_gb": st.floats(0.01, 5000),
        "distributed": st.booleans(),
        "sparse": st.booleans(),
        "arm": st.booleans(),
        "priority": st.sampled_from(("cost", "latency", "throughput", "sustainability")),
        "mini_batch_size": st.integers(1, 4096),
        "needs": st.just(["neuron"]),
    })


def _decide(kb, facts):
    try:
        return decide("instance", facts, kb)["decisions"][0]
    except UsageError as err:
        assert "\n" not in err.message
        return None


@SETTINGS
@given(facts=_facts())
def test_every_recommended_type_is_accepted_by_the_workloads_api(kb, botocore_enums, facts):
    d = _decide(kb, facts)
    assume(d is not None)
    accepted = botocore_enums[facts["workload"]]
    eligible = [r["option"] for r in d["ranked"] if r["eligible"]]
    assert d["choice"] is None or d["choice"] in accepted
    stray = [t for t in eligible if t not in accepted]
    assert not stray, f"{facts['workload']}: botocore's {API_SHAPES[facts['workload']]} rejects {stray[:5]}"


@SETTINGS
@given(facts=_facts().filter(lambda f: f["algorithm"] != "custom"),
       mode=st.sampled_from((None, "cbow", "skipgram", "batch_skipgram", "supervised")))
def test_an_undocumented_accelerator_kind_never_outranks_a_documented_one(kb, facts, mode):
    if mode and facts["algorithm"] == "blazingtext":
        facts = {**facts, "algorithm_mode": mode}
    d = _decide(kb, facts)
    assume(d is not None and d["choice"] is not None)
    adv = advice_for(kb, facts["algorithm"], facts.get("algorithm_mode"), facts["workload"])
    documented = {"cpu": bool(adv.cpu), "gpu": bool(adv.gpu), "neuron": False, "gaudi": False}
    seen_undocumented = None
    for row in (r for r in d["ranked"] if r["eligible"]):
        kind = kind_of(kb.instance(row["option"])[1])
        if not documented[kind]:
            seen_undocumented = seen_undocumented or row["option"]
        else:
            assert seen_undocumented is None, (
                f"{facts}: {seen_undocumented} ({adv.name} does not document it) outranks {row['option']}")
