"""Convert the shared instance reference table into content/instances.yaml (InstanceFamily records).

Usage: python scripts/import_instances.py [REFERENCE_YAML] [-o OUTPUT]
Defaults: shared/reference/instances.yaml in the nearest folder above the repository that has one
(../shared for a clone, ../../shared for a worktree under wt/), and content/instances.yaml.

Numbers (vCPU, memory, GPUs, Neuron chips, EFA, API enums, prices) come only from the reference file;
a null there stays absent here. The prose (summary, exam tips, category) lives in FAMILY_TEXT below.
The output is deterministic: the same input always gives byte-identical YAML.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
REFERENCE_REL = Path("shared") / "reference" / "instances.yaml"
DEFAULT_OUTPUT = REPO / "content" / "instances.yaml"

PRICE_FILE_URL = (
    "https://b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/sagemaker/USD/current/"
    "sagemaker-instances-studionotebook.json"
)
PRICE_REGION = "us-east-1"
PRICING_PAGE = "https://aws.amazon.com/sagemaker/pricing/"
STUDIO_TYPES_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html"
TRAINING_API_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html"
HOSTING_API_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html"
EC2_TYPES = "https://aws.amazon.com/ec2/instance-types/{}/"

# botocore enum list -> the schema's Api literal, in the order the table shows them
API_MAP = {
    "training": "training",
    "hosting": "hosting",
    "transform": "transform",
    "processing": "processing",
    "notebook_instance": "notebook",
    "studio_app": "studio",
    "hyperpod_cluster": "hyperpod",
}
API_ORDER = list(API_MAP.values())
PROCESSOR = {"intel": "Intel", "amd": "AMD", "aws": "AWS Graviton"}

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
        "ml.r6i types are not accepted for training or processing jobs; they serve endpoints, transform and notebooks.",
    ]),
    "r7i": ("memory_optimized", "r7i", "Seventh-generation memory-optimized Intel CPU instances (1:8).", [
        "ml.r7i.48xlarge has 1,536 GiB of RAM, the most of any CPU-only type in this table.",
        "Unlike r6i, r7i is accepted for training and processing jobs.",
    ]),
    "g4dn": ("gpu_inference", "g4", "NVIDIA T4 (16 GB) GPU instances: the low-cost GPU for inference and "
             "small training.", [
        "ml.g4dn.xlarge is the default instance for GPU-based Studio Classic images.",
        "A T4 has 16 GB; g4dn.12xlarge is the only size with 4 GPUs, every other size has one.",
        "g4dn is not in the HyperPod cluster instance list.",
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
        "ml.g6e types are not accepted for batch transform or notebook instances.",
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
        "ml.trn2.3xlarge is accepted only by HyperPod; its vCPU, memory and chip count are not verified here.",
    ]),
}

SIZE_NOTES = {
    "trn2.3xlarge": "Listed only in the HyperPod ClusterInstanceType enum; vCPU, memory and chip count were "
                    "not found in any source read, so they are left out.",
}


def _published(text: str) -> str:
    """The ISO date in a price_source string such as 'P26 (..., published 2026-07-03)'."""
    m = re.search(r"published (\d{4}-\d{2}-\d{2})", text or "")
    if not m:
        raise ValueError(f"price without a publication date: {text!r}")
    return m.group(1)


def _component(text: str) -> str:
    """The pricing component named in a price_source string ('Studio-Notebook component')."""
    m = re.search(r"\(([\w-]+) component", text or "")
    if not m:
        raise ValueError(f"price without a pricing component: {text!r}")
    return m.group(1)


def _price(usd: float, component: str, published: str) -> dict[str, Any]:
    return {"usd_per_hour": usd, "region": PRICE_REGION, "component": component, "published": published,
            "source": PRICE_FILE_URL}


def convert_size(family: str, size: str, ref: dict[str, Any]) -> dict[str, Any]:
    """One reference size -> an InstanceSize dict; nulls are dropped, never filled in."""
    out: dict[str, Any] = {"type": f"ml.{family}.{size}"}
    for key in ("vcpu", "memory_gib"):
        if ref.get(key) is not None:
            out[key] = ref[key]
    out["gpus"] = ref.get("gpus") or 0
    if out["gpus"]:
        for key in ("gpu_model", "gpu_memory_gib", "gpu_memory_mib_ec2"):
            if ref.get(key) is not None:
                out[key] = ref[key]
    if ref.get("neuron_cores") is not None or ref.get("accelerator_count") is not None or \
            (ref.get("accelerator") or "").startswith("AWS "):
        if ref.get("accelerator_count") is not None:
            out["accelerators"] = ref["accelerator_count"]
        else:
            out["accelerators"] = None  # a Neuron type whose chip count no source gives
        out["accelerator_model"] = ref["accelerator"]
        if ref.get("accelerator_memory_gib") is not None:
            out["accelerator_memory_gib"] = ref["accelerator_memory_gib"]
        if ref.get("neuron_cores") is not None:
            out["neuron_cores"] = ref["neuron_cores"]
    if ref.get("efa_interfaces") is not None:
        out["efa_interfaces"] = ref["efa_interfaces"]
    apis = {API_MAP[a] for a in ref.get("api_enums") or []}
    out["apis"] = [a for a in API_ORDER if a in apis]
    if ref.get("price_usd_hr") is not None:
        src = ref.get("price_source") or ""
        out["price"] = _price(ref["price_usd_hr"], _component(src), _published(src))
    history = []
    for key in sorted(k for k in ref if k.startswith("price_usd_hr_")):
        if ref[key] is None:
            continue
        day = key.removeprefix("price_usd_hr_").replace("_", "-")
        history.append(_price(ref[key], "Studio-Notebook", day))
    if history:
        out["price_history"] = history
    note = SIZE_NOTES.get(f"{family}.{size}")
    if note:
        out["note"] = note
    return out


def convert_family(family: str, ref: dict[str, Any]) -> dict[str, Any]:
    """One reference family -> an InstanceFamily record."""
    if family not in FAMILY_TEXT:
        raise ValueError(f"no category/summary written for family {family!r}: add it to FAMILY_TEXT")
    category, ec2_slug, summary, tips = FAMILY_TEXT[family]
    sizes = [convert_size(family, size, data) for size, data in ref["sizes"].items()]
    trains = any("training" in s["apis"] for s in sizes)
    on_studio = any({"studio", "notebook"} & set(s["apis"]) for s in sizes)
    sources = ([STUDIO_TYPES_PAGE] if on_studio else []) + [
        TRAINING_API_PAGE if trains else HOSTING_API_PAGE, PRICING_PAGE, EC2_TYPES.format(ec2_slug)]
    if any("price" in s or "price_history" in s for s in sizes):
        sources.append(PRICE_FILE_URL)
    accelerator = ref.get("accelerator")
    rec: dict[str, Any] = {
        "id": f"ml.{family}",
        "name": f"ml.{family}" + (f" ({accelerator})" if accelerator else ""),
        "summary": summary,
        "category": category,
        "generation": ref.get("generation"),
        "processor": PROCESSOR.get(ref.get("processor"), ref.get("processor") or "unknown"),
    }
    if ref.get("processor") == "aws":
        rec["graviton"] = True
    if accelerator:
        rec["accelerator"] = accelerator
    if family == "t3":
        rec["burstable"] = True
    rec["sizes"] = sizes
    rec["exam_tips"] = list(tips) + ([TIP_PRICE] if PRICE_FILE_URL in sources else [])
    rec["tags"] = [category.replace("_", " ")] + ([accelerator.lower()] if accelerator else [])
    rec["sources"] = sources
    return {k: v for k, v in rec.items() if v is not None}


def convert(reference: dict[str, Any]) -> list[dict[str, Any]]:
    """Every family of the reference table, in its order."""
    records = [convert_family(name, fam) for name, fam in reference["families"].items()]
    for rec in records:  # relate each family to the others of its category, in table order
        rec["related"] = [o["id"] for o in records if o["category"] == rec["category"] and o is not rec]
        rec["sources"] = rec.pop("sources")  # keep sources last, as in the hand-written files
    return records


HEADER = (
    "# GENERATED by scripts/import_instances.py from shared/reference/instances.yaml: do not edit by hand.\n"
    "# Prices: AWS price file for the Studio-Notebook component, us-east-1; absent where AWS published none.\n"
)


def render(records: list[dict[str, Any]]) -> str:
    """The YAML text of content/instances.yaml (stable key order, no aliases)."""

    class _NoAlias(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = yaml.dump(records, Dumper=_NoAlias, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)
    return HEADER + body


def default_reference() -> Path:
    """shared/reference/instances.yaml in the closest parent folder of the repository that has it."""
    for parent in REPO.parents:
        if (parent / REFERENCE_REL).is_file():
            return parent / REFERENCE_REL
    return REPO.parent / REFERENCE_REL


def main(argv: list[str] | None = None) -> int:
    """Read the reference table and write content/instances.yaml."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", nargs="?", type=Path, default=None)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    args.reference = args.reference or default_reference()
    if not args.reference.is_file():
        print(f"reference table not found: {args.reference}", file=sys.stderr)
        return 1
    reference = yaml.safe_load(args.reference.read_text(encoding="utf-8"))
    text = render(convert(reference))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(f".{args.output.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    n = sum(len(f["sizes"]) for f in reference["families"].values())
    print(f"wrote {args.output} ({len(reference['families'])} families, {n} sizes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
