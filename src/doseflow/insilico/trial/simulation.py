"""The virtual phase Ia trial: escalation, expansion, calendar and treatment of virtual patients.

One call simulates many trials at once (:func:`simulate_trials`, vectorised across trials;
loops over cohorts and cycles only) or one trial with its records
(:func:`simulate_trial`, a :class:`doseflow.insilico.trial.data.VirtualTrialData` ready for
SDTM). The flow:

1. virtual patients (:func:`doseflow.insilico.population.sample_population`);
2. cycle 1 of every patient at every dose level with the same individual parameters, giving
   the DLT and grade >= 2 potential outcomes (:mod:`doseflow.insilico.trial.potential`);
3. the escalation by any doseflow design on those outcomes and the expansion at the selected
   level, in calendar time, on the simulation engine
   (:func:`doseflow.simulate.engine.run_trials`): Poisson arrivals queue while the trial
   waits, each cohort's DLT outcomes are known at the end of the DLT window, and the
   expansion (:class:`doseflow.designs.wrappers.Expansion`) takes the patients left once
   the escalation ends (at most ``n_patients`` in all); then the data cut-off
   (:mod:`doseflow.insilico.trial.enrolment`);
5. treatment until progression, toxicity, withdrawal, death or cut-off
   (:func:`doseflow.insilico.trial.treatment.treat_patients`);
6. headline figures per trial (:func:`doseflow.insilico.headline.compute_headline`).

Examples
--------
>>> from doseflow.insilico.preset import load_preset
>>> batch = simulate_trials(load_preset("gq1001"), 2, seed=5)
>>> sorted(batch.headline)[:3], batch.headline["trae_any_pct"].shape
(['alp_increased_pct', 'alt_increased_pct', 'anaemia_pct'], (2,))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_int
from doseflow.insilico.headline import compute_headline
from doseflow.insilico.models.pk.parameters import PHASE1A_SCHEDULE
from doseflow.insilico.models.variability import validate_generator
from doseflow.designs.batch import ROLE_CODES
from doseflow.designs.wrappers import Expansion, StopAtSampleSize
from doseflow.insilico.trial.enrolment import compute_cutoff_days, sample_arrival_days
from doseflow.insilico.trial.potential import PotentialOutcomes, simulate_potential_outcomes
from doseflow.insilico.trial.records import build_trial_data
from doseflow.insilico.trial.treatment import TreatmentResult, treat_patients
from doseflow.simulate.engine import TrialRuns, run_trials
from doseflow.simulate.patients import PatientSample

__all__ = ["TrialBatch", "simulate_trials", "simulate_trial"]


@dataclass(frozen=True)
class TrialBatch:
    """Many virtual trials: per-patient arrays (trials, patients) and headline figures.

    Attributes
    ----------
    potential : PotentialOutcomes
    runs : TrialRuns
        The escalation and expansion as the engine ran them (per-patient level, cohort,
        role and enrolment day; the rule that ended each trial).
    level : int array (trials, patients)
        0-based level assigned at enrolment (-1: not treated).
    expansion : bool array
        Expansion patients.
    enrol_day : float array
        First-dose day since study start (NaN: not treated).
    cutoff_day : float array (trials,)
        Data cut-off, days since study start.
    enrolled : bool array
        Treated patients.
    treatment : TreatmentResult
        Per treated patient, in the order of ``np.flatnonzero(enrolled)``.
    headline : dict of str to float array (trials,)
    """

    potential: PotentialOutcomes
    runs: TrialRuns
    level: np.ndarray
    expansion: np.ndarray
    enrol_day: np.ndarray
    cutoff_day: np.ndarray
    enrolled: np.ndarray
    treatment: TreatmentResult
    headline: dict[str, np.ndarray]

    def per_patient(self, values: np.ndarray, fill=np.nan) -> np.ndarray:
        """Scatter a per-treated-patient array back to shape (trials, patients)."""
        out = np.full(self.enrolled.shape, fill, dtype=np.result_type(values, type(fill)))
        out[self.enrolled] = values
        return out


def simulate_trials(preset, n_trials: int, seed=None, *, rng: np.random.Generator | None = None,
                    keep_records: bool = False, advance=None) -> TrialBatch:
    """Simulate ``n_trials`` virtual trials of ``preset`` at once.

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
        Components, design and trial configuration (:func:`doseflow.insilico.preset.load_preset`).
    n_trials : int
        Number of trials, >= 1.
    seed : int or numpy.random.SeedSequence, optional
        Seed of the trials (used when ``rng`` is not given).
    rng : numpy.random.Generator, optional
        Source of randomness; every draw comes from it, in a fixed order, so the result
        depends on the seed alone.
    keep_records : bool
        Keep per-cycle and per-scan detail (needed by :func:`simulate_trial`), with the
        ADC/TAb concentrations at the PK sampling times of
        :data:`doseflow.insilico.models.pk.parameters.PHASE1A_SCHEDULE` (cycle 1 then records its
        2, 4 and 8 h samples on the integration grid too).
    advance : callable, optional
        Integrator of a cycle, ``PKModel.advance`` by default
        (:func:`doseflow.insilico.models.toxicity.model.simulate_cycle`); the patients' results do not
        depend on who else is integrated with them.

    Returns
    -------
    TrialBatch

    Raises
    ------
    ConfigError
        If ``n_trials`` is not a whole number >= 1 or the seed is not valid.

    Notes
    -----
    See the module docstring for the flow: the preset's design, wrapped in an
    :class:`~doseflow.designs.wrappers.Expansion` over ``expansion_levels`` levels and a
    sample size of ``n_patients``, runs on the potential outcomes, so any doseflow design
    can run the trial. Patients are numbered in arrival order; escalation patients come
    first, the expansion takes the rest.
    """
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    gen = rng if rng is not None else np.random.default_rng(seed)
    gen = validate_generator(gen)
    cfg = preset.trial
    pk_times = PHASE1A_SCHEDULE.times_for(1, cfg.infusion_hours / 24.0)[1] if keep_records else ()
    pot = simulate_potential_outcomes(preset, n_trials, gen, advance=advance, record_times=pk_times)
    arrival = sample_arrival_days(n_trials, cfg.n_patients, cfg.accrual_per_day, gen)
    window = float(cfg.dlt_window_days)
    design = StopAtSampleSize(Expansion(preset.design, n=cfg.n_patients, levels=cfg.expansion_levels),
                              max_n=cfg.n_patients)
    patients = PatientSample(dlt=pot.dlt, grade2=pot.grade2, dlt_day=np.full(arrival.shape, window),
                             arrival=arrival, window=window)
    runs = run_trials(design, patients, cfg.n_levels, keep_patients=True)
    level, enrol = runs.level, runs.enrol_day
    expansion = runs.role == ROLE_CODES["expansion"]
    cutoff = compute_cutoff_days(enrol, fixed_cutoff_day=cfg.cutoff_day, followup_days=cfg.followup_days)
    horizon = cutoff[:, None] - enrol
    enrolled = (level >= 0) & np.isfinite(enrol) & (horizon > 0)
    flat = np.flatnonzero(enrolled)
    treatment = treat_patients(preset, pot, flat, level.ravel()[flat], horizon.ravel()[flat], gen,
                               keep_records=keep_records, advance=advance)
    levels = np.asarray(cfg.dose_levels)
    dose = np.where(enrolled, levels[np.maximum(level, 0)], np.nan)
    dlt = np.zeros(enrolled.shape, bool)
    dlt[enrolled] = pot.dlt.reshape(-1, cfg.n_levels)[flat, level.ravel()[flat]]

    def scatter(values, fill):
        out = np.full(enrolled.shape, fill, dtype=np.result_type(np.asarray(values), type(fill)))
        out[enrolled] = values
        return out

    headline = compute_headline(
        enrolled=enrolled, dose_mg_kg=dose,
        worst_grade={k: scatter(v, 0) for k, v in treatment.worst_grade.items()},
        dlt=dlt, bor=scatter(treatment.bor, 0), evaluable=scatter(treatment.evaluable, False),
        pfs_time=scatter(treatment.pfs_time, 0.0), pfs_event=scatter(treatment.pfs_event, False),
        exposure_weeks=scatter(treatment.exposure_weeks, np.nan), high_dose_mg_kg=cfg.high_dose_mg_kg,
    )
    return TrialBatch(pot, runs, np.where(enrolled, level, -1), expansion & enrolled,
                      np.where(enrolled, enrol, np.nan), cutoff, enrolled, treatment, headline)


def simulate_trial(preset, seed: int):
    """One virtual trial with all its records, deterministic for ``seed``.

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
    seed : int
        Seed (>= 0); the same seed gives the same trial.

    Returns
    -------
    doseflow.insilico.trial.data.VirtualTrialData
        Patients, doses, AEs, labs, PK samples, lesions, measurements and responses
        (:func:`doseflow.insilico.trial.records.build_trial_data`).

    Examples
    --------
    >>> from doseflow.insilico.preset import load_preset
    >>> data = simulate_trial(load_preset("gq1001"), 1)
    >>> len(data.patients) <= 32, data.seed
    (True, 1)
    """
    seed = check_int(seed, "seed", minimum=0)
    ss = np.random.SeedSequence(seed)
    sim_seq, rec_seq = ss.spawn(2)
    batch = simulate_trials(preset, 1, rng=np.random.default_rng(sim_seq), keep_records=True)
    return build_trial_data(preset, batch, np.random.default_rng(rec_seq), seed=seed)
