"""Validate API requests offline against botocore's service model (no call, no credentials).

botocore's ParamValidator checks required members, types, lengths and ranges. SageMaker has no
DryRun parameter, so we also check what ParamValidator leaves to the server: enum values (instance
types, input modes) and string patterns (names, ARNs, tag keys).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sagecli.errors import SageCliError


@lru_cache(maxsize=8)
def service_model(service: str) -> Any:
    """The botocore service model for a service, loaded from botocore's bundled data."""
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # \p{L} and friends: Python's re cannot read them; the server still checks
        return None


def _walk(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, sub in value.items():
            if key in shape.members:
                _walk(shape.members[key], sub, f"{path}.{key}", problems)
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _walk(shape.key, key, f"{path} key", problems)
            _walk(shape.value, item, f"{path}.{key}", problems)
    elif kind == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of the {len(enum)} values of {shape.name}")
            return
        pattern = shape.metadata.get("pattern")
        rx = _compiled(pattern) if pattern else None
        if rx is not None and not rx.fullmatch(value):
            problems.append(f"{path}: {value!r} does not match {shape.name} pattern {pattern}")


def problems_for(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """Every problem botocore's model finds in one request; an empty list means valid."""
    from botocore.validate import ParamValidator

    op = service_model(service).operation_model(operation)
    report = ParamValidator().validate(params, op.input_shape)
    problems: list[str] = []
    if report.has_errors():
        problems.extend(line.strip() for line in report.generate_report().splitlines() if line.strip())
    _walk(op.input_shape, params, operation, problems)
    return problems


def check(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise SageCliError naming the first problem if the request does not validate."""
    problems = problems_for(service, operation, params)
    if problems:
        raise SageCliError(
            f"{operation} request is invalid: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            hint="nothing was created; fix the option named above",
        )


def enum_values(shape_name: str, service: str = "sagemaker") -> tuple[str, ...]:
    """The values of an enum shape, e.g. TrainingInstanceType."""
    return tuple(service_model(service).shape_for(shape_name).enum)
