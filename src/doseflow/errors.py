"""The one exception and warning family of doseflow, with stable codes.

Every error a user can cause is an :class:`InputError` whose message has one shape::

    <where>: must be <expected>; got <value>. <hint>

for example ``pc.csv row 17, column PCSTRESN: must be a number >= 0; got 'BLQ'.``
The CLI prints that message after ``error:`` on one line and exits with status 2.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DoseflowError",
    "InputError",
    "ConfigError",
    "DataError",
    "ConvergenceError",
    "StateTransitionError",
    "DoseflowWarning",
    "DataWarning",
]


class DoseflowError(Exception):
    """Base of every error raised by doseflow; ``code`` is stable across releases."""

    code: str = "doseflow"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InputError(DoseflowError, ValueError):
    """A value given by the user (argument, option, file cell) is not acceptable.

    Parameters
    ----------
    where : str
        Where the value came from: an argument name, ``--target``, or
        ``"pc.csv row 17, column PCSTRESN"``.
    expected : str
        What the value must be, phrased to follow "must be".
    value : object
        The offending value, shown with ``repr``.
    hint : str, optional
        One sentence on how to fix it.
    code : str, optional
        Stable machine-readable code, e.g. ``"input.range"``.
    """

    code = "input"

    def __init__(
        self,
        where: str,
        expected: str,
        value: Any,
        hint: str = "",
        *,
        code: str | None = None,
    ) -> None:
        self.where = where
        self.expected = expected
        self.value = value
        self.hint = hint
        message = f"{where}: must be {expected}; got {value!r}."
        if hint:
            message += f" {hint}"
        super().__init__(message, code=code)


class ConfigError(InputError):
    """A design, model or analysis configuration is invalid."""

    code = "config"


class DataError(InputError):
    """A data file or data frame breaks its specification."""

    code = "data"


class ConvergenceError(DoseflowError):
    """A numerical procedure (root finding, integration, fit) did not converge."""

    code = "convergence"


class StateTransitionError(DoseflowError):
    """An operation is not allowed in the current trial state (e.g. enrolling after stop)."""

    code = "state"


class DoseflowWarning(UserWarning):
    """Base of doseflow's warnings; ``code`` is stable across releases."""

    code = "doseflow"


class DataWarning(DoseflowWarning):
    """Data were usable but something was imputed, flagged or skipped (and reported)."""

    code = "data"
