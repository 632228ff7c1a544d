"""RECIST 1.1 response codes, time-point response and progression, shared by the virtual trial and the readout.

Rules of Eisenhauer et al. (2009), "New response evaluation criteria in solid tumours: revised
RECIST guideline (version 1.1)", Eur J Cancer 45:228-247, on arrays (patients x assessments in
time order), vectorised over patients:

* **Time-point response of target lesions** (sec. 4.3.1, table 1; :func:`classify_target_response`,
  :func:`compute_overall_responses`): CR when all target lesions have disappeared (recorded 0 mm)
  and no new lesion; PR when the SLD is at least 30% below the *baseline* SLD; PD when the SLD
  is at least 20% **and** at least 5 mm above the *nadir* (smallest SLD on study, baseline
  included), or a new lesion; SD otherwise. Boundaries are inclusive and compared with a
  tolerance of 1e-9 so that a change of exactly -30% (or +20%, +5 mm) computed in floating
  point meets the criterion. Non-target lesions are not assessed here; the readout reads the
  overall response an investigator recorded (SDTM RS), which covers them.
* **Progression** (sec. 4.4.1; :func:`compute_progression_day`, :func:`mask_after_progression`):
  the first PD; assessments after it do not count towards the best overall response.

Response codes are small integers (:data:`NOT_DONE` = no assessment, :data:`CR`, :data:`PR`,
:data:`SD`, :data:`PD`, :data:`NE`, :data:`NON_CR_NON_PD`); :func:`label_responses` and
:func:`code_responses` convert to and from the RECIST text. Confirmation and the best overall
response are :mod:`doseflow.standards.best_response`. The virtual trial simulates the
measurements (:mod:`doseflow.insilico.models.tumour.recist_scan`); the readout reads SDTM RS
(:mod:`doseflow.readout.efficacy.recist`).

References
----------
Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid
tumours: revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-247.

Examples
--------
>>> import numpy as np
>>> label_responses(classify_target_response(np.array([70.0, 12.5, 0.0]),
...                 np.array([100.0, 15.0, 50.0]), np.array([100.0, 10.0, 5.0]))).tolist()
['PR', 'SD', 'CR']
"""

from __future__ import annotations

import numpy as np

from doseflow.errors import DataError

__all__ = [
    "NOT_DONE",
    "CR",
    "PR",
    "SD",
    "PD",
    "NE",
    "NON_CR_NON_PD",
    "RESPONSE_LABELS",
    "label_responses",
    "code_responses",
    "classify_target_response",
    "compute_overall_responses",
    "compute_progression_day",
    "mask_after_progression",
]

NOT_DONE, CR, PR, SD, PD, NE, NON_CR_NON_PD = 0, 1, 2, 3, 4, 5, 6
#: Text of each response code (index = code); NOT_DONE is the empty string.
RESPONSE_LABELS: tuple[str, ...] = ("", "CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD")
_TOL = 1e-9


def label_responses(codes: np.ndarray) -> np.ndarray:
    """RECIST text (``"CR"``, ``"PR"``, ``"SD"``, ``"PD"``, ``"NE"``, ``"NON-CR/NON-PD"``, ``""``) of codes.

    Examples
    --------
    >>> label_responses(np.array([1, 4, 0])).tolist()
    ['CR', 'PD', '']
    """
    return np.asarray(RESPONSE_LABELS, dtype=object)[np.asarray(codes, dtype=np.int64)].astype(str)


def classify_target_response(
    sld_mm: np.ndarray,
    baseline_mm: np.ndarray,
    nadir_mm: np.ndarray,
    new_lesion: np.ndarray | None = None,
) -> np.ndarray:
    """RECIST 1.1 time-point response from measured SLD, baseline, nadir and new lesions.

    Parameters
    ----------
    sld_mm : array of float
        Measured SLD at this scan (mm); 0 means all target lesions disappeared; NaN = not
        evaluable (NE).
    baseline_mm : array of float
        Baseline SLD (mm, > 0).
    nadir_mm : array of float
        Smallest SLD before this scan, baseline included (mm).
    new_lesion : array of bool, optional
        True where a new lesion is seen (PD whatever the SLD).

    Returns
    -------
    numpy.ndarray of int
        :data:`CR`, :data:`PR`, :data:`SD`, :data:`PD` or :data:`NE`.

    Notes
    -----
    Eisenhauer et al. 2009, section 4.3.1: PD if SLD - nadir >= 0.20 nadir and >= 5 mm, or a new
    lesion (checked first: PD overrides all); CR if SLD = 0; PR if (SLD - baseline)/baseline
    <= -0.30; SD otherwise. After a CR the nadir is 0, so the reappearance of any lesion of at
    least 5 mm is PD (section 4.3.1, note on lesions that reappear).

    References
    ----------
    Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid
    tumours: revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-247.

    Examples
    --------
    >>> classify_target_response(np.array([12.5]), np.array([15.0]), np.array([10.0])).tolist()  # +25% but +2.5 mm
    [3]
    """
    s = np.asarray(sld_mm, dtype=float)
    b = np.asarray(baseline_mm, dtype=float)
    m = np.asarray(nadir_mm, dtype=float)
    new = np.zeros(s.shape, bool) if new_lesion is None else np.asarray(new_lesion, dtype=bool)
    rise = s - m
    pd = (rise >= 0.20 * m - _TOL * np.maximum(m, 1.0)) & (rise >= 5.0 - _TOL * np.maximum(m, 1.0))
    pr = (s - b) <= -0.30 * b + _TOL * b
    out = np.where(pr, PR, SD)
    out = np.where(s == 0.0, CR, out)
    out = np.where(np.isnan(s), NE, out)
    out = np.where(pd | new, PD, out)
    return out.astype(np.int64)


