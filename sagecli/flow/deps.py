"""Old home of `require`, kept so existing imports keep working: it lives in sagecli/deps.py."""

from sagecli.deps import require

__all__ = ["require"]
