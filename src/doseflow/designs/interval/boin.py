"""The Bayesian optimal interval (BOIN) design (Liu and Yuan 2015).

BOIN compares the observed DLT rate at the current level with two fixed boundaries,
lambda_e and lambda_d, that minimise the probability of a wrong escalation or
de-escalation decision; it reproduces the authors' R package BOIN (2.7.x) exactly:
boundaries, decision table (``get.boundary``), elimination and MTD selection
(``select.mtd``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from doseflow.checks import check_counts, check_probability
from doseflow.designs.beta_probability import beta_sf
from doseflow.designs.interval.isotonic import compute_isotonic_regression
from doseflow.designs.interval.mechanism import IntervalDesign, describe_counts
from doseflow.designs.options import option
from doseflow.errors import ConfigError

__all__ = ["BOIN", "boin_boundaries", "compute_overdose_probability"]


def boin_boundaries(
    target: float, phi1: float | None = None, phi2: float | None = None
) -> tuple[float, float]:
    """BOIN escalation and de-escalation boundaries (lambda_e, lambda_d) on the DLT rate.

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate phi.
    phi1 : float in (0, target), optional
        Highest DLT rate deemed sub-therapeutic (escalation should follow); default
        ``0.6 * target``.
    phi2 : float in (target, 1), optional
        Lowest DLT rate deemed overly toxic (de-escalation required); default
        ``1.4 * target``.

    Returns
    -------
    lambda_e, lambda_d : float
        Escalate while the observed rate y/n <= lambda_e; de-escalate once y/n >= lambda_d.

    Raises
    ------
    ConfigError
        If target is not in (0, 1), phi1 not in (0, target) or phi2 not in (target, 1).

    Notes
    -----
    Liu and Yuan (2015), eq. (2), with non-informative prior probabilities 1/3 on the
    three hypotheses::

        lambda_e = log((1 - phi1) / (1 - phi)) / log(phi (1 - phi1) / (phi1 (1 - phi)))
        lambda_d = log((1 - phi) / (1 - phi2)) / log(phi2 (1 - phi) / (phi (1 - phi2)))

    Evaluated in double precision in the same order of operations as
    ``BOIN::get.boundary`` (with the C library's ``log``), so the values agree with the
    package to the last digit.

    References
    ----------
    Liu S, Yuan Y (2015). Bayesian optimal interval designs for phase I clinical trials.
    J R Stat Soc C 64(3):507-523. doi:10.1111/rssc.12089

    Examples
    --------
    >>> lam_e, lam_d = boin_boundaries(0.3)
    >>> print(f"{lam_e:.15f} {lam_d:.15f}")
    0.236490685236468 0.358519464640930
    """
    target = check_probability(target, "target")
    phi1 = 0.6 * target if phi1 is None else check_probability(phi1, "phi1")
    phi2 = 1.4 * target if phi2 is None else check_probability(phi2, "phi2")
    if not phi1 < target:
        raise ConfigError("phi1", f"a DLT rate below the target {target:g}", phi1)
    if not target < phi2 < 1.0:
        raise ConfigError("phi2", f"a DLT rate above the target {target:g} and below 1", phi2)
    lambda_e = math.log((1 - phi1) / (1 - target)) / math.log(target * (1 - phi1) / (phi1 * (1 - target)))
    lambda_d = math.log((1 - target) / (1 - phi2)) / math.log(phi2 * (1 - target) / (target * (1 - phi2)))
    return lambda_e, lambda_d


def compute_overdose_probability(
    n: Sequence[int], y: Sequence[int], target: float
) -> tuple[float | None, ...]:
    """Posterior probability of overdosing P(p_j > target | data) per level, as BOIN reports it.

    Parameters
    ----------
    n, y : sequence of int, one per level (lowest first)
        Patients and DLTs per level.
    target : float in (0, 1)
        Target DLT rate.

    Returns
    -------
    tuple of float or None
        Isotonic (unweighted PAVA) P(p_j > target) over the tried levels; None where
        ``n_j = 0``.

    Notes
    -----
    ``BOIN::select.mtd`` (component ``p_overdose``) uses a Beta(0.05, 0.05) prior, so
    the posterior is Beta(y + 0.05, n - y + 0.05), then makes the probabilities
    non-decreasing in dose with unweighted PAVA over the tried levels. This is a
    summary for the report; the elimination rule uses a Beta(1, 1) prior instead.

    References
    ----------
    Liu S, Yuan Y (2015), J R Stat Soc C 64:507-523; Yan F et al. (2020). BOIN: an R
    package for designing single-agent and drug-combination dose-finding trials using
    Bayesian optimal interval designs. J Stat Softw 94(13):1-32.

    Examples
    --------
    >>> p = compute_overdose_probability([3, 3, 15, 9, 0], [0, 0, 4, 4, 0], 0.3)
    >>> [None if v is None else round(v, 2) for v in p]
    [0.01, 0.01, 0.36, 0.81, None]
    """
    target = check_probability(target, "target")
    n_arr, y_arr = (np.asarray(v, dtype=float) for v in check_counts(n, y))
    tried = n_arr > 0
    out: list[float | None] = [None] * n_arr.size
    if tried.any():
        raw = beta_sf(target, y_arr[tried] + 0.05, n_arr[tried] - y_arr[tried] + 0.05)
        for j, v in zip(np.flatnonzero(tried), compute_isotonic_regression(raw)):
            out[int(j)] = float(v)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class BOIN(IntervalDesign):
    """Bayesian optimal interval design (Liu and Yuan 2015).

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate phi.
    cohort_size : int >= 1, default 3
    start_dose : int >= 1, default 1
        1-based starting level.
    elimination_cutoff : float in (0, 1), default 0.95
        ``cutoff.eli``: eliminate a level when P(p > phi | data) exceeds it (Beta(1, 1) prior).
    elimination_min_n : int >= 1, default 3
        The elimination rule applies once a level has this many evaluated patients.
    phi1 : float in (0, target) or None
        ``p.saf``; None means 0.6 * target.
    phi2 : float in (target, 1) or None
        ``p.tox``; None means 1.4 * target.

    Raises
    ------
    ConfigError
        On any invalid field, naming it and its value (also from ``dataclasses.replace``).

    Notes
    -----
    Decision at the current level with y DLTs in n evaluated patients (Liu and Yuan
    2015, sect. 2.2): escalate if y/n <= lambda_e, de-escalate if y/n >= lambda_d, else
    stay (:func:`boin_boundaries`). As in ``BOIN::get.boundary`` the rule is tabulated
    as counts: e(n) = floor(lambda_e n), d(n) = ceiling(lambda_d n), computed in double
    precision exactly as the package does; y <= floor(lambda_e n) is the same test as
    y <= lambda_e n, so a rate exactly on a boundary escalates (or de-escalates), as
    the paper's "<=" and ">=" say. Elimination (sect. 2.3): if n >= 3 and
    P(p > phi | y, n) > 0.95 under Beta(1, 1), the level and all higher ones are
    eliminated; the trial stops if level 1 is. The de-escalation cut-off is capped at
    the elimination cut-off, as in the package. The rest of the conduct is the shared
    mechanism of :class:`~doseflow.designs.intervals.IntervalDesign`.

    MTD (``BOIN::select.mtd``; Liu and Yuan 2015, sect. 2.4; Yan et al. 2020): among
    levels tried and not eliminated, p_hat = (y + 0.05) / (n + 0.1), made non-decreasing
    by PAVA weighted by 1 / var, var = (y + 0.05)(n - y + 0.05) / ((n + 0.1)^2 (n + 1.1));
    i * 1e-10 is added to the i-th estimate to break ties and the level closest to the
    target is selected (the higher of tied levels below the target, the lower above). No
    MTD when level 1 is eliminated. ``estimates`` are the isotonic estimates over all
    tried levels (the package's ``p_est``), None for untried levels.

    ``BOIN::get.oc``'s sample size (``ncohort * cohortsize``) and ``n.earlystop`` are
    the wrappers :class:`~doseflow.designs.wrappers.stopping.StopAtSampleSize` and
    :class:`~doseflow.designs.wrappers.stopping.StopAtNAtDose` (``when="stay"`` as in
    BOIN 2.7.2).

    References
    ----------
    Liu S, Yuan Y (2015). Bayesian optimal interval designs for phase I clinical trials.
    J R Stat Soc C 64(3):507-523.
    Yuan Y, Hess KR, Hilsenbeck SG, Gilbert MR (2016). Bayesian optimal interval design:
    a simple and well-performing design for phase I oncology trials. Clin Cancer Res
    22(17):4291-4301.

    Examples
    --------
    >>> from doseflow.core import TrialState
    >>> design = BOIN(target=0.3)
    >>> d = design.decide(TrialState.from_outcomes(5, "1NNN 2NTT"))
    >>> d.action, d.next_dose, d.rule
    ('de-escalate', 1, 'boin.deescalate')
    >>> d.reason
    '2 DLTs in 3 patients at level 2 (67%) is at or above the de-escalation boundary 0.359; de-escalate to level 1.'
    >>> design.select_mtd(TrialState.from_counts(5, [3, 3, 15, 9, 0], [0, 0, 4, 4, 0])).dose
    3
    """

    phi1: float | None = option(
        None, help="Highest DLT rate deemed sub-therapeutic (p.saf); default 0.6 x target.",
        minimum=0.0, maximum=1.0, exclusive=True)
    phi2: float | None = option(
        None, help="Lowest DLT rate deemed overly toxic (p.tox); default 1.4 x target.",
        minimum=0.0, maximum=1.0, exclusive=True)

    name: ClassVar[str] = "boin"
    title: ClassVar[str] = "BOIN: Bayesian optimal interval design with elimination and isotonic MTD"
    citation: ClassVar[str] = "Liu S, Yuan Y (2015). J R Stat Soc C 64:507-523."
    mtd_prior: ClassVar[float] = 0.05
    mtd_tie_rule: ClassVar[str] = "offset"
    mtd_source: ClassVar[str] = "BOIN::select.mtd (Liu and Yuan 2015)"

    def __post_init__(self) -> None:
        IntervalDesign.__post_init__(self)
        boin_boundaries(self.target, self.phi1, self.phi2)

    @property
    def boundaries(self) -> tuple[float, float]:
        """(lambda_e, lambda_d) for this configuration."""
        return boin_boundaries(self.target, self.phi1, self.phi2)

    def compute_cutoffs(self, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e(n) = floor(lambda_e n), d(n) = ceiling(lambda_d n) (``BOIN::get.boundary``)."""
        lambda_e, lambda_d = self.boundaries
        n = np.asarray(n, dtype=np.int64)
        return np.floor(lambda_e * n).astype(np.int64), np.ceil(lambda_d * n).astype(np.int64)

    def describe_verdict(self, n: int, y: int, level: int, verdict: str) -> str:
        lambda_e, lambda_d = self.boundaries
        counts = describe_counts(n, y, level)
        if verdict == "escalate":
            return f"{counts} is at or below the escalation boundary {lambda_e:.3f}"
        if verdict == "de-escalate":
            return f"{counts} is at or above the de-escalation boundary {lambda_d:.3f}"
        return f"{counts} is between the escalation boundary {lambda_e:.3f} and the de-escalation boundary {lambda_d:.3f}"
