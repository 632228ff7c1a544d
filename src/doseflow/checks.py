"""Input checks for the public boundary: each returns the value it accepts.

Modelled on admiraldev's assertions: fail fast, name the argument, show the value.
Every check raises :class:`doseflow.errors.ConfigError` (or the ``error`` class passed)
with the message shape ``<where>: must be <expected>; got <value>.``
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

from doseflow.errors import ConfigError, InputError

__all__ = [
    "check_probability",
    "check_int",
    "check_real",
    "check_choice",
    "check_counts",
    "check_bool_like",
]


def check_probability(
    value: object, where: str, *, open_interval: bool = True, error: type[InputError] = ConfigError
) -> float:
    """Return ``value`` as a float if it is a probability (strictly inside (0, 1) by default)."""
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(float(value)):
        raise error(where, "a number in (0, 1)" if open_interval else "a number in [0, 1]", value)
    v = float(value)
    if open_interval and not 0.0 < v < 1.0:
        raise error(where, "a number in (0, 1)", value)
    if not open_interval and not 0.0 <= v <= 1.0:
        raise error(where, "a number in [0, 1]", value)
    return v


def check_int(
    value: object,
    where: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    error: type[InputError] = ConfigError,
) -> int:
    """Return ``value`` as an int if it is a whole number within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        if isinstance(value, Real) and float(value).is_integer():
            value = int(value)
        else:
            raise error(where, "a whole number", value)
    v = int(value)
    if minimum is not None and v < minimum:
        raise error(where, f"a whole number >= {minimum}", value)
    if maximum is not None and v > maximum:
        raise error(where, f"a whole number <= {maximum}", value)
    return v


def check_real(
    value: object,
    where: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict: bool = False,
    error: type[InputError] = ConfigError,
) -> float:
    """Return ``value`` as a finite float within its bounds (exclusive bounds if ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise error(where, "a finite number", value)
    v = float(value)
    op = ">" if strict else ">="
    if minimum is not None and (v <= minimum if strict else v < minimum):
        raise error(where, f"a number {op} {minimum:g}", value)
    op = "<" if strict else "<="
    if maximum is not None and (v >= maximum if strict else v > maximum):
        raise error(where, f"a number {op} {maximum:g}", value)
    return v


def check_choice(
    value: object, where: str, choices: Sequence[str], *, error: type[InputError] = ConfigError
) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise error(where, "one of " + ", ".join(repr(c) for c in choices), value)
    return str(value)


def check_counts(
    n: Sequence[int], dlt: Sequence[int], *, error: type[InputError] = InputError
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return per-level patient and DLT counts after checking they are consistent.

    Raises if the lists differ in length, a count is negative or not whole, or a DLT
    count exceeds the number of patients at its level (levels named 1-based).
    """
    if len(n) != len(dlt):
        raise error("--dlt", f"a list as long as --n ({len(n)} levels)", list(dlt))
    if len(n) == 0:
        raise error("--n", "a list with at least one dose level", list(n))
    n_out = tuple(check_int(v, f"--n level {i + 1}", minimum=0, error=error) for i, v in enumerate(n))
    y_out = tuple(check_int(v, f"--dlt level {i + 1}", minimum=0, error=error) for i, v in enumerate(dlt))
    for i, (ni, yi) in enumerate(zip(n_out, y_out)):
        if yi > ni:
            raise error(
                f"--dlt level {i + 1}",
                f"at most the number of patients at that level ({ni})",
                yi,
            )
    return n_out, y_out


def check_bool_like(
    value: Any, where: str, *, allow_none: bool = False, error: type[InputError] = ConfigError
) -> bool | None:
    """Return ``value`` as a Python bool (or None) if it is a boolean in any of its usual forms.

    Accepts ``bool``, ``numpy.bool_``, the integers 0 and 1 (Python, NumPy or a database
    driver's), the floats 0.0 and 1.0; with ``allow_none``, ``None``, NaN and ``pandas.NA``
    give None (an outcome not known yet). Anything else, strings included, is an error: a
    value such as ``"Y"`` must be recoded by the reader that knows its meaning.

    Examples
    --------
    >>> import numpy as np
    >>> check_bool_like(np.bool_(True), "dlt"), check_bool_like(0, "dlt")
    (True, False)
    >>> check_bool_like(float("nan"), "dlt", allow_none=True) is None
    True
    >>> check_bool_like("yes", "dlt")
    Traceback (most recent call last):
    ...
    doseflow.errors.ConfigError: dlt: must be True or False; got 'yes'.
    """
    expected = "True, False or None (pending)" if allow_none else "True or False"
    if value is None:
        if allow_none:
            return None
        raise error(where, expected, value)
    if isinstance(value, bool):
        return value
    if type(value).__name__ in ("bool_", "bool") and hasattr(value, "item"):  # numpy.bool_
        return bool(value.item())
    if type(value).__name__ == "NAType":  # pandas.NA
        if allow_none:
            return None
        raise error(where, expected, value)
    if isinstance(value, Integral) and int(value) in (0, 1):
        return bool(int(value))
    if isinstance(value, Real) and not isinstance(value, Integral):
        v = float(value)
        if math.isnan(v) and allow_none:
            return None
        if v in (0.0, 1.0):
            return v == 1.0
    raise error(where, expected, value)
