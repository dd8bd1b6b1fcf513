"""Recommend an instance type: accepted by the workload's API, sized for the model, following algorithm advice.

Specs, API acceptance and prices come from content/instances.yaml, per-algorithm advice from
content/algorithms.yaml, and memory multipliers from content/sizing_rules.yaml. Scores never depend on
the model size except through fit (eligibility and instance count), so a bigger model can never move
the choice to less accelerator memory.
"""

from __future__ import annotations

import math
from typing import Any

from sagecli.errors import UsageError
from sagecli.recommend.advice import Advice, advice_for, matches
from sagecli.recommend.kbfacts import fmt, limit
from sagecli.recommend.ranking import Candidate, Decision
from sagecli.recommend.rules import apply_rules
from sagecli.recommend.sizing import RULES, KvShape, memory_need

API_OF = {"training": "training", "inference": "hosting", "transform": "transform",
          "processing": "processing", "notebook": "notebook"}
API_PAGE = {
    "training": "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html",
    "hosting": "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html",
    "transform": "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformResources.html",
    "processing": "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingClusterConfig.html",
    "notebook": "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateNotebookInstance.html",
}
DL_FRAMEWORKS = ("pytorch", "tensorflow", "huggingface")
LMI = "https://docs.djl.ai/docs/serving/serving/docs/lmi/deployment_guide/instance-type-selection.html"
GRAVITON = "https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-graviton.html"
TRAINIUM = "https://docs.aws.amazon.com/sagemaker/latest/dg/distributed-training.html"
INFERENTIA = "https://docs.aws.amazon.com/sagemaker/latest/dg/deploy-model.html"
EFA = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html"
SPARK = "https://docs.aws.amazon.com/sagemaker/latest/dg/use-spark-processing-container.html"
KV_WORKLOADS = ("inference", "transform")
# Pre-Ampere NVIDIA GPUs: AWS's LMI guide prefers A-series (A10G, A100) or newer over these for large models.
# Matched on the GPU model, not the family's number (p4d's A100 is newer than g5's A10G despite the 4).
OLDER_GPUS = ("T4", "V100", "K80", "M60")
# The SageMaker pricing component that bills each workload (how AWS's price list names it).
WORKLOAD_COMPONENTS = {"notebook": ("Studio-Notebook", "Notebook"), "training": ("Training",),
                       "inference": ("Hosting", "Real-Time-Inference"), "transform": ("Batch-Transform",),
                       "processing": ("Processing",)}
COST_WEIGHT = {"cost": 1.0, "latency": 0.4, "throughput": 0.3, "sustainability": 0.6, None: 0.6}


def kind_of(size: dict[str, Any]) -> str:
    """cpu, gpu (NVIDIA), neuron (Inferentia/Trainium) or gaudi (Habana)."""
    if size.get("gpus"):
        return "gpu"
    if size.get("accelerators"):
        maker = size.get("accelerator_maker") or str(size.get("accelerator_model") or "").split(" ")[0]
        return "neuron" if maker == "AWS" else "gaudi"
    return "cpu"


def accel_gib(size: dict[str, Any]) -> float:
    """Total accelerator memory of one instance in GiB (EC2-reported MiB preferred for GPUs)."""
    if size.get("gpus"):
        if size.get("gpu_memory_mib_ec2"):
            return size["gpu_memory_mib_ec2"] / 2**10  # MiB -> GiB
        return float(size.get("gpu_memory_gib") or 0)
    return float(size.get("accelerator_memory_gib") or 0)


def _cost_weights(kb: Any) -> tuple[float, float, float]:
    """The documented cost proxy's weights per vCPU, GiB of memory and GiB of accelerator memory."""
    return tuple(limit(kb, RULES, f"cost_weight_{k}")[0] for k in ("vcpu", "memory_gib", "accelerator_gib"))


def _cost_units(kb: Any, size: dict[str, Any], weights: tuple[float, float, float] | None = None) -> float:
    wv, wm, wa = weights or _cost_weights(kb)
    return max(1e-3, (size.get("vcpu") or 1) * wv + (size.get("memory_gib") or 1) * wm + accel_gib(size) * wa)


