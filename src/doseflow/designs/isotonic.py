"""Weighted isotonic regression by pool-adjacent-violators, for MTD selection.

Every interval design selects its MTD from per-level DLT-rate estimates made
non-decreasing in dose by isotonic regression (Barlow et al. 1972; as used by
``BOIN::select.mtd``, Liu and Yuan 2015, and ``Keyboard::select.mtd.kb``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from doseflow.errors import InputError

__all__ = ["compute_isotonic_regression"]


def compute_isotonic_regression(
    values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray | None = None
) -> np.ndarray:
    """Weighted least-squares non-decreasing fit by pool-adjacent-violators (PAVA).

    Parameters
    ----------
    values : sequence of float, length m >= 0
        Estimates in dose order (lowest first), e.g. posterior mean DLT rates.
    weights : sequence of float, length m, optional
        Positive finite weights (e.g. 1 / posterior variance); all 1 by default.

    Returns
    -------
    numpy.ndarray of float, length m
        The non-decreasing sequence minimising ``sum(w_i (x_i - f_i)^2)``: each
        pooled block takes the weighted mean of its values.

    Raises
    ------
    InputError
        If the lengths differ, a value is not finite, or a weight is not positive and finite.

    Notes
    -----
    Adjacent blocks that violate monotonicity (left mean > right mean) are merged into
    their weighted mean until none is left (Barlow, Bartholomew, Bremner and Brunk
    1972, ch. 1; Robertson, Wright and Dykstra 1988, sect. 1.2). The solution is unique,
    so the order in which violators are merged (the R packages BOIN and Keyboard merge
    the leftmost violator first; this function uses a left-to-right stack) does not
    change the result beyond rounding.

    References
    ----------
    Barlow RE, Bartholomew DJ, Bremner JM, Brunk HD (1972). *Statistical Inference
    under Order Restrictions*. Wiley.

    Examples
    --------
    >>> compute_isotonic_regression([0.1, 0.3, 0.2, 0.4]).tolist()
    [0.1, 0.25, 0.25, 0.4]
    >>> compute_isotonic_regression([0.5, 0.1], weights=[1.0, 3.0]).tolist()
    [0.2, 0.2]
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise InputError("values", "a one-dimensional sequence of finite numbers", values)
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != x.shape:
            raise InputError("weights", f"a sequence as long as values ({x.size})", weights)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise InputError("weights", "positive finite numbers", weights)
    # Stack of blocks: weighted mean, total weight, number of members.
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for xi, wi in zip(x.tolist(), w.tolist()):
        means.append(xi)
        totals.append(wi)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m2, w2, s2 = means.pop(), totals.pop(), sizes.pop()
            m1, w1, s1 = means.pop(), totals.pop(), sizes.pop()
            means.append((m1 * w1 + m2 * w2) / (w1 + w2))
            totals.append(w1 + w2)
            sizes.append(s1 + s2)
    return np.repeat(np.asarray(means, dtype=float), sizes)
