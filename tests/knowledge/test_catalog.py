"""The instance catalog against the installed botocore: nothing missing, APIs exact, Graviton is arm64.

A botocore upgrade that adds an `ml.*` type fails here until scripts/import_instances.py is rerun.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagecli.knowledge.store import load_kb
from tests.conftest import CONTENT, ROOT

# botocore enum -> the catalog's API flag (HyperPod's ClusterInstanceType is its own flag)
ENUMS = {
    "TrainingInstanceType": "training",
    "ProductionVariantInstanceType": "hosting",
    "TransformInstanceType": "transform",
    "ProcessingInstanceType": "processing",
    "InstanceType": "notebook",
    "AppInstanceType": "studio",
    "ClusterInstanceType": "hyperpod",
}


@pytest.fixture(scope="module")
def botocore_apis() -> dict[str, set[str]]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    apis: dict[str, set[str]] = {}
    for shape, api in ENUMS.items():
        for value in model.shape_for(shape).enum:
            if value.startswith("ml."):
                apis.setdefault(value, set()).add(api)
    return apis


@pytest.fixture(scope="module")
def kb():
    return load_kb(CONTENT, use_cache=False)


@pytest.fixture(scope="module")
def sizes(kb) -> dict[str, dict[str, Any]]:
    return {size["type"]: size for _, size in kb.instance_sizes()}


def test_every_type_botocore_accepts_is_in_the_catalog(botocore_apis, sizes):
    missing = sorted(set(botocore_apis) - set(sizes))
    assert not missing, f"botocore accepts {len(missing)} ml.* type(s) the knowledge base lacks: {missing[:10]} " \
                        "(rerun scripts/import_instances.py)"


def test_the_catalog_holds_no_type_botocore_rejects(botocore_apis, sizes):
    extra = sorted(set(sizes) - set(botocore_apis))
    assert not extra, f"types no SageMaker enum accepts: {extra}"


def test_each_types_apis_match_the_enums(botocore_apis, sizes):
    wrong = {t: (sorted(s["apis"]), sorted(botocore_apis[t])) for t, s in sizes.items()
             if t in botocore_apis and set(s["apis"]) != botocore_apis[t]}
    assert not wrong, f"apis differ from botocore (ours, botocore): {dict(list(wrong.items())[:5])}"


def test_hyperpod_is_its_own_flag(botocore_apis, sizes):
    hyperpod_only = [t for t, apis in botocore_apis.items() if apis == {"hyperpod"}]
    assert hyperpod_only, "botocore lists no HyperPod-only type: the fixture is wrong"
    for t in hyperpod_only:
        assert sizes[t]["apis"] == ["hyperpod"], t


def test_graviton_types_are_arm64_and_only_they(kb):
    graviton = 0
    for fam in kb.of_kind("instance_family"):
        for s in fam["sizes"]:
            if s.get("processor") == "AWS Graviton":
                graviton += 1
                assert s["architecture"] == "arm64", s["type"]
                assert fam.get("graviton") is True and fam["architecture"] == "arm64", fam["id"]
            elif s.get("architecture") == "arm64":
                pytest.fail(f"{s['type']} is arm64 but its processor is {s.get('processor')}")
    assert graviton >= 50  # c6g, c6gd, c6gn, c7g, c8g, m6g, m6gd, m7g, m8g, r6g, r6gd, r7gd, r8g


def test_families_named_like_graviton_are_graviton(kb):
    # EC2's naming: a 'g' after the generation digit (c6g, m7g, r8g, c6gd, c6gn) marks a Graviton family
    import re

    for fam in kb.of_kind("instance_family"):
        name = fam["id"].removeprefix("ml.")
        if re.fullmatch(r"[cmr]\d+g[dn]?", name):
            assert fam.get("graviton") is True, name


def test_every_type_records_its_source(sizes):
    for t, s in sizes.items():
        assert s.get("source"), t
        if s["source"] == "botocore enum only":
            assert s.get("note") and "vcpu" not in s, t  # no spec, and the note says why


def test_specs_present_wherever_an_ec2_record_was_used(sizes):
    for t, s in sizes.items():
        if s["source"].startswith("moto "):
            for key in ("vcpu", "memory_gib", "architecture", "processor", "network_performance", "efa_supported"):
                assert key in s, f"{t}.{key}"
            if s.get("efa_supported"):
                assert s.get("efa_max_interfaces", 0) >= 1, t


def test_trainium2_memory_follows_the_neuron_docs(sizes):
    # moto's EC2 copy says 524,288 MiB per Trainium2 chip; AWS's Neuron docs say 96 GiB
    for t in ("ml.trn2.48xlarge", "ml.trn2.3xlarge"):
        s = sizes[t]
        assert s["accelerator_memory_gib"] == 96 * s["accelerators"], t
        assert "96 GiB" in s["note"] and "readthedocs" in s["note"], t


def test_unsourced_specs_are_left_out_and_said_so(sizes):
    geo = sizes["ml.geospatial.interactive"]
    assert "vcpu" not in geo and "memory_gib" not in geo and "no source" in geo["note"]
    gb200 = sizes["ml.p6e-gb200.36xlarge"]
    assert gb200["gpus"] == 4 and "gpu_model" not in gb200 and "gpu_memory_gib" not in gb200
    assert "hyperpod" in gb200["source"]


def test_old_families_come_from_the_older_moto(sizes):
    for t in ("ml.p2.xlarge", "ml.p3.2xlarge", "ml.dl1.24xlarge"):
        assert sizes[t]["source"].startswith("moto 5.0.28"), t
    assert sizes["ml.dl1.24xlarge"]["accelerator_maker"] == "Habana" and sizes["ml.dl1.24xlarge"]["gpus"] == 0


def test_numbers_agree_with_karpenters_reference(sizes):
    table = json.loads((ROOT / "scripts" / "data" / "karpenter-instance-types.json").read_text())
    checked = 0
    for name, k in table["types"].items():
        s = sizes.get(f"ml.{name}")
        if not s:
            continue
        checked += 1
        assert s["vcpu"] == k["cpu"], name
        assert s["memory_gib"] * 1024 == k["memory_mib"], name
        if s.get("gpus"):
            assert s["gpus"] == k["gpu_count"] and s["gpu_memory_mib_ec2"] == k["gpu_count"] * k["gpu_memory_mib"]
    assert checked >= 400


def test_prices_only_with_source_region_date_component(sizes):
    for t, s in sizes.items():
        for p in ([s["price"]] if s.get("price") else []) + s.get("price_history", []):
            assert p["source"].startswith("https://") and p["region"] and p["component"], t
            assert len(str(p["published"])) == 10, t


def test_kb_list_summarises_by_family_and_shows_graviton_and_efa():
    from tests.conftest import run_cli

    kb = load_kb(CONTENT, use_cache=False)
    families = kb.of_kind("instance_family")
    res = run_cli("kb", "list", "instance_family", env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line for line in res.stdout.splitlines() if line.startswith("ml.")}
    assert set(rows) == {f["id"] for f in families}  # one line per family, no size lines
    for fam in families:
        assert f" {len(fam['sizes'])} " in rows[fam["id"]], fam["id"]
    assert "arm64" in rows["ml.c7g"] and "arm64" not in rows["ml.c7i"]
    assert "all 32" in rows["ml.p5e"] and rows["ml.c5"].rstrip().endswith("-")
    assert all(len(line) <= 80 for line in res.stdout.splitlines())


def test_kb_show_type_has_arch_network_and_efa():
    from tests.conftest import run_cli

    res = run_cli("kb", "show", "ml.p5.48xlarge", "--json")
    rec = json.loads(res.stdout)
    assert rec["architecture"] == "x86_64" and rec["efa_supported"] is True and rec["efa_max_interfaces"] == 32
    text = run_cli("kb", "show", "ml.c7g", env={"COLUMNS": "80", "NO_COLOR": "1"}).stdout
    assert "arm64" in text and "Graviton" in text