def _want_accelerator(f: dict[str, Any], adv: Advice) -> tuple[bool | None, str]:
    """True (required), False (ruled out) or None (either), with why."""
    if f.get("gpu") is not None:
        return f["gpu"], "--gpu" if f["gpu"] else "--no-gpu"
    data, cap = f.get("dataset_gb"), adv.cpu_data_limit_gb
    if cap is not None and data is not None:
        if data > cap:
            return True, f"{adv.name} {adv.mode}: {fmt(data)} GB of training data is over {fmt(cap)} GB, " \
                         "so the documentation recommends one GPU instance"
        return False, f"{adv.name} {adv.mode}: {fmt(data)} GB of training data is at most {fmt(cap)} GB, " \
                      "so the documentation recommends C5 (CPU) instances"
    if adv.cpu is False:
        return True, f"{adv.name} runs on GPU only"
    if adv.gpu is False:
        return False, f"{adv.name} runs on CPU only"
    if f.get("params_b") is not None and f["workload"] in ("training", "inference", "transform"):
        return True, "a model sized in parameters runs on accelerators (pass --no-gpu to size for CPU)"
    if adv.builtin:
        return None, f"{adv.name} runs on CPU or GPU"
    if f.get("framework") in DL_FRAMEWORKS and f["workload"] == "training":
        return True, "deep-learning training runs on accelerators (pass --no-gpu for CPU)"
    if f.get("framework") in ("sklearn", "xgboost") or f["workload"] in ("processing", "notebook"):
        return None, "CPU is the usual choice here"
    return None, "either CPU or accelerators"


def _kind_rules(c: Candidate, kind: str, f: dict[str, Any], adv: Advice, want: bool | None) -> None:
    """CPU vs GPU vs Neuron: the algorithm's advice, the framework and the workload."""
    workload = f["workload"]
    if adv.builtin and adv.gpu is False and kind != "cpu":
        c.exclude(f"{adv.name} does not run on {kind.upper()} instances for {workload}", adv.source)
    if adv.builtin and adv.cpu is False and kind == "cpu":
        c.exclude(f"{adv.name} needs a GPU for {workload}", adv.source)
    if want is True and kind == "cpu":
        c.exclude("no accelerator; accelerators are required here")
    elif want is False and kind != "cpu":
        c.exclude(f"{kind.upper()} instance; CPU is required here")
    elif want is None and kind != "cpu":
        prefers_cpu = f.get("framework") in ("sklearn", "xgboost") or workload in ("processing", "notebook") \
            or (adv.builtin and adv.cpu and (adv.memory_bound or not adv.recommends_gpu))
        if prefers_cpu:
            c.adjust(-1.0, "CPU is enough here; accelerators add cost")
        elif f.get("framework") in DL_FRAMEWORKS and workload in ("inference", "transform"):
            c.adjust(2.0, "deep-learning inference: accelerators serve far more requests per dollar than CPUs")
    elif want is None and kind == "cpu" and adv.recommends_only_gpu:
        c.adjust(-1.5, f"{adv.name}'s documentation recommends GPU instances for {workload}", adv.source)
    if kind == "gaudi":
        c.exclude("Habana Gaudi runs models through Habana's SynapseAI software, not CUDA; no documented rule "
                  "here recommends it")
    if kind == "neuron":
        if adv.builtin:
            c.exclude("built-in algorithm containers run on CPU or GPU, not Neuron devices")
        elif f.get("framework") in ("sklearn", "xgboost", "tensorflow") and workload == "training":
            c.exclude("Trainium training on SageMaker supports PyTorch only", TRAINIUM)
        elif f.get("framework") in ("sklearn", "xgboost"):
            c.exclude("Neuron devices run compiled deep-learning models only")
        else:  # whether the model compiles for Neuron is a need (content/rules/instance.yaml decides)
            if f.get("priority") in ("cost", "sustainability"):
                c.adjust(2.0, "Inferentia/Trainium: lowest cost and energy per inference or training step",
                         INFERENTIA)


