"""Terminal elimination rate constant (lambda-z) by the best adjusted R-squared, as PKNCA.

The terminal phase of a concentration-time profile is log-linear, ``log C = a - lambda_z t``.
Which samples belong to it is chosen automatically (PKNCA ``pk.calc.half.life``;
Gabrielsson and Weiner 2000, section 2.8.4; the WinNonlin "best fit" rule):

1. candidate samples are those after Tmax (at or after Tmax if
   ``allow_tmax_in_half_life``) whose concentration is > 0;
2. log-linear least-squares fits are made to the last ``k`` candidates for
   ``k = min_points, min_points + 1, ...`` up to all of them;
3. the best adjusted R-squared over those fits is found;
4. the fits with lambda-z > 0 and adjusted R-squared > best - ``adj_r_squared_factor``
   qualify, and among them the one with the most points is chosen.

The adjusted R-squared of a fit of ``n`` points is ``1 - (1 - R^2)(n - 1)/(n - 2)``.
Half-life is ``ln 2 / lambda_z`` and the span ratio ``(t_last - t_first) / half-life``
(PKNCA ``span.ratio``).

Profiles are rows of 2-D arrays (NaN where a row has no sample), so many subjects are
fitted at once; the only Python loop is over the number of points ``k``.

References
----------
Gabrielsson J, Weiner D (2000). Pharmacokinetic and Pharmacodynamic Data Analysis:
Concepts and Applications, 3rd ed. Swedish Pharmaceutical Press, section 2.8.4.

Denney W, Duvvuri S, Buckeridge C (2015). Simple, automatic noncompartmental analysis:
the PKNCA R package. J Pharmacokinet Pharmacodyn 42:S65 (``R/half.life.R``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_int, check_real
from doseflow.errors import InputError

__all__ = ["LambdaZFit", "compute_lambda_z", "compute_adjusted_r_squared"]


@dataclass(frozen=True)
class LambdaZFit:
    """The chosen terminal-phase fit of each profile (arrays of one value per profile).

    Attributes
    ----------
    lambda_z : numpy.ndarray
        Terminal elimination rate constant (1/time unit); NaN when no fit qualifies.
    intercept : numpy.ndarray
        Intercept of log(C) on time (log concentration units at time 0).
    r_squared, adj_r_squared : numpy.ndarray
        Coefficient of determination of the chosen fit and its adjusted value.
    n_points : numpy.ndarray
        Number of samples in the chosen fit (0 when none).
    time_first, time_last : numpy.ndarray
        First and last sample time of the fit (PKNCA ``lambda.z.time.first``; the last is
        Tlast).
    clast_pred : numpy.ndarray
        Concentration at ``time_last`` predicted by the fit.
    half_life : numpy.ndarray
        ``ln 2 / lambda_z``.
    span_ratio : numpy.ndarray
        ``(time_last - time_first) / half_life``.
    reason : numpy.ndarray of str
        Why lambda-z is NaN ("" when it was estimated).
    """

    lambda_z: np.ndarray
    intercept: np.ndarray
    r_squared: np.ndarray
    adj_r_squared: np.ndarray
    n_points: np.ndarray
    time_first: np.ndarray
    time_last: np.ndarray
    clast_pred: np.ndarray
    half_life: np.ndarray
    span_ratio: np.ndarray
    reason: np.ndarray


def compute_adjusted_r_squared(r_squared: np.ndarray | float, n: np.ndarray | int) -> np.ndarray:
    """Adjusted R-squared of a simple linear regression on ``n`` points.

    ``1 - (1 - R^2)(n - 1)/(n - 2)`` (one slope parameter; PKNCA ``adj.r.squared``);
    NaN for ``n <= 2``.

    Examples
    --------
    >>> float(compute_adjusted_r_squared(0.9, 5))
    0.8666666666666667
    """
    r2 = np.asarray(r_squared, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (1.0 - r2) * (n - 1.0) / (n - 2.0)
    return np.where(n > 2, out, np.nan)


#: Smallest fitted decline, on the log scale over the fit's span, read as lambda-z > 0 (rounding below).
_ROUNDING = 1e-9


def _as_2d(values: object, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputError(name, "a 1-D or 2-D array of numbers", f"array of shape {arr.shape}")
    return arr


def compute_lambda_z(
    time: np.ndarray,
    conc: np.ndarray,
    tmax: np.ndarray | float,
    *,
    min_points: int = 3,
    adj_r_squared_factor: float = 1e-4,
    allow_tmax: bool = False,
) -> LambdaZFit:
    """Estimate lambda-z of each profile by the best adjusted R-squared (PKNCA rule).

    Parameters
    ----------
    time : array_like, shape (n_profiles, n_samples) or (n_samples,)
        Sample times, increasing along each row (any unit; lambda-z is per that unit).
        NaN marks an empty slot.
    conc : array_like, same shape as ``time``
        Concentrations >= 0 after BLQ handling; NaN marks an empty slot. Samples with
        concentration 0 are never used (their log is undefined).
    tmax : array_like, shape (n_profiles,) or float
        Time of Cmax of each profile; NaN means no measurable sample.
    min_points : int >= 2
        Fewest points in a fit (PKNCA ``min.hl.points``).
    adj_r_squared_factor : float in (0, 1)
        Tie tolerance on the adjusted R-squared (PKNCA ``adj.r.squared.factor``).
    allow_tmax : bool
        Use the sample at Tmax as a candidate (PKNCA ``allow.tmax.in.half.life``).

    Returns
    -------
    LambdaZFit
        One value per profile; NaN with a reason where no fit qualifies.

    Raises
    ------
    InputError
        If the arrays differ in shape or a setting is out of range.

    Notes
    -----
    For a fit of the last ``k`` candidates with centred times ``x`` and log
    concentrations ``y``: slope ``b = Sxy / Sxx``, ``lambda_z = -b``,
    ``R^2 = Sxy^2 / (Sxx Syy)``. The maximum adjusted R-squared in step 3 is taken over
    all fits, including those with lambda-z <= 0, as in PKNCA. "lambda-z > 0" is read as a
    fitted decline over the fit's time span of more than 1e-9 on the log scale
    (``lambda_z (t_last - t_first) > 1e-9``): a flat terminal phase has a slope of 0 up to
    rounding, whose sign would otherwise decide whether AUCinf is extrapolated to ~1e16.

    References
    ----------
    Gabrielsson and Weiner (2000), section 2.8.4; PKNCA ``pk.calc.half.life``.

    Examples
    --------
    A mono-exponential decline with k = 0.2 /h is recovered exactly:

    >>> t = np.array([0.0, 1, 2, 4, 8])
    >>> fit = compute_lambda_z(t, 10 * np.exp(-0.2 * t), tmax=0.0)
    >>> round(float(fit.lambda_z[0]), 12), int(fit.n_points[0]), round(float(fit.half_life[0]), 4)
    (0.2, 4, 3.4657)
    """
    t = _as_2d(time, "time")
    c = _as_2d(conc, "conc")
    if t.shape != c.shape:
        raise InputError("conc", f"an array of the same shape as time {t.shape}", f"shape {c.shape}")
    min_points = check_int(min_points, "min_points", minimum=2, error=InputError)
    factor = check_real(adj_r_squared_factor, "adj_r_squared_factor", minimum=0.0, maximum=1.0,
                        strict=True, error=InputError)
    n_prof, m = t.shape
    tmax_arr = np.broadcast_to(np.asarray(tmax, dtype=float), (n_prof,))
    ok = np.isfinite(t) & np.isfinite(c) & (c > 0)
    with np.errstate(invalid="ignore"):
        after = t >= tmax_arr[:, None] if allow_tmax else t > tmax_arr[:, None]
    cand = ok & after & np.isfinite(tmax_arr)[:, None]
    n_cand = cand.sum(axis=1)
    # rank of each candidate counted from the last one (1 = last sample)
    rank_from_end = np.cumsum(cand[:, ::-1], axis=1)[:, ::-1] * cand
    x_all = np.where(cand, t, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_all = np.where(cand, np.log(np.where(cand, c, 1.0)), 0.0)

    ks = np.arange(min_points, max(m, min_points) + 1)
    shape = (n_prof, ks.size)
    lz = np.full(shape, np.nan)
    icpt = np.full(shape, np.nan)
    r2 = np.full(shape, np.nan)
    tfirst = np.full(shape, np.nan)
    fitted = np.zeros(shape, dtype=bool)
    for j, k in enumerate(ks):
        mask = cand & (rank_from_end >= 1) & (rank_from_end <= k)
        has = n_cand >= k
        if not has.any():
            continue
        w = mask.astype(float)
        xm = (w * x_all).sum(axis=1) / k
        ym = (w * y_all).sum(axis=1) / k
        dx = (x_all - xm[:, None]) * w
        dy = (y_all - ym[:, None]) * w
        sxx = (dx * dx).sum(axis=1)
        sxy = (dx * dy).sum(axis=1)
        syy = (dy * dy).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = sxy / sxx
            r2_k = np.where(syy > 0, sxy * sxy / (sxx * syy), np.nan)
        lz[:, j] = np.where(has, -slope, np.nan)
        icpt[:, j] = np.where(has, ym - slope * xm, np.nan)
        r2[:, j] = np.where(has, r2_k, np.nan)
        tfirst[:, j] = np.where(has, np.where(mask, t, np.inf).min(axis=1), np.nan)
        fitted[:, j] = has
    adj = np.where(fitted, compute_adjusted_r_squared(r2, ks[None, :]), np.nan)
    span = np.where(cand, t, -np.inf).max(axis=1)[:, None] - tfirst
    with np.errstate(invalid="ignore"):
        best_adj = np.nanmax(np.where(fitted & np.isfinite(adj), adj, -np.inf), axis=1)
        declines = lz * span > _ROUNDING
        qualify = fitted & np.isfinite(adj) & (adj > (best_adj[:, None] - factor)) & declines
    any_q = qualify.any(axis=1)
    # the qualifying fit with the most points: the right-most qualifying column
    col = np.where(any_q, ks.size - 1 - np.argmax(qualify[:, ::-1], axis=1), 0)
    rows = np.arange(n_prof)

    def pick(a: np.ndarray) -> np.ndarray:
        return np.where(any_q, a[rows, col], np.nan) if a.size else np.full(n_prof, np.nan)

    lambda_z = pick(lz)
    intercept = pick(icpt)
    tlast = np.where(cand, t, -np.inf).max(axis=1)
    tlast = np.where(any_q, tlast, np.nan)
    half_life = np.log(2.0) / lambda_z
    time_first = pick(tfirst)
    n_points = np.where(any_q, ks[col], 0)
    reason = np.full(n_prof, "", dtype=object)
    few = n_cand < min_points
    where_txt = "at or after" if allow_tmax else "after"
    reason[few] = np.char.add(
        f"lambda_z: fewer than {min_points} measurable points {where_txt} Tmax (",
        np.char.add(n_cand[few].astype(str), ")")).astype(object)
    reason[~few & ~any_q] = "lambda_z: no candidate fit with lambda_z > 0"
    reason[~np.isfinite(tmax_arr)] = "lambda_z: no measurable concentration"
    return LambdaZFit(
        lambda_z=lambda_z,
        intercept=intercept,
        r_squared=pick(r2),
        adj_r_squared=pick(adj),
        n_points=n_points,
        time_first=time_first,
        time_last=tlast,
        clast_pred=np.exp(intercept - lambda_z * tlast),
        half_life=half_life,
        span_ratio=(tlast - time_first) / half_life,
        reason=reason,
    )
