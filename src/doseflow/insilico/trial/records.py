"""The records of one virtual trial: patients, doses, AEs, labs, PK, lesions, scans, responses.

:func:`build_trial_data` turns a simulated trial (:func:`doseflow.insilico.trial.simulation.simulate_trials`
with ``keep_records=True``, one trial) into a :class:`doseflow.insilico.trial.data.VirtualTrialData`
(the tables :mod:`doseflow.insilico.sdtm` writes as SDTM). Days are since each patient's
first dose; nothing is recorded after the patient's data cut-off or death, and no lab
draw or AE onset after the end of treatment (the engine's worst grades, the headline TRAE
figures, count exactly these draws and AEs: :func:`doseflow.insilico.trial.treatment.treat_patients`).

Modelling choices (said once here):

- all simulated AEs are treatment-related (the models have no background AEs);
- lab-based AEs (thrombocytopenia, AST/ALT increased) are runs of consecutive scheduled
  draws (days 1, 8, 15 of each cycle) graded above the patient's baseline grade (CTCAE v5,
  :func:`doseflow.standards.ctcae.grade_lab`): onset at the first draw of the run, resolution at the
  first draw back at baseline grade, grade the worst of the run, ongoing (NaN) if the run
  reaches the patient's last draw;
- hazard AEs (pyrexia, nausea, anaemia, ...) start uniformly within 7 days after the dose
  of the cycle they occur in, or before the patient's end of treatment, death or cut-off
  if that comes first (the cycle's event happened; it is dated inside the observed part
  of the cycle), and last an exponential time with the term's mean duration;
- PK samples are the ADC and TAb concentrations the treatment loop integrated at the
  sampling times (:data:`doseflow.insilico.models.pk.parameters.PHASE1A_SCHEDULE`, doses given only)
  plus residual error; BLQ values are NaN;
- serious = grade >= 4 (assumption: life-threatening events are serious); an AE counts as
  the DLT when the patient had a DLT and the AE is of grade >= 3 and starts in the DLT
  window; the action taken is the cycle's dose-modification decision for AEs of grade
  >= 3, else DOSE NOT CHANGED;
- HGB and ALP are not simulated as lab trajectories (anaemia and ALP increased are hazard
  AEs), so the labs table holds PLT, AST and ALT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.insilico.models.toxicity.model import ALT_INCREASED, AST_INCREASED, THROMBOCYTOPENIA
from doseflow.insilico.models.variability import compute_observations
from doseflow.insilico.trial.data import COLUMNS, VirtualTrialData
from doseflow.insilico.trial.treatment import ACTION_LABELS, ACTION_NONE
from doseflow.standards.ctcae import grade_lab
from doseflow.standards.recist import NOT_DONE, label_responses

__all__ = ["SOC_BY_TERM", "TUMOUR_TYPE_LABELS", "LAB_RANGES", "build_trial_data"]

#: MedDRA system organ class of each simulated term.
SOC_BY_TERM: dict[str, str] = {
    THROMBOCYTOPENIA: "Blood and lymphatic system disorders",
    "Anaemia": "Blood and lymphatic system disorders",
    AST_INCREASED: "Investigations",
    ALT_INCREASED: "Investigations",
    "Alkaline phosphatase increased": "Investigations",
    "Pyrexia": "General disorders and administration site conditions",
    "Fatigue": "General disorders and administration site conditions",
    "Nausea": "Gastrointestinal disorders",
    "Vomiting": "Gastrointestinal disorders",
    "Hypertension": "Vascular disorders",
}
#: Tumour types as written in the trial tables.
TUMOUR_TYPE_LABELS = {"breast": "breast", "gastric_gej": "gastric/GEJ", "salivary_gland": "salivary gland", "other": "other"}
#: Unit, LLN and ULN of the simulated labs (LLN of AST/ALT: assumption, typical ranges).
LAB_RANGES = {"PLT": ("10^9/L", 150.0, 400.0), "AST": ("U/L", 8.0, 40.0), "ALT": ("U/L", 7.0, 40.0)}
_LAB_TERM = {"PLT": THROMBOCYTOPENIA, "AST": AST_INCREASED, "ALT": ALT_INCREASED}
_SITES = {"breast": "breast", "gastric_gej": "stomach", "salivary_gland": "parotid gland", "other": "liver"}
_OTHER_SITES = ("liver", "lung", "peritoneum", "adrenal gland")


def _labs(preset, batch, flat, last_day, tox) -> pd.DataFrame:
    """Baseline and scheduled draws (``lab_days`` after each dose) up to each patient's ``last_day``."""
    cfg = preset.trial
    base = tox.baseline()
    codes = ("PLT", "AST", "ALT")
    lab_days = np.asarray(cfg.lab_days, dtype=float)
    pid, test, day, value = [], [], [], []
    for code in codes:
        pid.append(np.arange(1, flat.size + 1))
        test.append(np.full(flat.size, code, dtype=object))
        day.append(np.full(flat.size, -1.0))
        value.append(base[code])
    for log in batch.treatment.cycles:
        cols = np.array([int(np.argmin(np.abs(log.times - d))) for d in lab_days], dtype=int)
        days = log.start_day + lab_days
        keep = days[None, :] <= last_day[log.who][:, None]  # (patients, draws)
        w, j = np.nonzero(keep)
        for code in codes:
            pid.append(log.who[w] + 1)
            test.append(np.full(w.size, code, dtype=object))
            day.append(days[j])
            value.append(log.labs[code][w, cols[j]])
    n_base = 3 * flat.size
    values = np.concatenate(value)
    labs = pd.DataFrame({"patient": np.concatenate(pid), "test": np.concatenate(test), "day": np.concatenate(day),
                         "value": values, "baseline": np.arange(values.size) < n_base})
    labs = labs.sort_values(["patient", "test", "day"], kind="mergesort")
    rng = labs["test"].map(LAB_RANGES)
    labs["unit"] = [r[0] for r in rng]
    labs["lln"] = [r[1] for r in rng]
    labs["uln"] = [r[2] for r in rng]
    return labs.reset_index(drop=True)


