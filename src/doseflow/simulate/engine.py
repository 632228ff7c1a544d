"""The trial engine: many dose-escalation trials run at once, in cohorts or in calendar time.

Every trial of a batch is a row of arrays (per-level counts, per-patient detail, the
clock); each step asks the design's vectorised kernel (``decide_batch``) for the next
enrolment of every trial, then applies it to all of them with array operations. There is
never a Python loop over trials: the loops are over steps (cohorts or events) and, inside
a step, over the places of a cohort.

Two modes, one set of rules:

- **cohorts** (no DLT window in the patients): outcomes are known as soon as a cohort is
  treated; "enrol up to n" means one patient, then ask again;
- **calendar**: patients arrive over time (they queue while the trial waits) and each
  outcome becomes known at the DLT (its day) or at the end of the window. An ``exact``
  cohort is enrolled as its patients arrive and the design is asked again once all their
  outcomes are known; ``up_to`` enrols the next arrival unless an outcome comes first, and
  asks again after each event; ``wait`` waits for the next outcome. The design is told in
  which trials the next event is an arrival (``BatchState.arrival_first``): elsewhere only
  whether it stops or waits is read, so a costly ``up_to`` design (the TITE-CRM) computes
  its next level only where a patient is about to be enrolled.

Rows of finished trials are dropped from the working arrays as the batch runs (compaction),
so a batch gets faster as its trials end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.designs.batch import ACTION_CODES, KIND_CODES, ROLE_CODES, BatchState, PatientArrays
from doseflow.errors import ConfigError
from doseflow.simulate.patients import PatientSample

__all__ = ["TrialRuns", "ENGINE_RULES", "check_followup_window", "run_trials"]

#: Ends of a trial that the engine (not the design) imposes: the patient capacity of the
#: arrays was reached with the design still enrolling, or the design waited with no
#: outcome pending (it could never move again).
ENGINE_RULES: tuple[str, ...] = ("engine.capacity", "engine.stalled")

_STOP = ACTION_CODES["stop"]
_UP_TO, _WAIT = KIND_CODES["up_to"], KIND_CODES["wait"]
_ESCALATION = ROLE_CODES["escalation"]


@dataclass(frozen=True, eq=False)
class TrialRuns:
    """What :func:`run_trials` returns: per-trial results as arrays over trials.

    Attributes
    ----------
    n, y : int arrays (trials, levels)
        Patients treated and DLTs per level (a patient still pending at the end counts
        with the outcome the trial would have observed).
    mtd : int array (trials,)
        0-based level selected at the end (-1: none), by the design on the data of the
        moment it stopped.
    rule : int array (trials,)
        The rule that ended each trial: an index into ``rules`` (the design's rules, then
        :data:`ENGINE_RULES`).
    rules : tuple of str
    duration : float array (trials,)
        Day of the final decision since the first patient's enrolment (NaN without a
        calendar).
    level, dlt, role, cohort, enrol_day : arrays (trials, patients), optional
        Per-patient detail (``keep_patients``): 0-based level (-1: not enrolled), DLT,
        role code, cohort, enrolment day (NaN without a calendar).
    """

    n: np.ndarray
    y: np.ndarray
    mtd: np.ndarray
    rule: np.ndarray
    rules: tuple[str, ...]
    duration: np.ndarray
    level: np.ndarray | None = None
    dlt: np.ndarray | None = None
    role: np.ndarray | None = None
    cohort: np.ndarray | None = None
    enrol_day: np.ndarray | None = None

    @property
    def sample_size(self) -> np.ndarray:
        return self.n.sum(axis=1)

    def rule_ids(self) -> list[str]:
        return [self.rules[i] for i in self.rule]


class _Work:
    """The working arrays of the trials still running (rows are compacted away as they end)."""

    FIELDS = ("orig", "n", "y", "pend", "level", "outcome", "grade", "followup", "role", "cohort", "dlt_share",
              "current",
              "enrolled", "cohorts", "clock", "known_at", "next_known", "first_pending", "enrol_day", "eventual",
              "eventual_grade")

    def __init__(self, t: int, k: int, p: int, timed: bool, per_patient: bool) -> None:
        """Arrays for ``t`` trials, ``k`` levels, ``p`` places.

        ``per_patient``: the full detail of every place (the design reads it, or the caller
        keeps it). Without it, a timed run keeps only what pending outcomes need: each
        place's level, eventual DLT and when it becomes known.
        """
        self.orig = np.arange(t)
        self.live: np.ndarray | None = None  # rows still running (None: all)
        self.n = np.zeros((t, k), np.int64)
        self.y = np.zeros((t, k), np.int64)
        self.pend = np.zeros((t, k), np.int64)
        self.per_patient = per_patient
        self.level = np.full((t, p), -1, np.int64) if per_patient or timed else None
        if per_patient:
            self.outcome = np.full((t, p), -1, np.int8)
            self.grade = np.zeros((t, p), np.int8)
            self.followup = np.ones((t, p))
            self.role = np.zeros((t, p), np.int8)
            self.cohort = np.zeros((t, p), np.int64)
            self.dlt_share = np.zeros((t, p))
        else:
            self.outcome = self.grade = self.followup = self.role = self.cohort = self.dlt_share = None
        self.current = np.full(t, -1, np.int64)
        self.enrolled = np.zeros(t, np.int64)
        self.cohorts = np.zeros(t, np.int64)
        self.clock = np.zeros(t)
        # when each pending outcome becomes known (inf once known or for places not used)
        self.known_at = np.full((t, p), np.inf) if timed else None
        self.next_known = np.full(t, np.inf) if timed else None
        # every place before this one has a known outcome (bounds the scans for outcomes due)
        self.first_pending = np.zeros(t, np.int64) if timed else None
        self.eventual = np.zeros((t, p), bool) if timed else None
        detail = timed and per_patient
        self.enrol_day = np.full((t, p), np.nan) if detail else None
        self.eventual_grade = np.zeros((t, p), np.int8) if detail else None

    def keep(self, rows: np.ndarray) -> None:
        """Keep only ``rows`` (the trials still running)."""
        self.live = None
        for name in self.FIELDS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value[rows])

    def batch(self, followup_window: float | None, arrival_first: np.ndarray | None = None) -> BatchState:
        fsum = None
        if followup_window is not None:
            # only pending places change: the others hold 1 (known outcome, or not enrolled)
            rows, cols = np.nonzero((self.outcome < 0) & (self.level >= 0))
            share = np.minimum((self.clock[rows] - self.enrol_day[rows, cols]) / followup_window, 1.0)
            self.followup[rows, cols] = share
            k = self.n.shape[1]
            fsum = np.bincount(rows * k + self.level[rows, cols], share, self.n.size).reshape(self.n.shape)
        pa = None
        if self.per_patient:
            pa = PatientArrays(self.level, self.outcome, self.grade, self.followup, self.role, self.cohort,
                               self.dlt_share)
        return BatchState(self.n, self.y, self.pend, self.current, fsum, pa, arrival_first)


def check_followup_window(design, window: float) -> None:
    """Refuse a scenario whose DLT window differs from the one a time-to-event design weights over.

    A design that weights pending patients by their follow-up (``uses_followup``) has its
    own DLT window (``followup_window``): the scenario's must be the same, or the weights
    would be computed over one window and the outcomes known after another.

    Raises
    ------
    ConfigError
        Naming both windows and how to make them agree.
    """
    if design.followup_window_differs(window):
        own = design.followup_window
        raise ConfigError(
            "scenario dlt_window", f"the DLT window of {getattr(design, 'innermost', design).name} ({own:g} days)",
            window,
            f"Give the scenario --dlt-window {own:g}, or the design --window {window:g}.",
        )


def run_trials(design, patients: PatientSample, n_levels: int, *, keep_patients: bool = False,
               max_steps: int | None = None) -> TrialRuns:
    """Run ``design`` on every trial of ``patients`` to its end.

    Parameters
    ----------
    design
        Any doseflow design (its ``decide_batch``, ``select_mtd_batch`` and ``rules``).
    patients : PatientSample
        Potential outcomes of the patients of each trial, in arrival order; their number
        is the patient capacity of a trial (a trial that would need more ends with the
        rule ``engine.capacity``).
    n_levels : int
        Dose levels of the plan.
    keep_patients : bool
        Return the per-patient detail (level, DLT, role, cohort, enrolment day).
    max_steps : int, optional
        Bound on the number of steps (default: 4 per patient place + 10).

    Returns
    -------
    TrialRuns
    """
    t, p = patients.shape
    k = int(n_levels)
    timed = patients.timed
    if getattr(design, "needs_calendar", False) and not timed:
        raise ConfigError(
            "scenario", f"a DLT window and an arrival rate for {design.name} (it enrols while outcomes are pending)",
            None, "Simulate it in calendar time: give --dlt-window and --arrivals-per-month.",
        )
    rules = tuple(design.rules) + ENGINE_RULES
    capacity_code, stalled_code = len(design.rules), len(design.rules) + 1
    window = patients.window
    uses_followup = bool(getattr(design, "uses_followup", False)) and timed
    if timed:
        check_followup_window(design, window)
    per_patient = keep_patients or design.state_kind != "counts" or uses_followup
    w = _Work(t, k, p, timed, per_patient)
    out_n = np.zeros((t, k), np.int64)
    out_y = np.zeros((t, k), np.int64)
    out_pend = np.zeros((t, k), np.int64)
    out_cur = np.full(t, -1, np.int64)
    out_rule = np.full(t, -1, np.int64)
    out_dur = np.full(t, np.nan)
    out_late = np.zeros((t, k), np.int64)  # DLTs of patients still pending at the end
    detail = {name: np.empty((t, p), dtype) for name, dtype in
              (("level", np.int64), ("dlt", bool), ("role", np.int8), ("cohort", np.int64), ("enrol_day", float))
              } if keep_patients else None
    steps = 0
    limit = max_steps if max_steps is not None else 4 * p + 10
    while w.orig.size and (w.live is None or w.live.any()):
        steps += 1
        if steps > limit:
            raise ConfigError("simulation", f"trials that end within {limit} steps", steps,
                              f"{design.name} kept deciding without ending a trial; this is a defect of the design.")
        arrival_next = first_arrival = None
        if timed:
            arrival_next = _next_arrival(w, patients)
            first_arrival = np.maximum(arrival_next, w.clock) <= w.next_known
        d = design.decide_batch(w.batch(window if uses_followup else None, first_arrival))
        size = np.where(d.cohort_kind == _UP_TO, np.minimum(d.cohort_size, 1), d.cohort_size)
        stop = d.action == _STOP
        if timed:
            next_known = w.next_known
            stalled = ~stop & (size == 0) & ~np.isfinite(next_known)
        else:
            next_known = None
            stalled = ~stop & (size == 0)
        full = ~stop & ~stalled & (w.enrolled + size > p)
        ended = stop | stalled | full
        if w.live is not None:
            ended &= w.live
        if ended.any():
            code = np.where(stop, d.rule, np.where(stalled, stalled_code, capacity_code))
            _finish(w, np.flatnonzero(ended), code[ended], (out_n, out_y, out_pend, out_cur, out_rule, out_dur,
                                                             out_late), detail, timed)
            w.live = ~ended if w.live is None else (w.live & ~ended)
        go = ~ended if w.live is None else w.live
        if timed:
            _calendar_step(w, d, size, go, next_known, arrival_next, first_arrival, patients)
        else:
            _cohort_step(w, d, size, go, patients)
        if w.live is not None and np.count_nonzero(w.live) < 0.75 * w.live.size:
            w.keep(np.flatnonzero(w.live))
    mtd = np.asarray(design.select_mtd_batch(BatchState(out_n, out_y, out_pend, out_cur)), dtype=np.int64)
    extra = {} if detail is None else dict(detail)
    if detail is not None and not timed:
        extra["enrol_day"] = np.full((t, p), np.nan)
    # outcomes still pending when a trial stopped count as the trial would observe them
    return TrialRuns(out_n, out_y + out_late, mtd, out_rule, rules, out_dur, **extra)


def _finish(w: _Work, rows: np.ndarray, code: np.ndarray, out: tuple, detail, timed: bool) -> None:
    out_n, out_y, out_pend, out_cur, out_rule, out_dur, out_late = out
    o = w.orig[rows]
    out_n[o] = w.n[rows]
    out_y[o] = w.y[rows]
    out_pend[o] = w.pend[rows]
    out_cur[o] = w.current[rows]
    out_rule[o] = code
    if timed:
        out_dur[o] = w.clock[rows]
        late = np.isfinite(w.known_at[rows]) & w.eventual[rows]  # pending, with a DLT to come
        r, c = np.nonzero(late)
        np.add.at(out_late, (o[r], w.level[rows][r, c]), 1)
    if detail is not None:
        detail["level"][o] = w.level[rows]
        detail["dlt"][o] = (w.eventual[rows] if timed else (w.outcome[rows] == 1)) & (w.level[rows] >= 0)
        detail["role"][o] = w.role[rows]
        detail["cohort"][o] = w.cohort[rows]
        if timed:
            detail["enrol_day"][o] = w.enrol_day[rows]


def _enrol(w: _Work, rows: np.ndarray, size: np.ndarray, level: np.ndarray, role: np.ndarray,
           patients: PatientSample, clock: np.ndarray | None, *, wait_all: bool = False) -> None:
    """Enrol a cohort of ``size`` at ``level`` in each of ``rows`` (the next places in arrival order).

    With a calendar (``clock``), the patients are enrolled as they arrive (never before the
    clock) and their outcomes stay pending until known; the clock moves to the last
    enrolment. ``wait_all`` (rows with nothing else pending, enrolling an exact cohort): the
    trial waits for all the cohort's outcomes, so the clock moves to the last of them and
    they are known at once, with nothing left pending. Per-patient arrays are written
    through flat indices (one place per patient).
    """
    width = int(size.max())
    places = np.arange(width)
    n_places = patients.shape[1]
    idx = np.minimum(w.enrolled[rows, None] + places, n_places - 1)
    valid = places < size[:, None]
    lv2 = np.broadcast_to(level[:, None], idx.shape)
    src = w.orig[rows, None] * n_places + idx  # flat index into the patients' arrays
    dlt, grade = patients.outcome(w.orig[rows, None], idx, lv2, w.per_patient)
    dlt &= valid
    w.n[rows, level] += size
    w.cohorts[rows] += 1
    esc = role == _ESCALATION
    w.current[rows[esc]] = level[esc]
    if w.level is None:  # outcomes known at once and no per-patient detail: counts only
        w.y[rows, level] += dlt.sum(axis=1)
        w.enrolled[rows] += size
        return
    every = bool(valid.all())
    pick = (lambda a: a.reshape(-1)) if every else (lambda a: a[valid])
    flat = pick(rows[:, None] * n_places + idx)  # flat index into the work arrays
    w.level.reshape(-1)[flat] = pick(lv2)
    if w.per_patient:
        w.role.reshape(-1)[flat] = pick(np.broadcast_to(role[:, None], idx.shape))
        w.cohort.reshape(-1)[flat] = pick(np.broadcast_to(w.cohorts[rows, None], idx.shape))
    if clock is None or wait_all:
        if w.per_patient:
            w.outcome.reshape(-1)[flat] = pick(dlt)
            w.grade.reshape(-1)[flat] = pick(grade)
        w.y[rows, level] += dlt.sum(axis=1)
    if clock is not None:
        day = np.maximum(clock[rows, None], np.take(patients.arrival, src))
        w.eventual.reshape(-1)[flat] = pick(dlt)
        if w.per_patient:
            w.enrol_day.reshape(-1)[flat] = pick(day)
            w.eventual_grade.reshape(-1)[flat] = pick(grade)
        known = day + np.where(dlt, np.take(patients.dlt_day, src), patients.window)
        if wait_all:
            if w.per_patient:  # the DLTs are known with their day (see _resolve)
                share = np.where(dlt, np.take(patients.dlt_day, src) / patients.window, 0.0)
                w.dlt_share.reshape(-1)[flat] = pick(share)
            w.clock[rows] = np.where(valid, known, -np.inf).max(axis=1)
            w.first_pending[rows] = w.enrolled[rows] + size
        else:
            w.clock[rows] = day[np.arange(rows.size), size - 1]
            if w.per_patient:
                w.followup.reshape(-1)[flat] = 0.0
            w.pend[rows, level] += size
            w.known_at.reshape(-1)[flat] = pick(known)
            first = known[:, 0] if width == 1 else np.where(valid, known, np.inf).min(axis=1)
            w.next_known[rows] = np.minimum(w.next_known[rows], first)
    w.enrolled[rows] += size


def _cohort_step(w: _Work, d, size: np.ndarray, go: np.ndarray, patients: PatientSample) -> None:
    rows = np.flatnonzero(go)
    if rows.size:
        role = np.full(rows.size, _ESCALATION, np.int8) if d.role is None else d.role[rows].astype(np.int8)
        _enrol(w, rows, size[rows], d.next_index[rows], role, patients, None)


def _resolve(w: _Work, rows: np.ndarray, patients: PatientSample) -> None:
    """Make known every outcome of ``rows`` due by their clock.

    A DLT becomes known with its day (``patients.dlt_day``, days after enrolment), kept as
    a share of the window in ``dlt_share``.
    """
    first = w.first_pending[rows]
    width = int((w.enrolled[rows] - first).max(initial=0))
    if width == 0:
        return
    n_places = w.known_at.shape[1]
    places = first[:, None] + np.arange(width)
    cols = np.minimum(places, n_places - 1)
    flat = rows[:, None] * n_places + cols  # flat indices into the (trials, places) arrays
    # places past the last one are clipped onto it: they must not make its outcome known twice
    window = np.where(places < n_places, np.take(w.known_at, flat), np.inf)
    due = window <= w.clock[rows, None]
    r, j = np.nonzero(due)
    if not r.size:
        return
    f = flat[r, j]
    window[r, j] = np.inf
    w.known_at.reshape(-1)[f] = np.inf
    # the next outcome due and the first place still pending, column by column (the window
    # is narrow and long: faster than reductions along its rows)
    soonest = window[:, -1].copy()
    first = np.where(np.isfinite(soonest), cols[:, -1], w.enrolled[rows])
    for c in range(width - 2, -1, -1):
        np.minimum(soonest, window[:, c], out=soonest)
        first = np.where(np.isfinite(window[:, c]), cols[:, c], first)
    w.next_known[rows] = soonest
    w.first_pending[rows] = first
    dlt = np.take(w.eventual, f)
    if w.per_patient:
        w.outcome.reshape(-1)[f] = dlt
        w.grade.reshape(-1)[f] = np.take(w.eventual_grade, f)
        w.followup.reshape(-1)[f] = 1.0
        day = np.take(patients.dlt_day, w.orig[rows[r]] * patients.shape[1] + f % n_places)
        w.dlt_share.reshape(-1)[f] = np.where(dlt, day / patients.window, 0.0)
    cell = rows[r] * w.n.shape[1] + np.take(w.level, f)  # flat (trial, level) of each outcome
    if (np.diff(r) != 0).all():  # one outcome per trial, so one per cell (nonzero is row-major)
        w.pend.reshape(-1)[cell] -= 1
        w.y.reshape(-1)[cell] += dlt
    else:
        np.add.at(w.pend.reshape(-1), cell, -1)
        np.add.at(w.y.reshape(-1), cell, dlt.astype(np.int64))


def _next_arrival(w: _Work, patients: PatientSample) -> np.ndarray:
    """Arrival day of each trial's next patient (inf when its places are used up)."""
    n_places = patients.shape[1]
    return np.where(w.enrolled < n_places,
                    np.take(patients.arrival, w.orig * n_places + np.minimum(w.enrolled, n_places - 1)), np.inf)


