"""Backends by name: a name -> "module:Class" table, imported only when chosen."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sagecli.errors import UsageError

if TYPE_CHECKING:
    from sagecli.contracts import Backend, RunContext

BACKENDS: dict[str, str] = {
    "local": "sagecli.flow.backends.local:LocalBackend",
    "sagemaker": "sagecli.flow.backends.sagemaker:SageMakerBackend",
}


def create_backend(name: str, ctx: RunContext) -> Backend:
    """Import and construct the backend called `name` with the run context."""
    target = BACKENDS.get(name)
    if target is None:
        raise UsageError(f"unknown backend {name!r}", hint="choose one of: " + ", ".join(sorted(BACKENDS)))
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # a dependency is missing: let its own error (with its hint) through
        from sagecli.errors import SageCliError

        raise SageCliError(f"the {name} backend is not part of this build") from None
    return getattr(module, class_name)(ctx)
