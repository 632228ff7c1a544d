"""The vectorised engine against the plain-Python reference, trial by trial, and against exact enumeration.

The reference (:func:`doseflow.simulate.reference.run_trial_reference`) plays each trial with
``TrialState`` and the scalar ``decide``; the engine must give the same trials on the same
simulated patients: counts, DLTs, MTD, the rule that ended the trial and its duration, in
cohorts and in calendar time. Exact enumeration is then the oracle of Monte Carlo (within 4
Monte Carlo standard errors).
"""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.designs import (
    BOIN,
    MTPI2,
    AcceleratedTitration,
    DemandNAtDose,
    Expansion,
    I3Plus3,
    Keyboard,
    NoEscalationAfterDLT,
    NoSkipping,
    RollingSix,
    StartUp,
    StopAtNAtDose,
    StopAtSampleSize,
    StopWhenTooToxic,
    ThreePlusThree,
)
from doseflow.designs.interval import TITEBOIN
from doseflow.designs.model_based.blrm import BLRM
from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.tite_crm import TITECRM
from doseflow.errors import ConfigError
from doseflow.simulate import PatientSample, Scenario, draw_patients, run_trials, simulate
from doseflow.simulate.graph import build_state_graph, walk_state_graph
from doseflow.simulate.metrics import OperatingCharacteristics, summarise_runs
from doseflow.simulate.reference import run_trial_reference

TRUTH = (0.05, 0.15, 0.30, 0.45, 0.60)
GRADE2 = (0.20, 0.30, 0.45, 0.60, 0.70)

DESIGNS = {
    "3+3": ThreePlusThree(),
    "3+3-A": ThreePlusThree(variant="A"),
    "accelerated-3+3": AcceleratedTitration(ThreePlusThree(), max_single_levels=2),
    "boin-24": StopAtSampleSize(BOIN(target=0.3), max_n=24),
    "boin-earlystop": StopAtSampleSize(StopAtNAtDose(BOIN(target=0.25), n=9), max_n=24),
    "keyboard-no-esc-after-dlt": StopAtSampleSize(NoEscalationAfterDLT(Keyboard(target=0.3)), max_n=21),
    "mtpi2-no-skip": StopAtSampleSize(NoSkipping(MTPI2(target=0.3, start_dose=2)), max_n=18),
    "i3+3-too-toxic": StopWhenTooToxic(StopAtSampleSize(I3Plus3(target=0.25), max_n=18)),
    "3+3-demand-9": DemandNAtDose(ThreePlusThree(), n=9),
    "3+3-expansion": Expansion(ThreePlusThree(), n=6, levels=2),
    "rolling6": RollingSix(),
    "accelerated-rolling6-expansion": Expansion(AcceleratedTitration(RollingSix()), n=5, levels=2),
    "crm-no-skip": StopAtSampleSize(NoSkipping(CRM(target=0.25, skeleton=(0.05, 0.12, 0.25, 0.40, 0.55))), max_n=18),
    "crm-logistic-start-up-too-toxic": StopWhenTooToxic(StopAtSampleSize(StartUp(CRM(target=0.3, model="logistic")),
                                                                         max_n=18)),
    "tite-crm": StopAtSampleSize(NoSkipping(TITECRM(target=0.25, skeleton=(0.05, 0.12, 0.25, 0.40, 0.55))), max_n=18),
    "tite-crm-adaptive-start-up": StopAtSampleSize(StartUp(TITECRM(target=0.3, weights="adaptive", cohort_size=2),
                                                           cohort_size=1), max_n=15),
    "tite-boin": StopAtSampleSize(TITEBOIN(target=0.3), max_n=18),
    "tite-boin-singles-no-suspension": StopAtSampleSize(TITEBOIN(target=0.25, cohort_size=1, max_pending_fraction=1.0),
                                                         max_n=15),
}
#: Designs whose reference (scalar decide with credible intervals, a 2-D integral each) is slow:
#: checked on fewer trials, with outcomes known at once.
SLOW = {"blrm": StopAtSampleSize(BLRM(doses=(1, 2, 4, 8, 16)), max_n=15)}
UNTIMED = [n for n, d in DESIGNS.items() if not d.needs_calendar]
GRAPH = [n for n in UNTIMED if DESIGNS[n].state_kind != "patients"]


