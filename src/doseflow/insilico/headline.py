"""Headline figures of virtual trials, computed vectorised across trials.

The figures of the GQ1001 phase Ia readout (Lemech et al., AACR 2023, CT178) for every
simulated trial at once, from arrays of shape (trials, patients): TRAE incidences, DLTs,
confirmed ORR and disease control at >= 7.2 mg/kg, the Kaplan-Meier median PFS
(:func:`compute_km_median`, one product-limit estimate per trial, no loop over trials, and the
median rule of :mod:`doseflow.standards.kaplan_meier`) and the median exposure.
:data:`PUBLISHED` holds the reported values and the calibration tolerances.

Examples
--------
>>> import numpy as np
>>> compute_km_median(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[True, True, True, True]])).tolist()
[2.5]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.errors import DataError
from doseflow.insilico.models.toxicity.model import ALT_INCREASED, AST_INCREASED, THROMBOCYTOPENIA
from doseflow import DAYS_PER_MONTH
from doseflow.standards.kaplan_meier import compute_survival_quantile
from doseflow.standards.recist import CR, PR, SD

__all__ = ["FIGURE_LABELS", "TERM_FIGURES", "HEADLINE_FIGURES", "PUBLISHED", "PublishedFigure", "compute_km_median", "compute_headline"]

#: Headline figures, in reporting order.
HEADLINE_FIGURES: tuple[str, ...] = (
    "trae_any_pct", "ast_increased_pct", "thrombocytopenia_pct", "alt_increased_pct", "pyrexia_pct",
    "anaemia_pct", "alp_increased_pct", "vomiting_pct", "nausea_pct", "grade3_trae_pct", "n_dlt",
    "n_high_dose", "n_evaluable_high_dose", "orr_high_dose_pct", "pr_high_dose_pct", "sd_high_dose_pct", "dcr_high_dose_pct",
    "pfs_median_months", "exposure_median_weeks",
)


#: Figures that are the incidence of one AE term (the preferred term the records carry).
TERM_FIGURES: dict[str, str] = {
    "ast_increased_pct": AST_INCREASED, "thrombocytopenia_pct": THROMBOCYTOPENIA, "alt_increased_pct": ALT_INCREASED,
    "pyrexia_pct": "Pyrexia", "anaemia_pct": "Anaemia", "alp_increased_pct": "Alkaline phosphatase increased",
    "vomiting_pct": "Vomiting", "nausea_pct": "Nausea",
}

#: Each figure in words with its unit, and the decimals it is shown with.
FIGURE_LABELS: dict[str, tuple[str, int]] = {
    "trae_any_pct": ("Any TRAE, %", 1), "ast_increased_pct": ("AST increased, %", 1),
    "thrombocytopenia_pct": ("Thrombocytopenia, %", 1), "alt_increased_pct": ("ALT increased, %", 1),
    "pyrexia_pct": ("Pyrexia, %", 1), "anaemia_pct": ("Anaemia, %", 1),
    "alp_increased_pct": ("ALP increased, %", 1), "vomiting_pct": ("Vomiting, %", 1),
    "nausea_pct": ("Nausea, %", 1), "grade3_trae_pct": ("Grade >= 3 TRAE, %", 1),
    "n_dlt": ("Patients with a DLT, n", 0), "n_high_dose": ("Patients treated at >= 7.2 mg/kg, n", 0),
    "n_evaluable_high_dose": ("Evaluable patients at >= 7.2 mg/kg, n", 0),
    "orr_high_dose_pct": ("Confirmed ORR at >= 7.2 mg/kg, %", 1),
    "pr_high_dose_pct": ("Confirmed PR at >= 7.2 mg/kg, %", 1), "sd_high_dose_pct": ("SD at >= 7.2 mg/kg, %", 1),
    "dcr_high_dose_pct": ("DCR at >= 7.2 mg/kg, %", 1),
    "pfs_median_months": ("Median PFS at >= 7.2 mg/kg, months", 2),
    "exposure_median_weeks": ("Median exposure, weeks", 1),
}


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    """A figure of the published abstract: its value, the calibration tolerance and its words.

    Attributes
    ----------
    value : float
        The published value (percent 0-100, months, weeks or a count).
    tolerance : float or None
        Calibration tolerance of the replicate median (absolute, same unit); None for a
        figure reported beside the calibrated ones.
    text : str
        The value as the abstract gives it ("75% (24/32)").
    """

    value: float
    tolerance: float | None
    text: str


#: The published figures of the GQ1001 phase Ia abstract: Lemech et al., AACR 2023, CT178
#: (32 patients, cut-off 28 Dec 2022; shared/reference/example-trial.md). Tolerances are those of
#: the calibration brief; None = reported beside, not calibrated by a tolerance. (The number
#: treated at >= 7.2 mg/kg was not published, only the 15 evaluable.)
PUBLISHED: dict[str, PublishedFigure] = {
    "trae_any_pct": PublishedFigure(75.0, 10.0, "75% (24/32)"),
    "ast_increased_pct": PublishedFigure(37.5, 10.0, "37.5% (12/32)"),
    "thrombocytopenia_pct": PublishedFigure(28.1, 8.0, "28.1% (9/32)"),
    "alt_increased_pct": PublishedFigure(25.0, 8.0, "25.0% (8/32)"),
    "pyrexia_pct": PublishedFigure(21.9, 8.0, "21.9% (7/32)"),
    "anaemia_pct": PublishedFigure(18.8, None, "18.8% (6/32)"),
    "alp_increased_pct": PublishedFigure(12.5, None, "12.5% (4/32)"),
    "vomiting_pct": PublishedFigure(12.5, None, "12.5% (4/32)"),
    "nausea_pct": PublishedFigure(12.5, None, "12.5% (4/32)"),
    "grade3_trae_pct": PublishedFigure(28.1, 10.0, "28.1% (9/32)"),
    "n_dlt": PublishedFigure(0.0, None, "0"),
    "n_evaluable_high_dose": PublishedFigure(15.0, None, "15"),
    "orr_high_dose_pct": PublishedFigure(40.0, 12.0, "40% (6/15)"),
    "pr_high_dose_pct": PublishedFigure(40.0, None, "40% (6/15)"),
    "sd_high_dose_pct": PublishedFigure(20.0, None, "20% (3/15)"),
    "dcr_high_dose_pct": PublishedFigure(60.0, None, "60% (9/15)"),
    "pfs_median_months": PublishedFigure(4.8, 1.0, "4.8 months"),
    "exposure_median_weeks": PublishedFigure(18.5, 4.0, "18.5 weeks"),
}


def compute_km_median(time: np.ndarray, event: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Kaplan-Meier median of each row (trial), the batch form of the standards' median.

    One product-limit estimate per row, vectorised; its median equals
    :func:`doseflow.standards.kaplan_meier.compute_km_median` of the row's KM table.

    Parameters
    ----------
    time : float array (trials, patients)
        Event or censoring times (>= 0).
    event : bool array (trials, patients)
        True for an event.
    mask : bool array (trials, patients), optional
        Which entries belong to the sample (default all).

    Returns
    -------
    float array (trials,)
        The smallest time t with S(t) <= 0.5, the midpoint of a flat segment at exactly 0.5;
        NaN where the curve never reaches 0.5 (median not reached) or the row has no patient.

    Raises
    ------
    DataError
        If the arrays differ in shape, or a time in the sample is negative or not finite.

    Notes
    -----
    Product-limit estimator (Kaplan and Meier 1958): at each distinct event time t_j,
    S(t_j) = prod_{i <= j} (1 - d_i / n_i), with d_i events at t_i and n_i at risk just
    before t_i; censorings tied with events count as at risk (they are removed after the
    events). Within each row, times are sorted with events before censorings at a tie; a
    tie group's factor is applied once, at its last entry. S is computed as
    exp(cumsum(log(n - d) - log(n))), the arithmetic of lifelines' KaplanMeierFitter
    (Davidson-Pilon, lifelines). The median is
    :func:`doseflow.standards.kaplan_meier.compute_survival_quantile` of that curve: the
    first time with S <= 0.5, or the midpoint of a flat segment at exactly 0.5 (R
    ``quantile.survfit``), as the readout computes it from one KM table.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat
    Assoc 1958;53:457-481. Therneau T, R package survival, ``quantile.survfit``.

    Examples
    --------
    >>> t = np.array([[2.0, 2.0, 3.0, 5.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    >>> e = np.array([[True, False, True, True, False], [False, False, False, False, True]])
    >>> compute_km_median(t, e).tolist()   # S(2) = 4/5, S(3) = 4/5 x 2/3 = 0.533, S(5) = 0.267
    [5.0, 5.0]
    """
    t = np.asarray(time, dtype=float)
    ev = np.asarray(event, dtype=bool)
    m = np.ones(t.shape, bool) if mask is None else np.asarray(mask, dtype=bool)
    if t.ndim != 2 or ev.shape != t.shape or m.shape != t.shape:
        raise DataError("time/event/mask", "arrays of one shape (trials, patients)", (t.shape, ev.shape, m.shape))
    bad = m & ~(np.isfinite(t) & (t >= 0))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"time[{r}, {c}]", "a finite time >= 0", float(t[r, c]))
    key_t = np.where(m, t, np.inf)
    # sort by time, events first within ties (lexsort: last key is primary)
    order = np.lexsort((~ev, key_t), axis=1)
    ts = np.take_along_axis(key_t, order, axis=1)
    es = np.take_along_axis(ev & m, order, axis=1)
    n_in = m.sum(axis=1)
    k = t.shape[1]
    pos = np.arange(k)[None, :]
    at_risk = n_in[:, None] - pos
    # tie groups: first index of each run of equal times
    new = np.ones(ts.shape, bool)
    new[:, 1:] = ts[:, 1:] != ts[:, :-1]
    first = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    last = np.ones(ts.shape, bool)
    last[:, :-1] = new[:, 1:]
    cum_ev = np.cumsum(es, axis=1)
    before = np.where(first > 0, np.take_along_axis(cum_ev, np.maximum(first - 1, 0), axis=1), 0)
    d = cum_ev - before
    n_risk = np.take_along_axis(at_risk, first, axis=1)
    valid = last & np.isfinite(ts) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(valid, np.log(np.where(valid, n_risk - d, 1.0)) - np.log(np.where(valid, n_risk, 1.0)), 0.0)
    surv = np.exp(np.cumsum(step, axis=1))
    observed = np.isfinite(ts)
    return compute_survival_quantile(np.where(observed, ts, np.nan), np.where(observed, surv, np.nan), 0.5)


