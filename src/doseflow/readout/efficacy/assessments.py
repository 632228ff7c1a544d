"""RECIST 1.1 overall responses per assessment, as recorded in SDTM RS.

Selects the ``RSTESTCD = "OVRLRESP"`` records of one evaluator (Eisenhauer et al. 2009,
Eur J Cancer 45:228-247, sec. 4.3.4 and Tables 1-3), checks their values and dates, and
returns the usable assessments plus every record not used with its reason (nothing is
dropped silently). :mod:`doseflow.readout.efficacy.recist` derives the best overall
response from them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_choice
from doseflow.errors import DataError

__all__ = ["RESPONSE_VALUES", "EVALUATORS", "derive_overall_responses"]

RESPONSE_VALUES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
EVALUATORS = ("INVESTIGATOR", "INDEPENDENT ASSESSOR")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(source, f"a table with column {missing[0]}", sorted(map(str, frame.columns)),
                        "Pass the SDTM domain as read from the file.")


def _reference_dates(adsl: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Return USUBJID and REFDT (datetime64, the calendar date) from ``adsl``.

    Study days are counted in calendar days (RECIST 1.1 intervals such as "SD at least 42
    days after the start" compare dates), so the time of day of a first-dose date-time is
    dropped: a scan 42 calendar days after a 09:00 infusion is on day 42, not 41.6.
    """
    _require(adsl, ("USUBJID", reference), "adsl")
    dup = adsl["USUBJID"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
        raise DataError(f"adsl row {row}, column USUBJID", "unique (one row per subject)",
                        adsl["USUBJID"].iloc[row - 1])
    return pd.DataFrame({"USUBJID": adsl["USUBJID"].to_numpy(),
                         "REFDT": pd.to_datetime(adsl[reference]).dt.normalize().to_numpy()})


def derive_overall_responses(
    rs: pd.DataFrame,
    *,
    evaluator: str = "INVESTIGATOR",
    unknown_response: Literal["error", "ne", "exclude"] = "error",
    impute: Literal["first", "mid", "last"] | None = None,
    source: str = "rs.csv",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Select the usable RECIST 1.1 overall responses (``OVRLRESP``) of one evaluator.

    Parameters
    ----------
    rs : pandas.DataFrame
        SDTM RS with USUBJID, RSTESTCD, RSSTRESC, RSEVAL, RSDTC; RSSTAT, RSREASND,
        RSACPTFL and VISIT are used when present.
    evaluator : {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}
        ``RSEVAL``; for the independent assessor only accepted reads (``RSACPTFL = "Y"``).
    unknown_response : {"error", "ne", "exclude"}
        What to do with an RSSTRESC outside CR, PR, SD, NON-CR/NON-PD, PD, NE (for
        example ``"CHECK"``, a data query left open). Default ``"error"``: an open query
        can change the best response, so it must be resolved or mapped on purpose.
        ``"ne"`` reads it as NE and flags it; ``"exclude"`` drops it into ``excluded``.
    impute : {"first", "mid", "last", None}
        Imputation of a partial RSDTC (see :func:`doseflow.cdisc.dates.parse_dtc`);
        None (default) excludes such records with the reason stated. Imputed dates are
        flagged in ADTF.
    source : str
        File name used in messages.

    Returns
    -------
    assessments : pandas.DataFrame
        One row per usable assessment: USUBJID, ADT, AVALC, VISIT, ROW (the record's line in
        the RS file, or its 1-based row in a frame without ``attrs["source"]``), ADTF (date
        imputation flag), FLAG (what was done to the record).
    excluded : pandas.DataFrame
        Records of that evaluator not used: USUBJID, ROW, VISIT, RSDTC, RSSTRESC, REASON.

    Raises
    ------
    DataError
        A required column is missing, a response value is unknown (with
        ``unknown_response="error"``), a date is not ISO 8601, or a subject has two
        different responses on one date; the message names the row and column.
    ConfigError
        An argument is not one of its choices.

    Examples
    --------
    >>> rs = pd.DataFrame({"USUBJID": ["1", "1"], "RSTESTCD": ["OVRLRESP"] * 2,
    ...     "RSSTRESC": ["PR", "PD"], "RSEVAL": ["INVESTIGATOR"] * 2,
    ...     "RSDTC": ["2020-02-01", "2020-03-01"]})
    >>> a, x = derive_overall_responses(rs)
    >>> a["AVALC"].tolist(), len(x)
    (['PR', 'PD'], 0)
    """
    check_choice(evaluator, "evaluator", EVALUATORS)
    check_choice(unknown_response, "unknown_response", ("error", "ne", "exclude"))
    if impute is not None:
        check_choice(impute, "impute", ("first", "mid", "last"))
    _require(rs, ("USUBJID", "RSTESTCD", "RSSTRESC", "RSEVAL", "RSDTC"), source)
    if evaluator == "INDEPENDENT ASSESSOR":
        _require(rs, ("RSACPTFL",), source)
    first_row = int(rs.attrs.get("first_row", 1))
    row = pd.Series(rs.index.to_numpy() + first_row if "source" in rs.attrs else np.arange(1, len(rs) + 1))
    frame = rs.reset_index(drop=True)
    keep = (frame["RSTESTCD"] == "OVRLRESP") & (frame["RSEVAL"] == evaluator)
    if evaluator == "INDEPENDENT ASSESSOR":
        keep &= frame["RSACPTFL"] == "Y"
    sel = frame.loc[keep]
    value = sel["RSSTRESC"].astype("object").where(sel["RSSTRESC"].notna(), None)
    value = value.map(lambda v: v.strip().upper() if isinstance(v, str) else v)
    visit = sel["VISIT"] if "VISIT" in sel else pd.Series(None, index=sel.index, dtype="object")
    status = sel["RSSTAT"] if "RSSTAT" in sel else pd.Series(None, index=sel.index, dtype="object")
    reasnd = sel["RSREASND"] if "RSREASND" in sel else pd.Series(None, index=sel.index, dtype="object")
    reason = pd.Series("", index=sel.index, dtype="object")
    flag = pd.Series("", index=sel.index, dtype="object")

    not_done = status.eq("NOT DONE")
    reason[not_done] = "RSSTAT = NOT DONE (" + reasnd[not_done].fillna("no reason given").astype(str) + ")"
    no_value = value.isna() & ~not_done
    reason[no_value] = "RSSTRESC missing"
    unknown = value.notna() & ~value.isin(RESPONSE_VALUES) & ~not_done
    if unknown.any():
        if unknown_response == "error":
            i = unknown[unknown].index[0]
            raise DataError(f"{source} row {int(row[i])}, column RSSTRESC",
                            "one of " + ", ".join(RESPONSE_VALUES), value[i],
                            "Resolve the query, or pass unknown_response='ne' or 'exclude'.")
        if unknown_response == "ne":
            flag[unknown] = "RSSTRESC " + value[unknown].astype(str) + " read as NE"
            value[unknown] = "NE"
        else:
            reason[unknown] = "RSSTRESC " + value[unknown].astype(str) + " is not a RECIST response"

    dates = parse_dtc(frame["RSDTC"], impute=impute, where=f"{source} column RSDTC").loc[sel.index]
    partial = dates["dtf"].eq("partial")
    open_ = reason.eq("")
    reason[partial & open_] = ("partial date RSDTC " + sel.loc[partial & open_, "RSDTC"].astype(str)
                               + "; pass impute= to use it")
    nodate = dates["dt"].isna() & ~partial & reason.eq("")
    reason[nodate] = "RSDTC missing"
    imputed = dates["dtf"].isin(["D", "M"])
    flag[imputed] = (flag[imputed].where(flag[imputed].eq(""), flag[imputed] + "; ")
                     + "RSDTC " + sel.loc[imputed, "RSDTC"].astype(str) + f" imputed ({impute})")

    used = reason.eq("")
    assessments = pd.DataFrame({
        "USUBJID": sel.loc[used, "USUBJID"].to_numpy(),
        "ADT": dates.loc[used, "dt"].dt.normalize().to_numpy(),
        "AVALC": value[used].to_numpy(),
        "VISIT": visit[used].to_numpy(),
        "ROW": row[sel.index][used].to_numpy(),
        "ADTF": dates.loc[used, "dtf"].to_numpy(),
        "FLAG": flag[used].to_numpy(),
    })
    dup = assessments.duplicated(["USUBJID", "ADT"], keep=False)
    if dup.any():
        rows = assessments.loc[dup, "ROW"].tolist()
        raise DataError(f"{source} rows {rows[:4]}, column RSDTC",
                        f"one overall response per subject and date for {evaluator}",
                        assessments.loc[dup, "ADT"].iloc[0].strftime("%Y-%m-%d"))
    assessments = assessments.sort_values(["USUBJID", "ADT"], kind="stable").reset_index(drop=True)
    excluded = pd.DataFrame({
        "USUBJID": sel.loc[~used, "USUBJID"].to_numpy(),
        "ROW": row[sel.index][~used].to_numpy(),
        "VISIT": visit[~used].to_numpy(),
        "RSDTC": sel.loc[~used, "RSDTC"].to_numpy(),
        "RSSTRESC": sel.loc[~used, "RSSTRESC"].to_numpy(),
        "REASON": reason[~used].to_numpy(),
    })
    return assessments, excluded