def _same(design, scenario: Scenario, trials: int, seed: int) -> None:
    capacity = design.max_sample_size(scenario.n_levels)
    patients = draw_patients(scenario, trials, capacity, np.random.default_rng(seed))
    runs = run_trials(design, patients, scenario.n_levels)
    for i in range(trials):
        ref = run_trial_reference(design, patients, i, scenario.n_levels)
        got = (runs.n[i].tolist(), runs.y[i].tolist(), int(runs.mtd[i]), runs.rules[runs.rule[i]])
        want = (ref.n.tolist(), ref.y.tolist(), ref.mtd, ref.rule)
        assert got == want, f"trial {i}: engine {got}, reference {want} ({ref.state.to_outcomes()})"
        if scenario.timed:
            assert runs.duration[i] == pytest.approx(ref.duration, abs=1e-9), i
        else:
            assert np.isnan(runs.duration[i])


@pytest.mark.parametrize("name", UNTIMED)
def test_engine_equals_reference_with_outcomes_known_at_once(name):
    _same(DESIGNS[name], Scenario(TRUTH, grade2=GRADE2), 120, seed=7)


@pytest.mark.parametrize("dlt_time", ["uniform", "late"])
@pytest.mark.parametrize("name", list(DESIGNS))
def test_engine_equals_reference_in_calendar_time(name, dlt_time):
    scenario = Scenario(TRUTH, grade2=GRADE2, dlt_window=28, arrivals_per_month=4, dlt_time=dlt_time)
    _same(DESIGNS[name], scenario, 80, seed=11)


@pytest.mark.parametrize("name", list(SLOW))
def test_engine_equals_reference_for_slow_designs(name):
    _same(SLOW[name], Scenario(TRUTH), 30, seed=7)


#: Time-to-event designs with the 7-day window of the short-window scenario.
SHORT_WINDOW = {"tite-crm-7": StopAtSampleSize(TITECRM(target=0.25, window=7.0), max_n=15),
                "tite-boin-7": StopAtSampleSize(TITEBOIN(target=0.3, window=7.0), max_n=15)}


@pytest.mark.parametrize("name", ["rolling6", "boin-24", "accelerated-3+3", *SHORT_WINDOW])
def test_engine_equals_reference_with_uniform_arrivals_and_a_short_window(name):
    design = {**DESIGNS, **SHORT_WINDOW}[name]
    _same(design, Scenario(TRUTH, dlt_window=7, arrivals_per_month=2, arrival="uniform"), 60, seed=3)


@pytest.mark.parametrize("name", GRAPH + list(SLOW))
def test_graph_walk_equals_engine(name):
    """Designs that decide from counts (or grade counts) walk their state graph: same trials."""
    design = {**DESIGNS, **SLOW}[name]
    capacity = design.max_sample_size(5)
    patients = draw_patients(Scenario(TRUTH, grade2=GRADE2), 3000, capacity, np.random.default_rng(5))
    walk = walk_state_graph(build_state_graph(design, 5, capacity), patients)
    runs = run_trials(design, patients, 5)
    np.testing.assert_array_equal(walk.n, runs.n)
    np.testing.assert_array_equal(walk.y, runs.y)
    np.testing.assert_array_equal(walk.mtd, runs.mtd)
    assert walk.rule_ids() == runs.rule_ids()


def test_calendar_time_with_cohorts_gives_the_cohort_trials():
    """A cohort design waits for its cohorts' outcomes: the trials are those with outcomes known at
    once (same patients), now with a duration of at least one window per cohort."""
    design = DESIGNS["boin-24"]
    patients = draw_patients(Scenario(TRUTH, dlt_window=28, arrivals_per_month=3), 500, 24, np.random.default_rng(2))
    timed = run_trials(design, patients, 5)
    untimed = run_trials(design, PatientSample(u=patients.u, p=patients.p, q=patients.q), 5)
    np.testing.assert_array_equal(timed.n, untimed.n)
    np.testing.assert_array_equal(timed.mtd, untimed.mtd)
    full = timed.sample_size == 24
    assert np.all(timed.duration[full] >= 28 * 8)  # 8 cohorts of 3, each waits out its window


