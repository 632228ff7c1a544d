"""Kaplan-Meier table, median and Brookmeyer-Crowley interval: the survival rules every stage applies.

* Curve: Kaplan and Meier (1958, JASA 53:457-481), fitted with lifelines'
  ``KaplanMeierFitter`` (Davidson-Pilon 2019); the table keeps every distinct time
  (events and censorings), as R's ``survfit`` does.
* Pointwise confidence interval of S(t) from Greenwood's variance (Greenwood 1926) of the
  cumulative hazard, ``se(t) = sqrt(sum_{t_i <= t} d_i / (n_i (n_i - d_i)))``:

  - ``"log"`` (R ``survival::survfit`` default, ``conf.type = "log"``):
    ``S exp(-z se) .. min(1, S exp(z se))``;
  - ``"log-log"`` (SAS PROC LIFETEST default ``CONFTYPE=LOGLOG``; Kalbfleisch and Prentice
    2002, eq. 1.10): ``S^exp(z se / |log S|) .. S^exp(-z se / |log S|)``;

  where z is the 1 - alpha/2 normal quantile. Before the first event (S = 1) both bands
  are 1; where S = 0 the bands are undefined (NaN). lifelines' own
  ``confidence_interval_`` is the log-log ("exponential Greenwood") interval; the log one
  is computed here from the KM table.
* Median (:func:`compute_survival_quantile`, the one quantile rule): the smallest t with
  S(t) <= 0.5. When S(t) equals 0.5 exactly on a flat segment, the midpoint of that segment
  (to the next time the curve drops, or to the last observed time when the curve ends flat
  at 0.5), as R's ``quantile.survfit`` documents ("a horizontal segment at exactly 1-k ...
  the midpoint of the horizontal segment is returned"), with the tolerance sqrt(machine
  epsilon).
* 95% CI of the median: Brookmeyer and Crowley (1982, Biometrics 38:29-41): the set of t
  whose pointwise interval for S(t) contains 0.5. Its lower limit is where the lower band
  first reaches 0.5, its upper limit where the upper band does (same midpoint rule); a
  band that never reaches 0.5 gives NaN ("not reached").

The readout applies these rules to ADTTE frames
(:func:`doseflow.readout.efficacy.kaplan_meier.estimate_km`); the virtual trial applies the
same median rule to thousands of trials at once
(:func:`doseflow.insilico.headline.compute_km_median`, the batch form, tested equal to
:func:`compute_km_median`). Times are in days; months = days / :data:`doseflow.DAYS_PER_MONTH` for
presentation.

References
----------
Kaplan EL, Meier P (1958) JASA 53:457-481. Greenwood M (1926) Reports on Public Health 33.
Brookmeyer R, Crowley J (1982) Biometrics 38:29-41. Therneau T, R package survival,
``survfit``, ``quantile.survfit``.

Examples
--------
>>> compute_km_median(compute_km_table([1, 2, 3, 4], [1, 1, 1, 1]))[0]
2.5
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy.stats import norm

from doseflow.checks import check_choice, check_probability
from doseflow.errors import DataError

__all__ = ["compute_km_table", "compute_survival_quantile", "compute_km_median"]

#: Days per month for presentation (365.25 / 12).
#: Tolerance of "S(t) equals the quantile level exactly" (sqrt of machine epsilon, as R).
_TOL = float(np.sqrt(np.finfo(float).eps))


def compute_km_table(time: Any, event: Any, *, conf_type: Literal["log", "log-log"] = "log",
                     alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier table with Greenwood standard error and pointwise confidence bands.

    Parameters
    ----------
    time : array of float, >= 0
        Event or censoring times.
    event : array of {0, 1}
        1 = event observed, 0 = censored.
    conf_type : {"log", "log-log"}
        Transform of the pointwise interval (module docstring).
    alpha : float in (0, 1)
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per distinct time: time, n_risk, n_event, n_censor, surv, std_err (of the
        cumulative hazard, R's ``std.err``), lower, upper.

    Raises
    ------
    DataError
        Lengths differ, a time is negative or missing, an event indicator is not 0/1.

    Examples
    --------
    >>> t = compute_km_table([1, 2, 2, 3], [1, 1, 0, 1])
    >>> t["surv"].round(4).tolist()
    [0.75, 0.5, 0.0]
    """
    check_choice(conf_type, "conf_type", ("log", "log-log"))
    alpha = check_probability(alpha, "alpha")
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.shape != e.shape or t.ndim != 1:
        raise DataError("time, event", "two 1-D arrays of equal length", (t.shape, e.shape))
    if t.size == 0:
        raise DataError("time", "at least one observation", [])
    if np.isnan(t).any() or (t < 0).any():
        raise DataError("time", "numbers >= 0", t[np.isnan(t) | (t < 0)][0])
    if not np.isin(e, (0.0, 1.0)).all():
        raise DataError("event", "0 (censored) or 1 (event)", e[~np.isin(e, (0.0, 1.0))][0])
    kmf = KaplanMeierFitter().fit(t, event_observed=e)
    et = kmf.event_table
    et = et.loc[et["removed"] > 0]
    n = et["at_risk"].to_numpy(dtype=float)
    d = et["observed"].to_numpy(dtype=float)
    times = et.index.to_numpy(dtype=float)
    surv = kmf.survival_function_.iloc[:, 0].reindex(times).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
    se = np.sqrt(var)
    z = norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "log":
            lower = surv * np.exp(-z * se)
            upper = np.minimum(1.0, surv * np.exp(z * se))
        else:
            ll = np.abs(np.log(surv))
            lower = surv ** np.exp(z * se / ll)
            upper = surv ** np.exp(-z * se / ll)
    none_yet = np.cumsum(d) == 0
    lower = np.where(none_yet, 1.0, np.where(surv > 0, lower, np.nan))
    upper = np.where(none_yet, 1.0, np.where(surv > 0, upper, np.nan))
    return pd.DataFrame({"time": times, "n_risk": n.astype(int), "n_event": d.astype(int),
                         "n_censor": (et["censored"].to_numpy()).astype(int), "surv": surv,
                         "std_err": np.where(surv > 0, se, np.nan), "lower": lower, "upper": upper})


