"""RECIST 1.1 time-point response and progression of doseflow.standards.recist against cases applied by hand.

Rules: Eisenhauer EA et al. Eur J Cancer 2009;45:228-247, section 4.3 (time-point response) and
4.4.1 (progression). Each case states its arithmetic in the id or docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.errors import DataError
from doseflow.standards.recist import (
    CR, NE, NOT_DONE, PD, PR, SD, classify_target_response, code_responses, compute_overall_responses,
    compute_progression_day, label_responses, mask_after_progression,
)

# ---------------------------------------------------------------- time-point response
CASES = [
    # (sld, baseline, nadir, new, expected)
    (70.0, 100.0, 100.0, False, PR),   # -30% exactly: PR
    (42.0, 60.0, 60.0, False, PR),     # -18/60 = -30% exactly: PR
    (70.1, 100.0, 100.0, False, SD),   # -29.9%: SD
    (12.5, 10.0, 10.0, False, SD),     # +25% vs nadir but only +2.5 mm: not PD
    (60.0, 50.0, 50.0, False, PD),     # +20% and +10 mm: PD
    (30.0, 25.0, 25.0, False, PD),     # +20% and +5 mm, both exactly: PD
    (24.0, 40.0, 20.0, False, PR),     # -40% vs baseline: PR; +20% yet only +4 mm vs nadir 20: not PD
    (35.0, 30.0, 30.0, False, SD),     # +5 mm but +16.7%: not PD
    (0.0, 50.0, 20.0, False, CR),      # all target lesions gone
    (0.0, 50.0, 20.0, True, PD),       # new lesion overrides CR
    (20.0, 100.0, 25.0, True, PD),     # new lesion overrides PR
    (5.0, 50.0, 0.0, False, PD),       # reappearance after CR: +5 mm from nadir 0
    (np.nan, 50.0, 50.0, False, NE),   # not evaluable
]


@pytest.mark.parametrize(("sld", "base", "nadir", "new", "expected"), CASES,
                         ids=[f"{c[0]}-b{c[1]}-n{c[2]}-{'new' if c[3] else 'nonew'}" for c in CASES])
def test_time_point_response(sld, base, nadir, new, expected):
    """RECIST 1.1 section 4.3.1; the arithmetic of each row is in its comment."""
    got = classify_target_response(np.array([sld]), np.array([base]), np.array([nadir]), np.array([new]))
    assert got[0] == expected, label_responses(got)


def test_sequence_nadir_is_running_minimum():
    """Baseline 100: 80 (-20%: SD), 65 (-35%: PR), 70 (-30% vs baseline: PR; +7.7% vs nadir 65),
    80 (+15 mm, +23% vs nadir 65: PD)."""
    got = compute_overall_responses(np.array([[80.0, 65.0, 70.0, 80.0]]), np.array([100.0]))
    assert label_responses(got).tolist() == [["SD", "PR", "PR", "PD"]]


def test_sequence_with_missing_scan_and_new_lesion():
    """Baseline 50: 45 (SD), no scan (NaN: not done), 46 with a new lesion (PD)."""
    got = compute_overall_responses(np.array([[45.0, np.nan, 46.0]]), np.array([50.0]),
                                    np.array([[False, False, True]]))
    assert got.tolist() == [[SD, NOT_DONE, PD]]


def test_progression_day_is_first_pd_scan():
    r = np.array([[SD, PD, PD], [SD, SD, NOT_DONE], [PD, NOT_DONE, NOT_DONE]])
    d = np.array([[40.0, 85.0, 130.0], [42.0, 84.0, 0.0], [44.0, 0.0, 0.0]])
    got = compute_progression_day(r, d)
    assert got[0] == 85.0 and np.isnan(got[1]) and got[2] == 44.0


def test_assessments_after_the_first_pd_do_not_count():
    """Eisenhauer 2009 sec. 4.4.1: SD, PD, PR, CR -> the PR and CR after the PD become not done."""
    assert mask_after_progression(np.array([[SD, PD, PR, CR]])).tolist() == [[SD, PD, NOT_DONE, NOT_DONE]]


def test_code_responses_rejects_unknown_text():
    expected = r"^response: must be one of CR, PR, SD, PD, NE, NON-CR/NON-PD or '' \(not done\); got 'CHECK'\.$"
    with pytest.raises(DataError, match=expected):
        code_responses(["PR", "CHECK"])
