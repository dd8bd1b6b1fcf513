"""Accelerator memory a model needs, from parameters and precision (multipliers live in content).

Record `accelerator-memory-sizing` (content/sizing_rules.yaml) holds bytes per parameter per precision,
the training state per parameter (AMP + Adam: 20 bytes, from AWS's model-parallel page), and this
tool's rules of thumb for activations and inference overhead.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sagecli.recommend.kbfacts import fmt, limit

RULES = "accelerator-memory-sizing"
GIB = 2**30


# A NamedTuple, not a frozen dataclass: about 0.4 ms less at import, on every command's start-up.
class MemoryNeed(NamedTuple):
    """The memory a model needs and how it was computed."""

    gib: float
    steps: tuple[str, ...]
    sources: tuple[str, ...]


def weights_gib(kb: Any, params_b: float, precision: str) -> tuple[float, str | None]:
    """Memory for the weights alone."""
    bpp, src = limit(kb, RULES, f"bytes_per_param_{precision}")
    return params_b * 1e9 * bpp / GIB, src


# A NamedTuple, not a frozen dataclass: about 0.4 ms less at import, on every command's start-up.
class KvShape(NamedTuple):
    """What the KV cache of an LLM depends on: layers, hidden size, tokens per sequence, sequences at once."""

    layers: int
    hidden_size: int
    seq_len: int
    concurrent: int = 1


def kv_cache_gib(kb: Any, kv: KvShape, precision: str) -> tuple[float, str, str | None]:
    """KV cache in GiB: 2 x layers x hidden x sequence length x concurrent sequences x bytes per value."""
    two, src = limit(kb, RULES, "kv_values_per_token")
    nbytes, _ = limit(kb, RULES, f"kv_bytes_per_value_{precision}")
    gib = two * kv.layers * kv.hidden_size * kv.seq_len * kv.concurrent * nbytes / GIB
    step = (f"KV cache: {fmt(two)} x {kv.layers} layers x {kv.hidden_size} hidden x {kv.seq_len} tokens x "
            f"{kv.concurrent} sequences x {fmt(nbytes)} bytes = {gib:.1f} GiB")
    return gib, step, src


def memory_need(kb: Any, params_b: float, precision: str, workload: str, kv: KvShape | None = None) -> MemoryNeed:
    """Accelerator memory for one model copy (inference) or for the whole training state (training).

    With a KV shape (inference), the need is weights + KV cache, AWS's LMI fit rule, instead of the rule of thumb.
    """
    weights, wsrc = weights_gib(kb, params_b, precision)
    bpp, _ = limit(kb, RULES, f"bytes_per_param_{precision}")
    steps = [f"weights: {fmt(params_b)}B params x {fmt(bpp)} bytes ({precision}) = {weights:.1f} GiB"]
    sources = [s for s in (wsrc,) if s]
    if workload == "training":
        name = "training_bytes_per_param_fp32" if precision == "fp32" else "training_bytes_per_param_mixed"
        tbpp, tsrc = limit(kb, RULES, name)
        act, _ = limit(kb, RULES, "training_activation_fraction")
        state = params_b * 1e9 * tbpp / GIB
        total = state * (1 + act)
        kind = "fp32 + Adam" if precision == "fp32" else "mixed precision + Adam"
        steps.append(f"training state ({kind}): {fmt(tbpp)} bytes/param = {state:.1f} GiB")
        steps.append(f"activations: +{act:.0%} (rule of thumb) = {total:.1f} GiB")
        if tsrc:
            sources.append(tsrc)
    elif kv is not None:
        cache, step, ksrc = kv_cache_gib(kb, kv, precision)
        total = weights + cache
        steps.append(step)
        steps.append(f"weights + KV cache = {total:.1f} GiB (runtime buffers not included: load-test)")
        if ksrc and ksrc not in sources:
            sources.append(ksrc)
    else:
        over, osrc = limit(kb, RULES, "inference_overhead_fraction")
        total = weights * (1 + over)
        steps.append(f"KV cache and runtime: +{over:.0%} (rule of thumb) = {total:.1f} GiB")
        if osrc and osrc not in sources:
            sources.append(osrc)
    return MemoryNeed(round(total, 3), tuple(steps), tuple(sources))
