"""Probabilities of a Beta posterior of a DLT rate: ``P(p <= x)`` and ``P(p > x)``.

The interval designs' rules (BOIN's and keyboard's elimination, the keyboard and mTPI-2
keys) and the too-toxic stopping rule ask for these with a Beta(1, 1) prior, so the
posterior Beta(1 + y, 1 + n - y) has whole-number parameters. Then the Beta distribution
function is a binomial tail (Abramowitz and Stegun 1964, 26.5.24):

    I_x(a, b) = P(Bin(a + b - 1, x) >= a),

a finite sum computed here in log space with NumPy. The design commands thus decide without
importing ``scipy.special``, whose import alone takes about 0.2 s (the command line must answer
in under 0.5 s; ``benchmarks/cli_startup.py``). Other parameters (a prior such as
Beta(0.05, 0.05), or more than :data:`MAX_WHOLE_PARAMETERS` trials in the binomial) are passed
to ``scipy.special.betainc`` / ``betaincc``. The tests hold both paths to scipy's values on
random and extreme arguments.

References
----------
Abramowitz M, Stegun IA (1964). Handbook of Mathematical Functions, 26.5.24. National
Bureau of Standards.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["MAX_WHOLE_PARAMETERS", "beta_cdf", "beta_sf"]

#: Largest a + b - 1 computed as a binomial sum; above it (or for other parameters) scipy's.
MAX_WHOLE_PARAMETERS = 10_000
#: Cells of one block of binomial distributions (rows x successes) held at once.
_BLOCK_CELLS = 2_000_000


def beta_cdf(x, a, b) -> np.ndarray:
    """``P(p <= x)`` for ``p ~ Beta(a, b)``: the regularised incomplete beta function I_x(a, b).

    Parameters
    ----------
    x : array_like, in [0, 1]
    a, b : array_like, > 0
        Broadcast together with ``x``.

    Returns
    -------
    numpy.ndarray of float, the broadcast shape.

    Examples
    --------
    >>> beta_cdf(0.3, 2, 4).round(6).item()  # 1 - P(Bin(5, 0.3) <= 1)
    0.47178
    """
    return _beta_probability(x, a, b, upper=False)


def beta_sf(x, a, b) -> np.ndarray:
    """``P(p > x)`` for ``p ~ Beta(a, b)``: 1 - I_x(a, b), summed directly (accurate when small).

    Examples
    --------
    >>> beta_sf(0.3, 2, 4).round(6).item()  # P(Bin(5, 0.3) <= 1): 1 DLT in 4 patients, Beta(1, 1) prior
    0.52822
    """
    return _beta_probability(x, a, b, upper=True)


def _beta_probability(x, a, b, *, upper: bool) -> np.ndarray:
    x, a, b = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    whole = (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(a >= 1) and np.all(b >= 1)
             and np.all(a == np.floor(a)) and np.all(b == np.floor(b)) and np.all((x >= 0) & (x <= 1))
             and (a.size == 0 or float((a + b).max()) - 1 <= MAX_WHOLE_PARAMETERS))
    if not whole:
        from scipy import special

        return (special.betaincc if upper else special.betainc)(a, b, x)
    trials = (a + b - 1).astype(np.int64)
    successes = a.astype(np.int64)
    # P(p > x) = P(Bin(m, x) <= a - 1); P(p <= x) = P(Bin(m, x) >= a).
    return _binomial_tail(trials.ravel(), successes.ravel(), x.ravel(), lower=upper).reshape(x.shape)


def _binomial_tail(m: np.ndarray, k: np.ndarray, p: np.ndarray, *, lower: bool) -> np.ndarray:
    """``P(Bin(m, p) <= k - 1)`` (``lower``) or ``P(Bin(m, p) >= k)``, elementwise, 1 <= k <= m.

    Each distinct (m, p) is one row of binomial probabilities, computed once in log space and
    summed cumulatively; rows are taken in blocks to bound memory.
    """
    out = np.empty(p.shape)
    if p.size == 0:
        return out
    p_values, p_index = np.unique(p, return_inverse=True)
    m_values, m_index = np.unique(m, return_inverse=True)
    keys, inverse = np.unique(m_index.ravel() * p_values.size + p_index.ravel(), return_inverse=True)
    rows_of_keys_m = m_values[keys // p_values.size]
    rows_of_keys_p = p_values[keys % p_values.size]
    width = int(m_values.max()) + 1
    log_factorial = _log_factorials(width)
    per_block = max(1, _BLOCK_CELLS // width)
    j = np.arange(width)
    order = np.argsort(inverse.ravel(), kind="stable")
    bounds = np.searchsorted(inverse.ravel()[order], np.arange(0, keys.size + per_block, per_block))
    for block, start in enumerate(range(0, keys.size, per_block)):
        rows_m = rows_of_keys_m[start:start + per_block, None]
        rows_p = rows_of_keys_p[start:start + per_block, None]
        inside = j[None, :] <= rows_m
        with np.errstate(divide="ignore", invalid="ignore"):
            log_pmf = (log_factorial[rows_m] - log_factorial[j] - log_factorial[np.where(inside, rows_m - j, 0)]
                       + np.where(j == 0, 0.0, j * np.log(rows_p))
                       + np.where(j >= rows_m, 0.0, (rows_m - j) * np.log1p(-rows_p)))
        pmf = np.exp(np.where(inside, log_pmf, -np.inf))
        # lower: P(X <= i); upper: P(X >= i)
        cumulative = np.cumsum(pmf, axis=1) if lower else np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]
        chosen = order[bounds[block]:bounds[block + 1]]
        row = inverse.ravel()[chosen] - start
        out[chosen] = cumulative[row, k[chosen] - 1] if lower else cumulative[row, k[chosen]]
    return np.clip(out, 0.0, 1.0)


@lru_cache(maxsize=8)
def _log_factorials(size: int) -> np.ndarray:
    """log(j!) for j = 0 .. size - 1 (``math.lgamma``, exact to rounding)."""
    table = np.array([math.lgamma(j + 1.0) for j in range(size)])
    table.setflags(write=False)
    return table
