"""Generate content/instances.yaml: every `ml.*` type the installed botocore accepts, with EC2 specs.

Usage: python scripts/import_instances.py [--ec2 JSON_GZ] [--extra FILE ...] [--save-extra] [-o OUTPUT]
       python scripts/import_instances.py --extract-karpenter DOC.md --commit SHA [--date DAY] [--add]

Inputs (all licensed, bundled or recorded under scripts/data/):
- which types exist and which APIs accept them: botocore's SageMaker service model (the installed version),
  enums TrainingInstanceType, ProductionVariantInstanceType, TransformInstanceType, ProcessingInstanceType,
  InstanceType (notebook instances), AppInstanceType (Studio) and ClusterInstanceType (HyperPod);
- specs: EC2 DescribeInstanceTypes output as moto (Apache-2.0) ships it, `moto/ec2/resources/
  instance_types.json.gz` of the installed moto; `--extra` adds older copies (a moto wheel or a json.gz)
  for types the newer one dropped (p2, p3, dl1 are in moto 5.0.28);
- scripts/data/neuron-device-memory.yaml: Neuron device memory per chip from AWS's Neuron docs, used where
  EC2's figure disagrees (Trainium2);
- scripts/data/hyperpod-instance-resources.yaml: the only source for types no EC2 copy holds;
- scripts/data/studio-notebook-prices.yaml: AWS's Studio-Notebook prices (us-east-1), the only rates kept;
- scripts/data/karpenter-instance-types.json: numbers extracted from Karpenter's instance-types reference,
  used only to cross-check; every disagreement is printed and written into the output's header.
A spec no source gives stays absent, and the type's `note` says so. The output is deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "scripts" / "data"
DEFAULT_OUTPUT = REPO / "content" / "instances.yaml"
KARPENTER = DATA / "karpenter-instance-types.json"
NEURON = DATA / "neuron-device-memory.yaml"
HYPERPOD = DATA / "hyperpod-instance-resources.yaml"
PRICES = DATA / "studio-notebook-prices.yaml"
# p2, p3 and dl1 records from moto 5.0.28 (Apache-2.0), kept by `--extra moto-5.0.28-....whl --save-extra`
DEFAULT_EXTRA = DATA / "moto-5.0.28-instance-types.json"
MOTO_MEMBER = "moto/ec2/resources/instance_types.json.gz"

PRICING_PAGE = "https://aws.amazon.com/sagemaker/pricing/"
STUDIO_TYPES_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html"
TRAINING_API_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html"
HOSTING_API_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html"
STUDIO_API_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceSpec.html"
HYPERPOD_API_PAGE = ("https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
                     "API_ClusterInstanceGroupSpecification.html")
GRAVITON_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-graviton.html"
EC2_TYPES = "https://aws.amazon.com/ec2/instance-types/{}/"
EC2_INDEX = "https://aws.amazon.com/ec2/instance-types/"

# botocore enum -> the schema's Api literal, in the order the tables show them
ENUMS = {
    "TrainingInstanceType": "training",
    "ProductionVariantInstanceType": "hosting",
    "TransformInstanceType": "transform",
    "ProcessingInstanceType": "processing",
    "InstanceType": "notebook",
    "AppInstanceType": "studio",
    "ClusterInstanceType": "hyperpod",
}
API_ORDER = list(ENUMS.values())
PROCESSOR = {"intel": "Intel", "amd": "AMD", "aws": "AWS Graviton"}
CATEGORY_ORDER = ["general_purpose", "compute_optimized", "memory_optimized", "storage_optimized", "gpu_inference",
                  "gpu_training", "inferentia", "trainium", "gaudi", "geospatial"]
CATEGORY_LABEL = {"general_purpose": "General-purpose", "compute_optimized": "Compute-optimized",
                  "memory_optimized": "Memory-optimized", "storage_optimized": "Storage-optimized"}
NAMED_SIZES = {"nano": 0, "micro": 1, "small": 2, "medium": 3, "large": 4, "xlarge": 5}

TIP_EC2_MEMORY = ("EC2 reports less usable GPU memory than the marketing figure (22,888 MiB per A10G or L4, "
                  "not 24 GB): check gpu_memory_mib_ec2 when sizing a model.")
TIP_PRICE = ("Prices here are AWS's on-demand Studio-Notebook rates for us-east-1; training, hosting and "
             "processing rates for the same type are priced separately and can differ.")
TIP_NEURON = "Neuron instances need models compiled with the AWS Neuron SDK; CUDA code does not run on them."

# family -> (category, EC2 page slug, summary, exam tips). Prose is ours; facts are from the reference
# table (instances-notes.md), the botocore enums it cites, and the AWS pages in each record's sources.
FAMILY_TEXT: dict[str, tuple[str, str, str, list[str]]] = {
    "t3": ("general_purpose", "t3", "Burstable general-purpose CPU instances for notebooks and light jobs.", [
        "ml.t3.medium is the default instance for CPU-based Studio Classic images and the usual low-cost "
        "notebook choice.",
        "No ml.t3 type is accepted for real-time or asynchronous endpoints (ProductionVariantInstanceType) "
        "or batch transform.",
        "ml.t3.micro and ml.t3.small exist only as Studio app types.",
    ]),
    "m5": ("general_purpose", "m5", "General-purpose Intel CPU instances with a 1:4 vCPU-to-GiB balance.", [
        "Memory-bound built-in algorithms such as XGBoost, LightGBM and CatBoost are documented to do better on "
        "general-purpose M5 than on compute-optimized C5.",
        "ml.m5.8xlarge and ml.m5.16xlarge are not accepted by the training, hosting, transform, processing or "
        "notebook-instance APIs.",
    ]),
    "m6i": ("general_purpose", "m6i", "Sixth-generation general-purpose Intel CPU instances (1:4 vCPU to GiB).", [
        "Every m6i size is accepted by all seven APIs (training, hosting, transform, processing, notebook, Studio, "
        "HyperPod), unlike m5, where 8xlarge and 16xlarge are Studio and HyperPod only.",
        "m6i is not in the 2026-07-03 Studio-Notebook price file, so no price is recorded here.",
    ]),
    "m7i": ("general_purpose", "m7i", "Seventh-generation general-purpose Intel CPU instances (1:4 vCPU to GiB).", [
        "m7i goes up to 48xlarge (192 vCPU, 768 GiB); m6i stops at 32xlarge (128 vCPU, 512 GiB).",
        "m7i is not in the 2026-07-03 Studio-Notebook price file, so no price is recorded here.",
    ]),
    "c5": ("compute_optimized", "c5", "Compute-optimized Intel CPU instances with a 1:2 vCPU-to-GiB ratio.", [
        "Random Cut Forest documents ml.c5.xl for inference; BlazingText text classification suggests C5 when "
        "the training data is under 2 GB.",
        "Compute-optimized is the wrong pick for memory-bound tree algorithms such as XGBoost.",
    ]),
    "c6i": ("compute_optimized", "c6i", "Sixth-generation compute-optimized Intel CPU instances (1:2).", [
        "ml.c6i.large is not accepted for training or processing jobs.",
    ]),
    "c7i": ("compute_optimized", "c7i", "Seventh-generation compute-optimized Intel CPU instances (1:2).", [
        "c7i is not in the HyperPod cluster instance list.",
    ]),
    "r5": ("memory_optimized", "r5", "Memory-optimized Intel CPU instances with a 1:8 vCPU-to-GiB ratio.", [
        "Pick memory-optimized instances when a dataset or model must sit in RAM, for example large "
        "in-memory feature processing.",
        "No ml.r5 type is accepted for batch transform (TransformInstanceType).",
    ]),
    "r6i": ("memory_optimized", "r6i", "Sixth-generation memory-optimized Intel CPU instances (1:8).", [
        "botocore 1.43 accepted ml.r6i only for endpoints, transform, notebooks, Studio and HyperPod; 1.44.8 also "
        "accepts it for training and processing jobs.",
    ]),
    "r7i": ("memory_optimized", "r7i", "Seventh-generation memory-optimized Intel CPU instances (1:8).", [
        "ml.r7i.48xlarge has 1,536 GiB of RAM; only ml.r8i.96xlarge (3,072 GiB) has more among CPU-only types.",
    ]),
    "g4dn": ("gpu_inference", "g4", "NVIDIA T4 (16 GB) GPU instances: the low-cost GPU for inference and "
             "small training.", [
        "ml.g4dn.xlarge is the default instance for GPU-based Studio Classic images.",
        "A T4 has 16 GB; g4dn.12xlarge is the only size with 4 GPUs, every other size has one.",
        "g4dn joined the HyperPod cluster instance list in botocore 1.44 (1.43.11 did not list it).",
    ]),
    "g5": ("gpu_inference", "g5", "NVIDIA A10G (24 GB) GPU instances for inference, also widely used for "
           "single-node training.", [
        "G5 serves both roles: GPU inference and cost-efficient training of small and mid-sized models "
        "(built-in GPU algorithms list P2/P3/G4dn/G5).",
        TIP_EC2_MEMORY,
        "g5.12xlarge and g5.24xlarge have 4 GPUs and g5.48xlarge has 8; the other sizes add CPU and RAM "
        "around one GPU.",
    ]),
    "g6": ("gpu_inference", "g6", "NVIDIA L4 (24 GB) GPU instances for efficient inference.", [
        "A10G (g5) and L4 (g6) both have 24 GB nominal and 22,888 MiB usable per GPU: a model that fits one "
        "fits the other by memory; the choice is about throughput and price.",
        "No published SageMaker price is recorded here for g6.",
    ]),
    "g6e": ("gpu_inference", "g6e", "NVIDIA L40S (48 GB) GPU instances for larger models at inference time.", [
        "An L40S has twice the memory of an A10G or L4 (48 GB nominal, 45,776 MiB as EC2 reports it).",
        "ml.g6e is accepted by all seven APIs in botocore 1.44.8 (1.43.11 left out batch transform and notebook "
        "instances).",
    ]),
    "p3": ("gpu_training", "p3", "NVIDIA V100 (16 GB) GPU instances, an older training generation.", [
        "p3 left the 2026-07-03 us-east-1 Studio-Notebook price file; the 2025-05-20 prices are kept as history.",
        "AWS algorithm pages still suggest ml.p3.2xlarge as a starting GPU for built-in algorithms such as "
        "BlazingText and IP Insights.",
    ]),
    "p4d": ("gpu_training", "p4", "8x NVIDIA A100 40 GB with EFA networking for large distributed training.", [
        "The Studio-Notebook price of ml.p4d.24xlarge fell by about a third between the 2025-05-20 and "
        "2026-07-03 price files.",
        "ml.p4d.24xlarge is not accepted for batch transform or processing jobs.",
    ]),
    "p4de": ("gpu_training", "p4", "8x NVIDIA A100 80 GB with EFA networking: p4d with twice the GPU memory.", [
        "p4de doubles GPU memory over p4d (640 GB against 320 GB) on the same host.",
    ]),
    "p5": ("gpu_training", "p5", "NVIDIA H100 (80 GB) GPU instances for the largest training jobs.", [
        "ml.p5.48xlarge has 8 H100s and 32 EFA interfaces; ml.p5.4xlarge has a single H100.",
        "ml.p5.4xlarge is accepted for processing jobs; ml.p5.48xlarge is not.",
    ]),
    "p5e": ("gpu_training", "p5", "8x NVIDIA H200 (141 GB) on an AMD host for very large models.", [
        "H200 memory is 141 GB per GPU (144,384 MiB as EC2 reports it).",
        "ml.p5e is not a Studio app type, a notebook instance type or a processing type.",
    ]),
    "p5en": ("gpu_training", "p5", "8x NVIDIA H200 (141 GB) on an Intel host with 16 EFA interfaces.", [
        "p5en has the same GPUs as p5e but an Intel host CPU and 16 EFA interfaces instead of 32.",
    ]),
    "inf1": ("inferentia", "inf1", "AWS Inferentia (first generation) instances for low-cost, high-throughput "
             "inference.", [
        "Inferentia is the answer for the lowest cost per inference on supported models; it cannot train.",
        "ml.inf1 is accepted only for endpoints and notebook instances (not training, transform or processing).",
        TIP_NEURON,
    ]),
    "inf2": ("inferentia", "inf2", "AWS Inferentia2 instances for low-cost inference, including large language "
             "models.", [
        "Inferentia2 has 32 GiB of device memory per chip (Inferentia had 8 GiB).",
        "ml.inf2 is accepted for endpoints, batch transform and notebook instances, not for training.",
        TIP_NEURON,
    ]),
    "trn1": ("trainium", "trn1", "AWS Trainium instances built for cost-efficient deep learning training.", [
        "Trainium is the AWS chip for training (Inferentia is for inference).",
        "ml.trn1.32xlarge has 16 Trainium chips (32 NeuronCores) and 8 EFA interfaces.",
        TIP_NEURON,
    ]),
    "trn1n": ("trainium", "trn1", "Trainium instances with twice the network bandwidth of trn1.32xlarge.", [
        "trn1n.32xlarge has the same 16 chips as trn1.32xlarge but 16 EFA interfaces (1,600 Gbps), for "
        "network-bound distributed training.",
    ]),
    "trn2": ("trainium", "trn2", "AWS Trainium2 instances for training and serving the largest models.", [
        "Trainium2 has 96 GiB of HBM per chip; ml.trn2.48xlarge has 16 chips (1,536 GiB).",
        "ml.trn2.3xlarge (one Trainium2 chip, 12 vCPU, 128 GiB) is accepted only by HyperPod.",
        "EC2's data (moto) lists 512 GiB per Trainium2 chip; AWS's Neuron documentation gives 96 GiB, used here.",
    ]),
}


SIZE_NOTES = {
    "geospatial.interactive": "A Studio app type for SageMaker geospatial capabilities; no source read gives its "
                              "vCPU, memory or accelerator, so they are left out.",
}
# Families that no FAMILY_TEXT entry describes get a summary built from their data; these add what the data
# cannot say (prose is ours; each fact has the page in the family's sources).
NEW_FAMILY_TIPS: dict[str, list[str]] = {
    "t2": ["ml.t2 types are the burstable choice for real-time endpoints, which accept no ml.t3 type."],
    "p6e-gb200": ["Only vCPU, GPU count and host memory are sourced (sagemaker-hyperpod-cli's hard-coded "
                  "table); GPU model, GPU memory and network are left out rather than guessed."],
    "dl1": ["Habana Gaudi accelerators run models through Habana's SynapseAI software, not CUDA."],
}
TIP_GRAVITON = ("Graviton (arm64) types need an ARM64 or multi-architecture container image; x86-only images "
                "do not start on them.")


def category_of(family: str) -> str:
    """The family's category, from its name (the EC2 naming convention: letter prefix = class)."""
    if family in FAMILY_TEXT:
        return FAMILY_TEXT[family][0]
    prefixes = (("geospatial", "geospatial"), ("dl", "gaudi"), ("inf", "inferentia"), ("trn", "trainium"),
                ("gr", "gpu_inference"), ("g", "gpu_inference"), ("p", "gpu_training"), ("i", "storage_optimized"),
                ("r", "memory_optimized"), ("c", "compute_optimized"), ("m", "general_purpose"),
                ("t", "general_purpose"))
    for prefix, cat in prefixes:
        if family.startswith(prefix):
            return cat
    raise ValueError(f"no category for family {family!r}")


