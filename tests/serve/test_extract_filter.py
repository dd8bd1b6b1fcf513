"""Issue 10 item 11: model archives are only extracted with tarfile's data filter (Python 3.11.4+)."""

from __future__ import annotations

import io
import tarfile
import tomllib
from pathlib import Path

import pytest

from sagecli.errors import SageCliError
from sagecli.serve.model import extract_model

ROOT = Path(__file__).resolve().parents[2]


def test_requires_python_excludes_versions_without_the_data_filter() -> None:
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert not spec.contains("3.11.0") and not spec.contains("3.11.3")
    assert spec.contains("3.11.4") and spec.contains("3.12.0")


def test_no_extraction_without_the_data_filter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tarball = tmp_path / "model.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    monkeypatch.delattr(tarfile, "data_filter")  # as on Python 3.11.0-3.11.3
    with pytest.raises(SageCliError, match="data filter") as err:
        extract_model(tarball, tmp_path / "out")
    assert "3.11.4" in (err.value.hint or "")
    assert not (tmp_path / "out").exists()