def _pct(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 100.0 * num / np.maximum(den, 1), np.nan)


def compute_headline(
    *,
    enrolled: np.ndarray,
    dose_mg_kg: np.ndarray,
    worst_grade: dict[str, np.ndarray],
    dlt: np.ndarray,
    bor: np.ndarray,
    evaluable: np.ndarray,
    pfs_time: np.ndarray,
    pfs_event: np.ndarray,
    exposure_weeks: np.ndarray,
    high_dose_mg_kg: float = 7.2,
) -> dict[str, np.ndarray]:
    """Headline figures of each trial from per-patient arrays of shape (trials, patients).

    Parameters
    ----------
    enrolled : bool array
        Treated patients (the others are ignored).
    dose_mg_kg : float array
        Dose assigned at enrolment (mg/kg).
    worst_grade : dict of str to int array
        Worst grade of each AE term over the whole treatment (0 = never).
    dlt : bool array
        DLT in the DLT window.
    bor : int array
        Confirmed best overall response (RECIST codes).
    evaluable : bool array
        At least one post-baseline scan.
    pfs_time, pfs_event : arrays
        PFS (days) and event flag.
    exposure_weeks : float array
        Treatment duration, weeks.
    high_dose_mg_kg : float
        Threshold of the efficacy population (>= 7.2 mg/kg).

    Returns
    -------
    dict of str to float array (trials,)
        :data:`HEADLINE_FIGURES`. Percentages are 0-100 of the treated patients (safety) or
        of the evaluable high-dose patients (ORR, PR, SD, DCR); NaN where the denominator is 0
        or the median PFS is not reached. ``n_high_dose`` counts the patients treated at >=
        ``high_dose_mg_kg``, ``n_evaluable_high_dose`` those of them with a post-baseline scan.

    Notes
    -----
    A patient counts for a term if its worst grade is >= 1 (all simulated AEs are
    treatment-related, so AEs are TRAEs). ORR = confirmed CR or PR, PR and SD the confirmed
    best overall responses PR and SD, DCR = CR, PR or SD
    (RECIST 1.1, Eisenhauer et al. 2009), among patients at >= ``high_dose_mg_kg`` with at
    least one post-baseline scan; median PFS is the KM median of all patients at >=
    ``high_dose_mg_kg`` in months (days / 30.4375).

    Examples
    --------
    >>> h = compute_headline(enrolled=np.array([[True, True]]), dose_mg_kg=np.array([[8.4, 1.2]]),
    ...     worst_grade={"Pyrexia": np.array([[1, 0]])}, dlt=np.array([[False, False]]),
    ...     bor=np.array([[PR, SD]]), evaluable=np.array([[True, True]]),
    ...     pfs_time=np.array([[100.0, 50.0]]), pfs_event=np.array([[True, True]]),
    ...     exposure_weeks=np.array([[12.0, 6.0]]))
    >>> float(h["pyrexia_pct"][0]), float(h["orr_high_dose_pct"][0]), float(h["exposure_median_weeks"][0])
    (50.0, 100.0, 9.0)
    """
    en = np.asarray(enrolled, dtype=bool)
    n = en.sum(axis=1)
    zeros = np.zeros(en.shape, np.int64)

    def term_pct(term: str) -> np.ndarray:
        return _pct((en & (np.asarray(worst_grade.get(term, zeros)) >= 1)).sum(axis=1), n)

    any_g = np.zeros(en.shape, np.int64)
    for g in worst_grade.values():
        any_g = np.maximum(any_g, np.asarray(g))
    high = en & (np.asarray(dose_mg_kg) >= high_dose_mg_kg - 1e-9)
    ev_high = high & np.asarray(evaluable, dtype=bool)
    b = np.asarray(bor)
    resp = (b == CR) | (b == PR)
    expo = np.where(en, np.asarray(exposure_weeks, dtype=float), np.nan)
    with np.errstate(all="ignore"):
        expo_med = np.where(n > 0, np.nanmedian(np.where(n[:, None] > 0, expo, 0.0), axis=1), np.nan)
    return {
        "trae_any_pct": _pct((en & (any_g >= 1)).sum(axis=1), n),
        **{figure: term_pct(term) for figure, term in TERM_FIGURES.items()},
        "grade3_trae_pct": _pct((en & (any_g >= 3)).sum(axis=1), n),
        "n_dlt": (en & np.asarray(dlt, dtype=bool)).sum(axis=1).astype(float),
        "orr_high_dose_pct": _pct((ev_high & resp).sum(axis=1), ev_high.sum(axis=1)),
        "pr_high_dose_pct": _pct((ev_high & (b == PR)).sum(axis=1), ev_high.sum(axis=1)),
        "sd_high_dose_pct": _pct((ev_high & (b == SD)).sum(axis=1), ev_high.sum(axis=1)),
        "dcr_high_dose_pct": _pct((ev_high & (resp | (b == SD))).sum(axis=1), ev_high.sum(axis=1)),
        "pfs_median_months": compute_km_median(np.where(high, pfs_time, 0.0), pfs_event, high) / DAYS_PER_MONTH,
        "exposure_median_weeks": expo_med,
        "n_high_dose": high.sum(axis=1).astype(float),
        "n_evaluable_high_dose": ev_high.sum(axis=1).astype(float),
    }
