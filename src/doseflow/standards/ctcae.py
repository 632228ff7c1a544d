"""CTCAE v5.0 grades of laboratory abnormalities, kept as data.

Common Terminology Criteria for Adverse Events (CTCAE) v5.0, U.S. Department of Health and
Human Services, NCI, 27 November 2017. Each graded lab term is a row of :data:`LAB_CRITERIA`:
the SDTM test code it applies to, the CTCAE term, the direction, and the grade thresholds,
either as multiples of the upper/lower limit of normal (ULN/LLN) or as absolute values in the
SDTM standard unit. Grades come from the value alone (baseline-normal criteria); CTCAE v5's
"if baseline was abnormal" criteria for AST/ALT/ALP are applied when ``baseline`` is given.

Examples
--------
>>> grade_lab("PLT", [160, 120, 60, 40, 20], lln=150).tolist()
[0, 1, 2, 3, 4]
>>> grade_lab("AST", [30, 50, 110, 200, 700], uln=34).tolist()
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.errors import InputError

__all__ = ["LabCriterion", "LAB_ALIASES", "LAB_CRITERIA", "grade_lab"]


@dataclass(frozen=True, slots=True)
class LabCriterion:
    """CTCAE v5.0 thresholds for one lab term.

    ``direction`` is ``"high"`` (grade rises with the value) or ``"low"``. ``basis`` is
    ``"uln"``/``"lln"`` (thresholds are multiples of the limit; grade 1 starts just beyond
    the limit) or ``"absolute"`` (thresholds in ``unit``; grade 1 starts beyond the LLN).
    ``thresholds`` are the lower edges of grades 2, 3 and 4 (exclusive for "high": value >
    edge; exclusive for "low": value < edge).
    """

    testcd: str
    term: str
    direction: str
    basis: str
    thresholds: tuple[float, ...]
    unit: str = ""


#: CTCAE v5.0 lab criteria used by doseflow (SDTM standard units: 10^9/L, g/L, U/L).
LAB_CRITERIA: dict[str, LabCriterion] = {
    c.testcd: c
    for c in (
        # Platelet count decreased: G1 <LLN-75.0e9/L; G2 <75.0-50.0; G3 <50.0-25.0; G4 <25.0.
        LabCriterion("PLT", "Platelet count decreased", "low", "absolute", (75.0, 50.0, 25.0), "10^9/L"),
        # Neutrophil count decreased: G1 <LLN-1.5e9/L; G2 <1.5-1.0; G3 <1.0-0.5; G4 <0.5.
        LabCriterion("NEUT", "Neutrophil count decreased", "low", "absolute", (1.5, 1.0, 0.5), "10^9/L"),
        # White blood cell decreased: G1 <LLN-3.0e9/L; G2 <3.0-2.0; G3 <2.0-1.0; G4 <1.0.
        LabCriterion("WBC", "White blood cell decreased", "low", "absolute", (3.0, 2.0, 1.0), "10^9/L"),
        # Anemia: Hgb G1 <LLN-100 g/L; G2 <100-80; G3 <80 (no G4 by value).
        LabCriterion("HGB", "Anemia", "low", "absolute", (100.0, 80.0), "g/L"),
        # AST/ALT increased (baseline normal): G1 >ULN-3.0xULN; G2 >3.0-5.0; G3 >5.0-20.0; G4 >20.0.
        LabCriterion("AST", "Aspartate aminotransferase increased", "high", "uln", (3.0, 5.0, 20.0)),
        LabCriterion("ALT", "Alanine aminotransferase increased", "high", "uln", (3.0, 5.0, 20.0)),
        # Alkaline phosphatase increased (baseline normal): G1 >ULN-2.5xULN; G2 >2.5-5.0; G3 >5.0-20.0; G4 >20.0.
        LabCriterion("ALP", "Alkaline phosphatase increased", "high", "uln", (2.5, 5.0, 20.0)),
        # Blood bilirubin increased (baseline normal): G1 >ULN-1.5xULN; G2 >1.5-3.0; G3 >3.0-10.0; G4 >10.0.
        LabCriterion("BILI", "Blood bilirubin increased", "high", "uln", (1.5, 3.0, 10.0)),
    )
}

#: Other SDTM test codes for the same analyte (CDISC CT uses PLAT for platelets, NEUT/ANC).
LAB_ALIASES: dict[str, str] = {"PLAT": "PLT", "ANC": "NEUT", "HB": "HGB"}

# CTCAE v5.0, AST/ALT/ALP "if baseline was abnormal": grades by multiples of baseline.
_ABNORMAL_BASELINE = {
    "AST": (1.5, 3.0, 5.0, 20.0),
    "ALT": (1.5, 3.0, 5.0, 20.0),
    "ALP": (2.0, 2.5, 5.0, 20.0),
    "BILI": (1.0, 1.5, 3.0, 10.0),
}


def grade_lab(
    testcd: str,
    values,
    *,
    uln=None,
    lln=None,
    baseline=None,
) -> np.ndarray:
    """CTCAE v5.0 grade (0-4) of lab values; -1 where the value is missing.

    Parameters
    ----------
    testcd : str
        SDTM LBTESTCD: one of :data:`LAB_CRITERIA` (PLT, NEUT, WBC, HGB, AST, ALT, ALP, BILI)
        or an alias in :data:`LAB_ALIASES` (PLAT, ANC, HB).
    values : array_like of float
        Results in the SDTM standard unit (10^9/L for counts, g/L for haemoglobin, U/L
        for enzymes, umol/L for bilirubin).
    uln, lln : float or array_like, optional
        Upper/lower limit of normal (LBSTNRHI / LBSTNRLO). ``uln`` is required for
        ULN-based terms; ``lln`` is the grade 0/1 edge for decreases (without it, grade 1
        is not assigned and values above the grade 2 edge are grade 0).
    baseline : float or array_like, optional
        Baseline value; where it is above the ULN the "baseline abnormal" criteria of
        CTCAE v5.0 (multiples of baseline) are used for AST, ALT, ALP and bilirubin.

    Returns
    -------
    numpy.ndarray of int
        Grades 0-4, -1 for missing values.

    References
    ----------
    NCI. Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 2017.
    """
    crit = LAB_CRITERIA.get(LAB_ALIASES.get(str(testcd).upper(), str(testcd).upper()))
    if crit is None:
        raise InputError("testcd", "one of " + ", ".join(LAB_CRITERIA), testcd)
    x = np.asarray(values, dtype=float)
    grade = np.zeros(x.shape, dtype=np.int64)
    if crit.direction == "low":
        if lln is not None:
            grade = np.where(x < np.asarray(lln, dtype=float), 1, 0)
        for g, edge in enumerate(crit.thresholds, start=2):
            grade = np.where(x < edge, g, grade)
    else:
        if uln is None:
            raise InputError(f"uln for {crit.testcd}", "the upper limit of normal (LBSTNRHI)", uln)
        u = np.broadcast_to(np.asarray(uln, dtype=float), x.shape)
        ref = u
        edges = (1.0,) + crit.thresholds
        if baseline is not None and crit.testcd in _ABNORMAL_BASELINE:
            b = np.broadcast_to(np.asarray(baseline, dtype=float), x.shape)
            abnormal = np.isfinite(b) & (b > u)
            ref = np.where(abnormal, b, u)
            edges_b = np.array(_ABNORMAL_BASELINE[crit.testcd])
            edges_n = np.array(edges)
            for g in range(4):
                edge = np.where(abnormal, edges_b[g], edges_n[g]) * ref
                grade = np.where(x > edge, g + 1, grade)
        else:
            for g, mult in enumerate(edges, start=1):
                grade = np.where(x > mult * ref, g, grade)
    return np.where(np.isnan(x), -1, grade).astype(np.int64)