def compute_overall_responses(
    sld_mm: np.ndarray, baseline_mm: np.ndarray, new_lesion: np.ndarray | None = None
) -> np.ndarray:
    """RECIST 1.1 response at every scan of every patient from a matrix of measured SLDs.

    Parameters
    ----------
    sld_mm : array (n, k)
        Measured SLD per patient and scan in time order; NaN = no scan (:data:`NOT_DONE`).
    baseline_mm : array (n,)
        Measured baseline SLD.
    new_lesion : bool array (n, k), optional

    Returns
    -------
    int array (n, k)
        Response codes. The nadir runs over baseline and all earlier scans (Eisenhauer 2009).

    Examples
    --------
    >>> label_responses(compute_overall_responses(np.array([[8.0, 10.0, 12.5]]), np.array([20.0]))).tolist()
    [['PR', 'PR', 'PR']]
    """
    s = np.asarray(sld_mm, dtype=float)
    b = np.asarray(baseline_mm, dtype=float)
    if s.ndim != 2 or b.shape != (s.shape[0],):
        raise DataError("sld_mm", f"an array of shape (n, scans) with n = len(baseline_mm) = {b.shape}", s.shape)
    new = np.zeros(s.shape, bool) if new_lesion is None else np.asarray(new_lesion, dtype=bool)
    out = np.zeros(s.shape, np.int64)
    nadir = b.copy()
    for j in range(s.shape[1]):  # loop over scan times, vectorised over patients
        done = ~np.isnan(s[:, j])
        out[:, j] = np.where(done, classify_target_response(s[:, j], b, nadir, new[:, j]), NOT_DONE)
        nadir = np.where(done, np.fmin(nadir, s[:, j]), nadir)
    return out


def compute_progression_day(responses: np.ndarray, scan_days: np.ndarray) -> np.ndarray:
    """Day of the first PD scan per patient (NaN if none).

    Examples
    --------
    >>> compute_progression_day(np.array([[SD, PD, PD], [SD, SD, 0]]), np.array([[40.0, 85.0, 130.0]] * 2)).tolist()
    [85.0, nan]
    """
    r = np.asarray(responses)
    d = np.asarray(scan_days, dtype=float)
    is_pd = r == PD
    first = np.argmax(is_pd, axis=1)
    return np.where(is_pd.any(axis=1), d[np.arange(r.shape[0]), first], np.nan)


def code_responses(labels) -> np.ndarray:
    """Response codes of RECIST text (``"CR"``, ..., ``"NON-CR/NON-PD"``; ``""`` = not done).

    Raises
    ------
    DataError
        A label that is not a RECIST 1.1 response.

    Examples
    --------
    >>> code_responses(["PR", "NON-CR/NON-PD", ""]).tolist()
    [2, 6, 0]
    """
    text = np.asarray(labels, dtype=object)
    codes = np.full(text.shape, -1, np.int64)
    for code, label in enumerate(RESPONSE_LABELS):
        codes[text == label] = code
    if (codes < 0).any():
        bad = text[codes < 0].flat[0]
        raise DataError("response", "one of " + ", ".join(RESPONSE_LABELS[1:]) + " or '' (not done)", bad)
    return codes


def mask_after_progression(responses: np.ndarray) -> np.ndarray:
    """Responses with every assessment after the first PD set to :data:`NOT_DONE`.

    Eisenhauer 2009 sec. 4.4.1: the best overall response is the best response recorded from
    the start of treatment until disease progression.

    Examples
    --------
    >>> mask_after_progression(np.array([[SD, PD, PR, CR]])).tolist()
    [[3, 4, 0, 0]]
    """
    r = np.asarray(responses, dtype=np.int64)
    is_pd = r == PD
    return np.where((np.cumsum(is_pd, axis=-1) - is_pd) > 0, NOT_DONE, r)
