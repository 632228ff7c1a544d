"""Kaplan-Meier estimates per group against R survival's published output on the aml data (Miller 1981).

The table, median and interval rules themselves are tested in tests/standards/test_kaplan_meier.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.errors import DataError
from doseflow.readout.efficacy.kaplan_meier import estimate_km
from doseflow import DAYS_PER_MONTH
from doseflow.standards.kaplan_meier import compute_km_table

# survival::aml (Miller 1981, p. 49): weeks to relapse, status 1 = relapse; Maintained first 11.
AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
AML_GROUP = ["Maintained"] * 11 + ["Nonmaintained"] * 12


def _aml():
    return pd.DataFrame({"AVAL": AML_TIME, "CNSR": [1 - s for s in AML_STATUS], "GROUP": AML_GROUP})


def test_aml_median_and_ci_against_R_survfit():
    """R: ``survfit(Surv(time, status) ~ 1, data = aml)`` prints n 23, events 18, median 27,
    0.95LCL 18, 0.95UCL 45; ``~ x`` prints Maintained 11/7, median 31 (18, NA) and Nonmaintained
    12/11, median 23 (8, NA) (conf.type "log", the default). Printed in several public R
    tutorials (verified with the search tool)."""
    r = estimate_km(_aml())
    assert r.data.loc[0, ["N", "EVENTS", "MEDIAN", "LCL", "UCL"]].tolist() == [23, 18, 27.0, 18.0, 45.0]
    g = estimate_km(_aml(), by="GROUP").data.set_index("GROUP")
    assert g.loc["Maintained", ["N", "EVENTS", "MEDIAN", "LCL"]].tolist() == [11, 7, 31.0, 18.0]
    assert g.loc["Nonmaintained", ["N", "EVENTS", "MEDIAN", "LCL"]].tolist() == [12, 11, 23.0, 8.0]
    assert np.isnan(g.loc["Maintained", "UCL"]) and np.isnan(g.loc["Nonmaintained", "UCL"])
    assert g.loc["Maintained", "FLAGS"] == "upper limit not reached"


def test_months_and_flags_and_validation():
    """Median 27 days = 27 / 30.4375 months = 0.8871 months."""
    r = estimate_km(_aml())
    assert r.data.MEDIAN_MONTHS[0] == pytest.approx(27 / 30.4375) and DAYS_PER_MONTH == 30.4375
    assert r.table().iloc[0]["Median (months)"] == "0.9"
    with pytest.raises(DataError):
        estimate_km(pd.DataFrame({"AVAL": [1.0], "CNSR": [2]}))
    with pytest.raises(DataError):
        compute_km_table([-1, 2], [1, 1])
    r = estimate_km(pd.DataFrame({"AVAL": [1.0, np.nan], "CNSR": [0, 1]}))
    assert r.data.N[0] == 1 and "missing AVAL" in r.notes[0]


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 1)), min_size=1, max_size=25), st.randoms())
def test_km_invariant_to_row_order(rows, rnd):
    """Shuffling ADTTE rows leaves the curve, the median and its CI unchanged."""
    a = pd.DataFrame(rows, columns=["AVAL", "CNSR"])
    b = a.sample(frac=1.0, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    ra, rb = estimate_km(a), estimate_km(b)
    pd.testing.assert_frame_equal(ra.km_table, rb.km_table)
    pd.testing.assert_frame_equal(ra.data, rb.data)
