"""The knowledge base: typed records loaded from content/*.yaml (see loader.py and schema.py)."""

from sagecli.knowledge.store import KnowledgeBase, load_kb

__all__ = ["KnowledgeBase", "load_kb"]
