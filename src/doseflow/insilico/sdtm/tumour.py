"""Tumour assessments of a virtual trial as SDTM oncology domains: TU, TR and RS.

SDTMIG v3.4 §6.3 oncology domains: TU identifies each target lesion once at baseline, TR
records its measurements per scan (and the sum of diameters), RS the RECIST 1.1 overall
response per scan. The link is TULNKID = TRLNKID (``"T01"``..). The layout follows the
CDISC pilot oncology data of the pharmaverse (``tu_onco``/``tr_onco``/``rs_onco``): TRGRPID
``"TARGET"`` on target-lesion records and on ``SUMDIAM``, RSCAT ``"RECIST 1.1"``, and
RSTESTCD ``NEWLPROG`` for the new-lesion finding; that is what
:func:`doseflow.readout.efficacy.tumour.derive_tumour_change` and
:func:`doseflow.readout.efficacy.recist.derive_overall_responses` read. Only target lesions
are simulated (no non-target lesions), so there is no NTRGRESP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.errors import DataError
from doseflow.insilico.sdtm.calendar import StudyCalendar, assign_seq, format_number, validate_flags, validate_numbers
from doseflow.insilico.sdtm.options import SDTMOptions
from doseflow.insilico.trial.data import VirtualTrialData

__all__ = ["RESPONSES", "SCAN_VISITNUM_OFFSET", "derive_tu", "derive_tr", "derive_rs"]

#: ``responses.response`` values (RECIST 1.1 time-point responses); empty/NaN = not assessed.
RESPONSES = ("CR", "PR", "SD", "PD", "NE")

#: VISITNUM of scan k is this + k (BASELINE = 100), apart from the cycle visits (n + d/1000).
SCAN_VISITNUM_OFFSET = 100.0


def _scan_visits(scan: np.ndarray, opt: SDTMOptions) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(scan.astype(np.int64)))
    names = np.array([opt.scan_visit(int(k)) for k in uniques], dtype=object)
    return names[codes], SCAN_VISITNUM_OFFSET + scan.astype(float)


def _measurements(data: VirtualTrialData) -> dict[str, np.ndarray]:
    num = validate_numbers(data.measurements, "measurements", ("patient", "scan", "day"))
    num.update(validate_numbers(data.measurements, "measurements", ("diameter_mm",), allow_nan=("diameter_mm",)))
    bad = (num["scan"] < 0) | (num["scan"] != np.floor(num["scan"]))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'measurements' row {pos + 1}, column scan", "a whole number >= 0",
                        data.measurements["scan"].iloc[pos])
    num["patient"] = num["patient"].astype(np.int64)
    num["lesion"] = data.measurements["lesion"].astype(str).to_numpy(dtype=object)
    return num


def derive_tu(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM TU: one record per target lesion, identified at the baseline scan.

    TULNKID the lesion id, TUTESTCD ``TUMIDENT``, TUORRES/TUSTRESC ``"TARGET"``, TULOC the
    location in upper case, TUMETHOD/TUEVAL from the options, TUDTC the date of the
    lesion's baseline (scan 0) measurement.

    Raises
    ------
    DataError
        A lesion listed twice, a lesion without a scan-0 measurement, or a scan-0
        measurement that differs from the lesion's ``baseline_mm`` (two baseline sizes).
    """
    les = data.lesions.reset_index(drop=True)
    num = validate_numbers(les, "lesions", ("patient", "baseline_mm"))
    patient = num["patient"].astype(np.int64)
    lesion = les["lesion"].astype(str).to_numpy(dtype=object)
    keys = pd.MultiIndex.from_arrays([patient, lesion])
    if keys.duplicated().any():
        pos = int(np.flatnonzero(keys.duplicated())[0])
        raise DataError(f"virtual trial table 'lesions' row {pos + 1}, columns patient, lesion",
                        "a lesion listed once per patient", (int(patient[pos]), lesion[pos]))
    m = _measurements(data)
    at0 = m["scan"] == 0
    base = pd.DataFrame({"day": m["day"][at0], "mm": m["diameter_mm"][at0]},
                        index=pd.MultiIndex.from_arrays([m["patient"][at0], m["lesion"][at0]]))
    base = base[~base.index.duplicated(keep="first")].reindex(keys)
    missing = base["day"].isna().to_numpy()
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise DataError(f"virtual trial table 'lesions' row {pos + 1}", "a target lesion measured at the baseline "
                        "scan (a 'measurements' row with scan 0)", (int(patient[pos]), lesion[pos]))
    differ = ~np.isclose(base["mm"].to_numpy(dtype=float), num["baseline_mm"], rtol=1e-9, atol=1e-9)
    if differ.any():
        pos = int(np.flatnonzero(differ)[0])
        raise DataError(f"virtual trial table 'lesions' row {pos + 1}, column baseline_mm",
                        f"the scan-0 diameter of lesion {lesion[pos]} ({base['mm'].iloc[pos]!r} mm)",
                        float(num["baseline_mm"][pos]), "TR takes the baseline size from 'measurements'.")
    day = base["day"].to_numpy(dtype=float)
    tu = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "TU", "USUBJID": cal.usubjid(patient),
        "TULNKID": lesion, "TUTESTCD": "TUMIDENT", "TUTEST": "Tumor Identification",
        "TUORRES": "TARGET", "TUSTRESC": "TARGET",
        "TULOC": les["location"].astype(str).str.upper().to_numpy(dtype=object),
        "TUMETHOD": opt.imaging_method, "TUEVAL": opt.evaluator,
        "VISITNUM": SCAN_VISITNUM_OFFSET, "VISIT": opt.scan_visit(0),
        "TUDTC": cal.dtc(patient, day, time=False), "TUDY": cal.study_day(patient, day),
        "_lesion": lesion, "_row": np.arange(patient.size),
    })
    tu = assign_seq(tu, ["_lesion", "_row"], "TU")
    return tu.drop(columns=["_lesion", "_row"])[["STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD",
                                                  "TUTEST", "TUORRES", "TUSTRESC", "TULOC", "TUMETHOD", "TUEVAL",
                                                  "VISITNUM", "VISIT", "TUDTC", "TUDY"]]


