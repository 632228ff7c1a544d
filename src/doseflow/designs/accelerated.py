"""Accelerated titration (Simon et al. 1997): single patients at the lowest levels, then 3+3.

The "modified 3+3" of many first-in-human trials: one patient per dose level while
toxicity is mild, switching to the standard 3+3 at the first sign of toxicity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from doseflow.checks import check_int
from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.threeplusthree import ThreePlusThree
from doseflow.errors import ConfigError

__all__ = ["AcceleratedTitration"]


@dataclass(frozen=True, slots=True)
class AcceleratedTitration:
    """Accelerated titration wrapped around a 3+3 (Simon et al. 1997, designs 2-4).

    Parameters
    ----------
    base : ThreePlusThree
        The 3+3 used once titration ends (its ``variant`` and ``start_dose`` apply).
    max_single_levels : int or None
        How many levels, from the start dose up, may run with a single patient
        (>= 1); None (default) for no cap, as in Simon et al. (titration runs until a
        trigger).
    trigger_grade : int
        CTCAE grade (1-5) of a treatment-related toxicity in the DLT window that
        counts towards ending titration (default 2, "moderate"); read from
        ``PatientRecord.worst_grade``. A DLT counts as grade >= 3 and always ends
        titration at once.
    trigger_count : int
        Number of titration patients with a grade >= ``trigger_grade`` toxicity that
        ends titration (>= 1). Default 1: switch at the first such toxicity (the usual
        first-in-human "modified 3+3"). Simon et al. designs 2-4 used 2 ("the second
        instance of grade 2 toxicity").

    Raises
    ------
    ConfigError
        If ``base`` is not a ThreePlusThree or a number is out of range (names the
        field and value).

    Notes
    -----
    Rule (Simon et al. 1997, "Accelerated titration designs", designs 2-4; the same
    stage-I rule is in MD Anderson's BOIN-family software guides):

    1. Treat one patient at the start dose; while no trigger has occurred, treat one
       patient at the next level (``cohort_size`` 1, rule ``accelerated.titrate``).
    2. Trigger: the first DLT, or the ``trigger_count``-th patient with a
       treatment-related toxicity of grade >= ``trigger_grade`` in the DLT window.
       The level where it happened is expanded to 3 patients: 2 more are treated
       there (rule ``accelerated.expand``, ``cohort_size`` 2), and the 3+3 decides
       from then on (Simon et al.: "the cohort for the current dose level is expanded
       to three patients and the standard design is used thereafter").
    3. Cap without trigger (``max_single_levels`` single-patient levels done): a cohort
       of 3 at the next level (``accelerated.switch``); if the cap is the top level,
       2 more there to make 3.

    After titration every decision is the wrapped 3+3's on the evaluated counts. The
    single patients who did not trigger count as treated patients at their level: a
    titration level holds 1 patient, so it is neither cleared for the 3+3 nor an MTD
    candidate until the 3+3 comes back to it (de-escalation then completes it to 3 and,
    for variant B, to 6). During titration a patient whose DLT outcome is pending
    makes the design wait (``stay`` with ``cohort_size`` 0, rule ``accelerated.wait``).
    Intrapatient dose escalation (also part of Simon's designs) is not modelled.

    References
    ----------
    Simon R, Freidlin B, Rubinstein L, Arbuck SG, Collins J, Christian MC. Accelerated
    titration designs for phase I clinical trials in oncology. J Natl Cancer Inst 1997;
    89:1138-1147.

    Examples
    --------
    >>> from doseflow.core import TrialState, DosePlan
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

    base: ThreePlusThree
    max_single_levels: int | None = None
    trigger_grade: int = 2
    trigger_count: int = 1

    name: ClassVar[str] = "accelerated-3+3"
    citation: ClassVar[str] = (
        "Simon R, Freidlin B, Rubinstein L, Arbuck SG, Collins J, Christian MC. Accelerated "
        "titration designs for phase I clinical trials in oncology. J Natl Cancer Inst "
        "1997;89:1138-1147."
    )

    def __post_init__(self) -> None:
        if not isinstance(self.base, ThreePlusThree):
            raise ConfigError(
                "AcceleratedTitration.base", "a ThreePlusThree design", type(self.base).__name__
            )
        if self.max_single_levels is not None:
            check_int(self.max_single_levels, "AcceleratedTitration.max_single_levels", minimum=1)
        check_int(self.trigger_grade, "AcceleratedTitration.trigger_grade", minimum=1, maximum=5)
        check_int(self.trigger_count, "AcceleratedTitration.trigger_count", minimum=1)

    @property
    def cohort_size(self) -> int:
        """Cohort size after titration (the wrapped 3+3's, 3)."""
        return self.base.cohort_size

    def titration_levels(self, n_levels: int) -> range:
        """1-based levels that may run with a single patient, for a plan of ``n_levels``."""
        s = self.base.start_dose
        top = n_levels if self.max_single_levels is None else min(n_levels, s + self.max_single_levels - 1)
        return range(s, top + 1)

    def decide(self, state: TrialState) -> Decision:
        """Single-patient titration until a trigger or the cap, then the 3+3.

        Parameters
        ----------
        state : TrialState
            The trial so far, with ``worst_grade`` on each record where known.

        Returns
        -------
        Decision
            ``cohort_size`` 1 during titration; rules ``accelerated.titrate``,
            ``accelerated.wait``, ``accelerated.expand``, ``accelerated.switch``, then
            the 3+3's rules (``3+3.*``).

        Raises
        ------
        ConfigError
            If the start dose is above the plan's top level.
        """
        k = state.n_levels
        s = self.base.start_dose
        if s > k:
            raise ConfigError("ThreePlusThree.start_dose", f"a dose level from 1 to {k}", s)
        if state.current_dose is None or not state.records:
            return Decision(
                "stay", s,
                f"No patient treated yet: treat 1 patient at the start dose, level {s} "
                f"(accelerated titration).",
                (), "accelerated.titrate", 1,
            )
        trigger = self._trigger(state)
        levels = self.titration_levels(k)
        evaluated = [r for r in state.records if r.dlt is not None]
        per_level = state.n_per_dose
        single = all(r.dose_level in levels for r in state.records) and int(per_level.max()) <= 1
        if trigger is None and single:
            if any(r.dlt is None for r in state.records):
                c = state.current_dose
                return Decision(
                    "stay", c,
                    f"The single patient at level {c} is still in the DLT window: wait for the "
                    f"result before the next patient (accelerated titration).",
                    (), "accelerated.wait", 0,
                )
            h = max(r.dose_level for r in evaluated)
            if h < levels[-1]:
                return Decision(
                    "escalate", h + 1,
                    f"No DLT and no grade >= {self.trigger_grade} toxicity ending titration so far "
                    f"(highest level {h}): treat 1 patient at level {h + 1}.",
                    (), "accelerated.titrate", 1,
                )
            if h == k:
                return Decision(
                    "stay", h,
                    f"Single-patient titration reached the top level, level {h}, without a trigger: "
                    f"treat 2 more there to make a cohort of 3 and follow the 3+3.",
                    (), "accelerated.switch", 2,
                )
            return Decision(
                "escalate", h + 1,
                f"Single-patient titration used its {len(levels)} levels without a trigger: "
                f"treat a cohort of 3 at level {h + 1} and follow the 3+3.",
                (), "accelerated.switch", 3,
            )
        dec = self.base.decide(state)
        if trigger is not None and dec.rule == "3+3.complete_cohort" and trigger[1] == dec.next_dose:
            return Decision(
                dec.action, dec.next_dose,
                f"{trigger[0]} at level {trigger[1]} ends accelerated titration: treat "
                f"{dec.cohort_size} more at level {trigger[1]} to make a cohort of 3, then follow "
                f"the 3+3.",
                dec.eliminated, "accelerated.expand", dec.cohort_size,
            )
        return dec

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

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """The wrapped 3+3's MTD on all evaluated patients, titration patients included.

        Parameters
        ----------
        state : TrialState
            The trial.

        Returns
        -------
        MTDSelection
            As :meth:`ThreePlusThree.select_mtd`; single patients who did not trigger
            count as treated patients at their level (1 patient: not an MTD on its own).
        """
        sel = self.base.select_mtd(state)
        return MTDSelection(
            sel.dose, sel.estimates,
            sel.reason + " Single-patient titration patients count as treated at their level.",
            sel.rule,
        )
