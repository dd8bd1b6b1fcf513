"""model.tar.gz handling: the data filter refuses path traversal; pickles are never loaded."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import pytest

from sagecli.errors import SageCliError
from sagecli.serve.model import extract_model, load_model_dir


def _tar(path: Path, name: str, data: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_path_traversal_is_refused(tmp_path: Path) -> None:
    evil = _tar(tmp_path / "model.tar.gz", "../escaped.txt", b"x")
    with pytest.raises(SageCliError):
        extract_model(evil, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_absolute_member_stays_inside_the_target(tmp_path: Path) -> None:
    evil = _tar(tmp_path / "model.tar.gz", str(tmp_path / "abs.txt"), b"x")
    extract_model(evil, tmp_path / "out")  # the data filter strips the leading "/"
    assert not (tmp_path / "abs.txt").exists()
    assert list((tmp_path / "out").rglob("abs.txt"))


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path("/tmp/sagecli-pickle-ran"),))


def test_a_pickled_model_is_not_loaded(tmp_path: Path) -> None:
    marker = Path("/tmp/sagecli-pickle-ran")
    marker.unlink(missing_ok=True)
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    (model_dir / "xgboost-model").write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(SageCliError) as err:
        load_model_dir(model_dir)
    assert "not in XGBoost's model format" in err.value.message
    assert not marker.exists()


def test_missing_model_file_names_what_was_found(tmp_path: Path) -> None:
    (tmp_path / "other.bin").write_bytes(b"1")
    with pytest.raises(SageCliError) as err:
        load_model_dir(tmp_path)
    assert "other.bin" in err.value.message
