"""Treatment of the enrolled virtual patients, cycle by cycle, with dose modification.

From each patient's cycle-1 state at the dose given (:mod:`doseflow.insilico.trial.potential`),
all patients of all trials are advanced together, one 21-day cycle per step, with an
active mask (only patients on treatment are integrated): PK and toxicity
(:func:`doseflow.insilico.models.toxicity.model.simulate_cycle`), the tumour with the cycle's ADC exposure
(:func:`doseflow.insilico.models.tumour.growth.advance_tumour`), scans every 6 weeks classified by RECIST
1.1 (:func:`doseflow.insilico.models.tumour.recist_scan.assess_scans`), deaths and withdrawals
(:mod:`doseflow.insilico.models.survival`), and the dose-modification rule
(:func:`decide_dose_modification`). Treatment continues until progression, unacceptable
toxicity, withdrawal, death or the patient's horizon (the data cut-off).

All simulated adverse events are treatment-related (the models have no background AEs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from doseflow.insilico.models.pk.parameters import PHASE1A_SCHEDULE
from doseflow.insilico.models.pk.state import ModelState
from doseflow.insilico.models.survival import compute_pfs, sample_deaths, sample_withdrawals
from doseflow.insilico.models.toxicity.grading import simulate_cycle
from doseflow.insilico.models.toxicity.model import HAEMATOLOGICAL_TERMS
from doseflow.insilico.models.tumour.growth import (
    TumourState,
    advance_tumour,
    compute_tumour_sld,
    sample_tumour_parameters,
)
from doseflow.insilico.models.tumour.recist_scan import ScanState, assess_scans, sample_scan_days
from doseflow.standards.best_response import confirmed_best_response
from doseflow.standards.recist import NE, NOT_DONE, PD

__all__ = [
    "ACTION_NONE", "ACTION_REDUCED", "ACTION_INTERRUPTED", "ACTION_WITHDRAWN", "ACTION_LABELS",
    "END_REASONS", "DoseModification", "decide_dose_modification", "CycleLog", "TreatmentResult", "treat_patients",
]

ACTION_NONE, ACTION_REDUCED, ACTION_INTERRUPTED, ACTION_WITHDRAWN = 0, 1, 2, 3
#: CDISC CT ACN terms of the action codes (index = code).
ACTION_LABELS = ("DOSE NOT CHANGED", "DOSE REDUCED", "DRUG INTERRUPTED", "DRUG WITHDRAWN")
#: End-of-treatment reasons (index = code); 0 = still on treatment at the cut-off.
END_REASONS = ("ONGOING", "PROGRESSIVE DISEASE", "ADVERSE EVENT", "WITHDRAWAL BY SUBJECT", "DEATH")
_ONGOING, _PD, _AE, _WD, _DEATH = range(5)


@dataclass(frozen=True)
class DoseModification:
    """The decision after one cycle, per patient (arrays of equal length)."""

    level: np.ndarray
    reductions: np.ndarray
    hold: np.ndarray
    discontinue: np.ndarray
    action: np.ndarray


def decide_dose_modification(
    grades: dict[str, np.ndarray],
    predose_grade: np.ndarray,
    level: np.ndarray,
    reductions: np.ndarray,
    held: np.ndarray,
    *,
    reduce_nonhaem_grade: int = 3,
    reduce_haem_grade: int = 4,
    max_reductions: int = 2,
    hold_grade: int = 3,
    haematological_terms=HAEMATOLOGICAL_TERMS,
) -> DoseModification:
    """Dose of the next cycle after a cycle's toxicity (hold, reduce or discontinue).

    Parameters
    ----------
    grades : dict of str to int array
        Worst treatment-emergent grade of each term in the cycle just finished.
    predose_grade : int array
        Worst grade of platelets, AST and ALT at the pre-dose draw of the next cycle (day
        21), 0 if not above baseline.
    level : int array
        0-based level given in the cycle.
    reductions : int array
        Reductions so far.
    held : bool array
        The cycle just finished was a held cycle.
    reduce_nonhaem_grade, reduce_haem_grade, max_reductions, hold_grade : int
        The rule's thresholds (:class:`doseflow.insilico.trial.config.TrialConfig`).
    haematological_terms : collection of str
        Terms judged by ``reduce_haem_grade``.

    Returns
    -------
    DoseModification
        Next level, reductions, hold flag, discontinuation flag and the action code
        (:data:`ACTION_LABELS`).

    Notes
    -----
    The rule, typical of ADC phase I protocols and of the T-DM1 label's dose-modification
    table (Kadcyla USPI, section 2.3: reduce one level for grade 3-4 toxicity; no
    re-escalation; discontinue when a further reduction is needed after two):

    1. A trigger (a non-haematological TRAE of grade >= ``reduce_nonhaem_grade`` or a
       haematological one of grade >= ``reduce_haem_grade``) reduces the next dose by one
       level; with ``max_reductions`` reductions already, or at the lowest level, treatment
       is discontinued (ADVERSE EVENT).
    2. A pre-dose platelet/AST/ALT grade >= ``hold_grade`` holds the next dose (one cycle,
       DRUG INTERRUPTED); if the cycle just finished was already held, treatment is
       discontinued.

    Withdrawal takes precedence over interruption, interruption over reduction.

    Examples
    --------
    >>> m = decide_dose_modification({"Vomiting": np.array([3, 3, 1])}, np.array([0, 0, 3]),
    ...                              np.array([6, 6, 6]), np.array([0, 2, 0]), np.array([False, False, False]))
    >>> m.level.tolist(), m.discontinue.tolist(), [ACTION_LABELS[a] for a in m.action]
    ([5, 6, 6], [False, True, False], ['DOSE REDUCED', 'DRUG WITHDRAWN', 'DRUG INTERRUPTED'])
    """
    lv = np.asarray(level, dtype=np.int64)
    red = np.asarray(reductions, dtype=np.int64)
    trigger = np.zeros(lv.shape, bool)
    for term, g in grades.items():
        limit = reduce_haem_grade if term in haematological_terms else reduce_nonhaem_grade
        trigger |= np.asarray(g) >= limit
    stop_tox = trigger & ((red >= max_reductions) | (lv == 0))
    reduce = trigger & ~stop_tox
    hold_now = np.asarray(predose_grade) >= hold_grade
    stop_hold = hold_now & np.asarray(held, dtype=bool)
    discontinue = stop_tox | stop_hold
    hold = hold_now & ~discontinue
    action = np.where(reduce, ACTION_REDUCED, ACTION_NONE)
    action = np.where(hold, ACTION_INTERRUPTED, action)
    action = np.where(discontinue, ACTION_WITHDRAWN, action)
    return DoseModification(np.where(reduce, lv - 1, lv), red + reduce, hold, discontinue, action)


@dataclass(frozen=True)
class CycleLog:
    """One cycle of the treated patients, kept for building records (single-trial mode).

    ``who`` are positions in the treated-patient arrays; ``dose`` the mg/kg given (0 =
    held); ``labs`` PLT/AST/ALT trajectories (patients, times); ``grades`` the worst
    grade per term; ``action`` the decision after the cycle (:data:`ACTION_LABELS`);
    ``times`` the trajectory times (days after the cycle's dose) of ``labs``;
    ``pk_labels``/``pk_times`` the PK sampling schedule of the cycle (days after the dose)
    and ``concentrations`` the integrated ``"ADC"`` and ``"TAb"`` concentrations (ug/mL) of
    ``who`` at those times, shape (patients, samples): the trial's PK samples before
    residual error (:mod:`doseflow.insilico.trial.records`).
    """

    cycle: int
    start_day: float
    who: np.ndarray
    dose: np.ndarray
    labs: dict[str, np.ndarray]
    grades: dict[str, np.ndarray]
    action: np.ndarray
    times: np.ndarray
    pk_labels: tuple[str, ...] = ()
    pk_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    concentrations: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class TreatmentResult:
    """Per treated patient (arrays of length E): what happened on treatment.

    Days are since each patient's first dose. ``bor`` is the confirmed best overall
    response (RECIST codes), ``pfs_time``/``pfs_event`` progression-free survival,
    ``exposure_weeks`` = (last dose day - first dose day + cycle length) / 7.
    """

    worst_grade: dict[str, np.ndarray]
    any_grade3: np.ndarray
    last_dose_day: np.ndarray
    end_day: np.ndarray
    end_reason: np.ndarray
    death_day: np.ndarray
    bor: np.ndarray
    evaluable: np.ndarray
    pfs_time: np.ndarray
    pfs_event: np.ndarray
    exposure_weeks: np.ndarray
    reductions: np.ndarray
    scan_day: np.ndarray
    response: np.ndarray
    scan_sld: np.ndarray = field(default=None)
    scan_pct: np.ndarray = field(default=None)
    scan_new_lesion: np.ndarray = field(default=None)
    scan_lesion_mm: np.ndarray = field(default=None)
    baseline_sld: np.ndarray = field(default=None)
    dose_by_cycle: np.ndarray = field(default=None)
    cycles: tuple[CycleLog, ...] = ()

    @property
    def end_reason_label(self) -> np.ndarray:
        """End-of-treatment reasons as text (:data:`END_REASONS`)."""
        return np.asarray(END_REASONS, dtype=object)[self.end_reason].astype(str)


def _predose_grade(tox, labs: dict[str, np.ndarray], times: np.ndarray, day: float) -> np.ndarray:
    col = int(np.argmin(np.abs(times - day)))
    at = {k: v[:, col : col + 1] for k, v in labs.items()}
    now = tox.compute_grades(at)
    base = tox.compute_grades({k: v[:, None] for k, v in tox.baseline().items()})
    worst = np.zeros(next(iter(labs.values())).shape[0], np.int64)
    for term, g in now.items():
        worst = np.maximum(worst, np.where(g[:, 0] > base[term][:, 0], g[:, 0], 0))
    return worst


def _count_lab_grades(tox, labs: dict[str, np.ndarray], cols: np.ndarray, draw_day: np.ndarray,
                      limit: np.ndarray, base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Worst treatment-emergent lab grade per term over the draws on or before ``limit``."""
    at = tox.compute_grades({k: v[:, cols] for k, v in labs.items()})
    counted = draw_day[None, :] <= limit[:, None]
    return {term: np.where(counted & (g > base[term][:, None]), g, 0).max(axis=1, initial=0) for term, g in at.items()}


def treat_patients(preset, pot, patient: np.ndarray, level: np.ndarray, horizon: np.ndarray,
                   rng: np.random.Generator, *, keep_records: bool = False, advance=None,
                   schedule=PHASE1A_SCHEDULE) -> TreatmentResult:
    """Treat the enrolled patients from their cycle-1 state until the end of treatment.

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
        Components and trial configuration.
    pot : PotentialOutcomes
        Patients and their cycle 1 at every level.
    patient : int array (E,)
        Flat indices (into ``pot.population``) of the enrolled patients.
    level : int array (E,)
        0-based level assigned at enrolment.
    horizon : float array (E,)
        Days from first dose to the data cut-off (> 0).
    rng : numpy.random.Generator
    keep_records : bool
        Keep per-cycle logs and per-scan detail for :mod:`doseflow.insilico.trial.records`,
        with the ADC and TAb concentrations at the PK sampling times of ``schedule``
        (recorded exactly by the integrator; ``pot`` must have been simulated with the
        schedule's cycle-1 times, :func:`doseflow.insilico.trial.simulation.simulate_trials` does so).
    advance : callable, optional
        Integrator of a cycle (:func:`doseflow.insilico.models.toxicity.model.simulate_cycle`).
    schedule : doseflow.insilico.models.pk.parameters.SamplingSchedule, optional
        PK sampling times kept with ``keep_records``.

    Returns
    -------
    TreatmentResult

    Notes
    -----
    Per cycle [t0, t0 + 21): deaths (any time before the horizon: constant hazard before
    progression, Weibull after; :func:`doseflow.insilico.models.survival.sample_deaths`),
    withdrawals (on treatment), the scan due in the cycle (if before death, withdrawal and
    the horizon) on the true SLD at the scan day, the tumour advanced with the cycle's ADC
    AUC, then the dose-modification decision (:func:`decide_dose_modification`). A PD scan
    ends treatment on the scan day; an AE discontinuation at the next planned dose. PFS
    (:func:`doseflow.insilico.models.survival.compute_pfs`): the first PD scan, or a death within
    ``pfs_death_window_days`` of the last adequate scan (FDA 2018), else censored at the
    last adequate scan (patients are not scanned after treatment ends, an assumption). Exposure duration = last dose day - first dose day +
    21 days (a full last cycle).

    The worst grades (the headline TRAE figures) count exactly what the records hold: a lab
    term's grade at the draws (``lab_days`` after each dose) on or before the end of
    treatment, death and the horizon, if worse than the patient's baseline grade; a hazard
    AE of every treated cycle (its onset is drawn in the part of the cycle before the end
    of treatment, death and the horizon, :mod:`doseflow.insilico.trial.records`). The
    dose-modification decision reads the whole cycle's grades.
    """
    cfg = preset.trial
    tau = cfg.cycle_days
    levels = np.asarray(cfg.dose_levels.amounts)
    e = patient.size
    rows = np.arange(e)
    pop = pot.population
    tiled = pot.tiled_index(patient, level)
    c1 = pot.cycle1
    y = c1.state.y[:, tiled].copy()
    tumour_params = sample_tumour_parameters(pop.tumour_type_index[patient], rng, preset.tumour)
    tumour = TumourState.at_baseline(pop.baseline_sld_mm[patient], tumour_params, preset.tumour)
    scans = ScanState.at_baseline(pop.baseline_sld_mm[patient], pop.lesion_fraction[patient], rng, preset.recist)
    n_scans = int(np.ceil(horizon.max(initial=0.0) / preset.recist.scan_interval_days)) + 2
    scan_days = sample_scan_days(e, n_scans, rng, preset.recist)
    resp = np.zeros((e, n_scans), np.int64)
    rday = np.zeros((e, n_scans))
    keep = keep_records
    if keep:
        r_sld, r_pct = np.full((e, n_scans), np.nan), np.full((e, n_scans), np.nan)
        r_new = np.zeros((e, n_scans), bool)
        r_les = np.full((e, n_scans, pop.lesion_fraction.shape[1]), np.nan)
    nxt = np.zeros(e, np.int64)
    on = np.ones(e, bool)
    alive = np.ones(e, bool)
    cur = level.copy()
    red = np.zeros(e, np.int64)
    held = np.zeros(e, bool)
    hold_next = np.zeros(e, bool)
    end_reason = np.zeros(e, np.int64)
    end_day = horizon.astype(float).copy()
    death = np.full(e, np.nan)
    last_dose = np.zeros(e)
    worst: dict[str, np.ndarray] = {}
    logs: list[CycleLog] = []
    dose_by_cycle = []
    tox_all = pot.tox.subset(patient)
    base_grade = {k: v[:, 0] for k, v in tox_all.compute_grades({k: v[:, None] for k, v in tox_all.baseline().items()}).items()}
    lab_days = np.asarray([d for d in cfg.lab_days if d <= tau], dtype=float)
    t_inf = cfg.infusion_hours / 24.0
    max_c = min(cfg.max_cycles, int(np.ceil(horizon.max(initial=0.0) / tau)))
    for c in range(max_c):
        t0, t1 = c * tau, (c + 1) * tau
        treat = on & (t0 < horizon)
        follow = alive & (t0 < horizon)
        if not follow.any():
            break
        who = np.flatnonzero(treat)
        dose = np.where(hold_next, 0.0, levels[cur])
        auc = np.zeros(e)
        if who.size:
            if c == 0:
                out = c1
                sub_pk, sub_tox = None, pot.tox.subset(patient[who])
                labs = {k: v[tiled[who]] for k, v in c1.labs.items()}
                grades = {k: np.asarray(v)[tiled[who]] for k, v in c1.toxicity.grades.items()}
                times = c1.pk.times
                auc[who] = c1.pk.auc["ADC"][tiled[who]]
                conc = c1.pk.concentrations
                conc_rows = tiled[who]
            else:
                sub_pk, sub_tox = pot.pk.subset(patient[who]), pot.tox.subset(patient[who])
                pk_times = schedule.times_for(c + 1, t_inf)[1] if keep else ()
                out = simulate_cycle(sub_pk, sub_tox, ModelState(y[:, who], t0), dose[who], rng,
                                     infusion_hours=cfg.infusion_hours, days=tau, lab_days=cfg.lab_days,
                                     record_times=tuple(pk_times), advance=advance)
                y[:, who] = out.state.y
                labs, grades, times = out.labs, dict(out.toxicity.grades), out.pk.times
                auc[who] = out.pk.auc["ADC"]
                conc, conc_rows = out.pk.concentrations, slice(None)
            last_dose[who] = np.where(dose[who] > 0, t0, last_dose[who])
            predose = _predose_grade(sub_tox, labs, times, tau)
        # deaths (followed to the horizon), withdrawals (on treatment)
        died, dday = sample_deaths(t0, t1, scans.progression_day, rng, preset.survival)
        died &= follow & (dday <= horizon)
        wd, wday = sample_withdrawals(t0, t1, e, rng, preset.survival)
        wd &= treat
        sday = scan_days[rows, np.minimum(nxt, n_scans - 1)]
        due = (treat & (nxt < n_scans) & (sday <= t1) & (sday <= horizon)
               & ~(died & (dday < sday)) & ~(wd & (wday < sday)))
        true = compute_tumour_sld(tumour, auc, tau, np.clip(sday - t0, 0.0, tau))
        scans, res = assess_scans(scans, true, sday, rng, preset.recist, assessed=due)
        idx = np.flatnonzero(due)
        resp[idx, nxt[idx]] = res.response[idx]
        rday[idx, nxt[idx]] = res.day[idx]
        if keep:
            r_sld[idx, nxt[idx]] = res.sld_mm[idx]
            r_pct[idx, nxt[idx]] = res.percent_change[idx]
            r_new[idx, nxt[idx]] = res.new_lesion[idx]
            r_les[idx, nxt[idx]] = res.lesion_mm[idx]
        nxt += due
        tumour = advance_tumour(tumour, auc, tau)
        # end of treatment, earliest event first
        pd_now = due & (res.response == PD)
        ev_day = np.full(e, np.inf)
        ev_reason = np.zeros(e, np.int64)
        for flag, day, code in ((pd_now, sday, _PD), (wd, wday, _WD), (died & treat, dday, _DEATH)):
            better = flag & (day < ev_day)
            ev_day = np.where(better, day, ev_day)
            ev_reason = np.where(better, code, ev_reason)
        stop = treat & np.isfinite(ev_day)
        end_reason[stop] = ev_reason[stop]
        end_day[stop] = ev_day[stop]
        death = np.where(died, dday, death)
        alive &= ~died
        action = np.zeros(e, np.int64)
        if who.size:
            mod = decide_dose_modification(
                grades, predose, cur[who], red[who], hold_next[who],
                reduce_nonhaem_grade=cfg.reduce_nonhaem_grade, reduce_haem_grade=cfg.reduce_haem_grade,
                max_reductions=cfg.max_reductions, hold_grade=cfg.hold_grade,
                haematological_terms=frozenset(preset.dlt.haematological_terms))
            still = ~stop[who]
            ae_stop = who[still & mod.discontinue & (t1 < horizon[who])]
            end_reason[ae_stop] = _AE
            end_day[ae_stop] = t1
            on[ae_stop] = False
            cur[who] = mod.level
            red[who] = mod.reductions
            hold_next[who] = mod.hold
            action[who] = mod.action
            # worst grades: what the records hold (lab draws up to the end of treatment, death, horizon)
            limit = np.fmin(np.minimum(end_day[who], horizon[who]), death[who])
            lab_cols = np.array([int(np.argmin(np.abs(times - d))) for d in lab_days], dtype=int)
            counted = dict(grades)
            counted.update(_count_lab_grades(sub_tox, labs, lab_cols, t0 + lab_days, limit,
                                             {k: v[who] for k, v in base_grade.items()}))
            for term, g in counted.items():
                cur_w = worst.setdefault(term, np.zeros(e, np.int64))
                cur_w[who] = np.maximum(cur_w[who], g)
            if keep:
                labels, pk_t = schedule.times_for(c + 1, t_inf)
                pk_cols = np.array([int(np.argmin(np.abs(times - t))) for t in pk_t], dtype=int)
                kept = {a: conc[a][conc_rows][:, pk_cols] for a in ("ADC", "TAb")}
                logs.append(CycleLog(c, t0, who, dose[who], labs, grades, mod.action, times, tuple(labels), pk_t, kept))
        if keep:
            dose_by_cycle.append(np.where(treat, dose, 0.0))
        on &= ~stop
    # the last adequate scan: a response of CR, PR, SD or PD (not NE, not a scan not done)
    last_scan = np.max(np.where((resp != NOT_DONE) & (resp != NE), rday, 0.0), axis=1)
    # a death counts for PFS within the window after the last adequate scan (FDA 2018)
    pfs_death = np.where((death <= horizon) & (death <= last_scan + cfg.pfs_death_window_days), death, np.nan)
    pfs_t, pfs_e = compute_pfs(scans.progression_day, pfs_death, last_scan)
    bor = confirmed_best_response(resp, rday, sd_min_days=preset.recist.scan_interval_days - preset.recist.scan_window_days)
    any3 = np.zeros(e, bool)
    for g in worst.values():
        any3 |= g >= 3
    return TreatmentResult(
        worst_grade=worst, any_grade3=any3, last_dose_day=last_dose, end_day=end_day,
        end_reason=end_reason, death_day=death, bor=bor, evaluable=(resp != NOT_DONE).any(axis=1),
        pfs_time=pfs_t, pfs_event=pfs_e, exposure_weeks=(last_dose + tau) / 7.0, reductions=red,
        scan_day=rday, response=resp,
        scan_sld=r_sld if keep else None, scan_pct=r_pct if keep else None,
        scan_new_lesion=r_new if keep else None, scan_lesion_mm=r_les if keep else None,
        baseline_sld=scans.baseline_mm, dose_by_cycle=np.array(dose_by_cycle).T if keep else None,
        cycles=tuple(logs),
    )

