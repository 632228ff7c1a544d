"""Stopping rules as wrappers: sample size, n at a dose (BOIN n.earlystop), a minimum before
stopping, too toxic at the lowest dose. Hand-derived decisions and the BOIN 2.7.2 parity figure."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from doseflow.core import TrialState
from doseflow.designs import BOIN, DemandNAtDose, StopAtNAtDose, StopAtSampleSize, StopWhenTooToxic, ThreePlusThree
from doseflow.errors import ConfigError
from doseflow.simulate import Scenario, draw_patients, run_trials, simulate

S1 = [0.05, 0.15, 0.30, 0.45, 0.60, 0.70]


def _key(d):
    return d.action, d.next_dose, d.cohort_size, d.rule


def test_sample_size_stops_and_cuts_the_last_cohort():
    design = StopAtSampleSize(BOIN(target=0.3), max_n=8)
    # 6 treated: BOIN escalates with a cohort of 3, cut to the 2 places left
    d = design.decide(TrialState.from_outcomes(5, "1NNN 2NNN"))
    assert _key(d) == ("escalate", 3, 2, "stop_at_sample_size.cut")
    assert "cut to 2" in d.reason
    d = design.decide(TrialState.from_outcomes(5, "1NNN 2NNN 3NN"))
    assert _key(d) == ("stop", None, None, "stop_at_sample_size.reached")
    # level 1 eliminated comes first (the base design's own stop)
    assert design.decide(TrialState.from_outcomes(5, "1TTT 1NNN 1TT")).rule == "boin.stop_lowest_eliminated"


def test_sample_size_waits_for_pending_outcomes_before_stopping():
    d = StopAtSampleSize(BOIN(target=0.3), max_n=6).decide(TrialState.from_outcomes(5, "1NNN 2NNP"))
    assert (d.action, d.cohort_size, d.cohort_kind, d.rule) == ("stay", 0, "wait", "stop_at_sample_size.wait_final")


def test_sample_size_on_a_design_with_its_own_end_is_a_cap_that_is_reported():
    """Engine issue defect 6: 3+3 on 7 levels needs up to 42 patients. Uncapped it runs to its
    end; a cap of 30 cuts exactly the trials that need more than 30 patients (same simulated
    patients, trial by trial), and the result counts them (``stop_reasons``)."""
    p7 = [0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22]
    patients = draw_patients(Scenario(tuple(p7)), 4000, 42, np.random.default_rng(3))
    free = run_trials(ThreePlusThree(), patients, 7)
    capped = run_trials(StopAtSampleSize(ThreePlusThree(), max_n=30), patients, 7)
    cut = np.array(capped.rule_ids()) == "stop_at_sample_size.reached"
    np.testing.assert_array_equal(cut, free.sample_size > 30)
    assert 100 < cut.sum() < 300  # about 4% (exact: 4.0348%)
    oc = simulate(ThreePlusThree(), p7, exact=True, max_n=30)
    assert oc.stop_reasons["stop_at_sample_size.reached"] == pytest.approx(4.0348, abs=1e-4)
    assert "stop_at_sample_size.reached" not in simulate(ThreePlusThree(), p7, exact=True).stop_reasons


@pytest.mark.parametrize("when, outcomes, stops", [
    # BOIN 2.7.2: current level has 6 and the decision is to stay (2/6 lies between e(6) = 1 and d(6) = 3)
    ("stay", "1NNN 2NTN 2NTN", True),
    # 0/6 at level 2 escalates: 2.7.2 does not stop; <= 2.6.4 ("current") does
    ("stay", "1NNN 2NNN 2NNN", False),
    ("current", "1NNN 2NNN 2NNN", True),
    # de-escalation needed at level 1 is impossible: stay, so 2.7.2 stops
    ("stay", "1NTT 1NNT", True),
    # recommended: escalating to a level that already has 6
    ("recommended", "1NNN 1NNN 2NTT", True),
    ("recommended", "1NNN 2NNN", False),
], ids=lambda v: str(v))
def test_n_at_dose(when, outcomes, stops):
    d = StopAtNAtDose(BOIN(target=0.3), n=6, when=when).decide(TrialState.from_outcomes(5, outcomes))
    assert (d.rule == "stop_at_n_at_dose.reached") is stops, d.reason


def test_boin_n_earlystop_matches_boin_2_7_2():
    """R: BOIN::get.oc(target = 0.3, p.true = S1, ncohort = 10, cohortsize = 3, n.earlystop = 12)
    mean sample size 25.35 (BOIN 2.7.2, quoted in the engine issue); doseflow before the fix
    (stop as soon as the current level has 12, BOIN <= 2.6.4) gave 23.84. Exact enumeration here;
    tolerance 4 standard errors of R's figure for 10,000 trials (SD of N about 4.6: SE 0.046)."""
    exact = simulate(StopAtNAtDose(BOIN(target=0.3), n=12), S1, exact=True, max_n=30)
    assert exact.sample_size_mean == pytest.approx(25.35, abs=4 * 0.046)
    legacy = simulate(StopAtNAtDose(BOIN(target=0.3), n=12, when="current"), S1, exact=True, max_n=30)
    assert legacy.sample_size_mean == pytest.approx(23.84, abs=4 * 0.046)


def test_demand_n_at_dose_continues_until_the_selected_dose_has_n():
    design = DemandNAtDose(ThreePlusThree(), n=9)
    s = TrialState.from_outcomes(4, "1NNN 2NTN 2NNN 3TTN")  # 3+3 stops: MTD level 2 with 6
    d = design.decide(s)
    assert _key(d) == ("de-escalate", 2, 3, "demand_n_at_dose.continue")
    s = s.with_cohort(2, [False, False, False])
    assert design.decide(s).rule == "3+3.mtd_found"
    # no dose selected: the stop stands
    assert design.decide(TrialState.from_outcomes(4, "1TTN")).rule == "3+3.no_mtd"


def test_too_toxic_at_the_lowest_dose():
    """Beta(1, 1): 2 DLTs in 3 at level 1: P(p > 0.3) = 1 - I_0.3(3, 2) = 0.916 >= 0.9: stop, no MTD."""
    design = StopWhenTooToxic(BOIN(target=0.3), confidence=0.9)
    d = design.decide(TrialState.from_outcomes(5, "1NTT"))
    assert (d.action, d.rule) == ("stop", "stop_when_too_toxic.stop")
    assert "= 0.916 >= 0.9" in d.reason
    assert design.select_mtd(TrialState.from_outcomes(5, "1NTT")).dose is None
    assert design.decide(TrialState.from_outcomes(5, "1NNT")).action != "stop"
    with pytest.raises(ConfigError, match="StopWhenTooToxic.threshold"):
        StopWhenTooToxic(ThreePlusThree())


@pytest.mark.parametrize("make, field, bad", [
    (lambda: StopAtSampleSize(BOIN(target=0.3), max_n=30), "max_n", 0),
    (lambda: StopAtNAtDose(BOIN(target=0.3), n=12), "when", "sometimes"),
    (lambda: DemandNAtDose(BOIN(target=0.3), n=6), "n", -1),
    (lambda: StopWhenTooToxic(BOIN(target=0.3)), "confidence", 1.0),
])
def test_options_are_validated_again_on_replace(make, field, bad):
    with pytest.raises(ConfigError, match=rf"\.{field}: must be"):
        dataclasses.replace(make(), **{field: bad})
