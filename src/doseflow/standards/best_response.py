"""RECIST 1.1 best overall response: confirmation, what each assessment counts as, the best.

Rules of Eisenhauer et al. (2009), Eur J Cancer 45:228-247, with the operational rules of
admiralonco's ``derive_param_confirmed_bor()`` and ``derive_param_bor()`` (pharmaverse), on
arrays of response codes (:mod:`doseflow.standards.recist`; patients x assessments in time
order), vectorised over patients. The virtual trial applies them to its simulated scans, the
readout to SDTM RS (:mod:`doseflow.readout.efficacy.recist`).

* **Confirmation** (sec. 4.4.1, table 3 and its footnote, sec. 4.6; :func:`compute_confirmations`):
  a CR is confirmed by a later CR at least ``confirmation_days`` (28, 4 weeks) later, with only
  CR or NE in between; a PR by a later CR or PR at least ``confirmation_days`` later, with only
  CR, PR, SD or NE in between, no PR after a CR in that period (table 3, footnote: disease
  seen after a true CR is progression, so a CR cannot be followed by a PR) and at most one SD
  if ``accept_sd``; in both, at most ``max_ne_between`` NE in between. The confirming
  assessment is the first one far enough away that could confirm. Assessments after the first
  PD do not count (:func:`~doseflow.standards.recist.mask_after_progression`).
* **What each assessment counts as** (sec. 4.4.2; :func:`compute_counted_responses`): a
  confirmed CR or PR as itself; a CR, PR or SD at least ``sd_min_days`` after the start
  (protocol-defined, usually 6-8 weeks) as SD, a NON-CR/NON-PD that late as NON-CR/NON-PD; a
  PD as PD; anything else as NE. Without confirmation every CR, PR and PD counts as recorded.
* **Best overall response** (sec. 4.4.1; :func:`compute_best_response`): the best counted
  response in the order :data:`BEST_RESPONSE_ORDER` (CR > PR > SD > NON-CR/NON-PD > PD > NE),
  the earliest assessment on ties; no assessment counts as NE.

References
----------
Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid
tumours: revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-247.
admiralonco ``derive_param_confirmed_bor``, ``derive_param_bor`` (pharmaverse).

Examples
--------
>>> import numpy as np
>>> from doseflow.standards.recist import CR, PR, label_responses
>>> label_responses(confirmed_best_response(np.array([[PR, CR, PR]]), np.array([[42.0, 56.0, 84.0]]))).tolist()
['SD']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.errors import DataError
from doseflow.standards.recist import CR, NE, NON_CR_NON_PD, NOT_DONE, PD, PR, SD, mask_after_progression

__all__ = [
    "BEST_RESPONSE_ORDER",
    "CONFIRMED",
    "NO_CONFIRMING_ASSESSMENT",
    "TOO_MANY_NE_BETWEEN",
    "NOT_CR_BEFORE_CR",
    "NON_CR_NON_PD_BETWEEN",
    "PR_AFTER_CR",
    "SD_BETWEEN",
    "Confirmations",
    "compute_confirmations",
    "compute_counted_responses",
    "compute_best_response",
    "confirmed_best_response",
]

#: Response codes from best to worst (Eisenhauer 2009 sec. 4.4.1; admiralonco's order).
BEST_RESPONSE_ORDER: tuple[int, ...] = (CR, PR, SD, NON_CR_NON_PD, PD, NE)
#: Why a CR or PR is (not) confirmed (:attr:`Confirmations.reason`), in the order they are checked.
CONFIRMED, NO_CONFIRMING_ASSESSMENT, TOO_MANY_NE_BETWEEN, NOT_CR_BEFORE_CR = 0, 1, 2, 3
NON_CR_NON_PD_BETWEEN, PR_AFTER_CR, SD_BETWEEN = 4, 5, 6
_TOL = 1e-9


def _validate_assessments(responses, days, name: str) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(responses, dtype=np.int64)
    d = np.asarray(days, dtype=float)
    if r.ndim != 2 or d.shape != r.shape:
        raise DataError(name, f"an array of the same shape as responses {r.shape}", d.shape)
    if r.size and (r.min() < NOT_DONE or r.max() > NON_CR_NON_PD):
        raise DataError("responses", f"response codes {NOT_DONE}-{NON_CR_NON_PD}", int(r[(r < 0) | (r > 6)][0]))
    return r, d


@dataclass(frozen=True)
class Confirmations:
    """Confirmation of every assessment (arrays of the shape of the responses).

    Attributes
    ----------
    confirmed : bool array
        True for a CR or PR confirmed by a later assessment.
    confirming : int array
        Column of the confirming assessment where confirmed, else -1.
    ne_between : int array
        NE assessments between a CR/PR and the first assessment that could confirm it (0
        where there is none).
    reason : int array
        :data:`CONFIRMED` or why not (:data:`NO_CONFIRMING_ASSESSMENT`,
        :data:`TOO_MANY_NE_BETWEEN`, :data:`NOT_CR_BEFORE_CR`, :data:`NON_CR_NON_PD_BETWEEN`,
        :data:`PR_AFTER_CR`, :data:`SD_BETWEEN`) for a CR or PR; -1 for other assessments.
    """

    confirmed: np.ndarray
    confirming: np.ndarray
    ne_between: np.ndarray
    reason: np.ndarray


def compute_confirmations(
    responses: np.ndarray,
    days: np.ndarray,
    *,
    confirmation_days: float = 28.0,
    max_ne_between: int = 1,
    accept_sd: bool = False,
) -> Confirmations:
    """Which CR and PR assessments are confirmed (RECIST 1.1 with admiralonco's rules).

    Parameters
    ----------
    responses : int array (n, k)
        Response codes per patient in time order; :data:`NOT_DONE` entries are ignored and
        assessments after the first PD do not count (:func:`mask_after_progression`).
    days : float array (n, k)
        Day of each assessment (any origin; only differences are used).
    confirmation_days : float
        Minimum time from a response to its confirmation: 28 (4 weeks, Eisenhauer 2009 sec.
        4.4.1 and table 3 footnote).
    max_ne_between : int
        NE assessments allowed between a response and its confirmation (admiralonco
        ``max_nr_ne``, default 1).
    accept_sd : bool
        Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``).

    Returns
    -------
    Confirmations

    Notes
    -----
    For a CR or PR at column i, the candidate is the first later column j with d_j - d_i >=
    ``confirmation_days`` holding a CR (or, for a PR, a CR or PR). A CR is confirmed when
    every assessment strictly between i and j is CR or NE; a PR when every one is CR, PR, SD
    or NE, at most one SD with ``accept_sd`` (none otherwise) and no PR follows a CR within
    (i, j]; in both at most ``max_ne_between`` NE (admiralonco ``derive_param_confirmed_bor``,
    Eisenhauer 2009 table 3 and its footnote on PR after CR).

    Examples
    --------
    PR, NE, PR, PD: the first PR is confirmed by the PR 42 days later (one NE between). CR, PR,
    CR: the first CR is not confirmed (a PR before the next CR), the PR is, by that CR.

    >>> c = compute_confirmations(np.array([[PR, NE, PR, PD], [CR, PR, CR, NOT_DONE]]),
    ...                           np.array([[42.0, 63.0, 84.0, 126.0], [42.0, 84.0, 126.0, 0.0]]))
    >>> c.confirming.tolist()
    [[2, -1, -1, -1], [-1, 2, -1, -1]]
    >>> c.reason[1].tolist() == [NOT_CR_BEFORE_CR, CONFIRMED, NO_CONFIRMING_ASSESSMENT, -1]
    True
    """
    r, d = _validate_assessments(responses, days, "days")
    r = mask_after_progression(r)
    n, k = r.shape
    rows = np.arange(n)
    pos = np.arange(k)
    # counts[c][:, m] = assessments with code c in columns 0..m-1
    counts = {c: np.concatenate([np.zeros((n, 1), np.int64), np.cumsum(r == c, axis=1)], axis=1)
              for c in (CR, PR, SD, NE, NOT_DONE)}
    confirmed = np.zeros((n, k), bool)
    confirming = np.full((n, k), -1, np.int64)
    ne_between = np.zeros((n, k), np.int64)
    reason = np.full((n, k), -1, np.int64)
    for i in range(k):  # loops over columns, vectorised over patients
        is_cr, is_pr = r[:, i] == CR, r[:, i] == PR
        later = (pos > i)[None, :] & (d - d[:, i : i + 1] >= confirmation_days - _TOL)
        candidate = later & ((r == CR) | (is_pr[:, None] & (r == PR)))
        found = candidate.any(axis=1)
        j = np.where(found, np.argmax(candidate, axis=1), i + 1 if i + 1 < k else i)

        def between(code: int) -> np.ndarray:
            return counts[code][rows, j] - counts[code][rows, i + 1]

        n_cr, n_pr, n_sd, n_ne = between(CR), between(PR), between(SD), between(NE)
        n_between = np.maximum(j - i - 1, 0) - between(NOT_DONE)
        after = (pos > i)[None, :] & (r == CR)
        first_cr = np.argmax(after, axis=1)
        pr_after_first_cr = counts[PR][rows, j + 1] - counts[PR][rows, first_cr + 1] > 0
        pr_after_cr = after.any(axis=1) & (first_cr <= j) & pr_after_first_cr
        other = n_between - n_cr - n_pr - n_sd - n_ne
        too_many_ne = n_ne > max_ne_between
        ok = found & ~too_many_ne & np.where(
            is_cr, n_cr + n_ne == n_between, (other == 0) & ~pr_after_cr & (n_sd <= (1 if accept_sd else 0)))
        why = np.select([ok, ~found, too_many_ne, is_cr, other > 0, pr_after_cr],
                        [CONFIRMED, NO_CONFIRMING_ASSESSMENT, TOO_MANY_NE_BETWEEN, NOT_CR_BEFORE_CR,
                         NON_CR_NON_PD_BETWEEN, PR_AFTER_CR], default=SD_BETWEEN)
        response = is_cr | is_pr
        confirmed[:, i] = response & ok
        confirming[:, i] = np.where(response & ok, j, -1)
        ne_between[:, i] = np.where(response & found, n_ne, 0)
        reason[:, i] = np.where(response, why, -1)
    return Confirmations(confirmed, confirming, ne_between, reason)


def compute_counted_responses(
    responses: np.ndarray,
    days_from_start: np.ndarray,
    *,
    sd_min_days: float,
    confirmed: np.ndarray | None = None,
) -> np.ndarray:
    """What each assessment counts as towards the best overall response.

    Parameters
    ----------
    responses : int array (n, k)
        Response codes in time order (:data:`NOT_DONE` for none); assessments after the first
        PD become :data:`NOT_DONE`.
    days_from_start : float array (n, k)
        Days since the start of treatment (or randomisation); NaN where unknown (then SD and
        NON-CR/NON-PD cannot be assessed).
    sd_min_days : float
        Minimum days since the start for SD or NON-CR/NON-PD to count (protocol-defined,
        usually 6-8 weeks; Eisenhauer 2009 sec. 4.4.2).
    confirmed : bool array (n, k), optional
        :attr:`Confirmations.confirmed` when confirmation is required; None when it is not.

    Returns
    -------
    int array (n, k)
        :data:`CR`, :data:`PR`, :data:`SD`, :data:`NON_CR_NON_PD`, :data:`PD` or :data:`NE`
        (:data:`NOT_DONE` stays).

    Notes
    -----
    With confirmation: a confirmed CR or PR counts as itself; a CR, PR or SD at >=
    ``sd_min_days`` as SD; NON-CR/NON-PD at >= ``sd_min_days`` as itself; PD as PD; else NE.
    Without: CR, PR and PD as recorded; SD and NON-CR/NON-PD at >= ``sd_min_days`` as
    recorded; else NE (admiralonco ``derive_param_confirmed_bor`` / ``derive_param_bor``).

    Examples
    --------
    >>> from doseflow.standards.recist import label_responses
    >>> r, d = np.array([[PR, SD, PR]]), np.array([[20.0, 42.0, 63.0]])
    >>> label_responses(compute_counted_responses(r, d, sd_min_days=35, confirmed=np.zeros((1, 3), bool))).tolist()
    [['NE', 'SD', 'SD']]
    >>> label_responses(compute_counted_responses(r, d, sd_min_days=35)).tolist()
    [['PR', 'SD', 'PR']]
    """
    r, d = _validate_assessments(responses, days_from_start, "days_from_start")
    r = mask_after_progression(r)
    with np.errstate(invalid="ignore"):
        late = d >= sd_min_days - _TOL  # NaN -> False
    if confirmed is None:
        out = np.where(np.isin(r, (CR, PR, PD)) | (np.isin(r, (SD, NON_CR_NON_PD)) & late), r, NE)
    else:
        ok = np.asarray(confirmed, dtype=bool)
        out = np.select([np.isin(r, (CR, PR)) & ok, np.isin(r, (CR, PR, SD)) & late, (r == NON_CR_NON_PD) & late,
                         r == PD], [r, SD, NON_CR_NON_PD, PD], default=NE)
    return np.where(r == NOT_DONE, NOT_DONE, out).astype(np.int64)


def compute_best_response(counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best overall response per patient and the column it was assessed in.

    Parameters
    ----------
    counted : int array (n, k)
        From :func:`compute_counted_responses`.

    Returns
    -------
    (int array (n,), int array (n,))
        The best code in :data:`BEST_RESPONSE_ORDER` (NE where no assessment) and the earliest
        column holding it (-1 where no assessment).

    Examples
    --------
    >>> from doseflow.standards.recist import label_responses
    >>> best, col = compute_best_response(np.array([[SD, PR, PR, PD], [0, 0, 0, 0]]))
    >>> label_responses(best).tolist(), col.tolist()
    (['PR', 'NE'], [1, -1])
    """
    c = np.asarray(counted, dtype=np.int64)
    rank = np.full(NON_CR_NON_PD + 1, len(BEST_RESPONSE_ORDER), np.int64)
    rank[list(BEST_RESPONSE_ORDER)] = np.arange(len(BEST_RESPONSE_ORDER))
    ranks = rank[c]
    col = np.argmin(ranks, axis=1) if c.shape[1] else np.zeros(c.shape[0], np.int64)
    assessed = (c != NOT_DONE).any(axis=1)
    best = np.where(assessed, c[np.arange(c.shape[0]), col] if c.shape[1] else NE, NE)
    return best.astype(np.int64), np.where(assessed, col, -1)


