"""`quiz export`: an Anki deck under a name Anki cannot import is refused in one line."""

from __future__ import annotations

from tests.conftest import run_cli
from tests.quiz.helpers import FIXTURE


def test_anki_export_needs_an_apkg_name(tmp_path) -> None:
    bad = tmp_path / "deck.anki"
    res = run_cli("quiz", "export", "--format", "anki", "--content", str(FIXTURE), "-o", str(bad))
    assert res.returncode == 2 and ".apkg" in res.stderr and "Traceback" not in res.stderr
    assert not bad.exists()
    good = tmp_path / "deck.APKG"
    res = run_cli("quiz", "export", "--format", "anki", "--content", str(FIXTURE), "-o", str(good))
    assert res.returncode == 0 and good.stat().st_size > 0
