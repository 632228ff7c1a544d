"""Progression-free survival (PFS) and duration of response (DoR) as ADaM ADTTE records.

Definitions (RECIST 1.1, Eisenhauer et al. 2009, Eur J Cancer 45:228-247, sec. 4.3 and
sec. 5.4; FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics", December 2018, sec. III.B.2 and Appendix 1 table of PFS censoring options):

* PFS: time from the reference date (first dose TRTSDT, or randomisation RANDDT) to the
  first documented progression (overall response PD) or death from any cause, whichever
  comes first.
* DoR: among responders (best overall response CR or PR), time from the first documented
  response that counts (confirmed when confirmation is required) to PD or death.
* Adequate assessment: an overall response of CR, PR, SD, NON-CR/NON-PD or PD (not NE, not
  a record with RSSTAT = NOT DONE).

Censoring table (``CNSR = 1``):

=============================================  ==========================================
situation                                      outcome
=============================================  ==========================================
PD documented                                  event at the first PD date
death, no PD before it                         event at death (default: any death)
death/PD more than ``*_window_days`` after the  censored at the last adequate assessment
last adequate assessment (FDA 2018 option)     (or the start date if there is none)
no PD, no death                                censored at the last adequate assessment
no adequate post-baseline assessment, alive    censored at the start date (day 1)
=============================================  ==========================================

Time is in days, ``AVAL = ADT - STARTDT + 1`` (ADaM ADTTE convention as in admiral's
``derive_param_tte``: the start day is day 1); ``CNSR`` 0 = event, 1 = censored;
``EVNTDESC`` and ``CNSDTDSC`` describe the event or the censoring date (CDISC ADaM BDS
for time-to-event analyses, 2012, sec. 3). Censoring for new anticancer therapy needs data
(CM/PR) that RS and ADSL do not carry, so it is not applied; the caller can truncate RS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from doseflow.checks import check_choice, check_int
from doseflow.errors import DataError
from doseflow.readout.efficacy.recist import (
    BestOverallResponse,
    derive_best_overall_response,
    derive_overall_responses,
)
from doseflow.standards.pfs import PFS_DEATH, PFS_PROGRESSION, compute_pfs_outcome

__all__ = ["CensoringRules", "derive_pfs", "derive_duration_of_response"]

ADEQUATE = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")
_DAY = pd.Timedelta(days=1)
_EPOCH = pd.Timestamp("1970-01-01")


def _day_number(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 (NaN for a missing date): the day scale of the PFS rule."""
    return ((pd.to_datetime(dates) - _EPOCH) / _DAY).to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True, slots=True)
class CensoringRules:
    """Options for PD and death far from the last adequate assessment (FDA 2018, Appendix 1).

    Parameters
    ----------
    death_window_days : int or None
        A death counts as an event only if it is at most this many days after the last
        adequate assessment (or the start date when there is none); later deaths are
        censored there. None (default): any death is an event (FDA 2018 primary
        definition: "death from any cause").
    pd_window_days : int or None
        The same for a PD documented after missed assessments (FDA 2018: "progression
        after two or more missed visits" censored at the last adequate assessment, a
        sensitivity option). None (default): every PD is an event.
    """

    death_window_days: int | None = None
    pd_window_days: int | None = None

    def __post_init__(self) -> None:
        for name in ("death_window_days", "pd_window_days"):
            v = getattr(self, name)
            if v is not None:
                check_int(v, name, minimum=0)


def _adsl_dates(adsl: pd.DataFrame, reference: str) -> pd.DataFrame:
    for col in ("USUBJID", reference):
        if col not in adsl.columns:
            raise DataError("adsl", f"a table with column {col}", sorted(map(str, adsl.columns)))
    carry = [c for c in ("DOSE", "DOSEU", "DOSE_GROUP", "DOSE_LEVEL") if c in adsl.columns]
    out = adsl[["USUBJID", *carry]].reset_index(drop=True).copy()
    out["STARTDT"] = pd.to_datetime(adsl[reference]).dt.normalize().to_numpy()
    dth = adsl["DTHDT"] if "DTHDT" in adsl.columns else pd.Series(pd.NaT, index=adsl.index)
    out["DTHDT"] = pd.to_datetime(dth).dt.normalize().to_numpy()
    return out


