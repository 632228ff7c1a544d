"""The i3+3 design (Liu, Wang and Ji 2020): interval rules on the observed DLT rate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from doseflow.designs.interval.keyboard import check_target_interval
from doseflow.designs.interval.mechanism import IntervalDesign, describe_counts
from doseflow.designs.options import option

__all__ = ["I3Plus3"]

_TOL = 1e-9  # y/n within this of an EI bound counts as on it (decimal bounds are inexact in binary)


@dataclass(frozen=True, slots=True)
class I3Plus3(IntervalDesign):
    """The i3+3 design (Liu, Wang and Ji 2020).

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate p_T.
    eps1, eps2 : float > 0, default 0.05
        Equivalence interval EI = [p_T - eps1, p_T + eps2].
    cohort_size, start_dose, elimination_cutoff, elimination_min_n
        As in :class:`~doseflow.designs.interval.mechanism.IntervalDesign`.

    Notes
    -----
    With y DLTs in n evaluated patients at the current level (Liu et al. 2020, sect. 2):

    - y/n below EI: escalate;
    - y/n inside EI (bounds included): stay;
    - y/n above EI: de-escalate, unless (y - 1)/n is below EI, then stay: one DLT fewer
      would have called for escalation, so the evidence of overdosing is too weak.

    Safety rule (sect. 2, as in mTPI/mTPI-2): a level with n >= 3 and
    P(p > p_T | y, n) > 0.95 under Beta(1, 1) is excluded with every higher level; the
    trial stops if level 1 is. MTD as in mTPI-2, which i3+3 adopts (Liu et al. 2020,
    sect. 2): Beta(1, 1) posterior means of the levels tried and not eliminated, PAVA
    weighted by the inverse posterior variance, the level closest to the target; among
    tied levels, the highest if below the target, else the lowest. Comparisons allow 1e-9 so that, e.g., 3/20 counts as
    inside EI = [0.15, 0.25] although 0.2 - 0.05 is 0.15000000000000002 in binary.

    References
    ----------
    Liu M, Wang SJ, Ji Y (2020). The i3+3 design for phase I clinical trials.
    J Biopharm Stat 30(2):294-304. doi:10.1080/10543406.2019.1636811

    Examples
    --------
    >>> from doseflow.core import TrialState
    >>> d = I3Plus3(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2NTNTN"))
    >>> d.action, d.next_dose, d.rule
    ('stay', 2, 'i3+3.stay')
    >>> d.reason
    '2 DLTs in 5 patients at level 2 (40%) is above the equivalence interval [0.25, 0.35], but (2 - 1)/5 = 20% is below it; stay at level 2.'
    """

    eps1: float = option(0.05, help="Lower half-width of the equivalence interval [target - eps1, target + eps2].",
                         minimum=0.0, maximum=1.0, exclusive=True)
    eps2: float = option(0.05, help="Upper half-width of the equivalence interval [target - eps1, target + eps2].",
                         minimum=0.0, maximum=1.0, exclusive=True)

    name: ClassVar[str] = "i3+3"
    title: ClassVar[str] = "i3+3: equivalence interval with the 'stay' exception"
    citation: ClassVar[str] = "Liu M, Wang SJ, Ji Y (2020). J Biopharm Stat 30(2):294-304."
    mtd_prior: ClassVar[float] = 1.0
    mtd_tie_rule: ClassVar[str] = "explicit"
    mtd_source: ClassVar[str] = "isotonic posterior means (Liu et al. 2020)"

    def __post_init__(self) -> None:
        IntervalDesign.__post_init__(self)
        check_target_interval(self)

    @property
    def equivalence_interval(self) -> tuple[float, float]:
        """(p_T - eps1, p_T + eps2)."""
        return self.target - self.eps1, self.target + self.eps2

    def compute_cutoffs(self, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e(n) = largest y with y/n below EI; d(n) = smallest y with y/n above EI and (y-1)/n not below."""
        lo, hi = self.equivalence_interval
        n = np.asarray(n, dtype=np.int64)
        nmax = int(n.max())
        nn, yy = np.meshgrid(n, np.arange(nmax + 1), indexing="ij")
        valid = yy <= nn
        below = valid & (yy / nn < lo - _TOL)
        down = valid & (yy / nn > hi + _TOL) & ~((yy - 1) / nn < lo - _TOL)
        e = np.where(below.any(axis=1), nmax - np.argmax(below[:, ::-1], axis=1), -1)
        d = np.where(down.any(axis=1), np.argmax(down, axis=1), n + 1)
        return e.astype(np.int64), d.astype(np.int64)

    def describe_verdict(self, n: int, y: int, level: int, verdict: str) -> str:
        lo, hi = self.equivalence_interval
        ei = f"[{round(lo, 10):g}, {round(hi, 10):g}]"
        counts = describe_counts(n, y, level)
        if y / n < lo - _TOL:
            return f"{counts} is below the equivalence interval {ei}"
        if y / n <= hi + _TOL:
            return f"{counts} is inside the equivalence interval {ei}"
        if verdict == "stay":
            return (
                f"{counts} is above the equivalence interval {ei}, but ({y} - 1)/{n} = "
                f"{100 * (y - 1) / n:.0f}% is below it"
            )
        return (
            f"{counts} is above the equivalence interval {ei} and ({y} - 1)/{n} = "
            f"{100 * (y - 1) / n:.0f}% is not below it"
        )