def _family_rules(c: Candidate, fam: dict[str, Any], size: dict[str, Any], kind: str, f: dict[str, Any]) -> None:
    """Graviton, burstable, family category, GPU generation and sparse data."""
    workload = f["workload"]
    # without --arm, content/rules/instance.yaml (instance-graviton-needs-arm-image) rules Graviton out
    arm = fam.get("graviton") or size.get("architecture") == "arm64"
    if arm and f.get("arm"):
        c.note("Graviton (arm64): runs your ARM64 image", GRAVITON)
        if f.get("priority") == "sustainability":
            c.adjust(0.7, "Graviton uses less energy for the same work", GRAVITON)
    if fam.get("burstable"):
        if workload == "notebook":
            c.adjust(1.0, "burstable types suit interactive notebooks (Studio defaults to ml.t3.medium)",
                      "https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html")
        else:
            c.adjust(-1.5, "burstable CPU credits run out under sustained load (our policy, not an AWS rule)")
    cat = fam.get("category", "")
    if fam["id"] == "ml.inf1":
        c.note("Inf1 models are compiled with SageMaker Neo", INFERENTIA)
    if cat == "trainium" and workload != "training":
        c.adjust(-0.8, "Trainium is built for training; Inferentia is the inference chip", TRAINIUM)
    if kind == "gpu" and workload == "training" and cat == "gpu_training":
        c.adjust(0.3, "a GPU family built for training")
    if kind == "gpu" and workload in ("inference", "transform") and cat == "gpu_inference":
        c.adjust(0.3, "a GPU family built for inference")
    if kind == "gpu" and (f.get("params_b") is not None or f.get("framework") in DL_FRAMEWORKS):
        gpu_model = str(size.get("gpu_model") or fam.get("accelerator") or "")
        older = next((g for g in OLDER_GPUS if gpu_model.split()[-1:] == [g]), None)
    else:
        older = None
    if older:
        c.adjust(-1.0, f"older GPU ({older}): for deep-learning models AWS's LMI guide prefers A-series GPUs "
                       "(A10G, A100) or newer", LMI)
    if f.get("sparse") and kind != "cpu":
        c.adjust(-1.0, "sparse data gains little from GPUs (Factorization Machines uses GPUs only for dense data)",
                 "https://docs.aws.amazon.com/sagemaker/latest/dg/fact-machines.html")
    c.raw += 0.05 * (fam.get("generation") or 0)  # newer generations: better price-performance (no reason shown)


def fp8_models(kb: Any) -> tuple[tuple[str, ...], str | None]:
    """GPU models with FP8 tensor cores (content/sizing_rules.yaml) and the page behind the list."""
    value, src = limit(kb, RULES, "fp8_gpu_models")
    return tuple(m.strip() for m in str(value).split(",")), src


def _fp8_rule(c: Candidate, size: dict[str, Any], models: tuple[str, ...], src: str | None) -> None:
    """fp8 weights run only on GPUs with FP8 tensor cores; nothing else here is documented for fp8."""
    name = gpu_short_name(size)
    if name in models:
        c.note(f"fp8: the {name} has FP8 tensor cores", src)
    elif name:
        c.exclude(f"fp8: the {name} has no FP8 tensor cores (FP8 needs Ada, Hopper or Blackwell GPUs)", src)
    else:
        c.exclude("fp8: no source here documents fp8 models on this hardware; only FP8-capable NVIDIA GPUs qualify",
                  src)


def _advice_rules(c: Candidate, fam: dict[str, Any], size: dict[str, Any], adv: Advice) -> None:
    if not adv.builtin:
        return
    if adv.gpu_only_one and (size.get("gpus") or 0) > 1:
        c.adjust(-2.0, f"{adv.name} uses one GPU per instance; the others would sit idle", adv.source)
    if matches(adv.recommended, fam["id"], size["type"]):
        c.adjust(1.5, f"{adv.name}'s documentation recommends this type or family", adv.source)


def gpu_short_name(size: dict[str, Any]) -> str:
    """The GPU model without its maker (NVIDIA H100 -> H100), '' for non-GPU types."""
    model = str(size.get("gpu_model") or "")
    return model.removeprefix("NVIDIA ").strip() if size.get("gpus") else ""


def bandwidth_gbps(kb: Any, size: dict[str, Any]) -> tuple[float | None, str | None]:
    """Memory bandwidth per GPU (GB/s) from content/sizing_rules.yaml, or None where no source gives it."""
    name = gpu_short_name(size)
    limits = kb.get(RULES).get("limits", {})
    rec = limits.get(f"bandwidth_gbps_{name}") if name else None
    return (float(rec["value"]), rec.get("source")) if rec else (None, None)


