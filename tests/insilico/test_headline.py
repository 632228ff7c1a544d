"""Vectorised Kaplan-Meier median and headline figures."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from lifelines import KaplanMeierFitter

from doseflow.insilico.headline import compute_headline, compute_km_median
from doseflow.standards.kaplan_meier import compute_km_median as compute_km_median_of_table
from doseflow.standards.kaplan_meier import compute_km_table
from doseflow.standards.recist import PD, PR, SD


def test_km_median_by_hand():
    """Times 2(e) 2(c) 3(e) 5(e) 5(c): S(2) = 4/5, S(3) = 4/5 x 2/3 = 0.533, S(5) = 0.533 x 1/2 = 0.267
    -> median 5. Times 1..4 all events: S = 0.5 on [2, 3) -> median 2.5, the midpoint of the flat
    (R quantile.survfit; the readout's rule, doseflow.standards.kaplan_meier)."""
    t = np.array([[2.0, 2.0, 3.0, 5.0, 5.0], [1.0, 2.0, 3.0, 4.0, 9.0]])
    e = np.array([[True, False, True, True, False], [True, True, True, True, False]])
    m = np.array([[True] * 5, [True, True, True, True, False]])
    assert compute_km_median(t, e, m).tolist() == [5.0, 2.5]


def test_km_median_not_reached_is_nan():
    """One event of four at t=1: S = 0.75 stays above 0.5."""
    out = compute_km_median(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[True, False, False, False]]))
    assert np.isnan(out[0])


def _rows(rows):
    k = max(len(r) for r in rows)
    t = np.zeros((len(rows), k))
    e = np.zeros((len(rows), k), bool)
    m = np.zeros((len(rows), k), bool)
    for i, r in enumerate(rows):
        t[i, :len(r)] = [x[0] for x in r]
        e[i, :len(r)] = [x[1] for x in r]
        m[i, :len(r)] = True
    return t, e, m


_ROWS = st.lists(st.lists(st.tuples(st.integers(0, 8), st.booleans()), min_size=1, max_size=12), min_size=1, max_size=5)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(_ROWS)
def test_km_median_equals_lifelines_with_ties(rows):
    """Integer times 0-8 give many ties between events and censorings; each row's median must be
    that of lifelines' KaplanMeierFitter curve under R's quantile.survfit rule: the first time
    with S <= 0.5, or, where S is 0.5 (within 1e-12) on a flat segment, the midpoint of the flat
    (to the next drop, or to the last time); NaN where S stays above 0.5. (lifelines' own
    median_survival_time_ takes the first time only, and at S = 0.5 depends on rounding.)"""
    t, e, m = _rows(rows)
    ours = compute_km_median(t, e, m)
    for i, r in enumerate(rows):
        s = KaplanMeierFitter().fit([x[0] for x in r], [x[1] for x in r]).survival_function_.iloc[:, 0]
        reached = s.index[s <= 0.5 + 1e-12]
        if len(reached) == 0:
            assert np.isnan(ours[i])
            continue
        ref = reached[0]
        if abs(s[ref] - 0.5) < 1e-12:
            lower = s.index[(s.index > ref) & (s < 0.5 - 1e-12)]
            ref = (ref + (lower[0] if len(lower) else max(x[0] for x in r))) / 2
        assert ours[i] == ref


@settings(derandomize=True, max_examples=60, deadline=None)
@given(_ROWS)
def test_km_median_batch_equals_the_scalar_rule(rows):
    """The batch form equals doseflow.standards.kaplan_meier.compute_km_median of each row's KM
    table (the readout's median): one median rule."""
    t, e, m = _rows(rows)
    ours = compute_km_median(t, e, m)
    for i, r in enumerate(rows):
        ref = compute_km_median_of_table(compute_km_table([x[0] for x in r], [float(x[1]) for x in r]))[0]
        assert (np.isnan(ours[i]) and np.isnan(ref)) or ours[i] == ref


def test_headline_by_hand():
    """Two trials of 4 patients. Trial 1: pyrexia in 1 of 4 (25%), a grade-3 AE in 1 (25%), high dose
    patients 1-3 (>= 7.2) of whom 2 evaluable with BOR PR, SD -> ORR 50%, DCR 100%; exposures 6, 9, 12,
    15 -> median 10.5. Trial 2: patient 4 not enrolled; ORR 1 PR of 1 evaluable = 100%."""
    en = np.array([[True] * 4, [True, True, True, False]])
    dose = np.array([[8.4, 7.2, 8.4, 1.2], [8.4, 1.2, 1.2, 8.4]])
    wg = {"Pyrexia": np.array([[1, 0, 0, 0], [0, 0, 0, 2]]), "Vomiting": np.array([[0, 3, 0, 0], [0, 0, 0, 0]])}
    bor = np.array([[PR, SD, PD, PD], [PR, PD, PD, PR]])
    ev = np.array([[True, True, False, True], [True, True, True, True]])
    h = compute_headline(enrolled=en, dose_mg_kg=dose, worst_grade=wg, dlt=np.zeros((2, 4), bool), bor=bor,
                         evaluable=ev, pfs_time=np.full((2, 4), 10.0), pfs_event=np.ones((2, 4), bool),
                         exposure_weeks=np.array([[6.0, 9.0, 12.0, 15.0], [3.0, 6.0, 9.0, 99.0]]))
    assert h["pyrexia_pct"].tolist() == [25.0, 0.0]
    assert h["grade3_trae_pct"].tolist() == [25.0, 0.0]
    assert h["orr_high_dose_pct"].tolist() == [50.0, 100.0]
    assert h["dcr_high_dose_pct"].tolist() == [100.0, 100.0]
    assert h["exposure_median_weeks"].tolist() == [10.5, 6.0]
    assert h["n_high_dose"].tolist() == [3.0, 1.0]
    assert h["pfs_median_months"] == pytest.approx([10 / 30.4375] * 2)
