"""Coverage of instance families, channels and contracts against the shared reference material."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagecli.knowledge.store import load_kb
from tests.conftest import CONTENT, ROOT, run_cli

SCRIPT = ROOT / "scripts" / "import_instances.py"
REF_REL = Path("shared") / "reference" / "instances.yaml"


def _reference_path() -> Path | None:
    for parent in ROOT.parents:
        if (parent / REF_REL).is_file():
            return parent / REF_REL
    return None


REF_PATH = _reference_path()
needs_reference = pytest.mark.skipif(REF_PATH is None, reason="shared/reference/instances.yaml not present")


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    assert REF_PATH is not None
    return yaml.safe_load(REF_PATH.read_text(encoding="utf-8"))["families"]


@pytest.fixture(scope="module")
def kb():
    return load_kb(CONTENT, use_cache=False)


@pytest.fixture(scope="module")
def sizes(kb) -> dict[str, dict[str, Any]]:
    return {size["type"]: size for _, size in kb.instance_sizes()}


@needs_reference
def test_every_family_and_size_is_present(reference, kb, sizes):
    # the reference's 25 families are a subset now; tests/knowledge/test_catalog.py checks the whole botocore list
    families = {f["id"] for f in kb.of_kind("instance_family")}
    assert families >= {f"ml.{name}" for name in reference}
    expected = {f"ml.{fam}.{size}" for fam, data in reference.items() for size in data["sizes"]}
    assert set(sizes) >= expected


@needs_reference
def test_prices_equal_the_reference(reference, sizes):
    for fam, data in reference.items():
        for size, ref in data["sizes"].items():
            rec = sizes[f"ml.{fam}.{size}"]
            if ref.get("price_usd_hr") is None:
                assert "price" not in rec, f"{rec['type']} has a price the reference does not"
            else:
                assert rec["price"]["usd_per_hour"] == ref["price_usd_hr"]
            old = {k.removeprefix("price_usd_hr_").replace("_", "-"): v for k, v in ref.items()
                   if k.startswith("price_usd_hr_") and v is not None}
            got = {str(p["published"]): p["usd_per_hour"] for p in rec.get("price_history", [])}
            assert got == old, rec["type"]


@needs_reference
def test_nulls_stay_absent_and_numbers_match(reference, sizes):
    for fam, data in reference.items():
        for size, ref in data["sizes"].items():
            rec = sizes[f"ml.{fam}.{size}"]
            for key, ours in (("vcpu", "vcpu"), ("memory_gib", "memory_gib"),
                              ("gpu_memory_mib_ec2", "gpu_memory_mib_ec2"), ("neuron_cores", "neuron_cores"),
                              ("efa_interfaces", "efa_max_interfaces")):
                if ref.get(key) is None:  # absent, or taken from a named data set the reference did not read
                    assert ours not in rec or rec["source"].startswith("moto "), f"{rec['type']}.{ours} invented"
                else:
                    assert rec[ours] == ref[key], f"{rec['type']}.{ours}"
            assert rec["gpus"] == ref["gpus"]


@needs_reference
def test_family_fields_match_the_reference(reference, kb):
    makers = {"intel": "Intel", "amd": "AMD", "aws": "AWS Graviton"}
    for name, ref in reference.items():
        fam = kb.get(f"ml.{name}")
        assert fam["generation"] == ref["generation"], name
        assert fam["processor"] == makers[ref["processor"]], name
        assert fam["graviton"] == (ref["processor"] == "aws"), name
        assert fam.get("accelerator") == ref["accelerator"], name


# API membership is checked against the installed botocore (not the reference's 1.43.11) in test_catalog.py.


def test_no_price_without_source_and_date(sizes):
    priced = 0
    for rec in sizes.values():
        for price in ([rec["price"]] if rec.get("price") else []) + rec.get("price_history", []):
            priced += 1
            assert price["source"].startswith("https://")
            assert len(str(price["published"])) == 10  # an ISO date, not a guess like "2025"
            assert price["region"] and price["component"]
            assert price["usd_per_hour"] > 0
    assert priced > 0


def test_gpu_types_carry_gpu_memory(sizes):
    gpu = [r for r in sizes.values() if r["gpus"]]
    assert gpu
    for rec in gpu:
        if "gpu_model" not in rec:  # p6e-gb200: no source gives the model or memory, and the note says so
            assert "GPU model, GPU memory" in rec["note"] and "gpu_memory_gib" not in rec, rec["type"]
            continue
        assert rec["gpu_model"].startswith("NVIDIA"), rec["type"]
        assert rec["gpu_memory_gib"] > 0 and rec["gpu_memory_mib_ec2"] > 0, rec["type"]
        # EC2 reports usable MiB, at most the nominal figure
        assert rec["gpu_memory_mib_ec2"] <= rec["gpu_memory_gib"] * 1024, rec["type"]


def test_neuron_types_carry_accelerators(kb):
    for fam in kb.of_kind("instance_family"):
        if fam["category"] in ("inferentia", "trainium"):
            for rec in fam["sizes"]:
                assert rec["accelerator_model"].startswith("AWS "), rec["type"]
                assert rec["gpus"] == 0


def test_categories_follow_the_family_prefix(kb):
    for fam in kb.of_kind("instance_family"):
        name = fam["id"].removeprefix("ml.")
        if name.startswith("p"):
            assert fam["category"] == "gpu_training", name
        elif name in ("g4dn", "g5", "g6", "g6e"):
            assert fam["category"] == "gpu_inference", name
        elif name.startswith("inf"):
            assert fam["category"] == "inferentia", name
        elif name.startswith("trn"):
            assert fam["category"] == "trainium", name
        assert fam["burstable"] == (name in ("t2", "t3")), name


def _run_import(out: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), "-o", str(out)], check=True, capture_output=True, text=True)


def test_import_script_is_deterministic_and_content_is_in_sync(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    _run_import(first)
    _run_import(second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == (CONTENT / "instances.yaml").read_bytes(), \
        "content/instances.yaml differs from the script's output: rerun scripts/import_instances.py"


def test_cli_shows_prices_as_numbers():
    res = run_cli("kb", "show", "ml.p4d", "--json")
    assert res.returncode == 0, res.stderr
    rec = json.loads(res.stdout)
    size = rec["sizes"][0]
    assert isinstance(size["price"]["usd_per_hour"], float)
    assert size["price_history"][0]["usd_per_hour"] > size["price"]["usd_per_hour"]


def test_cli_lists_sizes_with_unknown_specs():
    res = run_cli("kb", "list", "instance_family", "--all")
    assert res.returncode == 0, res.stderr
    assert "ml.trn2.3xlarge" in res.stdout and "ml.g5.48xlarge" in res.stdout
    res = run_cli("kb", "show", "ml.trn2")
    assert res.returncode == 0, res.stderr
    assert "ml.trn2.3xlarge" in res.stdout


BUILTIN_CHANNELS = {"train", "validation", "test", "model", "vocab", "train_lst", "validation_lst",
                    "train_annotation", "validation_annotation", "label_map", "training", "auxiliary"}


def test_named_channels_exist_once(kb):
    names = [c["channel"] for c in kb.of_kind("channel")]
    assert len(names) == len(set(names))
    assert set(names) >= BUILTIN_CHANNELS


def test_algorithm_channels_have_records_and_used_by_agrees(kb):
    algorithms = kb.of_kind("algorithm")
    if not algorithms:
        pytest.skip("no algorithms on this branch yet")
    by_name = {c["channel"]: c for c in kb.of_kind("channel")}
    for algo in algorithms:
        for name in algo["channels_required"] + algo.get("channels_optional", []):
            assert name in by_name, f"{algo['id']} uses channel {name!r}, which has no record"
            assert algo["id"] in by_name[name]["used_by"], f"{name}.used_by lacks {algo['id']}"
    ids = {a["id"] for a in algorithms}
    for chan in by_name.values():
        for algo_id in chan["used_by"]:
            algo = kb.get(algo_id)
            assert algo_id in ids
            assert chan["channel"] in algo["channels_required"] + algo.get("channels_optional", [])


def _missing(wanted: tuple[str, ...], have: Any) -> list[str]:
    return [w for w in wanted if w not in have]


def test_contracts_name_the_exact_keys(kb):
    train = kb.get("training-container-contract")
    assert not _missing(("/opt/ml/input/config/hyperparameters.json", "/opt/ml/input/config/inputdataconfig.json",
                         "/opt/ml/input/config/resourceconfig.json", "/opt/ml/input/data/<channel>",
                         "/opt/ml/input/data/<channel>_<epoch>", "/opt/ml/model", "/opt/ml/output/failure",
                         "/opt/ml/checkpoints"), train["paths"])
    assert not _missing(("SM_MODEL_DIR", "SM_CHANNELS", "SM_CHANNEL_<NAME>", "SM_HPS", "SM_HP_<NAME>",
                         "SM_NUM_GPUS", "SM_NUM_CPUS", "SM_HOSTS", "SM_CURRENT_HOST", "SM_OUTPUT_DATA_DIR"),
                        train["env"])
    serve = kb.get("inference-container-contract")
    assert {"GET /ping", "POST /invocations"} <= set(serve["routes"])
    assert kb.limit("inference-container-contract", "port") == 8080
    assert kb.limit("inference-container-contract", "invocation_timeout_seconds") == 60
    assert kb.limit("inference-container-contract", "accept_connection_ms") == 250
    assert kb.limit("inference-container-contract", "startup_health_minutes") == 8
    assert all(h.startswith("X-Amzn-SageMaker-") for h in serve["headers"] if h not in ("Content-Type", "Accept"))
    batch = kb.get("batch-transform-contract")
    assert {"SAGEMAKER_BATCH", "SAGEMAKER_MAX_PAYLOAD_IN_MB", "SAGEMAKER_BATCH_STRATEGY",
            "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"} <= set(batch["env"])
    assert "GET /execution-parameters" in batch["routes"]
    assert kb.limit_record("batch-transform-contract", "max_payload_mb")["max"] == 100
    capture = kb.get("data-capture-format")
    assert not _missing(("captureData.endpointInput.observedContentType", "captureData.endpointInput.mode",
                         "captureData.endpointInput.data", "captureData.endpointInput.encoding",
                         "captureData.endpointOutput.data", "eventMetadata.eventId", "eventMetadata.inferenceTime",
                         "eventVersion"), capture["fields"])
    assert any("/yyyy/mm/dd/hh/" in p for p in capture["paths"])
    monitor = kb.get("model-monitor-outputs")
    assert not _missing(("data_type_check", "completeness_check", "baseline_drift_check", "missing_column_check",
                         "extra_column_check", "categorical_values_check"), " ".join(monitor["rules"]))
    assert kb.limit("model-monitor-outputs", "comparison_threshold") == 0.1
