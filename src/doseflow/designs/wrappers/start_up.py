"""A start-up phase for any design: escalate cohort by cohort until the first DLT, then the design.

The usual start of a CRM trial (the "two-stage" CRM): the model takes over only once a
DLT has been seen, since a model fitted to no toxicity at all may jump far above the doses
tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, TrialState
from doseflow.designs.batch import BatchDecision, BatchState
from doseflow.designs.options import option, validate_options
from doseflow.designs.wrappers.base import Wrapper, override_batch

__all__ = ["StartUp"]


@dataclass(frozen=True, slots=True)
class StartUp(Wrapper):
    """Escalate one level per cohort until the first DLT (or the top level), then the design decides.

    Parameters
    ----------
    base : design
        The design that takes over (e.g. the CRM).
    cohort_size : int, optional
        Patients per start-up cohort; default: the design's first cohort size.

    Notes
    -----
    While no DLT has been observed and the top level has no patient (the two-stage CRM of
    Moller 1995 and Cheung 2011): the first cohort goes to the
    design's start dose, each later cohort one level above the current one, and the
    start-up waits while outcomes are pending. After the first DLT, or once a cohort has
    reached the top level, the wrapped design decides on all the data. Everything reads
    per-level counts, so designs with a start-up keep their state graph (exact operating
    characteristics).

    References
    ----------
    Moller S (1995). An extension of the continual reassessment methods using a
    preliminary up-and-down design in a dose finding study in cancer patients, in order to
    investigate a greater range of doses. Stat Med 14:911-922.
    Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*. CRC.

    Examples
    --------
    >>> from doseflow.designs.interval.boin import BOIN
    >>> design = StartUp(BOIN(target=0.3), cohort_size=2)
    >>> d = design.decide(TrialState.from_outcomes(5, "1NN 2NN"))
    >>> d.action, d.next_dose, d.cohort_size, d.rule
    ('escalate', 3, 2, 'start_up.escalate')
    >>> design.decide(TrialState.from_outcomes(5, "1NN 2NN 3TN")).rule
    'boin.deescalate'
    """

    base: Any = option(help="The design wrapped.", cli=False)
    cohort_size: int | None = option(None, help="Patients per start-up cohort (default: the design's first cohort).",
                                     minimum=1, maximum=100)

    name: ClassVar[str] = "start_up"
    title: ClassVar[str] = "Start-up phase: escalate by cohorts until the first DLT, then the design"
    citation: ClassVar[str] = (
        "Moller S (1995). Stat Med 14:911-922; Cheung YK (2011). Dose Finding by the Continual Reassessment "
        "Method, CRC."
    )
    own_rules: ClassVar[tuple[str, ...]] = ("start", "escalate", "wait")

    def __post_init__(self) -> None:
        validate_options(self)

    @property
    def size(self) -> int:
        """Patients per start-up cohort."""
        return self.cohort_size if self.cohort_size is not None else self.base.first_cohort_size

    @property
    def first_cohort_size(self) -> int:
        return self.size

    def decide(self, state: TrialState) -> Decision:
        """The start-up's cohort while it lasts (see Notes), else the wrapped design's decision."""
        d = self.base.decide(state)
        if state.dlt_per_dose.sum() > 0 or state.n_per_dose[-1] > 0:
            return d
        m = self.size
        c = state.current_dose
        if c is None:
            return Decision("stay", self.base.start_dose, f"Start-up: no patient has been treated yet; the first "
                            f"cohort of {m} goes to level {self.base.start_dose}.", d.eliminated, f"{self.name}.start",
                            m)
        pending = int(state.pending_per_dose.sum())
        if pending:
            return Decision("stay", c, f"Start-up: {pending} patient(s) are still in the DLT window; wait for their "
                            "outcomes before escalating.", d.eliminated, f"{self.name}.wait", 0)
        return Decision("escalate", c + 1, f"Start-up: no DLT in {int(state.n_per_dose.sum())} patients so far; "
                        f"escalate to level {c + 1} with a cohort of {m} (the design decides after the first DLT).",
                        d.eliminated, f"{self.name}.escalate", m)

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch).with_rules(self.rules)
        active = (batch.y.sum(axis=1) == 0) & (batch.n[:, -1] == 0)
        cur = batch.current
        fresh = active & (cur < 0)
        wait = active & ~fresh & (batch.pending.sum(axis=1) > 0)
        up = active & ~fresh & ~wait
        m = self.size
        d = override_batch(d, np.flatnonzero(fresh), self.rules, rule=self.rule_code("start"), action="stay",
                           next_index=self.base.start_dose - 1, cohort_size=m, cohort_kind="exact")
        d = override_batch(d, np.flatnonzero(wait), self.rules, rule=self.rule_code("wait"), action="stay",
                           next_index=cur[wait], cohort_size=0)
        return override_batch(d, np.flatnonzero(up), self.rules, rule=self.rule_code("escalate"), action="escalate",
                              next_index=cur[up] + 1, cohort_size=m, cohort_kind="exact")
