"""RECIST 1.1 assessment of simulated CT scans: measured SLD, lesions, response per scan.

Rules (Eisenhauer et al. 2009, Eur J Cancer 45:228-247, section 4.3 and table 1), applied to
target lesions plus new lesions (non-target lesions are not simulated):

- **CR**: all target lesions have disappeared (recorded 0 mm) and no new lesion.
- **PR**: SLD at least 30% below the *baseline* SLD (change <= -30%).
- **PD**: SLD at least 20% above the *nadir* (smallest SLD on study, baseline included) **and**
  at least 5 mm above it; or a new lesion.
- **SD**: neither PR nor PD.

Boundaries are inclusive and compared with a relative tolerance of 1e-9 so that a change of
exactly -30% (or +20%, +5 mm) computed in floating point meets the criterion.

Simulated measurement (documented modelling choices):

- Scans are every ``scan_interval_days`` (42 = 6 weeks) from the first dose, each in a window of
  +-``scan_window_days`` (7), drawn uniformly on whole days.
- Target lesions disappear when the true SLD falls below ``disappearance_sld_mm`` (10 mm, the
  RECIST 1.1 minimum size of one measurable lesion, section 3.1.1): the scan records every lesion
  as 0 mm (SLD 0, CR). Above it, measured SLD = true SLD + e, e ~ N(0, sd^2) with sd^2 =
  (0.08 SLD)^2 + 0.65^2 mm^2, the combined proportional (8%) + additive (0.65 mm) residual error
  of the OAK SLD model (Ribba et al., Front Pharmacol 2022;13:1058220), truncated at 0.
- Each lesion's diameter is its fixed share of the measured SLD (``Population.lesion_fraction``):
  lesions shrink and grow together and always sum to the SLD.
- New lesions arise with hazard h_i(t) = z_i (h0 + h1 * max(d log SLD/dt, 0)): a base rate plus a
  term proportional to the tumour's current growth rate, times a patient frailty z_i
  (log-normal, mean 1, drawn at baseline). Over the interval since the previous scan the
  probability of at least one new lesion is 1 - exp(-z_i (h0 dt + h1 max(log(SLD_now/SLD_prev), 0)))
  (true SLDs). This is a modelling assumption, calibrated (not from a paper): new lesions make a
  share of early PD as observed in phase I trials, and fast-growing tumours seed more of them.

Response codes are small integers (:data:`NOT_DONE`, :data:`CR`, :data:`PR`, :data:`SD`,
:data:`PD`, :data:`NE`); :func:`label_responses` turns them into RECIST text.

Examples
--------
>>> import numpy as np
>>> label_responses(classify_target_response(np.array([70.0, 12.5, 0.0]),
...                 np.array([100.0, 15.0, 50.0]), np.array([100.0, 10.0, 5.0]))).tolist()
['PR', 'SD', 'CR']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from doseflow.checks import check_int, check_real
from doseflow.errors import ConfigError, DataError

__all__ = [
    "NOT_DONE",
    "CR",
    "PR",
    "SD",
    "PD",
    "NE",
    "RESPONSE_LABELS",
    "RecistConfig",
    "ScanState",
    "ScanResult",
    "label_responses",
    "sample_scan_days",
    "measure_sld",
    "classify_target_response",
    "assess_scans",
    "compute_overall_responses",
    "confirmed_best_response",
    "compute_progression_day",
]

NOT_DONE, CR, PR, SD, PD, NE = 0, 1, 2, 3, 4, 5
#: Text of each response code (index = code); NOT_DONE is the empty string.
RESPONSE_LABELS: tuple[str, ...] = ("", "CR", "PR", "SD", "PD", "NE")
_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class RecistConfig:
    """Scan schedule, measurement error and new-lesion hazard of simulated scans.

    Parameters
    ----------
    scan_interval_days : float
        Nominal time between scans, days (> 0); 42 (every 6 weeks = 2 cycles of 21 days).
    scan_window_days : int
        Half-width of the scan window, whole days (>= 0); 7.
    measurement_prop : float
        Proportional measurement error SD (fraction), 0.08 (Ribba 2022).
    measurement_add_mm : float
        Additive measurement error SD, mm, 0.65 (Ribba 2022).
    disappearance_sld_mm : float
        True SLD (mm) below which all target lesions have disappeared; 10 mm (RECIST 1.1
        measurability limit of one lesion, Eisenhauer 2009 section 3.1.1). Assumption.
    new_lesion_hazard_per_day : float
        Base hazard h0 of a new lesion, 1/day (>= 0); 0.008, calibrated to the disease control
        rate (60%) and median PFS (4.8 months) at >= 7.2 mg/kg (Lemech 2023).
    new_lesion_growth_coefficient : float
        h1, new-lesion hazard per unit of log-SLD growth (>= 0); 1.0 (a doubling of SLD adds
        0.69 to the cumulative hazard). Calibrated together with h0.
    omega_new_lesion : float
        SD of a log-normal patient frailty multiplying the new-lesion hazard (>= 0; 1.25), drawn once
        at baseline (normalised to mean 1): some patients seed new lesions early, most rarely.
        Calibrated (phase I populations mix rapid progressors with slowly growing disease).
    """

    scan_interval_days: float = 42.0
    scan_window_days: int = 7
    measurement_prop: float = 0.08
    measurement_add_mm: float = 0.65
    disappearance_sld_mm: float = 10.0
    new_lesion_hazard_per_day: float = 0.008
    new_lesion_growth_coefficient: float = 1.0
    omega_new_lesion: float = 1.25

    def __post_init__(self) -> None:
        check_real(self.scan_interval_days, "scan_interval_days", minimum=0.0, strict=True)
        check_int(self.scan_window_days, "scan_window_days", minimum=0)
        if self.scan_window_days * 2 >= self.scan_interval_days:
            raise ConfigError("scan_window_days", f"less than half of scan_interval_days ({self.scan_interval_days:g})",
                            self.scan_window_days, "Otherwise consecutive scans could swap order.")
        for name in ("measurement_prop", "measurement_add_mm", "disappearance_sld_mm",
                     "new_lesion_hazard_per_day", "new_lesion_growth_coefficient", "omega_new_lesion"):
            check_real(getattr(self, name), name, minimum=0.0)


def label_responses(codes: np.ndarray) -> np.ndarray:
    """RECIST text (``"CR"``, ``"PR"``, ``"SD"``, ``"PD"``, ``"NE"``, ``""``) of response codes.

    Examples
    --------
    >>> label_responses(np.array([1, 4, 0])).tolist()
    ['CR', 'PD', '']
    """
    return np.asarray(RESPONSE_LABELS, dtype=object)[np.asarray(codes, dtype=np.int64)].astype(str)


def sample_scan_days(
    n: int, n_scans: int, rng: np.random.Generator | int | None = None, config: RecistConfig | None = None
) -> np.ndarray:
    """Days (since first dose) of the on-study scans of ``n`` patients.

    Scan k (1-based) is at ``k * scan_interval_days`` plus a whole-day offset drawn uniformly in
    [-window, +window]. Returns a float array of shape (n, n_scans), increasing along rows.

    Examples
    --------
    >>> d = sample_scan_days(2, 3, 0)
    >>> bool(np.all(np.abs(d - [42.0, 84.0, 126.0]) <= 7))
    True
    """
    cfg = config if config is not None else RecistConfig()
    n = check_int(n, "n", minimum=0)
    n_scans = check_int(n_scans, "n_scans", minimum=0)
    rng = np.random.default_rng(rng)
    nominal = cfg.scan_interval_days * np.arange(1, n_scans + 1)
    w = cfg.scan_window_days
    return nominal[None, :] + rng.integers(-w, w + 1, size=(n, n_scans))


def measure_sld(
    true_sld_mm: np.ndarray, rng: np.random.Generator | int | None = None, config: RecistConfig | None = None
) -> np.ndarray:
    """Measured SLD (mm): 0 below the disappearance threshold, else true SLD plus error.

    Notes
    -----
    Combined error sd = sqrt((prop * SLD)^2 + add^2) (Ribba 2022), truncated at 0.

    Examples
    --------
    >>> measure_sld(np.array([5.0]), 0).tolist()
    [0.0]
    """
    cfg = config if config is not None else RecistConfig()
    s = np.asarray(true_sld_mm, dtype=float)
    rng = np.random.default_rng(rng)
    sd = np.hypot(cfg.measurement_prop * s, cfg.measurement_add_mm)
    measured = np.maximum(s + sd * rng.standard_normal(s.shape), 0.0)
    return np.where(s < cfg.disappearance_sld_mm, 0.0, measured)


def classify_target_response(
    sld_mm: np.ndarray,
    baseline_mm: np.ndarray,
    nadir_mm: np.ndarray,
    new_lesion: np.ndarray | None = None,
) -> np.ndarray:
    """RECIST 1.1 time-point response from measured SLD, baseline, nadir and new lesions.

    Parameters
    ----------
    sld_mm : array of float
        Measured SLD at this scan (mm); 0 means all target lesions disappeared; NaN = not
        evaluable (NE).
    baseline_mm : array of float
        Baseline SLD (mm, > 0).
    nadir_mm : array of float
        Smallest SLD before this scan, baseline included (mm).
    new_lesion : array of bool, optional
        True where a new lesion is seen (PD whatever the SLD).

    Returns
    -------
    numpy.ndarray of int
        :data:`CR`, :data:`PR`, :data:`SD`, :data:`PD` or :data:`NE`.

    Notes
    -----
    Eisenhauer et al. 2009, section 4.3.1: PD if SLD - nadir >= 0.20 nadir and >= 5 mm, or a new
    lesion (checked first: PD overrides all); CR if SLD = 0; PR if (SLD - baseline)/baseline
    <= -0.30; SD otherwise. After a CR the nadir is 0, so the reappearance of any lesion of at
    least 5 mm is PD (section 4.3.1, note on lesions that reappear).

    References
    ----------
    Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid
    tumours: revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-247.

    Examples
    --------
    >>> classify_target_response(np.array([12.5]), np.array([15.0]), np.array([10.0])).tolist()  # +25% but +2.5 mm
    [3]
    """
    s = np.asarray(sld_mm, dtype=float)
    b = np.asarray(baseline_mm, dtype=float)
    m = np.asarray(nadir_mm, dtype=float)
    new = np.zeros(s.shape, bool) if new_lesion is None else np.asarray(new_lesion, dtype=bool)
    rise = s - m
    pd = (rise >= 0.20 * m - _TOL * np.maximum(m, 1.0)) & (rise >= 5.0 - _TOL * np.maximum(m, 1.0))
    pr = (s - b) <= -0.30 * b + _TOL * b
    out = np.where(pr, PR, SD)
    out = np.where(s == 0.0, CR, out)
    out = np.where(np.isnan(s), NE, out)
    out = np.where(pd | new, PD, out)
    return out.astype(np.int64)


@dataclass(frozen=True, slots=True)
class ScanState:
    """Per-patient RECIST bookkeeping between scans (all arrays of length n).

    ``baseline_mm`` is the measured baseline SLD, ``nadir_mm`` the smallest measured SLD so far
    (baseline included), ``last_true_sld_mm``/``last_scan_day`` the true SLD and day of the last
    scan (baseline: day 0), ``progression_day`` the day of the first PD scan (NaN before).
    """

    baseline_mm: np.ndarray
    nadir_mm: np.ndarray
    last_true_sld_mm: np.ndarray
    last_scan_day: np.ndarray
    progression_day: np.ndarray
    lesion_fraction: np.ndarray
    new_lesion_frailty: np.ndarray

    @classmethod
    def at_baseline(
        cls,
        true_sld_mm: np.ndarray,
        lesion_fraction: np.ndarray,
        rng: np.random.Generator | int | None = None,
        config: RecistConfig | None = None,
    ) -> "ScanState":
        """Measure the baseline scan (day 0) of every patient and draw new-lesion frailties."""
        cfg = config if config is not None else RecistConfig()
        rng = np.random.default_rng(rng)
        s = np.asarray(true_sld_mm, dtype=float)
        f = np.asarray(lesion_fraction, dtype=float)
        if s.ndim != 1 or f.ndim != 2 or f.shape[0] != s.shape[0]:
            raise DataError("lesion_fraction", f"an array of shape ({s.shape[0]}, lesions)", f.shape)
        base = measure_sld(s, rng, cfg)
        bad = base <= 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"true_sld_mm[{i}]", "a measurable baseline (>= the disappearance threshold)", float(s[i]))
        n = s.shape[0]
        w = cfg.omega_new_lesion
        frailty = np.exp(w * rng.standard_normal(n) - 0.5 * w * w)
        return cls(base, base.copy(), s.copy(), np.zeros(n), np.full(n, np.nan), f, frailty)

    @property
    def progressed(self) -> np.ndarray:
        """True where a PD scan has been seen."""
        return ~np.isnan(self.progression_day)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One scan time point for every patient (NaN / NOT_DONE where not assessed).

    ``day`` scan day since first dose; ``sld_mm`` measured SLD; ``percent_change`` from the
    measured baseline; ``response`` RECIST code; ``new_lesion`` flag; ``lesion_mm`` (n, 5)
    diameters of the target lesions (NaN for lesions a patient does not have).
    """

    day: np.ndarray
    sld_mm: np.ndarray
    percent_change: np.ndarray
    response: np.ndarray
    new_lesion: np.ndarray
    lesion_mm: np.ndarray


