"""Potential outcomes of the DLT window: cycle 1 of every virtual patient at every dose level.

Each patient is simulated through cycle 1 (PK, platelets, AST/ALT, AE hazards, the
protocol's DLT definition) at *every* dose level with the *same* individual parameters
(random effects drawn once and tiled across levels). The escalation is then a pure
function of the patients (the engine, :func:`doseflow.simulate.engine.run_trials`, reads the
DLT and grade >= 2 outcomes), and the cycle-1 end state at the dose a patient is given is
kept to continue treatment, so the potential outcome and the realised cycle 1 agree.

The AE-hazard draws (:func:`doseflow.insilico.models.toxicity.model.simulate_cycle`) and the bleeding
draw of the DLT rule are independent across levels: each level's outcome has the right
distribution, and a patient's continuation uses the draws of the level actually given.

Examples
--------
>>> import numpy as np
>>> from doseflow.insilico.preset import load_preset
>>> p = load_preset("gq1001")
>>> pot = simulate_potential_outcomes(p, 1, np.random.default_rng(3))
>>> pot.dlt.shape
(1, 32, 7)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.insilico.models.pk.model import PKModel
from doseflow.insilico.models.toxicity.dlt import evaluate_dlt
from doseflow.insilico.models.toxicity.grading import CycleOutcome, simulate_cycle
from doseflow.insilico.models.toxicity.model import ToxicityModel
from doseflow.insilico.models.variability import sample_eta
from doseflow.insilico.population import Population, sample_population

__all__ = ["PotentialOutcomes", "simulate_potential_outcomes"]


@dataclass(frozen=True)
class PotentialOutcomes:
    """Virtual patients of many trials and their cycle-1 outcomes at every level.

    Attributes
    ----------
    population : Population
        Baseline characteristics, trials x patients flattened (trial-major).
    pk, tox : PKModel, ToxicityModel
        Individual models of the same flattened patients (one row per patient).
    cycle1 : CycleOutcome
        Cycle 1 of the tiled patients: flat index ``patient * levels + level``.
    dlt : bool array (trials, patients, levels)
        DLT in the window at each level.
    dlt_reason : str array (trials, patients, levels)
        Rule id that fired ("" if none).
    grade2 : bool array (trials, patients, levels)
        A related grade >= 2 toxicity in cycle 1 (the accelerated-titration trigger).
    n_trials, n_patients, n_levels : int
    """

    population: Population
    pk: PKModel
    tox: ToxicityModel
    cycle1: CycleOutcome
    dlt: np.ndarray
    dlt_reason: np.ndarray
    grade2: np.ndarray
    n_trials: int
    n_patients: int
    n_levels: int

    def tiled_index(self, patient: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Flat index into :attr:`cycle1` of flat ``patient`` at 0-based ``level``."""
        return np.asarray(patient) * self.n_levels + np.asarray(level)


def simulate_potential_outcomes(preset, n_trials: int, rng: np.random.Generator, *, advance=None,
                                record_times=()) -> PotentialOutcomes:
    """Draw ``n_trials`` x ``n_patients`` virtual patients and simulate cycle 1 at every level.

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
        Component parameters and trial configuration.
    n_trials : int
        Number of trials (>= 1).
    rng : numpy.random.Generator
        The only source of randomness.
    advance : callable, optional
        Integrator of a cycle (:func:`doseflow.insilico.models.toxicity.model.simulate_cycle`).
    record_times : sequence of float, optional
        Further times (days after the dose) recorded exactly on the cycle-1 trajectories,
        e.g. the PK sampling times a single trial with records keeps.

    Returns
    -------
    PotentialOutcomes

    Notes
    -----
    PK random effects eta ~ N(0, Omega) (:func:`doseflow.insilico.models.variability.sample_eta`)
    and the toxicity random effects (:class:`doseflow.insilico.models.toxicity.model.ToxicityModel`) are
    drawn once per patient; ``subset`` with repeated indices tiles them over the levels, so
    a patient has the same CL, Vc, Km, Circ0, MTT, EC50, kpd ... at every dose. DLTs follow
    the protocol definition (:func:`doseflow.insilico.models.toxicity.dlt.evaluate_dlt`); the grade >= 2
    trigger is any modelled term of grade >= 2 in cycle 1 (all simulated AEs are
    treatment-related).
    """
    cfg = preset.trial
    n_pat, n_lev = cfg.n_patients, cfg.n_levels
    n = n_trials * n_pat
    pop = sample_population(n, rng, preset.population)
    eta = sample_eta(preset.pk.omega_matrix, n, rng) if preset.pk.iiv_names else None
    pk = PKModel(preset.pk, pop.weight_kg, albumin=pop.albumin_g_l, eta=eta)
    tox = ToxicityModel(preset.toxicity, n, rng)
    tiled = np.repeat(np.arange(n), n_lev)
    pk_t, tox_t = pk.subset(tiled), tox.subset(tiled)
    doses = np.tile(np.asarray(cfg.dose_levels.amounts), n)
    out = simulate_cycle(pk_t, tox_t, pk_t.initial_state([tox_t]), doses, rng,
                         infusion_hours=cfg.infusion_hours, days=cfg.cycle_days, lab_days=cfg.lab_days,
                         record_times=tuple(record_times), advance=advance)
    dlt, reason = evaluate_dlt(preset.dlt, out.toxicity, rng)
    g2 = np.zeros(n * n_lev, dtype=bool)
    for g in out.toxicity.grades.values():
        g2 |= np.asarray(g) >= 2
    shape = (n_trials, n_pat, n_lev)
    return PotentialOutcomes(pop, pk, tox, out, dlt.reshape(shape), reason.reshape(shape),
                             g2.reshape(shape), n_trials, n_pat, n_lev)
