"""RECIST 1.1 rules on measured sums of diameters: time-point response and confirmed best response.

Rules (Eisenhauer et al. 2009, Eur J Cancer 45:228-247, section 4.3 and table 1), applied to
target lesions plus new lesions (non-target lesions are not simulated):

- **CR**: all target lesions have disappeared (recorded 0 mm) and no new lesion.
- **PR**: SLD at least 30% below the *baseline* SLD (change <= -30%).
- **PD**: SLD at least 20% above the *nadir* (smallest SLD on study, baseline included) **and**
  at least 5 mm above it; or a new lesion.
- **SD**: neither PR nor PD.

Boundaries are inclusive and compared with a relative tolerance of 1e-9 so that a change of
exactly -30% (or +20%, +5 mm) computed in floating point meets the criterion. Confirmation of
CR/PR and the minimum duration of SD: :func:`confirmed_best_response` (section 4.4, 4.6).

Response codes are small integers (:data:`NOT_DONE`, :data:`CR`, :data:`PR`, :data:`SD`,
:data:`PD`, :data:`NE`); :func:`label_responses` turns them into RECIST text. The simulated
scans that produce the measurements are in :mod:`doseflow.insilico.models.tumour.recist_scan`.

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
    "RESPONSE_LABELS",
    "label_responses",
    "classify_target_response",
    "compute_overall_responses",
    "confirmed_best_response",
    "compute_progression_day",
]

NOT_DONE, CR, PR, SD, PD, NE = 0, 1, 2, 3, 4, 5
#: Text of each response code (index = code); NOT_DONE is the empty string.
RESPONSE_LABELS: tuple[str, ...] = ("", "CR", "PR", "SD", "PD", "NE")
_TOL = 1e-9

def label_responses(codes: np.ndarray) -> np.ndarray:
    """RECIST text (``"CR"``, ``"PR"``, ``"SD"``, ``"PD"``, ``"NE"``, ``""``) of response codes.

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


def confirmed_best_response(
    responses: np.ndarray,
    scan_days: np.ndarray,
    *,
    confirmation_days: float = 28.0,
    sd_min_days: float = 35.0,
    max_ne_between: int = 1,
) -> np.ndarray:
    """Confirmed best overall response (RECIST 1.1, non-randomised trials) per patient.

    Parameters
    ----------
    responses : int array (n, k)
        Time-point responses in time order (:data:`NOT_DONE` for no scan).
    scan_days : float array (n, k)
        Days since first dose of those scans.
    confirmation_days : float
        Minimum time from a response to its confirming scan; 28 (4 weeks, Eisenhauer 2009
        section 4.6).
    sd_min_days : float
        Minimum time from first dose for SD to count; 35 = 6 weeks less the 7-day scan
        window (protocol-defined, Eisenhauer 2009 section 4.6), so the first scan qualifies.
    max_ne_between : int
        NE assessments allowed between a response and its confirmation (1, admiral's default
        ``max_nr_ne``); an SD in between breaks the confirmation.

    Returns
    -------
    int array (n,)
        :data:`CR`, :data:`PR`, :data:`SD`, :data:`PD` or :data:`NE` (no assessment counts as NE).

    Notes
    -----
    Scans after the first PD are ignored. CR: a CR confirmed by a later CR >= 28 days after it.
    PR: a CR or PR confirmed by a later CR or PR >= 28 days after it (not already CR).
    SD: any CR, PR or SD at >= ``sd_min_days`` (so an unconfirmed response counts as SD).
    PD: a PD and none of the above. NE otherwise (Eisenhauer 2009, section 4.4 and table 3).

    References
    ----------
    Eisenhauer EA et al. Eur J Cancer 2009;45:228-247.

    Examples
    --------
    >>> r = np.array([[PR, PR, PD], [PR, SD, PD], [SD, PD, 0]])
    >>> d = np.array([[42.0, 84.0, 126.0]] * 3)
    >>> label_responses(confirmed_best_response(r, d)).tolist()
    ['PR', 'SD', 'SD']
    """
    r = np.asarray(responses, dtype=np.int64)
    d = np.asarray(scan_days, dtype=float)
    if r.ndim != 2 or d.shape != r.shape:
        raise DataError("scan_days", f"an array of the same shape as responses {r.shape}", d.shape)
    is_pd = r == PD
    after_pd = (np.cumsum(is_pd, axis=1) - is_pd) > 0
    r = np.where(after_pd, NOT_DONE, r)
    n, k = r.shape
    conf_cr = np.zeros(n, bool)
    conf_pr = np.zeros(n, bool)
    for i in range(k):  # loops over scan pairs, vectorised over patients
        chain_cr = r[:, i] == CR
        chain_pr = (r[:, i] == CR) | (r[:, i] == PR)
        ne_cr = np.zeros(n, np.int64)
        ne_pr = np.zeros(n, np.int64)
        for j in range(i + 1, k):
            rj = r[:, j]
            far = d[:, j] - d[:, i] >= confirmation_days - _TOL
            conf_cr |= chain_cr & far & (rj == CR)
            conf_pr |= chain_pr & far & ((rj == CR) | (rj == PR))
            ne = rj == NE
            ne_cr += chain_cr & ne
            ne_pr += chain_pr & ne
            chain_cr &= (rj == CR) | (rj == NOT_DONE) | (ne & (ne_cr <= max_ne_between))
            chain_pr &= (rj == CR) | (rj == PR) | (rj == NOT_DONE) | (ne & (ne_pr <= max_ne_between))
    sd_ok = (((r == CR) | (r == PR) | (r == SD)) & (d >= sd_min_days - _TOL)).any(axis=1)
    pd_any = is_pd.any(axis=1)
    out = np.full(n, NE, np.int64)
    out = np.where(pd_any, PD, out)
    out = np.where(sd_ok, SD, out)
    out = np.where(conf_pr, PR, out)
    out = np.where(conf_cr, CR, out)
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
