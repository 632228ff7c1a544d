"""The PK stage of the readout: per analyte, the NCA by profile and the summaries by cycle and assigned dose.

:func:`run_pk` takes the concentration frame (from SDTM PC + EX, or the sponsor's ADPC) and
adds, for each analyte (items named by its slug):

- ``pk_summary`` (first): the main table, every analyte by cycle and dose group: n, geometric
  mean and geometric CV% of Cmax, AUClast, AUCinf and t1/2, median and range of tmax;
- ``pk_concentration_time``: cycle-1 concentration-time small multiples, one panel per analyte
  (grey individual profiles, geometric mean by dose group); its table is the geometric and
  arithmetic mean by analyte, dose group and nominal time, n counting patients;
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
from doseflow.readout.palette import compute_dose_palette
from doseflow.readout.pipeline_results import FigureResult, RecordsResult
from doseflow.readout.pk import compute_dose_proportionality, compute_nca, tabulate_concentrations, tabulate_pk_summary
from doseflow.readout.pk.figures import compute_geometric_profile, plot_concentration_time
from doseflow.readout.pk.sampling import FULL
from doseflow.readout.pk.summary import tabulate_pk_overview

__all__ = ["run_pk", "slug"]

_PK_SUMMARY = ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL")
_PK_PROPORTIONALITY = ("CMAX", "AUCLST", "AUCIFO")
#: Columns of the main PK table, in reading order (exposure, half-life, then tmax).
_PK_MAIN = ("CMAX", "AUCLST", "AUCIFO", "LAMZHL", "TMAX")
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


def run_pk(conc: pd.DataFrame, adsl: pd.DataFrame, ex: pd.DataFrame | None, cfg, add_item, note, *, source: str,
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
    palette = compute_dose_palette(adsl)
    plan = compute_dose_plan(adsl)
    dose_colours = {} if plan is None else {float(lv.amount): palette.colour(lv.label) for lv in plan}
    per_analyte: list[tuple[str, Any]] = []
    summaries: dict[str, Any] = {}
    profiles_cycle1: list[pd.DataFrame] = []

    def add(name: str, result) -> None:
        per_analyte.append((name, result))

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
            summaries[analyte] = summary
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
        _proportionality(params, analyte, key, cfg, add, note,
                         units=dict(zip(nca.parameters["PPTESTCD"], nca.parameters["unit"])),
                         dose_unit=_first(a, "dose_unit"), dose_colours=dose_colours)
        profiles_cycle1.append(full[(full["dose_number"] == 1) & ~full["excluded"].astype(bool)])
        add(f"pk_excluded_{key}", RecordsResult(
            records=_excluded(a, file), title=f"Concentration records not used for the NCA: {analyte}",
            methods="Every PC (or ADPC) record not used, with its file line and the reason "
                    "(doseflow.readout.pk.concentrations)."))
    if summaries:
        add_item("pk_summary", replace(
            tabulate_pk_overview(summaries, _PK_MAIN),
            title="PK parameters by analyte, cycle and dose group (full profiles)",
            notes=("Every statistic of every parameter is in the per-analyte summaries (appendix).",)))
    drawn = pd.concat(profiles_cycle1, ignore_index=True) if profiles_cycle1 else pd.DataFrame()
    if len(drawn):
        add_item("pk_concentration_time", _concentration_time(drawn, order, palette))
    for name, result in per_analyte:
        add_item(name, result)
    measurable = used[(used["conc"] > 0) & ~used["blq"].astype(bool)]
    return int(measurable["USUBJID"].nunique())


def _first(frame: pd.DataFrame, column: str) -> str:
    """The one value of ``column`` (e.g. the dose unit), or "" when absent or mixed."""
    values = frame[column].dropna().astype(str).unique() if column in frame.columns else []
    return values[0] if len(values) == 1 else ""


def _proportionality(params: pd.DataFrame, analyte: str, key: str, cfg, add, note, *, units: dict[str, str],
                     dose_unit: str, dose_colours: dict[float, str]) -> None:
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
                                             "dose (doseflow.readout.pipeline_pk).", units=units,
                                             dose_unit=dose_unit, dose_colours=dose_colours))


def _concentration_time(drawn: pd.DataFrame, order: list[str], palette) -> FigureResult:
    """Cycle-1 full profiles at the group's dose: small multiples by analyte, the mean table by time."""
    drawn = _ordered(drawn, order)
    tcol = "time_nominal" if drawn["time_nominal"].notna().all() else "time"
    table = pd.concat([compute_geometric_profile(a, by="DOSE_GROUP", time=tcol).assign(analyte=name)
                       for name, a in drawn.groupby("analyte", sort=True)], ignore_index=True)
    unit = _first(drawn, "conc_unit")
    table = table.rename(columns={"DOSE_GROUP": "dose group", tcol: "time (h)", "geo_mean": f"geo. mean ({unit})",
                                  "mean": f"mean ({unit})", "sd": f"SD ({unit})"})
    table = table[["analyte", "dose group", "time (h)", "n", f"geo. mean ({unit})", f"mean ({unit})", f"SD ({unit})"]]
    patients = drawn.groupby(["analyte", "DOSE_GROUP"], observed=True)["USUBJID"].nunique()
    summary: dict[str, Any] = {"cycle": 1, "analytes": sorted(drawn["analyte"].astype(str).unique()),
                               "subjects_by_group": {f"{a} {g}": int(v) for (a, g), v in patients.items()}}
    which = "nominal" if tcol == "time_nominal" else "actual"
    return FigureResult(
        data=table, plot=lambda: plot_concentration_time(drawn, time=tcol, palette=palette,
                                                         title="Cycle 1 (first dose), full profiles"),
        summary_values=summary, title="Concentration-time profiles of cycle 1 by analyte and dose group",
        methods="Cycle 1 (the first dose), full profiles at the group's dose: each patient's profile (grey) and "
                f"the geometric mean by dose group and {which} time, drawn where every value is > 0 (a BLQ sample "
                "counts as 0 and makes it undefined); n counts patients; log concentration axis "
                "(doseflow.readout.pk.figures).")
