"""SageMaker resource names, checked before they become file names (a bottom layer: imports only errors).

The patterns are SageMaker's own, from botocore's service model (sagemaker/2017-07-24/service-2.json):
EndpointName, EndpointConfigName, VariantName, TrainingJobName, TransformJobName, ProcessingJobName,
MonitoringScheduleName and EntityName (CreateModelPackageGroup's ModelPackageGroupName) all use
`[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`; ModelName uses `[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?` with at
most 63 characters. None of them can hold `/`, `.` or `..`, so a valid name is always one path segment.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sagecli.errors import SageCliError

# botocore: EndpointName, TrainingJobName, TransformJobName, EntityName, ... (1-63 characters)
NAME_63 = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
# the same, anchored for callers that use .match (\Z: a trailing newline does not pass)
ANCHORED_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\Z")
# botocore: ModelName (max 63)
MODEL_NAME = re.compile(r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?")

_HINT = "1-63 letters, digits and hyphens, starting and ending with a letter or digit"


def _check(kind: str, name: object, pattern: re.Pattern[str], max_len: int = 63) -> str:
    if not isinstance(name, str) or len(name) > max_len or not pattern.fullmatch(name):
        shown = name if isinstance(name, str) else type(name).__name__
        raise SageCliError(f"invalid {kind} {shown!r}", hint=_HINT)
    return name


def is_valid_name(name: object) -> bool:
    """Whether name matches the EndpointName/TrainingJobName pattern (one safe path segment)."""
    return isinstance(name, str) and len(name) <= 63 and NAME_63.fullmatch(name) is not None


def _validator(kind: str, pattern: re.Pattern[str]) -> Callable[[object], str]:
    def check(name: object) -> str:
        return _check(kind, name, pattern)

    check.__doc__ = f"A valid {kind} (returned unchanged), or SageCliError."
    return check


endpoint_name = _validator("endpoint name", NAME_63)  # EndpointName
variant_name = _validator("variant name", NAME_63)  # VariantName
model_package_group_name = _validator("model package group name", NAME_63)  # EntityName
training_job_name = _validator("training job name", NAME_63)  # TrainingJobName
transform_job_name = _validator("transform job name", NAME_63)  # TransformJobName
model_name = _validator("model name", MODEL_NAME)  # ModelName
run_id = _validator("run id", NAME_63)  # sagecli's run ids end up in job names and folder names
