"""Recommenders: pure functions from facts and the knowledge base to a ranked, sourced answer.

`decide(recommender, args, kb)` is the one entry point (the CLI, the interview and the quiz-bank check
all use it). Nothing here prints, prompts or reads the clock.
"""

from __future__ import annotations

from typing import Any

from sagecli.recommend.facts import SPECS, normalize
from sagecli.recommend.ranking import answer

RECOMMENDERS: tuple[str, ...] = ("instance", "input-mode", "deployment")


def _facts(recommender: str, args: dict[str, Any], kb: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    from sagecli.recommend.needs import check_needs

    args = {k: v for k, v in args.items() if v is not None}
    needs = check_needs(recommender, args.pop("needs", None), kb)
    inputs, assumed = normalize(recommender, args)
    if inputs.get("algorithm"):  # an alias (kmeans, forecasting-deepar) or a framework name -> the record's id
        from sagecli.recommend.advice import canonical_algorithm

        inputs["algorithm"], framework = canonical_algorithm(kb, inputs["algorithm"])
        if framework and any(f.name == "framework" for f in SPECS[recommender]):
            inputs.setdefault("framework", framework)
    merged = {f.name: None for f in SPECS[recommender]}
    merged.update(assumed)
    merged.update(inputs)
    if needs:
        inputs["needs"] = needs
    merged["needs"] = frozenset(needs)
    return inputs, assumed, merged


def _deployment(f: dict[str, Any], inputs: dict[str, Any], assumed: dict[str, Any], kb: Any,
                disabled: frozenset[str]) -> list[dict]:
    from sagecli.recommend.inference_option import decide_inference_option
    from sagecli.recommend.rollout import ENDPOINT_OF, decide_rollout

    # A caller waits by default, unless the traffic is offline or callers asked to be notified.
    if "realtime" not in inputs:
        f["realtime"] = not (f["traffic"] == "offline" or f["notify"])
        assumed["realtime"] = f["realtime"]
    first = decide_inference_option(f, kb, disabled).to_dict()
    if "endpoint" not in inputs:
        f["endpoint"] = ENDPOINT_OF.get(first["choice"]) if first["choice"] else None
        assumed["endpoint"] = f["endpoint"]
        f["inference_choice"] = first["choice"]  # the endpoint was derived from this choice
    second = decide_rollout(f, kb, disabled).to_dict()
    return [first, second]


def decide(recommender: str, args: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Run a recommender on facts (CLI flag names with underscores) and return the JSON-shaped answer.

    `args` may hold `needs` (names from content/needs.yaml); `disabled` switches documented rules off by
    id (the scenario tests use it to show that each rule changes an answer).
    """
    from sagecli.errors import UsageError

    if recommender not in RECOMMENDERS:
        raise UsageError(f"unknown recommender {recommender!r}; choose one of {', '.join(RECOMMENDERS)}")
    inputs, assumed, f = _facts(recommender, args, kb)
    from sagecli.recommend.conflicts import check_conflicts

    check_conflicts(recommender, {k: v for k, v in inputs.items() if k != 'needs'}, kb)
    extra: dict[str, Any] = {}
    if recommender == "instance":
        from sagecli.recommend.instance import decide_instance

        decisions = [decide_instance(f, kb, disabled).to_dict()]
    elif recommender == "input-mode":
        from sagecli.recommend.input_mode import decide_input_mode, derive_sizes, distribution

        derived = derive_sizes(f)
        f.update(derived)
        if derived:
            extra["derived"] = derived
        decisions = [decide_input_mode(f, kb, disabled).to_dict()]
        spread = distribution(f, kb, decisions[0]["choice"])
        if spread:
            decisions[0]["s3_distribution"] = spread
    else:
        decisions = _deployment(f, inputs, assumed, kb, disabled)
    out = answer(recommender, inputs, assumed, decisions)
    out.update(extra)
    return out
