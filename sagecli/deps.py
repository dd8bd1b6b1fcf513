"""Optional dependencies of the demo: import them or fail with one line and an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

_HINTS = {
    "numpy": "pip install 'sagecli[demo]'  (or: pip install numpy)",
    "xgboost": "pip install 'sagecli[demo]'  (or: pip install xgboost-cpu)",
    "boto3": "pip install 'sagecli[demo]'  (or: pip install boto3)",
    "granian": "pip install 'sagecli[demo]'  (or: pip install granian)",
}


def require(module: str) -> ModuleType:
    """Import an optional module, or raise SageCliError naming the package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        from sagecli.errors import SageCliError

        top = module.split(".")[0]
        raise SageCliError(f"the demo needs {top}, which is not installed ({exc})",
                           hint=_HINTS.get(top, f"pip install {top}")) from None
