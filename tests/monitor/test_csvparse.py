"""The vectorised CSV parser agrees with Python's float() and classifies every cell."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagecli.monitor.csvparse import FRACTIONAL, INTEGRAL, MISSING, STRING, parse_numeric, parse_table

cell = st.one_of(
    st.integers(-10**12, 10**12).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.6f}"),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.just(""),
    st.sampled_from(["abc", "x y", "1.2.3", "--1", "+", ".", "1e5", "-2.5E-3", "+7"]),
)


def reference(text: str) -> tuple[float, int]:
    if text.strip() == "":
        return math.nan, MISSING
    try:
        value = float(text)
    except ValueError:
        return math.nan, STRING
    plain = text.lstrip("+-")
    return value, INTEGRAL if plain.isdigit() else FRACTIONAL


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=30))
def test_matches_python_float(rows: list[list[str]]) -> None:
    rows = [r for r in rows if any(c != "" for c in r)]  # a line of only empty cells still has 3 cells
    if not rows:
        return
    table = parse_table("\n".join(",".join(r) for r in rows) + "\n")
    assert table.shape == (len(rows), 3)
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            value, kind = reference(text)
            assert table.kinds[i, j] == kind, (text, table.kinds[i, j])
            if kind in (INTEGRAL, FRACTIONAL):
                assert table.values[i, j] == pytest.approx(value, rel=1e-12, abs=1e-12), text
            if kind == STRING:
                assert table.strings[j][i] == text


def test_ragged_rows_blank_lines_and_crlf() -> None:
    t = parse_table(b"1,2,3\r\n4,5\r\n\r\n6,7,8,9\r\n")
    assert t.shape == (3, 4)
    assert t.widths.tolist() == [3, 2, 4]
    assert t.kinds[1].tolist() == [INTEGRAL, INTEGRAL, MISSING, MISSING]


def test_parse_numeric_rejects_missing_and_text() -> None:
    assert parse_numeric(b"1,2\n3,4\n").tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="row 2, column 2"):
        parse_numeric(b"1,2\n3,x\n")
    with pytest.raises(ValueError):
        parse_numeric(b"1,2\n3,\n")


def test_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    from sagecli.monitor import csvparse

    monkeypatch.setattr(csvparse, "CHUNK", 1000)  # many blocks, each cut at a line end
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=(5000, 4)) * 1000, 3)
    text = "\n".join(",".join(f"{v:.3f}" for v in r) for r in x).encode()
    assert np.array_equal(parse_numeric(text), x)


def test_blocks_give_the_same_table_as_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from sagecli.monitor import csvparse

    rng = np.random.default_rng(3)
    words = ["red", "green", "", "1.5", "-2", "x y", "7"]
    lines = [",".join(rng.choice(words, rng.integers(1, 5)).tolist()) for _ in range(400)]
    text = ("\n".join(lines) + "\n").encode()
    whole = parse_table(text)
    monkeypatch.setattr(csvparse, "CHUNK", 64)
    split = parse_table(text)
    assert split.shape == whole.shape
    assert np.array_equal(split.kinds, whole.kinds)
    assert np.array_equal(split.values, whole.values, equal_nan=True)
    assert split.strings == whole.strings
    assert np.array_equal(split.widths, whole.widths)
