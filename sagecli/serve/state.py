"""Running local endpoints, recorded under $SAGECLI_HOME/endpoints/<name>.json for `sagecli endpoint ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagecli.errors import SageCliError
from sagecli.names import endpoint_name
from sagecli.paths import atomic_write_text, home_dir


def endpoints_dir() -> Path:
    """Where endpoint records live."""
    return home_dir() / "endpoints"


def save_endpoint(record: dict[str, Any]) -> Path:
    """Record a running endpoint (name, url, port, pid, variant, capture root, run id)."""
    path = endpoints_dir() / f"{endpoint_name(record['name'])}.json"
    atomic_write_text(path, json.dumps(record, indent=2))
    return path


def forget_endpoint(name: str) -> None:
    """Remove an endpoint's record."""
    (endpoints_dir() / f"{endpoint_name(name)}.json").unlink(missing_ok=True)


def list_endpoints() -> list[dict[str, Any]]:
    """Every recorded endpoint with a live status (InService when /ping answers)."""
    from sagecli.serve.process import is_endpoint_server, ping

    out = []
    folder = endpoints_dir()
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        rec = json.loads(path.read_text())
        alive = is_endpoint_server(int(rec["pid"]), rec["url"]) and ping(rec["url"], timeout=1.0)
        out.append({**rec, "status": "InService" if alive else "Stopped"})
    return out


def get_endpoint(name: str) -> dict[str, Any]:
    """One endpoint record, or a SageCliError naming the ones that exist (a name that is not an EndpointName too)."""
    path = endpoints_dir() / f"{endpoint_name(name)}.json"
    if not path.exists():
        names = sorted(p.stem for p in endpoints_dir().glob("*.json")) if endpoints_dir().exists() else []
        raise SageCliError(f"no local endpoint named {name!r}",
                           hint=("running: " + ", ".join(names)) if names else "start one with: sagecli run-demo "
                           "--keep-endpoint")
    return json.loads(path.read_text())
