"""The PK stage of the readout: per analyte, the NCA by profile and the summaries by cycle and assigned dose.

:func:`run_pk` takes the concentration frame (from SDTM PC + EX, or the sponsor's ADPC) and
adds, for each analyte (items named by its slug):

- ``pk_nca_<analyte>``: every profile (subject x cycle) with its sampling design
  (:mod:`doseflow.readout.pk.sampling`) and, for full profiles, its NCA parameters;
- ``pk_summary_<analyte>``: the parameters of the full profiles by cycle and dose group,
  cycle 1 (the first dose) and any later cycle sampled in full (steady state where sampled);
  every n counts patients;
- ``pk_concentrations_<analyte>``: the samples of peak-and-trough and sparse cycles by cycle,
  dose group and nominal time (concentrations, not parameters of a profile);
- ``pk_proportionality_<analyte>``: the power model on cycle 1 (one value per patient), or on
  every full profile with a random intercept per patient (``[pk] proportionality_cycles``),
  when the profiles span two doses or more;
- ``pk_mean_concentration_<analyte>``: the mean profile of cycle 1 by dose group;
- ``pk_excluded_<analyte>``: the records not used, with file, line and reason.

Dose groups are the patients' assigned groups (ADSL DOSE_GROUP, :mod:`doseflow.readout.groups`).
Rule for a reduced (or raised) dose: a profile given at a dose other than its group's dose in
that cycle (the dose level; for arms that are not dose levels, the dose most of the arm's
profiles of that cycle had) is listed in the NCA table, flagged ``off_dose``, but left out of
the summaries, the proportionality fit and the mean profile, and counted in the notes. So every
analysed profile was given at its group's dose, which is also the dose of the power model.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from doseflow.readout.groups import compute_dose_plan
from doseflow.readout.pipeline_results import FigureResult, RecordsResult
from doseflow.readout.pk import compute_dose_proportionality, compute_nca, tabulate_concentrations, tabulate_pk_summary
from doseflow.readout.pk.figures import plot_mean_concentration
from doseflow.readout.pk.sampling import FULL

__all__ = ["run_pk", "slug"]

_PK_SUMMARY = ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL")
_PK_PROPORTIONALITY = ("CMAX", "AUCLST", "AUCIFO")
_GROUP = ["dose_number", "DOSE_LEVEL", "DOSE_GROUP"]
_EXCLUDED_COLUMNS = {"USUBJID": "USUBJID", "analyte": "analyte", "specimen": "specimen",
                     "dose_number": "cycle (dose number)", "time_nominal": "nominal time (h)",
                     "time_actual": "actual time (h)", "conc": "concentration", "exclusion_reason": "reason"}


def slug(text: str) -> str:
    """A file-safe item name: ``"XAN"`` -> ``"xan"``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def _off_dose(profiles: pd.DataFrame, adsl: pd.DataFrame) -> pd.Series:
    """True for a profile given at a dose other than its group's dose in that cycle (module docstring)."""
    plan = compute_dose_plan(adsl)
    if plan is not None:
        planned = profiles["DOSE_GROUP"].map({lv.label: lv.amount for lv in plan})
    else:
        planned = profiles.groupby(["DOSE_GROUP", "dose_number"], dropna=False)["dose"].transform(
            lambda d: d.mode().min() if d.notna().any() else np.nan)
    dose = pd.to_numeric(profiles["dose"], errors="coerce")
    return (planned.notna() & dose.notna() & ~np.isclose(dose, planned.astype(float))).fillna(False)


def _excluded(a: pd.DataFrame, source: str) -> pd.DataFrame:
    rows = a[a["excluded"].astype(bool)]
    out = pd.DataFrame({"file": source, "row": rows["source_row"].to_numpy()})
    for col, label in _EXCLUDED_COLUMNS.items():
        if col in rows.columns:
            out[label] = rows[col].to_numpy()
    return out


