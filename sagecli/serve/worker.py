"""The module granian imports in the server process: builds the app from $SAGECLI_SERVE_CONFIG."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from sagecli.serve.app import build_app
from sagecli.serve.process import MAX_CONNECTIONS


def _allow_connections(wanted: int = MAX_CONNECTIONS + 256) -> None:
    """Raise this worker's open-file soft limit (often 1,024) so it can hold MAX_CONNECTIONS sockets."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


_allow_connections()
app = build_app(json.loads(Path(os.environ["SAGECLI_SERVE_CONFIG"]).read_text()))