def assess_scans(
    state: ScanState,
    true_sld_mm: np.ndarray,
    scan_day: np.ndarray,
    rng: np.random.Generator | int | None = None,
    config: RecistConfig | None = None,
    assessed: np.ndarray | None = None,
) -> tuple[ScanState, ScanResult]:
    """Simulate one scan of the patients in ``assessed`` and classify it by RECIST 1.1.

    Parameters
    ----------
    state : ScanState
        Bookkeeping after the previous scan.
    true_sld_mm : array of float
        True SLD on the scan day (e.g. from :func:`doseflow.insilico.tumour.compute_tumour_sld`).
    scan_day : array of float
        Scan day since first dose (after ``state.last_scan_day``).
    rng : numpy.random.Generator or int or None
        Generator or seed (measurement error and new lesions).
    config : RecistConfig, optional
    assessed : array of bool, optional
        Patients scanned at this time point (default all); the others keep their state and get
        NaN / :data:`NOT_DONE` in the result.

    Returns
    -------
    (ScanState, ScanResult)

    Raises
    ------
    DataError
        If a scanned patient's scan day is not after the previous scan.

    Notes
    -----
    See the module docstring for the measurement and new-lesion models, and
    :func:`classify_target_response` for the rules (Eisenhauer et al. 2009).

    Examples
    --------
    >>> st = ScanState.at_baseline(np.array([100.0]), np.array([[1.0]]), 0)
    >>> st, res = assess_scans(st, np.array([5.0]), np.array([42.0]), 1)
    >>> label_responses(res.response).tolist(), res.sld_mm.tolist()
    (['CR'], [0.0])
    """
    cfg = config if config is not None else RecistConfig()
    rng = np.random.default_rng(rng)
    s = np.asarray(true_sld_mm, dtype=float)
    day = np.asarray(scan_day, dtype=float)
    n = state.baseline_mm.shape[0]
    if s.shape != (n,) or day.shape != (n,):
        raise DataError("true_sld_mm/scan_day", f"arrays of {n} values", (s.shape, day.shape))
    on = np.ones(n, bool) if assessed is None else np.asarray(assessed, dtype=bool)
    dt = day - state.last_scan_day
    bad = on & ~(dt > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"scan_day[{i}]", f"after the previous scan (day {state.last_scan_day[i]:g})", float(day[i]))
    measured = measure_sld(s, rng, cfg)
    with np.errstate(divide="ignore", invalid="ignore"):  # a true SLD may underflow to 0
        growth = np.nan_to_num(np.maximum(np.log(s / state.last_true_sld_mm), 0.0), nan=0.0, posinf=0.0)
    cum_hazard = state.new_lesion_frailty * (
        cfg.new_lesion_hazard_per_day * dt + cfg.new_lesion_growth_coefficient * growth
    )
    new = rng.uniform(size=n) < -np.expm1(-np.where(on, cum_hazard, 0.0))
    response = classify_target_response(measured, state.baseline_mm, state.nadir_mm, new)
    response = np.where(on, response, NOT_DONE)
    new = new & on
    first_pd = on & (response == PD) & ~state.progressed
    new_state = replace(
        state,
        nadir_mm=np.where(on, np.minimum(state.nadir_mm, measured), state.nadir_mm),
        last_true_sld_mm=np.where(on, s, state.last_true_sld_mm),
        last_scan_day=np.where(on, day, state.last_scan_day),
        progression_day=np.where(first_pd, day, state.progression_day),
    )
    nan = np.full(n, np.nan)
    sld_out = np.where(on, measured, nan)
    has = state.lesion_fraction > 0
    lesion = np.where(has & on[:, None], state.lesion_fraction * sld_out[:, None], np.nan)
    result = ScanResult(
        day=np.where(on, day, nan),
        sld_mm=sld_out,
        percent_change=100.0 * (sld_out - state.baseline_mm) / state.baseline_mm,
        response=response.astype(np.int64),
        new_lesion=new,
        lesion_mm=lesion,
    )
    return new_state, result


