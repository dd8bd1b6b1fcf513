"""Step caching for the local pipeline runner, keyed as SageMaker Pipelines keys it.

A step with `CacheConfig.Enabled` reuses the most recent successful run of the same step whose cache-key
attributes are the same, if that run is younger than `ExpireAfter` (an ISO 8601 duration)
(https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-caching-enabling.html). The attributes are the
step type's default cache keys (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-default-keys.html),
taken from the step's arguments with every `Get` already resolved: a step whose upstream step ran again
(new outputs) misses too. Other arguments (instance type, output paths, tags) do not make a new key.

Entries are small JSON files under $SAGECLI_HOME/pipeline-cache/<pipeline>/, one per key (the newest
successful run wins). An entry names the files its step produced in the earlier run's folder, with their
sizes and modification times: a hit needs them unchanged, as Pipelines needs the earlier run's outputs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagecli.errors import UsageError

# step Type -> the attributes that, when changed, make the step run again (pipelines-default-keys.html)
KEY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Processing": ("AppSpecification", "Environment", "ProcessingInputs"),
    "Training": ("AlgorithmSpecification", "CheckpointConfig", "DebugHookConfig", "DebugRuleConfigurations",
                 "Environment", "HyperParameters", "InputDataConfig"),
    "Tuning": ("HyperParameterTuningJobConfig", "TrainingJobDefinition", "TrainingJobDefinitions"),
    "Transform": ("DataProcessing", "Environment", "ModelName", "TransformInput"),
}
# TrainingJobDefinition's children that count (the others, e.g. ResourceConfig, do not)
TUNING_DEFINITION_KEYS = ("AlgorithmSpecification", "HyperParameterRanges", "InputDataConfig",
                          "StaticHyperParameters", "TuningObjective")
# check steps: their whole processing job (the SDK's ClarifyCheckConfig/QualityCheckConfig and CheckJobConfig)
# plus these top-level settings
CHECK_KEYS: dict[str, tuple[str, ...]] = {
    "ClarifyCheck": ("SkipCheck", "RegisterNewBaseline", "ModelPackageGroupName", "SuppliedBaselineConstraints",
                     "ModelName"),
    "QualityCheck": ("SkipCheck", "RegisterNewBaseline", "ModelPackageGroupName", "SuppliedBaselineConstraints",
                     "SuppliedBaselineStatistics"),
}
CACHEABLE = (*KEY_ATTRIBUTES, *CHECK_KEYS)

_DURATION = re.compile(r"^P?(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
# seconds per unit; a year and a month have no fixed length, so 365 and 30 days stand in
_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_duration(text: str) -> float:
    """ISO 8601 duration -> seconds: P30D, PT1H, P1DT12H; also the docs' short forms 30d, T16m, 30dT5h."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None or not any(match.groups()) or text.strip().upper().endswith("T"):
        raise UsageError(f"ExpireAfter {text!r} is not an ISO 8601 duration", hint="e.g. P30D, PT1H or P1DT12H")
    return sum(float(v) * unit for v, unit in zip(match.groups(), _UNITS, strict=True) if v)


def cache_settings(step: Mapping[str, Any]) -> tuple[bool, float | None]:
    """(enabled, expiry in seconds or None for no expiry) from a step's CacheConfig."""
    config = step.get("CacheConfig") or {}
    enabled = bool(config.get("Enabled")) and step.get("Type") in CACHEABLE
    expire = config.get("ExpireAfter")
    return enabled, (parse_duration(str(expire)) if enabled and expire else None)


def key_attributes(step: Mapping[str, Any], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The step's cache-key attributes from its resolved arguments."""
    kind = step["Type"]
    if kind in CHECK_KEYS:
        return {"Arguments": arguments, **{k: step[k] for k in CHECK_KEYS[kind] if k in step}}
    out = {k: arguments[k] for k in KEY_ATTRIBUTES.get(kind, ()) if k in arguments}
    if kind == "Tuning" and "TrainingJobDefinition" in out:
        out["TrainingJobDefinition"] = {k: v for k, v in out["TrainingJobDefinition"].items()
                                        if k in TUNING_DEFINITION_KEYS}
    return out


def cache_key(step: Mapping[str, Any], attributes: Mapping[str, Any]) -> str:
    """A stable key for a step name, type and its key attributes."""
    text = json.dumps({"name": step["Name"], "type": step["Type"], "attributes": attributes}, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fingerprint(paths: list[str]) -> dict[str, list[int]]:
    """path -> [size, mtime_ns] for each file under the given files or folders (what a hit must find unchanged)."""
    out: dict[str, list[int]] = {}
    for item in paths:
        base = Path(item)
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        for f in files:
            st = f.stat()
            out[str(f)] = [st.st_size, st.st_mtime_ns]
    return out


def unchanged(prints: Mapping[str, list[int]]) -> bool:
    """Every file of an entry is still there with the same size and modification time."""
    for name, (size, mtime) in prints.items():
        try:
            st = Path(name).stat()
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True


class StepCache:
    """The entries of one pipeline's steps, under root/<pipeline name>/<key>.json."""

    def __init__(self, root: Path, pipeline: str) -> None:
        self.dir = root / re.sub(r"[^A-Za-z0-9_.-]+", "-", pipeline)

    def lookup(self, key: str, now: float, expire_s: float | None) -> tuple[dict[str, Any] | None, str]:
        """(entry, why) for a hit, or (None, why not)."""
        try:
            entry = json.loads((self.dir / f"{key}.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None, "no earlier run with these arguments"
        except (OSError, ValueError):
            return None, "the cache entry is unreadable"
        if not isinstance(entry, dict) or not isinstance(entry.get("created"), (int, float)):
            return None, "the cache entry is unreadable"
        age = now - entry["created"]
        if expire_s is not None and age > expire_s:
            return None, f"the earlier run expired ({_age(age)} old, ExpireAfter {_age(expire_s)})"
        if not unchanged(entry.get("files", {})):
            return None, "the earlier run's files are gone or changed"
        return entry, f"reused run {entry.get('run_id')} ({_age(age)} old)"

    def store(self, key: str, entry: Mapping[str, Any]) -> None:
        """Record a successful run of a step (atomically; the newest wins)."""
        from sagecli.paths import atomic_write_text

        atomic_write_text(self.dir / f"{key}.json", json.dumps(entry, indent=1, default=str) + "\n")


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{max(seconds, 0):.0f}s"
