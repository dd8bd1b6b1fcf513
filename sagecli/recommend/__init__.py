"""Recommenders: pure functions from facts and the knowledge base to a ranked, sourced answer.

`decide(recommender, args, kb)` is the one entry point (the CLI, the interview and the quiz-bank check
all use it). Nothing here prints, prompts or reads the clock.
"""

from __future__ import annotations

from typing import Any

from sagecli.recommend.facts import SPECS, normalize
from sagecli.recommend.ranking import answer

RECOMMENDERS: tuple[str, ...] = ("instance", "input-mode", "deployment")


def _facts(recommender: str, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    inputs, assumed = normalize(recommender, {k: v for k, v in args.items() if v is not None})
    merged = {f.name: None for f in SPECS[recommender]}
    merged.update(assumed)
    merged.update(inputs)
    return inputs, assumed, merged


def _deployment(f: dict[str, Any], inputs: dict[str, Any], assumed: dict[str, Any], kb: Any) -> list[dict]:
    from sagecli.recommend.inference_option import decide_inference_option
    from sagecli.recommend.rollout import ENDPOINT_OF, decide_rollout

    # A caller waits by default, unless the traffic is offline or callers asked to be notified.
    if "realtime" not in inputs:
        f["realtime"] = not (f["traffic"] == "offline" or f["notify"])
        assumed["realtime"] = f["realtime"]
    first = decide_inference_option(f, kb).to_dict()
    if "endpoint" not in inputs:
        f["endpoint"] = ENDPOINT_OF.get(first["choice"]) if first["choice"] else None
        assumed["endpoint"] = f["endpoint"]
        f["inference_choice"] = first["choice"]  # the endpoint was derived from this choice
    second = decide_rollout(f, kb).to_dict()
    return [first, second]


def decide(recommender: str, args: dict[str, Any], kb: Any) -> dict[str, Any]:
    """Run a recommender on facts (CLI flag names with underscores) and return the JSON-shaped answer."""
    from sagecli.errors import UsageError

    if recommender not in RECOMMENDERS:
        raise UsageError(f"unknown recommender {recommender!r}; choose one of {', '.join(RECOMMENDERS)}")
    inputs, assumed, f = _facts(recommender, args)
    from sagecli.recommend.conflicts import check_conflicts

    check_conflicts(recommender, inputs, kb)
    extra: dict[str, Any] = {}
    if recommender == "instance":
        from sagecli.recommend.instance import decide_instance

        decisions = [decide_instance(f, kb).to_dict()]
    elif recommender == "input-mode":
        from sagecli.recommend.input_mode import decide_input_mode, derive_sizes, distribution

        derived = derive_sizes(f)
        f.update(derived)
        if derived:
            extra["derived"] = derived
        decisions = [decide_input_mode(f, kb).to_dict()]
        spread = distribution(f, kb, decisions[0]["choice"])
        if spread:
            decisions[0]["s3_distribution"] = spread
    else:
        decisions = _deployment(f, inputs, assumed, kb)
    out = answer(recommender, inputs, assumed, decisions)
    out.update(extra)
    return out
