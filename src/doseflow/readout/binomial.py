"""The exact (Clopper-Pearson) confidence interval of a binomial proportion.

Used for response rates (:mod:`doseflow.readout.efficacy.rates`) and DLT rates
(:mod:`doseflow.readout.safety.dlt`). Written with beta quantiles (Brown, Cai and DasGupta
2001, Stat Sci 16:101-133, eq. 4.4 ff.)::

    lower = B(alpha/2; x, n - x + 1)        (0 when x = 0)
    upper = B(1 - alpha/2; x + 1, n - x)    (1 when x = n)

where B(q; a, b) is the q-quantile of the Beta(a, b) distribution. The upper limit of the
two-sided 1 - alpha interval is the one-sided 1 - alpha/2 upper bound (e.g. the 97.5% upper
bound of a 95% interval; 0 DLTs in 32 patients: 1 - 0.025^(1/32) = 10.9%).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import beta

from doseflow.checks import check_probability
from doseflow.errors import ConfigError

__all__ = ["compute_clopper_pearson"]


def compute_clopper_pearson(x: Any, n: Any, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) two-sided 1 - alpha confidence interval of a binomial proportion.

    Parameters
    ----------
    x : int or array of int
        Number of successes, 0 <= x <= n.
    n : int or array of int
        Number of trials; n = 0 gives NaN bounds (no proportion to estimate).
    alpha : float in (0, 1)
        1 - confidence level (0.05 for 95%).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, proportions in [0, 1].

    Raises
    ------
    ConfigError
        ``alpha`` is not in (0, 1), or a count is negative or x > n.

    Notes
    -----
    Clopper and Pearson (1934); beta-quantile form as in Brown, Cai and DasGupta (2001):
    lower = Beta^{-1}(alpha/2; x, n-x+1), upper = Beta^{-1}(1-alpha/2; x+1, n-x), with the
    conventions lower = 0 at x = 0 and upper = 1 at x = n.

    References
    ----------
    Clopper CJ, Pearson ES (1934) Biometrika 26:404-413.
    Brown LD, Cai TT, DasGupta A (2001) Stat Sci 16:101-133.

    Examples
    --------
    >>> lo, hi = compute_clopper_pearson(6, 15)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1634, 0.6771)
    """
    alpha = check_probability(alpha, "alpha")
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(n < 0) or np.any(x > n):
        raise ConfigError("x, n", "counts with 0 <= x <= n", (x.tolist(), n.tolist()))
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x > 0, beta.ppf(alpha / 2, np.maximum(x, 1e-300), n - x + 1), 0.0)
        hi = np.where(x < n, beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1e-300)), 1.0)
    lo = np.where(n > 0, lo, np.nan)
    hi = np.where(n > 0, hi, np.nan)
    return lo, hi
