"""Weighted isotonic regression by pool-adjacent-violators, for MTD selection.

Every interval design selects its MTD from per-level DLT-rate estimates made
non-decreasing in dose by isotonic regression (Barlow et al. 1972; as used by
``BOIN::select.mtd``, Liu and Yuan 2015, and ``Keyboard::select.mtd.kb``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from doseflow.errors import InputError

__all__ = ["compute_isotonic_regression", "compute_isotonic_batch", "select_closest_isotonic_batch"]


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


def compute_isotonic_batch(values: np.ndarray, weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`compute_isotonic_regression` of every row at once, over the masked entries only.

    Parameters
    ----------
    values, weights : float arrays (rows, m)
        Estimates and positive weights in dose order.
    mask : bool array (rows, m)
        Entries that take part (e.g. levels tried and not eliminated); the others are
        skipped, as if removed from the row.

    Returns
    -------
    float array (rows, m)
        The isotonic fit of each row's masked entries; NaN where ``mask`` is False.

    Notes
    -----
    The same left-to-right stack of blocks as the one-row function, run on all rows in
    step, with the same arithmetic for each merge ``(m1 w1 + m2 w2) / (w1 + w2)``: each
    row's result equals the one-row result bit for bit (property-tested).

    Examples
    --------
    >>> v = np.array([[0.1, 0.3, 0.2, 0.4], [0.5, 0.1, 0.9, 0.0]])
    >>> m = np.array([[True, True, True, True], [True, True, False, False]])
    >>> compute_isotonic_batch(v, np.ones_like(v), m).round(3).tolist()
    [[0.1, 0.25, 0.25, 0.4], [0.3, 0.3, nan, nan]]
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    rows_n, m = x.shape
    means = np.zeros((rows_n, m))
    totals = np.zeros((rows_n, m))
    sizes = np.zeros((rows_n, m), dtype=np.int64)
    height = np.zeros(rows_n, dtype=np.int64)
    rows = np.arange(rows_n)
    for j in range(m):
        r = rows[mask[:, j]]
        h = height[r]
        means[r, h], totals[r, h], sizes[r, h] = x[r, j], w[r, j], 1
        height[r] = h + 1
        while r.size:
            r = r[height[r] > 1]
            h = height[r]
            r = r[means[r, h - 2] > means[r, h - 1]]
            if not r.size:
                break
            h = height[r]
            m1, w1, s1 = means[r, h - 2], totals[r, h - 2], sizes[r, h - 2]
            m2, w2, s2 = means[r, h - 1], totals[r, h - 1], sizes[r, h - 1]
            means[r, h - 2] = (m1 * w1 + m2 * w2) / (w1 + w2)
            totals[r, h - 2] = w1 + w2
            sizes[r, h - 2] = s1 + s2
            height[r] = h - 1
    rank = np.cumsum(mask, axis=1) - 1
    ends = np.cumsum(sizes, axis=1)
    block = np.minimum((rank[:, :, None] >= ends[:, None, :]).sum(axis=2), m - 1)
    return np.where(mask, np.take_along_axis(means, block, axis=1), np.nan)


def select_closest_isotonic_batch(
    estimates: np.ndarray, admissible: np.ndarray, target: float, tie_rule: str
) -> np.ndarray:
    """Per row, the 0-based admissible level whose isotonic estimate is closest to ``target``.

    ``tie_rule`` as in :func:`doseflow.designs.interval.mechanism.select_isotonic_mtd`:
    ``"offset"`` adds i * 1e-10 to the i-th admissible estimate and takes the first
    minimum; ``"explicit"`` takes, among levels at the minimum distance, the highest if
    their mean estimate is below the target, else the lowest. -1 where no level is
    admissible.
    """
    rank = np.cumsum(admissible, axis=1)
    if tie_rule == "offset":
        dist = np.where(admissible, np.abs(estimates + rank * 1e-10 - target), np.inf)
        pick = np.argmin(dist, axis=1)
    else:
        dist = np.where(admissible, np.abs(estimates - target), np.inf)
        tied = dist == dist.min(axis=1, keepdims=True)
        tied_mean = np.where(tied, estimates, 0.0).sum(axis=1) / np.maximum(tied.sum(axis=1), 1)
        last = estimates.shape[1] - 1 - np.argmax(tied[:, ::-1], axis=1)
        pick = np.where(tied_mean < target, last, np.argmax(tied, axis=1))
    return np.where(admissible.any(axis=1), pick, -1)
