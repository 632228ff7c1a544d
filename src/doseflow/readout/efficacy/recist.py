"""RECIST 1.1 overall responses and best overall response (BOR), with and without confirmation.

The rules follow Eisenhauer et al. (2009), "New response evaluation criteria in solid
tumours: revised RECIST guideline (version 1.1)", Eur J Cancer 45:228-247:

* sec. 4.3.4 and Table 1-3: the overall response per time point is CR, PR, SD,
  NON-CR/NON-PD (non-measurable disease only), PD or NE, as recorded in SDTM RS
  (``RSTESTCD = "OVRLRESP"``);
* sec. 4.4.1: the best overall response is the best response recorded from the start of
  treatment until disease progression; assessments after the first PD do not count;
* sec. 4.4.1, Table 3 footnotes, and sec. 4.4.2: when confirmation is required, CR and PR
  must be confirmed by a repeat assessment no less than 4 weeks (28 days) later, and SD
  must have been met at least once no less than a protocol-defined interval (usually
  6-8 weeks) after study entry.

The operational confirmation rules (what may lie between a response and its
confirmation) are those of admiralonco's ``derive_param_confirmed_bor()`` and
``derive_param_bor()`` (Bundfuss, Gormley et al., pharmaverse admiralonco 1.x):

* CR is confirmed by a later CR at least ``confirm_min_days`` later, with only CR or NE
  in between and at most ``max_ne_between`` NE;
* PR is confirmed by a later CR or PR at least ``confirm_min_days`` later, with only CR,
  PR, SD or NE in between, no PR after a CR in that period, at most ``max_ne_between``
  NE and (only if ``accept_sd``) at most one SD;
* an assessment of CR, PR or SD at least ``sd_min_days`` after the reference date counts
  as SD (so an unconfirmed CR/PR becomes SD when the SD criteria are met, else NE);
* NON-CR/NON-PD at least ``sd_min_days`` after the reference date counts as
  NON-CR/NON-PD (the SD analogue for subjects without measurable disease);
* the best is chosen in the order CR > PR > SD > NON-CR/NON-PD > PD > NE > MISSING; ties go
  to the earliest assessment.

Without confirmation every CR, PR and PD counts as recorded, SD and NON-CR/NON-PD count
only at least ``sd_min_days`` after the reference date (else NE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from doseflow.checks import check_choice, check_int
from doseflow.errors import ConfigError
from doseflow.readout.efficacy.assessments import (
    EVALUATORS,
    RESPONSE_VALUES,
    _reference_dates,
    derive_overall_responses,
)
from doseflow.readout.result import AnalysisResult, format_n_pct
from doseflow.standards.best_response import (
    BEST_RESPONSE_ORDER,
    CONFIRMED,
    NO_CONFIRMING_ASSESSMENT,
    NON_CR_NON_PD_BETWEEN,
    NOT_CR_BEFORE_CR,
    PR_AFTER_CR,
    SD_BETWEEN,
    TOO_MANY_NE_BETWEEN,
    compute_confirmations,
    compute_counted_responses,
)
from doseflow.standards.recist import NOT_DONE, code_responses, label_responses

__all__ = [
    "EVALUATORS",
    "RESPONSE_VALUES",
    "BOR_ORDER",
    "BestOverallResponse",
    "derive_overall_responses",
    "derive_best_overall_response",
]

BOR_ORDER = (*label_responses(np.array(BEST_RESPONSE_ORDER)).tolist(), "MISSING")
_RANK = {v: i for i, v in enumerate(BOR_ORDER)}
_DAY = pd.Timedelta(days=1)


def _grid(a: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Row and column of each assessment of ``a`` (sorted by USUBJID, ADT) in a subjects x assessments grid."""
    row = pd.factorize(a["USUBJID"])[0]
    col = a.groupby("USUBJID", sort=False).cumcount().to_numpy()
    return row, col, (int(row.max()) + 1 if len(a) else 0, int(col.max()) + 1 if len(a) else 0)


