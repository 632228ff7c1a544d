"""The BLRM design with EWOC: the escalation cap, overdose control, stopping, MTD, prior helpers."""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.core import DosePlan, TrialState
from doseflow.designs.conformance import check_design, random_count_states, random_trial_states
from doseflow.designs.model_based import (
    BLRMPrior,
    compute_blrm_posterior,
    compute_blrm_prior_effective_sample_size,
    compute_blrm_prior_from_guesses,
)
from doseflow.designs.model_based.blrm import BLRM
from doseflow.errors import ConfigError

DOSES = (1.0, 2.0, 4.0, 8.0, 16.0)


def test_the_escalation_cap_binds_before_overdose_control():
    """After 3 patients at 1 and 2 mg without DLT (prior median DLT rate 25% at 16 mg), 8 mg is
    admissible by overdose control (P(DLT rate >= 0.33) = 0.09 < 0.25) but more than twice the
    highest dose given: the cap stops at 4 mg."""
    design = BLRM(doses=DOSES, reference_dose=16.0)
    d = design.decide(TrialState.from_counts(5, [3, 3, 0, 0, 0], [0, 0, 0, 0, 0], current=2))
    over = d.details["interval_probabilities"]["overdose"]
    assert over[3] < 0.25 and d.details["admissible"] == [1, 2, 3]
    assert (d.action, d.next_dose, d.rule) == ("escalate", 3, "blrm.escalate")
    uncapped = BLRM(doses=DOSES, reference_dose=16.0, max_increase=None).decide(
        TrialState.from_counts(5, [3, 3, 0, 0, 0], [0, 0, 0, 0, 0], current=2))
    assert uncapped.next_dose > 3


def test_no_admissible_dose_stops_the_trial_and_selects_none():
    design = BLRM(doses=DOSES)
    state = TrialState.from_outcomes(5, "1TTN")
    d = design.decide(state)
    assert d.details["interval_probabilities"]["overdose"][0] >= 0.25
    assert (d.action, d.next_dose, d.rule) == ("stop", None, "blrm.stop_no_admissible")
    assert design.select_mtd(state).dose is None


def test_interval_probabilities_are_the_posterior_s():
    """The design's interval probabilities are those of the BLRM posterior with its prior and the
    bounds 0.16 and 0.33; they sum to 1 per level."""
    design = BLRM(doses=DOSES, reference_dose=4.0)
    d = design.decide(TrialState.from_counts(5, [3, 3, 6, 0, 0], [0, 0, 1, 0, 0], current=3))
    post = compute_blrm_posterior(DOSES, 4.0, [3, 3, 6, 0, 0], [0, 0, 1, 0, 0], BLRMPrior(np.log(1 / 3), 0.0, 2, 1))
    probs = d.details["interval_probabilities"]
    np.testing.assert_allclose(np.c_[probs["underdose"], probs["target"], probs["overdose"]],
                               post.interval_probabilities[0], rtol=1e-9)
    np.testing.assert_allclose(np.sum(post.interval_probabilities[0], axis=1), 1.0)
    assert probs["bounds"] == [0.16, 0.33]
    lower, mean, upper = (np.array(d.details["posterior"][k]) for k in ("lower", "mean", "upper"))
    assert np.all((lower < mean) & (mean < upper))


def test_one_more_dlt_at_a_high_dose_can_lower_the_overdose_probability_of_a_low_one():
    """The two-parameter model is not monotone in the DLTs of one dose: doses 1, 2, 3 with 3, 5, 8
    patients and 0, 3, 5 DLTs give P(over-dosing) 0.255 at dose 1 (no dose admissible: stop);
    one more DLT at dose 3 steepens the fitted curve and gives 0.249 at dose 1, admissible. The
    CRM (one parameter) has no such case (tests/designs/model_based/test_crm_design.py)."""
    before = BLRM().decide(TrialState.from_counts(3, [3, 5, 8], [0, 3, 5], 3))
    after = BLRM().decide(TrialState.from_counts(3, [3, 5, 8], [0, 3, 6], 3))
    assert before.rule == "blrm.stop_no_admissible" and before.details["interval_probabilities"]["overdose"][0] > 0.25
    assert (after.rule, after.next_dose) == ("blrm.deescalate", 1)
    assert after.details["interval_probabilities"]["overdose"][0] < 0.25


def test_select_mtd_chooses_among_the_doses_given():
    """The MTD is the given dose with the highest P(target) among those with P(over-dosing) < 0.25;
    an untried dose is never selected."""
    design = BLRM(doses=DOSES)
    state = TrialState.from_counts(5, [3, 6, 0, 0, 0], [0, 1, 0, 0, 0], current=2)
    sel = design.select_mtd(state)
    target = sel.details["interval_probabilities"]["target"]
    assert sel.dose == 2 and target[2] > target[1]  # level 3 would be better but was never given


def test_prior_from_two_guesses_and_its_effective_sample_size():
    """Guesses of 5% at 1 mg and 30% at 8 mg set the prior means; ``details`` reports them and the
    prior effective sample size per dose."""
    design = BLRM(doses=DOSES, reference_dose=8.0, prior_guess_doses=(1.0, 8.0), prior_guess_dlt=(0.05, 0.30))
    prior = compute_blrm_prior_from_guesses([1.0, 8.0], [0.05, 0.30], 8.0)
    d = design.decide(TrialState.from_counts(5, [3, 0, 0, 0, 0], [0, 0, 0, 0, 0], current=1))
    assert d.details["prior"]["mean_log_alpha"] == pytest.approx(prior.mean_log_alpha)
    assert d.details["prior"]["mean_log_beta"] == pytest.approx(prior.mean_log_beta)
    np.testing.assert_allclose(d.details["prior_effective_sample_size"],
                               compute_blrm_prior_effective_sample_size(prior, DOSES, 8.0))


def test_doses_default_to_the_plan_s_amounts():
    plan = DosePlan.from_amounts([10, 20, 40, 80], "mg")
    state = TrialState(plan, TrialState.from_counts(4, [3, 3, 0, 0], [0, 1, 0, 0], current=2).records, 2)
    a = BLRM().decide(state)
    b = BLRM(doses=(10, 20, 40, 80)).decide(state)
    assert a == b and a.details["doses"] == [10.0, 20.0, 40.0, 80.0] and a.details["reference_dose"] == 20.0


@pytest.mark.parametrize("kwargs, where", [
    (dict(doses=(1, 4, 2)), "doses"),
    (dict(prior_guess_doses=(1, 8)), "BLRM.prior_guess_dlt"),
    (dict(prior_guess_doses=(1, 8), prior_guess_dlt=(0.05, 0.3), prior_mean_log_beta=0.2), "BLRM.prior_mean_log_beta"),
    (dict(target_low=0.3, target_high=0.2), "BLRM.target_high"),
    (dict(max_increase=0.5), "BLRM.max_increase"),
])
def test_bad_options_are_refused_naming_them(kwargs, where):
    with pytest.raises(ConfigError, match=f"^{where}"):
        BLRM(**kwargs)


def test_doses_must_match_the_plan():
    with pytest.raises(ConfigError, match=r"^BLRM.doses: must be one dose per level \(4\)"):
        BLRM(doses=DOSES).decide(TrialState.from_counts(4, [3, 0, 0, 0], [0, 0, 0, 0], current=1))


def test_conformance_on_fewer_states():
    """The conformance suite on fewer states than the default (each posterior with its credible
    intervals is a 2-D integral)."""
    design = BLRM(doses=DOSES)
    states = random_count_states(5, 60) + random_trial_states(design, 5, 8)
    assert check_design(design, states) > 100