def _lab_episodes(labs: pd.DataFrame, tox_params) -> pd.DataFrame:
    """AE episodes from runs of draws graded above baseline (see module docstring)."""
    out = []
    for code, term in _LAB_TERM.items():
        t = labs[labs["test"] == code].reset_index(drop=True)
        if t.empty:
            continue
        b = t[t["baseline"]].set_index("patient")["value"]
        bval = t["patient"].map(b).to_numpy()
        if code == "PLT":
            g = grade_lab("PLT", t["value"].to_numpy(), lln=tox_params.platelets.lln)
            g0 = grade_lab("PLT", bval, lln=tox_params.platelets.lln)
        else:
            uln = getattr(tox_params, code.lower()).uln
            g = grade_lab(code, t["value"].to_numpy(), uln=uln, baseline=bval)
            g0 = grade_lab(code, bval, uln=uln, baseline=bval)
        g = np.where(t["baseline"].to_numpy() | (g <= g0), 0, g)
        t = t.assign(g=g)
        pos = t["g"] > 0
        new_patient = t["patient"].ne(t["patient"].shift())
        run = (pos & (~pos.shift(fill_value=False) | new_patient)).cumsum().where(pos)
        nxt_day = t.groupby("patient")["day"].shift(-1)
        nxt_pos = pos.groupby(t["patient"]).shift(-1)
        t = t.assign(run=run, end=np.where(nxt_pos.eq(False), nxt_day, np.nan))
        ep = t[pos].groupby("run").agg(patient=("patient", "first"), start_day=("day", "first"),
                                       end_day=("end", "last"), grade=("g", "max"))
        ep["term"] = term
        out.append(ep.reset_index(drop=True))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["patient", "start_day", "end_day", "grade", "term"])


