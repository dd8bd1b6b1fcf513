"""LLM sizing (weights + KV cache), fp8, throughput by memory bandwidth, processing frameworks and the CLI options,
each checked against the page it rests on."""

from __future__ import annotations

import json

import pytest

from sagecli.errors import UsageError
from sagecli.recommend import decide
from sagecli.recommend.instance import accel_gib, bandwidth_gbps, fp8_models, gpu_short_name, kind_of
from sagecli.recommend.sizing import GIB, KvShape, kv_cache_gib, memory_need

LLAMA2_13B = {"layers": 40, "hidden_size": 5120}  # the DJL/LMI guide's worked example


def _decision(kb, **facts):
    return decide("instance", facts, kb)["decisions"][0]


def _row(decision, option):
    return next(r for r in decision["ranked"] if r["option"] == option)


def test_kv_cache_matches_the_lmi_guides_llama2_13b_example(kb):
    # https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html
    # "about 0.00082 GB per token, 3.36 GB per 4096-token sequence" (decimal GB, fp16)
    per_token, _, _ = kv_cache_gib(kb, KvShape(seq_len=1, **LLAMA2_13B), "fp16")
    per_seq, step, source = kv_cache_gib(kb, KvShape(seq_len=4096, **LLAMA2_13B), "fp16")
    assert per_token * GIB / 1e9 == pytest.approx(0.00082, abs=0.000005)
    assert per_seq * GIB / 1e9 == pytest.approx(3.36, abs=0.005)
    assert "2 x 40 layers x 5120 hidden x 4096 tokens" in step and source


def test_kv_cache_grows_linearly_with_concurrent_sequences(kb):
    one, _, _ = kv_cache_gib(kb, KvShape(seq_len=4096, **LLAMA2_13B), "bf16")
    twenty, _, _ = kv_cache_gib(kb, KvShape(seq_len=4096, concurrent=20, **LLAMA2_13B), "bf16")
    assert twenty == pytest.approx(20 * one)


def test_weight_only_quantization_keeps_an_fp16_kv_cache(kb):
    fp16, _, _ = kv_cache_gib(kb, KvShape(seq_len=1000, **LLAMA2_13B), "fp16")
    int4, _, _ = kv_cache_gib(kb, KvShape(seq_len=1000, **LLAMA2_13B), "int4")
    fp8, _, _ = kv_cache_gib(kb, KvShape(seq_len=1000, **LLAMA2_13B), "fp8")
    assert int4 == fp16 and fp8 == pytest.approx(fp16 / 2)


def test_need_is_weights_plus_kv_cache(kb):
    need = memory_need(kb, 13, "fp16", "inference", KvShape(seq_len=4096, concurrent=20, **LLAMA2_13B))
    weights = 13e9 * 2 / GIB
    kv, _, _ = kv_cache_gib(kb, KvShape(seq_len=4096, concurrent=20, **LLAMA2_13B), "fp16")
    assert need.gib == pytest.approx(weights + kv, abs=1e-3)
    assert any(s.startswith("KV cache:") for s in need.steps)


def test_a_batch_of_about_20_fits_g5_12xlarge_and_more_does_not(kb):
    # The LMI guide: 13B fp16 on ml.g5.12xlarge (96 GB) leaves 66 GB, a batch of about 20 at 4096 tokens.
    base = {"workload": "inference", "params_b": 13, "precision": "fp16", "seq_len": 4096, **LLAMA2_13B}
    assert _row(_decision(kb, **base, concurrent=20), "ml.g5.12xlarge")["eligible"]
    assert not _row(_decision(kb, **base, concurrent=24), "ml.g5.12xlarge")["eligible"]


def test_kv_steps_and_their_page_show_under_explain(kb):
    d = _decision(kb, workload="inference", params_b=13, precision="fp16", seq_len=4096, **LLAMA2_13B)
    steps = [r for r in d["rules"] if r["rule"] == "memory"]
    assert any(r["text"].startswith("KV cache:") for r in steps)
    assert all(r.get("source") for r in steps)


