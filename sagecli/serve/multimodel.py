"""Multi-model endpoint: model artifacts under one prefix, loaded on first use (TargetModel), evicted when full.

The worker keeps loaded models in least-recently-used order within a memory budget (the extracted model
files' size stands for their memory). A request for a model that is not loaded pays a cold load (extract +
load, measured); when the budget would be exceeded the least recently used models are unloaded first.
Every load and eviction is appended to an events file (JSON lines) the flow reads.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sagecli.serve.handler import InferenceHandler, RequestError

# TargetModel as InvokeEndpoint's API model allows it (a relative path under the prefix, no "..").
TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,1023}$")


def dir_size(path: Path) -> int:
    """Bytes of the files under path."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class ModelCache:
    """Loaded models by TargetModel name, least recently used first."""

    def __init__(self, prefix: Path, budget_bytes: int, work_dir: Path, events_path: Path) -> None:
        self.prefix = prefix
        self.budget_bytes = budget_bytes
        self.work_dir = work_dir
        self.events_path = events_path
        self.loaded: OrderedDict[str, tuple[InferenceHandler, Any, int]] = OrderedDict()

    def _event(self, **record: Any) -> None:
        self.events_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.events_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"time": time.time(), **record}) + "\n")

    def get(self, target: str, make_batcher: Any) -> tuple[InferenceHandler, Any]:
        """The handler and batcher of a model, loading it (and evicting others) if needed."""
        if target in self.loaded:
            self.loaded.move_to_end(target)
            handler, batcher, _ = self.loaded[target]
            return handler, batcher
        if not TARGET.match(target) or ".." in target:
            raise RequestError(400, f"invalid TargetModel {target!r}")
        artifact = self.prefix / target
        if not artifact.is_file():
            raise RequestError(400, f"TargetModel {target} not found under the model data prefix")
        from sagecli.serve.model import extract_model, load_model_dir

        t0 = time.perf_counter()
        model_dir = self.work_dir / target.replace(".", "_")
        shutil.rmtree(model_dir, ignore_errors=True)
        model = load_model_dir(extract_model(artifact, model_dir))
        size = dir_size(model_dir)
        load_ms = (time.perf_counter() - t0) * 1000
        if size > self.budget_bytes:
            shutil.rmtree(model_dir, ignore_errors=True)
            raise RequestError(400, f"model {target} ({size} bytes) does not fit the {self.budget_bytes} byte budget")
        while self.loaded and sum(s for _, _, s in self.loaded.values()) + size > self.budget_bytes:
            name, _ = self.loaded.popitem(last=False)
            shutil.rmtree(self.work_dir / name.replace(".", "_"), ignore_errors=True)
            self._event(event="evict", model=name, reason="memory budget", for_model=target)
        handler = InferenceHandler(model)
        batcher = make_batcher(model)
        self.loaded[target] = (handler, batcher, size)
        self._event(event="load", model=target, ms=round(load_ms, 3), bytes=size)
        return handler, batcher


def read_events(path: Path) -> list[dict[str, Any]]:
    """The load/evict events a worker wrote (none yet: an empty list)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
