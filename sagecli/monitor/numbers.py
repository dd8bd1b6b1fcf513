"""Numbers printed the way the Model Monitor container (Scala/Java on Spark) prints a Double."""

from __future__ import annotations

import math


def java_double(value: float) -> str:
    """Java's Double.toString: shortest round-trip digits, scientific below 1e-3 and from 1e7 (1.0E-4).

    Real violation text reads "Observed: Only 99.64592817400101% of data is Integral." and
    "Expected match: 100.0%": the same digits as Python's repr for ordinary values.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    mag = abs(value)
    if 1e-3 <= mag < 1e7:
        text = repr(float(value))
        return text if ("." in text or "e" in text) else text + ".0"
    for places in range(17):  # the shortest scientific form that reads back as the same double
        sci = f"{value:.{places}e}"
        if float(sci) == value:
            break
    mantissa, exp = sci.split("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{int(exp)}"