def _responses(data: VirtualTrialData) -> dict[str, np.ndarray]:
    r = data.responses.reset_index(drop=True)
    num = validate_numbers(r, "responses", ("patient", "scan", "day"))
    num.update(validate_numbers(r, "responses", ("sld_mm",), allow_nan=("sld_mm",)))
    bad = (num["scan"] < 1) | (num["scan"] != np.floor(num["scan"]))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'responses' row {pos + 1}, column scan", "a whole number >= 1",
                        r["scan"].iloc[pos])
    value = r["response"].astype("object")
    value = value.where(value.notna() & (value.astype(str).str.strip() != ""), None)
    bad = (value.notna() & ~value.isin(RESPONSES)).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'responses' row {pos + 1}, column response",
                        "one of 'CR', 'PR', 'SD', 'PD', 'NE' (or empty: not assessed)", r["response"].iloc[pos])
    num["patient"] = num["patient"].astype(np.int64)
    num["response"] = value.to_numpy(dtype=object)
    num["new_lesion"] = validate_flags(r, "responses", "new_lesion")
    return num


def derive_tr(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM TR: each lesion measurement (``LDIAM``, mm) and the sum of diameters per scan (``SUMDIAM``).

    LDIAM records copy ``measurements``. SUMDIAM has one record per patient and scan: the
    scan's ``responses.sld_mm`` (the sum the response was judged on) where a response row
    exists, else the sum of that scan's measured diameters (the baseline sum, scan 0); a
    missing value gives TRSTAT ``"NOT DONE"``. Both carry TRGRPID ``"TARGET"``; TRDTC is the
    scan date, VISIT ``"BASELINE"``/``"WEEK 6"``...
    """
    m = _measurements(data)
    r = _responses(data)
    n_m = m["patient"].size
    summed = pd.DataFrame({"patient": m["patient"], "scan": m["scan"], "day": m["day"], "mm": m["diameter_mm"],
                           "gap": np.isnan(m["diameter_mm"])})
    by_scan = summed.groupby(["patient", "scan"], sort=True).agg(day=("day", "min"), mm=("mm", "sum"),
                                                                 gap=("gap", "any"))
    by_scan["mm"] = by_scan["mm"].where(~by_scan.pop("gap"))  # a lesion not measured: sum not evaluable
    from_resp = pd.DataFrame({"day": r["day"], "mm": r["sld_mm"]},
                             index=pd.MultiIndex.from_arrays([r["patient"], r["scan"]], names=["patient", "scan"]))
    from_resp = from_resp[~from_resp.index.duplicated(keep="first")]
    sums = pd.concat([from_resp, by_scan[~by_scan.index.isin(from_resp.index)]]).sort_index()
    s_patient = sums.index.get_level_values("patient").to_numpy(dtype=np.int64)
    s_scan = sums.index.get_level_values("scan").to_numpy(dtype=float)
    patient = np.concatenate([m["patient"], s_patient])
    scan = np.concatenate([m["scan"], s_scan])
    day = np.concatenate([m["day"], sums["day"].to_numpy(dtype=float)])
    value = np.concatenate([m["diameter_mm"], sums["mm"].to_numpy(dtype=float)])
    is_sum = np.arange(patient.size) >= n_m
    text = format_number(value)
    visit, visitnum = _scan_visits(scan, opt)
    none = np.full(patient.size, None, dtype=object)
    tr = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "TR", "USUBJID": cal.usubjid(patient),
        "TRGRPID": "TARGET", "TRLNKID": np.concatenate([m["lesion"], np.full(s_scan.size, None, dtype=object)]),
        "TRTESTCD": np.where(is_sum, "SUMDIAM", "LDIAM").astype(object),
        "TRTEST": np.where(is_sum, "Sum of Diameter", "Longest Diameter").astype(object),
        "TRORRES": text, "TRORRESU": np.where(np.isfinite(value), "mm", none).astype(object),
        "TRSTRESC": text, "TRSTRESN": value, "TRSTRESU": np.where(np.isfinite(value), "mm", none).astype(object),
        "TRSTAT": np.where(np.isfinite(value), none, "NOT DONE").astype(object),
        "TRMETHOD": opt.imaging_method, "TREVAL": opt.evaluator,
        "VISITNUM": visitnum, "VISIT": visit,
        "TRDTC": cal.dtc(patient, day, time=False), "TRDY": cal.study_day(patient, day),
        "_scan": scan, "_sum": is_sum.astype(int), "_lesion": np.concatenate(
            [m["lesion"], np.full(s_scan.size, "", dtype=object)]).astype(str), "_row": np.arange(patient.size),
    })
    tr = assign_seq(tr, ["_scan", "_sum", "_lesion", "_row"], "TR")
    return tr[["STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRTEST", "TRORRES",
               "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT", "TRMETHOD", "TREVAL", "VISITNUM", "VISIT",
               "TRDTC", "TRDY"]]


def derive_rs(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM RS: per scan the RECIST 1.1 overall response (``OVRLRESP``) and ``NEWLPROG`` (Y/N).

    RSORRES = RSSTRESC = the response; a scan without a response has them null and RSSTAT
    ``"NOT DONE"``. RSCAT ``"RECIST 1.1"``, RSEVAL from the options, RSDTC the scan date.
    ``sld_mm`` is in TR (SUMDIAM); ``pct_change`` is derived from it (ADaM PCHG) and not
    written.
    """
    r = _responses(data)
    n = r["patient"].size
    none = np.full(n, None, dtype=object)
    visit, visitnum = _scan_visits(r["scan"], opt)
    common = {"STUDYID": data.study_id, "DOMAIN": "RS", "USUBJID": cal.usubjid(r["patient"]),
              "RSCAT": "RECIST 1.1", "RSEVAL": opt.evaluator, "VISITNUM": visitnum, "VISIT": visit,
              "RSDTC": cal.dtc(r["patient"], r["day"], time=False), "RSDY": cal.study_day(r["patient"], r["day"]),
              "_scan": r["scan"], "_row": np.arange(n)}
    response = r["response"]
    overall = pd.DataFrame({**common, "RSTESTCD": "OVRLRESP", "RSTEST": "Overall Response",
                            "RSORRES": response, "RSSTRESC": response,
                            "RSSTAT": np.where(pd.isna(response), "NOT DONE", none).astype(object), "_test": 0})
    newl = np.where(r["new_lesion"], "Y", "N").astype(object)
    new = pd.DataFrame({**common, "RSTESTCD": "NEWLPROG", "RSTEST": "New Lesion Progression",
                        "RSORRES": newl, "RSSTRESC": newl, "RSSTAT": none, "_test": 1})
    rs = assign_seq(pd.concat([overall, new], ignore_index=True), ["_scan", "_test", "_row"], "RS")
    return rs[["STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESC",
               "RSSTAT", "RSEVAL", "VISITNUM", "VISIT", "RSDTC", "RSDY"]]