def _calendar_step(w: _Work, d, size: np.ndarray, go: np.ndarray, next_known: np.ndarray,
                   arrival_next: np.ndarray, first_arrival: np.ndarray, patients: PatientSample) -> None:
    """Apply the decisions ``d`` in calendar time (``first_arrival``: the next event is an arrival)."""
    kind = d.cohort_kind
    exact = go & (size > 0) & (kind != _UP_TO)
    up_enrol = go & (size > 0) & (kind == _UP_TO) & first_arrival
    resolve = go & ~exact & ~up_enrol
    # an exact cohort: the design is asked again once all the cohort's outcomes are known;
    # with nothing else pending they are all known at the clock of the last of them
    alone = exact & ~np.isfinite(next_known)
    for enrol, wait_all in ((alone, True), ((exact & ~alone) | up_enrol, False)):
        rows = np.flatnonzero(enrol)
        if rows.size:
            role = np.full(rows.size, _ESCALATION, np.int8) if d.role is None else d.role[rows].astype(np.int8)
            _enrol(w, rows, size[rows], d.next_index[rows], role, patients, w.clock, wait_all=wait_all)
    ex = np.flatnonzero(exact & ~alone)
    if ex.size:
        sz = size[ex]
        places = np.arange(int(sz.max()))
        idx = np.maximum(w.enrolled[ex, None] - sz[:, None] + places, 0)
        # the cohort's outcomes are all pending here, so their times are finite
        known = np.where(places < sz[:, None], w.known_at[ex[:, None], idx], -np.inf)
        w.clock[ex] = np.maximum(w.clock[ex], known.max(axis=1))
        _resolve(w, ex, patients)
    rows = np.flatnonzero(resolve)
    if rows.size:
        w.clock[rows] = np.maximum(w.clock[rows], next_known[rows])
        _resolve(w, rows, patients)
