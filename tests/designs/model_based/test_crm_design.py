"""The CRM and TITE-CRM designs: dfcrm's reference decision, the safety rule's posterior, properties.

Reference values: ../shared/reference/crm.md (dfcrm 0.2.2.1, ``crm`` with its defaults),
copied as literals:

    crm(prior = c(0.05, 0.10, 0.20, 0.35, 0.50, 0.70), target = 0.20,
        tox = c(0, 0, 1, 0, 0, 1, 1, 0, 0, 0), level = c(3, 4, 4, 3, 3, 4, 3, 2, 2, 2))
    getprior(halfwidth = 0.05, target = 0.3, nu = 3, nlevel = 5)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.designs import NoSkipping, StopWhenTooToxic
from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.tite_crm import TITECRM
from doseflow.errors import ConfigError, InputError

SKELETON = (0.05, 0.10, 0.20, 0.35, 0.50, 0.70)
#: dfcrm's example as per-level counts (levels 3, 4, 4, 3, 3, 4, 3, 2, 2, 2; DLTs at the 3rd, 6th, 7th).
N, Y = [0, 3, 4, 3, 0, 0], [0, 0, 1, 2, 0, 0]
DFCRM = {
    "empiric": dict(beta=-0.21217, ptox=[0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494]),
    "logistic": dict(beta=-0.11011, ptox=[0.0891, 0.1604, 0.2831, 0.4399, 0.5776, 0.7449]),
}


@pytest.mark.parametrize("model", sorted(DFCRM))
def test_decide_on_the_dfcrm_example_against_dfcrm(model):
    """The design's decision on dfcrm's example: next level 2, the estimates to 4 decimals."""
    design = CRM(target=0.2, skeleton=SKELETON, model=model)
    decision = design.decide(TrialState.from_counts(6, N, Y, current=2))
    assert (decision.action, decision.next_dose, decision.rule) == ("stay", 2, "crm.stay")
    np.testing.assert_allclose(decision.details["estimates"], DFCRM[model]["ptox"], atol=5e-5)
    assert decision.details["beta"]["mean"] == pytest.approx(DFCRM[model]["beta"], abs=5e-6)
    assert "level 2 (0.155) is the closest to the target 0.2" in decision.reason or model == "logistic"
    selection = design.select_mtd(TrialState.from_counts(6, N, Y, current=2))
    assert selection.dose == 2 and selection.rule == "crm.mtd"
    np.testing.assert_allclose(selection.estimates, DFCRM[model]["ptox"], atol=5e-5)


def test_decision_json_carries_the_posterior_summaries():
    """``next --json``: estimates (plug-in), posterior mean and 90% credible interval, beta."""
    out = CRM(target=0.2, skeleton=SKELETON).decide(TrialState.from_counts(6, N, Y, current=4)).to_dict()
    assert out["action"] == "de-escalate" and out["next_dose"] == 2
    post = out["posterior"]
    assert set(post) == {"mean", "lower", "upper", "credibility"} and post["credibility"] == 0.9
    for lo, mean, hi in zip(post["lower"], post["mean"], post["upper"]):
        assert 0 < lo < mean < hi < 1
    assert out["beta"]["variance"] == pytest.approx(0.15760, abs=5e-6)  # dfcrm's post.var
    assert out["skeleton"] == list(SKELETON)


def test_default_skeleton_is_dfcrm_getprior():
    """Without a skeleton: Lee and Cheung's calibration, half-width 0.05 around the middle level
    (getprior(0.05, 0.3, 3, 5) of crm.md)."""
    np.testing.assert_allclose(CRM(target=0.3).skeleton_for(5),
                               [0.1225293582, 0.2039560076, 0.3, 0.4018194361, 0.5013464478], atol=1e-10)


def test_skeleton_length_is_checked_against_the_plan():
    design = CRM(target=0.2, skeleton=SKELETON)
    with pytest.raises(ConfigError, match=r"^CRM.skeleton: must be one probability per dose level \(5\); got "):
        design.decide(TrialState.from_counts(5, [3, 0, 0, 0, 0], [0, 0, 0, 0, 0]))


@pytest.mark.parametrize("kwargs, where", [
    (dict(skeleton=(0.1, 0.3, 0.2)), "CRM.skeleton"),
    (dict(skeleton=SKELETON, halfwidth=0.05), "CRM.halfwidth"),
    (dict(halfwidth=0.35), "CRM.halfwidth"),
    (dict(model="probit"), "CRM.model"),
    (dict(skeleton=(0.5, 0.96), model="logistic"), "intercept"),
])
def test_bad_options_are_refused_naming_them(kwargs, where):
    with pytest.raises(ConfigError, match=f"^{where}:"):
        CRM(target=0.3, **kwargs)


def test_the_crm_waits_for_pending_outcomes_and_starts_at_the_start_dose():
    design = CRM(target=0.25, start_dose=2)
    first = design.decide(TrialState(DosePlan.of_size(5)))
    assert (first.next_dose, first.cohort_size, first.rule) == (2, 3, "crm.start")
    wait = design.decide(TrialState.from_outcomes(5, "2NNP"))
    assert (wait.action, wait.cohort_size, wait.cohort_kind, wait.rule) == ("stay", 0, "wait", "crm.wait_pending")
    assert design.select_mtd(TrialState(DosePlan.of_size(5))).dose is None


def _posterior_probability_above(skeleton, n, y, level, threshold, sd=math.sqrt(1.34)):
    """P(p_level > threshold | data) of the empiric CRM by adaptive quadrature (scipy), independently."""
    x = np.asarray(skeleton)

    def likelihood(beta):
        p = x ** math.exp(beta)
        return float(np.prod(p ** np.asarray(y) * (1 - p) ** (np.asarray(n) - np.asarray(y)))) * stats.norm.pdf(beta,
                                                                                                                  0, sd)
    cut = math.log(math.log(threshold) / math.log(x[level]))  # p_level > threshold <=> beta < cut
    below = integrate.quad(likelihood, -30, cut, epsabs=0, epsrel=1e-12, limit=200)[0]
    total = below + integrate.quad(likelihood, cut, 30, epsabs=0, epsrel=1e-12, limit=200)[0]
    return below / total


def test_stop_when_too_toxic_reads_the_crm_posterior_through_other_wrappers():
    """P(p_1 > 0.25) after 2 DLTs in 3 patients at level 1 from the CRM's own posterior (checked by
    adaptive quadrature), found through the no-skipping wrapper in between: 0.882 < 0.9, so the
    trial goes on, where the beta-binomial of level 1 alone (Beta(3, 2): 0.949) would stop it; after
    3 DLTs in 3 the CRM gives 0.983 and the trial stops."""
    crm = CRM(target=0.25, skeleton=(0.10, 0.20, 0.30, 0.45))
    design = StopWhenTooToxic(NoSkipping(crm))
    for outcomes, dlts, stops in (("1TNT", 2, False), ("1TTT", 3, True)):
        expected = _posterior_probability_above(crm.skeleton, [3, 0, 0, 0], [dlts, 0, 0, 0], 0, 0.25)
        got = crm.prob_tox_exceeds_counts(np.array([[3, 0, 0, 0]]), np.array([[dlts, 0, 0, 0]]), 0.25)[0, 0]
        assert got == pytest.approx(expected, rel=1e-6)
        decision = design.decide(TrialState.from_outcomes(4, outcomes))
        assert (decision.rule == "stop_when_too_toxic.stop") == stops, (outcomes, expected)
    assert expected == pytest.approx(0.9826, abs=5e-5) and 1 - stats.beta.cdf(0.25, 3, 2) > 0.9
    assert f"{expected:.3f}" in decision.reason


levels = st.integers(2, 6)


@st.composite
def count_states(draw):
    k = draw(levels)
    n = draw(st.lists(st.integers(0, 9), min_size=k, max_size=k))
    y = [draw(st.integers(0, v)) for v in n]
    return n, y


@settings(max_examples=120)
@given(case=count_states(), model=st.sampled_from(["empiric", "logistic"]), pick=st.integers(0, 5))
def test_more_dlts_never_lower_the_estimates_nor_raise_the_recommended_level(case, model, pick):
    """One more DLT (same patients) at any level: every plug-in estimate is at least as high, the
    recommended level at most as high (the likelihood ratio p / (1 - p) decreases in beta)."""
    n, y = case
    d = pick % len(n)
    if y[d] >= n[d]:
        return
    design = CRM(target=0.25, model=model)
    more = list(y)
    more[d] += 1
    post = design.compute_posterior(np.array([n, n]), np.array([y, more]))
    assert np.all(post.toxicity_plugin[1] >= post.toxicity_plugin[0] - 1e-12)
    rec = design.recommend(np.array([n, n]), np.array([y, more]))
    assert rec[1] <= rec[0]


@settings(max_examples=80)
@given(case=count_states(), weights=st.sampled_from(["linear", "adaptive"]))
def test_tite_crm_with_complete_follow_up_is_the_crm(case, weights):
    """Every outcome known: the TITE-CRM's next level and estimates are the CRM's."""
    n, y = case
    if sum(n) == 0:
        return
    current = max(i + 1 for i, v in enumerate(n) if v > 0)
    state = TrialState.from_counts(len(n), n, y, current)
    if weights == "adaptive":  # adaptive weights need every DLT's day
        state = TrialState(state.plan, tuple(r.with_outcome(r.dlt, dlt_day=5.0 if r.dlt else None)
                                              for r in state.records), current)
    crm, tite = CRM(target=0.3), TITECRM(target=0.3, weights=weights)
    a, b = crm.decide(state), tite.decide(state)
    assert (a.action, a.next_dose) == (b.action, b.next_dose)
    assert a.details["estimates"] == pytest.approx(b.details["estimates"], rel=1e-12)
    assert b.cohort_kind == "up_to"


def test_tite_crm_weights_pending_patients_by_their_follow_up():
    """Linear weights 14/28 = 0.5 and 7/28 = 0.25; adaptive, with DLTs on days 7 and 21 of a
    28-day window: a patient followed 14 days weighs (1 + (14 - 7)/(21 - 7)) / 3 = 0.5 and one
    followed 3.5 days (0 + 3.5/7) / 3 = 1/6 (Cheung and Chappell 2000, sect. 2)."""
    plan = DosePlan.of_size(4)
    pending = (PatientRecord("P3", 2, None, followup_day=14.0), PatientRecord("P4", 2, None, followup_day=3.5))
    linear = TITECRM(target=0.25).likelihood_data(TrialState(plan, (PatientRecord("P1", 1, False),) + pending, 2))
    assert linear[0].tolist() == [[1, 0, 0, 0]] and linear[2].tolist() == [[1, 1]]
    np.testing.assert_allclose(linear[3], [[0.125, 0.5]])
    dlts = (PatientRecord("P1", 1, True, dlt_day=7.0), PatientRecord("P2", 1, True, dlt_day=21.0))
    adaptive = TITECRM(target=0.25, weights="adaptive").likelihood_data(TrialState(plan, dlts + pending, 2))
    assert adaptive[0].tolist() == [[2, 0, 0, 0]] and adaptive[1].tolist() == [[2, 0, 0, 0]]
    np.testing.assert_allclose(adaptive[3], [[1 / 6, 0.5]])


def test_tite_crm_needs_the_follow_up_of_pending_patients_and_the_days_of_dlts():
    plan = DosePlan.of_size(3)
    with pytest.raises(InputError, match=r"^patient 'P2' followup_day: must be the days of DLT-window"):
        TITECRM(target=0.3).decide(TrialState(plan, (PatientRecord("P1", 1, False), PatientRecord("P2", 1, None)), 1))
    with pytest.raises(InputError, match=r"^patient 'P1' dlt_day: must be the day of the DLT after enrolment"):
        TITECRM(target=0.3, weights="adaptive").decide(TrialState(plan, (PatientRecord("P1", 1, True),), 1))


def test_tite_crm_enrols_while_outcomes_are_pending():
    """Two patients at level 2 followed 20 and 10 days of 28 (weights 0.714 and 0.357): the TITE-CRM
    does not wait, and the weighted evidence of no toxicity moves it up from the prior's level 2
    (skeleton 0.20 and 0.30 tie at the target 0.25: the lower) to level 3."""
    design = TITECRM(target=0.25, skeleton=(0.10, 0.20, 0.30, 0.45, 0.60))
    records = (PatientRecord("P1", 2, None, followup_day=20.0), PatientRecord("P2", 2, None, followup_day=10.0))
    d = design.decide(TrialState(DosePlan.of_size(5), records, 2))
    assert d.cohort_kind == "up_to" and d.cohort_size == 1
    assert "2 pending weighted by their follow-up (weights 0.36, 0.71)" in d.reason
    prior_level = CRM(target=0.25, skeleton=(0.10, 0.20, 0.30, 0.45, 0.60)).recommend(
        np.zeros((1, 5), np.int64), np.zeros((1, 5), np.int64))[0] + 1
    assert (prior_level, d.next_dose, d.action) == (2, 3, "escalate")


def test_tite_crm_computes_the_next_level_only_where_the_next_event_is_an_arrival():
    """``BatchState.arrival_first``: in trials whose next event is an outcome the simulator does
    not read the level, so the TITE-CRM keeps the current one there (no posterior); where the
    next event is an arrival the decision is the one computed without the hint."""
    from dataclasses import replace

    from doseflow.designs.batch import batch_from_states

    design = TITECRM(target=0.25, skeleton=(0.10, 0.20, 0.30, 0.45, 0.60))
    records = (PatientRecord("P1", 2, None, followup_day=20.0), PatientRecord("P2", 2, None, followup_day=10.0))
    state = TrialState(DosePlan.of_size(5), records, 2)
    batch = batch_from_states([state, state], window_days=28.0)
    full = design.decide_batch(batch)
    hinted = design.decide_batch(replace(batch, arrival_first=np.array([True, False])))
    assert full.next_index.tolist() == [2, 2] and hinted.next_index.tolist() == [2, 1]
    assert hinted.cohort_size.tolist() == full.cohort_size.tolist() == [1, 1]
    assert (hinted.action != full.action).tolist() == [False, True]