def _priority_rules(c: Candidate, kb: Any, size: dict[str, Any], f: dict[str, Any], kind: str) -> None:
    p = f.get("priority")
    if p == "latency" and kind != "cpu" and f["workload"] in ("inference", "transform"):
        c.adjust(0.5, "priority latency: accelerated inference")
    if p == "throughput":
        n = (size.get("gpus") or size.get("accelerators") or 0)
        if n > 1:
            c.adjust(0.2 * math.log2(n), f"priority throughput: {n} devices")
        if kind == "gpu":
            bw, src = bandwidth_gbps(kb, size)
            limits = kb.get(RULES).get("limits", {})
            low = min(float(v["value"]) for k, v in limits.items() if k.startswith("bandwidth_gbps_"))  # no bonus
            if bw is not None:
                c.adjust(0.8 * math.log2(bw / low), f"priority throughput: {fmt(bw)} GB/s of memory bandwidth per "
                                                    f"GPU ({gpu_short_name(size)})", src)
            else:
                c.note(f"no sourced memory-bandwidth figure for {gpu_short_name(size) or 'this GPU'}: no throughput "
                       "bonus")


def _fit(c: Candidate, size: dict[str, Any], f: dict[str, Any], need_gib: float | None, multi_node: bool,
         kind: str) -> int:
    """Instance count needed (1 unless the model or data must span instances); excludes what cannot fit."""
    nodes = 1
    if need_gib is not None:
        have = accel_gib(size) if kind != "cpu" else float(size.get("memory_gib") or 0)
        what = "accelerator memory" if kind != "cpu" else "host memory"
        if have <= 0:
            c.exclude(f"no {what} figure in the knowledge base")
        elif need_gib > have:
            if multi_node:
                nodes = math.ceil(need_gib / have)
                c.note(f"needs {need_gib:.1f} GiB of {what}: {nodes} instances of {have:.1f} GiB (sharded)")
            else:
                why = "one model copy must fit one instance" if f["workload"] != "training" else "single instance"
                c.exclude(f"needs {need_gib:.1f} GiB of {what}; this type has {have:.1f} GiB ({why})", LMI)
        else:
            devices = size.get("gpus") or size.get("accelerators") or 0
            per = have / devices if devices else have
            if devices > 1 and need_gib > per:
                c.note(f"{need_gib:.1f} GiB spans {math.ceil(need_gib / per)} of {devices} devices "
                       f"({per:.1f} GiB each; tensor parallelism)", LMI)
            else:
                c.note(f"{need_gib:.1f} GiB fits in {have:.1f} GiB of {what}")
    data = f.get("dataset_gb")
    if data is not None and f["workload"] == "processing" and f.get("framework") == "spark" and kind == "cpu":
        mem = float(size.get("memory_gib") or 0)
        if mem and data > mem:
            nodes = math.ceil(data / mem)
            c.note(f"Spark spreads {fmt(data)} GB over {nodes} instances' memory (PySparkProcessor instance_count)",
                   SPARK)
        return nodes
    if data is not None and f["workload"] == "training" and f.get("_data_in_memory"):
        # Memory-bound trainers (XGBoost and friends) hold the data in host memory, or in GPU memory on GPUs.
        mem = float(size.get("memory_gib") or 0) if kind == "cpu" else accel_gib(size)
        what = "memory" if kind == "cpu" else "accelerator memory"
        if mem and data > mem * nodes:
            if multi_node:
                nodes = max(nodes, math.ceil(data / mem))
                c.note(f"{fmt(data)} GB of data held in {what}: {nodes} instances")
            else:
                c.exclude(f"{fmt(data)} GB of training data does not fit {mem:.1f} GiB of {what} (memory-bound "
                          "training on one instance)")
        elif mem:
            c.note(f"{fmt(data)} GB of training data fits {mem * nodes:.0f} GiB of {what}")
        else:  # e.g. p6e-gb200: no source gives its GPU memory, so it cannot be sized
            c.exclude(f"no {what} figure in the knowledge base to hold {fmt(data)} GB of training data")
    return nodes


def _sizing_page(kb: Any, need: Any, workload: str) -> str | None:
    """The AWS page behind a parameter-sized fit: the training-memory page, or AWS's inference right-sizing page."""
    aws = "https://docs.aws.amazon.com/"
    pages = [s for s in need.sources if s.startswith(aws)]
    if not pages and workload != "training":
        _, training_page = limit(kb, RULES, "training_bytes_per_param_mixed")
        pages = [s for s in kb.get(RULES).get("sources", []) if s.startswith(aws) and s != training_page]
    return pages[0] if pages else None


