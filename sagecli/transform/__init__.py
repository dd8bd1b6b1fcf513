"""Batch transform on this machine, following CreateTransformJob's data handling."""