def _derive_tte(base: pd.DataFrame, assessments: pd.DataFrame, rules: CensoringRules, paramcd: str,
                param: str, start_label: str) -> pd.DataFrame:
    """Event/censoring per subject of ``base`` (USUBJID, STARTDT, DTHDT) from assessments."""
    a = assessments.merge(base[["USUBJID", "STARTDT"]], on="USUBJID", how="inner")
    a = a.loc[a["ADT"] >= a["STARTDT"]]
    pd_dt = a.loc[a["AVALC"] == "PD"].groupby("USUBJID")["ADT"].min().rename("PDDT")
    a = a.merge(pd_dt, on="USUBJID", how="left")
    ok = a["AVALC"].isin(ADEQUATE) & (a["PDDT"].isna() | (a["ADT"] < a["PDDT"]))
    last = a.loc[ok].groupby("USUBJID")["ADT"].max().rename("LAADT")
    d = base.merge(pd_dt, on="USUBJID", how="left").merge(last, on="USUBJID", how="left")
    outcome = compute_pfs_outcome(*(_day_number(d[c]) for c in ("PDDT", "DTHDT", "LAADT", "STARTDT")),
                                  death_window_days=rules.death_window_days,
                                  progression_window_days=rules.pd_window_days)
    pd_first = outcome.kind == PFS_PROGRESSION
    dth_first = outcome.kind == PFS_DEATH
    event = outcome.event
    d["ADT"] = _EPOCH + pd.to_timedelta(outcome.day, unit="D")
    d["CNSR"] = np.where(event, 0, 1)
    d["AVAL"] = (d["ADT"] - d["STARTDT"]) / _DAY + 1
    late_pd, late_dth = outcome.late_progression, outcome.late_death
    d["EVNTDESC"] = np.select(
        [pd_first, dth_first, d["LAADT"].notna()],
        ["DISEASE PROGRESSION", "DEATH", "CENSORED AT LAST ADEQUATE ASSESSMENT"],
        default=f"CENSORED AT {start_label}")
    d["CNSDTDSC"] = np.select([event, d["LAADT"].notna()], ["", "LAST ADEQUATE TUMOR ASSESSMENT"],
                              default=f"{start_label} (NO ADEQUATE POST-BASELINE ASSESSMENT)")
    flags = np.where(late_pd, f"PD more than {rules.pd_window_days} days after last adequate assessment; ", "")
    flags = np.char.add(flags.astype(str), np.where(
        late_dth, f"death more than {rules.death_window_days} days after last adequate assessment; ", ""))
    early = d["DTHDT"].notna() & (d["DTHDT"] < d["STARTDT"])
    flags = np.char.add(flags, np.where(early, "death before start date ignored; ", ""))
    nostart = d["STARTDT"].isna()
    flags = np.char.add(flags, np.where(nostart, f"{start_label} missing: time not computable; ", ""))
    d.loc[nostart, ["AVAL"]] = np.nan
    d.loc[nostart, "ADT"] = pd.NaT
    d["FLAGS"] = pd.Series(flags, index=d.index).str.rstrip("; ")
    d["PARAMCD"], d["PARAM"], d["SRCDOM"] = paramcd, param, np.where(
        dth_first | (~event & d["LAADT"].isna()), "ADSL", "RS")
    carry = [c for c in ("DOSE", "DOSEU", "DOSE_GROUP", "DOSE_LEVEL") if c in d.columns]
    return d[["USUBJID", *carry, "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC",
              "CNSDTDSC", "SRCDOM", "PDDT", "DTHDT", "LAADT", "FLAGS"]]


def derive_pfs(
    rs: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    reference: Literal["TRTSDT", "RANDDT"] = "TRTSDT",
    censor_rules: CensoringRules = CensoringRules(),
    evaluator: str = "INVESTIGATOR",
    unknown_response: Literal["error", "ne", "exclude"] = "error",
    impute: Literal["first", "mid", "last"] | None = None,
    source: str = "rs.csv",
) -> pd.DataFrame:
    """Progression-free survival, one ADTTE record per ADSL subject.

    Parameters
    ----------
    rs : pandas.DataFrame
        SDTM RS (overall responses, see
        :func:`~doseflow.readout.efficacy.recist.derive_overall_responses`).
    adsl : pandas.DataFrame
        USUBJID, the ``reference`` date, DTHDT (death date; deaths ignored if absent).
    reference : {"TRTSDT", "RANDDT"}
        Start of the time (day 1).
    censor_rules : CensoringRules
        Windows for PD/death after missed assessments (default: every PD and death counts).
    evaluator, unknown_response, impute, source
        Which RS records are used; see ``derive_overall_responses``.

    Returns
    -------
    pandas.DataFrame
        USUBJID, dose columns, PARAMCD "PFS", PARAM, STARTDT, ADT, AVAL (days), CNSR,
        EVNTDESC, CNSDTDSC, SRCDOM, PDDT, DTHDT, LAADT (last adequate assessment before
        PD), FLAGS. AVAL is NaN with a flag when the start date is missing.

    Raises
    ------
    DataError, ConfigError
        As :func:`derive_overall_responses`; missing ADSL columns.

    Notes
    -----
    See the module docstring for the censoring table; event = min(first PD, death).

    References
    ----------
    Eisenhauer EA et al. (2009) Eur J Cancer 45:228-247. US FDA (2018) Clinical Trial
    Endpoints for the Approval of Cancer Drugs and Biologics, Appendix 1.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2020-01-01"] * 2),
    ...                      "DTHDT": pd.to_datetime([None, "2020-03-01"])})
    >>> rs = pd.DataFrame({"USUBJID": ["1", "1"], "RSTESTCD": "OVRLRESP", "RSEVAL": "INVESTIGATOR",
    ...                    "RSSTRESC": ["SD", "PD"], "RSDTC": ["2020-02-12", "2020-03-25"]})
    >>> derive_pfs(rs, adsl)[["USUBJID", "AVAL", "CNSR", "EVNTDESC"]].values.tolist()
    [['1', 85.0, 0, 'DISEASE PROGRESSION'], ['2', 61.0, 0, 'DEATH']]
    """
    check_choice(reference, "reference", ("TRTSDT", "RANDDT"))
    base = _adsl_dates(adsl, reference)
    a, _ = derive_overall_responses(rs, evaluator=evaluator, unknown_response=unknown_response,
                                    impute=impute, source=source)
    return _derive_tte(base, a, censor_rules, "PFS", "Progression-free survival (days)", reference)


