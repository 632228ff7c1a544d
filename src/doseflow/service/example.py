"""``doseflow serve --example gq1001``: a demonstration trial in progress.

The GQ1001 phase Ia dose plan (1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4 mg/kg; Lemech et al.,
AACR 2023, abstract CT178) run by the "modified 3+3" the abstract names, here an
accelerated titration with single patients at the two lowest levels switching to 3+3
(Simon et al. 1997), a 21-day DLT window, and the first cohorts entered through the same
conduct operations a trial team uses, the SRC accepting each recommendation:

======  =======  ============  =============================================  ==========
cohort  level    patients      toxicities (CTCAE v5 grade, onset study day)   window
======  =======  ============  =============================================  ==========
1       1 (1.2)  P1 (day 0)    AST increased 1 (day 8)                        closed
2       2 (2.4)  P2 (day 23)   none                                           closed
3       3 (3.6)  P3-P5 (46-50) Thrombocytopenia 2 (P4, day 57)                closed
4       4 (4.8)  P6, P7 (72,   Pyrexia 1 (P6, day 74)                         open
                 75)
======  =======  ============  =============================================  ==========

No DLT, as the abstract reports for the whole trial; the toxicities are among its most
common treatment-related adverse events. The cohorts are fixed rather than drawn from the
in-silico trial so that the demonstration is the same on every machine. Events are
time-stamped at their study days, day 0 being 80 days before the preload; the actor is
``doseflow-example`` and every administrator of the database gets every role on the trial.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, select

from doseflow.conduct import patients, protocol, review
from doseflow.conduct.records import Signature
from doseflow.core import DosePlan
from doseflow.errors import InputError
from doseflow.service.store import accounts
from doseflow.service.store.engine import read_transaction
from doseflow.service.store.schema import trials, users
from doseflow.service.store.trials import insert_trial

__all__ = ["EXAMPLES", "load_example"]

EXAMPLES = ("gq1001",)
PROTOCOL = "GQ1001-DEMO"
ACTOR = "doseflow-example"
GQ1001_LEVELS = (1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4)
GQ1001_DESIGN = {"design": "accelerated", "max_single_levels": 2, "base": {"design": "3+3"}}
#: (cohort level, [(patient, enrolment day, toxicity or None, close window?)]) as in the module docstring.
COHORTS = (
    (1, [("P1", 0, ("AST increased", 1, 8), True)]),
    (2, [("P2", 23, None, True)]),
    (3, [("P3", 46, None, True), ("P4", 48, ("Thrombocytopenia", 2, 57), True), ("P5", 50, None, True)]),
    (4, [("P6", 72, ("Pyrexia", 1, 74), False), ("P7", 75, None, False)]),
)
TODAY = 80


def build_example(now: datetime) -> tuple:
    """The example trial and its audit events, day 0 being ``TODAY`` days before ``now``."""
    day0 = now - timedelta(days=TODAY)

    def at(day: float) -> str:
        return (day0 + timedelta(days=day)).replace(microsecond=0).isoformat()

    events = []
    trial, event = protocol.create_trial(
        PROTOCOL, "GQ1001 phase Ia demonstration (HER2 ADC; modified 3+3)",
        DosePlan.from_amounts(GQ1001_LEVELS, "mg/kg"), GQ1001_DESIGN, 21, actor=ACTOR, at=at(-1), country="AUS",
        treatment="GQ1001")
    events.append(event)
    for number, (level, members) in enumerate(COHORTS, start=1):
        if number > 1:
            last = max(day + 21 for _, day, _, _ in COHORTS[number - 2][1]) + 1
            signature = Signature(ACTOR, "doseflow example SRC", at(last), "Approval: the SRC accepts the design's "
                                  "recommendation (demonstration data)")
            trial, event = review.sign_decision(trial, signature=signature, accept=True, actor=ACTOR, at=at(last))
            events.append(event)
            if trial.cohort is None or trial.cohort.level != level:
                raise InputError("example cohort", f"opened at level {level} by the design", trial.cohort)
        for pid, day, toxicity, close in members:
            trial, event = patients.enrol_patient(trial, actor=ACTOR, at=at(day), patient_id=pid, day=day,
                                                  country="AUS")
            events.append(event)
            if toxicity is not None:
                term, grade, onset = toxicity
                trial, event = patients.record_assessment(trial, pid, dlt=False, term=term, grade=grade,
                                                          onset_day=onset, actor=ACTOR, at=at(onset))
                events.append(event)
            if close:
                trial, event = patients.close_window(trial, pid, actor=ACTOR, at=at(day + 21), day=day + 21)
                events.append(event)
    return trial, events


def load_example(engine: Engine, name: str, now: datetime | None = None) -> int | None:
    """Preload example ``name`` unless its trial is already there; returns the new trial id (None if present).

    Every administrator of the database gets every role on the trial (audited).
    """
    if name not in EXAMPLES:
        raise InputError("--example", "one of " + ", ".join(EXAMPLES), name)
    now = now or datetime.now(timezone.utc)
    with read_transaction(engine) as conn:
        if conn.execute(select(trials.c.id).where(trials.c.protocol_id == PROTOCOL)).first() is not None:
            return None
        admins = [(r.id, r.username) for r in conn.execute(select(users).where(users.c.is_admin))]
    trial, events = build_example(now)
    stamp = now.replace(microsecond=0).isoformat()
    trial_id = insert_trial(engine, trial, events, admins, stamp)
    for _, username in admins:
        for role in accounts.ROLES:
            if role != "admin":
                accounts.grant_role(engine, trial_id, username, role, actor=ACTOR, at=stamp)
    return trial_id
