"""TITE-BOIN (Yuan, Lin, Li, Nie and Warren 2018): imputation, suspension, cohorts, BOIN when complete.

Hand-derived cases at target 0.3, where BOIN's boundaries are lambda_e = 0.2365 and
lambda_d = 0.3585; pending patients' outcomes are imputed with
pi = (y + 0.15) / (n - c + 1) and p_hat = (y + pi / (1 - pi) (c - STFT)) / n.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.designs import BOIN, StopAtSampleSize
from doseflow.designs.interval.tite_boin import TITEBOIN, compute_imputed_dlt_rate
from doseflow.simulate import Scenario, simulate


def _state(levels: int, cohorts: list[tuple[int, str]], followup: dict[str, float] | None = None) -> TrialState:
    """Patients per cohort as (level, letters N/T/P); pending patients' follow-up days by id."""
    records, current = [], None
    for cohort, (level, letters) in enumerate(cohorts, start=1):
        for letter in letters:
            pid = f"P{len(records) + 1}"
            dlt = {"N": False, "T": True, "P": None}[letter]
            records.append(PatientRecord(pid, level, dlt, cohort=cohort,
                                         followup_day=(followup or {}).get(pid, 0.0) if dlt is None else None))
        current = level
    return TrialState(DosePlan.of_size(levels), tuple(records), current)


def test_imputed_rate_by_hand():
    """n = 6, y = 2, c = 2, STFT 0.5: pi = 2.15 / 5 = 0.43, p_hat = (2 + 0.754386 x 1.5) / 6."""
    assert float(compute_imputed_dlt_rate(6, 2, 2, 0.5, 0.3)) == pytest.approx((2 + 0.43 / 0.57 * 1.5) / 6, rel=1e-14)
    assert float(compute_imputed_dlt_rate(6, 2, 0, 0.0, 0.3)) == pytest.approx(2 / 6)


def test_a_cohort_is_filled_before_the_next_decision():
    d = TITEBOIN(target=0.3).decide(_state(4, [(1, "NNN"), (2, "P")]))
    assert (d.action, d.next_dose, d.cohort_size, d.cohort_kind, d.rule) == ("stay", 2, 2, "up_to",
                                                                            "tite-boin.fill_cohort")


def test_accrual_is_suspended_while_more_than_half_are_pending():
    """2 of 3 pending at level 2: suspend; 1 of 3 pending (followed 21 of 28 days): escalate, since
    pi = 0.15 / 3 = 0.05 and p_hat = (0 + 0.05 / 0.95 x 0.25) / 3 = 0.0044 <= lambda_e."""
    design = TITEBOIN(target=0.3)
    d = design.decide(_state(4, [(1, "NNN"), (2, "NPP")], {"P5": 21.0, "P6": 7.0}))
    assert (d.action, d.cohort_size, d.cohort_kind, d.rule) == ("stay", 0, "wait", "tite-boin.suspend")
    d = design.decide(_state(4, [(1, "NNN"), (2, "NNP")], {"P6": 21.0}))
    assert (d.action, d.next_dose, d.rule) == ("escalate", 3, "tite-boin.escalate")
    assert "imputed DLT rate 0.004," in d.reason


def test_no_suspension_when_the_observed_rate_already_de_escalates():
    """4 DLTs in 9 at level 2 (0.44 >= lambda_d) with 5 pending (more than half): de-escalate at once
    (elimination cut-off 0.999, so that 4 DLTs in the 4 known outcomes do not eliminate the level)."""
    d = TITEBOIN(target=0.3, elimination_cutoff=0.999).decide(_state(3, [(1, "NNN"), (2, "TTT"), (2, "TPP"),
                                                                          (2, "PPP")]))
    assert (d.action, d.next_dose, d.rule) == ("de-escalate", 1, "tite-boin.deescalate")


def test_imputed_dlts_alone_do_not_de_escalate():
    """n = 6 at level 2 with 1 DLT and 3 pending just enrolled (STFT 0): p_hat = (1 + 0.4035 x 3) / 6
    = 0.368 >= lambda_d, but the observed rate 1/6 is below the target: stay. With 2 DLTs and 2
    pending, p_hat = (2 + 0.7544 x 2) / 6 = 0.585 and 2/6 > 0.3: de-escalate (BOIN with the same
    outcomes known would stay: 2/6 is between the boundaries)."""
    design = TITEBOIN(target=0.3)
    d = design.decide(_state(3, [(1, "NNN"), (2, "NTN"), (2, "PPP")]))
    assert (d.action, d.next_dose, d.rule) == ("stay", 2, "tite-boin.stay")
    assert "imputed DLT rate 0.368" in d.reason
    d = design.decide(_state(3, [(1, "NNN"), (2, "TTN"), (2, "NPP")]))
    assert (d.action, d.next_dose, d.rule) == ("de-escalate", 1, "tite-boin.deescalate")
    assert BOIN(target=0.3).decide(TrialState.from_outcomes(3, "1NNN 2TTN 2NNN")).action == "stay"


@settings(max_examples=120)
@given(n=st.lists(st.integers(0, 4), min_size=2, max_size=5), fraction=st.floats(0, 0.7), pick=st.integers(0, 4))
def test_with_every_outcome_known_it_is_boin(n, fraction, pick):
    """Complete data (cohorts of 3): the same action and level as BOIN."""
    n = [3 * v for v in n]
    current = pick % len(n)
    n[current] = max(n[current], 3)
    y = [min(v, int(round(fraction * v))) for v in n]
    state = TrialState.from_counts(len(n), n, y, current + 1)
    a, b = BOIN(target=0.3).decide(state), TITEBOIN(target=0.3).decide(state)
    assert (a.action, a.next_dose, a.eliminated) == (b.action, b.next_dose, b.eliminated)
    assert b.rule.removeprefix("tite-boin.") == a.rule.removeprefix("boin.")


def test_tite_boin_shortens_the_trial():
    """In calendar time (28-day window, 8 arrivals per month), TITE-BOIN enrols while outcomes are
    pending: the mean duration is about two thirds of BOIN's (154 and 234 days), which waits for
    each cohort, with much the same selection."""
    scenario = Scenario((0.05, 0.15, 0.30, 0.45, 0.60), dlt_window=28, arrivals_per_month=8)
    tite = simulate(StopAtSampleSize(TITEBOIN(target=0.3), max_n=24), scenario, n_trials=2000, seed=3)
    boin = simulate(StopAtSampleSize(BOIN(target=0.3), max_n=24), scenario, n_trials=2000, seed=3)
    assert tite.duration_mean < 0.7 * boin.duration_mean
    assert np.argmax(tite.selection_pct) == np.argmax(boin.selection_pct) == 2


def test_the_design_and_scenario_windows_must_agree():
    from doseflow.errors import ConfigError

    scenario = Scenario((0.05, 0.15, 0.30), dlt_window=21, arrivals_per_month=4)
    with pytest.raises(ConfigError, match=r"^scenario dlt_window: must be the DLT window of tite-boin \(28 days\); "
                                          r"got 21.0\. Give the scenario --dlt-window 28, or the design --window 21\.$"):
        simulate(StopAtSampleSize(TITEBOIN(target=0.3), max_n=12), scenario, n_trials=10)