def _hazard_episodes(preset, batch, rng, last_day) -> pd.DataFrame:
    """Hazard AEs of every treated cycle, onset uniform within 7 days of the dose and before ``last_day``."""
    lab_terms = set(_LAB_TERM.values())
    mean_dur = {h.term: h.mean_duration_days for h in preset.toxicity.hazards}
    cols = {k: [] for k in ("patient", "start_day", "end_day", "grade", "term")}
    for log in batch.treatment.cycles:
        window = np.clip(last_day[log.who] - log.start_day, 0.0, 7.0)
        for term, g in log.grades.items():
            if term in lab_terms:
                continue
            hit = np.flatnonzero(np.asarray(g) > 0)
            onset = log.start_day + rng.uniform(0.0, 1.0, hit.size) * window[hit]
            dur = rng.exponential(mean_dur.get(term, 3.0), hit.size)
            for k, v in (("patient", log.who[hit] + 1), ("start_day", onset), ("end_day", onset + dur),
                         ("grade", np.asarray(g)[hit]), ("term", np.full(hit.size, term, dtype=object))):
                cols[k].append(v)
    if not cols["patient"]:
        return pd.DataFrame(columns=list(cols))
    return pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})


def _pk_samples(preset, cycles, horizon, stop_day, rng) -> pd.DataFrame:
    """PK rows from the concentrations the treatment loop kept at the sampling times.

    Residual error Y = F (1 + e1) + e2 and BLQ as in
    :func:`doseflow.insilico.models.variability.compute_observations`; a pre-dose sample is
    drawn 30 minutes before the infusion.
    """
    cfg = preset.trial
    parts = {k: [] for k in ("patient", "analyte", "cycle", "day", "nominal_hours", "conc")}
    for log in cycles:
        if not log.concentrations:
            continue
        pre = np.array([label == "pre-dose" for label in log.pk_labels])
        sample_day = log.start_day + log.pk_times - np.where(pre, 0.5 / 24.0, 0.0)
        nominal = np.where(pre, -0.5, np.round(np.asarray(log.pk_times) * 24.0, 4))
        keep = ((log.dose > 0)[:, None] & (sample_day[None, :] <= horizon[log.who][:, None])
                & (sample_day[None, :] <= stop_day[log.who][:, None]))
        w, j = np.nonzero(keep)
        for analyte, label in (("ADC", "ADC"), ("TAb", "TAB")):
            parts["patient"].append(log.who[w] + 1)
            parts["analyte"].append(np.full(w.size, label, dtype=object))
            parts["cycle"].append(np.full(w.size, log.cycle + 1))
            parts["day"].append(sample_day[j])
            parts["nominal_hours"].append(nominal[j])
            parts["conc"].append(log.concentrations[analyte][w, j])
    if not parts["patient"]:
        return pd.DataFrame(columns=list(COLUMNS["pk"]))
    cols = {k: np.concatenate(v) for k, v in parts.items()}
    value, blq = compute_observations(cols.pop("conc"), preset.pk.residual, rng, lloq=cfg.pk_lloq_ug_ml)
    rows = pd.DataFrame({**cols, "concentration": np.where(blq, np.nan, value), "lloq": cfg.pk_lloq_ug_ml})
    return rows.sort_values(["patient", "cycle", "analyte", "day"], kind="mergesort").reset_index(drop=True)


