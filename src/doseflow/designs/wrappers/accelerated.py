"""Accelerated titration (Simon et al. 1997): single patients at the lowest levels, then any design.

The "modified 3+3" of many first-in-human trials is this wrapper around a 3+3: one patient
per dose level while toxicity is mild, switching to the standard design at the first sign
of toxicity. Around BOIN it is ``BOIN::get.oc(titration = TRUE)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState
from doseflow.designs.options import option, validate_options
from doseflow.designs.wrappers.base import Wrapper, override_batch
from doseflow.errors import ConfigError

__all__ = ["AcceleratedTitration"]


@dataclass(frozen=True, slots=True)
class AcceleratedTitration(Wrapper):
    """Accelerated titration wrapped around any design (Simon et al. 1997, designs 2-4).

    Parameters
    ----------
    base : design
        The design used once titration ends (its start dose and first cohort size apply).
    max_single_levels : int or None
        How many levels, from the start dose up, may run with a single patient (>= 1);
        None (default) for no cap, as in Simon et al. (titration runs until a trigger).
    trigger_grade : int
        CTCAE grade (1-5) of a treatment-related toxicity in the DLT window that counts
        towards ending titration (default 2, "moderate"); read from
        ``PatientRecord.worst_grade``. A DLT always ends titration at once.
    trigger_count : int
        Number of titration patients with a grade >= ``trigger_grade`` toxicity that ends
        titration (>= 1). Default 1: switch at the first such toxicity (the usual
        first-in-human "modified 3+3"). Simon et al. designs 2-4 used 2 ("the second
        instance of grade 2 toxicity").

    Notes
    -----
    Rule (Simon et al. 1997, "Accelerated titration designs", designs 2-4; the same
    stage-I rule is ``titration = TRUE`` of ``BOIN::get.oc``, Yuan et al.):

    1. Treat one patient at the start dose; while no trigger has occurred, treat one
       patient at the next level (``cohort_size`` 1, rule ``accelerated.titrate``).
    2. Trigger: the first DLT, or the ``trigger_count``-th patient with a
       treatment-related toxicity of grade >= ``trigger_grade`` in the DLT window.
       The level where it happened is expanded to the base design's first cohort size
       (rule ``accelerated.expand``), and the base design decides from then on (Simon et
       al.: "the cohort for the current dose level is expanded to three patients and the
       standard design is used thereafter").
    3. Cap without trigger (``max_single_levels`` single-patient levels done): a full
       cohort of the base design at the next level (``accelerated.switch``); if the cap is
       the top level, the top level is expanded to a full cohort.

    After titration every decision is the base design's on all the data. The single
    patients count as treated patients at their level. During titration a patient whose
    DLT outcome is pending makes the design wait (rule ``accelerated.wait``).
    Intrapatient dose escalation (also part of Simon's designs) is not modelled.

    References
    ----------
    Simon R, Freidlin B, Rubinstein L, Arbuck SG, Collins J, Christian MC. Accelerated
    titration designs for phase I clinical trials in oncology. J Natl Cancer Inst 1997;
    89:1138-1147.

    Examples
    --------
    >>> from doseflow.core import TrialState, DosePlan
    >>> from doseflow.designs.rule_based.threeplusthree import ThreePlusThree
    >>> design = AcceleratedTitration(ThreePlusThree(), max_single_levels=2)
    >>> s = TrialState(DosePlan.of_size(5)).with_cohort(1, [False], worst_grades=[1])
    >>> d = design.decide(s)
    >>> d.action, d.next_dose, d.cohort_size, d.rule
    ('escalate', 2, 1, 'accelerated.titrate')
    >>> s = s.with_cohort(2, [False], worst_grades=[2])
    >>> d = design.decide(s)
    >>> d.action, d.next_dose, d.cohort_size, d.rule
    ('stay', 2, 2, 'accelerated.expand')
    """

    base: Any = option(help="The design used once titration ends.", cli=False)
    max_single_levels: int | None = option(
        None, help="Levels, from the start dose up, that may run with a single patient (default: no cap).",
        minimum=1)
    trigger_grade: int = option(2, help="Grade of a related toxicity that counts towards ending titration.",
                                minimum=1, maximum=5)
    trigger_count: int = option(1, help="Titration patients with such a toxicity that end titration.", minimum=1)

    name: ClassVar[str] = "accelerated"
    title: ClassVar[str] = "Accelerated titration: single patients until the first grade >= 2 toxicity"
    citation: ClassVar[str] = (
        "Simon R, Freidlin B, Rubinstein L, Arbuck SG, Collins J, Christian MC. Accelerated "
        "titration designs for phase I clinical trials in oncology. J Natl Cancer Inst "
        "1997;89:1138-1147."
    )
    own_rules: ClassVar[tuple[str, ...]] = ("titrate", "wait", "expand", "switch")
    own_state_kind: ClassVar[str] = "grades"

    def __post_init__(self) -> None:
        validate_options(self)

    @property
    def first_cohort_size(self) -> int:
        return 1

    def max_sample_size(self, n_levels: int) -> int | None:
        inner = self.base.max_sample_size(n_levels)
        return None if inner is None else inner + n_levels

    def grades_matter(self, n: np.ndarray) -> np.ndarray:
        """Grades matter while titration may still be going on: at most one patient per level,
        all at titration levels (once a level has two patients titration is over for good)."""
        n = np.asarray(n)
        levels = self.titration_levels(n.shape[1])
        outside = np.concatenate([n[:, :levels[0] - 1], n[:, levels[-1]:]], axis=1).sum(axis=1) > 0
        return (n.max(axis=1, initial=0) <= 1) & ~outside | self.base.grades_matter(n)

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """The base design's MTD on all patients, titration patients included."""
        sel = self.base.select_mtd(state)
        return MTDSelection(sel.dose, sel.estimates,
                            sel.reason + " Single-patient titration patients count as treated at their level.",
                            sel.rule, sel.details)

    def titration_levels(self, n_levels: int) -> range:
        """1-based levels that may run with a single patient, for a plan of ``n_levels``."""
        s = self.base.start_dose
        top = n_levels if self.max_single_levels is None else min(n_levels, s + self.max_single_levels - 1)
        return range(s, top + 1)

    def _trigger(self, state: TrialState) -> tuple[str, int] | None:
        """(what, 1-based level) of the event that ended titration, or None."""
        grade_events = 0
        for r in state.records:
            if r.dlt is True:
                return ("A DLT", r.dose_level)
            if r.worst_grade is not None and r.worst_grade >= self.trigger_grade:
                grade_events += 1
                if grade_events >= self.trigger_count:
                    what = f"A grade {r.worst_grade} toxicity"
                    if self.trigger_count > 1:
                        what += f" (patient {grade_events} with grade >= {self.trigger_grade})"
                    return (what, r.dose_level)
        return None

    def decide(self, state: TrialState) -> Decision:
        """Single-patient titration until a trigger or the cap, then the base design.

        Returns
        -------
        Decision
            ``cohort_size`` 1 during titration; rules ``accelerated.titrate``,
            ``accelerated.wait``, ``accelerated.expand``, ``accelerated.switch``, then the
            base design's rules.
        """
        k = state.n_levels
        s = self.base.start_dose
        if s > k:
            raise ConfigError(f"{type(self.base).__name__}.start_dose", f"a dose level from 1 to {k}", s)
        if state.current_dose is None or not state.records:
            return Decision(
                "stay", s, f"No patient treated yet: treat 1 patient at the start dose, level {s} "
                f"(accelerated titration).", (), "accelerated.titrate", 1,
            )
        levels = self.titration_levels(k)
        single = all(r.dose_level in levels for r in state.records) and int(state.n_per_dose.max()) <= 1
        if not single:
            return self.base.decide(state)
        full = self.base.first_cohort_size
        trigger = self._trigger(state)
        if trigger is not None:
            what, level = trigger
            return Decision(
                "stay" if level == state.current_dose else ("escalate" if level > state.current_dose else "de-escalate"),
                level, f"{what} at level {level} ends accelerated titration: treat {full - 1} more at level "
                f"{level} to make a cohort of {full}, then follow the {self.base.name} design.",
                (), "accelerated.expand", full - 1,
            )
        if any(r.dlt is None for r in state.records):
            c = state.current_dose
            return Decision(
                "stay", c, f"The single patient at level {c} is still in the DLT window: wait for the result "
                "before the next patient (accelerated titration).", (), "accelerated.wait", 0,
            )
        h = max(r.dose_level for r in state.records)
        if h < levels[-1]:
            return Decision(
                "escalate", h + 1, f"No DLT and no grade >= {self.trigger_grade} toxicity ending titration so far "
                f"(highest level {h}): treat 1 patient at level {h + 1}.", (), "accelerated.titrate", 1,
            )
        if h == k:
            return Decision(
                "stay", h, f"Single-patient titration reached the top level, level {h}, without a trigger: treat "
                f"{full - 1} more there to make a cohort of {full} and follow the {self.base.name} design.",
                (), "accelerated.switch", full - 1,
            )
        return Decision(
            "escalate", h + 1, f"Single-patient titration used its {len(levels)} levels without a trigger: treat "
            f"a cohort of {full} at level {h + 1} and follow the {self.base.name} design.",
            (), "accelerated.switch", full,
        )

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """:meth:`decide` over many trials (needs ``batch.patients``; property-tested)."""
        pa = batch.patients
        if pa is None:
            raise ConfigError("AcceleratedTitration batch", "a batch state with per-patient detail", None)
        n = batch.n
        t, k = n.shape
        s = self.base.start_dose
        levels = self.titration_levels(k)
        lo, hi = levels[0] - 1, levels[-1] - 1  # 0-based titration range
        enrolled = pa.level >= 0
        fresh = batch.current < 0
        outside = np.concatenate([n[:, :lo], n[:, hi + 1:]], axis=1).sum(axis=1) > 0
        single = ~fresh & ~outside & (n.max(axis=1) <= 1)
        rules = self.rules
        d = self.base.decide_batch(batch).with_rules(rules)
        rows = np.flatnonzero(single | fresh)
        if not rows.size:
            return d
        # the trigger: first DLT, or the trigger_count-th non-DLT patient with grade >= trigger_grade
        dlt = enrolled & (pa.outcome == 1)
        graded = enrolled & ~dlt & (pa.grade >= self.trigger_grade)
        fired = dlt | (np.cumsum(graded, axis=1) >= self.trigger_count) & graded
        has_trigger = fired.any(axis=1)
        trig_level = pa.level[np.arange(t), np.argmax(fired, axis=1)]
        waiting = (enrolled & (pa.outcome < 0)).any(axis=1)
        highest = np.where(enrolled, pa.level, -1).max(axis=1)
        full = self.base.first_cohort_size
        cur = batch.current
        conds = {
            "fresh": fresh,
            "expand": single & has_trigger,
            "wait": single & ~has_trigger & waiting,
            "titrate": single & ~has_trigger & ~waiting & (highest < hi),
            "switch_top": single & ~has_trigger & ~waiting & (highest >= hi) & (highest == k - 1),
            "switch": single & ~has_trigger & ~waiting & (highest >= hi) & (highest < k - 1),
        }
        for key, rule, action, nxt, size in (
            ("fresh", "titrate", "stay", s - 1, 1),
            ("expand", "expand", None, trig_level, full - 1),
            ("wait", "wait", "stay", cur, 0),
            ("titrate", "titrate", "escalate", highest + 1, 1),
            ("switch_top", "switch", "stay", highest, full - 1),
            ("switch", "switch", "escalate", highest + 1, full),
        ):
            m = conds[key]
            if not m.any():
                continue
            nx = nxt[m] if isinstance(nxt, np.ndarray) else nxt
            d = override_batch(d, np.flatnonzero(m), rules, rule=self.rule_code(rule), action=action or "stay",
                               next_index=nx, cohort_size=size)
            if action is None:
                to = trig_level[m]
                d.action[m] = np.where(to > cur[m], ACTION_CODES["escalate"],
                                       np.where(to < cur[m], ACTION_CODES["de-escalate"], ACTION_CODES["stay"]))
        d.cohort_kind[rows] = np.where(d.cohort_size[rows] == 0, KIND_CODES["wait"], KIND_CODES["exact"])
        return d
