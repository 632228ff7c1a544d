"""Monte Carlo operating characteristics agree with exact enumeration within MC error.

The oracle is :func:`doseflow.simulate.compute_exact_oc` (every outcome path, no Monte
Carlo error), itself checked against the 3+3 reference table
(``../shared/reference/threeplusthree.md``).
"""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.designs import BOIN, AcceleratedTitration, ThreePlusThree
from doseflow.simulate import compute_exact_oc, run_escalation, simulate_oc

SCENARIO = (0.05, 0.15, 0.30, 0.45, 0.60)
K = 4.0  # tolerance in Monte Carlo standard errors


def _assert_within_mc_error(mc, exact, k=K):
    sel_exact = np.asarray(exact.selection, dtype=float) * 100
    se = np.sqrt(sel_exact * (100 - sel_exact) / mc.n_trials)
    dev = np.abs(mc.selection_pct - sel_exact)
    assert np.all(dev <= k * se + 1e-9), (
        f"selection % {mc.selection_pct.round(2)} vs exact {sel_exact.round(2)}: "
        f"deviation {dev.round(3)} exceeds {k} MC SE {se.round(3)}"
    )
    assert abs(mc.mean_n - exact.mean_n) <= k * mc.mean_n_se, (
        f"mean N {mc.mean_n:.3f} vs exact {exact.mean_n:.3f}, {k} SE = {k * mc.mean_n_se:.3f}"
    )


@pytest.mark.parametrize("variant", ["A", "B"])
def test_three_plus_three_monte_carlo_matches_exact(variant):
    """3+3 selection % and mean N within 4 MC SE of exact enumeration (20,000 trials)."""
    design = ThreePlusThree(variant=variant)
    exact = compute_exact_oc(design, SCENARIO)
    mc = simulate_oc(design, SCENARIO, n_trials=20_000, max_n=30, seed=11)
    _assert_within_mc_error(mc, exact)


def test_boin_monte_carlo_matches_exact_with_max_n():
    """BOIN with at most 15 patients (5 cohorts): Monte Carlo vs exact enumeration."""
    design = BOIN(target=0.3, max_n=15)
    exact = compute_exact_oc(design, SCENARIO)
    mc = simulate_oc(design, SCENARIO, n_trials=20_000, max_n=15, seed=3)
    _assert_within_mc_error(mc, exact)


def test_result_depends_on_seed_only_not_on_workers():
    design = BOIN(target=0.3)
    one = simulate_oc(design, SCENARIO, n_trials=3_000, max_n=18, seed=5, chunk_size=500, workers=1)
    two = simulate_oc(design, SCENARIO, n_trials=3_000, max_n=18, seed=5, chunk_size=500, workers=2)
    assert one.to_dict() == two.to_dict()
    other = simulate_oc(design, SCENARIO, n_trials=3_000, max_n=18, seed=6, chunk_size=500)
    assert other.to_dict() != one.to_dict()


def test_paired_patients_monotone_toxicity():
    """With the latent-uniform patients, a patient with a DLT at a level has one above it too."""
    rng = np.random.default_rng(0)
    u = rng.random((50, 9))
    outcomes = u[:, :, None] < np.array(SCENARIO)[None, None, :]
    assert np.all(np.diff(outcomes.astype(int), axis=2) >= 0)
    run = run_escalation(ThreePlusThree(), outcomes, max_n=9)
    # every enrolled patient's DLT equals its potential outcome at the level received
    t, p = np.nonzero(run.level >= 0)
    assert np.array_equal(run.dlt[t, p], outcomes[t, p, run.level[t, p]])
    assert np.array_equal(run.n.sum(axis=1), (run.level >= 0).sum(axis=1))


def test_hand_derived_three_plus_three_trial():
    """Patients 1-3 clear level 1 (no DLT), patients 4-6 at level 2 have 2 DLTs.

    Variant B then expands level 1 to six (patients 7-9, no DLT) and stops with MTD = level 1.
    """
    outcomes = np.zeros((1, 12, 3), dtype=bool)
    outcomes[0, 3, 1:] = True
    outcomes[0, 4, 1:] = True
    run = run_escalation(ThreePlusThree(variant="B"), outcomes, max_n=12)
    assert run.level[0].tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0, -1, -1, -1]
    assert run.n[0].tolist() == [6, 3, 0] and run.y[0].tolist() == [0, 2, 0]
    assert run.mtd.tolist() == [0] and run.stopped_early.tolist() == [True]


def test_accelerated_titration_uses_single_patient_cohorts():
    """No toxicity at all: one patient at each of the 2 titration levels, then 3+3 cohorts."""
    outcomes = np.zeros((2, 30, 4), dtype=bool)
    design = AcceleratedTitration(ThreePlusThree(), max_single_levels=2)
    run = run_escalation(design, outcomes, max_n=30, grade2_outcomes=np.zeros_like(outcomes))
    assert run.n[0].tolist() == [1, 1, 3, 3]
    assert run.mtd.tolist() == [3, 3]  # top level cleared: reported as the top level
