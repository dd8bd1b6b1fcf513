"""The registry on disk: $SAGECLI_HOME/registry/<group>/group.json and versions/<n>.json (DescribeModelPackage)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError
from sagecli.names import ANCHORED_NAME, model_package_group_name
from sagecli.paths import atomic_write_text, home_dir

NAME = ANCHORED_NAME  # ModelPackageGroupName's pattern (EntityName in botocore; flow.options checks with it)
APPROVAL = ("Approved", "Rejected", "PendingManualApproval")
ARN = "arn:aws:sagemaker:local:000000000000:model-package{kind}/{name}"


def registry_root(root: Path | None = None) -> Path:
    """Where the registry lives (default $SAGECLI_HOME/registry)."""
    return root or home_dir() / "registry"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def ensure_group(group: str, description: str = "", root: Path | None = None) -> dict[str, Any]:
    """CreateModelPackageGroup if it does not exist; return the group record."""
    model_package_group_name(group)
    path = registry_root(root) / group / "group.json"
    if path.exists():
        return json.loads(path.read_text())
    rec = {"ModelPackageGroupName": group, "ModelPackageGroupArn": ARN.format(kind="-group", name=group),
           "ModelPackageGroupDescription": description, "CreationTime": _now(),
           "ModelPackageGroupStatus": "Completed"}
    atomic_write_text(path, json.dumps(rec, indent=2))
    return rec


def register_version(group: str, model_data_url: str, metrics: dict[str, float], approval_status: str,
                     description: str = "", content_types: tuple[str, ...] = ("text/csv",),
                     response_types: tuple[str, ...] = ("text/csv",), tags: dict[str, str] | None = None,
                     root: Path | None = None) -> dict[str, Any]:
    """CreateModelPackage: the next version number in the group (claimed atomically)."""
    if approval_status not in APPROVAL:
        raise SageCliError(f"invalid approval status {approval_status!r}", hint="one of: " + ", ".join(APPROVAL))
    ensure_group(group, root=root)
    versions = registry_root(root) / group / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    version = len(list(versions.glob("*.json"))) + 1
    while True:  # O_EXCL claims the number even when two runs register at once
        try:
            fd = os.open(versions / f"{version}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.close(fd)
            break
        except FileExistsError:
            version += 1
    rec = {
        "ModelPackageGroupName": group, "ModelPackageVersion": version,
        "ModelPackageArn": ARN.format(kind="", name=f"{group}/{version}"),
        "ModelPackageDescription": description, "CreationTime": _now(), "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": approval_status,
        "InferenceSpecification": {"Containers": [{"Image": "sagecli-local/xgboost", "ModelDataUrl": model_data_url,
                                                   "Framework": "XGBOOST"}],
                                   "SupportedContentTypes": list(content_types),
                                   "SupportedResponseMIMETypes": list(response_types)},
        "ModelMetrics": {"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                         "metrics": {k: {"value": v} for k, v in metrics.items()}}}},
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    atomic_write_text(versions / f"{version}.json", json.dumps(rec, indent=2))
    return rec


def list_groups(root: Path | None = None) -> list[dict[str, Any]]:
    """Every group with its version count and latest approved version, sorted by name."""
    base = registry_root(root)
    out = []
    for path in sorted(base.glob("*/group.json")) if base.exists() else []:
        rec = json.loads(path.read_text())
        vers = list_versions(rec["ModelPackageGroupName"], root)
        approved = [v["ModelPackageVersion"] for v in vers if v["ModelApprovalStatus"] == "Approved"]
        out.append({**rec, "versions": len(vers), "latest_approved": max(approved) if approved else None})
    return out


def list_versions(group: str, root: Path | None = None) -> list[dict[str, Any]]:
    """The versions of a group, oldest first."""
    model_package_group_name(group)
    folder = registry_root(root) / group / "versions"
    if not (registry_root(root) / group / "group.json").exists():
        raise SageCliError(f"no model package group {group!r}", hint="see: sagecli registry list")
    recs = []
    for p in folder.glob("*.json"):
        text = p.read_text()
        if text.strip():
            recs.append(json.loads(text))
    return sorted(recs, key=lambda r: r["ModelPackageVersion"])


def get_version(group: str, version: int | None = None, root: Path | None = None) -> dict[str, Any]:
    """One version (the latest when version is None)."""
    vers = list_versions(group, root)
    if not vers:
        raise SageCliError(f"group {group!r} has no versions")
    if version is None:
        return vers[-1]
    for v in vers:
        if v["ModelPackageVersion"] == version:
            return v
    latest = vers[-1]["ModelPackageVersion"]
    raise SageCliError(f"group {group!r} has no version {version}", hint=f"versions: 1-{latest}")


def metrics_of(rec: dict[str, Any]) -> dict[str, float]:
    """The evaluation metrics stored on a version."""
    stats = rec.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {})
    return {k: v["value"] for k, v in stats.get("metrics", {}).items()}