def derive_duration_of_response(
    rs: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    bor: BestOverallResponse | None = None,
    censor_rules: CensoringRules = CensoringRules(),
    evaluator: str = "INVESTIGATOR",
    confirmation: bool = True,
    unknown_response: Literal["error", "ne", "exclude"] = "error",
    impute: Literal["first", "mid", "last"] | None = None,
    source: str = "rs.csv",
    **bor_options: object,
) -> pd.DataFrame:
    """Duration of response among responders (BOR CR or PR), one ADTTE record each.

    Parameters
    ----------
    rs, adsl : pandas.DataFrame
        As for :func:`derive_pfs`.
    bor : BestOverallResponse, optional
        A derived BOR; default: derived here with ``confirmation`` and ``bor_options``
        (passed to :func:`derive_best_overall_response`).
    censor_rules, evaluator, unknown_response, impute, source
        As for :func:`derive_pfs`.
    confirmation : bool
        Whether responses must be confirmed (used when ``bor`` is None).

    Returns
    -------
    pandas.DataFrame
        Columns as :func:`derive_pfs`, PARAMCD "DOR"; STARTDT = RSPDT, the date of the
        first CR/PR that counts (confirmed if required); AVAL = ADT - STARTDT + 1.

    Notes
    -----
    RECIST 1.1 sec. 4.4.3 (Eisenhauer 2009): "duration of overall response is measured
    from the time measurement criteria are first met for CR/PR ... until the first date
    that recurrent or progressive disease is objectively documented". Death without PD
    is an event as for PFS (FDA 2018); censoring as in the module table.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2020-01-01"])})
    >>> rs = pd.DataFrame({"USUBJID": ["1"] * 3, "RSTESTCD": "OVRLRESP", "RSEVAL": "INVESTIGATOR",
    ...                    "RSSTRESC": ["PR", "PR", "PD"], "RSDTC": ["2020-02-12", "2020-03-25", "2020-05-06"]})
    >>> derive_duration_of_response(rs, adsl)[["AVAL", "CNSR"]].to_dict("records")
    [{'AVAL': 85.0, 'CNSR': 0}]
    """
    if bor is None:
        bor = derive_best_overall_response(rs, adsl, evaluator=evaluator, confirmation=confirmation,
                                           unknown_response=unknown_response, impute=impute, source=source,
                                           **bor_options)  # type: ignore[arg-type]
    responders = bor.data.loc[bor.data["AVALC"].isin(["CR", "PR"]), ["USUBJID", "RSPDT"]]
    base = _adsl_dates(adsl, _reference_column(adsl))
    base = base.drop(columns="STARTDT").merge(responders, on="USUBJID", how="inner")
    base = base.rename(columns={"RSPDT": "STARTDT"})
    a, _ = derive_overall_responses(rs, evaluator=evaluator, unknown_response=unknown_response,
                                    impute=impute, source=source)
    return _derive_tte(base, a, censor_rules, "DOR", "Duration of response (days)", "FIRST RESPONSE DATE")


def _reference_column(adsl: pd.DataFrame) -> str:
    """Any date column present, only to reuse the ADSL reader (DoR starts at the response)."""
    for c in ("TRTSDT", "RANDDT"):
        if c in adsl.columns:
            return c
    raise DataError("adsl", "a table with column TRTSDT or RANDDT", sorted(map(str, adsl.columns)))
