"""The module granian imports in the server process: builds the app from $SAGECLI_SERVE_CONFIG."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sagecli.serve.app import build_app

app = build_app(json.loads(Path(os.environ["SAGECLI_SERVE_CONFIG"]).read_text()))