def compute_survival_quantile(time: Any, surv: Any, p: float = 0.5) -> np.ndarray:
    """Smallest time with S(t) <= p of each row of a step function, midpoint rule on a flat at p.

    Parameters
    ----------
    time : float array (..., k)
        Times of each row in increasing order; positions without a time are NaN or +inf
        (padding of rows of different lengths) and are ignored.
    surv : float array (..., k)
        S(t) just after each time (a step function); NaN where undefined (a confidence band
        where S = 0), ignored.
    p : float in (0, 1)
        Quantile level of S: 0.5 for the median.

    Returns
    -------
    numpy.ndarray of float, shape (...)
        The quantile of each row; NaN where S never reaches p (not reached).

    Notes
    -----
    q_p = min{t: S(t) <= p}. When S(t) = p exactly (within sqrt(machine epsilon)) on a flat
    segment, q_p is the midpoint of that segment: to the next time S drops below p, or to the
    row's last time when S stays at p to the end (R ``quantile.survfit``, Therneau; the SAS
    PROC LIFETEST convention for percentiles, Klein and Moeschberger 2003, sec. 4.5).

    References
    ----------
    Therneau T, R package survival, ``quantile.survfit``. Brookmeyer R, Crowley J (1982)
    Biometrics 38:29-41.

    Examples
    --------
    >>> compute_survival_quantile([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, np.nan]],
    ...                           [[0.75, 0.5, 0.25, 0.0], [0.9, 0.6, 0.55, np.nan]]).tolist()
    [2.5, nan]
    """
    x = np.asarray(time, dtype=float)
    y = np.asarray(surv, dtype=float)
    if x.shape != y.shape or x.ndim == 0:
        raise DataError("time, surv", "arrays of one shape (..., times)", (x.shape, y.shape))
    shape = x.shape[:-1]
    if x.shape[-1] == 0:
        return np.full(shape, np.nan)
    x = x.reshape(-1, x.shape[-1])
    y = y.reshape(-1, y.shape[-1])
    rows = np.arange(x.shape[0])
    finite_x = np.isfinite(x)
    last = np.where(finite_x.any(axis=1), x.shape[1] - 1 - np.argmax(finite_x[:, ::-1], axis=1), 0)
    xmax = np.where(finite_x.any(axis=1), x[rows, last], np.nan)
    ok = finite_x & ~np.isnan(y)
    below = ok & (y <= p + _TOL)
    reached = below.any(axis=1)
    k = np.argmax(below, axis=1)
    yk = y[rows, k]
    drop = ok & (y < (yk - _TOL)[:, None]) & (np.arange(x.shape[1])[None, :] > k[:, None])
    end = np.where(drop.any(axis=1), x[rows, np.argmax(drop, axis=1)], xmax)
    q = np.where(np.abs(yk - p) < _TOL, (x[rows, k] + end) / 2, x[rows, k])
    return np.where(reached, q, np.nan).reshape(shape)


def compute_km_median(table: pd.DataFrame) -> tuple[float, float, float]:
    """Median survival and its Brookmeyer-Crowley confidence limits from a KM table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compute_km_table` (time, surv, lower, upper).

    Returns
    -------
    (float, float, float)
        Median, lower and upper confidence limit; NaN where not reached.

    Notes
    -----
    Median = min{t: S(t) <= 0.5}, midpoint of a flat segment at exactly 0.5 (R
    ``quantile.survfit``; :func:`compute_survival_quantile`). Limits (Brookmeyer and Crowley
    1982): first t where the lower band <= 0.5, and first t where the upper band <= 0.5.
    Where S(t) = 0 the pointwise band is undefined (Greenwood's variance is infinite); its
    lower limit is taken as 0, the limit of S exp(-z se) as S -> 0, so the lower confidence
    limit of the median is never after the median. R gives no lower limit when the curve
    falls to 0 at the median (a lower limit "not reached" above a reached median), which
    cannot be: doseflow reports the time where the curve reaches 0 instead.

    Examples
    --------
    >>> compute_km_median(compute_km_table([1, 2, 3, 4], [1, 1, 1, 1]))[0]
    2.5
    """
    x = table["time"].to_numpy(dtype=float)
    surv = table["surv"].to_numpy(dtype=float)
    lower = np.where(surv == 0, 0.0, table["lower"].to_numpy(dtype=float))
    bands = np.stack([surv, lower, table["upper"].to_numpy(dtype=float)])
    median, lower, upper = compute_survival_quantile(np.broadcast_to(x, bands.shape), bands)
    return float(median), float(lower), float(upper)
