"""Find processes by what they run (for orphan checks): reads /proc, Linux only."""

from __future__ import annotations

from pathlib import Path


def pids_with(marker: str) -> list[int]:
    """Live processes whose command line or environment mentions marker."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            text = (proc / "cmdline").read_bytes() + b"\0" + (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and marker.encode() in text:
            found.append(int(proc.name))
    return found


def server_pids_for(run_dir: Path) -> list[int]:
    """Endpoint server processes started for a run directory."""
    return pids_with(f"SAGECLI_SERVE_CONFIG={run_dir}")
