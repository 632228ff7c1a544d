"""Two-analyte pharmacokinetics of an antibody-drug conjugate, vectorised over patients.

The antibody backbone (total antibody, TAb) has two-compartment disposition with linear
plus Michaelis-Menten elimination from the central compartment (Quartino et al. 2019).
Conjugated ADC shares that disposition and is in addition deconjugated (first order,
``k_dec``) into naked antibody (Bender et al. 2014, reduced model; Lu et al. 2013), so
TAb = ADC + naked antibody. Released payload, optionally, is one compartment fed by
deconjugation and ADC catabolism. Doses are zero-order IV infusions in mg/kg.

States (mg) of each patient: ADC central/peripheral, naked antibody central/peripheral,
payload, and two accumulators (AUC of ADC and TAb over the current cycle, ug*day/mL). A
trial engine calls :meth:`PKModel.advance` once per 21-day cycle with each patient's dose
(0 = held); pharmacodynamic models (platelets, liver enzymes) are integrated together with
PK by the same integrator (:mod:`doseflow.insilico.models.pk.ode`). Units: days, L, mg, ug/mL.
The state and result types are in :mod:`doseflow.insilico.models.pk.state`, PK sampling and the
closed-form check in :mod:`doseflow.insilico.models.pk.sampling`.

Examples
--------
>>> from doseflow.insilico.models.pk.parameters import LU_2014_TDM1
>>> pk = PKModel(LU_2014_TDM1, weight=[70.0])
>>> cyc = pk.advance(pk.initial_state(), [3.6])
>>> round(float(cyc.cmax["ADC"][0]), 1), round(float(cyc.auc["ADC"][0]))
(80.0, 364)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from doseflow.checks import check_real
from doseflow.errors import ConfigError, InputError
from doseflow.insilico.models.pk.ode import (
    compute_cycle_grid,
    compute_refinement_level,
    compute_step_brackets,
    integrate_rk4,
)
from doseflow.insilico.models.pk.parameters import PHASE1A_SCHEDULE, PKParameters, SamplingSchedule
from doseflow.insilico.models.pk.sampling import compute_analytic_concentrations, sample_pk
from doseflow.insilico.models.pk.state import CycleResult, ModelState, PDModel
from doseflow.insilico.models.variability import sample_eta, validate_generator

__all__ = ["PK_STATES", "DEFAULT_DT", "DEFAULT_EARLY_STEPS", "PKModel"]

#: Names of the PK state rows, in order.
PK_STATES: tuple[str, ...] = ("ADC_c", "ADC_p", "naked_c", "naked_p", "payload", "AUC_ADC", "AUC_TAb")
_N_PK = len(PK_STATES)

#: Default integration steps (days): 2 h during the first day after a dose, 6 h on days
#: 1-3, 12 h afterwards, and 8 steps during the infusion. With these, RK4 agrees with
#: scipy's solve_ivp (LSODA, rtol 1e-11) within 0.1% for ADC, TAb, payload, platelets and
#: AST of every parameter set at 1.2 and 8.4 mg/kg (largest error 0.03%, payload at the end
#: of infusion; tests/insilico/models/pk/test_pk.py::test_default_step_accuracy and
#: tests/insilico/models/toxicity/test_toxicity.py::test_default_step_accuracy_with_toxicity).
DEFAULT_DT = 0.5
DEFAULT_EARLY_STEPS: tuple[tuple[float, float], ...] = ((1.0, 1.0 / 12.0), (3.0, 0.25))
#: Equal steps during the infusion (the payload starts from 0 and grows ~t^2).
_INFUSION_STEPS = 8
#: Largest rate x step allowed (RK4 is stable on the negative real axis up to 2.785).
_Z_MAX = 2.5
#: Largest rate x step of the saturable elimination after a dose where C_T is at least
#: _ACCURATE_FRACTION of its maximum over the cycle (0.1% accuracy; Notes of advance).
_Z_MM = 1.0
_ACCURATE_FRACTION = 0.01
#: PK rows recorded along the trajectory (ADC_c, naked_c, payload); PD outputs follow.
_RECORDED_PK_ROWS = (0, 2, 4)


class PKModel:
    """Individual PK parameters of many virtual patients and their cycle-by-cycle solution.

    Parameters
    ----------
    params : PKParameters
        Typical values and covariate effects (:mod:`doseflow.insilico.models.pk.parameters`).
    weight : array_like of float
        Body weight (kg) of each patient, > 0; its length sets the number of patients.
    albumin : array_like of float, optional
        Serum albumin (g/L), > 0; the reference value by default.
    eta : array_like, optional
        Random effects of shape (patients, len(params.iiv_names)); 0 (typical subjects)
        by default. See :meth:`from_population` to sample them.

    Raises
    ------
    InputError
        If a weight or albumin is not a positive number or ``eta`` has the wrong shape.

    Notes
    -----
    Individual parameters (power covariate models as in the sources' equations)::

        CL_i = CL (WT/WT_ref)^a (ALB/ALB_ref)^b exp(eta_CL);  Vc_i = Vc (WT/WT_ref)^c exp(eta_Vc)
        Q_i = Q exp(eta_Q);  Vp_i = Vp exp(eta_Vp);  Km_i = Km exp(eta_Km);  kdec_i = kdec exp(eta_kdec)

    Differential equations (amounts in mg; C_T = (A_c + N_c)/Vc total antibody)::

        k_el    = CL/Vc + Vmax / (Vc (Km + C_T))               linear + Michaelis-Menten
        dA_c/dt = R(t) - (k_el + k12 + k_dec) A_c + k21 A_p     conjugate (ADC), central
        dA_p/dt = k12 A_c - k21 A_p
        dN_c/dt = k_dec A_c - (k_el + k12) N_c + k21 N_p        naked antibody
        dN_p/dt = k12 N_c - k21 N_p
        dP/dt   = m (k_dec A_c + f_cat k_el A_c) - k_P P         payload (optional)

    Linear + Michaelis-Menten elimination of total antibody (Quartino et al. 2019) is
    shared by conjugate and naked antibody in proportion to their amounts;
    deconjugation is from the central compartment (Bender et al. 2014 reduced model).
    ADC <= TAb holds by construction, and ADC = TAb when k_dec = 0.

    References
    ----------
    Quartino AL, et al. Cancer Chemother Pharmacol 2019;83:329-340.
    Bender B, et al. AAPS J 2014;16(5):994-1008.
    Lu D, et al. Integrated multiple-analyte population PK model of T-DM1, 2013.
    Lu D, et al. Cancer Chemother Pharmacol 2014;74:399-410.
    Yin O, et al. Clin Pharmacol Ther 2021;109:1314-1325.

    Examples
    --------
    >>> from doseflow.insilico.models.pk.parameters import GQ1001_DEFAULT
    >>> pk = PKModel.from_population(GQ1001_DEFAULT, weight=[60.0, 80.0], rng=1)
    >>> pk.n_patients
    2
    """

    def __init__(self, params: PKParameters, weight, *, albumin=None, eta=None) -> None:
        if not isinstance(params, PKParameters):
            raise ConfigError("params", "a PKParameters instance", type(params).__name__)
        self.params = params
        wt = np.atleast_1d(np.asarray(weight, dtype=float))
        if wt.ndim != 1 or wt.size == 0 or np.any(~np.isfinite(wt)) or np.any(wt <= 0):
            raise InputError("weight", "positive body weights in kg (one per patient)", np.asarray(weight).tolist())
        n = wt.size
        alb = np.full(n, params.reference_albumin) if albumin is None else np.broadcast_to(np.asarray(albumin, float), (n,)).copy()
        if np.any(~np.isfinite(alb)) or np.any(alb <= 0):
            raise InputError("albumin", "positive albumin concentrations in g/L", np.asarray(albumin).tolist())
        k = len(params.iiv_names)
        e = np.zeros((n, k)) if eta is None else np.asarray(eta, dtype=float)
        if e.shape != (n, k):
            raise InputError("eta", f"an array of shape ({n}, {k}) for {params.iiv_names}", e.shape)
        ex = {name: np.exp(e[:, j]) for j, name in enumerate(params.iiv_names)}
        one = np.ones(n)
        p = params
        self.weight = wt
        self.albumin = alb
        self.cl = p.cl * (wt / p.reference_weight) ** p.wt_exp_cl * (alb / p.reference_albumin) ** p.alb_exp_cl * ex.get("CL", one)
        self.vc = p.vc * (wt / p.reference_weight) ** p.wt_exp_vc * ex.get("Vc", one)
        self.q = p.q * ex.get("Q", one)
        self.vp = p.vp * ex.get("Vp", one)
        self.km = p.km * ex.get("Km", one)
        self.vmax = np.full(n, p.vmax)
        self.k_dec = p.k_dec * ex.get("k_dec", one)
        self._k10, self._k12, self._k21 = self.cl / self.vc, self.q / self.vc, self.q / self.vp
        pl = p.payload
        self._pay = (0.0, 0.0, 1.0) if pl is None else (pl.mass_ratio, pl.fraction_catabolism, pl.k_el)
        self._pay_v = 1.0 if pl is None else pl.volume

    @classmethod
    def from_population(cls, params: PKParameters, weight, rng, *, albumin=None) -> "PKModel":
        """Virtual patients with random effects drawn from ``params.omega``."""
        n = np.atleast_1d(np.asarray(weight)).size
        eta = sample_eta(params.omega_matrix, n, validate_generator(rng)) if params.iiv_names else None
        return cls(params, weight, albumin=albumin, eta=eta)

    @property
    def n_patients(self) -> int:
        """Number of virtual patients."""
        return self.weight.size

    def initial_state(self, pd_models: Sequence[PDModel] = ()) -> ModelState:
        """Drug-free state (no antibody, no payload) with each PD model at baseline."""
        rows = [np.zeros((_N_PK, self.n_patients))] + [m.initial_state() for m in pd_models]
        return ModelState(np.vstack(rows), 0.0)

    def derivatives(self, y: np.ndarray, rate, out: np.ndarray | None = None) -> np.ndarray:
        """dy/dt of the PK rows (shape (7, patients)) given the infusion rate (mg/day).

        ``out`` (shape (7, patients)), when given, receives the result (no new output
        array; the integrator's hot path). Row 5 of the result is the ADC concentration.
        """
        ac, nc, pay = y[0], y[2], y[4]
        out = np.empty((_N_PK,) + y.shape[1:]) if out is None else out
        ct = out[6]
        np.add(ac, nc, out=ct)
        ct /= self.vc  # C_T = (A_c + N_c) / Vc
        np.divide(ac, self.vc, out=out[5])
        kel = self.km + ct
        kel *= self.vc
        np.divide(self.vmax, kel, out=kel)
        kel += self._k10  # k_el = CL/Vc + Vmax / (Vc (Km + C_T))
        dec = self.k_dec * ac
        central, back = y[0:3:2], self._k21 * y[1:4:2]  # (A_c, N_c) and k21 (A_p, N_p)
        np.multiply(kel + self._k12, central, out=out[0:3:2])
        np.subtract(rate, out[0], out=out[0])
        out[0] -= dec
        out[0] += back[0]
        np.subtract(dec, out[2], out=out[2])
        out[2] += back[1]
        np.multiply(self._k12, central, out=out[1:4:2])
        out[1:4:2] -= back
        m, fcat, kp = self._pay
        kel *= fcat
        kel *= ac
        kel += dec
        kel *= m  # m (k_dec A_c + f_cat k_el A_c)
        np.multiply(pay, kp, out=out[4])
        np.subtract(kel, out[4], out=out[4])
        return out

    def concentrations(self, y: np.ndarray) -> dict[str, np.ndarray]:
        """ADC, TAb and payload concentrations (ug/mL) from the PK rows of ``y``."""
        return {"ADC": y[0] / self.vc, "TAb": (y[0] + y[2]) / self.vc, "payload": y[4] / self._pay_v}

    def compute_dose_mg(self, dose_mg_per_kg) -> np.ndarray:
        """Doses in mg (mg/kg x weight), validated: one per patient, >= 0 (0 = held)."""
        d = np.broadcast_to(np.asarray(dose_mg_per_kg, dtype=float), (self.n_patients,))
        if np.any(~np.isfinite(d)) or np.any(d < 0):
            raise InputError("dose_mg_per_kg", "doses >= 0 in mg/kg (0 = held), one per patient", np.asarray(dose_mg_per_kg).tolist())
        return d * self.weight

    def advance(
        self,
        state: ModelState,
        dose_mg_per_kg,
        *,
        infusion_hours: float = 0.5,
        days: float = 21.0,
        dt: float = DEFAULT_DT,
        early_steps: Sequence[tuple[float, float]] = DEFAULT_EARLY_STEPS,
        output_dt: float = 0.5,
        record_times: Sequence[float] = (),
        pd_models: Sequence[PDModel] = (),
    ) -> CycleResult:
        """Dose every patient and integrate PK (and PD) over one cycle.

        Parameters
        ----------
        state : ModelState
            State at the start of the cycle (from :meth:`initial_state` or the previous
            call's ``result.state``).
        dose_mg_per_kg : float or array_like of shape (patients,)
            Dose (mg/kg) of each patient, >= 0; 0 means the dose is held.
        infusion_hours : float, optional
            Duration of the zero-order infusion (hours), 0.25-6; 30-90 min in practice.
        days : float, optional
            Length of the cycle (days), > 0.
        dt : float, optional
            Largest integration step (days) after the early phase.
        early_steps : sequence of (float, float), optional
            ``(until, step)`` pairs (days) of smaller steps early in the cycle
            (:func:`doseflow.insilico.models.pk.ode.compute_time_grid`).
        output_dt : float, optional
            Spacing (days) of the recorded trajectory; the end of the infusion and
            ``record_times`` are recorded as well.
        record_times : sequence of float, optional
            Extra times (days after the start of the infusion) to record exactly.
        pd_models : sequence of PDModel, optional
            Models integrated together with PK (their rows follow the PK rows).

        Returns
        -------
        CycleResult
            Trajectories, per-cycle AUC and Cmax, and the end state.

        Raises
        ------
        InputError
            If a dose is negative or the state does not match this model.
        """
        dose = self.compute_dose_mg(dose_mg_per_kg)
        infusion_hours = check_real(infusion_hours, "infusion_hours", minimum=0.25, maximum=6.0)
        days = check_real(days, "days", minimum=0.0, strict=True)
        output_dt = check_real(output_dt, "output_dt", minimum=0.0, strict=True)
        n_rows = _N_PK + sum(m.n_states for m in pd_models)
        if not isinstance(state, ModelState) or state.y.shape != (n_rows, self.n_patients):
            shape = getattr(getattr(state, "y", None), "shape", type(state).__name__)
            raise InputError("state", f"a ModelState with y of shape ({n_rows}, {self.n_patients})", shape)
        t_inf = infusion_hours / 24.0
        key = (days, t_inf, float(dt), tuple(map(tuple, early_steps)), output_dt,
               tuple(float(t) for t in record_times if 0.0 <= t <= days), _INFUSION_STEPS)
        y0 = state.y.copy()
        y0[5:7] = 0.0
        rows, names = self._recorded_rows(pd_models)
        grid, record = compute_cycle_grid(*key, 0)
        y_end, rec = np.empty_like(y0), np.empty((rows.size, self.n_patients, int(record.sum())))
        # Step control (Notes): a grid refined 2^level per patient; level 0 unless a rate
        # that does not depend on the state is too fast, or the saturable elimination
        # turns out too fast for the standard grid at the concentrations reached.
        fixed = np.maximum.reduce([self.compute_local_rate(np.inf), *(m.max_rate() for m in pd_models),
                                   np.full(self.n_patients, self._pay[2] if self.params.payload is not None else 0.0)])
        level = compute_refinement_level(fixed * dt, _Z_MAX)
        fine = np.maximum(1, compute_refinement_level(np.maximum(fixed, self.compute_local_rate(0.0)) * dt, _Z_MAX))
        level[level > 0] = fine[level > 0]
        first = np.flatnonzero(level == 0)
        if first.size:
            pk, pds = self._restrict(first, pd_models)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                y_end[:, first], rec[:, first] = pk._integrate(y0[:, first], dose[first], t_inf, grid, record, pds, rows)
                fast = first[pk._compute_step_ratio(rec[:2, first], dose[first] > 0, grid, record) > 1.0]
            level[fast] = fine[fast]
        for r in np.unique(level[level > 0]):
            idx = np.flatnonzero(level == r)
            pk, pds = self._restrict(idx, pd_models)
            y_end[:, idx], rec[:, idx] = pk._integrate(y0[:, idx], dose[idx], t_inf, *compute_cycle_grid(*key, r), pds, rows)
        vc = self.vc[:, None]
        conc = {"ADC": rec[0] / vc, "TAb": (rec[0] + rec[1]) / vc, "payload": rec[2] / self._pay_v}
        return CycleResult(
            state=ModelState(y_end, state.day + days),
            times=grid[record].copy(),
            concentrations=conc,
            outputs={name: rec[i] for i, name in enumerate(names, start=len(_RECORDED_PK_ROWS))},
            auc={"ADC": y_end[5].copy(), "TAb": y_end[6].copy()},
            cmax={k: v.max(axis=1) for k, v in conc.items()},
        )

    def _recorded_rows(self, pd_models: Sequence[PDModel]) -> tuple[np.ndarray, list[str]]:
        """State rows recorded along the trajectory and the names of the PD outputs among them."""
        rows, names, start = list(_RECORDED_PK_ROWS), [], _N_PK
        for m in pd_models:
            for name, row in m.observed_rows.items():
                rows.append(start + row)
                names.append(name)
            start += m.n_states
        return np.array(rows), names

    def _compute_step_ratio(self, rec_c: np.ndarray, dosed: np.ndarray, grid: np.ndarray, record: np.ndarray) -> np.ndarray:
        """Largest rate x step / limit of the saturable elimination over the steps, per patient.

        ``rec_c`` holds the recorded A_c and N_c (mg), shape (2, patients, recorded
        times). The limit is ``_Z_MM`` in a cycle with a dose where C_T is at least
        ``_ACCURATE_FRACTION`` of its maximum over the cycle, ``_Z_MAX`` (stability)
        elsewhere. Non-finite or negative concentrations (an unstable run) count as 0.
        """
        c = np.nan_to_num((rec_c[0] + rec_c[1]) / self.vc[:, None], nan=0.0, posinf=0.0, neginf=0.0)
        lo, hi = compute_step_brackets(grid[record], grid)
        rate = self.compute_local_rate(c)
        rate = np.maximum(rate[:, lo], rate[:, hi])
        accurate = dosed[:, None] & (np.minimum(c[:, lo], c[:, hi]) >= _ACCURATE_FRACTION * c.max(axis=1, keepdims=True))
        return (rate * np.diff(grid) / np.where(accurate, _Z_MM, _Z_MAX)).max(axis=1)

    def _restrict(self, idx: np.ndarray, pd_models: Sequence[PDModel]) -> tuple["PKModel", list]:
        """This model and the PD models restricted to ``idx`` (themselves if everyone)."""
        if idx.size == self.n_patients:
            return self, list(pd_models)
        return self.subset(idx), [m.subset(idx) for m in pd_models]

    def _integrate(self, y0, dose, t_inf, grid, record, pd_models, rows):
        """RK4 over ``grid`` of PK + PD rows; the end state and the ``rows`` recorded,
        shape (rows, patients, recorded times)."""
        in_infusion = grid[1:] <= t_inf + 1e-12
        rate = dose / t_inf
        ends = np.cumsum([_N_PK] + [m.n_states for m in pd_models])
        blocks = [(m, slice(a, b)) for m, a, b in zip(pd_models, ends[:-1], ends[1:])]
        pk_rows = slice(0, _N_PK)

        def rhs(t, y, step, dy):
            self.derivatives(y[pk_rows], rate if in_infusion[step] else 0.0, out=dy[pk_rows])
            for m, block in blocks:
                m.derivatives(y[block], dy[5], out=dy[block])  # dy[5] = A_c / Vc, the ADC concentration

        y_end, rec = integrate_rk4(rhs, y0, grid, record=record, observe=lambda y: y[rows], in_place=True)
        return y_end, np.moveaxis(rec, 0, -1)

    def compute_max_rate(self) -> np.ndarray:
        """Per-patient bound on the PK rate constants (1/day), for step-size control.

        Sum of the central loss rates at zero concentration (where Michaelis-Menten
        elimination is fastest, Vmax/(Vc Km)) and the return rate k21; payload k_el.
        """
        return np.maximum(self.compute_local_rate(0.0), self._pay[2] if self.params.payload is not None else 0.0)

    def compute_local_rate(self, c_tab) -> np.ndarray:
        """Bound on the antibody rate constants (1/day) at a total-antibody concentration.

        Parameters
        ----------
        c_tab : float or array_like
            C_T (ug/mL): a scalar, or one value per patient (shape (patients,)) or per
            patient and time (shape (patients, times)). ``inf`` drops the saturable term;
            negative or NaN values count as 0, where the bound is largest.

        Returns
        -------
        numpy.ndarray
            CL/Vc + Vmax/(Vc (Km + C_T)) + k12 + k_dec + k21 per patient (and time).

        Notes
        -----
        The Michaelis-Menten elimination flux Vmax C_T/(Km + C_T) has slope
        Vmax Km/(Vc (Km + C_T)^2) <= Vmax/(Vc (Km + C_T)) in the amount, so the bound
        falls as the concentration rises and is Vmax/(Vc Km) + ... at C_T = 0.

        Examples
        --------
        >>> from doseflow.insilico.models.pk.parameters import GQ1001_DEFAULT
        >>> pk = PKModel(GQ1001_DEFAULT, weight=[66.0])
        >>> bool(pk.compute_local_rate(100.0)[0] < pk.compute_local_rate(0.0)[0])
        True
        """
        c = np.asarray(c_tab, dtype=float)
        c = np.where(np.isnan(c) | (c < 0.0), 0.0, c)
        p = (lambda v: v[:, None]) if c.ndim == 2 else (lambda v: v)
        with np.errstate(divide="ignore"):
            mm = p(self.vmax) / (p(self.vc) * (p(self.km) + c))
        return p(self._k10) + mm + p(self._k12 + self.k_dec + self._k21)

    def subset(self, idx) -> "PKModel":
        """The same model restricted to the patients ``idx`` (0-based indices)."""
        new = object.__new__(PKModel)
        new.__dict__.update(self.__dict__)
        for k, v in self.__dict__.items():
            if isinstance(v, np.ndarray) and v.shape == (self.n_patients,):
                setattr(new, k, v[idx])
        return new

    @classmethod
    def concatenate(cls, models: Sequence["PKModel"]) -> "PKModel":
        """One model of the patients of ``models`` (same parameters), in order."""
        first = models[0]
        if any(m.params != first.params for m in models):
            raise ConfigError("models", "PK models with the same parameters", [type(m.params).__name__ for m in models])
        new = object.__new__(cls)
        new.__dict__.update(first.__dict__)
        for k, v in first.__dict__.items():
            if isinstance(v, np.ndarray) and v.shape == (first.n_patients,):
                setattr(new, k, np.concatenate([getattr(m, k) for m in models]))
        return new

    def solve_analytic(self, dose_mg_per_kg, infusion_hours: float, times) -> dict[str, np.ndarray]:
        """Closed-form ADC and TAb after one dose (linear models only).

        See :func:`doseflow.insilico.models.pk.sampling.compute_analytic_concentrations`.
        """
        return compute_analytic_concentrations(self, dose_mg_per_kg, infusion_hours, times)

    def sample(self, doses_mg_per_kg, rng, *, schedule: SamplingSchedule = PHASE1A_SCHEDULE, infusion_hours: float = 0.5,
               cycle_days: float = 21.0, lloq: float = 0.0) -> pd.DataFrame:
        """Simulated PK samples with residual error: :func:`doseflow.insilico.models.pk.sampling.sample_pk`."""
        return sample_pk(self, doses_mg_per_kg, rng, schedule=schedule, infusion_hours=infusion_hours,
                         cycle_days=cycle_days, lloq=lloq)