def compute_overall_responses(
    sld_mm: np.ndarray, baseline_mm: np.ndarray, new_lesion: np.ndarray | None = None
) -> np.ndarray:
    """RECIST 1.1 response at every scan of every patient from a matrix of measured SLDs.

    Parameters
    ----------
    sld_mm : array (n, k)
        Measured SLD per patient and scan in time order; NaN = no scan (:data:`NOT_DONE`).
    baseline_mm : array (n,)
        Measured baseline SLD.
    new_lesion : bool array (n, k), optional

    Returns
    -------
    int array (n, k)
        Response codes. The nadir runs over baseline and all earlier scans (Eisenhauer 2009).

    Examples
    --------
    >>> label_responses(compute_overall_responses(np.array([[8.0, 10.0, 12.5]]), np.array([20.0]))).tolist()
    [['PR', 'PR', 'PR']]
    """
    s = np.asarray(sld_mm, dtype=float)
    b = np.asarray(baseline_mm, dtype=float)
    if s.ndim != 2 or b.shape != (s.shape[0],):
        raise DataError("sld_mm", f"an array of shape (n, scans) with n = len(baseline_mm) = {b.shape}", s.shape)
    new = np.zeros(s.shape, bool) if new_lesion is None else np.asarray(new_lesion, dtype=bool)
    out = np.zeros(s.shape, np.int64)
    nadir = b.copy()
    for j in range(s.shape[1]):  # loop over scan times, vectorised over patients
        done = ~np.isnan(s[:, j])
        out[:, j] = np.where(done, classify_target_response(s[:, j], b, nadir, new[:, j]), NOT_DONE)
        nadir = np.where(done, np.fmin(nadir, s[:, j]), nadir)
    return out


