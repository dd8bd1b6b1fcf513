"""Plain JSON output for --json: no rich, no markup, numbers as numbers."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(data: Any) -> None:
    """Print data as JSON on stdout: indented on a terminal, one compact line when piped (as `gh api` does).

    Scripts parse either; the compact form is a third smaller and several ms faster to write for the
    large answers (an instance recommendation ranks every type the API accepts).
    """
    if sys.stdout.isatty():
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        # check_circular off: answers are trees built fresh for output, and the check costs ~0.4 ms on the
        # largest one (an instance recommendation)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"), check_circular=False) + "\n")
