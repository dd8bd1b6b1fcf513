"""Where sagecli keeps things: the one place paths come from."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    """User state directory: $SAGECLI_HOME if set, else the platformdirs user data dir."""
    env = os.environ.get("SAGECLI_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("sagecli", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Cache directory for derived data (the compiled knowledge base), under home_dir()."""
    path = home_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def content_dir() -> Path:
    """The bundled knowledge base: inside the installed package, or the repository's content/."""
    here = Path(__file__).resolve().parent
    packaged = here / "content"
    if packaged.is_dir():
        return packaged
    return here.parent / "content"


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file atomically: a temporary file in the same folder, then os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
