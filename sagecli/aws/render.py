"""Print the plan: account and Region, every request as JSON, the validation result, the cost lines."""

from __future__ import annotations

import json
from typing import Any, TextIO

from sagecli.aws.api_calls import ApiCall
from sagecli.aws.cost import CostLine


def plan_document(plan: list[ApiCall], costs: list[CostLine], account: str, region: str,
                  run_id: str) -> dict[str, Any]:
    """The plan as one JSON-ready document."""
    import botocore

    from sagecli.aws.plan import plan_to_dicts

    return {"run_id": run_id, "account": account, "region": region,
            "validated_against": f"botocore {botocore.__version__} service models (offline)",
            "requests": plan_to_dicts(plan), "cost": [c.to_dict() for c in costs]}


WIDTH = 80  # the plan reads in an 80-column terminal; JSON values inside requests are never wrapped


def _wrapped(text: str, indent: str) -> list[str]:
    """Text wrapped at word boundaries to WIDTH, every line with the indent (URLs and paths stay whole)."""
    import textwrap

    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


def cost_lines(costs: list[CostLine]) -> list[str]:
    """Cost estimate lines: the resource, count, type and rate; then its bound and note, wrapped below."""
    out = []
    for c in costs:
        price = "price unknown" if c.usd_per_hour is None else f"~${c.usd_per_hour:.3f}/hour"
        worst = f" (at most ~${c.max_usd:.2f})" if c.max_usd is not None else ""
        out.append(f"  {c.resource:<19} {c.instances} x {c.instance_type:<15} {price}")
        out += _wrapped(f"{c.bound}{worst}; {c.note}", "      ")
    return out


def render_plan(plan: list[ApiCall], costs: list[CostLine], aws: Any, as_json: bool, out: TextIO,
                notes: list[str] | None = None) -> None:
    """Write the plan (text, or JSON with as_json) to `out`; notes are caveats worth reading first."""
    run_id = next((t["Value"] for c in plan for t in c.params.get("Tags", []) if t["Key"] == "sagecli:run-id"), "")
    doc = plan_document(plan, costs, aws.account, aws.region, run_id)
    doc["notes"] = list(notes or [])
    if as_json:
        out.write(json.dumps(doc, indent=2, default=str) + "\n")
        out.flush()
        return
    lines = [f"Plan for run {run_id} in AWS account {aws.account}, region {aws.region}:"]
    for i, call in enumerate(plan, 1):
        lines.append(f"{i:>3}. {call.service} {call.operation}: {call.summary}")
        body = json.dumps(call.params, indent=2, default=str).splitlines()
        lines += ["       " + line for line in body]
    lines.append(f"All {len(plan)} requests validate against {doc['validated_against']}.")
    lines.append("Cost estimate per resource-hour (from the knowledge base):")
    lines += cost_lines(costs)
    from sagecli.aws.ledger import ledger_dir

    for n in doc["notes"]:
        lines += _wrapped(f"Note: {n}", "")
    ledger = ledger_dir() / f"{run_id}.json"
    lines += _wrapped(f"Every resource is tagged sagecli:run-id={run_id} and recorded in {ledger}; teardown "
                      "deletes them in reverse order at the end, on any failure and on Ctrl-C.", "")
    out.write("\n".join(lines) + "\n")
    out.flush()