def build_trial_data(preset, batch, rng: np.random.Generator, *, seed: int = 0) -> VirtualTrialData:
    """Build the tables of the first trial of ``batch`` (simulated with ``keep_records=True``).

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
    batch : doseflow.insilico.trial.simulation.TrialBatch
        One trial with records.
    rng : numpy.random.Generator
        Draws AE onsets/durations and PK residual errors.
    seed : int
        Recorded in the result.

    Returns
    -------
    VirtualTrialData
        Validated (:meth:`VirtualTrialData.validate`).
    """
    cfg = preset.trial
    tr = batch.treatment
    pot = batch.potential
    pop = pot.population
    flat = np.flatnonzero(batch.enrolled.ravel())
    level = batch.level.ravel()[flat]
    enrol = batch.enrol_day.ravel()[flat]
    cutoff = float(batch.cutoff_day[0])
    horizon = cutoff - enrol
    death = tr.death_day
    stop_day = np.fmin(np.where(np.isnan(death), np.inf, death), np.inf)
    # labs and hazard-AE onsets: up to the end of treatment, death and the cut-off (the
    # engine's worst grades count the same draws, trial.treatment.treat_patients)
    last_day = np.fmin(np.minimum(tr.end_day, horizon), death)
    n = flat.size
    pid = np.arange(1, n + 1)
    levels = np.asarray(cfg.dose_levels.amounts)
    cohort = batch.runs.cohort.ravel()[flat]
    expansion = batch.expansion.ravel()[flat]
    reason = pot.dlt_reason.reshape(-1, cfg.n_levels)[flat, level]
    dlt = pot.dlt.reshape(-1, cfg.n_levels)[flat, level]
    end_reason = tr.end_reason_label
    patients = pd.DataFrame({
        "patient": pid, "enrol_day": enrol, "dose_level": level + 1, "dose_mg_kg": levels[level],
        "cohort": np.where(expansion, 0, cohort), "phase": np.where(expansion, "expansion", "escalation"),
        "tumour_type": [TUMOUR_TYPE_LABELS[t] for t in pop.tumour_type[flat]], "age": pop.age[flat],
        "sex": pop.sex[flat], "weight_kg": pop.weight_kg[flat], "albumin_g_l": pop.albumin_g_l[flat],
        "prior_lines": pop.prior_lines[flat], "prior_anti_her2_lines": pop.prior_anti_her2_lines[flat],
        "dlt": dlt, "dlt_reason": reason, "last_dose_day": tr.last_dose_day, "end_reason": end_reason,
        "end_day": np.where(end_reason == "ONGOING", horizon, tr.end_day), "death_day": death,
        "last_alive_day": np.where(np.isnan(death), horizon, death),
    })
    dose_mat = tr.dose_by_cycle if tr.dose_by_cycle is not None and tr.dose_by_cycle.size else np.zeros((n, 0))
    e_idx, c_idx = np.nonzero(dose_mat > 0)
    doses = pd.DataFrame({"patient": e_idx + 1, "cycle": c_idx + 1, "day": c_idx * cfg.cycle_days,
                          "dose_mg_kg": dose_mat[e_idx, c_idx], "dose_mg": dose_mat[e_idx, c_idx] * pop.weight_kg[flat][e_idx],
                          "infusion_min": cfg.infusion_hours * 60.0}).sort_values(["patient", "cycle"]).reset_index(drop=True)
    tox = pot.tox.subset(flat)
    labs = _labs(preset, batch, flat, last_day, tox)
    ae = pd.concat([_lab_episodes(labs, preset.toxicity), _hazard_episodes(preset, batch, rng, last_day)], ignore_index=True)
    ae["patient"] = ae["patient"].astype(np.int64)
    p_h = horizon[ae["patient"].to_numpy() - 1]
    p_death = stop_day[ae["patient"].to_numpy() - 1]
    ae = ae[(ae["start_day"].to_numpy() <= p_h) & (ae["start_day"].to_numpy() <= p_death)].copy()
    p_h = horizon[ae["patient"].to_numpy() - 1]
    ae["end_day"] = np.where(ae["end_day"].to_numpy(dtype=float) > p_h, np.nan, ae["end_day"].to_numpy(dtype=float))
    ae["grade"] = ae["grade"].astype(np.int64)
    action = np.full((n, max(len(tr.cycles), 1)), ACTION_NONE)
    for log in tr.cycles:
        action[log.who, log.cycle] = log.action
    cyc = np.minimum((ae["start_day"].to_numpy() // cfg.cycle_days).astype(int), action.shape[1] - 1)
    act = np.where(ae["grade"].to_numpy() >= 3, action[ae["patient"].to_numpy() - 1, cyc], ACTION_NONE)
    ae["action"] = np.asarray(ACTION_LABELS, dtype=object)[act]
    ae["soc"] = ae["term"].map(SOC_BY_TERM).fillna("General disorders and administration site conditions")
    ae["related"] = True
    ae["serious"] = ae["grade"] >= 4
    ae["dlt"] = dlt[ae["patient"].to_numpy() - 1] & (ae["grade"].to_numpy() >= 3) & (ae["start_day"].to_numpy() < preset.dlt.window_days)
    ae = ae.sort_values(["patient", "start_day", "term"], kind="mergesort").reset_index(drop=True)
    # PK samples of the doses given (held cycles have none), up to the cut-off and death
    pk_rows = _pk_samples(preset, tr.cycles, horizon, stop_day, rng)
    # lesions, measurements, responses
    n_les = pop.n_lesions[flat]
    frac = pop.lesion_fraction[flat]
    e_l, j_l = np.nonzero(np.arange(frac.shape[1])[None, :] < n_les[:, None])
    site0 = np.array([_SITES[t] for t in pop.tumour_type[flat]], dtype=object)
    location = np.where(j_l == 0, site0[e_l], np.asarray(_OTHER_SITES, dtype=object)[np.maximum(j_l - 1, 0) % len(_OTHER_SITES)])
    lesion_id = np.array([f"T{j + 1:02d}" for j in j_l], dtype=object)
    base_mm = tr.baseline_sld[e_l] * frac[e_l, j_l]
    lesions = pd.DataFrame({"patient": e_l + 1, "lesion": lesion_id, "location": location, "baseline_mm": base_mm})
    meas = [pd.DataFrame({"patient": e_l + 1, "lesion": lesion_id, "scan": 0, "day": cfg.baseline_scan_day, "diameter_mm": base_mm})]
    e_s, s_s = np.nonzero(tr.response != NOT_DONE)
    for j in range(frac.shape[1]):
        has = j < n_les[e_s]
        ee, ss = e_s[has], s_s[has]
        meas.append(pd.DataFrame({"patient": ee + 1, "lesion": f"T{j + 1:02d}", "scan": ss + 1, "day": tr.scan_day[ee, ss],
                                  "diameter_mm": tr.scan_lesion_mm[ee, ss, j]}))
    measurements = pd.concat(meas, ignore_index=True).sort_values(["patient", "scan", "lesion"]).reset_index(drop=True)
    responses = pd.DataFrame({"patient": e_s + 1, "scan": s_s + 1, "day": tr.scan_day[e_s, s_s],
                              "sld_mm": tr.scan_sld[e_s, s_s], "pct_change": tr.scan_pct[e_s, s_s],
                              "new_lesion": tr.scan_new_lesion[e_s, s_s],
                              "response": label_responses(tr.response[e_s, s_s])})
    data = VirtualTrialData(
        patients[list(COLUMNS["patients"])], doses[list(COLUMNS["doses"])], ae[list(COLUMNS["adverse_events"])],
        labs[list(COLUMNS["labs"])], pk_rows[list(COLUMNS["pk"])], lesions[list(COLUMNS["lesions"])],
        measurements[list(COLUMNS["measurements"])], responses[list(COLUMNS["responses"])],
        study_start=cfg.start_date, cutoff_day=cutoff, dose_unit="mg/kg", seed=seed,
        notes=(f"preset {preset.name}", "all simulated adverse events are treatment-related"),
    )
    return data.validate()
