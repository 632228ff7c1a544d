"""What every wrapper shares: it is a design whose ``base`` field is the design it wraps.

A wrapper asks its base design first and then applies its own rule, which may override
the base's decision (stop, continue, hold a dose); everything it does not change (start
dose, target, MTD selection) is the base's. Wrappers nest: the outermost wrapper has the
last word. Its rule vocabulary is the base's followed by its own, so the batch rule codes
of the base stay valid.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.base import DesignBase
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState

__all__ = ["Wrapper", "override_batch", "stop_decision"]


class Wrapper(DesignBase):
    """Mixin of the wrappers (frozen dataclasses whose first field is ``base``)."""

    __slots__ = ()

    #: The wrapper's own rule ids (without its name prefix).
    own_rules: ClassVar[tuple[str, ...]] = ()
    base: Any

    @property
    def rules(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.base.rules) + tuple(f"{self.name}.{r}" for r in self.own_rules)

    def rule_code(self, rule: str) -> int:
        """Batch code of one of the wrapper's own rules."""
        return len(self.base.rules) + self.own_rules.index(rule)

    @property
    def start_dose(self) -> int:
        return self.base.start_dose

    @property
    def target(self) -> float | None:
        return self.base.target

    @property
    def first_cohort_size(self) -> int:
        return self.base.first_cohort_size

    @property
    def needs_calendar(self) -> bool:  # type: ignore[override]
        return bool(self.base.needs_calendar)

    #: What the wrapper's own kernel reads (see ``DesignBase.state_kind``).
    own_state_kind: ClassVar[str] = "counts"

    @property
    def state_kind(self) -> str:  # type: ignore[override]
        order = ("counts", "grades", "patients")
        return max(self.own_state_kind, self.base.state_kind, key=order.index)

    @property
    def uses_followup(self) -> bool:  # type: ignore[override]
        return bool(self.base.uses_followup)

    @property
    def followup_window(self) -> float | None:
        return self.base.followup_window

    @property
    def innermost(self) -> Any:
        """The design at the centre of the chain of wrappers."""
        d = self.base
        while isinstance(d, Wrapper):
            d = d.base
        return d

    def grades_matter(self, n: np.ndarray) -> np.ndarray:
        return self.base.grades_matter(n)

    def select_mtd(self, state: TrialState) -> MTDSelection:
        return self.base.select_mtd(state)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        return self.base.select_mtd_batch(batch, cache)

    def max_sample_size(self, n_levels: int) -> int | None:
        return self.base.max_sample_size(n_levels)


def stop_decision(inner: Decision, reason: str, rule: str) -> Decision:
    """A stop that keeps the inner decision's eliminated levels."""
    return Decision("stop", None, reason, inner.eliminated, rule)


def override_batch(
    d: BatchDecision,
    rows: np.ndarray,
    rules: tuple[str, ...],
    *,
    rule: int,
    action: str | None = None,
    next_index: np.ndarray | int | None = None,
    cohort_size: np.ndarray | int | None = None,
    cohort_kind: str | None = None,
) -> BatchDecision:
    """Return ``d`` over the vocabulary ``rules`` with the decisions of ``rows`` replaced.

    ``action "stop"`` clears the next level, size and kind; otherwise the given fields are
    set and the kind follows the size (0: wait) unless given.
    """
    act, nxt, size, kind, code = (a.copy() for a in (d.action, d.next_index, d.cohort_size, d.cohort_kind, d.rule))
    code[rows] = rule
    if action == "stop":
        act[rows], nxt[rows], size[rows], kind[rows] = ACTION_CODES["stop"], -1, 0, -1
    else:
        if action is not None:
            act[rows] = ACTION_CODES[action]
        if next_index is not None:
            nxt[rows] = next_index
        if cohort_size is not None:
            size[rows] = cohort_size
        if cohort_kind is not None:
            kind[rows] = KIND_CODES[cohort_kind]
        else:
            old = kind[rows]
            kind[rows] = np.where(size[rows] == 0, KIND_CODES["wait"],
                                  np.where((old < 0) | (old == KIND_CODES["wait"]), KIND_CODES["exact"], old))
    return BatchDecision(act, nxt, size, kind, code, rules, d.backfill, d.role, d.eliminated_from)
