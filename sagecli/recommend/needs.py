"""The vocabulary of named requirements (`--need NAME`): content/needs.yaml, checked per recommender."""

from __future__ import annotations

from typing import Any

from sagecli.errors import UsageError

# recommender -> the decisions it makes (a need must matter to one of them)
DECISIONS_OF: dict[str, tuple[str, ...]] = {
    "instance": ("instance",),
    "input-mode": ("input_mode",),
    "deployment": ("inference_option", "rollout"),
}


def name_of(need: dict[str, Any]) -> str:
    """The name users type (`--need data-capture`) for a record with id `need.data-capture`."""
    return need["id"].removeprefix("need.")


def vocabulary(kb: Any, recommender: str | None = None) -> list[dict[str, Any]]:
    """Need records, optionally only those that matter to one recommender's decisions."""
    needs = kb.of_kind("need")
    if recommender is None:
        return needs
    wanted = set(DECISIONS_OF[recommender])
    return [n for n in needs if wanted & set(n["decisions"])]


def check_needs(recommender: str, given: Any, kb: Any) -> list[str]:
    """Validate `--need` values (a name, a comma list, or a list); return them sorted and unique."""
    if given is None:
        return []
    items = given if isinstance(given, (list, tuple)) else [given]
    names: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise UsageError(f"--need takes names, got {item!r}", hint="see `sagecli recommend needs`")
        names.update(p.strip().lower().replace("_", "-") for p in item.split(",") if p.strip())
    known = {name_of(n): n for n in vocabulary(kb, recommender)}
    for name in sorted(names):
        if name not in known:
            import difflib  # only to suggest a spelling

            close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else \
                f"see `sagecli recommend needs --for {recommender}`"
            raise UsageError(f"unknown need {name!r} for `recommend {recommender}`", hint=hint)
    return sorted(names)


def find_needs(kb: Any, search: str | None, recommender: str | None) -> list[dict[str, Any]]:
    """Needs matching every word of `search` (id, name or meaning), as JSON-ready rows."""
    if recommender is not None and recommender not in DECISIONS_OF:
        raise UsageError(f"--for must be one of {', '.join(DECISIONS_OF)}; got {recommender!r}")
    words = (search or "").lower().split()
    rows = []
    for n in vocabulary(kb, recommender):
        hay = f"{name_of(n)} {n['name']} {n['summary']}".lower()
        if all(w in hay for w in words):
            rows.append({"id": name_of(n), "name": n["name"], "meaning": n["summary"],
                         "decisions": n["decisions"], "source": n["sources"][0]})
    return rows