def _price(kb: Any, size: dict[str, Any], nodes: int, workload: str) -> dict[str, Any] | None:
    price = size.get("price")
    if not price:
        return None
    hours, _ = limit(kb, RULES, "hours_per_month")  # only priced types get here (a few dozen)
    hourly = price["usd_per_hour"] * nodes
    return {"usd_per_hour": round(hourly, 4), "usd_per_month": round(hourly * hours, 2),
            "region": price.get("region"), "component": price.get("component"), "published": price.get("published"),
            "source": price.get("source"),
            "for_workload": price.get("component") in WORKLOAD_COMPONENTS.get(workload, ())}


SPEC_KEYS = ("vcpu", "memory_gib", "architecture", "gpus", "gpu_model", "accelerators", "accelerator_maker",
             "accelerator_model", "network_performance", "efa_supported", "efa_max_interfaces")


def _cost_reason(c: Candidate, units: float, price: dict[str, Any] | None, workload: str) -> None:
    """Say how cost was ranked for this type: the proxy, and the published rate (labelled) where one exists."""
    if price is None:
        c.note("no published rate: ranked by size and cost")
    elif not price["for_workload"]:
        c.note(f"cost by proxy: {units:.0f} units; USD {price['usd_per_hour']:g}/h is AWS's {price['component']} "
               f"rate ({price['region']}, {price['published']}), not a {workload} rate")


def _network_reason(c: Candidate, size: dict[str, Any]) -> None:
    """Network and EFA of a type that will talk to other instances (distributed training)."""
    net = size.get("network_performance") or "unknown"
    if size.get("efa_supported"):
        c.note(f"EFA: up to {size.get('efa_max_interfaces', '?')} EFA interface(s), {net} network between "
               "instances", EFA)
    else:
        c.note(f"no EFA: {net} network between instances", EFA)


def _graviton_rule(d: Decision, kb: Any, f: dict[str, Any], api: str, n: int) -> None:
    """What --arm does for this API, from the catalog's api lists (which APIs accept any Graviton type)."""
    if f.get("arm"):
        if n:
            d.fire("graviton", f"--arm: {n} Graviton (arm64) types accepted by the {api} API join the candidates",
                   GRAVITON)
        else:
            arm_apis = sorted({a for _, s in kb.instance_sizes() if s.get("architecture") == "arm64"
                               for a in s["apis"]})
            d.fire("graviton", f"--arm: no Graviton type is accepted by the {api} API (Graviton types are accepted "
                               f"by: {', '.join(arm_apis) or 'none'}), so nothing changes", GRAVITON)
    elif n:
        d.fire("graviton", f"{n} Graviton (arm64) types are left out: pass --arm if your image runs on ARM64",
               GRAVITON)