def _to_grid(grid: tuple[np.ndarray, np.ndarray, tuple[int, int]], values: np.ndarray, fill) -> np.ndarray:
    """``values`` (one per assessment) placed on ``grid`` (:func:`_grid`), ``fill`` elsewhere."""
    row, col, shape = grid
    out = np.full(shape, fill, dtype=values.dtype)
    out[row, col] = values
    return out


def _counted(a: pd.DataFrame, days: pd.Series, sd_min_days: int, confirmed: pd.Series | None) -> np.ndarray:
    """What each assessment of ``a`` counts as (:func:`doseflow.standards.best_response.compute_counted_responses`)."""
    grid = _grid(a)
    codes = _to_grid(grid, code_responses(a["AVALC"].to_numpy()), NOT_DONE)
    ok = None if confirmed is None else _to_grid(grid, confirmed.to_numpy(dtype=bool), False)
    counted = compute_counted_responses(codes, _to_grid(grid, days.to_numpy(dtype=float), np.nan),
                                        sd_min_days=sd_min_days, confirmed=ok)
    return label_responses(counted[grid[0], grid[1]])


def _confirm(a: pd.DataFrame, confirm_min_days: int, max_ne_between: int, accept_sd: bool) -> pd.DataFrame:
    """Confirmation of each CR/PR assessment; ``a`` sorted by USUBJID, ADT, index 0..n-1.

    Returns a frame indexed like the CR/PR rows of ``a`` with CONFDT, CONFIRMED, NE_BETWEEN
    and WHY (reason when not confirmed), from
    :func:`doseflow.standards.best_response.compute_confirmations`.
    """
    resp = a.index[a["AVALC"].isin(["CR", "PR"])]
    out = pd.DataFrame(index=resp, data={"CONFDT": pd.NaT, "CONFIRMED": False, "NE_BETWEEN": 0, "WHY": ""})
    if len(resp) == 0:
        return out
    grid = _grid(a)
    row, col, shape = grid
    codes = _to_grid(grid, code_responses(a["AVALC"].to_numpy()), NOT_DONE)
    days = _to_grid(grid, ((a["ADT"] - a["ADT"].min()) / _DAY).to_numpy(dtype=float), np.nan)
    c = compute_confirmations(codes, days, confirmation_days=confirm_min_days, max_ne_between=max_ne_between,
                              accept_sd=accept_sd)
    at = np.full(shape, -1, np.int64)
    at[row, col] = np.arange(len(a))
    r, k = row[resp], col[resp]
    j = c.confirming[r, k]
    why = {CONFIRMED: "", TOO_MANY_NE_BETWEEN: f"more than {max_ne_between} NE before confirmation",
           NOT_CR_BEFORE_CR: "a response other than CR/NE before the confirming CR",
           NON_CR_NON_PD_BETWEEN: "NON-CR/NON-PD before confirmation", PR_AFTER_CR: "PR after CR before confirmation",
           SD_BETWEEN: "SD before confirmation"}
    none_later = np.where(a.loc[resp, "AVALC"] == "CR", f"no later CR >= {confirm_min_days} days later",
                          f"no later CR/PR >= {confirm_min_days} days later")
    reason = c.reason[r, k]
    out.loc[:, "WHY"] = np.where(reason == NO_CONFIRMING_ASSESSMENT, none_later,
                                 [why.get(int(x), "") for x in reason])
    out.loc[:, "CONFIRMED"] = c.confirmed[r, k]
    out.loc[:, "NE_BETWEEN"] = c.ne_between[r, k]
    ok = j >= 0
    out.loc[resp[ok], "CONFDT"] = a["ADT"].to_numpy()[at[r[ok], j[ok]]]
    return out


