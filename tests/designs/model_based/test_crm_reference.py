"""The CRM against dfcrm 0.2.2.1 (../shared/reference/crm.md): posterior, estimates, skeleton.

Reference values were produced by dfcrm (Cheung 2011) and are copied here as literals:

    crm(prior = c(0.05, 0.10, 0.20, 0.35, 0.50, 0.70), target = 0.20,
        tox = c(0, 0, 1, 0, 0, 1, 1, 0, 0, 0), level = c(3, 4, 4, 3, 3, 4, 3, 2, 2, 2))
    # model = "empiric" (default) and model = "logistic"; method "bayes", scale sqrt(1.34)
    getprior(halfwidth = 0.05, target = 0.3, nu = 3, nlevel = 5)
    getprior(halfwidth = 0.05, target = 0.3, nu = 3, nlevel = 6, model = "logistic")
"""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.designs.model_based import (
    compute_crm_posterior,
    compute_crm_posterior_from_patients,
    compute_crm_recommended_level,
    compute_crm_skeleton,
)

SKELETON = [0.05, 0.10, 0.20, 0.35, 0.50, 0.70]
LEVELS = [3, 4, 4, 3, 3, 4, 3, 2, 2, 2]  # 1-based, as in dfcrm
TOX = [0, 0, 1, 0, 0, 1, 1, 0, 0, 0]

CASES = {
    "empiric": dict(
        mean=-0.21217, variance=0.15760, ptox=[0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494], mtd=2
    ),
    "logistic": dict(mean=-0.11011, variance=None, ptox=[0.0891, 0.1604, 0.2831, 0.4399, 0.5776, 0.7449], mtd=2),
}


@pytest.mark.parametrize("model", sorted(CASES))
def test_crm_example_against_dfcrm(model):
    """Posterior mean and variance of beta, ptox and the next level, to dfcrm's printed digits."""
    ref = CASES[model]
    post = compute_crm_posterior_from_patients(
        SKELETON, np.array(LEVELS) - 1, TOX, model=model, toxicity_thresholds=(0.2,)
    )
    assert post.beta_mean[0] == pytest.approx(ref["mean"], abs=5e-6)
    if ref["variance"] is not None:
        assert post.beta_variance[0] == pytest.approx(ref["variance"], abs=5e-6)
    np.testing.assert_allclose(post.toxicity_plugin[0], ref["ptox"], atol=5e-5)
    assert compute_crm_recommended_level(post.toxicity_plugin, 0.20)[0] + 1 == ref["mtd"]
    assert post.quadrature_error[0] < 1e-5


def test_counts_and_patients_give_the_same_posterior():
    """Per-level counts of the dfcrm example equal its patient list."""
    by_patient = compute_crm_posterior_from_patients(SKELETON, np.array(LEVELS) - 1, TOX)
    by_count = compute_crm_posterior(SKELETON, [0, 3, 4, 3, 0, 0], [0, 0, 1, 2, 0, 0])
    np.testing.assert_allclose(by_count.beta_mean, by_patient.beta_mean, rtol=0, atol=1e-14)
    np.testing.assert_allclose(by_count.toxicity_mean, by_patient.toxicity_mean, rtol=1e-14)


def test_dfcrm_interval_is_the_normal_approximation_on_beta():
    """dfcrm's ptoxL/ptoxU: p_d at mean +- 1.645 sd of beta (crm, conf.level = 0.9)."""
    post = compute_crm_posterior_from_patients(SKELETON, np.array(LEVELS) - 1, TOX)
    sd = np.sqrt(0.15759553)
    lower = np.asarray(SKELETON) ** np.exp(-0.21217153 + 1.6448536 * sd)
    upper = np.asarray(SKELETON) ** np.exp(-0.21217153 - 1.6448536 * sd)
    np.testing.assert_allclose(post.plugin_lower[0], lower, rtol=1e-6)
    np.testing.assert_allclose(post.plugin_upper[0], upper, rtol=1e-6)


@pytest.mark.parametrize(
    ("model", "levels", "expected"),
    [
        ("empiric", 5, [0.1225293582, 0.2039560076, 0.3000000000, 0.4018194361, 0.5013464478]),
        (
            "logistic",
            6,
            [0.1262536390, 0.2047090386, 0.3000000000, 0.4020019049, 0.5000907329, 0.5869440412],
        ),
    ],
)
def test_skeleton_against_dfcrm_getprior(model, levels, expected):
    """getprior(0.05, 0.3, 3, nlevel, model): 10 printed decimals, matched to 1e-9."""
    skeleton = compute_crm_skeleton(0.05, 0.3, 3, levels, model=model)
    np.testing.assert_allclose(skeleton, expected, rtol=0, atol=1e-9)
