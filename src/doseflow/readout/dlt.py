"""Dose-limiting toxicities per dose level and the MTD statement of a dose-escalation trial.

DLTs are adjudicated by the sponsor's safety review and recorded as a sponsor variable:
an AE column (e.g. ``AEDLT = "Y"``) or a SUPPAE record (QNAM ``AEDLT``, keyed by AESEQ).
SDTM has no standard DLT variable, so the name is configurable; when the data have none,
the result says so instead of reporting zero DLTs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from doseflow.checks import check_int
from doseflow.errors import DataError
from doseflow.readout.adsl import population_n, upper_text, validate_columns, validate_numeric
from doseflow.readout.result import AnalysisResult
from doseflow.readout.safety_flags import derive_teae

__all__ = ["DLTResult", "tabulate_dlt", "compute_mtd_3plus3"]

_RULE = "3+3 rule (Storer 1989)"


def compute_mtd_3plus3(n: Sequence[int], n_dlt: Sequence[int], labels: Sequence[str]) -> tuple[int | None, str]:
    """The MTD by the 3+3 rule from patients and DLTs per level, with a plain sentence.

    Parameters
    ----------
    n, n_dlt : sequence of int
        DLT-evaluable patients and patients with a DLT at each level, lowest dose first.
    labels : sequence of str
        Dose labels for the sentence, e.g. ``"3.6 mg/kg"``.

    Returns
    -------
    (int or None, str)
        The 1-based MTD level (None when no MTD is established or it was not reached) and
        the statement.

    Notes
    -----
    Storer's (1989) design, classical variant: a level *exceeds* the MTD when 2 or more of
    its patients (of 3 or of 6) have a DLT; the MTD is the highest level below the lowest
    exceeding level that has at most 1 DLT in 6 patients. For levels with more than 6
    patients (expansion, backfill) the same bounds are read as proportions: exceeded when
    :math:`d \\ge 2` and :math:`d/n > 1/6`, acceptable as MTD when :math:`n \\ge 6` and
    :math:`d/n \\le 1/6`. When no level exceeds the MTD it was not reached up to the
    highest dose tested.

    References
    ----------
    Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;45:925-37.
    Le Tourneau C, Lee JJ, Siu LL. Dose escalation methods in phase I cancer clinical
    trials. J Natl Cancer Inst 2009;101:708-20.

    Examples
    --------
    >>> compute_mtd_3plus3([3, 6, 3], [0, 1, 2], ["1.2 mg/kg", "2.4 mg/kg", "3.6 mg/kg"])[1]
    'The MTD is 2.4 mg/kg by the 3+3 rule (Storer 1989): the highest level with at most 1 DLT in 6 patients (1/6); 3.6 mg/kg exceeded it (2/3).'
    """
    n_arr = np.asarray(n, dtype=int)
    d_arr = np.asarray(n_dlt, dtype=int)
    if n_arr.shape != d_arr.shape or len(labels) != n_arr.size or n_arr.size == 0:
        raise DataError("n, n_dlt, labels", "sequences of one equal, non-zero length",
                        (len(n_arr), len(d_arr), len(labels)))
    if (d_arr < 0).any() or (d_arr > n_arr).any():
        raise DataError("n_dlt", "between 0 and the patients at each level", d_arr.tolist())
    top = labels[-1]
    if d_arr.sum() == 0:
        return None, f"No DLT at any dose level; the MTD was not reached up to {top}, the highest dose tested."
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n_arr > 0, d_arr / np.maximum(n_arr, 1), 0.0)
    exceeded = (d_arr >= 2) & (rate > 1 / 6)
    acceptable = (n_arr >= 6) & (rate <= 1 / 6)
    counts = ", ".join(f"{lab} {d}/{m}" for lab, d, m in zip(labels, d_arr, n_arr) if d > 0)
    if not exceeded.any():
        return None, (f"No dose level exceeded the MTD by the {_RULE} (patients with DLT: {counts}); "
                      f"the MTD was not reached up to {top}, the highest dose tested.")
    x = int(np.flatnonzero(exceeded)[0])
    over = f"{labels[x]} exceeded it ({d_arr[x]}/{n_arr[x]})"
    if x == 0:
        return None, (f"The MTD was exceeded at the lowest dose, {labels[0]} ({d_arr[0]}/{n_arr[0]} patients with "
                      f"DLT); no MTD by the {_RULE}.")
    b = x - 1
    if acceptable[b]:
        return b + 1, (f"The MTD is {labels[b]} by the {_RULE}: the highest level with at most 1 DLT in 6 patients "
                       f"({d_arr[b]}/{n_arr[b]}); {over}.")
    return None, (f"The MTD is not established by the {_RULE}: {over}, and the level below, {labels[b]}, has "
                  f"{d_arr[b]}/{n_arr[b]} patients with DLT (the MTD needs at most 1 DLT in at least 6 patients).")


@dataclass(frozen=True)
class DLTResult(AnalysisResult):
    """DLT-evaluable patients, patients with a DLT and the events per dose level; the MTD statement.

    Attributes
    ----------
    levels : pandas.DataFrame
        One row per dose level: ``level`` (1-based), ``dose_group``, ``n`` (treated,
        DLT-evaluable), ``n_dlt`` (NaN when DLTs are not recorded), ``events`` (text).
    recorded : bool
        Whether the data hold a DLT variable.
    mtd_level : int or None
        1-based MTD level by the 3+3 rule, None when not established or not reached.
    statement : str
        The MTD statement, one sentence.
    """

    levels: pd.DataFrame
    recorded: bool
    mtd_level: int | None
    statement: str
    title: str
    methods: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """Dose level, dose, treated (DLT-evaluable), patients with DLT ("not recorded" if absent), events."""
        lv = self.levels
        return pd.DataFrame({
            "Dose level": lv["level"].astype(int),
            "Dose": lv["dose_group"],
            "DLT-evaluable patients": lv["n"].astype(int),
            "Patients with DLT": ["not recorded" if not self.recorded else str(int(v)) for v in lv["n_dlt"]],
            "DLTs": ["" if not self.recorded else e for e in lv["events"]],
        })

    def to_dict(self) -> dict:
        return {
            "recorded": self.recorded,
            "levels": [{"level": int(r.level), "dose": r.dose_group, "n": int(r.n),
                        "n_dlt": None if not self.recorded else int(r.n_dlt)} for r in self.levels.itertuples()],
            "mtd_level": self.mtd_level,
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


def tabulate_dlt(
    ae: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    dlt_var: str = "AEDLT",
    window_days: int = 21,
    suppae: pd.DataFrame | None = None,
    evaluable_var: str | None = None,
    unknown_subjects: str = "error",
) -> DLTResult:
    """DLTs per dose level within the DLT window, and the MTD statement by the 3+3 rule.

    Parameters
    ----------
    ae : pandas.DataFrame
        SDTM AE with USUBJID, AESTDTC, AEDECOD (AETOXGR/AESEV shown when present), and the
        DLT flag column ``dlt_var`` ("Y" = DLT) unless it is in SUPPAE.
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl` (SAFFL, TRTSDT, DOSE_GROUP, DOSE_LEVEL).
    dlt_var : str
        Name of the DLT flag: an AE column, or a SUPPAE QNAM keyed by AESEQ.
    window_days : int, >= 1
        DLT assessment window: study days 1 to ``window_days`` (day 1 = TRTSDT), e.g. 21
        for cycle 1 of a 21-day schedule.
    suppae : pandas.DataFrame, optional
        SUPPAE, searched when AE has no column ``dlt_var``.
    evaluable_var : str, optional
        ADSL flag ("Y") of DLT-evaluable subjects; by default every treated subject
        (SAFFL "Y") is DLT-evaluable.
    unknown_subjects : {"error", "note"}
        As for :func:`~doseflow.readout.safety.tabulate_ae_incidence`.

    Returns
    -------
    DLTResult

    Raises
    ------
    DataError
        Missing variables, unknown subjects, a SUPPAE DLT record not keyed by AESEQ.

    Notes
    -----
    A DLT counts when its AE is flagged and starts within the window (start date imputed
    as in :func:`~doseflow.readout.safety_flags.derive_teae`); a flagged AE without a start
    date is counted (conservatively) and noted; flagged AEs outside the window are noted,
    not counted. A level's "patients with DLT" counts subjects once. Placebo/0-dose
    groups are listed but left out of the MTD rule. See :func:`compute_mtd_3plus3`.

    References
    ----------
    Storer BE. Biometrics 1989;45:925-37. Le Tourneau C et al. J Natl Cancer Inst
    2009;101:708-20 (DLT definitions and windows).

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
    validate_columns(adsl, "adsl", ("USUBJID", "SAFFL", "TRTSDT", "TRTEDT", "DOSE_GROUP", "DOSE_LEVEL"))
    validate_columns(ae, "ae", ("USUBJID", "AESTDTC"))
    notes: list[str] = []
    ev = derive_teae(ae, adsl, unknown_subjects=unknown_subjects)
    unknown = ev["TRTEMRUL"] == "not in ADSL"
    if unknown.any():
        notes.append(f"{int(unknown.sum())} AE record(s) of subjects not in ADSL were not considered.")
    pop = "SAFFL" if evaluable_var is None else evaluable_var
    if evaluable_var is not None:
        validate_columns(adsl, "adsl", (evaluable_var,))
    else:
        notes.append("Every treated subject (SAFFL Y) is taken as DLT-evaluable; no evaluability flag was given.")
    n_by_group = population_n(adsl, "DOSE_GROUP", population=pop)
    safe = adsl[adsl[pop].astype(str).str.upper() == "Y"]
    level_of = safe.groupby(safe["DOSE_GROUP"].astype(str))["DOSE_LEVEL"].min()
    levels = pd.DataFrame({"dose_group": n_by_group.index, "n": n_by_group.to_numpy()})
    levels["level"] = levels["dose_group"].map(level_of).astype(int)

    flags = _dlt_flags(ae, suppae, dlt_var)
    recorded = flags is not None
    if not recorded:
        notes.append(f"No DLT variable ({dlt_var}) in AE or SUPPAE: DLTs were not recorded in these data.")
        levels["n_dlt"] = np.nan
        levels["events"] = ""
        statement = f"DLTs were not recorded in these data (no {dlt_var} in AE or SUPPAE); no MTD statement can be made."
        mtd = None
    else:
        ev = ev[flags.to_numpy() & ev["USUBJID"].astype(str).isin(safe["USUBJID"].astype(str)).to_numpy()].copy()
        keyed = safe.assign(USUBJID=safe["USUBJID"].astype(str)).set_index("USUBJID")
        start = keyed["TRTSDT"].reindex(ev["USUBJID"].astype(str)).dt.normalize().to_numpy()
        day = (ev["ASTDT"].to_numpy() - start) / np.timedelta64(1, "D") + 1
        no_start = np.isnan(day)
        inside = no_start | ((day >= 1) & (day <= window_days))
        if no_start.any():
            notes.append(f"{int(no_start.sum())} DLT-flagged AE(s) without a start date were counted as DLTs.")
        if (~inside).any():
            notes.append(f"{int((~inside).sum())} DLT-flagged AE(s) started outside study days 1-{window_days} "
                         "and were not counted as DLTs.")
        ev = ev[inside]
        ev["GROUP"] = ev["USUBJID"].astype(str).map(keyed["DOSE_GROUP"].astype(str))
        grade = ev["AETOXGR"] if "AETOXGR" in ev.columns else pd.Series(np.nan, index=ev.index)
        term = ev["AEDECOD"] if "AEDECOD" in ev.columns else ev.get("AETERM", pd.Series("DLT", index=ev.index))
        ev["label"] = [f"{t} (grade {int(float(g))})" if pd.notna(g) else str(t) for t, g in zip(term, grade)]
        per = ev.groupby("GROUP")["USUBJID"].nunique()
        levels["n_dlt"] = levels["dose_group"].map(per).fillna(0).astype(int)
        text = ev.groupby("GROUP")["label"].agg(lambda s: "; ".join(sorted(set(s))))
        levels["events"] = levels["dose_group"].map(text).fillna("")
        dose = pd.to_numeric(safe.groupby(safe["DOSE_GROUP"].astype(str))["DOSE"].max(), errors="coerce") \
            if "DOSE" in safe.columns else pd.Series(dtype=float)
        active = ~levels["dose_group"].map(dose).eq(0).to_numpy() & (levels["dose_group"] != "Placebo").to_numpy()
        if (~active).any():
            notes.append("Placebo/0-dose groups are listed but not used in the MTD rule.")
        act = levels[active]
        mtd_idx, statement = compute_mtd_3plus3(act["n"].tolist(), act["n_dlt"].tolist(),
                                                act["dose_group"].tolist())
        mtd = None if mtd_idx is None else int(act["level"].iloc[mtd_idx - 1])
    methods = (f"Dose-limiting toxicities (DLTs) are AEs flagged {dlt_var} = 'Y' by the sponsor that start within "
               f"study days 1-{window_days} of the first dose (a partial start date is completed as for TEAEs). "
               "Patients with a DLT are counted once per level. The MTD statement applies the 3+3 rule (Storer 1989, "
               "classical variant): a level exceeds the MTD with 2 or more patients with DLT (proportion > 1/6 for "
               "more than 6 patients); the MTD is the highest level below it with at most 1 DLT in 6 patients.")
    return DLTResult(levels=levels[["level", "dose_group", "n", "n_dlt", "events"]], recorded=recorded,
                     mtd_level=mtd, statement=statement, title="Dose-limiting toxicities by dose level (DLT window "
                     f"{window_days} days)", methods=methods, notes=tuple(notes))