def confirmed_best_response(
    responses: np.ndarray,
    scan_days: np.ndarray,
    *,
    confirmation_days: float = 28.0,
    sd_min_days: float = 35.0,
    max_ne_between: int = 1,
    accept_sd: bool = False,
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
        ``max_nr_ne``).
    accept_sd : bool
        Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``).

    Returns
    -------
    int array (n,)
        :data:`CR`, :data:`PR`, :data:`SD`, :data:`NON_CR_NON_PD`, :data:`PD` or :data:`NE`
        (no assessment counts as NE).

    Notes
    -----
    :func:`compute_confirmations`, then :func:`compute_counted_responses` and
    :func:`compute_best_response` (Eisenhauer 2009, section 4.4 and table 3).

    Examples
    --------
    >>> from doseflow.standards.recist import label_responses
    >>> r = np.array([[PR, PR, PD], [PR, SD, PD], [SD, PD, 0], [CR, PR, PD]])
    >>> d = np.array([[42.0, 84.0, 126.0]] * 4)
    >>> label_responses(confirmed_best_response(r, d)).tolist()
    ['PR', 'SD', 'SD', 'SD']
    """
    conf = compute_confirmations(responses, scan_days, confirmation_days=confirmation_days,
                                 max_ne_between=max_ne_between, accept_sd=accept_sd)
    counted = compute_counted_responses(responses, scan_days, sd_min_days=sd_min_days, confirmed=conf.confirmed)
    return compute_best_response(counted)[0]