@dataclass(frozen=True)
class BestOverallResponse(AnalysisResult):
    """Best overall response per subject, with the records behind it.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per ADSL subject: USUBJID, the ADSL dose columns present (DOSE,
        DOSE_GROUP, DOSE_LEVEL), REFDT, AVALC (BOR), ADT (date of the BOR assessment),
        ORIGRESP (the response recorded there), CONFDT (confirming assessment), RSPDT
        (first CR/PR that counts), PDDT (first PD), N_ASSESS (usable assessments up to
        PD) and FLAGS (the derivation in words).
    assessments : pandas.DataFrame
        Every usable assessment with DERIVED (what it counts as), CONFIRMED, CONFDT,
        and AFTER_PD.
    excluded : pandas.DataFrame
        Records not used, with REASON.
    settings : dict
        The arguments of the derivation.
    placebo : tuple of str
        Dose groups shown but not pooled: the pooled column is then "All active".
    """

    data: pd.DataFrame
    assessments: pd.DataFrame
    excluded: pd.DataFrame
    settings: dict[str, Any]
    placebo: tuple[str, ...] = ()
    title: str = "Best overall response (RECIST 1.1)"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def counts(self) -> pd.DataFrame:
        """Subjects per BOR category (rows, in RECIST order) by dose group and pooled ("Overall", or "All active")."""
        d = self.data
        counts = pd.DataFrame(index=pd.Index(BOR_ORDER, name="BOR"))
        pooled, label = d, "Overall"
        if "DOSE_GROUP" in d and d["DOSE_GROUP"].notna().any():
            order = (d.dropna(subset=["DOSE_GROUP"]).drop_duplicates("DOSE_GROUP")
                     .sort_values("DOSE_LEVEL" if "DOSE_LEVEL" in d else "DOSE_GROUP")["DOSE_GROUP"])
            for g in order:
                counts[str(g)] = d.loc[d["DOSE_GROUP"] == g, "AVALC"].value_counts().reindex(BOR_ORDER, fill_value=0)
            if set(self.placebo) & {str(g) for g in order}:
                pooled, label = d[~d["DOSE_GROUP"].astype(str).isin(self.placebo)], "All active"
        counts[label] = pooled["AVALC"].value_counts().reindex(BOR_ORDER, fill_value=0)
        return counts.astype(int)

    def table(self) -> pd.DataFrame:
        """Presentation table: n (%) of subjects per BOR category, by dose group and overall."""
        c = self.counts()
        out = pd.DataFrame({"Best overall response": c.index})
        for col in c.columns:
            total = int(c[col].sum())
            out[f"{col} (N={total})"] = [format_n_pct(int(n), total) for n in c[col]]
        return out

    def figure(self):
        """Stacked bars of the BOR distribution per dose group."""
        from doseflow.readout.efficacy.figures import plot_bor_distribution

        return plot_bor_distribution(self)

    def to_dict(self) -> dict[str, Any]:
        """Settings, counts per BOR category (pooled; and per group) and one record per subject."""
        subj = self.data.astype(object).where(self.data.notna(), None)
        counts = self.counts()
        return {"methods": self.methods, "notes": list(self.notes), "settings": dict(self.settings),
                "pooled": counts.columns[-1], "counts": {k: int(v) for k, v in counts.iloc[:, -1].items()},
                "by_group": {g: {k: int(v) for k, v in counts[g].items()} for g in counts.columns[:-1]},
                "subjects": subj.to_dict(orient="records")}


