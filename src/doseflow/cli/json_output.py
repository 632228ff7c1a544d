"""``--json`` output: strict JSON, floats to 6 decimal places, indented by 2, for every command.

The rule, the same for every command:

- strict JSON (RFC 8259): a value that could not be computed (NaN) or an infinite one is
  ``null``, never ``NaN`` or ``Infinity``, which JSON parsers other than Python's refuse;
- floats rounded to 6 decimal places (``27.968750000000007`` -> ``27.96875``,
  ``0.000123456789`` -> ``0.000123``), the rule of
  :meth:`doseflow.simulate.OperatingCharacteristics.to_dict`: finer than any figure of a
  phase I trial is reported (percentages, probabilities, days, concentrations), and free of
  the binary noise of the last digits; whole numbers are kept whole;
- NumPy numbers and arrays, tuples and paths become plain JSON numbers, lists and strings;
- two-space indentation, keys in the order the result gives them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import typer

__all__ = ["DECIMALS", "print_json", "to_json_value"]

#: Decimal places of every float in ``--json`` output.
DECIMALS = 6


def to_json_value(value: Any) -> Any:
    """``value`` as plain JSON values: floats rounded, non-finite numbers None, containers as lists and dicts.

    Examples
    --------
    >>> to_json_value({"median": 27.968750000000007, "ci": (float("nan"), 0.123456789), "n": 32})
    {'median': 27.96875, 'ci': [None, 0.123457], 'n': 32}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    tolist = getattr(value, "tolist", None)  # NumPy scalars and arrays
    if tolist is not None:
        return to_json_value(tolist())
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, DECIMALS)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def print_json(data: Any) -> None:
    """Print ``data`` as strict JSON (see the module's rule) on standard output."""
    typer.echo(json.dumps(to_json_value(data), indent=2, allow_nan=False))
