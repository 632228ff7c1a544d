"""The probability that the 3+3 escalates past a level (Storer 1989, section 2)."""

from __future__ import annotations

import numpy as np

from doseflow.errors import ConfigError

__all__ = ["compute_escalation_probability"]


def compute_escalation_probability(p: float | np.ndarray) -> float | np.ndarray:
    """Probability that the 3+3 escalates past a level whose DLT probability is ``p``.

    Parameters
    ----------
    p : float or array_like of float
        True DLT probability at the level, in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        ``P(0 DLT in 3) + P(1 DLT in 3) * P(0 DLT in the next 3)``; same shape as ``p``.

    Raises
    ------
    ConfigError
        If any ``p`` is not a finite number in [0, 1] (the message names ``p``).

    Notes
    -----
    Escalation happens on 0/3, or on 1/3 followed by 0/3 (at most 1 DLT in 6)
    (Storer 1989, section 2)::

        P(p) = (1 - p)^3 + 3 p (1 - p)^2 (1 - p)^3

    References
    ----------
    Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;
    45:925-937.

    Examples
    --------
    >>> round(compute_escalation_probability(0.3), 4)
    0.4943
    >>> compute_escalation_probability([0.0, 1.0]).tolist()
    [1.0, 0.0]
    """
    scalar = np.ndim(p) == 0
    try:
        arr = np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError("p", "a number or array of numbers in [0, 1]", p) from None
    if isinstance(p, bool) or not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ConfigError("p", "a number or array of numbers in [0, 1]", p)
    q = 1.0 - arr
    out = q**3 + 3.0 * arr * q**2 * q**3
    return float(out) if scalar else out
