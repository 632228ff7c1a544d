"""Exact operating characteristics of count-based designs by enumerating outcome paths.

A count-based design decides from the per-level patient and DLT counts and the
current level only. Its trial is then a Markov chain on states
``(n, y, current)``: from each state the design names the next level and cohort
size ``m``, and the cohort's DLT count is Binomial(m, p) at that level's true DLT
probability. Enumerating every outcome path, merging paths that reach the same
state (their probabilities add), gives the operating characteristics with no
Monte Carlo error: the probability of selecting each level and of selecting none,
the expected sample size, expected DLTs, and expected patients and DLTs per level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom

from doseflow.checks import check_choice, check_int, check_probability
from doseflow.core import DosePlan, MTDSelection, TrialState
from doseflow.designs.base import ACTION_CODES
from doseflow.errors import ConfigError

__all__ = ["ExactOC", "compute_exact_oc"]

#: Largest number of distinct states enumerated before giving up.
MAX_STATES = 1_000_000
#: Without ``max_n``, a design still running after this many cohorts is taken not to stop.
MAX_COHORTS_UNCAPPED = 200

State = tuple[tuple[int, ...], tuple[int, ...], int]


@dataclass(frozen=True, slots=True)
class ExactOC:
    """Exact operating characteristics of a design under one scenario.

    Attributes
    ----------
    design : str
        The design's name (``"3+3"``).
    true_dlt_probs : tuple of float
        True DLT probability per level (level 1 first).
    selection : tuple of float
        Probability that each level is selected as the MTD (level 1 first).
    no_mtd : float
        Probability that no level is selected.
    mean_n : float
        Expected number of patients.
    mean_dlts : float
        Expected number of DLTs.
    patients_per_level, dlts_per_level : tuple of float
        Expected patients and DLTs at each level.
    prob_max_n : float
        Probability that the trial was ended by the ``max_n`` cap rather than by the
        design (0 without a cap).
    n_states : int
        Distinct states enumerated (paths merged where they meet).
    max_n : int or None
        The sample-size cap used.
    """

    design: str
    true_dlt_probs: tuple[float, ...]
    selection: tuple[float, ...]
    no_mtd: float
    mean_n: float
    mean_dlts: float
    patients_per_level: tuple[float, ...]
    dlts_per_level: tuple[float, ...]
    prob_max_n: float = 0.0
    n_states: int = 0
    max_n: int | None = field(default=None)

    def to_dict(self) -> dict:
        """Plain-Python representation (percentages are not applied; levels 1-based)."""
        return {
            "design": self.design,
            "true_dlt_probs": list(self.true_dlt_probs),
            "selection": {str(i + 1): v for i, v in enumerate(self.selection)},
            "no_mtd": self.no_mtd,
            "mean_n": self.mean_n,
            "mean_dlts": self.mean_dlts,
            "patients_per_level": list(self.patients_per_level),
            "dlts_per_level": list(self.dlts_per_level),
            "prob_max_n": self.prob_max_n,
            "n_states": self.n_states,
            "max_n": self.max_n,
        }

    def summary(self) -> str:
        """A plain-text table: selection %, patients and DLTs per level, and totals."""
        k = len(self.selection)
        head = f"{'':<22}" + "".join(f"{'level ' + str(i + 1):>10}" for i in range(k))
        lines = [
            f"Exact operating characteristics: {self.design}"
            + (f" (max_n={self.max_n})" if self.max_n is not None else ""),
            head,
            f"{'true DLT probability':<22}" + "".join(f"{p:>10.3f}" for p in self.true_dlt_probs),
            f"{'selected as MTD %':<22}" + "".join(f"{100 * s:>10.2f}" for s in self.selection),
            f"{'patients (mean)':<22}" + "".join(f"{v:>10.3f}" for v in self.patients_per_level),
            f"{'DLTs (mean)':<22}" + "".join(f"{v:>10.3f}" for v in self.dlts_per_level),
            f"no MTD %: {100 * self.no_mtd:.2f}   mean N: {self.mean_n:.3f}   "
            f"mean DLTs: {self.mean_dlts:.3f}   states: {self.n_states}",
        ]
        if self.max_n is not None:
            lines.append(f"stopped by max_n %: {100 * self.prob_max_n:.2f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        sel = ", ".join(f"{100 * s:.2f}" for s in self.selection)
        return (
            f"ExactOC(design={self.design!r}, selection%=[{sel}], no_mtd%={100 * self.no_mtd:.2f}, "
            f"mean_n={self.mean_n:.3f}, mean_dlts={self.mean_dlts:.3f})"
        )

    def __str__(self) -> str:
        return self.summary()


def compute_exact_oc(
    design,
    true_dlt_probs: Sequence[float],
    max_n: int | None = None,
    *,
    kernel: str = "scalar",
) -> ExactOC:
    """Exact operating characteristics of a count-based design, by path enumeration.

    Parameters
    ----------
    design : Design
        A design whose decision depends on per-level counts and the current level
        only: :class:`~doseflow.designs.threeplusthree.ThreePlusThree`, or any
        ``BatchDesign`` with an integer ``cohort_size`` attribute (e.g. BOIN).
    true_dlt_probs : sequence of float
        True DLT probability per level, each in [0, 1], level 1 first.
    max_n : int, optional
        Cap on the total number of patients (>= 1); the trial ends when reached and
        the MTD is selected from the data so far. Needed for designs that do not
        stop by themselves (interval designs); a last cohort is cut to fit the cap.
    kernel : {"scalar", "batch"}
        ``"scalar"`` (default): each distinct state is decided once by
        ``design.decide(TrialState.from_counts(...))`` (memoised on counts and
        current level); the cohort size is ``Decision.cohort_size`` (else
        ``design.cohort_size``). ``"batch"``: all states reached after the same
        number of cohorts are decided together by ``design.decide_batch`` with the
        fixed ``design.cohort_size``.

    Returns
    -------
    ExactOC
        Selection probabilities (summing with ``no_mtd`` to 1), expected sample size,
        DLTs and patients per level.

    Raises
    ------
    ConfigError
        On a probability outside [0, 1], a bad ``max_n`` or ``kernel``, a design
        without what the kernel needs, or when the enumeration would exceed
        :data:`MAX_STATES` distinct states (or a design without ``max_n`` runs past
        :data:`MAX_COHORTS_UNCAPPED` cohorts): give a smaller ``max_n``, or use
        Monte Carlo simulation.

    Notes
    -----
    Dynamic programming over the Markov chain of trial states: the probability of
    a state is the sum over the outcome paths reaching it of the product of the
    binomial probabilities ``C(m, j) p_d^j (1 - p_d)^(m - j)`` of its cohorts
    (Storer 1989, section 3, computes the 3+3's operating characteristics the same
    way, exactly). Terminal states (the design stops, or ``max_n`` is reached) carry
    the MTD selection, made by ``design.select_mtd`` on the final counts.

    References
    ----------
    Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;
    45:925-937.

    Examples
    --------
    >>> from doseflow.designs.threeplusthree import ThreePlusThree
    >>> oc = compute_exact_oc(ThreePlusThree(), [0.05, 0.15, 0.30, 0.45, 0.60])
    >>> [round(100 * s, 2) for s in oc.selection], round(100 * oc.no_mtd, 2)
    ([20.06, 42.88, 27.65, 5.88, 0.76], 2.78)
    >>> round(oc.mean_n, 3), round(oc.mean_dlts, 3)
    (15.116, 3.198)
    """
    probs = _check_probs(true_dlt_probs)
    k = len(probs)
    if max_n is not None:
        max_n = check_int(max_n, "max_n", minimum=1)
    check_choice(kernel, "kernel", ("scalar", "batch"))
    for attr in ("select_mtd",) + (("decide",) if kernel == "scalar" else ("decide_batch",)):
        if not callable(getattr(design, attr, None)):
            raise ConfigError(
                "design", f"a design with a {attr}() method for kernel={kernel!r}", type(design).__name__
            )
    fixed_size = getattr(design, "cohort_size", None)
    if kernel == "batch" and (isinstance(fixed_size, bool) or not isinstance(fixed_size, int) or fixed_size < 1):
        raise ConfigError(
            "design.cohort_size", "a whole number >= 1 for kernel='batch'", fixed_size
        )
    plan = DosePlan.of_size(k)
    pmf_cache: dict[tuple[int, int], np.ndarray] = {}

    def pmf(level0: int, m: int) -> np.ndarray:
        key = (level0, m)
        if key not in pmf_cache:
            pmf_cache[key] = binom.pmf(np.arange(m + 1), m, probs[level0])
        return pmf_cache[key]

    mtd_cache: dict[tuple[tuple[int, ...], tuple[int, ...]], int | None] = {}
    decisions: dict[State, tuple[bool, int, int]] = {}

    def select(n: tuple[int, ...], y: tuple[int, ...], cur: int) -> int | None:
        key = (n, y)
        if key not in mtd_cache:
            sel: MTDSelection = design.select_mtd(
                TrialState.from_counts(plan, n, y, cur + 1 if cur >= 0 else None)
            )
            mtd_cache[key] = sel.dose
        return mtd_cache[key]

    selection = np.zeros(k)
    no_mtd = 0.0
    mean_n = 0.0
    n_level = np.zeros(k)
    y_level = np.zeros(k)
    p_cap = 0.0
    n_states = 0

    frontier: dict[State, float] = {(tuple([0] * k), tuple([0] * k), -1): 1.0}
    depth = 0
    while frontier:
        n_states += len(frontier)
        if n_states > MAX_STATES:
            raise ConfigError(
                "compute_exact_oc",
                f"an enumeration of at most {MAX_STATES:,} states",
                f"more than {MAX_STATES:,} states after {depth} cohorts",
                "The outcome tree is too large for exact enumeration: give a smaller max_n, "
                "or use Monte Carlo simulation.",
            )
        if max_n is None and depth > MAX_COHORTS_UNCAPPED:
            raise ConfigError(
                "max_n",
                "a patient cap for a design that does not stop by itself",
                None,
                f"The design was still running after {MAX_COHORTS_UNCAPPED} cohorts.",
            )
        states = list(frontier.items())
        moves = _decide_all(design, kernel, plan, [s for s, _ in states], fixed_size, decisions)
        nxt: dict[State, float] = {}
        for ((n, y, cur), prob), (stop, level0, size) in zip(states, moves):
            total = sum(n)
            capped = max_n is not None and total >= max_n
            if stop or capped:
                if capped and not stop:
                    p_cap += prob
                dose = select(n, y, cur)
                if dose is None:
                    no_mtd += prob
                else:
                    selection[dose - 1] += prob
                mean_n += prob * total
                n_level += prob * np.asarray(n)
                y_level += prob * np.asarray(y)
                continue
            if max_n is not None:
                size = min(size, max_n - total)
            weights = pmf(level0, size)
            n2 = list(n)
            n2[level0] += size
            n2t = tuple(n2)
            for j, w in enumerate(weights):
                if w == 0.0:
                    continue
                y2 = list(y)
                y2[level0] += j
                key = (n2t, tuple(y2), level0)
                nxt[key] = nxt.get(key, 0.0) + prob * w
        frontier = nxt
        depth += 1

    return ExactOC(
        design=str(getattr(design, "name", type(design).__name__)),
        true_dlt_probs=tuple(probs),
        selection=tuple(float(v) for v in selection),
        no_mtd=float(no_mtd),
        mean_n=float(mean_n),
        mean_dlts=float(y_level.sum()),
        patients_per_level=tuple(float(v) for v in n_level),
        dlts_per_level=tuple(float(v) for v in y_level),
        prob_max_n=float(p_cap),
        n_states=n_states,
        max_n=max_n,
    )


def _decide_all(
    design, kernel: str, plan: DosePlan, states: list[State], fixed_size, memo: dict
) -> list[tuple[bool, int, int]]:
    """(stop, next 0-based level, cohort size) for each state; ``memo`` caches scalar decisions."""
    if kernel == "batch":
        # The BatchDesign protocol has no "no patient yet" state: the first cohort goes
        # to the design's start dose (``start_dose``, 1-based; level 1 if it has none).
        started = [s for s in states if s[2] >= 0]
        first = (False, int(getattr(design, "start_dose", 1)) - 1, int(fixed_size))
        if not started:
            return [first] * len(states)
        n = np.array([s[0] for s in started], dtype=np.int64)
        y = np.array([s[1] for s in started], dtype=np.int64)
        cur = np.array([s[2] for s in started], dtype=np.int64)
        action, nxt = design.decide_batch(n, y, cur)
        stop = np.asarray(action) == ACTION_CODES["stop"]
        moves = iter([(bool(s), int(d), int(fixed_size)) for s, d in zip(stop, np.asarray(nxt))])
        return [next(moves) if s[2] >= 0 else first for s in states]
    out = []
    for n, y, cur in states:
        key = (n, y, cur)
        if key not in memo:
            state = TrialState.from_counts(plan, n, y, cur + 1 if cur >= 0 else None)
            dec = design.decide(state)
            if dec.action == "stop":
                memo[key] = (True, -1, 0)
            else:
                size = dec.cohort_size if dec.cohort_size is not None else fixed_size
                if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                    raise ConfigError(
                        "design cohort size",
                        "a whole number >= 1 from Decision.cohort_size or design.cohort_size",
                        size,
                    )
                memo[key] = (False, dec.next_dose - 1, size)
        out.append(memo[key])
    return out


def _check_probs(values: Sequence[float]) -> list[float]:
    try:
        items = list(values)
    except TypeError:
        raise ConfigError("true_dlt_probs", "a sequence of probabilities in [0, 1]", values) from None
    if not items:
        raise ConfigError("true_dlt_probs", "at least one probability (one per dose level)", items)
    return [
        check_probability(v, f"true_dlt_probs level {i + 1}", open_interval=False)
        for i, v in enumerate(items)
    ]