def _engine_oc(design, scenario, trials, seed):
    capacity = design.max_sample_size(scenario.n_levels)
    patients = draw_patients(scenario, trials, capacity, np.random.default_rng(seed))
    runs = run_trials(design, patients, scenario.n_levels)
    return OperatingCharacteristics.from_summary(summarise_runs(runs, scenario, design.target), design, scenario,
                                                 runs.rules, target=design.target, seed=seed, chunk_size=trials)


@pytest.mark.parametrize("name", GRAPH + list(SLOW))
def test_monte_carlo_converges_to_exact(name):
    """The general engine (not the graph walk) within 4 Monte Carlo SE of exact enumeration:
    selection % of every level and of none, mean patients per level, mean sample size."""
    design = {**DESIGNS, **SLOW}[name]
    scenario = Scenario(TRUTH, grade2=GRADE2)
    exact = simulate(design, scenario, exact=True)
    mc = _engine_oc(design, scenario, 20_000, seed=13)
    k = 4.0
    for got, want in zip(mc.selection_pct + (mc.no_mtd_pct,), exact.selection_pct + (exact.no_mtd_pct,)):
        p = want / 100
        se = 100 * np.sqrt(p * (1 - p) / mc.n_trials)
        assert abs(got - want) <= k * se + 1e-9, (name, got, want, se)
    for got, se, want in zip(mc.patients_per_level, mc.patients_per_level_se, exact.patients_per_level):
        assert abs(got - want) <= k * se + 1e-9, (name, got, want, se)
    assert abs(mc.sample_size_mean - exact.sample_size_mean) <= k * mc.sample_size_se + 1e-9


def test_a_design_that_enrols_with_pending_outcomes_needs_calendar_time():
    with pytest.raises(ConfigError, match="DLT window and an arrival rate for rolling6"):
        simulate(RollingSix(), TRUTH, n_trials=10)


def test_capacity_is_reported_not_hidden():
    """A trial the arrays cannot hold ends with the rule engine.capacity, never silently."""
    patients = draw_patients(Scenario(TRUTH), 200, 9, np.random.default_rng(1))
    runs = run_trials(ThreePlusThree(), patients, 5)
    ids = runs.rule_ids()
    assert "engine.capacity" in ids
    assert np.all(runs.sample_size <= 9)
    assert all(r.startswith("3+3.") or r == "engine.capacity" for r in ids)


def test_rolling_six_enrols_up_to_six_while_outcomes_are_pending_and_waits_when_suspended():
    """Regression (engine issue, defect 2): rolling six was simulated as six patients per level with
    outcomes known at once, and a wait (cohort size 0) became "reuse the previous size".
    Hand-made patients: one arrives every 2 days, DLT window 30 days; patients 1 and 2 have a DLT at
    level 1 on day 20 after enrolment (others none). Rolling six enrols patients 1-6 at level 1 as
    they arrive (days 2-12, all pending); with 6 enrolled and outcomes pending it must suspend, so
    patient 7 (arrived day 14) is not enrolled while the outcomes are awaited; the DLTs become known
    on days 22 and 24, and 2 DLTs at level 1 end the trial with no MTD on day 24."""
    n = 12
    arrival = np.arange(1, n + 1, dtype=float)[None, :] * 2
    dlt = np.zeros((1, n, 3), bool)
    dlt[0, :2, :] = True
    patients = PatientSample(dlt=dlt, dlt_day=np.full((1, n), 20.0), arrival=arrival, window=30.0)
    runs = run_trials(RollingSix(), patients, 3, keep_patients=True)
    enrolled = runs.level[0] >= 0
    assert enrolled.sum() == 6 and np.all(runs.level[0, :6] == 0)
    np.testing.assert_allclose(runs.enrol_day[0, :6], [2, 4, 6, 8, 10, 12])
    assert runs.rule_ids() == ["rolling6.no_mtd"] and runs.duration[0] == 24.0
