"""Coverage of components, exams, algorithms and concepts: the records the brief requires exist and agree."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sagecli.knowledge.loader import compile_content
from sagecli.knowledge.schema import is_aws_doc
from tests.conftest import CONTENT

MY_KINDS = ("component", "exam", "algorithm", "concept")

STAGES = {
    "studio": "studio",
    "data-wrangler": "data_preparation",
    "feature-store": "data_preparation",
    "processing-jobs": "data_preparation",
    "ground-truth": "data_preparation",
    "training-jobs": "training",
    "experiments": "training",
    "debugger": "training",
    "automatic-model-tuning": "training",
    "model-registry": "model_registry",
    "model-cards": "model_registry",
    "pipelines": "model_registry",
    "neo": "deployment",
    "inference-recommender": "deployment",
    "model-monitor": "monitoring",
    "clarify": "monitoring",
    "jumpstart": "studio",
    "canvas": "studio",
}

ALGORITHMS = [
    "xgboost", "linear-learner", "k-means", "pca", "random-cut-forest", "ip-insights",
    "factorization-machines", "knn", "blazingtext", "object2vec", "seq2seq", "deepar", "lda", "ntm",
    "image-classification", "object-detection", "semantic-segmentation", "lightgbm", "catboost",
    "autogluon-tabular", "tabtransformer",
]

GPU_FAMILY = re.compile(r"^ml\.(p\d|g\d)")


@pytest.fixture(scope="module")
def records() -> dict[str, dict[str, Any]]:
    compiled = compile_content(CONTENT)
    assert compiled.problems == [], [str(p) for p in compiled.problems]
    return compiled.records


def _mine(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records.values() if r["kind"] in MY_KINDS]


@pytest.mark.parametrize(("cid", "stage"), sorted(STAGES.items()))
def test_component_on_its_stage(records: dict[str, dict[str, Any]], cid: str, stage: str) -> None:
    rec = records[cid]
    assert rec["kind"] == "component"
    assert rec["stage"] == stage


def test_children_sit_on_their_parents_stage(records: dict[str, dict[str, Any]]) -> None:
    for rec in records.values():
        if rec["kind"] == "component" and rec.get("parent"):
            assert records[rec["parent"]]["stage"] == rec["stage"], rec["id"]


@pytest.mark.parametrize("cid", ["experiments", "debugger", "automatic-model-tuning"])
def test_training_children_nest_under_training_jobs(records: dict[str, dict[str, Any]], cid: str) -> None:
    assert records[cid]["parent"] == "training-jobs"


def test_closed_to_new_customers(records: dict[str, dict[str, Any]]) -> None:
    closed = {r["id"] for r in records.values()
              if r["kind"] == "component" and r["availability"]["status"] == "closed_to_new_customers"}
    assert closed == {"clarify", "model-monitor", "debugger"}
    for cid in ("model-monitor", "debugger", "clarify"):
        avail = records[cid]["availability"]
        assert avail["effective"] == "2026-07-30"
        assert is_aws_doc(avail["source"])
    # the Clarify date differs from the audit's secondary quote: the note must say where each comes from
    note = records["clarify"]["availability"]["note"]
    assert "2026-06-30" in note and "secondary" in note


def test_all_21_algorithms(records: dict[str, dict[str, Any]]) -> None:
    algos = {r["id"] for r in records.values() if r["kind"] == "algorithm"}
    assert algos == set(ALGORITHMS)


@pytest.mark.parametrize("aid", ALGORITHMS)
def test_algorithm_instance_advice_is_concrete(records: dict[str, dict[str, Any]], aid: str) -> None:
    inst = records[aid]["instances"]
    assert inst["recommended"], aid
    for t in inst["recommended"] + inst.get("inference", []):
        assert re.match(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$", t), t
    if not inst["cpu"]:
        assert all(GPU_FAMILY.match(t) for t in inst["recommended"]), aid
    if not inst["gpu"]:
        assert not any(GPU_FAMILY.match(t) for t in inst["recommended"]), aid
        assert not inst["multi_gpu"]


def test_algorithm_audit_corrections(records: dict[str, dict[str, Any]]) -> None:
    xgb = records["xgboost"]
    assert xgb["limits"]["gpu_min_version"]["value"] == "1.2-2"
    assert xgb["limits"]["dask_gpu_min_version"]["value"] == "1.5-1"
    assert "no Pipe mode" in xgb["instances"]["note"]
    assert records["random-cut-forest"]["instances"]["inference"] == ["ml.c5.xlarge"]
    assert records["factorization-machines"]["training_content_types"] == ["application/x-recordio-protobuf"]
    assert records["seq2seq"]["channels_required"] == ["train", "validation", "vocab"]
    modes = records["blazingtext"]["modes"]
    assert set(modes) == {"cbow", "skipgram", "batch_skipgram", "supervised"}
    assert modes["batch_skipgram"]["multi_instance"] and not modes["batch_skipgram"]["gpu"]


def test_mla_c01(records: dict[str, dict[str, Any]]) -> None:
    exam = records["mla-c01"]
    weights = [d["weight_percent"] for d in exam["domains"]]
    assert weights == [28, 26, 22, 24] and sum(weights) == 100
    assert (exam["questions_total"], exam["questions_scored"], exam["questions_unscored"]) == (65, 50, 15)
    assert (exam["score_min"], exam["score_max"], exam["passing_score"]) == (100, 1000, 720)
    assert exam["item_types"] == ["multiple_choice", "multiple_response", "ordering", "matching"]
    assert exam["item_types_historical"] == ["case_study"]
    assert "third-party" in exam["duration_source"]
    for d in exam["domains"]:
        ids = [t["id"] for t in d["tasks"]]
        assert ids == [f"{d['number']}.{i}" for i in range(1, len(ids) + 1)]


def test_mls_c01_retired_without_a_stated_date(records: dict[str, dict[str, Any]]) -> None:
    exam = records["mls-c01"]
    assert exam["status"] == "retired"
    assert "retired_on" not in exam
    assert any("Unconfirmed" in tip for tip in exam["exam_tips"])


def test_aif_c01_domains(records: dict[str, dict[str, Any]]) -> None:
    weights = [d["weight_percent"] for d in records["aif-c01"]["domains"]]
    assert weights == [20, 24, 28, 14, 14]


@pytest.mark.parametrize("cid", ["managed-spot-training", "checkpointing", "warm-pools",
                                 "endpoint-autoscaling", "data-capture", "auto-rollback-alarms"])
def test_canonical_concepts(records: dict[str, dict[str, Any]], cid: str) -> None:
    assert records[cid]["kind"] == "concept"


def test_concept_numbers(records: dict[str, dict[str, Any]]) -> None:
    assert records["managed-spot-training"]["limits"]["max_savings_percent"]["value"] == 90
    assert records["managed-spot-training"]["limits"]["max_wait_without_checkpointing_seconds"]["value"] == 3600
    warm = records["warm-pools"]["limits"]
    assert warm["keep_alive_max_seconds"]["value"] == 3600
    assert warm["keep_alive_api_max_seconds"]["value"] == 21600
    assert warm["max_chain_days"]["value"] == 28 and warm["max_chain_days"]["history"][0]["value"] == 7
    capture = records["data-capture"]["limits"]["sampling_percentage"]
    assert (capture["min"], capture["max"]) == (0, 100)


def test_every_record_and_limit_cites_aws(records: dict[str, dict[str, Any]]) -> None:
    mine = _mine(records)
    assert len(mine) >= 65
    for rec in mine:
        assert any(is_aws_doc(u) for u in rec["sources"]), rec["id"]
        for name, lim in rec.get("limits", {}).items():
            assert lim.get("source") and is_aws_doc(lim["source"]), f"{rec['id']}.{name}"
