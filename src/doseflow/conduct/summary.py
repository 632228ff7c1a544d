"""The trial dashboard's figures: per level n, DLTs, pending and days left, the recommendation, the MTD.

Observed DLT rates carry the exact binomial 95% interval of Clopper and Pearson (1934),
computed by :func:`doseflow.readout.efficacy.rates.compute_clopper_pearson`, the one
implementation of that interval in doseflow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from doseflow.conduct.review import recommend, to_plain
from doseflow.conduct.trial import Trial
from doseflow.readout.efficacy.rates import compute_clopper_pearson

__all__ = ["summarise_trial"]


def summarise_trial(trial: Trial, at: str) -> dict[str, Any]:
    """Everything the dashboard shows, as plain values.

    Returns
    -------
    dict
        ``levels``: per level (1-based) the label, dose, patients, evaluated patients,
        DLTs, pending patients, observed DLT rate and its exact 95% interval (None where no
        patient was evaluated); ``pending``: per patient in the DLT window the level,
        enrolment day, window end day and days left (from today's study day, never below
        0); ``recommendation``: :meth:`Recommendation.to_dict`; ``mtd``: the design's
        current MTD selection with, at the selected level, the observed rate and its
        interval; ``day``: today's study day.

    Notes
    -----
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the
    case of the binomial. Biometrika 1934;26:404-413.
    """
    rec = recommend(trial, at)
    state = trial.state
    n = state.n_per_dose
    evaluated = state.evaluated_per_dose
    dlt = state.dlt_per_dose
    pending = state.pending_per_dose
    lo, hi = compute_clopper_pearson(dlt, np.maximum(evaluated, 1))
    levels = []
    for i, level in enumerate(trial.plan.levels):
        has = evaluated[i] > 0
        levels.append({
            "level": i + 1, "label": level.label, "dose": str(level), "n": int(n[i]), "evaluated": int(evaluated[i]),
            "dlt": int(dlt[i]), "pending": int(pending[i]),
            "rate": float(dlt[i] / evaluated[i]) if has else None,
            "ci_low": float(lo[i]) if has else None, "ci_high": float(hi[i]) if has else None,
        })
    waiting = []
    for r in state.records:
        if r.pending:
            end = r.enrolled_day + trial.dlt_window_days
            waiting.append({"patient_id": r.id, "level": r.dose_level, "enrolled_day": r.enrolled_day,
                            "window_end_day": end, "days_left": max(end - rec.day, 0.0)})
    mtd = rec.mtd.to_dict()
    chosen = rec.mtd.dose
    mtd["label"] = None if chosen is None else str(trial.plan.level(chosen))
    mtd["observed"] = None if chosen is None else levels[chosen - 1]
    return to_plain({"day": rec.day, "levels": levels, "pending": waiting, "recommendation": rec.to_dict(),
                     "mtd": mtd, "status": trial.status, "version": trial.version,
                     "cohort": None if trial.cohort is None else trial.cohort.to_dict(),
                     "enrolled_in_cohort": trial.enrolled_in_cohort()})
