"""Escalation with overdose control (EWOC) on BLRM interval probabilities.

The BLRM recommends, among the doses whose posterior probability of over-dosing is below
a limit (0.25), the one with the highest probability of a DLT rate in the target interval
(Neuenschwander, Branson and Gsponer 2008, sect. 3.3; the overdose control of Babb,
Rogatko and Zacks 1998), never more than a fixed multiple of the highest dose tried so
far (e.g. at most doubling).

References
----------
Babb J, Rogatko A, Zacks S (1998). Cancer phase I clinical trials: efficient dose
escalation with overdose control. Statistics in Medicine 17:1103-1120.
Neuenschwander B, Branson M, Gsponer T (2008). Statistics in Medicine 27:2420-2439.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from doseflow.checks import check_probability, check_real
from doseflow.errors import ConfigError, InputError

__all__ = ["compute_ewoc_admissible", "compute_ewoc_next_level"]

#: Relative slack on the escalation cap, so that 2 x 1.5 mg admits a 3.0 mg dose.
CAP_SLACK = 1e-9


def compute_ewoc_admissible(
    interval_probabilities: np.ndarray,
    doses: Sequence[float],
    highest_tried: np.ndarray,
    *,
    overdose_limit: float = 0.25,
    max_increase: float | None = 2.0,
) -> np.ndarray:
    """Levels allowed by overdose control and the escalation cap.

    Parameters
    ----------
    interval_probabilities : array, shape (trials, levels, 3) or (levels, 3)
        Posterior probabilities of under-dosing, target and over-dosing per level (as
        ``BLRMPosterior.interval_probabilities`` with the default bounds).
    doses : sequence of float > 0, shape (levels,)
        Dose amounts, increasing.
    highest_tried : array of int, shape (trials,) or scalar
        0-based highest level given so far; -1 when no dose has been given (no cap).
    overdose_limit : float in (0, 1), default 0.25
        A level is admissible only if ``P(over-dosing) < overdose_limit``.
    max_increase : float >= 1 or None, default 2
        A level is admissible only if its dose is at most ``max_increase`` times the
        highest dose tried; None for no cap.

    Returns
    -------
    numpy.ndarray of bool, shape (trials, levels)

    Examples
    --------
    >>> probs = np.array([[0.9, 0.1, 0.0], [0.5, 0.4, 0.1], [0.2, 0.5, 0.3]])
    >>> compute_ewoc_admissible(probs, [1, 2, 4], 0).tolist()
    [[True, True, False]]
    """
    p = np.asarray(interval_probabilities, dtype=float)
    if p.ndim == 2:
        p = p[None]
    d = np.asarray(doses, dtype=float)
    if p.ndim != 3 or p.shape[2] != 3 or p.shape[1] != d.size:
        shape = np.shape(interval_probabilities)
        raise InputError("interval_probabilities", f"an array of shape (trials, {d.size}, 3)", f"shape {shape}")
    if not np.all(np.isfinite(d)) or np.any(d <= 0) or np.any(np.diff(d) <= 0):
        raise ConfigError("doses", "increasing positive dose amounts", list(doses))
    limit = check_probability(overdose_limit, "overdose_limit")
    top = np.broadcast_to(np.asarray(highest_tried), (p.shape[0],))
    if not np.issubdtype(top.dtype, np.integer) or top.min() < -1 or top.max() >= d.size:
        expected = f"0-based levels from -1 (none) to {d.size - 1}"
        raise InputError("highest_tried", expected, np.asarray(highest_tried).tolist())
    admissible = p[:, :, 2] < limit
    if max_increase is not None:
        factor = check_real(max_increase, "max_increase", minimum=1.0)
        cap = np.where(top >= 0, factor * d[np.maximum(top, 0)] * (1.0 + CAP_SLACK), np.inf)
        admissible &= d[None, :] <= cap[:, None]
    return admissible


def compute_ewoc_next_level(
    interval_probabilities: np.ndarray,
    doses: Sequence[float],
    highest_tried: np.ndarray,
    *,
    overdose_limit: float = 0.25,
    max_increase: float | None = 2.0,
) -> np.ndarray:
    """The admissible level with the highest probability of a DLT rate in the target interval.

    Parameters are those of :func:`compute_ewoc_admissible`.

    Returns
    -------
    numpy.ndarray of int, shape (trials,)
        0-based next level; ties go to the lower level; -1 where no level is admissible
        (every level too likely to over-dose, or none within the cap).

    Examples
    --------
    >>> probs = np.array([[0.9, 0.1, 0.0], [0.5, 0.4, 0.1], [0.2, 0.5, 0.3]])
    >>> compute_ewoc_next_level(probs, [1, 2, 4], 0).tolist()
    [1]
    >>> compute_ewoc_next_level(probs, [1, 2, 4], 0, overdose_limit=0.35).tolist()
    [1]
    >>> compute_ewoc_next_level(probs, [1, 2, 4], 1, overdose_limit=0.35).tolist()
    [2]
    """
    admissible = compute_ewoc_admissible(
        interval_probabilities, doses, highest_tried, overdose_limit=overdose_limit, max_increase=max_increase
    )
    p = np.asarray(interval_probabilities, dtype=float).reshape(admissible.shape + (3,))
    score = np.where(admissible, p[:, :, 1], -np.inf)
    return np.where(admissible.any(axis=1), np.argmax(score, axis=1), -1)