def generation_of(family: str) -> int | None:
    m = re.search(r"\d+", family)
    return int(m.group()) if m else None


def size_key(type_name: str) -> tuple[int, str]:
    """Order sizes as AWS lists them: medium < large < xlarge < 2xlarge < ... (numeric, not alphabetical)."""
    size = type_name.split(".", 2)[2]
    if size in NAMED_SIZES:
        return NAMED_SIZES[size], size
    m = re.match(r"(\d+)xlarge$", size)
    return (NAMED_SIZES["xlarge"] + int(m.group(1)), size) if m else (99, size)


def family_key(family: str) -> tuple[int, int, str]:
    return CATEGORY_ORDER.index(category_of(family)), generation_of(family) or 0, family


# ---------------------------------------------------------------- inputs

def botocore_apis() -> tuple[str, dict[str, list[str]]]:
    """(botocore version, {ml type: [apis]}) from the installed botocore's SageMaker model."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    apis: dict[str, set[str]] = {}
    for shape, api in ENUMS.items():
        for value in model.shape_for(shape).enum:
            if value.startswith("ml."):
                apis.setdefault(value, set()).add(api)
    return botocore.__version__, {t: [a for a in API_ORDER if a in s] for t, s in apis.items()}


def load_ec2(path: Path | None) -> tuple[str, dict[str, dict[str, Any]]]:
    """(label, {ec2 type: DescribeInstanceTypes record}) from moto's json.gz, a moto wheel, or the installed moto."""
    if path is None:
        import moto

        version = metadata.version("moto")
        blob = (Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz").read_bytes()
    elif path.suffix == ".whl":
        version = path.name.split("-")[1]
        with zipfile.ZipFile(path) as whl:
            blob = whl.read(MOTO_MEMBER)
    else:
        m = re.search(r"moto[-_]?(\d+\.\d+\.\d+)", path.name)
        version = m.group(1) if m else path.name
        blob = path.read_bytes()
    data = json.loads(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)
    return f"moto {version}", data


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- one type

def _gib(mib: float) -> float | int:
    """MiB -> GiB, exact (a power-of-two division), as an int when whole."""
    gib = mib / 1024
    return int(gib) if gib.is_integer() else gib


def _network(rec: dict[str, Any]) -> dict[str, Any]:
    net = rec.get("NetworkInfo") or {}
    out: dict[str, Any] = {}
    if net.get("NetworkPerformance"):
        out["network_performance"] = net["NetworkPerformance"]
    if "EfaSupported" in net:
        out["efa_supported"] = bool(net["EfaSupported"])
    if (net.get("EfaInfo") or {}).get("MaximumEfaInterfaces") is not None:
        out["efa_max_interfaces"] = net["EfaInfo"]["MaximumEfaInterfaces"]
    return out


def from_ec2(rec: dict[str, Any], neuron: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Spec fields of one EC2 record, and notes on any correction made."""
    notes: list[str] = []
    proc = rec.get("ProcessorInfo") or {}
    archs = proc.get("SupportedArchitectures") or []
    out: dict[str, Any] = {
        "vcpu": rec["VCpuInfo"]["DefaultVCpus"],
        "memory_gib": _gib(rec["MemoryInfo"]["SizeInMiB"]),
        "architecture": "arm64" if "arm64" in archs else "x86_64",
        "processor": PROCESSOR.get(str(proc.get("Manufacturer", "")).lower(), proc.get("Manufacturer")),
        "gpus": 0,
    }
    gpus = (rec.get("GpuInfo") or {}).get("Gpus") or []
    devices = (rec.get("NeuronInfo") or {}).get("NeuronDevices") or []
    if gpus and gpus[0].get("Manufacturer") == "NVIDIA":
        g = gpus[0]
        count = sum(x["Count"] for x in gpus)
        total = rec["GpuInfo"].get("TotalGpuMemoryInMiB") or g["MemoryInfo"]["SizeInMiB"] * count
        out.update(gpus=count, gpu_model=f"NVIDIA {g['Name']}", gpu_memory_gib=_gib(total),
                   gpu_memory_mib_ec2=total, accelerator_maker="NVIDIA")
    elif gpus:  # Habana Gaudi is listed by EC2 under GpuInfo; it is not a CUDA GPU
        g = gpus[0]
        count = sum(x["Count"] for x in gpus)
        out.update(accelerators=count, accelerator_maker=g["Manufacturer"],
                   accelerator_model=f"{g['Manufacturer']} {g['Name']}",
                   accelerator_memory_gib=_gib(g["MemoryInfo"]["SizeInMiB"] * count))
    elif devices:
        d = devices[0]
        count = sum(x["Count"] for x in devices)
        per_gib = d["MemoryInfo"]["SizeInMiB"] / 1024
        fix = neuron.get(d["Name"])
        if fix and fix["gib_per_chip"] != per_gib:
            notes.append(f"EC2 data gives {per_gib:g} GiB per {d['Name']} chip; AWS Neuron docs give "
                         f"{fix['gib_per_chip']} GiB ({fix['source']}), used here")
            per_gib = fix["gib_per_chip"]
        out.update(accelerators=count, accelerator_maker="AWS", accelerator_model=f"AWS {d['Name']}",
                   accelerator_memory_gib=_gib(per_gib * count * 1024),
                   neuron_cores=count * d["CoreInfo"]["Count"])
    out.update(_network(rec))
    return out, notes


def build_size(type_name: str, apis: list[str], ec2: list[tuple[str, dict[str, dict[str, Any]]]],
               neuron: dict[str, Any], hyperpod: dict[str, Any], prices: dict[str, Any]) -> dict[str, Any]:
    """One InstanceSize dict; a spec no source gives stays absent."""
    out: dict[str, Any] = {"type": type_name}
    name = type_name.removeprefix("ml.")
    notes: list[str] = []
    for label, table in ec2:
        if name in table:
            spec, notes = from_ec2(table[name], neuron)
            out.update(spec)
            out["source"] = f"{label} EC2 data"
            break
    else:
        hp = hyperpod["types"].get(type_name)
        if hp:
            out.update({k: hp[k] for k in ("vcpu", "memory_gib", "gpus")})
            out["source"] = hyperpod["source"]
            notes.append("no EC2 DescribeInstanceTypes copy read holds this type; vCPU, memory and GPU count "
                         "come from sagemaker-hyperpod-cli's table, GPU model, GPU memory, processor and "
                         "network are not given by any source read")
        else:
            out["gpus"] = 0
            out["source"] = "botocore enum only"
    if SIZE_NOTES.get(name):
        notes.append(SIZE_NOTES[name])
    out["apis"] = apis
    price = prices["prices"].get(type_name)
    if price is not None:
        out["price"] = _price(price, prices, prices["published"])
    old = prices["history"]["prices"].get(type_name)
    if old is not None:
        out["price_history"] = [_price(old, prices, prices["history"]["published"])]
    if notes:
        out["note"] = "; ".join(n.rstrip(".") for n in notes) + "."
    return out


def _price(usd: float, prices: dict[str, Any], published: str) -> dict[str, Any]:
    return {"usd_per_hour": usd, "region": prices["region"], "component": prices["component"],
            "published": published, "source": prices["source"]}


# ---------------------------------------------------------------- one family

def _range(values: list[Any]) -> str:
    vals = sorted({v for v in values if v is not None})
    if not vals:
        return "?"
    fmt = [f"{v:g}" for v in (vals[0], vals[-1])]
    return fmt[0] if vals[0] == vals[-1] else f"{fmt[0]}-{fmt[1]}"


def _summary(family: str, category: str, sizes: list[dict[str, Any]]) -> str:
    """A one-line summary made from the data, for families without hand-written prose."""
    s0 = max(sizes, key=lambda s: s.get("vcpu") or 0)
    if category == "geospatial":
        return "Studio instance for SageMaker geospatial capabilities; no source gives its specs."
    if s0.get("gpus") and s0.get("gpu_model"):
        per = s0["gpu_memory_mib_ec2"] / s0["gpus"]
        count = _range([s.get("gpus") for s in sizes])
        return (f"{s0['gpu_model']} GPU instances ({count} GPU{'' if count == '1' else 's'}, "
                f"{per:,.0f} MiB each as EC2 reports it).")
    if s0.get("gpus"):
        return f"GPU instances ({_range([s.get('gpus') for s in sizes])} GPUs); GPU model and memory unsourced."
    if s0.get("accelerator_model"):
        return f"{s0['accelerator_model']} accelerator instances ({_range([s.get('accelerators') for s in sizes])} " \
               "per instance)."
    ratios = {s["memory_gib"] / s["vcpu"] for s in sizes if s.get("vcpu") and s.get("memory_gib")}
    ratio = f", 1:{ratios.pop():g} vCPU to GiB" if len(ratios) == 1 else ""
    arch = "(arm64)" if s0.get("architecture") == "arm64" else ""
    flex = "; flex sizes" if family.endswith("-flex") else ""
    maker = f"{s0['processor']} " if s0.get("processor") else ""
    return f"{CATEGORY_LABEL[category]} {maker}{arch.strip()} CPU instances{ratio}{flex}.".replace("  ", " ")


def _one(values: list[Any]) -> Any:
    vals = [v for v in values if v is not None]
    return vals[0] if vals and len(set(vals)) == 1 else None


def build_family(family: str, sizes: list[dict[str, Any]]) -> dict[str, Any]:
    """One InstanceFamily record."""
    category = category_of(family)
    if family in FAMILY_TEXT:
        _, slug, summary, tips = FAMILY_TEXT[family]
        ec2_page = EC2_TYPES.format(slug)
    else:
        summary, tips, ec2_page = _summary(family, category, sizes), list(NEW_FAMILY_TIPS.get(family, [])), EC2_INDEX
    apis = {a for s in sizes for a in s["apis"]}
    arch = _one([s.get("architecture") for s in sizes])
    processor = _one([s.get("processor") for s in sizes]) or "unknown"
    api_page = (TRAINING_API_PAGE if "training" in apis else HOSTING_API_PAGE if "hosting" in apis
                else STUDIO_API_PAGE if apis & {"studio", "notebook"} else HYPERPOD_API_PAGE)
    sources = ([STUDIO_TYPES_PAGE] if apis & {"studio", "notebook"} else []) + [api_page]
    if arch == "arm64":
        sources.append(GRAVITON_PAGE)
        tips = [*tips, TIP_GRAVITON]
    sources += [PRICING_PAGE, ec2_page]
    priced = any("price" in s or "price_history" in s for s in sizes)
    if priced:
        sources.append(sizes[0].get("price", {}).get("source") or PRICE_FILE_URL)
        tips = [*tips, TIP_PRICE]
    accelerator = _one([s.get("gpu_model") or s.get("accelerator_model") for s in sizes])
    rec: dict[str, Any] = {
        "id": f"ml.{family}",
        "name": f"ml.{family}" + (f" ({accelerator})" if accelerator else ""),
        "summary": summary,
        "category": category,
        "generation": generation_of(family) if family != "geospatial" else None,
        "processor": processor,
        "architecture": arch,
    }
    if arch == "arm64":
        rec["graviton"] = True
    if accelerator:
        rec["accelerator"] = accelerator
    if family in ("t2", "t3"):
        rec["burstable"] = True
    rec["sizes"] = sizes
    rec["exam_tips"] = tips
    rec["tags"] = [category.replace("_", " ")] + ([accelerator.lower()] if accelerator else []) + \
        (["graviton", "arm64"] if arch == "arm64" else []) + \
        (["efa"] if any(s.get("efa_supported") for s in sizes) else [])
    rec["sources"] = sources
    return {k: v for k, v in rec.items() if v is not None}


PRICE_FILE_URL = ("https://b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/sagemaker/USD/current/"
                  "sagemaker-instances-studionotebook.json")


# ---------------------------------------------------------------- cross-check

def crosscheck(sizes: list[dict[str, Any]], karpenter: dict[str, Any]) -> list[str]:
    """Disagreements between the catalog and Karpenter's numbers (types both hold)."""
    problems = []
    for s in sizes:
        k = karpenter["types"].get(s["type"].removeprefix("ml."))
        if not k:
            continue
        pairs = [("vcpu", s.get("vcpu"), k.get("cpu")),
                 ("memory MiB", round((s.get("memory_gib") or 0) * 1024) or None, k.get("memory_mib")),
                 ("GPUs", s.get("gpus") or (s.get("accelerators") if s.get("accelerator_maker") == "Habana" else 0),
                  k.get("gpu_count", 0)),
                 ("MiB per GPU", s["gpu_memory_mib_ec2"] // s["gpus"] if s.get("gpu_memory_mib_ec2") else None,
                  k.get("gpu_memory_mib")),
                 ("Neuron chips", s.get("accelerators") if s.get("accelerator_maker") == "AWS" else None,
                  k.get("accelerator_count")),
                 ("NeuronCores", s.get("neuron_cores"), k.get("neuron_cores")),
                 ("EFA interfaces", s.get("efa_max_interfaces"), k.get("efa"))]
        for what, ours, theirs in pairs:
            if ours is not None and theirs is not None and ours != theirs:
                problems.append(f"{s['type']}: {what} {ours} here, {theirs} in Karpenter's reference")
    return problems


def extract_karpenter(doc: Path, commit: str, day: str | None, wanted: set[str],
                      previous: dict[str, Any] | None) -> dict[str, Any]:
    """The numbers the cross-check needs from Karpenter's instance-types.md, for the types SageMaker accepts."""
    labels = {"karpenter.k8s.aws/instance-cpu": "cpu", "karpenter.k8s.aws/instance-memory": "memory_mib",
              "karpenter.k8s.aws/instance-gpu-count": "gpu_count", "karpenter.k8s.aws/instance-gpu-memory":
              "gpu_memory_mib", "karpenter.k8s.aws/instance-gpu-name": "gpu_name",
              "karpenter.k8s.aws/instance-accelerator-count": "accelerator_count",
              "karpenter.k8s.aws/instance-accelerator-name": "accelerator_name",
              "kubernetes.io/arch": "arch", "vpc.amazonaws.com/efa": "efa",
              "aws.amazon.com/neuroncore": "neuron_cores"}
    types: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^### `([^`]+)`", line)
        if m:
            current = types.setdefault(m.group(1), {}) if m.group(1) in wanted else None
            continue
        m = re.match(r"^\s*\|([^|]+)\|([^|]+)\|\s*$", line)
        if current is not None and m and m.group(1).strip() in labels:
            value = m.group(2).strip()
            current[labels[m.group(1).strip()]] = int(value) if value.isdigit() else value
    out = previous or {"source": "aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md "
                                 "(Apache-2.0), generated from EC2 DescribeInstanceTypes", "commits": [],
                       "types": {}}
    out["commits"].append({"commit": commit, "date": day, "types": len(types)})
    for name, vals in types.items():
        out["types"].setdefault(name, vals)
    out["types"] = dict(sorted(out["types"].items()))
    return out


# ---------------------------------------------------------------- output

def render(records: list[dict[str, Any]], header: list[str]) -> str:
    """The YAML text of content/instances.yaml (stable key order, no aliases)."""

    class _NoAlias(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = yaml.dump(records, Dumper=_NoAlias, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)
    return "".join(f"# {line}\n" for line in header) + body


def save_extra(ec2: list[tuple[str, dict[str, dict[str, Any]]]], apis: dict[str, list[str]]) -> list[Path]:
    """Keep, under scripts/data/, the records an older data set supplies that the first one lacks."""
    written = []
    first = ec2[0][1]
    for label, table in ec2[1:]:
        used = {t: table[t] for t in sorted(a.removeprefix("ml.") for a in apis) if t in table and t not in first}
        path = DATA / f"{label.replace(' ', '-')}-instance-types.json"
        _write(path, json.dumps(used, indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written


def generate(ec2_paths: list[Path | None], keep_extra: bool = False) -> tuple[str, list[str], dict[str, int]]:
    """(YAML text, cross-check disagreements, counts)."""
    boto_version, apis = botocore_apis()
    ec2 = [load_ec2(p) for p in ec2_paths]
    if keep_extra:
        for path in save_extra(ec2, apis):
            print(f"wrote {path}")
    neuron, hyperpod, prices = _read_yaml(NEURON), _read_yaml(HYPERPOD), _read_yaml(PRICES)
    karpenter = json.loads(KARPENTER.read_text(encoding="utf-8"))
    by_family: dict[str, list[dict[str, Any]]] = {}
    for type_name in sorted(apis, key=size_key):
        by_family.setdefault(type_name.split(".")[1], []).append(
            build_size(type_name, apis[type_name], ec2, neuron, hyperpod, prices))
    records = [build_family(f, by_family[f]) for f in sorted(by_family, key=family_key)]
    for rec in records:  # relate a family to the others of its category on the same processor architecture
        rec["related"] = [o["id"] for o in records if o["category"] == rec["category"] and o is not rec
                          and o.get("architecture") == rec.get("architecture")]
        rec["sources"] = rec.pop("sources")
    sizes = [s for rec in records for s in rec["sizes"]]
    disagreements = crosscheck(sizes, karpenter)
    used = {s["source"].removesuffix(" EC2 data") for s in sizes}
    counts = {"families": len(records), "types": len(sizes)}
    for label, _ in ec2:
        counts[label] = sum(1 for s in sizes if s["source"].startswith(label + " "))
    counts["other"] = counts["types"] - sum(counts[label] for label, _ in ec2)
    k_commits = ", ".join(f"{c['commit'][:8]} ({c['date']})" for c in karpenter["commits"])
    header = [
        "GENERATED by scripts/import_instances.py: do not edit by hand.",
        f"Types: every ml.* value of the SageMaker instance-type enums in botocore {boto_version} "
        f"({counts['types']} types, {counts['families']} families).",
        "Specs ('moto X EC2 data': EC2 DescribeInstanceTypes as moto X ships it in instance_types.json.gz): "
        + "; ".join(f"{label}: {counts[label]} types" for label, _ in ec2 if label in used)
        + f"; other sources: {counts['other']} (see each type's source and note).",
        f"Neuron device memory: {NEURON.relative_to(REPO)}; types no EC2 copy holds: {HYPERPOD.relative_to(REPO)}.",
        f"Prices: {prices['component']} component, {prices['region']}, published {prices['published']} "
        f"({PRICES.relative_to(REPO)}); absent where AWS published none.",
        f"Cross-check: Karpenter instance-types reference at {k_commits}: "
        + (f"{len(disagreements)} disagreement(s):" if disagreements else "no disagreement."),
        *(f"  {d}" for d in disagreements),
    ]
    return render(records, header), disagreements, counts


def main(argv: list[str] | None = None) -> int:
    """Generate content/instances.yaml, or extract Karpenter's numbers into scripts/data/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ec2", type=Path, default=None,
                        help="moto's instance_types.json.gz (default: the installed moto's)")
    parser.add_argument("--extra", type=Path, action="append", default=None,
                        help="an older moto wheel, json.gz or json for types the first source lacks (repeatable; "
                             f"default: {DEFAULT_EXTRA.relative_to(REPO)})")
    parser.add_argument("--save-extra", action="store_true",
                        help="write the records taken from each --extra source to scripts/data/")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--extract-karpenter", type=Path, default=None, metavar="DOC_MD")
    parser.add_argument("--commit", default=None)
    parser.add_argument("--date", default=None)
    parser.add_argument("--add", action="store_true", help="add to the existing extracted table")
    args = parser.parse_args(argv)
    if args.extract_karpenter:
        _, apis = botocore_apis()
        previous = json.loads(KARPENTER.read_text(encoding="utf-8")) if args.add and KARPENTER.exists() else None
        table = extract_karpenter(args.extract_karpenter, args.commit or "unknown", args.date,
                                  {t.removeprefix("ml.") for t in apis}, previous)
        _write(KARPENTER, _compact_json(table))
        print(f"wrote {KARPENTER} ({len(table['types'])} types)")
        return 0
    text, disagreements, counts = generate([args.ec2, *(args.extra or [DEFAULT_EXTRA])], args.save_extra)
    _write(args.output, text)
    for line in disagreements:
        print(f"cross-check: {line}", file=sys.stderr)
    print(f"wrote {args.output} ({counts['families']} families, {counts['types']} types)")
    return 0


def _compact_json(table: dict[str, Any]) -> str:
    """JSON with one type per line (small diffs, easy to grep)."""
    head = {k: v for k, v in table.items() if k != "types"}
    rows = [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in table["types"].items()]
    return json.dumps(head, indent=1)[:-2] + ',\n "types": {\n' + ",\n".join(rows) + "\n }\n}\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
