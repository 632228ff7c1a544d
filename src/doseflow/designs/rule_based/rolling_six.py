"""The rolling six design (Skolnik et al. 2008): 2 to 6 patients enrolled concurrently.

At the current level the decision depends on the number of patients enrolled
(``N``), the number with a DLT (``D``) and the number whose DLT outcome is still
pending (``P``); the number evaluated is ``E = N - P``. The decision table
(Skolnik et al. 2008, Table 1; transcribed, with "total / evaluable / DLT" columns,
as the "Rolling 6" column of JAMA Netw Open 2020;3(5):e204787, Table 2):

============  =======================================  ================================
``N``         ``D`` and pending ``P``                  decision
============  =======================================  ================================
any           ``D >= 2``                               de-escalate
0 to 2        ``D <= 1``                               same dose level (enrol)
3 to 5        ``D = 0`` and ``P = 0``                  escalate
3 to 5        otherwise (``D <= 1``)                   same dose level (enrol)
6             ``D + P <= 1`` (0 or 1 DLT in 6 even     escalate
              if every pending patient has a DLT)
6             ``D <= 1``, ``D + P >= 2``               suspend accrual (wait)
============  =======================================  ================================

For example 6 enrolled, 5 evaluated without DLT, 1 pending: escalate (row 17 of the
transcription); 6 enrolled, 1 DLT, 1 pending: suspend. More than 6 enrolled at a level
(not allowed by the design) is read like 6.

What doseflow adds around the table (the paper's rules for moving between levels):

- Escalation never enters an eliminated level (a level with at least 2 DLTs, and every
  level above it). When the level above is eliminated, or the current level is the top,
  the current level is filled to 6 patients and the trial stops once at most 1 DLT in 6
  is certain there (``rolling6.expand``/``rolling6.mtd_found``/``rolling6.top_cleared``);
  the MTD needs 6 patients (Skolnik 2008: at most 1 of 6).
- De-escalation goes to the level below; if that level already has 6 patients with at
  most 1 DLT even counting pending patients as DLTs, it is the MTD and the trial stops;
  from level 1, the trial stops with no MTD.
- "Suspend accrual" is ``Decision(action="stay", cohort_size=0, cohort_kind="wait",
  rule="rolling6.suspend")``: no one is enrolled until pending results arrive.
- Every other decision is ``cohort_kind="up_to"``: ``cohort_size`` is the number of
  patients that may still be enrolled at the level (up to 6 per level) while results are
  pending; the table is read again after each enrolment and each DLT result. The design
  is therefore simulated in calendar time (a scenario with arrivals and a DLT window).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from doseflow.checks import check_int
from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.base import DesignBase
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState
from doseflow.designs.options import option, validate_options
from doseflow.errors import ConfigError

__all__ = ["RollingSix", "tabulate_rolling_six_rules", "compute_rolling_six_action"]

_MAX_AT_LEVEL = 6
_RULES = ("start", "same", "escalate", "deescalate", "suspend", "expand", "mtd_found", "top_cleared", "no_mtd")
_R = {r: i for i, r in enumerate(_RULES)}
_UP_TO, _WAIT = KIND_CODES["up_to"], KIND_CODES["wait"]
# the batch kernel's cases: start, same, suspend, escalate, expand, top cleared, MTD found, no MTD,
# MTD found on de-escalation, de-escalate
_CASE_ACTION = np.array([ACTION_CODES[a] for a in ("stay", "stay", "stay", "escalate", "stay", "stop", "stop", "stop",
                                                   "stop", "de-escalate")])
_CASE_RULE = np.array([_R[r] for r in ("start", "same", "suspend", "escalate", "expand", "top_cleared", "mtd_found",
                                       "no_mtd", "mtd_found", "deescalate")])


def compute_rolling_six_action(enrolled: int, dlts: int, pending: int) -> str:
    """The rolling six table's decision at one level (Skolnik et al. 2008, Table 1).

    Parameters
    ----------
    enrolled : int
        Patients enrolled at the level (>= 0).
    dlts : int
        Patients with a DLT (0 to ``enrolled - pending``).
    pending : int
        Patients still in the DLT window (0 to ``enrolled``).

    Returns
    -------
    str
        ``"same"`` (enrol at the same level), ``"escalate"``, ``"de-escalate"`` or
        ``"suspend"`` (wait for pending results).

    Raises
    ------
    ConfigError
        If the counts are negative or inconsistent (naming the count and value).

    Notes
    -----
    See the module docstring for the table. The rule in words: two DLTs de-escalate;
    with fewer than 6 enrolled, escalate when at least 3 are evaluated, none pending
    and none with a DLT, else keep enrolling; with 6 enrolled, escalate when at most
    1 DLT in 6 is certain, else suspend accrual.

    References
    ----------
    Skolnik JM, Barrett JS, Jayaraman B, Patel D, Adamson PC. Shortening the timeline
    of pediatric phase I trials: the rolling six design. J Clin Oncol 2008;26:190-195.

    Examples
    --------
    >>> compute_rolling_six_action(3, 0, 0), compute_rolling_six_action(6, 0, 1)
    ('escalate', 'escalate')
    >>> compute_rolling_six_action(6, 1, 1), compute_rolling_six_action(2, 2, 0)
    ('suspend', 'de-escalate')
    """
    enrolled = check_int(enrolled, "enrolled", minimum=0)
    pending = check_int(pending, "pending", minimum=0, maximum=enrolled)
    dlts = check_int(dlts, "dlts", minimum=0, maximum=enrolled - pending)
    if dlts >= 2:
        return "de-escalate"
    if enrolled >= _MAX_AT_LEVEL:
        return "escalate" if dlts + pending <= 1 else "suspend"
    if enrolled >= 3 and dlts == 0 and pending == 0:
        return "escalate"
    return "same"


def tabulate_rolling_six_rules() -> list[dict]:
    """Every (enrolled, DLTs, pending) combination for 1 to 6 enrolled with its decision.

    Returns
    -------
    list of dict
        Rows with keys ``enrolled``, ``dlts``, ``without_dlt``, ``pending``,
        ``decision``, ordered by enrolled, DLTs, pending.

    Examples
    --------
    >>> rows = tabulate_rolling_six_rules()
    >>> rows[0]
    {'enrolled': 1, 'dlts': 0, 'without_dlt': 0, 'pending': 1, 'decision': 'same'}
    """
    rows = []
    for n in range(1, _MAX_AT_LEVEL + 1):
        for d in range(0, n + 1):
            for p in range(n - d, -1, -1):
                rows.append(
                    {
                        "enrolled": n,
                        "dlts": d,
                        "without_dlt": n - d - p,
                        "pending": p,
                        "decision": compute_rolling_six_action(n, d, p),
                    }
                )
    return rows


@dataclass(frozen=True, slots=True)
class RollingSix(DesignBase):
    """The rolling six design (Skolnik et al. 2008) with pending DLT outcomes.

    Parameters
    ----------
    start_dose : int
        1-based level of the first patients (>= 1; checked against the plan in
        :meth:`decide`).

    Raises
    ------
    ConfigError
        On a start dose below 1, naming the field and value.

    Notes
    -----
    Two to six patients are enrolled concurrently at a level; each time a patient
    presents or a DLT result arrives, the table of :func:`compute_rolling_six_action`
    is read at the current level with the number enrolled, with DLT and pending
    (``TrialState.pending_per_dose``: records with ``dlt`` None). The MTD is the
    highest level at which at most 1 of 6 patients had a DLT (Skolnik et al. 2008,
    Methods). Moving between levels, suspension and cohort sizes: see the module
    docstring.

    References
    ----------
    Skolnik JM, Barrett JS, Jayaraman B, Patel D, Adamson PC. Shortening the timeline
    of pediatric phase I trials: the rolling six design. J Clin Oncol 2008;26:190-195.

    Examples
    --------
    >>> from doseflow.core import TrialState, DosePlan
    >>> design = RollingSix()
    >>> s = TrialState.from_outcomes(DosePlan.of_size(4), "1NN 1P")
    >>> d = design.decide(s)
    >>> d.action, d.next_dose, d.cohort_size, d.rule
    ('stay', 1, 3, 'rolling6.same')
    >>> s = TrialState.from_outcomes(DosePlan.of_size(4), "1NNN 2NTP 2PPP")
    >>> d = design.decide(s)
    >>> d.action, d.cohort_size, d.rule
    ('stay', 0, 'rolling6.suspend')
    """

    start_dose: int = option(1, help="1-based dose level of the first patients.", minimum=1)

    name: ClassVar[str] = "rolling6"
    title: ClassVar[str] = "Rolling six: 2-6 patients enrolled concurrently, decisions with pending results"
    citation: ClassVar[str] = (
        "Skolnik JM, Barrett JS, Jayaraman B, Patel D, Adamson PC. Shortening the timeline of "
        "pediatric phase I trials: the rolling six design. J Clin Oncol 2008;26:190-195."
    )
    rules: ClassVar[tuple[str, ...]] = tuple(f"rolling6.{r}" for r in _RULES)
    needs_calendar: ClassVar[bool] = True

    def __post_init__(self) -> None:
        validate_options(self)

    @property
    def first_cohort_size(self) -> int:
        return _MAX_AT_LEVEL

    def max_sample_size(self, n_levels: int) -> int:
        """At most 6 patients per level."""
        return _MAX_AT_LEVEL * n_levels

    def decide(self, state: TrialState) -> Decision:
        """The next action by the rolling six table at the current level.

        Parameters
        ----------
        state : TrialState
            The trial so far, pending outcomes included (``dlt`` None).

        Returns
        -------
        Decision
            Rules: ``rolling6.start``, ``rolling6.same``, ``rolling6.escalate``,
            ``rolling6.deescalate``, ``rolling6.suspend``, ``rolling6.expand``,
            ``rolling6.mtd_found``, ``rolling6.top_cleared``, ``rolling6.no_mtd``.

        Raises
        ------
        ConfigError
            If ``start_dose`` is above the plan's top level.
        """
        k = state.n_levels
        if self.start_dose > k:
            raise ConfigError("RollingSix.start_dose", f"a dose level from 1 to {k}", self.start_dose)
        n = state.n_per_dose
        d = state.dlt_per_dose
        p = state.pending_per_dose
        exceeded = np.flatnonzero(d >= 2)
        low = int(exceeded[0]) + 1 if exceeded.size else None
        eliminated = tuple(range(low, k + 1)) if low else ()
        ceiling = low - 1 if low else k

        def make(action: str, nxt: int | None, reason: str, rule: str, size: int | None) -> Decision:
            kind = None if action == "stop" else ("wait" if size == 0 else "up_to")
            return Decision(action, nxt, reason, eliminated, rule, size, kind)

        c = state.current_dose
        if c is None:
            return make(
                "stay", self.start_dose,
                f"No patient enrolled yet: enrol up to {_MAX_AT_LEVEL} patients at the start dose, "
                f"level {self.start_dose}.",
                "rolling6.start", _MAX_AT_LEVEL,
            )
        nc, dc, pc = int(n[c - 1]), int(d[c - 1]), int(p[c - 1])
        counts = f"{nc} enrolled, {_dlts(dc)} and {pc} pending at level {c}"
        action = compute_rolling_six_action(nc, dc, pc)
        if c > ceiling and action != "de-escalate":
            action = "de-escalate"
            counts = f"level {c} is above level {low}, which had at least 2 DLTs"

        if action == "same":
            room = max(_MAX_AT_LEVEL - nc, 0)
            return make(
                "stay", c,
                f"{counts}: enrol at the same level (up to {room} more).",
                "rolling6.same", room,
            )
        if action == "suspend":
            return make(
                "stay", c,
                f"{counts}: suspend accrual until the pending DLT results are known.",
                "rolling6.suspend", 0,
            )
        if action == "escalate":
            if c < ceiling:
                room = max(_MAX_AT_LEVEL - int(n[c]), 0)
                extra = (
                    f"enrol up to {room}" if room
                    else f"level {c + 1} already has {int(n[c])} patients; its own table applies next"
                )
                return make(
                    "escalate", c + 1,
                    f"{counts}: escalate to level {c + 1} ({extra}).",
                    "rolling6.escalate", room,
                )
            why = (
                "it is the top level" if low is None else f"level {low} above had at least 2 DLTs"
            )
            if nc < _MAX_AT_LEVEL:
                room = _MAX_AT_LEVEL - nc
                return make(
                    "stay", c,
                    f"{counts} and {why}: enrol up to {room} more at level {c} to define the MTD "
                    f"on 6 patients.",
                    "rolling6.expand", room,
                )
            if low is None:
                return make(
                    "stop", None,
                    f"{counts}, the top level, has at most 1 DLT in 6: stop with the top level "
                    f"reported (MTD not reached).",
                    "rolling6.top_cleared", None,
                )
            return make(
                "stop", None,
                f"{counts} has at most 1 DLT in 6 and {why}: level {c} is the MTD.",
                "rolling6.mtd_found", None,
            )
        # de-escalate
        target = min(c - 1, ceiling)
        if target < 1:
            return make(
                "stop", None,
                f"{counts}: level 1 is too toxic; stop with no MTD.",
                "rolling6.no_mtd", None,
            )
        return self._settle(target, n, d, p, eliminated, "de-escalate",
                            f"{counts}: de-escalate to level {target}")

    def _settle(self, target: int, n, d, p, eliminated, action: str, lead: str) -> Decision:
        """De-escalate to ``target``; stop there if it has 6 with at most 1 DLT for certain."""
        nt, dt, pt = int(n[target - 1]), int(d[target - 1]), int(p[target - 1])
        if nt >= _MAX_AT_LEVEL and dt + pt <= 1:
            return Decision(
                "stop", None,
                f"{lead}, which has at most 1 DLT in {nt} patients: level {target} is the MTD.",
                eliminated, "rolling6.mtd_found", None,
            )
        room = max(_MAX_AT_LEVEL - nt, 0)
        if room == 0:
            return Decision(
                action, target,
                f"{lead}; its 6 places are taken, so accrual is suspended until the pending "
                f"results there are known.",
                eliminated, "rolling6.suspend", 0,
            )
        return Decision(
            action, target, f"{lead} (enrol up to {room}).", eliminated, "rolling6.deescalate", room, "up_to"
        )

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """:meth:`decide` over many trials at once (array operations; property-tested against it)."""
        n, d, p = batch.n, batch.y, batch.pending
        t, k = n.shape
        if self.start_dose > k:
            raise ConfigError("RollingSix.start_dose", f"a dose level from 1 to {k}", self.start_dose)
        base = np.arange(t) * k  # flat index of each trial's level 0
        fresh = batch.current < 0
        c = np.where(fresh, 0, batch.current)
        first_exceeded = np.full(t, k)  # lowest level with 2 DLTs (k: none), column by column
        for j in range(k - 1, -1, -1):
            first_exceeded = np.where(d[:, j] >= 2, j, first_exceeded)
        any_exc = first_exceeded < k
        ceiling = first_exceeded - 1  # 0-based highest allowed
        nc, dc, pc = np.take(n, base + c), np.take(d, base + c), np.take(p, base + c)
        de = (dc >= 2) | (c > ceiling)
        full = nc >= _MAX_AT_LEVEL
        up = ~de & ((full & (dc + pc <= 1)) | (~full & (nc >= 3) & (dc == 0) & (pc == 0)))
        suspend = ~de & full & ~up
        same = ~de & ~up & ~suspend
        up_next = up & (c < ceiling)
        up_expand = up & ~up_next & (nc < _MAX_AT_LEVEL)
        up_top = up & ~up_next & ~up_expand & ~any_exc
        up_mtd = up & ~up_next & ~up_expand & any_exc
        target = np.minimum(c - 1, ceiling)
        no_mtd = de & (target < 0)
        tg = np.maximum(target, 0)
        nt, dt, pt = np.take(n, base + tg), np.take(d, base + tg), np.take(p, base + tg)
        settle_mtd = de & ~no_mtd & (nt >= _MAX_AT_LEVEL) & (dt + pt <= 1)
        room_t = np.maximum(_MAX_AT_LEVEL - nt, 0)
        room_next = np.maximum(_MAX_AT_LEVEL - np.take(n, base + np.minimum(c + 1, k - 1)), 0)
        # one case per row (the order of np.select is the precedence), then table look-ups
        case = np.select([fresh, same, suspend, up_next, up_expand, up_top, up_mtd, no_mtd, settle_mtd],
                         np.arange(9), 9)
        action = _CASE_ACTION[case]
        rule = np.where((case == 9) & (room_t == 0), _R["suspend"], _CASE_RULE[case])
        stopped = action == ACTION_CODES["stop"]
        nxt = np.where(stopped, -1, np.where(case == 0, self.start_dose - 1,
                                             np.where(case == 3, c + 1, np.where(case == 9, target, c))))
        size = np.where(stopped | (case == 2), 0, np.where(case == 0, _MAX_AT_LEVEL,
                        np.where(case == 3, room_next, np.where(case == 9, room_t, _MAX_AT_LEVEL - nc))))
        kind = np.where(stopped, -1, np.where(size == 0, _WAIT, _UP_TO))
        return BatchDecision(action, nxt, size, kind, rule, self.rules, eliminated_from=ceiling + 1)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        """:meth:`select_mtd` of many states at once; 0-based level, -1 for none."""
        n, d, p = batch.n, batch.y, batch.pending
        k = n.shape[1]
        exceeded = d >= 2
        top = np.where(exceeded.any(axis=1), exceeded.argmax(axis=1), k)
        ok = (np.arange(k)[None, :] < top[:, None]) & (n >= _MAX_AT_LEVEL) & (d + p <= 1)
        return np.where(ok.any(axis=1), k - 1 - np.argmax(ok[:, ::-1], axis=1), -1)

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """The highest level with at most 1 DLT in 6 patients (Skolnik et al. 2008).

        Parameters
        ----------
        state : TrialState
            The trial; pending patients are counted as possible DLTs.

        Returns
        -------
        MTDSelection
            The highest level below any level with 2 DLTs that has at least 6 patients
            and at most 1 DLT even if every pending patient had one; None if no level
            qualifies. ``estimates``: observed DLTs / evaluated patients per level
            (None where none is evaluated).
        """
        n = state.n_per_dose
        d = state.dlt_per_dose
        p = state.pending_per_dose
        e = state.evaluated_per_dose
        k = state.n_levels
        estimates = tuple((int(d[i]) / int(e[i])) if e[i] > 0 else None for i in range(k))
        exceeded = np.flatnonzero(d >= 2)
        top = int(exceeded[0]) if exceeded.size else k
        ok = [i + 1 for i in range(top) if n[i] >= _MAX_AT_LEVEL and d[i] + p[i] <= 1]
        if not ok:
            return MTDSelection(
                None, estimates,
                "No level has 6 patients with at most 1 DLT below any level with 2 DLTs.",
                "rolling6.no_mtd",
            )
        best = max(ok)
        return MTDSelection(
            best, estimates,
            f"Level {best} is the highest level with at most 1 DLT in {int(n[best - 1])} patients "
            f"({int(d[best - 1])} observed): it is the MTD.",
            "rolling6.mtd_found",
        )


def _dlts(y: int) -> str:
    return f"{y} DLT" if y == 1 else f"{y} DLTs"