def test_fp8_leaves_only_gpus_with_fp8_tensor_cores(kb):
    models, source = fp8_models(kb)
    assert source and "L4" in models and "A10G" not in models and "A100" not in models
    d = _decision(kb, workload="inference", params_b=8, precision="fp8")
    eligible = [kb.instance(r["option"])[1] for r in d["ranked"] if r["eligible"]]
    assert eligible and all(gpu_short_name(s) in models for s in eligible)
    assert any(r["rule"] == "fp8" for r in d["rules"])


def test_fp8_halves_the_weights_of_fp16(kb):
    assert memory_need(kb, 70, "fp8", "inference").gib == pytest.approx(memory_need(kb, 70, "fp16", "inference").gib
                                                                        / 2, rel=1e-3)


def test_throughput_priority_moves_to_more_memory_bandwidth(kb):
    facts = {"workload": "inference", "params_b": 8, "precision": "fp16"}
    plain = kb.instance(_decision(kb, **facts)["choice"])[1]
    fast = kb.instance(_decision(kb, **facts, priority="throughput")["choice"])[1]
    assert bandwidth_gbps(kb, fast)[0] > (bandwidth_gbps(kb, plain)[0] or 0)


def test_every_sourced_bandwidth_names_a_gpu_in_the_catalog(kb):
    names = {gpu_short_name(s) for _, s in kb.instance_sizes() if s.get("gpus")}
    limits = kb.get("accelerator-memory-sizing")["limits"]
    named = {k.removeprefix("bandwidth_gbps_") for k in limits if k.startswith("bandwidth_gbps_")}
    assert named and named <= names
    assert all(limits[f"bandwidth_gbps_{n}"].get("source") for n in named)
    fp8, _ = fp8_models(kb)
    assert set(fp8) <= names, sorted(set(fp8) - names)


def test_spark_processing_scales_out_on_cpu(kb):
    d = _decision(kb, workload="processing", framework="spark", dataset_gb=2000)
    top = d["ranked"][0]
    size = kb.instance(top["option"])[1]
    assert kind_of(size) == "cpu" and top["instance_count"] >= 2
    assert size["memory_gib"] * top["instance_count"] >= 2000


def test_xgboost_1_3_1_spreads_over_single_gpu_instances(kb):
    # https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html: 1.2-2 through 1.3-1 train on several
    # instances with one GPU each (divide the input data between them).
    d = _decision(kb, workload="training", algorithm="xgboost", algorithm_version="1.3-1", gpu=True,
                  distributed=True, dataset_gb=30)
    top = d["ranked"][0]
    size = kb.instance(top["option"])[1]
    assert size["gpus"] == 1 and top["instance_count"] >= 2
    assert accel_gib(size) * top["instance_count"] >= 30


@pytest.mark.parametrize("facts, message", [
    ({"workload": "inference", "layers": 40, "hidden_size": 5120, "seq_len": 10}, "add --params-b"),
    ({"workload": "inference", "params_b": 7, "hidden_size": 4096}, "together"),
    ({"workload": "notebook", "params_b": 7, "layers": 32, "hidden_size": 4096, "seq_len": 10}, "not notebook"),
    ({"params_b": 7, "precision": "fp8", "gpu": False}, "fp8"),
    ({"algorithm": "xgboost", "algorithm_version": "2.0"}, "documented XGBoost version"),
    ({"algorithm_version": "1.7-1"}, "applies to --algorithm xgboost"),
    ({"workload": "inference", "framework": "spark"}, "processing job"),
])
def test_impossible_combinations_are_one_line_errors(kb, facts, message):
    with pytest.raises(UsageError) as err:
        decide("instance", facts, kb)
    assert message in err.value.message and "\n" not in err.value.message


def test_cli_takes_the_kv_cache_and_version_options():
    from typer.testing import CliRunner

    from sagecli.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["recommend", "instance", "--workload", "inference", "--params-b", "13",
                                 "--precision", "fp16", "--layers", "40", "--hidden-size", "5120",
                                 "--seq-len", "4096", "--concurrent", "20", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["inputs"]["concurrent"] == 20 and answer["decisions"][0]["memory_need_gib"] > 80
    result = runner.invoke(app, ["recommend", "instance", "--algorithm", "xgboost", "--algorithm-version", "1.2-1",
                                 "--gpu", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["decisions"][0]["choice"] is None
    result = runner.invoke(app, ["recommend", "instance", "--layers", "40", "--json"])
    assert isinstance(result.exception, UsageError)  # main() turns it into one line and exit code 2