def specs(size: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """The specs shown for a type (architecture, network and EFA included: rules select on them)."""
    out = {k: size[k] for k in SPEC_KEYS if size.get(k)}
    if size.get("gpus") and not size.get("accelerator_maker"):
        out["accelerator_maker"] = "NVIDIA"
    if (kind or kind_of(size)) != "cpu":
        out["accelerator_memory_gib"] = round(accel_gib(size), 1)
    return out


def decide_instance(f: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> Decision:
    """Rank instance types for the facts (inputs merged with defaults)."""
    workload = f["workload"]
    api = API_OF[workload]
    adv = advice_for(kb, f.get("algorithm") or "custom", f.get("algorithm_mode"), workload)
    sizes = kb.instance_sizes()
    if not sizes:
        raise UsageError("the knowledge base has no instance types (content/instances.yaml)")
    d = Decision("instance")
    want, why = _want_accelerator(f, adv)
    rule_page = adv.cpu_data_limit_source if adv.cpu_data_limit_gb is not None else adv.source
    d.fire("accelerator", f"{'accelerators' if want else 'CPU' if want is False else 'CPU or accelerators'}: {why}",
           rule_page)
    if f.get("framework") == "spark" and workload != "processing":
        raise UsageError("--framework spark runs as a processing job (PySparkProcessor): add --workload processing")
    kv = None
    if f.get("layers") is not None:
        if workload not in KV_WORKLOADS:
            raise UsageError(f"--layers, --hidden-size and --seq-len size an inference KV cache, not {workload}: "
                             "add --workload inference or transform")
        kv = KvShape(f["layers"], f["hidden_size"], f["seq_len"], f.get("concurrent") or 1)
    need = None
    if f.get("params_b") is not None:
        need = memory_need(kb, f["params_b"], f["precision"], workload, kv)
        for step in need.steps:
            d.fire("memory", step, need.sources[0] if need.sources else None)
        d.extra["memory_need_gib"] = need.gib
    multi = f.get("distributed")
    if multi is None:
        multi = workload == "training" and adv.multi_instance
    elif multi and workload != "training":
        multi = False
    if workload == "training" and not adv.multi_instance and f.get("distributed"):
        d.fire("single-instance", f"{adv.name} trains on a single instance", adv.source)
        multi = False
    fp8 = fp8_models(kb) if f.get("precision") == "fp8" else None
    if fp8:
        d.fire("fp8", f"fp8 weights: only GPUs with FP8 tensor cores ({', '.join(fp8[0])})", fp8[1])
    f = {**f, "_data_in_memory": adv.memory_bound or f.get("framework") in ("sklearn", "xgboost")}
    weight = COST_WEIGHT.get(f.get("priority"), 0.6)
    sizing_page = _sizing_page(kb, need, workload) if need and not adv.builtin else None
    weights = _cost_weights(kb)
    need_gib = need.gib if need else None
    n_arm = 0  # Graviton types this API accepts (for the --arm rule line)
    accepted = 0
    for fam, size in sizes:
        if api not in size.get("apis", []):
            continue  # not an option for this workload at all (the `api` rule line says so)
        accepted += 1
        kind = kind_of(size)
        first_page = adv.source if adv.builtin else (fam.get("sources") or [None])[0]
        if sizing_page and kind != "cpu":  # the page behind the memory fit, then the family's
            first_page = sizing_page
        c = d.add(size["type"], first_page, family=fam["id"], instance_count=1, specs=specs(size, kind))
        c._cite((fam.get("sources") or [None])[0])
        n_arm += size.get("architecture") == "arm64"
        _kind_rules(c, kind, f, adv, want)
        if adv.cpu_data_limit_gb is not None and f.get("dataset_gb") is not None and f.get("gpu") is None \
                and (kind == "cpu") == (want is False):
            c.note(why, rule_page)
        _family_rules(c, fam, size, kind, f)
        _advice_rules(c, fam, size, adv)
        if fp8:
            _fp8_rule(c, size, *fp8)
        if f.get("priority") in ("latency", "throughput"):  # the only priorities with per-type points
            _priority_rules(c, kb, size, f, kind)
        nodes = _fit(c, size, f, need_gib, multi, kind)
        units = _cost_units(kb, size, weights)
        c.raw -= weight * math.log2(units * nodes)
        if nodes > 1 and workload == "processing":
            c.adjust(-0.35 * math.log2(nodes), f"spans {nodes} instances: Spark shuffles data between them")
        elif nodes > 1:
            c.adjust(-0.7 * math.log2(nodes), f"spans {nodes} instances: network traffic between them slows "
                                              "training, so fewer, larger instances come first")
        c.extra["instance_count"] = nodes
        price = _price(kb, size, nodes, workload)
        c.extra["cost"] = price
        if c.eligible:
            _cost_reason(c, units, price, workload)
            if workload == "training" and (nodes > 1 or f.get("distributed")):
                _network_reason(c, size)
    d.fire("api", f"only types the {api} API accepts: {accepted} of the {len(sizes)} in the knowledge base",
           API_PAGE[api])
    d.fire("cost", "cost ranks every type by a resource proxy (vCPU, memory and accelerator memory, weighted as in "
                   f"content/sizing_rules.yaml): AWS publishes no {workload} rate for most types here; a rate "
                   "shown is labelled with its pricing component, Region and date")
    _graviton_rule(d, kb, f, api, n_arm)
    apply_rules(d, f, kb, disabled)
    d.relative = True
    ranked = d.ranked()
    if ranked and ranked[0].eligible:
        d.extra["cost"] = ranked[0].extra.get("cost")
        if d.extra["cost"] is None:
            d.extra["cost_note"] = f"the knowledge base has no published price for {ranked[0].option}"
    return d


__all__ = ["decide_instance", "accel_gib", "kind_of", "specs", "memory_need"]
