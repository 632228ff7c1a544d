"""The design contract: what every dose-escalation design and wrapper provides.

A design is immutable configuration (a frozen dataclass whose options are fields made by
:func:`doseflow.designs.options.option`, validated in ``__post_init__``) plus pure
functions of the trial so far:

- ``decide(state) -> Decision``: the next enrolment with the rule that fired (the
  scalar reference of the rule);
- ``select_mtd(state) -> MTDSelection``: the MTD at the end of the trial;
- ``decide_batch(batch) -> BatchDecision``: the same rule over many simulated trials at
  once (:mod:`doseflow.designs.batch`), agreeing with ``decide`` on every state;
- ``select_mtd_batch(batch) -> array``: the MTD of many states at once;
- ``start_dose``, ``first_cohort_size``, ``target`` (None for designs without one),
  ``max_sample_size(n_levels)`` (None when the design never stops by itself: give it a
  stopping rule), ``rules`` (every rule id ``decide`` can return), ``name``, ``title``
  and ``citation``.

:class:`DesignBase` supplies the parts common to all: kernels that run the scalar rule
once per distinct state (for designs without a hand-written kernel), the first cohort
size read from the first decision, and serialisation through the registry.
:func:`doseflow.designs.conformance.check_design` checks the contract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from doseflow.core import Decision, DosePlan, MTDSelection, TrialState
from doseflow.designs.batch import BatchDecision, BatchState, decide_distinct_states, select_mtd_distinct_states
from doseflow.designs.options import describe_design, design_to_dict

__all__ = ["Design", "DesignBase", "DecisionTable"]


@runtime_checkable
class Design(Protocol):
    """A dose-escalation design: frozen configuration plus pure decision functions."""

    name: ClassVar[str]
    title: ClassVar[str]
    citation: ClassVar[str]

    @property
    def start_dose(self) -> int: ...

    @property
    def first_cohort_size(self) -> int: ...

    @property
    def target(self) -> float | None: ...

    @property
    def rules(self) -> tuple[str, ...]: ...

    def decide(self, state: TrialState) -> Decision: ...

    def select_mtd(self, state: TrialState) -> MTDSelection: ...

    def decide_batch(self, batch: BatchState) -> BatchDecision: ...

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray: ...

    def max_sample_size(self, n_levels: int) -> int | None: ...


class DesignBase:
    """Defaults every design shares; subclasses are frozen dataclasses.

    ``decide_batch`` and ``select_mtd_batch`` run the scalar rule once per distinct
    count state (right for designs that decide from counts and the current level only;
    designs that need more override them). ``first_cohort_size`` is the cohort size of the
    decision on an empty trial. ``max_sample_size`` is None: the design does not stop by
    itself.
    """

    __slots__ = ()

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    rules: ClassVar[tuple[str, ...]] = ()
    #: Whether the design enrols while outcomes are pending, so that it can only be
    #: simulated in calendar time (a scenario with arrivals and a DLT window).
    needs_calendar: ClassVar[bool] = False
    #: What ``decide_batch`` reads of a batch state: "counts" (per-level patients, DLTs,
    #: pending and the current level), "grades" (also the worst grade of each patient, in
    #: enrolment order, which at most one patient per level makes level order), or
    #: "patients" (the full per-patient detail). Simulations keep per-patient arrays only
    #: for designs that need them, and exact enumeration merges states on what the design
    #: reads.
    state_kind: ClassVar[str] = "counts"
    #: Whether ``decide_batch`` reads the follow-up of pending patients (time-to-event designs).
    uses_followup: ClassVar[bool] = False

    @property
    def followup_window(self) -> float | None:
        """The DLT window (days) over which the design weights follow-up; None if it does not.

        Simulations refuse a scenario whose DLT window differs, and the follow-up shares of
        a batch state are computed over it.
        """
        return None

    def followup_window_differs(self, window_days: float) -> bool:
        """Whether the design weights follow-up over another DLT window than ``window_days``.

        A time-to-event design computes each pending patient's weight over its own window
        (``followup_window``); a trial or scenario whose DLT window differs would have its
        patients' follow-up weighed over one window and their outcomes known after another.
        The simulator and the conduct service both refuse it.
        """
        own = self.followup_window
        return bool(self.uses_followup) and own is not None and not math.isclose(own, float(window_days),
                                                                                  rel_tol=1e-12, abs_tol=0.0)

    @property
    def target(self) -> float | None:
        return None

    @property
    def first_cohort_size(self) -> int:
        first = self.decide(TrialState(DosePlan.of_size(max(self.start_dose, 1))))  # type: ignore[attr-defined]
        return int(first.cohort_size or 0)

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        return decide_distinct_states(self, batch)

    def grades_matter(self, n: np.ndarray) -> np.ndarray:
        """Rows of per-level counts ``n`` in which a later decision may still depend on grades.

        False everywhere for designs of state kind "counts"; exact enumeration forgets the
        grades of states where they no longer matter, so that such states merge.
        """
        return np.zeros(len(n), dtype=bool)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        """0-based MTD (-1: none) of every trial of ``batch``."""
        return select_mtd_distinct_states(self, batch, cache)

    def max_sample_size(self, n_levels: int) -> int | None:
        return None

    @property
    def label(self) -> str:
        """The design as people write it: its name and the options that differ from their defaults,
        wrappers after a ``+`` (``"boin(target=0.25) + stop_at_sample_size(max_n=30)"``)."""
        return describe_design(self)

    def to_dict(self) -> dict[str, Any]:
        """The design as plain values, ``{"design": name, option: value, ...}`` (registry form)."""
        return design_to_dict(self)


@dataclass(frozen=True, slots=True)
class DecisionTable:
    """Escalate / de-escalate / eliminate cut-offs on the DLT count for n = 1..max_n.

    ``escalate[i]``: escalate if DLTs <= this at n = ``n[i]``; ``deescalate[i]``:
    de-escalate if DLTs >= this; ``eliminate[i]``: eliminate the level and all higher
    levels if DLTs >= this. None where no count triggers the action.
    """

    n: tuple[int, ...]
    escalate: tuple[int | None, ...]
    deescalate: tuple[int | None, ...]
    eliminate: tuple[int | None, ...]

    def to_dict(self) -> dict:
        return {
            "n": list(self.n),
            "escalate": list(self.escalate),
            "deescalate": list(self.deescalate),
            "eliminate": list(self.eliminate),
        }