def derive_best_overall_response(
    rs: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    evaluator: str = "INVESTIGATOR",
    confirmation: bool = True,
    confirm_min_days: int = 28,
    max_ne_between: int = 1,
    accept_sd: bool = False,
    sd_min_days: int = 42,
    reference: Literal["TRTSDT", "RANDDT"] = "TRTSDT",
    missing_as_ne: bool = False,
    unknown_response: Literal["error", "ne", "exclude"] = "error",
    impute: Literal["first", "mid", "last"] | None = None,
    source: str = "rs.csv",
    excluded_where: str = "the excluded attribute of the result",
) -> BestOverallResponse:
    """Derive the RECIST 1.1 best overall response of every ADSL subject.

    Parameters
    ----------
    rs : pandas.DataFrame
        SDTM RS (see :func:`derive_overall_responses`).
    adsl : pandas.DataFrame
        One row per subject with USUBJID and the ``reference`` date column; DOSE,
        DOSE_GROUP and DOSE_LEVEL are carried over when present.
    evaluator : {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}
        Whose responses (RSEVAL; accepted independent reads only).
    confirmation : bool
        Require confirmation of CR/PR (RECIST 1.1 sec. 4.4; required in non-randomised
        trials where response is the primary endpoint). Default True.
    confirm_min_days : int, >= 1
        Minimum days between a CR/PR and its confirmation (RECIST 1.1: 4 weeks = 28).
    max_ne_between : int, >= 0
        NE assessments allowed between a response and its confirmation (admiralonco
        ``max_nr_ne``, default 1).
    accept_sd : bool
        Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``).
    sd_min_days : int, >= 0
        Minimum days after the reference date for SD or NON-CR/NON-PD to count (RECIST
        1.1 sec. 4.4.2, protocol-defined, usually 6-8 weeks; default 42).
    reference : {"TRTSDT", "RANDDT"}
        ADSL column for the start of the SD window: first dose or randomisation.
    missing_as_ne : bool
        Subjects without a usable assessment get "NE" instead of "MISSING"
        (admiralonco ``missing_as_ne``; default False gives "MISSING", so the subject is
        visible as unassessed and still counts in the ORR denominator).
    unknown_response, impute, source
        See :func:`derive_overall_responses`.
    excluded_where : str
        Where the note on unused records sends the reader (a readout names its table).

    Returns
    -------
    BestOverallResponse
        ``.data`` one row per ADSL subject (see the class).

    Raises
    ------
    ConfigError
        An option is out of range.
    DataError
        Bad RS or ADSL content (see :func:`derive_overall_responses`); ADSL USUBJID not
        unique.

    Notes
    -----
    Eisenhauer et al. 2009, sec. 4.4.1: BOR is the best response from the start of
    treatment until PD; records after the first PD are listed in ``excluded`` with that
    reason. Confirmation rules: module docstring (admiralonco's documented rules).
    RS subjects not in ADSL are excluded with a reason.

    References
    ----------
    Eisenhauer EA et al. (2009) Eur J Cancer 45:228-247, sec. 4.3-4.4 and Table 3.
    admiralonco ``derive_param_confirmed_bor``, ``derive_param_bor`` (pharmaverse).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2020-01-01"])})
    >>> rs = pd.DataFrame({"USUBJID": ["1"] * 3, "RSTESTCD": ["OVRLRESP"] * 3,
    ...     "RSSTRESC": ["PR", "PR", "PD"], "RSEVAL": ["INVESTIGATOR"] * 3,
    ...     "RSDTC": ["2020-02-12", "2020-03-25", "2020-05-06"]})
    >>> derive_best_overall_response(rs, adsl).data["AVALC"].tolist()
    ['PR']
    """
    confirm_min_days = check_int(confirm_min_days, "confirm_min_days", minimum=1)
    max_ne_between = check_int(max_ne_between, "max_ne_between", minimum=0)
    sd_min_days = check_int(sd_min_days, "sd_min_days", minimum=0)
    check_choice(reference, "reference", ("TRTSDT", "RANDDT"))
    for name, v in (("confirmation", confirmation), ("accept_sd", accept_sd), ("missing_as_ne", missing_as_ne)):
        if not isinstance(v, (bool, np.bool_)):
            raise ConfigError(name, "True or False", v)
    ref = _reference_dates(adsl, reference)
    a, excluded = derive_overall_responses(rs, evaluator=evaluator, unknown_response=unknown_response,
                                           impute=impute, source=source)
    unknown_subj = ~a["USUBJID"].isin(ref["USUBJID"])
    if unknown_subj.any():
        extra = a.loc[unknown_subj, ["USUBJID", "ROW", "VISIT", "ADT", "AVALC"]].rename(
            columns={"AVALC": "RSSTRESC"})
        extra["RSDTC"] = extra.pop("ADT").dt.strftime("%Y-%m-%d")
        extra["REASON"] = "subject not in adsl"
        excluded = pd.concat([excluded, extra], ignore_index=True)
        a = a.loc[~unknown_subj].reset_index(drop=True)
    a = a.merge(ref, on="USUBJID", how="left")
    pddt = a.loc[a["AVALC"] == "PD"].groupby("USUBJID")["ADT"].min().rename("PDDT")
    a = a.merge(pddt, on="USUBJID", how="left")
    a["AFTER_PD"] = a["PDDT"].notna() & (a["ADT"] > a["PDDT"])
    late = a.loc[a["AFTER_PD"]]
    if len(late):
        extra = late[["USUBJID", "ROW", "VISIT", "AVALC"]].rename(columns={"AVALC": "RSSTRESC"})
        extra["RSDTC"] = late["ADT"].dt.strftime("%Y-%m-%d")
        extra["REASON"] = "after first PD on " + late["PDDT"].dt.strftime("%Y-%m-%d") + " (RECIST 1.1 sec. 4.4.1)"
        excluded = pd.concat([excluded, extra], ignore_index=True)
    kept = a.loc[~a["AFTER_PD"]].reset_index(drop=True)

    days = (kept["ADT"] - kept["REFDT"]) / _DAY
    if confirmation:
        conf = _confirm(kept, confirm_min_days, max_ne_between, accept_sd)
        kept = kept.join(conf)
        kept["CONFIRMED"] = kept["CONFIRMED"].eq(True)
        derived = _counted(kept, days, sd_min_days, kept["CONFIRMED"])
    else:
        kept["CONFDT"], kept["CONFIRMED"], kept["NE_BETWEEN"], kept["WHY"] = pd.NaT, False, 0, ""
        derived = _counted(kept, days, sd_min_days, None)
    kept["DERIVED"] = derived
    kept["DAYS"] = days
    kept["RANK"] = kept["DERIVED"].map(_RANK)
    best = kept.sort_values(["USUBJID", "RANK", "ADT"], kind="stable").drop_duplicates("USUBJID")
    rsp = kept.loc[kept["DERIVED"].isin(["CR", "PR"])].groupby("USUBJID")["ADT"].min().rename("RSPDT")
    n_assess = kept.groupby("USUBJID").size().rename("N_ASSESS")

    why = _explain(best, kept, reference, sd_min_days, confirmation)
    best = best.assign(EXPLAIN=why)[["USUBJID", "DERIVED", "ADT", "AVALC", "CONFDT", "PDDT", "EXPLAIN"]]
    best = best.rename(columns={"DERIVED": "BOR", "AVALC": "ORIGRESP"})
    carry = [c for c in ("DOSE", "DOSEU", "DOSE_GROUP", "DOSE_LEVEL") if c in adsl.columns]
    out = adsl[["USUBJID", *carry]].reset_index(drop=True).merge(ref, on="USUBJID", how="left")
    out = out.merge(best, on="USUBJID", how="left").merge(rsp, on="USUBJID", how="left")
    out = out.merge(n_assess, on="USUBJID", how="left")
    out["N_ASSESS"] = out["N_ASSESS"].fillna(0).astype(int)
    none = out["BOR"].isna()
    out["BOR"] = out["BOR"].where(~none, "NE" if missing_as_ne else "MISSING")
    n_excl = excluded.groupby("USUBJID").size()
    base = np.where(none, "no usable overall response"
                    + (" (reported as NE: missing_as_ne=True)" if missing_as_ne else ""), out["EXPLAIN"])
    extra = out["USUBJID"].map(n_excl)
    note = np.where(extra.notna(), "; " + extra.fillna(0).astype(int).astype(str) + " record(s) excluded", "")
    out["FLAGS"] = pd.Series(base, index=out.index).astype(str) + note
    out = out.rename(columns={"BOR": "AVALC"}).drop(columns="EXPLAIN")
    cols = ["USUBJID", *carry, "REFDT", "AVALC", "ADT", "ORIGRESP", "CONFDT", "RSPDT", "PDDT", "N_ASSESS", "FLAGS"]
    settings = {"evaluator": evaluator, "confirmation": confirmation, "confirm_min_days": confirm_min_days,
                "max_ne_between": max_ne_between, "accept_sd": accept_sd, "sd_min_days": sd_min_days,
                "reference": reference, "missing_as_ne": missing_as_ne,
                "unknown_response": unknown_response, "impute": impute}
    methods = (f"RECIST 1.1 best overall response by {evaluator.lower()} (Eisenhauer 2009, sec. 4.4)"
               + (f", CR/PR confirmed by a repeat assessment >= {confirm_min_days} days later "
                  f"(<= {max_ne_between} NE between{', one SD accepted' if accept_sd else ''})"
                  if confirmation else ", without confirmation")
               + f"; SD >= {sd_min_days} days after {reference}; assessments after first PD ignored.")
    notes = []
    if len(excluded):
        notes.append(f"{len(excluded)} RS record(s) were not used; each is listed with its reason in {excluded_where}.")
    if kept["FLAG"].ne("").any():
        notes.append(f"{int(kept['FLAG'].ne('').sum())} record(s) used with a flag (imputed date or value read as NE).")
    assessments = kept.drop(columns=["RANK"])
    return BestOverallResponse(data=out[cols], assessments=assessments, excluded=excluded,
                               settings=settings, methods=methods, notes=tuple(notes))