def _ordered(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """``frame`` with DOSE_GROUP as a categorical in dose-level order (figures and tables follow it)."""
    return frame.assign(DOSE_GROUP=pd.Categorical(frame["DOSE_GROUP"].astype(str), categories=order, ordered=True))


def run_pk(conc: pd.DataFrame, adsl: pd.DataFrame, ex: pd.DataFrame | None, cfg, add, note, *, source: str,
           file: str) -> int | None:
    """NCA, summaries, proportionality and figures per analyte; returns the PK population (None: no PK).

    ``conc`` comes from :func:`~doseflow.readout.pk.derive_pk_concentrations` (SDTM PC + EX)
    or :func:`~doseflow.readout.adam.adpc_concentrations` (ADaM ADPC), with the ADSL columns
    joined; ``source`` names it in the methods and ``file`` is the concentration file whose
    lines the excluded-records table names. The PK population is the patients with at least
    one measurable concentration used.
    """
    used = conc[~conc["excluded"].astype(bool)]
    if used.empty:
        note(f"PK: no concentration record is usable for NCA (specimens {', '.join(cfg.pk.specimens)}, non-placebo "
             "doses).")
        return None
    if ex is not None and "EXTRT" in ex.columns and ex["EXTRT"].nunique() > 1:
        note("PK: EX has several treatments (" + ", ".join(sorted(map(str, ex["EXTRT"].dropna().unique())))
             + "); every non-zero dose is taken as a dose of the analytes in PC.")
    order = (adsl.dropna(subset=["DOSE_GROUP"]).sort_values("DOSE_LEVEL").drop_duplicates("DOSE_GROUP")["DOSE_GROUP"]
             .astype(str).tolist())
    for analyte in sorted(used["analyte"].dropna().astype(str).unique()):
        a = conc[conc["analyte"].astype(str) == analyte]
        key = slug(analyte)
        excluded_table = f"tables/pk_excluded_{key}.csv"
        nca = compute_nca(a, cfg.pk.nca_options(), excluded_where=excluded_table)
        profiles = nca.profiles.assign(off_dose=_off_dose(nca.profiles, adsl).to_numpy())
        nca = replace(nca, profiles=profiles, title=f"Non-compartmental analysis: {analyte}",
                      methods=f"Input: {source}. " + nca.methods)
        add(f"pk_nca_{key}", nca)
        keys = ["USUBJID", "analyte", "specimen", "dose_number"]
        off = profiles.loc[profiles["off_dose"], keys]
        if len(off):
            note(f"PK {analyte}: {len(off)} profile(s) of {off['USUBJID'].nunique()} patient(s) were given at a dose "
                 "other than their group's (a reduction or an escalation within the patient); they are in the NCA "
                 "table but not in the summaries by assigned dose group.")
        on = a.merge(profiles.loc[~profiles["off_dose"], keys + ["sampling"]], on=keys, how="inner")
        full = on[on["sampling"] == FULL]
        params = nca.parameters.merge(profiles.loc[~profiles["off_dose"], keys], on=keys, how="inner")
        present = set(params["PPTESTCD"])
        if len(params):
            cycles = sorted(params["dose_number"].dropna().unique())
            summary = tabulate_pk_summary(params, by=_GROUP,
                                          parameters=[c for c in _PK_SUMMARY if c in present])
            add(f"pk_summary_{key}", replace(
                summary, title=f"Summary of PK parameters by cycle and dose group: {analyte}",
                methods=summary.methods + " Full profiles only, by the patient's assigned dose group and cycle "
                f"(dose number; cycles summarised: {', '.join(str(int(c)) for c in cycles)}); profiles given at "
                "another dose than the group's are left out (doseflow.readout.pipeline_pk)."))
        thin = on[on["sampling"] != FULL]
        if len(thin):
            sparse = tabulate_concentrations(thin, by=_GROUP)
            add(f"pk_concentrations_{key}", replace(
                sparse, title=f"Concentrations of cycles sampled at peak and trough, by nominal time: {analyte}"))
        _proportionality(params, analyte, key, cfg, add, note)
        _mean_profile(full, analyte, key, order, add)
        add(f"pk_excluded_{key}", RecordsResult(
            records=_excluded(a, file), title=f"Concentration records not used for the NCA: {analyte}",
            methods="Every PC (or ADPC) record not used, with its file line and the reason "
                    "(doseflow.readout.pk.concentrations)."))
    measurable = used[(used["conc"] > 0) & ~used["blq"].astype(bool)]
    return int(measurable["USUBJID"].nunique())


def _proportionality(params: pd.DataFrame, analyte: str, key: str, cfg, add, note) -> None:
    """The power model on cycle 1 (default) or on every full profile with a random intercept per patient."""
    if cfg.pk.proportionality_cycles == "first":
        params = params[params["dose_number"] == 1]
    doses = pd.to_numeric(params["dose"], errors="coerce").dropna().unique()
    if len(doses) < 2:
        note(f"PK {analyte}: one dose level in the profiles analysed ({', '.join(f'{d:g}' for d in doses)}), so dose "
             "proportionality was not assessed.")
        return
    present = set(params["PPTESTCD"])
    dp = compute_dose_proportionality(params, [c for c in _PK_PROPORTIONALITY if c in present],
                                      level=cfg.pk.proportionality_level, subject="USUBJID")
    which = ("cycle 1 (the first dose), one profile per patient" if cfg.pk.proportionality_cycles == "first" else
             "every full profile of every cycle, a random intercept per patient")
    add(f"pk_proportionality_{key}", replace(dp, title=f"Dose proportionality (power model, {which}): {analyte}",
                                             methods=dp.methods + f" Profiles: {which}, at the group's "
                                             "dose (doseflow.readout.pipeline_pk)."))


def _mean_profile(full: pd.DataFrame, analyte: str, key: str, order: list[str], add) -> None:
    """The mean concentration-time profile of cycle 1 by dose group (patients counted at each time)."""
    drawn = full[(full["dose_number"] == 1) & ~full["excluded"].astype(bool)]
    if drawn.empty:
        return
    drawn = _ordered(drawn, order)
    tcol = "time_nominal" if drawn["time_nominal"].notna().all() else "time"
    grouped = drawn.groupby(["DOSE_GROUP", tcol], observed=True)
    data = pd.DataFrame({"n": grouped["USUBJID"].nunique(), "mean conc": grouped["conc"].mean(),
                         "SD": grouped["conc"].std()}).reset_index().rename(columns={tcol: "time (h)",
                                                                                     "DOSE_GROUP": "dose group"})
    patients = drawn.groupby("DOSE_GROUP", observed=True)["USUBJID"].nunique()
    summary: dict[str, Any] = {"analyte": analyte, "cycle": 1,
                               "subjects_by_group": {str(k): int(v) for k, v in patients.items()}}
    add(f"pk_mean_concentration_{key}", FigureResult(
        data=data, plot=lambda d=drawn, t=tcol: plot_mean_concentration(d, by="DOSE_GROUP", time=t),
        summary_values=summary,
        title=f"Mean concentration-time profiles of cycle 1 by dose group: {analyte}",
        methods="Cycle 1 (the first dose), full profiles at the group's dose: arithmetic mean (SD) and geometric "
                f"mean concentration by dose group and {'nominal' if tcol == 'time_nominal' else 'actual'} time; n "
                "counts patients; BLQ samples count as 0 in the arithmetic mean and are left off the log scale "
                "(doseflow.readout.pk.figures)."))
