"""Old home of the flow's contracts, kept so existing imports keep working: they live in sagecli/contracts.py."""

from sagecli.contracts import *  # noqa: F403
from sagecli.contracts import __all__  # noqa: F401