def _explain(best: pd.DataFrame, kept: pd.DataFrame, reference: str, sd_min_days: int,
             confirmation: bool) -> pd.Series:
    """One sentence per subject on why the BOR is what it is (vectorised string building)."""
    if best.empty:
        return pd.Series([], index=best.index, dtype=object)
    date = best["ADT"].dt.strftime("%Y-%m-%d")
    conf = best["CONFDT"].dt.strftime("%Y-%m-%d").fillna("")
    gap = ((best["CONFDT"] - best["ADT"]) / _DAY).fillna(0).astype(int).astype(str)
    days = best["DAYS"].map(lambda x: "?" if pd.isna(x) else str(int(x)))
    d, o = best["DERIVED"], best["AVALC"]
    bor_rank = kept["USUBJID"].map(best.set_index("USUBJID")["RANK"])
    unconf = kept.loc[kept["AVALC"].isin(["CR", "PR"]) & ~kept["DERIVED"].isin(["CR", "PR"])
                      & (kept["AVALC"].map(_RANK) < bor_rank)]
    reasons = (unconf["AVALC"] + " on " + unconf["ADT"].dt.strftime("%Y-%m-%d") + " not confirmed: "
               + unconf["WHY"].fillna("")).groupby(unconf["USUBJID"]).agg("; ".join)
    tail = best["USUBJID"].map(reasons)
    tail = np.where(tail.notna() & confirmation, "; " + tail.fillna(""), "")
    resp = np.where(confirmation,
                    o + " on " + date + " confirmed by assessment on " + conf + " (" + gap + " days later, "
                    + best["NE_BETWEEN"].fillna(0).astype(int).astype(str) + " NE between)",
                    o + " on " + date + " (confirmation not required)")
    sd = (d + ": " + o + " on " + date + ", " + days + f" days after {reference} (>= {sd_min_days})")
    ne = np.where(best["REFDT"].isna(), f"NE: {reference} missing, SD cannot be assessed",
                  np.where(o.eq("NE"), "NE: every assessment not evaluable",
                           f"NE: no confirmed response and no assessment >= {sd_min_days} days after {reference}"))
    text = np.select([d.isin(["CR", "PR"]), d.isin(["SD", "NON-CR/NON-PD"]), d.eq("PD")],
                     [resp, sd, "PD on " + date], default=ne)
    return pd.Series(text, index=best.index).astype(str) + pd.Series(tail, index=best.index).astype(str)
