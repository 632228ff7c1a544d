"""Sponsor ADaM ADRS, ADTTE and ADPC mapped onto the efficacy and PK frames of the readout.

The endpoint half of :mod:`doseflow.readout.adam` (which re-exports these functions; see its
docstring for the rules every mapping follows: the sponsor's derivation is used as it is,
no record is dropped silently, a value that breaks the ADaM convention is a DataError naming
file, row, column and value).

References
----------
CDISC ADaMIG v1.3 (2021) sec. 3.3 (BDS). CDISC ADaM BDS for Time-to-Event Analyses v1.0 (2012).
CDISC ADaM IG for Non-compartmental Analysis Input Data v1.0 (2021). pharmaverse admiralonco
``ad_adrs.R`` and ``ad_adtte.R``; admiral ``ad_adpc.R`` (2023).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from doseflow.checks import check_choice
from doseflow.errors import DataError
from doseflow.readout.inputs import fail_at_first, source_of, upper_text, validate_columns
from doseflow.readout.efficacy.recist import BOR_ORDER, BestOverallResponse

__all__ = ["adrs_best_response", "adtte_frame", "adpc_concentrations"]

_BLQ = re.compile(r"^\s*(<|BLQ|BQL|BLOQ|BELOW)", re.IGNORECASE)
_HOURS = {"H": 1.0, "HR": 1.0, "HRS": 1.0, "HOUR": 1.0, "HOURS": 1.0, "MIN": 1 / 60, "MINUTES": 1 / 60,
          "D": 24.0, "DAY": 24.0, "DAYS": 24.0}
_DAYS = {"DAYS": 1.0, "DAY": 1.0, "D": 1.0, "WEEKS": 7.0, "WEEK": 7.0, "MONTHS": 30.4375, "MONTH": 30.4375,
         "YEARS": 365.25, "YEAR": 365.25}
_CARRY = ("DOSE", "DOSEU", "DOSE_GROUP", "DOSE_LEVEL")


def _param_rows(adrs: pd.DataFrame, param: str, src: str, notes: list[str]) -> pd.DataFrame:
    """The records of one PARAMCD, restricted to ANL01FL "Y" when ADRS has ANL01FL."""
    rows = adrs[upper_text(adrs["PARAMCD"]).eq(param)]
    if "ANL01FL" in adrs.columns:
        keep = upper_text(rows["ANL01FL"]).eq("Y")
        if (~keep).any():
            notes.append(f"{int((~keep).sum())} {param} record(s) of {src} without ANL01FL 'Y' were not used.")
        rows = rows[keep]
    return rows


def adrs_best_response(adrs: pd.DataFrame, adsl: pd.DataFrame, *, param: str = "CBOR",
                       reference: str = "TRTSDT") -> BestOverallResponse:
    """The sponsor's best overall response (ADRS PARAMCD BOR or CBOR) of every subject of ``adsl``.

    Parameters
    ----------
    adrs : pandas.DataFrame
        ADaM ADRS: USUBJID, PARAMCD, AVALC, ADT; ANL01FL used when present; the per-visit
        overall responses (PARAMCD "OVR") give the assessments.
    adsl : pandas.DataFrame
        The analysis population (one row per subject; DOSE columns carried over).
    param : str
        PARAMCD of the best response: "CBOR" (confirmed) or "BOR" (admiralonco ``ad_adrs.R``).
    reference : {"TRTSDT", "RANDDT"}
        ADSL date shown as REFDT.

    Returns
    -------
    BestOverallResponse
        ``data`` one row per ADSL subject: AVALC is the sponsor's AVALC ("MISSING" with a FLAGS
        reason when the subject has no ``param`` record); ADT its date; RSPDT = ADT for CR/PR;
        PDDT the first OVR PD; N_ASSESS the OVR records up to the first PD (or 1 when ADRS has
        no OVR and the BOR is not MISSING). ``assessments`` are the OVR records.

    Raises
    ------
    DataError
        A required variable is missing, an AVALC is not a RECIST 1.1 response, or a subject
        has two ``param`` records.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2020-01-01"] * 2)})
    >>> adrs = pd.DataFrame({"USUBJID": ["1", "1", "1"], "PARAMCD": ["OVR", "OVR", "CBOR"],
    ...     "AVALC": ["PR", "PR", "PR"], "ADT": pd.to_datetime(["2020-02-12", "2020-03-25", "2020-02-12"])})
    >>> adrs_best_response(adrs, adsl).data[["USUBJID", "AVALC", "N_ASSESS"]].values.tolist()
    [['1', 'PR', 2], ['2', 'MISSING', 0]]
    """
    check_choice(reference, "reference", ("TRTSDT", "RANDDT"))
    src, _ = source_of(adrs, "adrs")
    validate_columns(adrs, src, ("USUBJID", "PARAMCD", "AVALC", "ADT"))
    validate_columns(adsl, "adsl", ("USUBJID", reference))
    a = adrs.reset_index(drop=True)
    a = a.assign(USUBJID=a["USUBJID"].astype(str), AVALC=upper_text(a["AVALC"]), ADT=pd.to_datetime(a["ADT"]))
    a.attrs = dict(adrs.attrs)
    notes: list[str] = []
    best = _param_rows(a, param, src, notes)
    fail_at_first(a, "adrs", a.index.isin(best.index[~best["AVALC"].isin(BOR_ORDER)]), "AVALC",
          "a best overall response (" + ", ".join(BOR_ORDER) + ")")
    fail_at_first(a, "adrs", a.index.isin(best.index[best["USUBJID"].duplicated()]), "USUBJID",
          f"one {param} record per subject")
    ovr = _param_rows(a, "OVR", src, notes)
    fail_at_first(a, "adrs", a.index.isin(ovr.index[ovr["AVALC"].notna() & ~ovr["AVALC"].isin(BOR_ORDER[:-1])]), "AVALC",
          "a RECIST 1.1 overall response (" + ", ".join(BOR_ORDER[:-1]) + ")")
    pop = adsl.reset_index(drop=True).assign(USUBJID=lambda d: d["USUBJID"].astype(str))
    outside = ~best["USUBJID"].isin(pop["USUBJID"])
    if outside.any():
        notes.append(f"{int(outside.sum())} {param} record(s) of subjects outside the analysis population were not "
                     "used.")
    pddt = ovr[ovr["AVALC"].eq("PD")].groupby("USUBJID")["ADT"].min().rename("PDDT")
    ovr = ovr.merge(pddt, on="USUBJID", how="left")
    usable = ovr["AVALC"].notna() & (ovr["PDDT"].isna() | (ovr["ADT"] <= ovr["PDDT"]))
    carry = [c for c in _CARRY if c in pop.columns]
    out = pop[["USUBJID", *carry]].assign(REFDT=pd.to_datetime(pop[reference]).dt.normalize())
    out = out.merge(best[["USUBJID", "AVALC", "ADT"]], on="USUBJID", how="left").merge(pddt, on="USUBJID",
                                                                                        how="left")
    none = out["AVALC"].isna()
    out["AVALC"] = out["AVALC"].where(~none, "MISSING")
    out["ORIGRESP"] = out["AVALC"]
    out["CONFDT"] = pd.NaT
    out["RSPDT"] = out["ADT"].where(out["AVALC"].isin(["CR", "PR"]))
    if len(ovr):
        out["N_ASSESS"] = out["USUBJID"].map(ovr[usable].groupby("USUBJID").size()).fillna(0).astype(int)
    else:
        out["N_ASSESS"] = (~out["AVALC"].isin(["MISSING"])).astype(int)
        notes.append(f"{src} has no OVR records: a subject with a {param} other than MISSING counts as having one "
                     "post-baseline assessment.")
    out["FLAGS"] = np.where(none, f"no {param} record in {src}", f"sponsor's {param} ({src})")
    cols = ["USUBJID", *carry, "REFDT", "AVALC", "ADT", "ORIGRESP", "CONFDT", "RSPDT", "PDDT", "N_ASSESS", "FLAGS"]
    assessments = ovr.loc[usable, ["USUBJID", "ADT", "AVALC"]].reset_index(drop=True)
    excluded = best.loc[outside, ["USUBJID", "ADT", "AVALC"]].assign(REASON="subject not in the analysis population")
    confirmed = param.upper().startswith("C")
    methods = (f"Best overall response as derived by the sponsor: ADaM ADRS PARAMCD {param} ({src}), one AVALC per "
               f"subject, {'confirmation required' if confirmed else 'confirmation not required'} (admiralonco "
               f"derive_param_{'confirmed_' if confirmed else ''}bor, RECIST 1.1); not re-derived by doseflow. "
               "Assessments: ADRS PARAMCD OVR up to the first PD.")
    return BestOverallResponse(data=out[cols], assessments=assessments, excluded=excluded.reset_index(drop=True),
                               settings={"source": src, "param": param, "confirmation": confirmed,
                                         "reference": reference},
                               methods=methods, notes=tuple(notes))


def adtte_frame(adtte: pd.DataFrame, adsl: pd.DataFrame, *, param: str = "PFS") -> pd.DataFrame:
    """One ADTTE record of ``param`` per subject of ``adsl``, for :func:`~doseflow.readout.efficacy.estimate_km`.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM ADTTE: USUBJID, PARAMCD, AVAL (time), CNSR (0 event, > 0 censored); used when
        present: PARAM, AVALU (DAYS, WEEKS, MONTHS, YEARS; default days), STARTDT, ADT,
        EVNTDESC, CNSDTDSC.
    adsl : pandas.DataFrame
        The analysis population (DOSE columns carried over).
    param : str
        PARAMCD, e.g. "PFS" or "DOR".

    Returns
    -------
    pandas.DataFrame
        USUBJID, dose columns, PARAMCD, PARAM, STARTDT, ADT, AVAL (days), CNSR (0/1; the
        sponsor's code in CNSR_ADAM), EVNTDESC, CNSDTDSC, FLAGS. A subject of ``adsl`` without
        a record has AVAL NaN and the reason in FLAGS (the KM leaves it out with a note). With
        ``param`` "DOR" only subjects with a record are returned (non-responders have none).

    Raises
    ------
    DataError
        A required variable is missing, AVAL < 0, CNSR not a whole number >= 0, an unknown
        AVALU, or two records of one subject.

    Notes
    -----
    The sponsor's AVAL and CNSR are used as they are (ADaM BDS-TTE v1.0 sec. 3: AVAL time,
    CNSR 0 event, positive integers censoring reasons); only the unit is converted to days
    (months of 30.4375 days).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> t = pd.DataFrame({"USUBJID": ["1"], "PARAMCD": "PFS", "AVAL": [85.0], "CNSR": [2.0]})
    >>> adtte_frame(t, adsl)[["USUBJID", "AVAL", "CNSR", "FLAGS"]].values.tolist()
    [['1', 85.0, 1.0, ''], ['2', nan, nan, 'no PFS record in adtte']]
    """
    src, _ = source_of(adtte, "adtte")
    validate_columns(adtte, src, ("USUBJID", "PARAMCD", "AVAL", "CNSR"))
    a = adtte.reset_index(drop=True)
    a.attrs = dict(adtte.attrs)
    aval = pd.to_numeric(a["AVAL"], errors="coerce")
    cnsr = pd.to_numeric(a["CNSR"], errors="coerce")
    fail_at_first(a, "adtte", (aval < 0).to_numpy(), "AVAL", "a time >= 0")
    fail_at_first(a, "adtte", (a["CNSR"].notna() & ~((cnsr >= 0) & (cnsr == np.round(cnsr)))).to_numpy(), "CNSR",
          "0 (event) or a whole number > 0 (censored)")
    unit = upper_text(a["AVALU"]).fillna("DAYS") if "AVALU" in a else pd.Series("DAYS", index=a.index)
    fail_at_first(a, "adtte", (~unit.isin(list(_DAYS))).to_numpy(), "AVALU", "one of " + ", ".join(_DAYS))
    rows = a.assign(USUBJID=a["USUBJID"].astype(str), AVAL=aval * unit.map(_DAYS), CNSR_ADAM=cnsr,
                    CNSR=np.where(cnsr > 0, 1.0, np.where(cnsr == 0, 0.0, np.nan)))
    mine = upper_text(rows["PARAMCD"]).eq(param.upper())
    fail_at_first(a, "adtte", (mine & rows["USUBJID"].where(mine).duplicated()).to_numpy(), "USUBJID",
          f"one {param} record per subject")
    fail_at_first(a, "adtte", (mine & cnsr.isna() & aval.notna()).to_numpy(), "CNSR", "0 (event) or > 0 (censored)",
          "CNSR is required with AVAL (ADaM BDS-TTE).")
    rows = rows[mine]
    pop = adsl.reset_index(drop=True).assign(USUBJID=lambda d: d["USUBJID"].astype(str))
    carry = [c for c in _CARRY if c in pop.columns]
    keep = [c for c in ("PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "CNSR_ADAM", "EVNTDESC", "CNSDTDSC")
            if c in rows.columns]
    out = pop[["USUBJID", *carry]].merge(rows[["USUBJID", *keep]], on="USUBJID",
                                         how="inner" if param.upper() == "DOR" else "left")
    for c in ("PARAM", "STARTDT", "ADT", "EVNTDESC", "CNSDTDSC"):
        if c not in out:
            out[c] = pd.NaT if c in ("STARTDT", "ADT") else None
    out["PARAMCD"] = param
    out["PARAM"] = out["PARAM"].fillna(param)
    no_record = ~out["USUBJID"].isin(rows["USUBJID"])
    out["FLAGS"] = np.where(no_record, f"no {param} record in {src}",
                            np.where(out["AVAL"].isna(), "AVAL missing in ADTTE", ""))
    outside = ~rows["USUBJID"].isin(pop["USUBJID"])
    out.attrs["notes"] = ([f"{int(outside.sum())} {param} record(s) of {src} are of subjects outside the analysis "
                           "population and were not used."] if outside.any() else []) + (
        [f"{int(no_record.sum())} subject(s) of the analysis population have no {param} record in {src} "
         "(not in the Kaplan-Meier estimate)."] if no_record.any() else [])
    return out[["USUBJID", *carry, "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "CNSR_ADAM", "EVNTDESC",
                "CNSDTDSC", "FLAGS"]]


def adpc_concentrations(adpc: pd.DataFrame, adsl: pd.DataFrame | None = None, *, time: str = "actual",
                        specimens: Sequence[str] = ("PLASMA", "SERUM")) -> pd.DataFrame:
    """The NCA concentration-time frame from the sponsor's ADPC (ADNCA), one row per record.

    Parameters
    ----------
    adpc : pandas.DataFrame
        ADaM ADPC: USUBJID, PARAMCD (analyte), AVAL (concentration), and ARRLT or AFRLT
        (actual) / NRRLT or NFRLT (nominal) relative time with RRLTU (default hours); used
        when present: AVALU, DOSEA/DOSEU, PCSPEC (else PARCAT1), ALLOQ or PCLLOQ, AVALC,
        AVALCAT1, PCSTRESC, BLQFL, DTYPE, EVID, ROUTE.
    adsl : pandas.DataFrame, optional
        Its dose columns (DOSE_GROUP, DOSE_LEVEL, ...) are joined by USUBJID; its DOSE/DOSEU
        stand in when ADPC has no DOSEA.
    time : {"actual", "nominal"}
        Which relative time becomes ``time``.
    specimens : sequence of str
        Specimens analysed.

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`~doseflow.readout.pk.derive_pk_concentrations` (USUBJID, analyte,
        specimen, dose_number, dose, dose_unit, route, time_actual, time_nominal, time,
        time_unit "h", conc, conc_unit, lloq, blq, excluded, exclusion_reason, time_flag,
        source_row). ``dose_number`` numbers the reference doses (AFRLT - ARRLT) per subject.

    Raises
    ------
    DataError
        A required variable is missing, AVAL < 0, or an unknown time unit.

    Notes
    -----
    BLQ (ADNCA v1.0; admiral ``ad_adpc.R``): BLQFL "Y", or AVALC/AVALCAT1/PCSTRESC starting
    with "<" or reading BLQ, or AVAL < ALLOQ; the concentration is then 0 and the NCA applies
    its BLQ rules. Excluded with a reason, never dropped: dosing records (EVID 1 or PARAMCD
    "DOSE"), derived records (DTYPE not null, e.g. COPY or HALFLLOQ), other specimens,
    placebo (dose 0), a missing time, a missing non-BLQ AVAL, and times before the dose.
    """
    time = check_choice(time, "time", ("actual", "nominal"))
    src, _ = source_of(adpc, "adpc")
    validate_columns(adpc, src, ("USUBJID", "PARAMCD", "AVAL"))
    actual = next((c for c in ("ARRLT", "AFRLT") if c in adpc), None)
    nominal = next((c for c in ("NRRLT", "NFRLT") if c in adpc), None)
    if (actual if time == "actual" else nominal) is None:
        raise DataError(f"{src} variable {'ARRLT' if time == 'actual' else 'NRRLT'}",
                        f"present for [pk] time = \"{time}\" (or {'AFRLT' if time == 'actual' else 'NFRLT'})",
                        "missing")
    a = adpc.reset_index(drop=True)
    a.attrs = dict(adpc.attrs)
    conc = pd.to_numeric(a["AVAL"], errors="coerce")
    fail_at_first(a, "adpc", (conc < 0).to_numpy(), "AVAL", "a concentration >= 0")
    unit = upper_text(a["RRLTU"]).fillna("H") if "RRLTU" in a else pd.Series("H", index=a.index)
    fail_at_first(a, "adpc", (~unit.isin(list(_HOURS))).to_numpy(), "RRLTU", "a time unit (h, min, days)")
    hours = unit.map(_HOURS).astype(float)
    out = a.copy()
    out["source_row"] = a.index.to_numpy() + source_of(adpc, "adpc")[1]
    out["USUBJID"] = a["USUBJID"].astype(str)
    out["analyte"] = a["PARAMCD"].astype(str)
    spec_col = next((c for c in ("PCSPEC", "PARCAT1") if c in a), None)
    notes: list[str] = []
    out["specimen"] = upper_text(a[spec_col]).fillna("") if spec_col else specimens[0].upper()
    if spec_col is None:
        notes.append(f"{src} has neither PCSPEC nor PARCAT1: every record is taken as {specimens[0].upper()}.")
    out["time_actual"] = pd.to_numeric(a[actual], errors="coerce") * hours if actual else np.nan
    out["time_nominal"] = pd.to_numeric(a[nominal], errors="coerce") * hours if nominal else np.nan
    out["time"] = out["time_actual"] if time == "actual" else out["time_nominal"]
    out["time_unit"] = "h"
    ref = (pd.to_numeric(a["AFRLT"], errors="coerce") - pd.to_numeric(a["ARRLT"], errors="coerce")) * hours \
        if {"AFRLT", "ARRLT"} <= set(a.columns) else pd.Series(0.0, index=a.index)
    out["dose_number"] = ref.round(6).groupby(out["USUBJID"]).rank(method="dense").fillna(1).astype("Int64")
    lloq = next((pd.to_numeric(a[c], errors="coerce") for c in ("ALLOQ", "PCLLOQ") if c in a),
                pd.Series(np.nan, index=a.index))
    blq = (conc < lloq).to_numpy()
    for c in ("AVALC", "AVALCAT1", "PCSTRESC"):
        if c in a:
            blq |= a[c].astype("object").fillna("").astype(str).str.match(_BLQ).to_numpy()
    if "BLQFL" in a:
        blq |= upper_text(a["BLQFL"]).eq("Y").to_numpy()
    out["blq"] = blq
    out["conc"] = np.where(blq, 0.0, conc)
    out["lloq"] = lloq.to_numpy()
    out["conc_unit"] = a["AVALU"].fillna("").astype(str) if "AVALU" in a else ""
    keyed = None if adsl is None else adsl.assign(USUBJID=adsl["USUBJID"].astype(str)).set_index("USUBJID")
    if "DOSEA" in a:
        out["dose"] = pd.to_numeric(a["DOSEA"], errors="coerce")
        out["dose_unit"] = a["DOSEU"].fillna("").astype(str) if "DOSEU" in a else ""
    elif keyed is not None and "DOSE" in keyed:
        out["dose"] = out["USUBJID"].map(keyed["DOSE"]).astype(float)
        out["dose_unit"] = out["USUBJID"].map(keyed["DOSEU"]).fillna("").astype(str) if "DOSEU" in keyed else ""
        notes.append(f"{src} has no DOSEA: each subject's ADSL dose is used for the NCA.")
    else:
        raise DataError(f"{src} variable DOSEA", "present (or an ADSL with DOSE)", "missing")
    route = upper_text(a["ROUTE"]).fillna("").astype(str) if "ROUTE" in a else pd.Series("", index=a.index)
    iv = route.str.contains("INTRAVENOUS")
    out["route"] = np.where(iv & route.str.contains("BOLUS"), "iv bolus", np.where(iv, "iv infusion",
                                                                                  "extravascular"))
    out["infusion_duration"] = np.nan
    reason = np.full(len(a), "", dtype=object)

    def mark(mask: object, text: object) -> None:
        m = np.asarray(mask, dtype=bool) & (reason == "")
        reason[m] = text if isinstance(text, str) else np.asarray(text, dtype=object)[m]

    evid = pd.to_numeric(a["EVID"], errors="coerce").eq(1) if "EVID" in a else False
    mark(evid | out["analyte"].str.upper().eq("DOSE"), "dosing record (EVID 1 / PARAMCD DOSE), not a concentration")
    if "DTYPE" in a:
        dtype = upper_text(a["DTYPE"])
        mark(dtype.notna(), "derived record (DTYPE " + dtype.fillna("").astype(str) + "), not an original sample")
    keep = {s.strip().upper() for s in specimens}
    mark(~out["specimen"].isin(keep), "specimen not analysed (not in [pk] specimens)")
    mark(out["time"].isna(), f"{'actual' if time == 'actual' else 'nominal'} relative time missing")
    mark(out["dose"].isna(), "dose missing")
    mark(out["dose"].eq(0), "placebo dose (0): no NCA")
    mark(out["conc"].isna() & ~out["blq"], "AVAL missing and not BLQ")
    mark(out["time"] < 0, "sample before the dose: outside the dosing interval")
    out["exclusion_reason"] = reason
    out["excluded"] = reason != ""
    out["time_flag"] = ""
    if keyed is not None:
        extra = [c for c in keyed.columns if c not in out.columns]
        out = out.merge(keyed[extra], left_on="USUBJID", right_index=True, how="left")
    if "ROUTE" not in a:
        notes.append(f"{src} has no ROUTE: doses are taken as extravascular (CL/F, Vz/F).")
    out = out.sort_values(["USUBJID", "analyte", "specimen", "dose_number", "time", "source_row"],
                          kind="mergesort", na_position="last").reset_index(drop=True)
    out.attrs = {"source": src, "notes": notes}
    return out
