"""A vectorised parser for headerless CSV: numbers without a Python loop per value.

Plain decimals ([+-]digits[.digits]) are decoded with numpy array arithmetic; anything else (an
exponent, text) falls back to float() per field, and fields that are not numbers are kept as strings.
Every field also gets a kind, so data-type checks can count Integral / Fractional / String values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sagecli.deps import require

MISSING, INTEGRAL, FRACTIONAL, STRING = 0, 1, 2, 3
CHUNK = 1 << 20  # bytes per vectorised block: 1 MB keeps the temporaries in cache and reused (8 MB: 1.5x the CPU)
MAX_WIDTH = 24  # longer fields take the float() path
THREADS = min(4, os.cpu_count() or 1)


@dataclass
class Table:
    """Parsed CSV: values (rows x cols, NaN where missing or text), kinds per cell, raw text of String cells."""

    values: Any  # float64 (rows, cols)
    kinds: Any  # uint8 (rows, cols): MISSING | INTEGRAL | FRACTIONAL | STRING
    strings: dict[int, dict[int, str]]  # column -> {row: text} for String cells
    widths: Any  # int (rows,): how many fields each row had

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return tuple(self.values.shape)  # type: ignore[return-value]


def parse_numeric(data: bytes | str) -> Any:
    """A rectangular all-numeric CSV as a float64 array; ValueError if a field is missing or not a number."""
    table = parse_table(data)
    np = require("numpy")
    if table.values.size == 0:
        return table.values
    if np.any(table.kinds == MISSING) or np.any(table.kinds == STRING) or np.any(table.widths != table.shape[1]):
        bad = np.argwhere((table.kinds == MISSING) | (table.kinds == STRING))
        where = f"row {bad[0][0] + 1}, column {bad[0][1] + 1}" if len(bad) else "a short row"
        raise ValueError(f"malformed CSV: expected numbers in every field ({where})")
    return table.values


def parse_table(data: bytes | str) -> Table:
    """Parse headerless CSV text into a Table (ragged rows are padded with MISSING)."""
    np = require("numpy")
    if isinstance(data, str):
        data = data.encode()
    if b"\r" in data:
        data = data.replace(b"\r", b"")
    first, end = 0, len(data)  # leading and trailing newlines are skipped by index: no copy of the data
    while first < end and data[first] == 10:
        first += 1
    while end > first and data[end - 1] == 10:
        end -= 1
    if first == end:
        return Table(np.zeros((0, 0)), np.zeros((0, 0), np.uint8), {}, np.zeros(0, np.int64))
    full = np.frombuffer(data, np.uint8)
    bounds = []
    start = first
    while start < end:
        stop = data.rfind(b"\n", start, start + CHUNK) + 1 if start + CHUNK < end else end
        if stop <= start:
            stop = data.index(b"\n", start) + 1 if data.find(b"\n", start, end) >= 0 else end
        bounds.append((start, stop))
        start = stop

    def block(b: tuple[int, int]) -> tuple[Any, Any, dict[int, str], Any]:
        lo, hi = b
        n = hi - lo + (hi == end)  # the last block ends at the last field: it gets a newline
        if hi + MAX_WIDTH + 1 > len(full):  # near the end of the data: newline and padding as a block-sized copy
            return _parse_chunk(np.concatenate((full[lo:hi], np.full(MAX_WIDTH + 1, 10, np.uint8))), n)
        return _parse_chunk(full[lo:lo + n + MAX_WIDTH], n)  # reads past the block see the next one's bytes

    if len(bounds) == 1:
        parts = [block(bounds[0])]
    else:  # numpy releases the GIL inside its loops, so blocks decode in parallel
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            parts = list(pool.map(block, bounds))
    widths = np.concatenate([p[3] for p in parts])
    ncols = int(widths.max())
    if np.all(widths == ncols) and not any(p[2] for p in parts):  # the common case: a rectangle of numbers
        values = np.concatenate([p[0] for p in parts]).reshape(-1, ncols)
        kinds = np.concatenate([p[1] for p in parts]).reshape(-1, ncols)
        return Table(values, kinds, {}, widths)
    vals_all = np.concatenate([p[0] for p in parts])
    kinds_all = np.concatenate([p[1] for p in parts])
    offsets = np.cumsum([0] + [len(p[0]) for p in parts])
    line = np.repeat(np.arange(len(widths)), widths)
    col = np.arange(len(line)) - np.repeat(np.cumsum(widths) - widths, widths)
    blank = (widths == 1) & (kinds_all[np.cumsum(widths) - 1] == MISSING)  # empty lines are skipped
    keep_row = np.cumsum(~blank) - 1
    values = np.full((int((~blank).sum()), ncols), np.nan)
    kinds = np.zeros(values.shape, np.uint8)
    live = ~blank[line]
    values[keep_row[line[live]], col[live]] = vals_all[live]
    kinds[keep_row[line[live]], col[live]] = kinds_all[live]
    strings: dict[int, dict[int, str]] = {}
    for k, part in enumerate(parts):
        for fidx, text in part[2].items():
            g = offsets[k] + fidx
            strings.setdefault(int(col[g]), {})[int(keep_row[line[g]])] = text
    widths = widths[~blank]
    return Table(values, kinds, strings, widths)


def _parse_chunk(a: Any, n: int) -> tuple[Any, Any, dict[int, str], Any]:
    """Decode one block of whole lines (the first n bytes of uint8 array a, which has MAX_WIDTH bytes more to
    read past the end): Horner's rule over character position, one vector op per position."""
    np = require("numpy")
    is_nl = a[:n] == 10
    sep_idx = np.flatnonzero(is_nl | (a[:n] == 44))
    nfields = len(sep_idx)
    starts = np.empty(nfields, np.int64)
    starts[0] = 0
    starts[1:] = sep_idx[:-1] + 1
    lengths = sep_idx - starts
    width = int(min(lengths.max(initial=0), MAX_WIDTH))
    vals = np.zeros(nfields)
    frac = np.zeros(nfields, np.int16)
    ndig = np.zeros(nfields, np.int16)
    dot = np.zeros(nfields, bool)
    bad = lengths > MAX_WIDTH
    first = a[starts]
    signed = (first == 45) | (first == 43)
    for j in range(width):
        active = lengths > j
        c = a[starts + j]  # for inactive fields this reads a separator or the next field: masked below
        d = c - np.uint8(48)
        isdig = (d < 10) & active
        vals = np.where(isdig, vals * 10.0 + d, vals)
        frac += isdig & dot
        ndig += isdig
        isdot = (c == 46) & active
        bad |= isdot & dot
        dot |= isdot
        other = active & ~isdig & ~isdot
        if j == 0:
            other &= ~signed
        bad |= other
    bad |= ((ndig == 0) & (lengths > 0)) | (ndig > 15)  # more than 15 digits: float() keeps it exact
    vals /= (10.0 ** np.arange(20))[np.minimum(frac, 19)]
    vals[first == 45] *= -1.0
    kinds = np.where(lengths == 0, MISSING, np.where(dot, FRACTIONAL, INTEGRAL)).astype(np.uint8)
    strings: dict[int, str] = {}
    for f in np.flatnonzero(bad).tolist():
        text = a[starts[f]:sep_idx[f]].tobytes().decode("utf-8", "replace")
        try:
            vals[f] = float(text)
            kinds[f] = INTEGRAL if text.strip().lstrip("+-").isdigit() else FRACTIONAL
        except ValueError:
            vals[f] = np.nan
            kinds[f] = MISSING if text.strip() == "" else STRING
            if kinds[f] == STRING:
                strings[f] = text
    vals[kinds == MISSING] = np.nan
    nl_field = np.flatnonzero(is_nl[sep_idx])
    widths = np.diff(np.concatenate(([-1], nl_field)))
    return vals, kinds, strings, widths
