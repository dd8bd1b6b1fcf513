"""Cost per resource-hour from the knowledge base's instance prices, or an honest "unknown".

The knowledge base holds published on-demand prices with their Region, the SageMaker component
they were published for, the date and the source. A price for another Region is not used; a
price for another component (say Studio notebooks) is shown with that caveat, never as exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagecli.aws.api_calls import ApiCall

# The SageMaker pricing component each billed resource falls under.
COMPONENTS = {"TrainingJob": "Training", "Endpoint": "Hosting", "TransformJob": "Batch Transform",
              "MonitoringSchedule": "Processing", "HyperParameterTuningJob": "Training", "ProcessingJob": "Processing"}


@dataclass
class CostLine:
    """One billed resource: instances, USD per hour if known, the worst case if bounded, and caveats."""

    resource: str
    instance_type: str
    instances: int
    usd_per_hour: float | None
    bound: str
    note: str
    max_hours: float | None = None  # a hard stop (MaxRuntime / MaxWait), when the API sets one

    @property
    def max_usd(self) -> float | None:
        """The most this resource can cost, when both the price and a hard stop are known."""
        if self.usd_per_hour is None or self.max_hours is None:
            return None
        return self.usd_per_hour * self.max_hours

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**self.__dict__, "max_usd": self.max_usd}


def _billed(call: ApiCall) -> tuple[str, int, str] | None:
    p = call.params
    if call.operation == "CreateTrainingJob":
        rc, sc = p["ResourceConfig"], p["StoppingCondition"]
        hours = sc.get("MaxWaitTimeInSeconds", sc["MaxRuntimeInSeconds"]) / 3600
        return rc["InstanceType"], rc["InstanceCount"], f"stopped by SageMaker after {hours:g} h at most"
    if call.operation == "CreateEndpointConfig":
        v = p["ProductionVariants"][0]
        if "ServerlessConfig" in v:  # no instances: endpoint_calls.inference_cost_lines prices it
            return None
        if "AsyncInferenceConfig" in p:
            return v["InstanceType"], v["InitialInstanceCount"], "bills per instance-hour while instances run " \
                "(0 after the scaling policy scales in)"
        fleet = [*p["ProductionVariants"], *p.get("ShadowProductionVariants", [])]  # A/B and shadow variants bill too
        return v["InstanceType"], sum(x["InitialInstanceCount"] for x in fleet), \
            "bills every hour while InService, used or not"
    if call.operation == "CreateTransformJob":
        r = p["TransformResources"]
        return r["InstanceType"], r["InstanceCount"], "while the job runs"
    if call.operation in ("CreateHyperParameterTuningJob", "CreateProcessingJob"):
        from sagecli.aws.job_costs import billed

        return billed(call)
    if call.operation == "CreateMonitoringSchedule":
        cc = p["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["MonitoringResources"]["ClusterConfig"]
        return cc["InstanceType"], cc["InstanceCount"], "one job every hour while the schedule exists"
    return None


def price_for(kb: Any, instance_type: str, region: str, component: str = "") -> tuple[float | None, str]:
    """(USD per hour or None, what the number is) for an instance type in a Region."""
    try:
        _, size = kb.instance(instance_type)
    except Exception:
        return None, "unknown: the instance type is not in the knowledge base"
    price = size.get("price")
    if not price:
        return None, "unknown: the knowledge base has no published price for this type"
    if price["region"] != region:
        return None, f"unknown for {region}: the knowledge base only has the {price['region']} price"
    note = f"{price['component']} rate, {price['region']}, published {price['published']}"
    if component and price["component"] != component:
        note += f"; the {component} rate may differ"
    return price["usd_per_hour"], note


def estimate(plan: list[ApiCall], region: str, kb: Any | None = None) -> list[CostLine]:
    """One cost line per billed resource in the plan."""
    if kb is None:
        from sagecli.knowledge.store import load_kb

        kb = load_kb()
    lines = []
    for call in plan:
        if call.operation == "CreateFeatureGroup":  # billed per request unit (sagecli/aws/featurestore_calls.py)
            from sagecli.aws.featurestore_calls import cost_fields

            lines.append(CostLine(**cost_fields(call, plan)))
            continue
        billed = _billed(call)
        if billed is None:
            continue
        itype, count, bound = billed
        resource = {"CreateEndpointConfig": "Endpoint"}.get(call.operation, call.operation.removeprefix("Create"))
        usd, note = price_for(kb, itype, region, COMPONENTS.get(resource, ""))
        if call.params.get("EnableManagedSpotTraining"):
            note += "; managed spot training bills less than on-demand (AWS: up to 90% less)"
        hours = call.params["StoppingCondition"].get("MaxWaitTimeInSeconds", call.params["StoppingCondition"][
            "MaxRuntimeInSeconds"]) / 3600 if call.operation == "CreateTrainingJob" else None
        if call.operation in ("CreateHyperParameterTuningJob", "CreateProcessingJob"):
            from sagecli.aws.job_costs import max_hours

            hours = max_hours(call)
        lines.append(CostLine(resource, itype, count, None if usd is None else usd * count, bound, note, hours))
    from sagecli.aws.endpoint_calls import inference_cost_lines

    return lines + [CostLine(**fields) for fields in inference_cost_lines(plan)]
