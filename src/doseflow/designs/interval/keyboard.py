"""The keyboard design (Yan, Mandrekar and Yuan 2017) and mTPI-2 (Guo et al. 2017).

Both partition the DLT-rate scale [0, 1] into intervals ("keys") of one width
w = eps1 + eps2 around the target key [target - eps1, target + eps2], update a Beta(1, 1)
prior with the data at the current level, and move towards the key with the most
posterior support: escalate if it lies below the target key, stay if it is the target
key, de-escalate if above. Keyboard ranks keys by posterior probability, mTPI-2 by
unit probability mass (probability / width). The two ranks agree on every full-width
key; they can differ only at the partial keys next to 0 and 1, which each handles its
own way (see :class:`Keyboard` and :class:`MTPI2`).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from doseflow.designs.beta_probability import beta_cdf
from doseflow.designs.interval.mechanism import IntervalDesign, describe_counts
from doseflow.designs.options import option
from doseflow.errors import ConfigError

__all__ = ["Keyboard", "MTPI2", "compute_key_edges"]

_SNAP = 1e-9  # an edge this close to 0 or 1 is 0 or 1 (decimal targets are not exact in binary)


def compute_key_edges(target: float, eps1: float, eps2: float) -> tuple[np.ndarray, int]:
    """Edges of the keys (intervals) covering [0, 1], and the index of the target key.

    Parameters
    ----------
    target : float in (0, 1)
    eps1, eps2 : float > 0
        The target key is [target - eps1, target + eps2]; every other key has width
        eps1 + eps2 except the partial keys that reach 0 and 1.

    Returns
    -------
    edges : numpy.ndarray of float, increasing, first 0 and last 1
        Key j is (edges[j], edges[j + 1]].
    target_index : int
        Index j of the target key.

    Notes
    -----
    Keys are laid out from the target key outwards in steps of w = eps1 + eps2, as
    ``Keyboard::get.boundary.kb`` and Guo et al. (2017, sect. 2.2) do; the last step on
    each side is truncated at 0 or 1 (an edge within 1e-9 of 0 or 1 is taken as 0 or 1,
    so target 0.25 with eps 0.05 gives five full keys below, not a sliver).

    Examples
    --------
    >>> edges, j = compute_key_edges(0.3, 0.05, 0.05)
    >>> [round(float(v), 2) for v in edges], j
    ([0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1.0], 3)
    """
    lo, hi = target - eps1, target + eps2
    w = eps1 + eps2
    below = []
    k = 1
    while lo - k * w > _SNAP:
        below.append(lo - k * w)
        k += 1
    above = []
    k = 1
    while hi + k * w < 1 - _SNAP:
        above.append(hi + k * w)
        k += 1
    edges = np.array([0.0, *reversed(below), lo, hi, *above, 1.0])
    return edges, len(below) + 1


@dataclass(frozen=True, slots=True)
class _KeyedDesign(IntervalDesign):
    """Shared configuration and table construction of Keyboard and MTPI2."""

    eps1: float = option(0.05, help="Lower half-width of the target key: it starts at target - eps1.",
                         minimum=0.0, maximum=1.0, exclusive=True)
    eps2: float = option(0.05, help="Upper half-width of the target key: it ends at target + eps2.",
                         minimum=0.0, maximum=1.0, exclusive=True)

    def __post_init__(self) -> None:
        IntervalDesign.__post_init__(self)
        check_target_interval(self)

    @abstractmethod
    def compute_key_scores(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Score of each key for each (n, y) pair, shape (pairs, keys); the highest wins."""

    def compute_strongest_key(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the winning key per (n, y); ties go to the highest (most toxic) key."""
        scores = self.compute_key_scores(np.atleast_1d(n), np.atleast_1d(y))
        flipped = scores[:, ::-1]
        return scores.shape[1] - 1 - np.argmax(flipped, axis=1)

    def compute_cutoffs(self, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e(n) = largest y whose winning key is below the target key; d(n) = smallest above."""
        n = np.asarray(n, dtype=np.int64)
        nmax = int(n.max())
        nn, yy = np.meshgrid(n, np.arange(nmax + 1), indexing="ij")
        valid = yy <= nn
        win = np.full(nn.shape, -1)
        win[valid] = self.compute_strongest_key(nn[valid], yy[valid])
        _, t = compute_key_edges(self.target, self.eps1, self.eps2)
        below = valid & (win < t)
        above = valid & (win > t)
        e = np.where(below.any(axis=1), nmax - np.argmax(below[:, ::-1], axis=1), -1)
        d = np.where(above.any(axis=1), np.argmax(above, axis=1), n + 1)
        return e.astype(np.int64), d.astype(np.int64)

    def _key_label(self, j: int) -> str:
        edges, _ = compute_key_edges(self.target, self.eps1, self.eps2)
        a, b = round(float(edges[j]), 10), round(float(edges[j + 1]), 10)
        return f"{'[' if j == 0 else '('}{a:g}, {b:g}]"

    def _verdict_parts(self, n: int, y: int) -> tuple[str, str, str]:
        _, t = compute_key_edges(self.target, self.eps1, self.eps2)
        j = int(self.compute_strongest_key(np.array([n]), np.array([y]))[0])
        where = "below" if j < t else ("above" if j > t else "at")
        return self._key_label(j), where, self._key_label(t)


@dataclass(frozen=True, slots=True)
class Keyboard(_KeyedDesign):
    """Keyboard design (Yan, Mandrekar and Yuan 2017).

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate.
    eps1, eps2 : float > 0, default 0.05
        The target key is [target - eps1, target + eps2] (the package's ``marginL``,
        ``marginR``); all keys have width eps1 + eps2.
    partial_keys : {"scale", "ignore"}, default "scale"
        How the keys truncated at 0 and 1 compete: ``"scale"`` multiplies their
        posterior probability by (full width / their width), as
        ``Keyboard::get.boundary.kb`` does ("compensation factor for incompleted
        keys"); ``"ignore"`` leaves them out, so only full-width keys can be strongest.
    cohort_size, start_dose, elimination_cutoff, elimination_min_n
        As in :class:`~doseflow.designs.interval.mechanism.IntervalDesign`.

    Notes
    -----
    With y DLTs in n evaluated patients at the current level the posterior is
    Beta(1 + y, 1 + n - y); the strongest key is the one with the largest posterior
    probability (ties: the highest key, as the package's
    ``max(which(targetp == max(targetp)))``). Strongest key below the target key:
    escalate; the target key: stay; above: de-escalate (Yan et al. 2017, "Keyboard
    design"). Overdose control: eliminate the level and higher ones when
    P(p > target | data) > 0.95 under Beta(1, 1). ``Keyboard::get.boundary.kb`` (0.1.3)
    applies it at every n, so at target 0.25 or 0.30 two DLTs in two patients eliminate
    a level; the paper and the package's help say "at least 3 patients". doseflow follows
    the package (``elimination_min_n = 1``); ``elimination_min_n = 3`` gives the paper's
    rule, which is also BOIN's. MTD (``Keyboard::select.mtd.kb``, Yan et al. 2017, "MTD
    selection"): the isotonic rule of ``BOIN::select.mtd`` (estimates (y + 0.05) / (n +
    0.1), PAVA weighted by the inverse posterior variance, i * 1e-10 tie-breaker, closest
    to the target). The package's first and last keys are always
    scaled, which makes the keyboard rule rank keys exactly as mTPI-2's unit
    probability mass does (see :class:`MTPI2`).

    References
    ----------
    Yan F, Mandrekar SJ, Yuan Y (2017). Keyboard: a novel Bayesian toxicity probability
    interval design for phase I clinical trials. Clin Cancer Res 23(15):3994-4003.

    Examples
    --------
    >>> from doseflow.core import TrialState
    >>> d = Keyboard(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2NTT"))
    >>> d.action, d.next_dose, d.rule
    ('de-escalate', 1, 'keyboard.deescalate')
    >>> d.reason
    'the strongest key (0.65, 0.75] is above the target key (0.25, 0.35] with 2 DLTs in 3 patients at level 2 (67%); de-escalate to level 1.'
    """

    elimination_min_n: int = option(
        1, help="The elimination rule applies once a level has this many evaluated patients "
        "(1: at every n, as Keyboard::get.boundary.kb; the paper says 3).", minimum=1)
    partial_keys: str = option("scale", help="How the keys cut at 0 and 1 compete: scaled to full width or ignored.",
                               choices=("scale", "ignore"))

    name: ClassVar[str] = "keyboard"
    title: ClassVar[str] = "Keyboard: equal-width keys, move towards the strongest key"
    citation: ClassVar[str] = "Yan F, Mandrekar SJ, Yuan Y (2017). Clin Cancer Res 23:3994-4003."
    mtd_prior: ClassVar[float] = 0.05
    mtd_tie_rule: ClassVar[str] = "offset"
    mtd_source: ClassVar[str] = "Keyboard::select.mtd.kb (Yan, Mandrekar and Yuan 2017)"

    def compute_key_scores(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Posterior probability of each key (end keys scaled or excluded per ``partial_keys``)."""
        edges, _ = compute_key_edges(self.target, self.eps1, self.eps2)
        a = 1.0 + np.asarray(y, dtype=float)[:, None]
        b = 1.0 + (np.asarray(n, dtype=float) - np.asarray(y, dtype=float))[:, None]
        prob = np.diff(beta_cdf(edges[None, :], a, b), axis=1)
        width = self.eps1 + self.eps2
        for j in (0, prob.shape[1] - 1):
            if self.partial_keys == "scale":
                prob[:, j] *= width / (edges[j + 1] - edges[j])
            elif edges[j + 1] - edges[j] < width - _SNAP:
                prob[:, j] = -np.inf
        return prob

    def describe_verdict(self, n: int, y: int, level: int, verdict: str) -> str:
        key, where, target_key = self._verdict_parts(n, y)
        if where == "at":
            return f"the strongest key {key} is the target key with {describe_counts(n, y, level)}"
        return f"the strongest key {key} is {where} the target key {target_key} with {describe_counts(n, y, level)}"


@dataclass(frozen=True, slots=True)
class MTPI2(_KeyedDesign):
    """Modified toxicity probability interval design, version 2 (mTPI-2; Guo et al. 2017).

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate p_T.
    eps1, eps2 : float > 0, default 0.05
        Equivalence interval EI = [p_T - eps1, p_T + eps2]; the under- and overdosing
        ranges are cut into sub-intervals of the same width eps1 + eps2.
    cohort_size, start_dose, elimination_cutoff, elimination_min_n
        As in :class:`~doseflow.designs.interval.mechanism.IntervalDesign`.

    Notes
    -----
    Guo et al. (2017, sect. 2.2) "blunt Ockham's razor" of mTPI by splitting the
    underdosing and overdosing intervals into sub-intervals as wide as EI. Each interval
    M gets its unit probability mass UPM(M) = P(p in M | data) / |M| under the
    Beta(1 + y, 1 + n - y) posterior, and the interval with the largest UPM decides:
    below EI escalate, EI stay, above EI de-escalate. The sub-intervals truncated at 0
    and 1 keep their UPM with their own, shorter, length (as in Brock's escalation
    package); exact ties go to the highest interval (the safer decision). Dose
    exclusion (sect. 2.3, from mTPI): n >= 3 and P(p > p_T | data) > 0.95 eliminates the
    level and higher ones. On every key of full width, UPM ranks keys exactly as the
    keyboard's probability does; with the keyboard package's scaling of the end keys the
    two designs give the same decision table (Ji and Yang 2017, arXiv:1706.03277).

    MTD (Guo et al. 2017, following Ji et al. 2010, sect. 2.4): posterior means
    (y + 1) / (n + 2) under Beta(1, 1) of the levels tried and not eliminated, made
    non-decreasing by PAVA weighted by the inverse posterior variance; the level closest
    to the target; among tied levels, the highest if their estimate is below the target,
    else the lowest.

    References
    ----------
    Guo W, Wang SJ, Yang S, Lynn H, Ji Y (2017). A Bayesian interval dose-finding design
    addressing Ockham's razor: mTPI-2. Contemp Clin Trials 58:23-33.
    Ji Y, Liu P, Li Y, Bekele BN (2010). A modified toxicity probability interval method
    for dose-finding trials. Clin Trials 7(6):653-663.

    Examples
    --------
    >>> from doseflow.core import TrialState
    >>> d = MTPI2(target=0.3).decide(TrialState.from_outcomes(5, "1NNN"))
    >>> d.action, d.next_dose, d.rule
    ('escalate', 2, 'mtpi2.escalate')
    """

    name: ClassVar[str] = "mtpi2"
    title: ClassVar[str] = "mTPI-2: equal-width intervals, highest unit probability mass"
    citation: ClassVar[str] = "Guo W, Wang SJ, Yang S, Lynn H, Ji Y (2017). Contemp Clin Trials 58:23-33."
    mtd_prior: ClassVar[float] = 1.0
    mtd_tie_rule: ClassVar[str] = "explicit"
    mtd_source: ClassVar[str] = "isotonic posterior means (Guo et al. 2017)"

    def compute_key_scores(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Unit probability mass of each interval: posterior probability / interval length."""
        edges, _ = compute_key_edges(self.target, self.eps1, self.eps2)
        a = 1.0 + np.asarray(y, dtype=float)[:, None]
        b = 1.0 + (np.asarray(n, dtype=float) - np.asarray(y, dtype=float))[:, None]
        prob = np.diff(beta_cdf(edges[None, :], a, b), axis=1)
        return prob / np.diff(edges)[None, :]

    def describe_verdict(self, n: int, y: int, level: int, verdict: str) -> str:
        key, where, target_key = self._verdict_parts(n, y)
        ei = "[" + target_key[1:]
        if where == "at":
            return f"the equivalence interval {ei} has the highest unit probability mass with {describe_counts(n, y, level)}"
        return (
            f"the interval {key} with the highest unit probability mass is {where} the equivalence "
            f"interval {ei} with {describe_counts(n, y, level)}"
        )


def check_target_interval(design: IntervalDesign) -> None:
    """eps1 < target and target + eps2 < 1: the target interval lies inside (0, 1)."""
    name = type(design).__name__
    if not design.eps1 < design.target:
        raise ConfigError(f"{name}.eps1", f"a number in (0, {design.target:g}) (below the target)", design.eps1)
    if not design.target + design.eps2 < 1.0:
        raise ConfigError(f"{name}.eps2", f"a number in (0, {1 - design.target:g}) (target + eps2 below 1)",
                          design.eps2)
