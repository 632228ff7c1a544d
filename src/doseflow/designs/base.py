"""What every dose-escalation design provides, and the decision table it can print.

A design is immutable configuration (a frozen dataclass validated in ``__post_init__``)
plus two pure functions of a :class:`~doseflow.core.TrialState`:

- ``decide(state) -> Decision``: the next dose with the rule that fired;
- ``select_mtd(state) -> MTDSelection``: the MTD at the end of the trial.

Designs whose decision depends only on the per-level counts and the current level also
provide ``decide_batch(n, y, current)``, a vectorised kernel over many simulated trials
that must agree with ``decide`` on every state (checked by property tests), and
``decision_table(max_n)`` for ``doseflow boundaries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from doseflow.core import Decision, MTDSelection, TrialState

__all__ = ["Design", "BatchDesign", "DecisionTable", "ACTION_CODES"]

#: Integer codes of actions in batch kernels (arrays over simulated trials).
ACTION_CODES: dict[str, int] = {"de-escalate": -1, "stay": 0, "escalate": 1, "stop": 2}


@runtime_checkable
class Design(Protocol):
    """A dose-escalation design: frozen configuration plus pure decision functions."""

    name: ClassVar[str]
    citation: ClassVar[str]

    def decide(self, state: TrialState) -> Decision: ...

    def select_mtd(self, state: TrialState) -> MTDSelection: ...


@runtime_checkable
class BatchDesign(Design, Protocol):
    """A design whose rule depends on per-level counts and the current level only.

    ``decide_batch`` takes ``n`` and ``y`` of shape (trials, levels), integer patient
    and DLT counts, and ``current`` of shape (trials,), the 0-based current level. It
    returns ``(action, next_index)``: action codes from :data:`ACTION_CODES` and the
    0-based next level (-1 where the trial stops).
    """

    def decide_batch(
        self, n: np.ndarray, y: np.ndarray, current: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


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
