"""Container image URIs from the knowledge base (content/images.yaml): account per Region is data."""

from __future__ import annotations

from typing import Any

from sagecli.errors import SageCliError

XGBOOST_IMAGE = "image-sagemaker-xgboost"
MODEL_MONITOR_IMAGE = "image-model-monitor-analyzer"


def image_uri(record: dict[str, Any], region: str, tag: str | None = None) -> str:
    """`<account>.dkr.ecr.<region>.<suffix>/<repository>[:<tag>]` for one image record and Region."""
    account = record["registries"].get(region)
    if account is None:
        known = ", ".join(sorted(record["registries"]))
        raise SageCliError(
            f"the knowledge base has no {record['repository']} registry for region {region!r}",
            hint=f"regions with this image: {known}",
        )
    suffix = record.get("dns_suffixes", {}).get(region, "amazonaws.com")
    tag = tag if tag is not None else record.get("default_tag")
    uri = f"{account}.dkr.ecr.{region}.{suffix}/{record['repository']}"
    return f"{uri}:{tag}" if tag else uri


def lookup(image_id: str, region: str, tag: str | None = None) -> str:
    """The image URI for a knowledge-base image record id in a Region."""
    from sagecli.knowledge.store import load_kb

    return image_uri(load_kb().get(image_id), region, tag)
