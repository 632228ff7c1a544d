"""Simulated CT scans assessed by RECIST 1.1: scan days, measured SLD, lesions, response per scan.

The RECIST 1.1 rules (Eisenhauer et al. 2009: CR all target lesions gone; PR <= -30% vs
baseline; PD >= +20% and >= +5 mm vs nadir, or a new lesion; confirmation) are those of
:mod:`doseflow.standards.recist` and :mod:`doseflow.standards.best_response`, which the readout
applies too; this module simulates the scans they are applied to.

Simulated measurement (documented modelling choices):

- Scans are every ``scan_interval_days`` (42 = 6 weeks) from the first dose, each in a window of
  +-``scan_window_days`` (7), drawn uniformly on whole days.
- What the scan sees (:mod:`doseflow.insilico.models.tumour.lesion_visibility`): each target lesion's visible
  diameter is its share of max(modelled SLD, r_i x baseline SLD), with a per-patient
  non-shrinking residual fraction r_i (fibrosis, necrosis; logit-normal, calibrated), and a
  lesion is recorded as 0 mm (disappeared) when that diameter is below ``lesion_detection_mm``
  (5 mm, the CT slice thickness of RECIST 1.1, section 3.1.1). CR needs every target lesion
  gone. Measured SLD = visible SLD (sum of the lesions seen) + e, e ~ N(0, sd^2) with sd^2 =
  (0.08 SLD)^2 + 0.65^2 mm^2, the combined proportional (8%) + additive (0.65 mm) residual error
  of the OAK SLD model (Ribba et al., Front Pharmacol 2022;13:1058220), truncated at 0.
- Each lesion seen is recorded as its share of the measured SLD among the lesions seen (lesions
  shrink and grow together with ``Population.lesion_fraction``); recorded lesions always sum to
  the measured SLD.
- New lesions arise with hazard h_i(t) = z_i (h0 + h1 * max(d log SLD/dt, 0)): a base rate plus a
  term proportional to the tumour's current growth rate, times a patient frailty z_i
  (log-normal, mean 1, drawn at baseline). Over the interval since the previous scan the
  probability of at least one new lesion is 1 - exp(-z_i (h0 dt + h1 max(log(SLD_now/SLD_prev), 0)))
  (modelled SLDs). This is a modelling assumption, calibrated (not from a paper): new lesions make a
  share of early PD as observed in phase I trials, and fast-growing tumours seed more of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from doseflow.checks import check_int, check_real
from doseflow.errors import ConfigError, DataError
from doseflow.insilico.models.tumour.lesion_visibility import compute_visible_diameters, sample_residual_fraction
from doseflow.standards.recist import NOT_DONE, PD, classify_target_response

__all__ = ["RecistConfig", "ScanState", "ScanResult", "sample_scan_days", "measure_sld", "assess_scans"]


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
    lesion_detection_mm : float
        Smallest visible lesion diameter, mm (>= 0); a target lesion whose visible true diameter
        is below it is recorded as 0 mm (disappeared). 5 mm: the largest CT slice thickness of
        RECIST 1.1 (Eisenhauer 2009, section 3.1.1; also the value it assigns to a lesion "too
        small to measure", Appendix I). Assumption.
    residual_fraction_median : float
        Median per-patient fraction of each lesion's baseline diameter that never shrinks
        (fibrotic / necrotic residual mass, Choi et al. J Clin Oncol 2007;25:1753-1759), in
        [0, 1); 0.4, calibrated so that CR is a small share of confirmed responses at >= 7.2
        mg/kg: about 6% in the virtual GQ1001 trial (no CR among 6 responders in GQ1001, Lemech
        2023; CR 11 of 112 responders = 9.8% with T-DXd in DESTINY-Breast01, Modi et al. N Engl
        J Med 2020;382:610-621). Responses deeper than -(1 - r) are not seen on CT. 0 turns the
        residual mass off (:mod:`doseflow.insilico.models.tumour.lesion_visibility`).
    omega_residual_fraction : float
        SD of its logit-normal inter-individual variability (>= 0); 0.4 (95% of patients
        between 0.23 and 0.59), calibrated with the median.
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
    lesion_detection_mm: float = 5.0
    residual_fraction_median: float = 0.4
    omega_residual_fraction: float = 0.4
    new_lesion_hazard_per_day: float = 0.008
    new_lesion_growth_coefficient: float = 1.0
    omega_new_lesion: float = 1.25

    def __post_init__(self) -> None:
        check_real(self.scan_interval_days, "scan_interval_days", minimum=0.0, strict=True)
        check_int(self.scan_window_days, "scan_window_days", minimum=0)
        if self.scan_window_days * 2 >= self.scan_interval_days:
            raise ConfigError("scan_window_days", f"less than half of scan_interval_days ({self.scan_interval_days:g})",
                            self.scan_window_days, "Otherwise consecutive scans could swap order.")
        for name in ("measurement_prop", "measurement_add_mm", "lesion_detection_mm",
                     "new_lesion_hazard_per_day", "new_lesion_growth_coefficient", "omega_new_lesion",
                     "residual_fraction_median", "omega_residual_fraction"):
            check_real(getattr(self, name), name, minimum=0.0)
        if self.residual_fraction_median >= 1.0:
            raise ConfigError("residual_fraction_median", "a number in [0, 1)", self.residual_fraction_median)


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
    visible_sld_mm: np.ndarray, rng: np.random.Generator | int | None = None, config: RecistConfig | None = None
) -> np.ndarray:
    """Measured SLD (mm) of the visible target lesions: 0 stays 0, else true value plus error.

    Parameters
    ----------
    visible_sld_mm : array of float
        Sum of the visible diameters of the lesions seen (mm, >= 0; 0 = all gone), e.g. the row
        sums of :func:`doseflow.insilico.models.tumour.lesion_visibility.compute_visible_diameters`.
    rng : numpy.random.Generator or int or None
    config : RecistConfig, optional

    Returns
    -------
    numpy.ndarray
        Measured SLD, mm.

    Notes
    -----
    Combined error sd = sqrt((prop * SLD)^2 + add^2) (Ribba 2022), truncated at 0. One normal
    draw per patient, also where the SLD is 0.

    Examples
    --------
    >>> measure_sld(np.array([0.0]), 0).tolist()
    [0.0]
    """
    cfg = config if config is not None else RecistConfig()
    s = np.asarray(visible_sld_mm, dtype=float)
    rng = np.random.default_rng(rng)
    sd = np.hypot(cfg.measurement_prop * s, cfg.measurement_add_mm)
    measured = np.maximum(s + sd * rng.standard_normal(s.shape), 0.0)
    return np.where(s > 0, measured, 0.0)

@dataclass(frozen=True, slots=True)
class ScanState:
    """Per-patient RECIST bookkeeping between scans (all arrays of length n).

    ``baseline_mm`` is the measured baseline SLD, ``nadir_mm`` the smallest measured SLD so far
    (baseline included), ``last_true_sld_mm``/``last_scan_day`` the true SLD and day of the last
    scan (baseline: day 0), ``progression_day`` the day of the first PD scan (NaN before),
    ``baseline_true_mm`` the true (modelled) baseline SLD and ``residual_fraction`` the
    non-shrinking fraction of it (:mod:`doseflow.insilico.models.tumour.lesion_visibility`).
    """

    baseline_mm: np.ndarray
    nadir_mm: np.ndarray
    last_true_sld_mm: np.ndarray
    last_scan_day: np.ndarray
    progression_day: np.ndarray
    lesion_fraction: np.ndarray
    new_lesion_frailty: np.ndarray
    baseline_true_mm: np.ndarray
    residual_fraction: np.ndarray

    @classmethod
    def at_baseline(
        cls,
        true_sld_mm: np.ndarray,
        lesion_fraction: np.ndarray,
        rng: np.random.Generator | int | None = None,
        config: RecistConfig | None = None,
    ) -> "ScanState":
        """Measure the baseline scan (day 0); draw new-lesion frailties and residual fractions.

        Every target lesion must be seen at baseline (``true_sld_mm`` x its share >= the
        detection limit; the population draws lesions of >= 10 mm, RECIST 1.1 section 3.1.1).
        Residual fractions come from ``rng.spawn(1)[0]``, so ``rng`` itself gives the same draws
        afterwards as without the residual-mass model.
        """
        cfg = config if config is not None else RecistConfig()
        rng = np.random.default_rng(rng)
        s = np.asarray(true_sld_mm, dtype=float)
        f = np.asarray(lesion_fraction, dtype=float)
        if s.ndim != 1 or f.ndim != 2 or f.shape[0] != s.shape[0]:
            raise DataError("lesion_fraction", f"an array of shape ({s.shape[0]}, lesions)", f.shape)
        n = s.shape[0]
        seen = compute_visible_diameters(s, s, f, np.zeros(n), cfg.lesion_detection_mm)
        bad = ~(np.isfinite(s) & (s > 0)) | (np.nan_to_num(seen, nan=1.0) <= 0).any(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"true_sld_mm[{i}]", f"a baseline whose every target lesion is >= "
                            f"{cfg.lesion_detection_mm:g} mm (lesion_detection_mm)", float(s[i]))
        base = measure_sld(s, rng, cfg)
        w = cfg.omega_new_lesion
        frailty = np.exp(w * rng.standard_normal(n) - 0.5 * w * w)
        # an independent child stream (Generator.spawn does not advance ``rng``): the residual
        # mass leaves every other draw of a simulated trial unchanged (paired comparisons)
        residual = sample_residual_fraction(n, cfg.residual_fraction_median, cfg.omega_residual_fraction,
                                            rng.spawn(1)[0])
        return cls(base, base.copy(), s.copy(), np.zeros(n), np.full(n, np.nan), f, frailty, s.copy(), residual)

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
        Modelled (viable) SLD on the scan day (e.g. from
        :func:`doseflow.insilico.models.tumour.growth.compute_tumour_sld`); the scan sees the lesions through
        :func:`doseflow.insilico.models.tumour.lesion_visibility.compute_visible_diameters` (residual mass,
        detection limit).
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
    >>> from doseflow.standards.recist import label_responses
    >>> cfg = RecistConfig(residual_fraction_median=0.0)  # no residual mass: 4 mm < 5 mm is gone
    >>> st = ScanState.at_baseline(np.array([100.0]), np.array([[1.0]]), 0, cfg)
    >>> st, res = assess_scans(st, np.array([4.0]), np.array([42.0]), 1, cfg)
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
    visible = compute_visible_diameters(np.where(on, s, state.last_true_sld_mm), state.baseline_true_mm,
                                        state.lesion_fraction, state.residual_fraction, cfg.lesion_detection_mm)
    visible_sld = np.nansum(visible, axis=1)
    measured = measure_sld(visible_sld, rng, cfg)
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
    scale = np.divide(measured, visible_sld, out=np.zeros(n), where=visible_sld > 0)
    lesion = np.where(on[:, None], visible * scale[:, None], np.nan)
    result = ScanResult(
        day=np.where(on, day, nan),
        sld_mm=sld_out,
        percent_change=100.0 * (sld_out - state.baseline_mm) / state.baseline_mm,
        response=response.astype(np.int64),
        new_lesion=new,
        lesion_mm=lesion,
    )
    return new_state, result
