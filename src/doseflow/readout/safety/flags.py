"""Adverse-event analysis flags: treatment emergence, relatedness and the analysis grade.

Each function takes an SDTM AE frame and returns a copy with new columns (``derive_*``):

- :func:`derive_teae`: ASTDT/ASTDTF (imputed analysis start date), AENDT, TRTEMFL and the
  rule that decided it (TRTEMRUL);
- :func:`derive_related`: AERELFL, from AEREL;
- :func:`derive_grade`: AGRADE and its source AGRADESRC (CTCAE grade or AESEV severity).

The tables of :mod:`doseflow.readout.safety.incidence` and :mod:`~doseflow.readout.safety.overview` call these when the columns are absent, so a
user may derive them first with other options.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_choice, check_int
from doseflow.errors import DataError
from doseflow.readout.groups import group_labels
from doseflow.readout.inputs import (
    calendar_date,
    fail_at_first,
    upper_text,
    validate_columns,
    validate_numeric,
    validate_subjects,
)

__all__ = [
    "RELATED_VALUES",
    "SEVERITY_GRADES",
    "GRADE_SOURCE_CTCAE",
    "GRADE_SOURCE_SEVERITY",
    "derive_teae",
    "derive_related",
    "derive_grade",
    "select_emergent_events",
    "grade_column_label",
    "describe_ae_methods",
]

#: AEREL values counted as "related" by default (upper case; compared after stripping).
RELATED_VALUES: tuple[str, ...] = (
    "RELATED", "POSSIBLE", "POSSIBLY RELATED", "PROBABLE", "PROBABLY RELATED",
    "DEFINITE", "DEFINITELY RELATED", "DEFINITELY", "Y", "YES",
)

#: AESEV (CDISC CT codelist AESEV, C66769) mapped to an ordinal analysis grade.
SEVERITY_GRADES: dict[str, int] = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}

NOT_CODED_SOC = "(SOC not coded)"
NOT_CODED_TERM = "(term not coded)"
GRADE_SOURCE_CTCAE = "CTCAE grade (AETOXGR)"
GRADE_SOURCE_SEVERITY = "severity (AESEV), not CTCAE grade"


def derive_teae(
    ae: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    window_days: int = 30,
    missing_start: str = "emergent",
    unknown_subjects: str = "error",
) -> pd.DataFrame:
    """Flag treatment-emergent adverse events (TRTEMFL), with the imputed start date.

    Parameters
    ----------
    ae : pandas.DataFrame
        SDTM AE; required USUBJID and AESTDTC (ISO 8601, may be partial); AEENDTC used
        when present.
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl`: USUBJID, TRTSDT, TRTEDT.
    window_days : int, >= 0
        Days after the last dose (TRTEDT) during which a new event is still emergent.
    missing_start : {"emergent", "not_emergent"}
        How an AE without any start date is counted.
    unknown_subjects : {"error", "note"}
        AEs of subjects not in ADSL raise a DataError listing them, or (``"note"``) get
        TRTEMFL "N" with rule ``"not in ADSL"``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``ae`` with ASTDT (datetime64, calendar date), ASTDTF (imputation flag
        "D"/"M", or None), AENDT (latest possible end date), TRTEMFL ("Y"/"N") and
        TRTEMRUL (the rule that decided TRTEMFL, in words).

    Raises
    ------
    DataError
        Missing variables, dates that are not ISO 8601, an AEENDTC that is surely before
        its AESTDTC (the latest end the partial end date allows is before the earliest
        start), or unknown subjects.
    ConfigError
        Bad ``window_days`` or ``missing_start``.

    Notes
    -----
    Rules, applied in this order, the first that applies decides (admiral
    ``derive_var_trtemfl``; comparisons on calendar dates, so an AE on the day of the
    first dose is emergent):

    1. no treatment start (TRTSDT missing): "N", rule "not treated";
    2. the AE ended (AEENDTC completed to its *last* possible day) before TRTSDT: "N";
    3. no start date: "Y" (``missing_start="emergent"``, the conservative convention);
    4. TRTSDT <= ASTDT <= TRTEDT + ``window_days`` (no upper limit when TRTEDT is
       missing): "Y";
    5. otherwise "N" (before the first dose, or after the window).

    A partial AESTDTC is completed to the first day of its period, but never to a date
    before TRTSDT when TRTSDT lies in that period: "2022-03" with TRTSDT 2022-03-15
    gives 2022-03-15, since the AE may have begun on or after the first dose (admiral
    ``impute_dtc_dt(..., date_imputation = "first", min_dates = list(TRTSDT))``).

    References
    ----------
    pharmaverse admiral, ``derive_var_trtemfl`` and ``derive_vars_dt`` (``min_dates``),
    2023; ICH E9 (1998) and E3 (1995) §12.2 (treatment-emergent signs and symptoms).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2022-03-15"]),
    ...                      "TRTEDT": pd.to_datetime(["2022-04-01"])})
    >>> ae = pd.DataFrame({"USUBJID": "1", "AESTDTC": ["2022-03", "2022-05-01", "2022-05-02", None]})
    >>> out = derive_teae(ae, adsl)
    >>> out["ASTDT"].dt.strftime("%Y-%m-%d").tolist()[:3], out["TRTEMFL"].tolist()
    (['2022-03-15', '2022-05-01', '2022-05-02'], ['Y', 'Y', 'N', 'Y'])
    """
    window_days = check_int(window_days, "window_days", minimum=0)
    missing_start = check_choice(missing_start, "missing_start", ("emergent", "not_emergent"))
    unknown_subjects = check_choice(unknown_subjects, "unknown_subjects", ("error", "note"))
    validate_columns(ae, "ae", ("USUBJID", "AESTDTC"))
    validate_columns(adsl, "adsl", ("USUBJID", "TRTSDT", "TRTEDT"))
    validate_subjects(ae, "ae", adsl["USUBJID"], on_unknown=unknown_subjects,
                      hint="Pass unknown_subjects='note' to report them instead.")
    out = ae.copy()
    subj = out["USUBJID"].astype(str)
    keyed = adsl.assign(USUBJID=adsl["USUBJID"].astype(str)).set_index("USUBJID")
    known = subj.isin(keyed.index).to_numpy()
    trtsdt = calendar_date(subj.map(keyed["TRTSDT"]))
    trtedt = calendar_date(subj.map(keyed["TRTEDT"]))

    text = out["AESTDTC"].reset_index(drop=True)
    lo = parse_dtc(text, impute="first", where="ae column AESTDTC")
    hi = parse_dtc(text, impute="last", where="ae column AESTDTC")
    lo_d = calendar_date(lo["dt"]).to_numpy()
    hi_d = calendar_date(hi["dt"]).to_numpy()
    sdt = trtsdt.to_numpy()
    partial = lo["dtf"].notna().to_numpy()
    lift = partial & (sdt >= lo_d) & (sdt <= hi_d)          # TRTSDT within the partial period
    astdt = np.where(lift, sdt, lo_d)
    out["ASTDT"] = pd.to_datetime(astdt)
    out["ASTDTF"] = lo["dtf"].to_numpy()
    if "AEENDTC" in out.columns:
        end = parse_dtc(out["AEENDTC"].reset_index(drop=True), impute="last", where="ae column AEENDTC")
        out["AENDT"] = calendar_date(end["dt"]).to_numpy()
        before = (calendar_date(end["dt"]) < calendar_date(lo["dt"])).to_numpy()
        if before.any():
            pos = int(np.flatnonzero(before)[0])
            fail_at_first(ae, "ae", before, "AEENDTC", f"on or after AESTDTC ({text.iloc[pos]})",
                          "An adverse event cannot end before it starts; correct either date.")
    else:
        out["AENDT"] = pd.NaT

    start = out["ASTDT"].to_numpy()
    aendt = out["AENDT"].to_numpy()
    edt = trtedt.to_numpy()
    no_trt = np.isnat(sdt)
    ended_before = ~np.isnat(aendt) & (aendt < sdt)
    no_start = np.isnat(start)
    in_window = (start >= sdt) & (np.isnat(edt) | ((start - edt) <= np.timedelta64(window_days, "D")))
    rules = [
        (~known, "not in ADSL", "N"),
        (no_trt, "not treated", "N"),
        (ended_before, "ended before first dose", "N"),
        (no_start, "start missing", "Y" if missing_start == "emergent" else "N"),
        (in_window, "on treatment or within window", "Y"),
        (start < sdt, "started before first dose", "N"),
        (np.ones(len(out), dtype=bool), f"started after last dose + {window_days} days", "N"),
    ]
    conds = [c for c, _, _ in rules]
    out["TRTEMRUL"] = np.select(conds, [r for _, r, _ in rules], default="")
    out["TRTEMFL"] = np.select(conds, [f for _, _, f in rules], default="N")
    return out


def derive_related(
    ae: pd.DataFrame,
    related_values: Iterable[str] = RELATED_VALUES,
    *,
    missing: str = "related",
) -> pd.DataFrame:
    """Flag adverse events related to study treatment (AERELFL) from AEREL.

    Parameters
    ----------
    ae : pandas.DataFrame
        SDTM AE with AEREL (the investigator's causality assessment; sponsor terms).
    related_values : iterable of str
        AEREL values that mean "related", compared case-insensitively after stripping
        spaces. Default :data:`RELATED_VALUES` (POSSIBLE, PROBABLE, RELATED, DEFINITELY
        RELATED and their variants); REMOTE, UNLIKELY, NONE, NOT RELATED are not related.
    missing : {"related", "not_related"}
        How an AE with missing AEREL is counted. Default ``"related"``: the conservative
        convention of regulatory safety reporting (an event whose causality is not
        assessed is not excluded from drug-related tables).

    Returns
    -------
    pandas.DataFrame
        A copy of ``ae`` with AERELFL "Y"/"N".

    Raises
    ------
    DataError
        If AEREL is absent.

    Notes
    -----
    A treatment-related AE (TRAE) is a TEAE with AERELFL "Y". Causality categories follow
    the WHO-UMC system (possible, probable, certain are "related") as most phase I
    protocols dichotomise them; the mapping is configurable because AEREL is sponsor-
    defined in SDTM (SDTMIG 3.3 §6.2, AE).

    References
    ----------
    CDISC SDTM Implementation Guide 3.3, 2018, AE domain (AEREL). ICH E2A (1994),
    "adverse drug reaction: a causal relationship ... is at least a reasonable
    possibility". WHO-UMC causality assessment system, 2013.

    Examples
    --------
    >>> ae = pd.DataFrame({"AEREL": ["PROBABLE", "remote", None, "NONE"]})
    >>> derive_related(ae)["AERELFL"].tolist()
    ['Y', 'N', 'Y', 'N']
    """
    missing = check_choice(missing, "missing", ("related", "not_related"))
    validate_columns(ae, "ae", ("AEREL",))
    values = {str(v).strip().upper() for v in related_values}
    rel = upper_text(ae["AEREL"])
    out = ae.copy()
    flag = np.where(rel.isin(values), "Y", "N")
    out["AERELFL"] = np.where(rel.isna(), "Y" if missing == "related" else "N", flag)
    return out


def derive_grade(ae: pd.DataFrame) -> pd.DataFrame:
    """The analysis grade of each AE: CTCAE grade when recorded, else severity.

    Parameters
    ----------
    ae : pandas.DataFrame
        SDTM AE with AETOXGR (CTCAE grade 1-5, as text or number) and/or AESEV (MILD,
        MODERATE, SEVERE).

    Returns
    -------
    pandas.DataFrame
        A copy of ``ae`` with AGRADE (float 1-5; NaN when neither is recorded) and
        AGRADESRC (:data:`GRADE_SOURCE_CTCAE`, :data:`GRADE_SOURCE_SEVERITY`, or NaN).

    Raises
    ------
    DataError
        If neither AETOXGR nor AESEV is present, or a value is outside its codelist,
        naming the row and value.

    Notes
    -----
    Oncology trials grade AEs by CTCAE (grades 1-5, 5 = death). When AETOXGR is missing
    the SDTM severity AESEV is used as an ordinal stand-in, MILD = 1, MODERATE = 2,
    SEVERE = 3, and AGRADESRC says "severity (AESEV), not CTCAE grade" so that tables
    label it; a severe event need not be CTCAE grade >= 3 (severity describes intensity,
    CTCAE grade a defined clinical threshold).

    References
    ----------
    NCI CTCAE v5.0, 2017 (grade definitions). CDISC SDTMIG 3.3, AE (AESEV, AETOXGR).

    Examples
    --------
    >>> ae = pd.DataFrame({"AETOXGR": [None, "3", None], "AESEV": ["MILD", "MILD", None]})
    >>> derive_grade(ae)[["AGRADE", "AGRADESRC"]].values.tolist()
    [[1.0, 'severity (AESEV), not CTCAE grade'], [3.0, 'CTCAE grade (AETOXGR)'], [nan, nan]]
    """
    if "AETOXGR" not in ae.columns and "AESEV" not in ae.columns:
        raise DataError("ae variable AETOXGR or AESEV", "present to grade adverse events", "missing")
    n = len(ae)
    tox = validate_numeric(ae, "ae", "AETOXGR") if "AETOXGR" in ae.columns else pd.Series(np.nan, index=ae.index)
    bad = tox.notna() & ~tox.isin([1.0, 2.0, 3.0, 4.0, 5.0])
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"ae row {pos + 1}, column AETOXGR", "a CTCAE grade 1-5", ae["AETOXGR"].iloc[pos])
    sev_text = upper_text(ae["AESEV"]) if "AESEV" in ae.columns else pd.Series(np.nan, index=ae.index, dtype=object)
    sev = sev_text.map(SEVERITY_GRADES).astype(float)
    bad = sev_text.notna() & sev.isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"ae row {pos + 1}, column AESEV", "one of MILD, MODERATE, SEVERE", ae["AESEV"].iloc[pos])
    out = ae.copy()
    has_tox = tox.notna().to_numpy()
    out["AGRADE"] = np.where(has_tox, tox.to_numpy(), sev.to_numpy()).astype(float)
    src = np.full(n, np.nan, dtype=object)
    src[sev.notna().to_numpy()] = GRADE_SOURCE_SEVERITY
    src[has_tox] = GRADE_SOURCE_CTCAE
    out["AGRADESRC"] = src
    return out


def _spellings(values: pd.Series) -> dict[str, str]:
    """Each term (upper case, stripped) -> its most common spelling in ``values`` (ties: first alphabetically)."""
    text = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    text = text[text != ""]
    counts = pd.DataFrame({"term": text.str.upper().to_numpy(), "spelling": text.to_numpy()}).value_counts()
    best = counts.rename("n").reset_index().sort_values(["n", "spelling"], ascending=[False, True], kind="mergesort")
    return dict(best.drop_duplicates("term")[["term", "spelling"]].to_numpy().tolist())


def grade_column_label(sources: pd.Series) -> str:
    """Heading of the high-grade column from the grade sources (AGRADESRC) of the tabulated events."""
    present = set(sources.dropna())
    if present == {GRADE_SOURCE_SEVERITY}:
        return "Severe (AESEV severity, not CTCAE grade)"
    if present == {GRADE_SOURCE_SEVERITY, GRADE_SOURCE_CTCAE}:
        return "Grade >= 3 (CTCAE) or severe (AESEV)"
    return "Grade >= 3"


def select_emergent_events(ae, adsl, *, by, window_days, missing_start, related_values, missing_relationship,
                           unknown_subjects, need_related):
    """Treatment-emergent AEs of the safety population with GROUP, SOC, PT and the flags; and notes.

    Derives TRTEMFL, AERELFL (when ``need_related``) and AGRADE when absent; AEs of subjects
    not in ADSL (``unknown_subjects="note"``), outside the safety population or not
    emergent are left out and counted in the notes, never dropped silently. SOC and PT are
    AEBODSYS and AEDECOD compared without regard to case and surrounding blanks (MedDRA terms
    are case-insensitive), shown in their most common spelling; records spelled otherwise are
    counted in the notes.
    """
    unknown_subjects = check_choice(unknown_subjects, "unknown_subjects", ("error", "note"))
    validate_columns(ae, "ae", ("USUBJID",))
    validate_columns(adsl, "adsl", ("USUBJID", "SAFFL", "TRTSDT", "TRTEDT", by))
    notes: list[str] = []
    unknown = validate_subjects(ae, "ae", adsl["USUBJID"], on_unknown=unknown_subjects,
                                hint="Pass unknown_subjects='note' to report them in the notes instead.")
    ev = ae
    if unknown:
        drop = ae["USUBJID"].astype(str).isin(unknown)
        notes.append(f"{int(drop.sum())} AE record(s) of {len(unknown)} subject(s) not in ADSL were not "
                     f"tabulated: {', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}.")
        ev = ae[~drop]
    if "TRTEMFL" not in ev.columns:
        ev = derive_teae(ev, adsl, window_days=window_days, missing_start=missing_start)
    if need_related and "AERELFL" not in ev.columns:
        ev = derive_related(ev, related_values, missing=missing_relationship)
    if "AGRADE" not in ev.columns:
        ev = derive_grade(ev)
    safety = adsl.loc[adsl["SAFFL"].astype(str).str.upper() == "Y", "USUBJID"].astype(str)
    outside = ~ev["USUBJID"].astype(str).isin(safety)
    if outside.any():
        notes.append(f"{int(outside.sum())} AE record(s) of {ev.loc[outside, 'USUBJID'].nunique()} subject(s) "
                     "outside the safety population (SAFFL N) were not tabulated.")
    ev = ev[~outside]
    te = ev["TRTEMFL"].astype(str).str.upper() == "Y"
    if (~te).any():
        why = ""
        if "TRTEMRUL" in ev.columns:
            parts = ev.loc[~te, "TRTEMRUL"].value_counts().sort_index()
            why = " (" + "; ".join(f"{rule}: {n}" for rule, n in parts.items()) + ")"
        notes.append(f"{int((~te).sum())} AE record(s) were not treatment-emergent{why} and were excluded.")
    ev = ev[te].copy()
    if "TRTEMRUL" in ev.columns and (ev["TRTEMRUL"] == "start missing").any():
        notes.append(f"{int((ev['TRTEMRUL'] == 'start missing').sum())} AE record(s) without a start date "
                     "were counted as treatment-emergent.")
    if "ASTDTF" in ev.columns and ev["ASTDTF"].notna().any():
        notes.append(f"{int(ev['ASTDTF'].notna().sum())} treatment-emergent AE record(s) had a partial start "
                     "date, completed to the first day of the period (not before the first dose).")
    no_grade = ev["AGRADE"].isna()
    if no_grade.any():
        notes.append(f"{int(no_grade.sum())} AE record(s) had no grade or severity: counted in 'any grade' "
                     "but not in the grade >= 3 column.")
    for col, label, filler in (("AEBODSYS", "system organ class", NOT_CODED_SOC),
                               ("AEDECOD", "preferred term", NOT_CODED_TERM)):
        values = ev[col].astype("object") if col in ev.columns else pd.Series(np.nan, index=ev.index, dtype=object)
        miss = values.isna() | (values.astype(str).str.strip() == "")
        if miss.any():
            notes.append(f"{int(miss.sum())} AE record(s) had no {label} ({col}); shown as '{filler}'.")
        spelling = _spellings(ae[col]) if col in ae.columns else {}
        key = upper_text(values)
        shown = key.map(spelling).where(~miss, filler)
        respelled = ~miss & (shown != values.astype(str).str.strip())
        if respelled.any():
            pairs = sorted({(str(v).strip(), spelling[k]) for v, k in zip(values[respelled], key[respelled])})
            notes.append(f"{int(respelled.sum())} AE record(s) spell a {label} ({col}) differently from its most "
                         "common spelling and are counted under it (terms compared without regard to case and "
                         "surrounding blanks): " + "; ".join(f"'{a}' as '{b}'" for a, b in pairs[:5])
                         + (" ..." if len(pairs) > 5 else "") + ".")
        ev[{"AEBODSYS": "SOC", "AEDECOD": "PT"}[col]] = shown.astype(str)
    keyed = adsl.assign(USUBJID=adsl["USUBJID"].astype(str)).set_index("USUBJID")
    ev["GROUP"] = ev["USUBJID"].astype(str).map(group_labels(keyed, by))
    ev["USUBJID"] = ev["USUBJID"].astype(str)
    return ev, notes


def describe_ae_methods(event_label: str, window_days: int, missing_start: str, related_values, missing_relationship,
             grade_label: str, min_pct, grade_min) -> str:
    """The methods paragraph of an AE table: each rule with its source.

    The TEAE rules come first and the TRAE, grade and threshold rules are appended, so that a
    report stating the paragraphs of several AE tables can state the shared part once.
    """
    text = (
        f"Treatment-emergent adverse events (TEAEs) are AEs starting on or after the first dose and up to "
        f"{window_days} days after the last dose (admiral derive_var_trtemfl; ICH E3 section 12.2); a partial "
        "start date is completed to the first day of its period but not to a date before the first dose "
        "(admiral derive_vars_dt with min_dates); an AE without a start date is counted as "
        f"{'emergent' if missing_start == 'emergent' else 'not emergent'}."
    )
    text += (" Grade: CTCAE v5.0 grade (AETOXGR) where recorded, else AESEV severity as an ordinal stand-in "
             f"(mild 1, moderate 2, severe 3); the column '{grade_label}' is labelled accordingly. Each subject "
             "is counted once per system organ class and preferred term, at the worst grade. Denominators are the "
             "safety population (at least one dose) of each group. Rows are sorted by the overall number of "
             "subjects, descending, then alphabetically.")
    if event_label == "TRAE":
        text += (f" Treatment-related AEs (TRAEs) are TEAEs with AEREL in {', '.join(sorted(set(related_values)))}; "
                 f"a missing AEREL counts as {'related' if missing_relationship == 'related' else 'not related'} "
                 "(conservative convention, ICH E2A).")
    if grade_min is not None:
        text += f" Only events of grade >= {grade_min} are tabulated."
    if min_pct is not None:
        text += f" Rows are shown when the overall incidence is strictly greater than {min_pct:g}%."
    return text