def confirmed_best_response(
    responses: np.ndarray,
    scan_days: np.ndarray,
    *,
    confirmation_days: float = 28.0,
    sd_min_days: float = 35.0,
    max_ne_between: int = 1,
) -> np.ndarray:
    """Confirmed best overall response (RECIST 1.1, non-randomised trials) per patient.

    Parameters
    ----------
    responses : int array (n, k)
        Time-point responses in time order (:data:`NOT_DONE` for no scan).
    scan_days : float array (n, k)
        Days since first dose of those scans.
    confirmation_days : float
        Minimum time from a response to its confirming scan; 28 (4 weeks, Eisenhauer 2009
        section 4.6).
    sd_min_days : float
        Minimum time from first dose for SD to count; 35 = 6 weeks less the 7-day scan
        window (protocol-defined, Eisenhauer 2009 section 4.6), so the first scan qualifies.
    max_ne_between : int
        NE assessments allowed between a response and its confirmation (1, admiral's default
        ``max_nr_ne``); an SD in between breaks the confirmation.

    Returns
    -------
    int array (n,)
        :data:`CR`, :data:`PR`, :data:`SD`, :data:`PD` or :data:`NE` (no assessment counts as NE).

    Notes
    -----
    Scans after the first PD are ignored. CR: a CR confirmed by a later CR >= 28 days after it.
    PR: a CR or PR confirmed by a later CR or PR >= 28 days after it (not already CR).
    SD: any CR, PR or SD at >= ``sd_min_days`` (so an unconfirmed response counts as SD).
    PD: a PD and none of the above. NE otherwise (Eisenhauer 2009, section 4.4 and table 3).

    References
    ----------
    Eisenhauer EA et al. Eur J Cancer 2009;45:228-247.

    Examples
    --------
    >>> r = np.array([[PR, PR, PD], [PR, SD, PD], [SD, PD, 0]])
    >>> d = np.array([[42.0, 84.0, 126.0]] * 3)
    >>> label_responses(confirmed_best_response(r, d)).tolist()
    ['PR', 'SD', 'SD']
    """
    r = np.asarray(responses, dtype=np.int64)
    d = np.asarray(scan_days, dtype=float)
    if r.ndim != 2 or d.shape != r.shape:
        raise DataError("scan_days", f"an array of the same shape as responses {r.shape}", d.shape)
    is_pd = r == PD
    after_pd = (np.cumsum(is_pd, axis=1) - is_pd) > 0
    r = np.where(after_pd, NOT_DONE, r)
    n, k = r.shape
    conf_cr = np.zeros(n, bool)
    conf_pr = np.zeros(n, bool)
    for i in range(k):  # loops over scan pairs, vectorised over patients
        chain_cr = r[:, i] == CR
        chain_pr = (r[:, i] == CR) | (r[:, i] == PR)
        ne_cr = np.zeros(n, np.int64)
        ne_pr = np.zeros(n, np.int64)
        for j in range(i + 1, k):
            rj = r[:, j]
            far = d[:, j] - d[:, i] >= confirmation_days - _TOL
            conf_cr |= chain_cr & far & (rj == CR)
            conf_pr |= chain_pr & far & ((rj == CR) | (rj == PR))
            ne = rj == NE
            ne_cr += chain_cr & ne
            ne_pr += chain_pr & ne
            chain_cr &= (rj == CR) | (rj == NOT_DONE) | (ne & (ne_cr <= max_ne_between))
            chain_pr &= (rj == CR) | (rj == PR) | (rj == NOT_DONE) | (ne & (ne_pr <= max_ne_between))
    sd_ok = (((r == CR) | (r == PR) | (r == SD)) & (d >= sd_min_days - _TOL)).any(axis=1)
    pd_any = is_pd.any(axis=1)
    out = np.full(n, NE, np.int64)
    out = np.where(pd_any, PD, out)
    out = np.where(sd_ok, SD, out)
    out = np.where(conf_pr, PR, out)
    out = np.where(conf_cr, CR, out)
    return out


def compute_progression_day(responses: np.ndarray, scan_days: np.ndarray) -> np.ndarray:
    """Day of the first PD scan per patient (NaN if none).

    Examples
    --------
    >>> compute_progression_day(np.array([[SD, PD, PD], [SD, SD, 0]]), np.array([[40.0, 85.0, 130.0]] * 2)).tolist()
    [85.0, nan]
    """
    r = np.asarray(responses)
    d = np.asarray(scan_days, dtype=float)
    is_pd = r == PD
    first = np.argmax(is_pd, axis=1)
    return np.where(is_pd.any(axis=1), d[np.arange(r.shape[0]), first], np.nan)
