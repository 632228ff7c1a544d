"""The 3+3 design (Storer 1989): cohorts of three, escalate on 0/3 or at most 1/6.

The decision is a pure function of the per-level counts of *evaluated* patients and
DLTs plus the current level, so that it can be typed on a command line
(``doseflow next 3+3 --n 3,3,6,0 --dlt 0,0,1,0 --current 3``) and run over many
simulated trials at once (:meth:`ThreePlusThree.decide_batch`).

How each count pattern at the current level ``c`` maps to a decision
(``n``, ``y``: evaluated patients and DLTs at ``c``; ``L``: the lowest level with
at least 2 DLTs, "exceeded"; levels ``>= L`` are eliminated, ``U = L - 1``):

=====================================  =========================================  =====================
state at the current level             decision                                   rule id
=====================================  =========================================  =====================
no patient yet                         treat 3 at the start dose                  ``3+3.start``
``c <= U``, ``n < 3``                  stay; treat ``3 - n`` to complete a cohort ``3+3.complete_cohort``
``c <= U``, ``y = 1``, ``3 <= n < 6``  stay; treat ``6 - n`` more ("3 more")      ``3+3.expand``
``c <= U``, cleared, ``c < U``         escalate to ``c + 1``, cohort of 3         ``3+3.escalate``
``c = K`` (top), cleared, no ``L``     stop; top level reported, MTD not reached  ``3+3.top_cleared``
``c = U``, cleared, variant A          stop; MTD = ``c``                          ``3+3.mtd_found``
``c = U``, cleared, B, ``n >= 6``      stop; MTD = ``c``                          ``3+3.mtd_found``
``c = U``, cleared, B, ``n < 6``       stay; treat ``6 - n`` more at ``c``        ``3+3.expand``
``c > U`` (``y >= 2``), ``U = 0``      stop; no MTD                               ``3+3.no_mtd``
``c > U``, variant A                   stop; MTD = ``U``                          ``3+3.mtd_found``
``c > U``, B, ``U`` has ``<= 1/6``     stop; MTD = ``U``                          ``3+3.mtd_found``
``c > U``, B, otherwise                de-escalate to ``U``; treat ``6 - n_U``    ``3+3.deescalate``
                                       (``3 - n_U`` if ``n_U < 3``)
=====================================  =========================================  =====================

"Cleared" means ``n >= 3`` with no DLT, or ``n >= 6`` with at most one DLT. Odd
states a user can type are covered by the same table: 4 or 5 patients without a
DLT count as cleared (none of the first three had a DLT); 4 or 5 with one DLT
are completed to 6; more than 6 with at most one DLT are cleared; a current
level above an exceeded level (``c > U`` with ``y < 2``) is treated as exceeded
territory and the trial goes down to ``U``. Patients whose DLT outcome is still
pending are not counted in this table: the 3+3 decides on complete cohorts, so while
any patient's outcome is pending, :meth:`ThreePlusThree.decide` says wait (stay, no
patient to enrol, rule ``3+3.wait_pending``) rather than complete a cohort that is
already full; unless the current level has already exceeded the MTD (2 DLTs), which
no pending outcome can undo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from doseflow.checks import check_int
from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.base import DecisionTable, DesignBase
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState
from doseflow.designs.options import option, validate_options
from doseflow.errors import ConfigError

__all__ = ["ThreePlusThree"]

_VARIANTS = ("B", "A")
_RULES = ("start", "complete_cohort", "expand", "escalate", "top_cleared", "mtd_found", "no_mtd", "deescalate",
          "wait_pending")
_R = {r: i for i, r in enumerate(_RULES)}


@dataclass(frozen=True, slots=True)
class ThreePlusThree(DesignBase):
    """The 3+3 dose-escalation design (Storer 1989), with two MTD definitions.

    Parameters
    ----------
    variant : {"B", "A"}
        ``"B"`` (default, the classical definition): the MTD is the highest level
        with at most 1 DLT in 6 patients; when a level exceeds the MTD and the level
        below has only 3 patients, 3 more are treated there, going down while it
        fails. ``"A"``: the MTD is simply the level below the first level with
        at least 2 DLTs, however many patients it has (exceeding at level 1: no MTD).
    start_dose : int
        1-based level of the first cohort (>= 1; checked against the plan in
        :meth:`decide`).

    Raises
    ------
    ConfigError
        On an unknown variant or a start dose below 1, naming the field and the value.

    Notes
    -----
    Rules (Storer 1989, design "A"/"B" of the standard up-and-down scheme; the
    usual "3+3"): treat 3 at a level; 0/3 DLT: escalate; 1/3: treat 3 more at the
    same level and escalate if at most 1/6; at least 2 DLTs (of 3 or of 6): the
    MTD is exceeded. A level with at least 2 DLTs, and every level above it, is
    eliminated: the design never re-escalates into it. Clearing the top level
    ends the trial with the top level reported ("MTD not reached"). The full
    mapping from counts to decisions is in the module docstring.

    References
    ----------
    Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;
    45:925-937.

    Examples
    --------
    >>> from doseflow.core import TrialState, DosePlan
    >>> design = ThreePlusThree()
    >>> state = TrialState.from_outcomes(DosePlan.of_size(5), "1NNN 2NTN")
    >>> d = design.decide(state)
    >>> d.action, d.next_dose, d.rule, d.cohort_size
    ('stay', 2, '3+3.expand', 3)
    >>> state = TrialState.from_outcomes(DosePlan.of_size(5), "1NNN 2NTN 2NNN 3TNT")
    >>> design.decide(state).rule, design.select_mtd(state).dose
    ('3+3.mtd_found', 2)
    """

    variant: str = option(
        "B", help="MTD definition: B = highest level with at most 1 DLT in 6 (classical), "
        "A = the level below the first with 2 DLTs.", choices=_VARIANTS)
    start_dose: int = option(1, help="1-based dose level of the first cohort.", minimum=1)

    name: ClassVar[str] = "3+3"
    title: ClassVar[str] = "3+3: cohorts of 3, expand to 6 after 1 DLT, MTD exceeded at >= 2 DLTs"
    citation: ClassVar[str] = (
        "Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;45:925-937."
    )
    rules: ClassVar[tuple[str, ...]] = tuple(f"3+3.{r}" for r in _RULES)

    def __post_init__(self) -> None:
        validate_options(self)

    @property
    def first_cohort_size(self) -> int:
        return 3

    def max_sample_size(self, n_levels: int) -> int:
        """At most 6 patients per level (the rule never treats a seventh)."""
        return 6 * n_levels

    # ----- scalar rule ------------------------------------------------------------
    def decide(self, state: TrialState) -> Decision:
        """The next dose for ``state`` by the 3+3 rule (see the module docstring).

        Parameters
        ----------
        state : TrialState
            The trial so far; only evaluated patients (DLT known) are counted.

        Returns
        -------
        Decision
            With ``rule`` one of ``3+3.start``, ``3+3.complete_cohort``,
            ``3+3.expand``, ``3+3.escalate``, ``3+3.deescalate``, ``3+3.mtd_found``,
            ``3+3.top_cleared``, ``3+3.no_mtd``, or ``3+3.wait_pending`` (some outcome is
            pending: wait, cohort size 0).

        Raises
        ------
        ConfigError
            If ``start_dose`` is above the plan's top level.
        """
        k = state.n_levels
        if self.start_dose > k:
            raise ConfigError(
                "ThreePlusThree.start_dose", f"a dose level from 1 to {k}", self.start_dose
            )
        n = state.evaluated_per_dose
        y = state.dlt_per_dose
        pending = state.pending_per_dose
        c = state.current_dose
        exceeded = np.flatnonzero(y >= 2)
        if pending.sum() > 0 and (exceeded.size == 0 or c <= exceeded[0]):
            where = ", ".join(f"{int(m)} at level {i + 1}" for i, m in enumerate(pending) if m)
            eliminated = tuple(range(int(exceeded[0]) + 1, k + 1)) if exceeded.size else ()
            return Decision(
                "stay", c,
                f"DLT outcomes pending ({where}): the 3+3 decides on complete cohorts; wait for them "
                f"at level {c}.",
                eliminated, "3+3.wait_pending", 0, "wait",
            )
        return self.decide_counts(n, y, state.current_dose)

    def decide_counts(
        self, n: np.ndarray | list[int], y: np.ndarray | list[int], current: int | None
    ) -> Decision:
        """The 3+3 decision from per-level counts (0-based arrays) and a 1-based level.

        Same rule as :meth:`decide`; ``current`` None means no patient yet.
        """
        n = [int(v) for v in n]
        y = [int(v) for v in y]
        k = len(n)
        exceeded = [i for i in range(k) if y[i] >= 2]
        low = exceeded[0] + 1 if exceeded else None  # 1-based lowest exceeded level
        eliminated = tuple(range(low, k + 1)) if low else ()
        ceiling = (low - 1) if low else k  # 1-based highest allowed level (0: none)

        def make(action: str, nxt: int | None, reason: str, rule: str, size: int | None) -> Decision:
            return Decision(action, nxt, reason, eliminated, rule, size)

        if current is None:
            return make(
                "stay", self.start_dose,
                f"No patient treated yet: treat a cohort of 3 at the start dose, level {self.start_dose}.",
                "3+3.start", 3,
            )
        c = current
        nc, yc = n[c - 1], y[c - 1]
        if c <= ceiling:
            if nc < 3:
                need = 3 - nc
                return make(
                    "stay", c,
                    f"{_pts(nc)} evaluated at level {c}: treat {need} more to complete a cohort of 3.",
                    "3+3.complete_cohort", need,
                )
            if yc == 1 and nc < 6:
                need = 6 - nc
                return make(
                    "stay", c,
                    f"1 DLT in {nc} patients at level {c}: treat {need} more at the same level "
                    f"(escalate only if at most 1 DLT in 6).",
                    "3+3.expand", need,
                )
            # cleared: 0/>=3 or <=1/>=6
            seen = f"{_dlts(yc)} in {nc} patients at level {c}"
            if c < ceiling:
                return make(
                    "escalate", c + 1,
                    f"{seen}: escalate to level {c + 1}.",
                    "3+3.escalate", 3,
                )
            if low is None:  # c == k, the top level is cleared
                return make(
                    "stop", None,
                    f"{seen}, the top level, is tolerated: stop with the top level reported "
                    f"(MTD not reached).",
                    "3+3.top_cleared", None,
                )
            # c == ceiling: the level above exceeded the MTD
            if self.variant == "A" or nc >= 6:
                return make(
                    "stop", None,
                    f"{seen} and level {low} exceeded the MTD: level {c} is the MTD.",
                    "3+3.mtd_found", None,
                )
            need = 6 - nc
            return make(
                "stay", c,
                f"{seen} and level {low} exceeded the MTD: treat {need} more at level {c} "
                f"to confirm at most 1 DLT in 6.",
                "3+3.expand", need,
            )
        # the current level is exceeded (or above an exceeded level)
        cause = (
            f"{_dlts(yc)} in {nc} patients at level {c} exceeds the MTD"
            if yc >= 2
            else f"level {c} is above level {low}, which exceeded the MTD"
        )
        if ceiling == 0:
            return make(
                "stop", None,
                f"{cause} and level 1 is eliminated: stop with no MTD.",
                "3+3.no_mtd", None,
            )
        u = ceiling
        nu, yu = n[u - 1], y[u - 1]
        if self.variant == "A":
            return make(
                "stop", None,
                f"{cause}: the level below, level {u}, is the MTD.",
                "3+3.mtd_found", None,
            )
        if nu >= 6 and yu <= 1:
            return make(
                "stop", None,
                f"{cause} and level {u} has {_dlts(yu)} in {nu} patients: level {u} is the MTD.",
                "3+3.mtd_found", None,
            )
        need = 3 - nu if nu < 3 else 6 - nu
        return make(
            "de-escalate", u,
            f"{cause}: de-escalate to level {u} and treat {need} more there "
            f"({_pts(nu)} so far; the MTD needs at most 1 DLT in 6).",
            "3+3.deescalate", need,
        )

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """The MTD by the 3+3 definition of the configured variant.

        Parameters
        ----------
        state : TrialState
            The trial (evaluated patients only are counted).

        Returns
        -------
        MTDSelection
            ``dose`` None when no level is acceptable; ``estimates`` the observed DLT
            rate y/n per level (None where no patient was evaluated).

        Notes
        -----
        Variant B: the highest level below the lowest exceeded level with at most
        1 DLT in at least 6 patients; if no level is exceeded, the top level counts
        too when cleared (0 in >= 3 or <= 1 in >= 6; "MTD not reached").
        Variant A: the level below the lowest exceeded level, however many patients
        it has (None if level 1 is exceeded); if none is exceeded, the highest
        cleared level. At every end state of :meth:`decide` this is the level the
        trial stopped on.
        """
        return self.select_mtd_counts(state.evaluated_per_dose, state.dlt_per_dose)

    def select_mtd_counts(self, n: np.ndarray | list[int], y: np.ndarray | list[int]) -> MTDSelection:
        """:meth:`select_mtd` from per-level counts (0-based arrays)."""
        n = [int(v) for v in n]
        y = [int(v) for v in y]
        k = len(n)
        estimates = tuple((y[i] / n[i]) if n[i] > 0 else None for i in range(k))
        exceeded = [i + 1 for i in range(k) if y[i] >= 2]
        low = exceeded[0] if exceeded else None

        def cleared(level: int) -> bool:
            ni, yi = n[level - 1], y[level - 1]
            return (ni >= 3 and yi == 0) or (ni >= 6 and yi <= 1)

        if self.variant == "A":
            if low is not None:
                if low == 1:
                    return MTDSelection(
                        None, estimates,
                        "Level 1 had at least 2 DLTs: no level is acceptable (variant A).",
                        "3+3.no_mtd",
                    )
                return MTDSelection(
                    low - 1, estimates,
                    f"Level {low} had at least 2 DLTs: the level below, level {low - 1}, is the MTD "
                    f"(variant A).",
                    "3+3.mtd_found",
                )
            ok = [lv for lv in range(1, k + 1) if cleared(lv)]
        else:
            top = low - 1 if low is not None else k
            ok = [lv for lv in range(1, top + 1) if n[lv - 1] >= 6 and y[lv - 1] <= 1]
            if low is None and cleared(k):
                ok.append(k)
        if not ok:
            return MTDSelection(
                None, estimates,
                "No level has met the 3+3 definition of the MTD "
                + ("(at most 1 DLT in 6 below the first level with 2 DLTs)." if self.variant == "B"
                   else "(no level cleared)."),
                "3+3.no_mtd",
            )
        best = max(ok)
        if best == k and low is None:
            reason = (
                f"The top level, level {k}, was cleared with {_dlts(y[k - 1])} in {n[k - 1]} "
                f"patients: it is reported (MTD not reached)."
            )
            rule = "3+3.top_cleared"
        else:
            reason = (
                f"Level {best} is the highest level with {_dlts(y[best - 1])} in {n[best - 1]} "
                f"patients below any level with 2 DLTs: it is the MTD (variant {self.variant})."
            )
            rule = "3+3.mtd_found"
        return MTDSelection(best, estimates, reason, rule)

    # ----- vectorised kernels -----------------------------------------------------
    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """The 3+3 rule over many trials at once (array operations, no loop over trials).

        Reads the evaluated patients (``batch.n - batch.pending``), DLTs and current
        level; agrees with :meth:`decide_counts` on every state (property-tested).
        """
        n = batch.n - batch.pending
        y = batch.y
        cur = batch.current
        t, k = n.shape
        rows = np.arange(t)
        started = cur >= 0
        c = np.where(started, cur, 0)
        exceeded = y >= 2
        any_exc = exceeded.any(axis=1)
        ceiling = np.where(any_exc, exceeded.argmax(axis=1), k) - 1  # 0-based highest allowed (-1: none)
        nc, yc = n[rows, c], y[rows, c]
        u = np.maximum(ceiling, 0)
        nu, yu = n[rows, u], y[rows, u]
        variant_a = self.variant == "A"

        allowed = started & (c <= ceiling)
        incomplete = allowed & (nc < 3)
        expand = allowed & ~incomplete & (yc == 1) & (nc < 6)
        cleared = allowed & ~incomplete & ~expand
        esc = cleared & (c < ceiling)
        at_ceiling = cleared & (c == ceiling)
        top_cleared = at_ceiling & ~any_exc
        confirm = at_ceiling & any_exc & (not variant_a) & (nc < 6)
        found_here = at_ceiling & any_exc & ~confirm
        above = started & ~allowed
        no_mtd = above & (ceiling < 0)
        found_below = above & ~no_mtd & (variant_a | ((nu >= 6) & (yu <= 1)))
        down = above & ~no_mtd & ~found_below
        fresh = ~started

        conditions = [fresh, incomplete, expand | confirm, esc, top_cleared, found_here | found_below, no_mtd, down]
        rule = np.select(conditions, [_R[r] for r in ("start", "complete_cohort", "expand", "escalate",
                                                        "top_cleared", "mtd_found", "no_mtd", "deescalate")])
        stay, stop = ACTION_CODES["stay"], ACTION_CODES["stop"]
        action = np.select(conditions, [stay, stay, stay, ACTION_CODES["escalate"], stop, stop, stop,
                                        ACTION_CODES["de-escalate"]])
        nxt = np.select(conditions, [np.full(t, self.start_dose - 1), c, c, c + 1, -1, -1, -1, ceiling])
        size = np.select(conditions, [3, 3 - nc, 6 - nc, 3, 0, 0, 0, np.where(nu < 3, 3 - nu, 6 - nu)])
        kind = np.where(action == stop, -1, KIND_CODES["exact"])
        wait = allowed & (batch.pending.sum(axis=1) > 0)  # complete cohorts, unless the level is exceeded
        if wait.any():
            action, rule, nxt, size, kind = (np.where(wait, a, b) for a, b in (
                (stay, action), (_R["wait_pending"], rule), (c, nxt), (0, size), (KIND_CODES["wait"], kind)))
        return BatchDecision(action, nxt, size, kind, rule, self.rules, eliminated_from=ceiling + 1)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        """:meth:`select_mtd` of many states at once (evaluated patients); 0-based level, -1 for none."""
        n = batch.evaluated
        y = batch.y
        t, k = n.shape
        exceeded = y >= 2
        any_exc = exceeded.any(axis=1)
        low = np.where(any_exc, exceeded.argmax(axis=1), k)  # 0-based lowest exceeded, k: none
        levels = np.arange(k)[None, :]
        cleared = ((n >= 3) & (y == 0)) | ((n >= 6) & (y <= 1))
        if self.variant == "A":
            ok = cleared & ~any_exc[:, None]
            best = np.where(ok.any(axis=1), k - 1 - np.argmax(ok[:, ::-1], axis=1), -1)
            return np.where(any_exc, low - 1, best)
        ok = (levels < low[:, None]) & (n >= 6) & (y <= 1)
        top = ~any_exc & cleared[:, -1]
        ok[:, -1] |= top
        return np.where(ok.any(axis=1), k - 1 - np.argmax(ok[:, ::-1], axis=1), -1)

    # ----- boundaries -------------------------------------------------------------
    def decision_table(self, max_n: int = 6) -> DecisionTable:
        """Escalate / de-escalate / eliminate cut-offs on the DLT count, n = 1..max_n.

        Parameters
        ----------
        max_n : int
            Largest number of patients at a level to tabulate (>= 1).

        Returns
        -------
        DecisionTable
            ``escalate``: 0 at n = 3 and 1 at n = 6; ``deescalate``: 2 at n = 3 and 6;
            None elsewhere (the 3+3 decides only on complete cohorts). ``eliminate``:
            2 at every n >= 2, since any level with 2 DLTs is never used again.

        Raises
        ------
        ConfigError
            If ``max_n`` is not a whole number >= 1.
        """
        max_n = check_int(max_n, "max_n", minimum=1)
        ns = tuple(range(1, max_n + 1))
        esc = tuple({3: 0, 6: 1}.get(v) for v in ns)
        de = tuple(2 if v in (3, 6) else None for v in ns)
        elim = tuple(2 if v >= 2 else None for v in ns)
        return DecisionTable(ns, esc, de, elim)


def _pts(n: int) -> str:
    return f"{n} patient" if n == 1 else f"{n} patients"


def _dlts(y: int) -> str:
    return f"{y} DLT" if y == 1 else f"{y} DLTs"
