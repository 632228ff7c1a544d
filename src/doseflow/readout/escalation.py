"""The escalation story of a trial: its cohorts over time, the design's decision after each, the recommended dose.

A safety review committee reads a phase I readout from the conduct: who was treated at which
dose level and when, which cohort had a DLT, what the design decided after each cohort and
why, and what dose is recommended. This module tells that story from the data:

- :func:`derive_cohorts`: one row per treated patient with its dose level, first-dose date,
  cohort and study part (escalation or expansion) when the data carry them (DM column or
  SUPPDM QNAM ``COHORT`` and ``PART``, as the virtual trial writes them; cohort 0 = an
  expansion or backfill patient), its DLT (from
  :func:`~doseflow.readout.safety.dlt.tabulate_dlt`) and the worst grade of its related
  treatment-emergent AEs that started in the DLT window (which ends accelerated titration,
  Simon et al. 1997);
- :func:`replay_design`: the escalation cohorts replayed in order through the design the
  trial followed (``[design]`` of the readout configuration; the demo gives its preset's):
  before each cohort the design's recommendation, after it the design's decision and its
  reason (``Decision.reason``, the rule that fired), and the design's MTD selection at the
  end (``select_mtd``). A cohort enrolled at a level other than the recommended one is
  flagged as a deviation, never corrected;
- :func:`tabulate_escalation`: the result the report shows, the cohort table (or, without
  cohort data, one row per dose group) and the escalation figure: first-dose date on x, dose
  level on y, one marker per patient, DLTs in red, the MTD or recommended dose marked;
- :func:`describe_design`: the design and its parameters as a table.

The readout's own MTD statement (the 3+3 rule on every DLT-evaluable patient,
:mod:`doseflow.readout.safety.dlt`) is quoted beside the design's selection.

References
----------
Simon R et al. Accelerated titration designs for phase I clinical trials in oncology. J Natl
Cancer Inst 1997;89:1138-1147. Storer BE. Design and analysis of phase I clinical trials.
Biometrics 1989;45:925-937. ICH E3 (1995) section 9.4.4 (selection of doses in the study).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.designs.registry import options_of
from doseflow.readout.escalation_figure import has_dlt, plot_escalation
from doseflow.readout.inputs import calendar_date
from doseflow.readout.palette import DosePalette
from doseflow.readout.result import AnalysisResult, to_json_ready
from doseflow.readout.safety.flags import select_emergent_events

__all__ = ["COHORT_VARIABLE", "PART_VARIABLE", "CohortReplay", "DesignResult", "EscalationResult", "compute_window_grades", "derive_cohorts",
           "describe_design", "replay_design", "tabulate_escalation"]

#: DM column or SUPPDM QNAM of the cohort (0 = expansion or backfill) and of the study part.
COHORT_VARIABLE = "COHORT"
PART_VARIABLE = "PART"


def compute_window_grades(ae: pd.DataFrame | None, adsl: pd.DataFrame, *, window_days: int,
                          related_values, missing_relationship: str, teae_window_days: int) -> pd.Series:
    """Worst grade of each patient's related TEAEs starting in study days 1 to ``window_days``.

    Parameters
    ----------
    ae : pandas.DataFrame or None
        SDTM AE (SUPPAE merged); None gives grade 0 for everyone.
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl`.
    window_days : int
        The DLT window (study day 1 = first dose).
    related_values, missing_relationship, teae_window_days
        The readout's AE rules (:mod:`doseflow.readout.safety.flags`).

    Returns
    -------
    pandas.Series
        USUBJID -> worst grade (0 when none), for the safety population.
    """
    safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"]
    ids = safe["USUBJID"].astype(str)
    out = pd.Series(0, index=ids.to_numpy(), dtype=int)
    if ae is None or not len(ae):
        return out
    ev, _ = select_emergent_events(ae, adsl, by="DOSE_GROUP", window_days=teae_window_days, missing_start="emergent",
                                   related_values=related_values, missing_relationship=missing_relationship,
                                   unknown_subjects="note", need_related=True)
    ev = ev[ev["AERELFL"].astype(str).str.upper() == "Y"]
    start = calendar_date(safe.set_index(ids)["TRTSDT"])
    day = (calendar_date(ev["ASTDT"]).to_numpy() - start.reindex(ev["USUBJID"].astype(str)).to_numpy()) \
        / np.timedelta64(1, "D") + 1
    inside = ev[(day >= 1) & (day <= window_days)]
    worst = inside.groupby(inside["USUBJID"].astype(str))["AGRADE"].max()
    out.update(worst.dropna().astype(int))
    return out


def derive_cohorts(adsl: pd.DataFrame, dlt_subjects: pd.DataFrame | None, grades: pd.Series | None = None
                   ) -> pd.DataFrame:
    """One row per treated patient: dose level, first dose, cohort, part, DLT and window grade.

    Parameters
    ----------
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl`, with COHORT and PART when the data
        carry them (``extra_vars``).
    dlt_subjects : pandas.DataFrame or None
        :attr:`DLTResult.subjects` (USUBJID, evaluable, dlt, events); None when DLTs were
        not tabulated.
    grades : pandas.Series, optional
        :func:`compute_window_grades`.

    Returns
    -------
    pandas.DataFrame
        USUBJID, DOSE_GROUP, DOSE_LEVEL, TRTSDT, ``day`` (days since the trial's first
        dose), ``cohort`` (nullable Int64; NA without cohort data), ``part``
        ("escalation", "expansion", or "" unknown), ``evaluable``, ``dlt`` (None when not
        recorded), ``events`` and ``grade``; sorted by first dose.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "SAFFL": "Y", "DOSE_GROUP": ["1 mg", "2 mg"], "DOSE_LEVEL": [1, 2],
    ...     "TRTSDT": pd.to_datetime(["2022-01-03", "2022-02-01"]), "COHORT": ["1", "0"],
    ...     "PART": ["ESCALATION", "EXPANSION"]})
    >>> derive_cohorts(adsl, None)[["USUBJID", "day", "cohort", "part"]].values.tolist()
    [['a', 0.0, 1, 'escalation'], ['b', 29.0, <NA>, 'expansion']]
    """
    safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"].copy()
    safe["USUBJID"] = safe["USUBJID"].astype(str)
    safe["TRTSDT"] = calendar_date(safe["TRTSDT"])
    out = safe[["USUBJID", "DOSE_GROUP", "DOSE_LEVEL", "TRTSDT"]].copy()
    out["day"] = (out["TRTSDT"] - out["TRTSDT"].min()) / pd.Timedelta(days=1)
    cohort = pd.to_numeric(safe[COHORT_VARIABLE], errors="coerce") if COHORT_VARIABLE in safe.columns else \
        pd.Series(np.nan, index=safe.index)
    part = safe[PART_VARIABLE].astype(str).str.strip().str.lower() if PART_VARIABLE in safe.columns else \
        pd.Series("", index=safe.index)
    part = part.where(part.isin(["escalation", "expansion", "backfill"]), "")
    part = part.where(part != "", np.where(cohort.eq(0), "expansion", np.where(cohort.gt(0), "escalation", "")))
    out["cohort"] = pd.array(cohort.where(cohort > 0).round(), dtype="Int64")
    out["part"] = part.replace({"backfill": "expansion"}).to_numpy()
    if dlt_subjects is not None and len(dlt_subjects):
        d = dlt_subjects.set_index(dlt_subjects["USUBJID"].astype(str))
        out["evaluable"] = out["USUBJID"].map(d["evaluable"]).fillna(False).astype(bool)
        out["dlt"] = out["USUBJID"].map(d["dlt"])
        out["events"] = out["USUBJID"].map(d["events"]).fillna("")
    else:
        out["evaluable"], out["dlt"], out["events"] = True, None, ""
    out["grade"] = out["USUBJID"].map(grades).fillna(0).astype(int) if grades is not None else 0
    return out.sort_values(["TRTSDT", "USUBJID"], kind="mergesort").reset_index(drop=True)


@dataclass(frozen=True)
class CohortReplay:
    """One escalation cohort replayed through the design.

    Attributes
    ----------
    cohort : int
    level : int
        1-based dose level (the first patient's, when a cohort spans levels).
    patients : tuple of str
    outcome : str
        The cohort in outcome-string form ("3NNT": level 3, two without and one with a DLT;
        "P" for a patient who was not DLT-evaluable and is not counted).
    recommended : int or None
        The level the design recommended for this cohort (None without a design).
    decision, next_level, reason, rule : str, int or None, str, str
        The design's decision after this cohort and the plain-sentence reason.
    """

    cohort: int
    level: int
    patients: tuple[str, ...]
    outcome: str
    recommended: int | None = None
    decision: str = ""
    next_level: int | None = None
    reason: str = ""
    rule: str = ""


def replay_design(design: Any, plan: DosePlan, patients: pd.DataFrame) -> tuple[list[CohortReplay], Any]:
    """Replay the escalation cohorts of ``patients`` in order through ``design``.

    Parameters
    ----------
    design : doseflow design
        With ``decide(state)`` and ``select_mtd(state)``.
    plan : DosePlan
        The trial's dose levels.
    patients : pandas.DataFrame
        :func:`derive_cohorts` output; rows with a cohort number are replayed.

    Returns
    -------
    (list of CohortReplay, MTDSelection)
        One entry per cohort and the design's selection on every replayed patient.

    Notes
    -----
    Before each cohort, ``design.decide(state)`` gives the recommended level; the cohort's
    DLT-evaluable patients are added to the state with their DLT outcome and window grade
    (``PatientRecord.worst_grade``), and ``design.decide`` again gives the decision after
    the cohort. Patients who were not DLT-evaluable are shown ("P") but not added, as a
    3+3 trial replaces them (Storer 1989).

    Examples
    --------
    >>> from doseflow.designs import ThreePlusThree
    >>> pts = pd.DataFrame({"USUBJID": list("abcdef"), "DOSE_LEVEL": [1, 1, 1, 2, 2, 2], "cohort": [1, 1, 1, 2, 2, 2],
    ...                     "evaluable": True, "dlt": [False] * 5 + [True], "grade": 0})
    >>> rows, sel = replay_design(ThreePlusThree(), DosePlan.from_amounts([1, 2, 3], "mg"), pts)
    >>> [(r.outcome, r.recommended, r.decision, r.next_level) for r in rows]
    [('1NNN', 1, 'escalate', 2), ('2NNT', 2, 'stay', 2)]
    """
    state = TrialState(plan)
    before = design.decide(state)
    rows = []
    esc = patients[patients["cohort"].notna()]
    for cohort, g in esc.groupby(esc["cohort"].astype(int), sort=True):
        level = int(g["DOSE_LEVEL"].iloc[0])
        letters = []
        for r in g.itertuples():
            if not r.evaluable or r.dlt is None or pd.isna(r.dlt):
                letters.append("P")
                continue
            letters.append("T" if bool(r.dlt) else "N")
            state = state.with_record(PatientRecord(str(r.USUBJID), int(r.DOSE_LEVEL), bool(r.dlt), cohort=int(cohort),
                                                    worst_grade=int(r.grade), role="escalation"))
        after = design.decide(state)
        rows.append(CohortReplay(int(cohort), level, tuple(g["USUBJID"].astype(str)), f"{level}{''.join(letters)}",
                                 before.next_dose, after.action, after.next_dose, after.reason, after.rule))
        before = after
    return rows, design.select_mtd(state)


@dataclass(frozen=True)
class DesignResult(AnalysisResult):
    """The design the trial followed and its parameters (or the statement that none was given).

    Attributes
    ----------
    design : doseflow design or None
    plan : DosePlan or None
        The dose levels of the escalation (None when the groups are arms).
    """

    design: Any
    plan: DosePlan | None
    title: str = "Design and its parameters"
    methods: str = ""
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """Parameter, value and meaning: the dose levels, then each design layer and its options."""
        rows = []
        if self.plan is not None:
            unit = self.plan.levels[0].unit
            rows.append(("Dose levels", ", ".join(f"{lv.amount:g}" for lv in self.plan.levels) + f" {unit}",
                         f"{len(self.plan.levels)} levels of the escalation"))
        if self.design is None:
            rows.append(("Design", "not given", "[design] in the readout configuration names it; without it the "
                                                "cohorts are shown without the design's decisions"))
        layer = self.design
        while layer is not None:
            rows.append(("Design" if layer is self.design else "Base design", layer.name,
                         f"{layer.title}. {layer.citation}"))
            inner = None
            for spec in options_of(type(layer)):
                value = getattr(layer, spec.name)
                if spec.kind == "design":
                    inner = value
                else:
                    rows.append((spec.name, "none" if value is None else str(value), spec.help))
            layer = inner
        return pd.DataFrame(rows, columns=["Parameter", "Value", "Meaning"])

    def to_dict(self) -> dict:
        return to_json_ready({"design": None if self.design is None else self.design.to_dict(),
                              "dose_levels": None if self.plan is None else [lv.amount for lv in self.plan.levels]})


@dataclass(frozen=True)
class EscalationResult(AnalysisResult):
    """The cohorts of the trial, the design's decision after each, and the recommended dose.

    Attributes
    ----------
    patients : pandas.DataFrame
        :func:`derive_cohorts`.
    cohorts : tuple of CohortReplay
        Empty without cohort data; decisions empty without a design.
    selection : MTDSelection or None
        The design's MTD selection on the replayed cohorts.
    mtd_statement : str
        The readout's MTD statement (:mod:`doseflow.readout.safety.dlt`).
    recommended : str
        The recommended dose in one sentence.
    cutoff : pandas.Timestamp or NaT
        The latest date in the data (last date known alive or death).
    palette : DosePalette
    """

    patients: pd.DataFrame
    cohorts: tuple[CohortReplay, ...]
    selection: Any
    mtd_statement: str
    recommended: str
    cutoff: Any
    palette: DosePalette = field(default_factory=DosePalette)
    title: str = "Escalation: cohorts, decisions and the recommended dose"
    methods: str = ""
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """The cohort table (one row per escalation cohort, then the expansion), or one row per dose group.

        "Dose (level)" reads "3.6 mg/kg (3)"; the expansion row gives the patients per level.
        """
        p = self.patients
        label = p.drop_duplicates("DOSE_LEVEL").set_index("DOSE_LEVEL")["DOSE_GROUP"]
        if not self.cohorts:
            g = p.groupby(["DOSE_LEVEL", "DOSE_GROUP"], sort=True, observed=True)
            return pd.DataFrame({
                "Dose group": [k[1] for k in g.groups], "Patients": g.size().to_numpy(),
                "First dose, first patient": g["TRTSDT"].min().dt.strftime("%Y-%m-%d").to_numpy(),
                "First dose, last patient": g["TRTSDT"].max().dt.strftime("%Y-%m-%d").to_numpy(),
                "Patients with DLT": [_dlt_count(d) for _, d in g]})
        rows = []
        for c in self.cohorts:
            d = p[p["USUBJID"].isin(c.patients)]
            rows.append({"Cohort": str(c.cohort), "Dose (level)": f"{label.get(c.level, '')} ({c.level})",
                         "Patients": len(c.patients), "First dose": d["TRTSDT"].min().strftime("%Y-%m-%d"),
                         "Patients with DLT": _dlt_count(d), "Outcome": c.outcome,
                         "Recommended level": "" if c.recommended is None else str(c.recommended),
                         "Decision after the cohort": _decision_words(c, label), "Reason": c.reason})
        exp = p[p["part"] == "expansion"]
        if len(exp):
            per = exp.groupby("DOSE_LEVEL")["USUBJID"].size()
            rows.append({"Cohort": "expansion", "Dose (level)": ", ".join(f"{label.get(k, k)} ({int(k)}): {v}"
                                                                         for k, v in per.items()),
                         "Patients": len(exp), "First dose": exp["TRTSDT"].min().strftime("%Y-%m-%d"),
                         "Patients with DLT": _dlt_count(exp), "Outcome": "", "Recommended level": "",
                         "Decision after the cohort": "",
                         "Reason": "Expansion at cleared dose levels after the escalation ended."})
        out = pd.DataFrame(rows)
        if all(c.recommended is None for c in self.cohorts):
            out = out.drop(columns=["Recommended level", "Decision after the cohort", "Reason"])
        return out

    def to_dict(self) -> dict:
        p = self.patients
        return to_json_ready({
            "n_escalation": int((p["part"] == "escalation").sum()), "n_expansion": int((p["part"] == "expansion").sum()),
            "cohorts": [{"cohort": c.cohort, "level": c.level, "n": len(c.patients), "outcome": c.outcome,
                         "recommended": c.recommended, "decision": c.decision, "next_level": c.next_level,
                         "reason": c.reason, "rule": c.rule} for c in self.cohorts],
            "n_cohorts": len(self.cohorts) or None,
            "design_mtd": None if self.selection is None else self.selection.to_dict(),
            "recommended_dose": self.recommended_dose,
            "mtd_statement": self.mtd_statement, "recommended": self.recommended,
            "data_cutoff": None if pd.isna(self.cutoff) else pd.Timestamp(self.cutoff).date().isoformat()})

    @property
    def recommended_dose(self) -> str | None:
        """The dose the design selects ("8.4 mg/kg"), or None without a design or a selection."""
        if self.selection is None or self.selection.dose is None:
            return None
        p = self.patients
        label = p.drop_duplicates("DOSE_LEVEL").set_index("DOSE_LEVEL")["DOSE_GROUP"]
        return str(label.get(self.selection.dose, f"level {self.selection.dose}"))

    def figure(self):
        return plot_escalation(self)


def _dlt_count(d: pd.DataFrame) -> str:
    if d["dlt"].isna().all():
        return "not recorded"
    return str(int(has_dlt(d["dlt"]).sum()))


def _decision_words(c: CohortReplay, label: pd.Series) -> str:
    if not c.decision:
        return ""
    if c.next_level is None:
        return c.decision
    return f"{c.decision} (level {c.next_level}, {label.get(c.next_level, '')})".replace(", )", ")")


def tabulate_escalation(adsl: pd.DataFrame, dlt: Any, *, design: Any, plan: DosePlan | None, grades: pd.Series | None,
                        palette: DosePalette) -> EscalationResult:
    """The escalation story of the trial (module docstring).

    Parameters
    ----------
    adsl : pandas.DataFrame
        With COHORT and PART when the data carry them, and LSTALVDT/DTHDT for the cut-off.
    dlt : DLTResult or None
        The readout's DLT table (its ``subjects`` and ``statement``).
    design : doseflow design or None
        The design the trial followed (``[design]``).
    plan : DosePlan or None
        The escalation's dose levels (None when the groups are arms: no replay).
    grades : pandas.Series or None
        :func:`compute_window_grades`.
    palette : DosePalette

    Returns
    -------
    EscalationResult
    """
    patients = derive_cohorts(adsl, None if dlt is None else dlt.subjects, grades)
    notes, cohorts, selection = [], (), None
    has_cohorts = patients["cohort"].notna().any()
    if not has_cohorts:
        notes.append(f"The data carry no cohort variable (DM or SUPPDM {COHORT_VARIABLE}), so the patients are shown "
                     "by the date of their first dose and no cohort table or replay of the design is possible.")
    if design is None:
        notes.append("No design was given ([design] in the readout configuration), so the cohorts are shown without "
                     "the design's decisions.")
    if has_cohorts:
        if design is not None and plan is not None:
            rows, selection = replay_design(design, plan, patients)
            cohorts = tuple(rows)
            off = [c for c in rows if c.recommended is not None and c.recommended != c.level]
            if off:
                notes.append("Cohort(s) enrolled at a level other than the design's recommendation: "
                             + "; ".join(f"cohort {c.cohort} at level {c.level} (recommended {c.recommended})"
                                         for c in off) + ".")
        else:
            esc = patients[patients["cohort"].notna()]
            cohorts = tuple(CohortReplay(int(k), int(g["DOSE_LEVEL"].iloc[0]), tuple(g["USUBJID"]), _outcome(g))
                            for k, g in esc.groupby(esc["cohort"].astype(int), sort=True))
    last = [c for c in ("LSTALVDT", "DTHDT") if c in adsl.columns]
    cutoff = pd.concat([calendar_date(adsl[c]) for c in last]).max() if last else pd.NaT
    mtd_statement = "DLTs were not tabulated." if dlt is None else dlt.statement
    recommended = _recommended(selection, plan, patients, mtd_statement)
    methods = ("Cohorts and study parts from the data (DM or SUPPDM COHORT, 0 = expansion or backfill, and PART); "
               "DLTs and DLT-evaluable patients as in the DLT table. "
               + ("The escalation cohorts are replayed in order through the design the trial followed: before each "
                  "cohort the design's recommended level, after it the design's decision with the rule that fired "
                  "(its reason), and at the end the design's MTD selection; patients who were not DLT-evaluable are "
                  "not counted, and the worst grade of related TEAEs in the DLT window is the grade accelerated "
                  "titration reads (Simon et al. 1997). " if cohorts and cohorts[0].recommended is not None else "")
               + "The latest date in the data is the last date known alive or of death; the data do not state the "
                 "data cut-off, which is on or after it.")
    return EscalationResult(patients=patients, cohorts=cohorts, selection=selection, mtd_statement=mtd_statement,
                            recommended=recommended, cutoff=cutoff, palette=palette, methods=methods,
                            notes=tuple(notes))


def _outcome(g: pd.DataFrame) -> str:
    letters = "".join("P" if not e or d is None or pd.isna(d) else ("T" if d else "N")
                      for e, d in zip(g["evaluable"], g["dlt"]))
    return f"{int(g['DOSE_LEVEL'].iloc[0])}{letters}"


def _recommended(selection: Any, plan: DosePlan | None, patients: pd.DataFrame, mtd_statement: str) -> str:
    """The recommended dose in one sentence: the design's MTD, or the highest level cleared."""
    if selection is None or plan is None:
        return f"Recommended dose: not stated (no design replayed). Readout: {mtd_statement}"
    if selection.dose is not None:
        lv = plan.levels[selection.dose - 1]
        return (f"Recommended dose: {lv.amount:g} {lv.unit} (level {selection.dose}), the design's selection: "
                f"{selection.reason} Readout: {mtd_statement}")
    top = int(patients["DOSE_LEVEL"].max())
    lv = plan.levels[top - 1]
    return (f"No dose is recommended by the design: {selection.reason} The highest dose tested is {lv.amount:g} "
            f"{lv.unit} (level {top}). Readout: {mtd_statement}")
