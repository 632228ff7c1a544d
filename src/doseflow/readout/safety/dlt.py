"""Dose-limiting toxicities per dose level, the DLT rate, and the MTD by the design's 3+3 rule.

DLTs are adjudicated by the sponsor's safety review and recorded as a sponsor variable:
an AE column (e.g. ``AEDLT = "Y"``) or a SUPPAE record (QNAM ``AEDLT``, keyed by AESEQ).
SDTM has no standard DLT variable, so the name is configurable; when the data have none,
the result says so instead of reporting zero DLTs.

Rules
-----
DLT
    An AE flagged DLT that starts within study days 1 to ``window_days`` (day 1 = first
    dose; the start date imputed as for TEAEs); a flagged AE without a start date counts
    (conservatively), one outside the window does not; both are noted.
DLT-evaluable (``evaluable="window"``, the default)
    A treated patient who had a DLT, or who was followed to the end of the DLT window: the
    last date known alive (ADSL LSTALVDT when present, else the last dose, and any AE date
    of the patient) is on or after study day ``window_days``. ``evaluable="treated"`` counts
    every treated patient; ``evaluable_var`` names an ADSL flag ("Y") set by the sponsor
    instead. Protocols define evaluability in these words (Le Tourneau et al. 2009).
DLT rate
    Patients with a DLT over DLT-evaluable patients, with the exact (Clopper-Pearson) 95%
    interval; its upper limit is the one-sided 97.5% upper bound (0/32: 10.9%).
MTD
    The rule of :class:`doseflow.designs.ThreePlusThree` (Storer 1989, variant B), called
    on the DLT-evaluable patients and DLTs of each dose level: the readout has no 3+3 rule
    of its own, so the MTD it states is the one the design selects. The dose levels are
    :func:`doseflow.readout.groups.compute_dose_plan` of the active groups; placebo groups
    are listed but not part of the rule, and arms that are not dose levels get no MTD.

References
----------
Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;45:925-37.
Le Tourneau C, Lee JJ, Siu LL. Dose escalation methods in phase I cancer clinical trials.
J Natl Cancer Inst 2009;101:708-20 (DLT definitions, windows, evaluability).
Clopper CJ, Pearson ES. Biometrika 1934;26:404-13.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from doseflow.checks import check_choice, check_int, check_probability
from doseflow.core import DosePlan, MTDSelection, TrialState
from doseflow.designs import ThreePlusThree
from doseflow.errors import DataError
from doseflow.readout.binomial import compute_clopper_pearson
from doseflow.readout.groups import compute_dose_plan, group_labels, placebo_groups, pooled_label, population_n
from doseflow.readout.inputs import calendar_date, upper_text, validate_columns, validate_numeric
from doseflow.readout.result import AnalysisResult
from doseflow.readout.safety.flags import derive_teae

__all__ = ["DLTResult", "tabulate_dlt", "describe_mtd", "EVALUABLE_RULES"]

EVALUABLE_RULES = ("window", "treated")
_RULE = "3+3 rule of doseflow.designs.ThreePlusThree (Storer 1989, variant B)"


def describe_mtd(selection: MTDSelection, plan: DosePlan, n: np.ndarray, n_dlt: np.ndarray) -> tuple[int | None, str]:
    """The MTD level and one sentence for the reader, from the design's selection.

    Parameters
    ----------
    selection : MTDSelection
        ``ThreePlusThree().select_mtd(state)``.
    plan : DosePlan
        The dose levels (labels name them in the sentence).
    n, n_dlt : array of int
        DLT-evaluable patients and patients with a DLT per level, lowest first.

    Returns
    -------
    (int or None, str)
        The 1-based MTD level (None when the design selects none, or reports the top level
        as cleared: "not reached") and the statement.

    Examples
    --------
    >>> plan = DosePlan.from_amounts([1.2, 2.4, 3.6], "mg/kg")
    >>> state = TrialState.from_counts(plan, [6, 12, 3], [0, 2, 0])
    >>> describe_mtd(ThreePlusThree().select_mtd(state), plan, [6, 12, 3], [0, 2, 0])[0]
    1
    """
    labels = [str(level) if level.label.startswith("DL") else level.label for level in plan]
    counts = ", ".join(f"{lab} {d}/{m}" for lab, d, m in zip(labels, n_dlt, n) if d > 0)
    top = labels[-1]
    if selection.rule == "3+3.mtd_found" and selection.dose is not None:
        k = selection.dose - 1
        return selection.dose, (f"The MTD is {labels[k]} by the {_RULE}: the highest level with at most 1 DLT in at "
                                f"least 6 patients ({n_dlt[k]}/{n[k]}) below any level with 2 or more patients with "
                                f"DLT (patients with DLT: {counts}).")
    exceeded = np.flatnonzero(np.asarray(n_dlt) >= 2)
    if exceeded.size == 0:
        if sum(n_dlt) == 0:
            return None, f"No DLT at any dose level; the MTD was not reached up to {top}, the highest dose tested."
        return None, (f"No dose level had 2 or more patients with DLT (patients with DLT: {counts}); by the {_RULE} "
                      f"the MTD was not reached up to {top}, the highest dose tested.")
    x = int(exceeded[0])
    over = f"{labels[x]} had {n_dlt[x]}/{n[x]} patients with DLT"
    if x == 0:
        return None, f"No MTD by the {_RULE}: the lowest dose, {over}."
    return None, (f"No MTD by the {_RULE}: {over}, and no level below it has at most 1 DLT in at least 6 patients "
                  f"(patients with DLT: {counts}).")


@dataclass(frozen=True)
class DLTResult(AnalysisResult):
    """Treated and DLT-evaluable patients, patients with a DLT, the DLT rate per dose level; the MTD.

    Attributes
    ----------
    levels : pandas.DataFrame
        One row per dose group, then the pooled row (``level`` NA): ``level`` (1-based),
        ``dose_group``, ``n_treated``, ``n`` (DLT-evaluable), ``n_dlt`` (NaN when DLTs are
        not recorded), ``rate``, ``ci_low``, ``ci_high`` (exact interval), ``events`` (text).
    recorded : bool
        Whether the data hold a DLT variable.
    mtd_level : int or None
        1-based MTD level by the design's 3+3 rule; None when not established or not reached.
    selection : MTDSelection or None
        The design's selection, as :meth:`ThreePlusThree.select_mtd` returned it (None when
        DLTs are not recorded or the groups are not dose levels).
    statement : str
        The MTD statement, one sentence.
    alpha : float
        1 - confidence level of the DLT-rate interval.
    subjects : pandas.DataFrame
        One row per treated patient: USUBJID, ``dose_group``, ``level``, ``evaluable``
        (bool), ``dlt`` (bool; None when DLTs are not recorded) and ``events`` (its DLTs).
    """

    levels: pd.DataFrame
    recorded: bool
    mtd_level: int | None
    selection: MTDSelection | None
    statement: str
    alpha: float
    title: str
    methods: str
    notes: tuple[str, ...] = ()
    subjects: pd.DataFrame = field(default_factory=pd.DataFrame)

    def table(self) -> pd.DataFrame:
        """Dose level, dose, treated, DLT-evaluable, patients with DLT, DLT rate (exact CI), DLTs."""
        lv = self.levels
        conf = f"{100 * (1 - self.alpha):g}% CI"

        def rate(r) -> str:
            if not self.recorded:
                return "not recorded"
            if r.n == 0:
                return "NE"
            return f"{100 * r.rate:.1f}% ({100 * r.ci_low:.1f}-{100 * r.ci_high:.1f})"

        return pd.DataFrame({
            "Dose level": ["" if pd.isna(v) else str(int(v)) for v in lv["level"]],
            "Dose": lv["dose_group"],
            "Treated": lv["n_treated"].astype(int),
            "DLT-evaluable patients": lv["n"].astype(int),
            "Patients with DLT": ["not recorded" if not self.recorded else str(int(v)) for v in lv["n_dlt"]],
            f"DLT rate ({conf})": [rate(r) for r in lv.itertuples()],
            "DLTs": ["" if not self.recorded else e for e in lv["events"]],
        })

    def to_dict(self) -> dict:
        def record(r) -> dict:
            return {"level": None if pd.isna(r.level) else int(r.level), "dose": r.dose_group,
                    "n_treated": int(r.n_treated), "n": int(r.n),
                    "n_dlt": None if not self.recorded else int(r.n_dlt),
                    "rate": None if not self.recorded or r.n == 0 else float(r.rate),
                    "ci": None if not self.recorded or r.n == 0 else [float(r.ci_low), float(r.ci_high)]}

        rows = [record(r) for r in self.levels.itertuples()]
        return {
            "recorded": self.recorded,
            "levels": rows[:-1],
            "pooled": rows[-1],
            "confidence": 1 - self.alpha,
            "mtd_level": self.mtd_level,
            "mtd_rule": None if self.selection is None else self.selection.rule,
            "statement": self.statement,
        }


def _dlt_flags(ae: pd.DataFrame, suppae: pd.DataFrame | None, dlt_var: str) -> pd.Series | None:
    """"Y"/"N" DLT flag per AE record from an AE column or SUPPAE; None when not recorded."""
    if dlt_var in ae.columns:
        return upper_text(ae[dlt_var]).eq("Y")
    if suppae is None:
        return None
    validate_columns(suppae, "suppae", ("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"))
    rows = suppae[upper_text(suppae["QNAM"]) == dlt_var.upper()]
    if rows.empty:
        return None
    idvar = set(upper_text(rows["IDVAR"]).dropna())
    if idvar != {"AESEQ"}:
        raise DataError(f"suppae QNAM {dlt_var} variable IDVAR", "AESEQ (the key of AE records)", sorted(idvar))
    validate_columns(ae, "ae", ("AESEQ",))
    key = pd.DataFrame({"USUBJID": rows["USUBJID"].astype(str).to_numpy(),
                        "AESEQ": validate_numeric(rows, "suppae", "IDVARVAL").to_numpy(),
                        "flag": upper_text(rows["QVAL"]).eq("Y").to_numpy()})
    if key.duplicated(["USUBJID", "AESEQ"]).any():
        raise DataError(f"suppae QNAM {dlt_var}", "one record per AE", "duplicates")
    left = pd.DataFrame({"USUBJID": ae["USUBJID"].astype(str).to_numpy(),
                         "AESEQ": validate_numeric(ae, "ae", "AESEQ").to_numpy()})
    return pd.Series(left.merge(key, how="left", on=["USUBJID", "AESEQ"])["flag"].eq(True).to_numpy(),
                     index=ae.index)


def _last_known_alive(safe: pd.DataFrame, ev: pd.DataFrame) -> pd.Series:
    """Per treated subject: the latest of ADSL LSTALVDT (when present), TRTEDT and its AE start/end dates."""
    dates = [calendar_date(safe["TRTEDT"])]
    if "LSTALVDT" in safe.columns:
        dates.append(calendar_date(safe["LSTALVDT"]))
    frame = pd.concat(dates, axis=1).max(axis=1)
    frame.index = safe["USUBJID"].astype(str).to_numpy()
    ae_dates = pd.concat([ev["ASTDT"], ev["AENDT"]]).groupby(
        pd.concat([ev["USUBJID"], ev["USUBJID"]]).astype(str).to_numpy()).max()
    return pd.concat([frame, calendar_date(ae_dates.reindex(frame.index))], axis=1).max(axis=1)


def tabulate_dlt(
    ae: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    dlt_var: str = "AEDLT",
    window_days: int = 21,
    suppae: pd.DataFrame | None = None,
    evaluable: str = "window",
    evaluable_var: str | None = None,
    alpha: float = 0.05,
    unknown_subjects: str = "error",
) -> DLTResult:
    """DLTs per dose level within the DLT window, the DLT rate, and the MTD by the design's 3+3 rule.

    Parameters
    ----------
    ae : pandas.DataFrame
        SDTM AE with USUBJID, AESTDTC, AEDECOD (AETOXGR/AESEV shown when present), and the
        DLT flag column ``dlt_var`` ("Y" = DLT) unless it is in SUPPAE.
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl` (SAFFL, TRTSDT, TRTEDT, DOSE,
        DOSE_GROUP, DOSE_LEVEL; LSTALVDT used when present).
    dlt_var : str
        Name of the DLT flag: an AE column, or a SUPPAE QNAM keyed by AESEQ.
    window_days : int, >= 1
        DLT assessment window: study days 1 to ``window_days`` (day 1 = TRTSDT), e.g. 21
        for cycle 1 of a 21-day schedule.
    suppae : pandas.DataFrame, optional
        SUPPAE, searched when AE has no column ``dlt_var``.
    evaluable : {"window", "treated"}
        Who is DLT-evaluable (module docstring): followed to the end of the window or had a
        DLT (default), or every treated patient.
    evaluable_var : str, optional
        ADSL flag ("Y") of DLT-evaluable subjects set by the sponsor; overrides ``evaluable``.
    alpha : float in (0, 1)
        1 - confidence level of the exact interval of the DLT rate.
    unknown_subjects : {"error", "note"}
        As for :func:`~doseflow.readout.safety.incidence.tabulate_ae_incidence`.

    Returns
    -------
    DLTResult

    Raises
    ------
    DataError
        Missing variables, unknown subjects, a SUPPAE DLT record not keyed by AESEQ.
    ConfigError
        Bad ``window_days``, ``evaluable`` or ``alpha``.

    Notes
    -----
    A level's "patients with DLT" counts subjects once. The MTD is
    ``ThreePlusThree().select_mtd(TrialState.from_counts(plan, n, n_dlt))`` with ``n`` the
    DLT-evaluable patients of each dose level (see the module docstring).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": "Y", "DOSE": [1.2, 1.2, 1.2],
    ...     "DOSE_GROUP": "1.2 mg/kg", "DOSE_LEVEL": 1,
    ...     "TRTSDT": pd.to_datetime(["2022-01-03"] * 3), "TRTEDT": pd.to_datetime(["2022-03-01"] * 3)})
    >>> ae = pd.DataFrame({"USUBJID": ["a"], "AESTDTC": ["2022-01-05"], "AEDECOD": ["NAUSEA"]})
    >>> tabulate_dlt(ae, adsl).statement
    'DLTs were not recorded in these data (no AEDLT in AE or SUPPAE); no MTD statement can be made.'
    """
    window_days = check_int(window_days, "window_days", minimum=1)
    evaluable = check_choice(evaluable, "evaluable", EVALUABLE_RULES)
    alpha = check_probability(alpha, "alpha")
    validate_columns(adsl, "adsl", ("USUBJID", "SAFFL", "TRTSDT", "TRTEDT", "DOSE_GROUP", "DOSE_LEVEL"))
    validate_columns(ae, "ae", ("USUBJID", "AESTDTC"))
    notes: list[str] = []
    ev = derive_teae(ae, adsl, unknown_subjects=unknown_subjects)
    unknown = ev["TRTEMRUL"] == "not in ADSL"
    if unknown.any():
        notes.append(f"{int(unknown.sum())} AE record(s) of subjects not in ADSL were not considered.")
    safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"]
    keyed = safe.assign(USUBJID=safe["USUBJID"].astype(str)).set_index("USUBJID")
    n_treated = population_n(adsl, "DOSE_GROUP")
    level_of = keyed.groupby(group_labels(keyed, "DOSE_GROUP"))["DOSE_LEVEL"].min()
    groups = list(n_treated.index)

    flags = _dlt_flags(ae, suppae, dlt_var)
    recorded = flags is not None
    dlt_subjects: pd.Series = pd.Series(dtype=object)
    events = pd.Series("", index=groups, dtype=object)
    subject_events = pd.Series(dtype=object)
    if recorded:
        flagged = ev[flags.to_numpy() & ev["USUBJID"].astype(str).isin(keyed.index).to_numpy()].copy()
        start = keyed["TRTSDT"].reindex(flagged["USUBJID"].astype(str)).dt.normalize().to_numpy()
        day = (flagged["ASTDT"].to_numpy() - start) / np.timedelta64(1, "D") + 1
        no_start = np.isnan(day)
        inside = no_start | ((day >= 1) & (day <= window_days))
        if no_start.any():
            notes.append(f"{int(no_start.sum())} DLT-flagged AE(s) without a start date were counted as DLTs.")
        if (~inside).any():
            notes.append(f"{int((~inside).sum())} DLT-flagged AE(s) started outside study days 1-{window_days} "
                         "and were not counted as DLTs.")
        flagged = flagged[inside]
        flagged["GROUP"] = flagged["USUBJID"].astype(str).map(group_labels(keyed, "DOSE_GROUP"))
        grade = flagged["AETOXGR"] if "AETOXGR" in flagged.columns else pd.Series(np.nan, index=flagged.index)
        term = flagged["AEDECOD"] if "AEDECOD" in flagged.columns else flagged.get(
            "AETERM", pd.Series("DLT", index=flagged.index))
        flagged["label"] = [f"{t} (grade {int(float(g))})" if pd.notna(g) else str(t) for t, g in zip(term, grade)]
        dlt_subjects = flagged.groupby("GROUP")["USUBJID"].agg(lambda s: set(s.astype(str)))
        subject_events = flagged.groupby(flagged["USUBJID"].astype(str))["label"].agg(
            lambda s: "; ".join(sorted(set(s))))
        events = flagged.groupby("GROUP")["label"].agg(lambda s: "; ".join(sorted(set(s)))).reindex(groups).fillna("")

    # DLT-evaluable patients
    had_dlt = set().union(*dlt_subjects.tolist()) if len(dlt_subjects) else set()
    if evaluable_var is not None:
        validate_columns(adsl, "adsl", (evaluable_var,))
        is_eval = upper_text(keyed[evaluable_var]).eq("Y")
        rule_words = f"the sponsor's ADSL flag {evaluable_var} = 'Y'"
    elif evaluable == "treated":
        is_eval = pd.Series(True, index=keyed.index)
        rule_words = "every treated patient (SAFFL Y)"
    else:
        last = _last_known_alive(keyed.reset_index(), ev[ev["USUBJID"].astype(str).isin(keyed.index)])
        end = calendar_date(keyed["TRTSDT"]) + pd.Timedelta(days=window_days - 1)
        is_eval = (last.reindex(keyed.index) >= end) | keyed.index.isin(had_dlt)
        rule_words = (f"a treated patient followed to study day {window_days} (last date known alive on or after "
                      "it) or who had a DLT")
    is_eval = is_eval.fillna(False).astype(bool)
    n_eval = is_eval.groupby(group_labels(keyed, "DOSE_GROUP")).sum().reindex(groups).fillna(0).astype(int)
    not_eval = keyed.index[~is_eval.to_numpy()]
    if len(not_eval):
        notes.append(f"{len(not_eval)} treated patient(s) were not DLT-evaluable ({rule_words} is evaluable): "
                     + ", ".join(not_eval[:10]) + (" ..." if len(not_eval) > 10 else "") + ".")

    placebo = placebo_groups(adsl)
    active = [g for g in groups if g not in placebo]
    n_dlt = pd.Series([len(dlt_subjects.get(g, ())) for g in groups], index=groups, dtype=float)
    levels = pd.DataFrame({"level": pd.array([int(level_of[g]) for g in groups], dtype="Int64"),
                           "dose_group": groups, "n_treated": n_treated.to_numpy(), "n": n_eval.to_numpy(),
                           "n_dlt": n_dlt.to_numpy() if recorded else np.nan, "events": events.to_numpy()})
    pool = pooled_label(groups, placebo)
    pooled = levels[levels["dose_group"].isin(active)]
    levels = pd.concat([levels, pd.DataFrame({
        "level": pd.array([pd.NA], dtype="Int64"), "dose_group": [pool],
        "n_treated": [int(pooled["n_treated"].sum())], "n": [int(pooled["n"].sum())],
        "n_dlt": [float(pooled["n_dlt"].sum()) if recorded else np.nan], "events": [""]})], ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        levels["rate"] = np.where(levels["n"] > 0, levels["n_dlt"] / levels["n"].where(levels["n"] > 0, 1), np.nan)
    if recorded:
        lo, hi = compute_clopper_pearson(levels["n_dlt"].to_numpy(), levels["n"].to_numpy(), alpha=alpha)
    else:
        lo = hi = np.full(len(levels), np.nan)
    levels["ci_low"], levels["ci_high"] = lo, hi

    selection, mtd = None, None
    if not recorded:
        notes.append(f"No DLT variable ({dlt_var}) in AE or SUPPAE: DLTs were not recorded in these data.")
        statement = f"DLTs were not recorded in these data (no {dlt_var} in AE or SUPPAE); no MTD statement can be made."
    else:
        plan = compute_dose_plan(adsl)
        if placebo:
            notes.append("Placebo groups are listed but not part of the MTD rule.")
        if plan is None:
            statement = ("The treatment groups are arms, not the dose levels of an escalation, so no MTD is selected "
                         "by the 3+3 rule.")
        else:
            act = levels.set_index("dose_group").loc[[lv.label for lv in plan]]
            n_arr, d_arr = act["n"].to_numpy(dtype=int), act["n_dlt"].to_numpy(dtype=int)
            selection = ThreePlusThree().select_mtd(TrialState.from_counts(plan, n_arr, d_arr))
            mtd, statement = describe_mtd(selection, plan, n_arr, d_arr)
    conf = f"{100 * (1 - alpha):g}%"
    methods = (f"Dose-limiting toxicities (DLTs) are AEs flagged {dlt_var} = 'Y' by the sponsor that start within "
               f"study days 1-{window_days} of the first dose (a partial start date is completed as for TEAEs). "
               f"DLT-evaluable: {rule_words}. Patients with a DLT are counted once per level; the DLT rate is patients "
               f"with a DLT over DLT-evaluable patients with the exact (Clopper-Pearson) {conf} interval, whose upper "
               f"limit is the one-sided {100 * (1 - alpha / 2):g}% upper bound. The MTD is selected by the {_RULE}, "
               "the rule the design applies (doseflow.designs.ThreePlusThree.select_mtd on the DLT-evaluable patients "
               "and DLTs of each dose level): a level with 2 or more patients with DLT exceeds the MTD; the MTD is the "
               "highest level below it with at most 1 DLT in at least 6 patients.")
    subjects = pd.DataFrame({
        "USUBJID": keyed.index, "dose_group": group_labels(keyed, "DOSE_GROUP").to_numpy(),
        "level": keyed["DOSE_LEVEL"].to_numpy(), "evaluable": is_eval.reindex(keyed.index).to_numpy(dtype=bool),
        "dlt": [i in had_dlt for i in keyed.index] if recorded else [None] * len(keyed),
        "events": subject_events.reindex(keyed.index).fillna("").to_numpy()})
    return DLTResult(levels=levels[["level", "dose_group", "n_treated", "n", "n_dlt", "rate", "ci_low", "ci_high",
                                    "events"]], recorded=recorded, mtd_level=mtd, selection=selection,
                     statement=statement, alpha=alpha, subjects=subjects,
                     title=f"Dose-limiting toxicities by dose level (DLT window {window_days} days)", methods=methods,
                     notes=tuple(notes))
