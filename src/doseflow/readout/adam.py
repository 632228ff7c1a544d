"""Sponsor ADaM datasets mapped onto the frames the readout analyses take.

When a folder holds ADaM ADSL, ADAE, ADRS, ADTTE or ADPC, the sponsor's derivations win over
doseflow's re-derivation from SDTM (:mod:`doseflow.readout.pipeline` decides which source each
analysis uses and says so in its notes). Each function here takes one validated ADaM dataset
(as :func:`doseflow.cdisc.read_sdtm` returns it: ``num`` variables float, ``DATE9.`` dates
datetime64, ``attrs["source"]`` the file name) and returns the frame of the analysis:

- :func:`adsl_from_adam`: doseflow's ADSL contract (:data:`~doseflow.readout.adsl.ADSL_COLUMNS`);
- :func:`adae_to_safety`: AE records with the sponsor's TRTEMFL, relatedness and grade, for
  :func:`~doseflow.readout.safety.incidence.tabulate_ae_incidence` and
  :func:`~doseflow.readout.safety.dlt.tabulate_dlt`;
- :func:`adrs_best_response`: a :class:`~doseflow.readout.efficacy.BestOverallResponse` from the
  BOR/CBOR parameter;
- :func:`adtte_frame`: one record per subject for :func:`~doseflow.readout.efficacy.estimate_km`;
- :func:`adpc_concentrations`: the concentration-time frame of
  :func:`~doseflow.readout.pk.compute_nca`.

Nothing is re-derived that the sponsor's dataset holds, and no record is dropped silently: a
subject of the population without an ADaM record gets a missing value with the reason in
FLAGS, a record that cannot be used is listed in the notes or excluded with its reason. A
value that breaks the ADaM convention raises :class:`~doseflow.errors.DataError` naming the
file, row, column and value.

References
----------
CDISC ADaM Implementation Guide v1.3 (2021), sec. 3.2 (ADSL: TRT01A, TRTSDT, SAFFL).
CDISC ADaM OCCDS v1.1 (2023) (ADAE: TRTEMFL, AREL, ATOXGR, ASEV, ASTDT).
CDISC ADaM BDS for Time-to-Event Analyses v1.0 (2012) (ADTTE: AVAL, CNSR, STARTDT, ADT).
CDISC ADaM IG for Non-compartmental Analysis Input Data v1.0 (2021) (ADPC: ARRLT, NRRLT, AFRLT).
pharmaverse admiral templates ``ad_adsl.R``, ``ad_adae.R``, ``ad_adpc.R`` and admiralonco
``ad_adrs.R`` (PARAMCD OVR, BOR, CBOR), ``ad_adtte.R`` (PFS), 2023.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from doseflow.errors import DataError
from doseflow.readout.adam_endpoints import adpc_concentrations, adrs_best_response, adtte_frame
from doseflow.readout.adsl import ADSL_COLUMNS
from doseflow.readout.inputs import calendar_date, fail_at_first, source_of, upper_text, validate_columns
from doseflow.readout.safety.flags import (
    GRADE_SOURCE_CTCAE,
    GRADE_SOURCE_SEVERITY,
    RELATED_VALUES,
    SEVERITY_GRADES,
    derive_related,
    derive_teae,
)

__all__ = ["adsl_from_adam", "adae_to_safety", "describe_adae_methods", "adrs_best_response", "adtte_frame",
           "adpc_concentrations", "parse_dose_label"]

_DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*((?:mg|ug|µg|mcg|g|ng|iu|mbq)(?:/(?:kg|m2|m\^2|day|d))?)(?![a-z])",
                   re.IGNORECASE)


def parse_dose_label(label: object) -> tuple[float, str | None]:
    """The dose and unit named in a treatment label: ``"GQ1001 1.2 mg/kg"`` -> ``(1.2, "mg/kg")``.

    A label containing "PLACEBO" is dose 0; a label without a number followed by a dose unit
    (mg, ug, g, ng, IU, MBq, optionally per kg, m2 or day) gives ``(nan, None)``.

    Examples
    --------
    >>> parse_dose_label("Drug X 2.4 mg/kg Q3W"), parse_dose_label("Placebo"), parse_dose_label("High Dose")
    ((2.4, 'mg/kg'), (0.0, None), (nan, None))
    """
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return np.nan, None
    text = str(label)
    if "PLACEBO" in text.upper():
        return 0.0, None
    found = _DOSE.findall(text)
    return (float(found[-1][0]), found[-1][1]) if found else (np.nan, None)


def adsl_from_adam(adsl: pd.DataFrame, *, dose_var: str | None = None, tumour_type_var: str = "TUMTYPE",
                   prior_lines_var: str = "PRIORLN") -> pd.DataFrame:
    """The sponsor's ADaM ADSL in doseflow's ADSL contract, one row per subject, none dropped.

    Parameters
    ----------
    adsl : pandas.DataFrame
        ADaM ADSL: USUBJID, STUDYID, AGE, SEX, ARM, ACTARM, TRT01A (actual treatment of
        period 1); used when present: RACE, TRTSDT, TRTEDT, RANDDT, DTHDT (dates), SAFFL,
        TRT01AN, DOSEU, TRTDURD, the tumour-type and prior-lines variables.
    dose_var : str, optional
        Numeric ADSL variable holding the dose (e.g. "TRT01AN" when it is the dose). Default:
        the dose and unit are read from the TRT01A label (:func:`parse_dose_label`).
    tumour_type_var, prior_lines_var : str
        ADSL variables returned as TUMTYPE and PRIORLN (NaN with a note when absent).

    Returns
    -------
    pandas.DataFrame
        :data:`~doseflow.readout.adsl.ADSL_COLUMNS`, then the other ADSL variables.
        DOSE_GROUP is TRT01A and DOSE/DOSEU the dose, for the safety population (SAFFL "Y");
        DOSE_LEVEL is 1-based by increasing dose (then TRT01AN, then label when a dose is
        unknown). ``attrs["notes"]`` says what was taken from where.

    Raises
    ------
    DataError
        A required variable is missing, a subject repeats, ``dose_var`` is absent or not a
        number >= 0, or the doses have more than one unit.

    Notes
    -----
    Each variable is the sponsor's (ADaMIG v1.3 sec. 3.2); only what ADSL lacks is filled
    in: SAFFL "Y" when TRTSDT is present (admiral ``ad_adsl.R``: at least one valid dose),
    TRTDURD = TRTEDT - TRTSDT + 1 (admiral ``derive_var_trtdurd``).

    Examples
    --------
    >>> a = pd.DataFrame({"USUBJID": ["1", "2", "3"], "STUDYID": "S", "AGE": [50.0, 60.0, 70.0], "SEX": "F",
    ...     "ARM": "A", "ACTARM": "A", "TRT01A": ["2.4 mg/kg", "1.2 mg/kg", None], "SAFFL": ["Y", "Y", "N"],
    ...     "TRTSDT": pd.to_datetime(["2022-01-03", "2022-02-01", None]),
    ...     "TRTEDT": pd.to_datetime(["2022-01-24", "2022-02-01", None])})
    >>> adsl_from_adam(a)[["USUBJID", "DOSE", "DOSE_GROUP", "DOSE_LEVEL", "TRTDURD"]].values.tolist()
    [['1', 2.4, '2.4 mg/kg', 2, 22.0], ['2', 1.2, '1.2 mg/kg', 1, 1.0], ['3', nan, nan, <NA>, nan]]
    """
    src, first = source_of(adsl, "adsl")
    validate_columns(adsl, src, ("USUBJID", "STUDYID", "AGE", "SEX", "ARM", "ACTARM", "TRT01A"))
    a = adsl.reset_index(drop=True)
    ids = a["USUBJID"].astype(str)
    fail_at_first(a, "adsl", ids.duplicated().to_numpy(), "USUBJID", "one record per subject")
    notes: list[str] = []
    out = pd.DataFrame({"USUBJID": ids, "STUDYID": a["STUDYID"], "AGE": pd.to_numeric(a["AGE"], errors="coerce"),
                        "SEX": a["SEX"], "RACE": a["RACE"] if "RACE" in a else np.nan, "ARM": a["ARM"],
                        "ACTARM": a["ACTARM"]})
    for col in ("TRTSDT", "TRTEDT", "RANDDT", "DTHDT"):
        out[col] = pd.to_datetime(a[col]) if col in a else pd.Series(pd.NaT, index=a.index, dtype="datetime64[ns]")
        if f"{col}F" in a:
            out[f"{col}F"] = a[f"{col}F"].astype("object")
        elif col != "RANDDT":
            out[f"{col}F"] = None
    if "SAFFL" in a:
        saffl = upper_text(a["SAFFL"])
        odd = saffl.notna() & ~saffl.isin(["Y", "N"])
        if odd.any():
            notes.append(f"ADSL SAFFL: {int(odd.sum())} subject(s) with a value other than Y/N count as not treated.")
        out["SAFFL"] = np.where(saffl.eq("Y"), "Y", "N")
    else:
        out["SAFFL"] = np.where(out["TRTSDT"].notna(), "Y", "N")
        notes.append(f"{src} has no SAFFL: the safety population is the subjects with TRTSDT (admiral ad_adsl.R).")
    safe = out["SAFFL"].eq("Y")
    label = a["TRT01A"].astype("object").where(a["TRT01A"].notna(), None)
    parsed = [parse_dose_label(v) for v in label]
    if dose_var is not None:
        validate_columns(a, src, (dose_var,))
        dose = pd.to_numeric(a[dose_var], errors="coerce")
        fail_at_first(a, "adsl", ((dose.isna() & a[dose_var].notna()) | (dose < 0)).to_numpy(), dose_var, "a dose >= 0")
        what = f"ADSL {dose_var}"
    else:
        dose = pd.Series([d for d, _ in parsed], index=a.index, dtype=float)
        what = "the TRT01A label"
    unit = a["DOSEU"].astype("object") if "DOSEU" in a else pd.Series([u for _, u in parsed], index=a.index,
                                                                       dtype="object")
    out["DOSE"] = dose.where(safe).astype(float)
    out["DOSEU"] = unit.where(safe & (dose > 0))
    units = sorted(set(out["DOSEU"].dropna().astype(str)))
    if len(units) > 1:
        raise DataError(f"{src} variable {'DOSEU' if 'DOSEU' in a else 'TRT01A'}", "one dose unit", units,
                        "Dose levels cannot be ordered across units.")
    out["DOSE_GROUP"] = label.where(safe)
    unknown = safe & out["DOSE"].isna()
    if unknown.any():
        notes.append(f"ADSL: no dose found in {what} for {int(unknown.sum())} treated subject(s) "
                     f"({', '.join(sorted(set(map(str, label[unknown].dropna()))))}); their dose levels follow "
                     f"{'TRT01AN, then ' if 'TRT01AN' in a else ''}the label.")
    order = pd.DataFrame({"group": out["DOSE_GROUP"], "dose": out["DOSE"],
                          "code": pd.to_numeric(a["TRT01AN"], errors="coerce") if "TRT01AN" in a else np.nan})[safe]
    order = order.dropna(subset=["group"]).groupby("group").agg(dose=("dose", "max"), code=("code", "min"))
    ranked = sorted(order.index, key=lambda g: (np.isnan(order.loc[g, "dose"]), order.loc[g, "dose"],
                                                order.loc[g, "code"], str(g)))
    out["DOSE_LEVEL"] = out["DOSE_GROUP"].map({g: i for i, g in enumerate(ranked, start=1)}).astype("Int64")
    if (safe & out["DOSE_GROUP"].isna()).any():
        notes.append(f"ADSL: {int((safe & out['DOSE_GROUP'].isna()).sum())} treated subject(s) without TRT01A are "
                     "shown as dose group 'Missing'.")
    if "TRTDURD" in a:
        out["TRTDURD"] = pd.to_numeric(a["TRTDURD"], errors="coerce")
    else:
        out["TRTDURD"] = (calendar_date(out["TRTEDT"]) - calendar_date(out["TRTSDT"])).dt.days + 1.0
    for target, name in (("TUMTYPE", tumour_type_var), ("PRIORLN", prior_lines_var)):
        out[target] = a[name] if name in a else np.nan
        if name not in a:
            notes.append(f"{target} ({name}) is not in {src}.")
    out["PRIORLN"] = pd.to_numeric(out["PRIORLN"], errors="coerce")
    extra = [c for c in a.columns if c not in out.columns and c not in ADSL_COLUMNS]
    out = pd.concat([out[list(ADSL_COLUMNS)], a[extra]], axis=1)
    notes.insert(0, f"Subjects, treatment dates and dose groups are the sponsor's ADSL ({src}): dose group "
                    f"TRT01A, dose from {what}, dose levels by increasing dose.")
    out.attrs["notes"] = notes
    return out


def adae_to_safety(adae: pd.DataFrame, adsl: pd.DataFrame | None = None, *,
                   related_values: Iterable[str] = RELATED_VALUES, missing_relationship: str = "related",
                   window_days: int = 30) -> pd.DataFrame:
    """ADAE records with the sponsor's TRTEMFL, relatedness and grade, ready for the AE tables and DLTs.

    Parameters
    ----------
    adae : pandas.DataFrame
        ADaM ADAE: USUBJID, AEDECOD, AEBODSYS; used when present: TRTEMFL (Y or null),
        ASTDT (analysis start date), AREL (else AEREL), ATOXGR (else AETOXGR), ASEV (else
        AESEV), and the AE variables of the overview (AESER, AEOUT, AESDTH, AEACN) and DLT flag.
    adsl : pandas.DataFrame, optional
        Subject-level frame; with it, the records where doseflow's TEAE rule
        (:func:`~doseflow.readout.safety.flags.derive_teae`) would disagree with the sponsor's
        TRTEMFL are counted in the notes (the sponsor's flag is still the one used).
    related_values, missing_relationship
        How AREL text is dichotomised (see :func:`~doseflow.readout.safety.flags.derive_related`).
    window_days : int
        The TEAE window of that comparison.

    Returns
    -------
    pandas.DataFrame
        A copy with TRTEMFL ("Y"/"N") and TRTEMRUL (its source) when ADAE has TRTEMFL;
        AERELFL when it has AREL or AEREL; AGRADE/AGRADESRC when it has a grade or severity
        (AETOXGR then holds the analysis grade); AESTDTC set to ASTDT where ASTDT is present
        (the sponsor's imputed date; the raw value is kept in AESTDTC_RAW and the sponsor's
        imputation flag in ASTDTF_ADAE). ``attrs["sources"]`` maps each flag to the variable
        it came from, ``attrs["notes"]`` lists what was used.

    Raises
    ------
    DataError
        A required variable is missing, or a grade is not 1-5 or a severity not
        MILD/MODERATE/SEVERE (naming file, row, column and value).

    Notes
    -----
    The sponsor's flags are used as recorded (ADaM OCCDS v1.1): TRTEMFL "Y" is emergent,
    anything else not (ADaM flags are "Y" or null); AREL is the analysis causality, counted
    as related when in ``related_values`` (WHO-UMC dichotomy); ATOXGR the analysis CTCAE
    grade, ASEV the analysis severity (MILD 1, MODERATE 2, SEVERE 3 when no grade).

    Examples
    --------
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1"], "AEDECOD": ["NAUSEA", "RASH"], "AEBODSYS": "X",
    ...     "TRTEMFL": ["Y", None], "AREL": ["PROBABLE", "NONE"], "ATOXGR": ["3", "1"]})
    >>> adae_to_safety(adae)[["TRTEMFL", "AERELFL", "AGRADE"]].values.tolist()
    [['Y', 'Y', 3.0], ['N', 'N', 1.0]]
    """
    src, _ = source_of(adae, "adae")
    validate_columns(adae, src, ("USUBJID", "AEDECOD", "AEBODSYS"))
    out = adae.reset_index(drop=True).copy()
    out.attrs = dict(adae.attrs)
    sources: dict[str, str] = {}
    notes: list[str] = []
    if "TRTEMFL" in out:
        flag = upper_text(out["TRTEMFL"]).eq("Y")
        out["TRTEMFL"] = np.where(flag, "Y", "N")
        out["TRTEMRUL"] = np.where(flag, "sponsor ADAE TRTEMFL Y", "sponsor ADAE TRTEMFL not Y")
        sources["TRTEMFL"] = "TRTEMFL"
        if adsl is not None and "AESTDTC" in out:
            ours = derive_teae(out.drop(columns=["TRTEMFL"]), adsl, window_days=window_days,
                               unknown_subjects="note")["TRTEMFL"].eq("Y").to_numpy()
            more, fewer = int((flag & ~ours).sum()), int((~flag & ours).sum())
            if more or fewer:
                notes.append(f"ADAE TRTEMFL: the sponsor's flag was used; doseflow's rule (first dose to last dose + "
                             f"{window_days} days, derive_teae) would differ for {more + fewer} record(s): {more} "
                             f"emergent only by the sponsor's flag, {fewer} only by doseflow's rule.")
    else:
        notes.append(f"{src} has no TRTEMFL: treatment emergence is derived by doseflow's rule from AESTDTC.")
    if "ASTDT" in out:
        have = out["ASTDT"].notna()
        out["AESTDTC_RAW"] = out["AESTDTC"] if "AESTDTC" in out else None
        raw = out["AESTDTC"] if "AESTDTC" in out else pd.Series(None, index=out.index, dtype=object)
        out["AESTDTC"] = pd.to_datetime(out["ASTDT"]).dt.strftime("%Y-%m-%d").where(have, raw)
        sources["start"] = "ASTDT"
    if "ASTDTF" in out:
        n_imp = int(upper_text(out["ASTDTF"]).notna().sum())
        out = out.rename(columns={"ASTDTF": "ASTDTF_ADAE"})
        if n_imp:
            notes.append(f"{n_imp} ADAE record(s) have a start date imputed by the sponsor (ASTDTF).")
    rel = next((c for c in ("AREL", "AEREL") if c in out and out[c].notna().any()), None)
    if rel is not None:
        out["AERELFL"] = derive_related(pd.DataFrame({"AEREL": out[rel]}), related_values,
                                        missing=missing_relationship)["AERELFL"].to_numpy()
        out["AEREL"] = out[rel]
        sources["related"] = rel
    tox_col = next((c for c in ("ATOXGRN", "ATOXGR", "AETOXGR") if c in out and out[c].notna().any()), None)
    sev_col = next((c for c in ("ASEV", "AESEV") if c in out and out[c].notna().any()), None)
    if tox_col or sev_col:
        tox = pd.to_numeric(out[tox_col], errors="coerce") if tox_col else pd.Series(np.nan, index=out.index)
        if tox_col:
            fail_at_first(out, "adae", (out[tox_col].notna() & ~tox.isin([1.0, 2.0, 3.0, 4.0, 5.0])).to_numpy(), tox_col,
                  "a CTCAE grade 1-5")
        sev_text = upper_text(out[sev_col]) if sev_col else pd.Series(np.nan, index=out.index, dtype=object)
        sev = sev_text.map(SEVERITY_GRADES).astype(float)
        if sev_col:
            fail_at_first(out, "adae", (sev_text.notna() & sev.isna()).to_numpy(), sev_col, "one of MILD, MODERATE, SEVERE")
        out["AGRADE"] = np.where(tox.notna(), tox, sev).astype(float)
        out["AGRADESRC"] = np.where(tox.notna(), GRADE_SOURCE_CTCAE,
                                    np.where(sev.notna(), GRADE_SOURCE_SEVERITY, None)).astype(object)
        out["AETOXGR"] = tox.to_numpy()
        sources["grade"] = " then ".join(c for c in (tox_col, sev_col) if c)
    out.attrs["sources"] = sources
    out.attrs["notes"] = notes
    return out


def describe_adae_methods(sources: dict[str, str], source: str, event_label: str, grade_label: str, *,
                          related_values: Iterable[str] = RELATED_VALUES, min_pct: float | None = None,
                          grade_min: int | None = None) -> str:
    """The methods paragraph of an AE table made from the sponsor's ADAE (which flags came from where)."""
    text = (f"Input: the sponsor's ADaM ADAE ({source}); its flags are used as derived by the sponsor, not "
            "re-derived by doseflow. Treatment-emergent AEs (TEAEs): "
            + (f"ADAE {sources['TRTEMFL']} = 'Y'" if "TRTEMFL" in sources else
               "ADAE has no TRTEMFL, so doseflow's rule (first dose to last dose + window, admiral "
               "derive_var_trtemfl) was applied") + ".")
    if event_label == "TRAE" and "related" in sources:
        text += (f" Treatment-related AEs (TRAEs): TEAEs with ADAE {sources['related']} in "
                 f"{', '.join(sorted(set(related_values)))} (WHO-UMC dichotomy).")
    text += (f" Grade: ADAE {sources.get('grade', 'none')} (CTCAE v5.0 grade, or severity MILD 1, MODERATE 2, "
             f"SEVERE 3 where no grade); the column '{grade_label}' is labelled accordingly. Each subject is counted "
             "once per system organ class and preferred term, at the worst grade; denominators are the safety "
             "population of each group (ICH E3 section 12.2). Rows are sorted by the overall number of subjects, "
             "descending, then alphabetically.")
    if grade_min is not None:
        text += f" Only events of grade >= {grade_min} are tabulated."
    if min_pct is not None:
        text += f" Rows are shown when the overall incidence is strictly greater than {min_pct:g}%."
    return text


