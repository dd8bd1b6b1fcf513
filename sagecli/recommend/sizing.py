"""Accelerator memory a model needs, from parameters and precision (multipliers live in content).

Record `accelerator-memory-sizing` (content/sizing_rules.yaml) holds bytes per parameter per precision,
the training state per parameter (AMP + Adam: 20 bytes, from AWS's model-parallel page), and this
tool's rules of thumb for activations and inference overhead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagecli.recommend.kbfacts import fmt, limit

RULES = "accelerator-memory-sizing"
GIB = 2**30


@dataclass(frozen=True)
class MemoryNeed:
    """The memory a model needs and how it was computed."""

    gib: float
    steps: tuple[str, ...]
    sources: tuple[str, ...]


def weights_gib(kb: Any, params_b: float, precision: str) -> tuple[float, str | None]:
    """Memory for the weights alone."""
    bpp, src = limit(kb, RULES, f"bytes_per_param_{precision}")
    return params_b * 1e9 * bpp / GIB, src


def memory_need(kb: Any, params_b: float, precision: str, workload: str) -> MemoryNeed:
    """Accelerator memory for one model copy (inference) or for the whole training state (training)."""
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
    else:
        over, osrc = limit(kb, RULES, "inference_overhead_fraction")
        total = weights * (1 + over)
        steps.append(f"KV cache and runtime: +{over:.0%} (rule of thumb) = {total:.1f} GiB")
        if osrc and osrc not in sources:
            sources.append(osrc)
    return MemoryNeed(round(total, 3), tuple(steps), tuple(sources))
