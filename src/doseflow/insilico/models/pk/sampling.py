"""PK sampling of virtual patients and the closed-form check of the integrator.

:func:`sample_pk` simulates the samples of a phase Ia schedule (:data:`PHASE1A_SCHEDULE`)
with residual error, cycle by cycle; :func:`compute_analytic_concentrations` gives the
closed-form single-dose profile of a linear model (no Michaelis-Menten elimination), the
reference the RK4 integrator is checked against. Both take a
:class:`doseflow.insilico.models.pk.model.PKModel` (whose methods ``sample`` and ``solve_analytic`` call
them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.checks import check_int, check_real
from doseflow.errors import ConfigError, InputError
from doseflow.insilico.models.pk.parameters import PHASE1A_SCHEDULE, SamplingSchedule, compute_two_compartment_infusion
from doseflow.insilico.models.variability import compute_observations, validate_generator

__all__ = ["sample_pk", "compute_analytic_concentrations"]


def sample_pk(
    pk,
    doses_mg_per_kg,
    rng,
    *,
    schedule: SamplingSchedule = PHASE1A_SCHEDULE,
    infusion_hours: float = 0.5,
    cycle_days: float = 21.0,
    lloq: float = 0.0,
) -> pd.DataFrame:
    """Simulated PK samples of a phase Ia schedule, with residual error.

    Parameters
    ----------
    pk : doseflow.insilico.models.pk.model.PKModel
        Individual parameters of the patients.
    doses_mg_per_kg : array_like of shape (cycles, patients) or (cycles,)
        Dose per cycle (mg/kg; 0 = held).
    rng : numpy.random.Generator or int
        Source of the residual errors.
    schedule : SamplingSchedule, optional
        Sampling times (default :data:`PHASE1A_SCHEDULE`).
    infusion_hours, cycle_days : float, optional
        Infusion duration (hours) and cycle length (days).
    lloq : float, optional
        Lower limit of quantification (ug/mL); results below are NaN and flagged.

    Returns
    -------
    pandas.DataFrame
        One row per patient (0-based index), cycle (1-based), sample and analyte:
        ``patient, cycle, label, day, analyte, concentration, value, blq``. ``day`` is
        days since the first dose; ``concentration`` the model value and ``value`` the
        simulated result (proportional + additive error for ADC and TAb, proportional
        only for payload, whose additive term is on the antibody scale).
    """
    gen = validate_generator(rng)
    d = np.asarray(doses_mg_per_kg, dtype=float)
    if d.ndim == 1:
        d = np.repeat(d[:, None], pk.n_patients, axis=1)
    if d.ndim != 2 or d.shape[1] != pk.n_patients or d.shape[0] < 1:
        raise InputError("doses_mg_per_kg", f"an array of shape (cycles, {pk.n_patients})", d.shape)
    check_int(d.shape[0], "number of cycles", minimum=1)
    t_inf = infusion_hours / 24.0
    state = pk.initial_state()
    frames = []
    res = pk.params.residual
    for c in range(d.shape[0]):
        labels, times = schedule.times_for(c + 1, t_inf)
        cyc = pk.advance(state, d[c], infusion_hours=infusion_hours, days=cycle_days, record_times=times)
        idx = np.array([int(np.argmin(np.abs(cyc.times - t))) for t in times])
        for analyte, conc in cyc.concentrations.items():
            f = conc[:, idx]
            err = res if analyte != "payload" else type(res)(res.proportional, 0.0)
            val, blq = compute_observations(f, err, gen, lloq=lloq)
            frames.append(pd.DataFrame({
                "patient": np.repeat(np.arange(pk.n_patients), len(idx)),
                "cycle": c + 1,
                "label": np.tile(labels, pk.n_patients),
                "day": np.tile(state.day + times, pk.n_patients),
                "analyte": analyte,
                "concentration": f.ravel(),
                "value": val.ravel(),
                "blq": blq.ravel(),
            }))
        state = cyc.state
    return pd.concat(frames, ignore_index=True)


def compute_analytic_concentrations(pk, dose_mg_per_kg, infusion_hours: float, times) -> dict[str, np.ndarray]:
    """Closed-form ADC and TAb concentrations after one dose (linear models only).

    Parameters
    ----------
    pk : doseflow.insilico.models.pk.model.PKModel
        Individual parameters (``vmax`` must be 0).
    dose_mg_per_kg : float or array_like of shape (patients,)
        Dose (mg/kg), >= 0.
    infusion_hours : float
        Zero-order infusion duration (hours), > 0.
    times : array_like of float
        Days after the start of the infusion.

    Returns
    -------
    dict
        ``"ADC"`` and ``"TAb"`` concentrations (ug/mL), shape (patients, times).

    ADC is a linear 2-compartment system with clearance CL + k_dec Vc, TAb one with
    clearance CL (:func:`compute_two_compartment_infusion`).

    Raises
    ------
    ConfigError
        If the model has Michaelis-Menten elimination (``vmax > 0``).

    Notes
    -----
    Gibaldi M, Perrier D. Pharmacokinetics, 2nd ed., 1982, chapter 2: the 2-compartment
    zero-order infusion solution (:func:`doseflow.insilico.models.pk.parameters.compute_two_compartment_infusion`).

    Examples
    --------
    >>> from doseflow.insilico.models.pk.model import PKModel
    >>> from doseflow.insilico.models.pk.parameters import LU_2014_TDM1
    >>> c = compute_analytic_concentrations(PKModel(LU_2014_TDM1, weight=[70.0]), 3.6, 0.5, [21.0])
    >>> bool(c["ADC"][0, 0] == c["TAb"][0, 0])   # k_dec = 0: one analyte
    True
    """
    if np.any(pk.vmax > 0):
        raise ConfigError("params.vmax", "0 for the analytic solution (linear model)", pk.params.vmax, "Use advance() for Michaelis-Menten elimination.")
    dose = pk.compute_dose_mg(dose_mg_per_kg)
    t_inf = check_real(infusion_hours, "infusion_hours", minimum=0.0, strict=True) / 24.0
    adc = compute_two_compartment_infusion(pk.cl + pk.k_dec * pk.vc, pk.vc, pk.q, pk.vp, dose, t_inf, times)
    tab = compute_two_compartment_infusion(pk.cl, pk.vc, pk.q, pk.vp, dose, t_inf, times)
    return {"ADC": adc, "TAb": tab}
