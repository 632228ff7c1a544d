"""The state graph of a design: every trial state it can reach, its decision there, and where each outcome leads.

When outcomes are known as soon as a cohort is treated and the design decides from counts
(per-level patients and DLTs, the current level, and for accelerated titration the
per-level count of grade-2 toxicities), a trial is a Markov chain on those states (Storer
1989, sect. 3, computed the 3+3's operating characteristics this way). Building the chain
once, with the design's own batch kernel deciding a whole layer of states at a time, gives
both:

- **exact** operating characteristics: the probability of every end state, by pushing
  probability along the edges with the binomial (or multinomial) probability of each
  cohort outcome (:func:`propagate_probabilities`);
- **fast Monte Carlo**: each simulated trial walks the graph, drawing only its cohorts'
  outcomes (:func:`walk_state_graph`); the walk meets exactly the decisions the design
  would take, so it gives the same trials as :func:`doseflow.simulate.engine.run_trials`
  on the same patients (tested).

States are merged on what the design reads, so paths that reach one state share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

from doseflow.designs.batch import ACTION_CODES, KIND_CODES, ROLE_CODES, BatchState, PatientArrays
from doseflow.errors import ConfigError
from doseflow.simulate.engine import ENGINE_RULES, TrialRuns
from doseflow.simulate.patients import PatientSample

__all__ = ["StateGraph", "build_state_graph", "graph_supports", "walk_state_graph", "propagate_probabilities"]

#: Largest graph built before giving up (exact enumeration then refuses; Monte Carlo uses
#: the general engine, which gives the same trials). Checked as the graph grows, one cohort
#: at a time, so a graph too large is refused within a few seconds and a few hundred MB
#: (2 s and 240 MB for BOIN on 5 levels with at most 90 patients, on the development
#: machine): the number of states roughly doubles with every cohort of the largest sample
#: size, so a larger budget would buy one or two cohorts at many times the cost.
MAX_STATES = 250_000
#: Largest number of state x dose-level cells (memory grows with both); binds beyond 20 levels.
MAX_STATE_CELLS = 5_000_000

_STOP, _UP_TO = ACTION_CODES["stop"], KIND_CODES["up_to"]
_ESCALATION = ROLE_CODES["escalation"]


@dataclass(frozen=True, eq=False)
class StateGraph:
    """A design's reachable states (rows) with their decisions and outcome edges.

    ``child[s, o]`` is the state reached from ``s`` when the cohort has outcome ``o``:
    ``o = j`` DLTs (counts), or ``o = j * (width + 1) + g`` with ``g`` grade-2 toxicities
    without a DLT (grades); -1 where impossible. ``rule`` is the rule of the decision taken
    in the state (for an end state, the rule that ended the trial).
    """

    n: np.ndarray
    y: np.ndarray
    g2: np.ndarray
    current: np.ndarray
    terminal: np.ndarray
    next_index: np.ndarray
    size: np.ndarray
    rule: np.ndarray
    child: np.ndarray
    mtd: np.ndarray
    rules: tuple[str, ...]
    grades: bool
    width: int

    @property
    def n_states(self) -> int:
        return self.n.shape[0]

    @property
    def total(self) -> np.ndarray:
        return self.n.sum(axis=1)


def graph_supports(design, timed: bool) -> bool:
    """Whether the design's trials form a state graph (cohort outcomes known at once, counts or grades)."""
    return not timed and not getattr(design, "needs_calendar", False) and design.state_kind in ("counts", "grades")


def canonical_patients(n: np.ndarray, y: np.ndarray, g2: np.ndarray) -> PatientArrays:
    """Per-patient arrays for count states, patients in level order: DLTs, grade-2, others.

    For designs of state kind "grades" this order is the enrolment order wherever it
    matters (single-patient titration treats one patient per level, lowest first).
    """
    s, k = n.shape
    width = max(int(n.sum(axis=1).max(initial=0)), 1)
    slot = np.arange(width)
    ends = np.cumsum(n, axis=1)
    level = (slot[None, :, None] >= ends[:, None, :]).sum(axis=2)
    used = level < k
    level = np.where(used, level, -1)
    lv = np.maximum(level, 0)
    rows = np.arange(s)[:, None]
    start = np.where(lv > 0, ends[rows, lv - 1], 0)
    rank = slot[None, :] - start
    is_dlt = used & (rank < y[rows, lv])
    is_g2 = used & ~is_dlt & (rank < y[rows, lv] + g2[rows, lv])
    outcome = np.where(used, is_dlt.astype(np.int8), -1).astype(np.int8)
    grade = np.where(is_dlt, 3, np.where(is_g2, 2, 0)).astype(np.int8)
    return PatientArrays(level, outcome, grade, np.ones((s, width)), np.zeros((s, width), np.int8),
                         np.where(used, lv + 1, 0), np.zeros((s, width)))


def _batch(n, y, g2, cur, grades: bool) -> BatchState:
    pa = canonical_patients(n, y, g2) if grades else None
    return BatchState(n, y, np.zeros_like(n), cur, None, pa)


@lru_cache(maxsize=16)
def build_state_graph(design, n_levels: int, capacity: int, *, max_states: int = MAX_STATES) -> StateGraph:
    """Every state ``design`` can reach on ``n_levels`` levels with at most ``capacity`` patients.

    Memoised per (design, levels, capacity). Raises :class:`ConfigError` as soon as the
    graph passes ``max_states`` states or :data:`MAX_STATE_CELLS` states x levels.
    """
    k = int(n_levels)
    limit = min(int(max_states), MAX_STATE_CELLS // max(k, 1))
    grades = design.state_kind == "grades"
    capacity_code, stalled_code = len(design.rules), len(design.rules) + 1
    index: dict[bytes, int] = {}
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("n", "y", "g2", "cur")}

    def add(n, y, g2, cur) -> np.ndarray:
        keys = np.concatenate([n, y, g2, cur[:, None]], axis=1).astype(np.int64)
        ids = np.empty(len(keys), np.int64)
        fresh = []
        for i, key in enumerate(map(bytes, keys)):
            got = index.get(key)
            if got is None:
                got = index[key] = len(index)
                fresh.append(i)
            ids[i] = got
        if fresh:
            f = np.asarray(fresh)
            for c, a in zip(("n", "y", "g2", "cur"), (n, y, g2, cur)):
                cols[c].append(a[f])
        if len(index) > limit:
            raise ConfigError("exact enumeration", f"a design whose outcome paths reach at most {limit:,} trial "
                              f"states on {k} levels", f"more than {len(index):,} states",
                              "Reduce the sample size or the number of levels, or use Monte Carlo simulation.")
        return ids

    zero = np.zeros((1, k), np.int64)
    add(zero, zero, zero, np.array([-1]))
    done = 0
    decided: dict[str, list[np.ndarray]] = {c: [] for c in ("terminal", "next", "size", "rule", "child")}
    width_max = 0
    while done < len(index):
        lo, hi = done, len(index)
        n = np.concatenate(cols["n"])[lo:hi]
        y = np.concatenate(cols["y"])[lo:hi]
        g2 = np.concatenate(cols["g2"])[lo:hi]
        cur = np.concatenate(cols["cur"])[lo:hi]
        d = design.decide_batch(_batch(n, y, g2, cur, grades))
        size = np.where(d.cohort_kind == _UP_TO, np.minimum(d.cohort_size, 1), d.cohort_size)
        stop = d.action == _STOP
        stalled = ~stop & (size == 0)
        full = ~stop & ~stalled & (n.sum(axis=1) + size > capacity)
        terminal = stop | stalled | full
        rule = np.where(stop, d.rule, np.where(stalled, stalled_code, np.where(full, capacity_code, d.rule)))
        width = int(size[~terminal].max(initial=0))
        width_max = max(width_max, width)
        n_out = (width + 1) ** 2 if grades else width + 1
        child = np.full((hi - lo, n_out), -1, np.int64)
        rows = np.flatnonzero(~terminal)
        if rows.size:
            nxt = d.next_index[rows]
            sz = size[rows]
            role = np.full(rows.size, _ESCALATION) if d.role is None else d.role[rows]
            new_cur = np.where(role == _ESCALATION, nxt, cur[rows])
            for j in range(width + 1):
                for g in (range(width + 1 - j) if grades else (0,)):
                    ok = j + g <= sz
                    rr = rows[ok]
                    cn, cy, cg = n[rr].copy(), y[rr].copy(), g2[rr].copy()
                    lv = nxt[ok]
                    at = np.arange(rr.size)
                    cn[at, lv] += sz[ok]
                    cy[at, lv] += j
                    cg[at, lv] += g
                    if grades:
                        cg[~design.grades_matter(cn)] = 0
                    child[rr, j * (width + 1) + g if grades else j] = add(cn, cy, cg, new_cur[ok])
        for c, a in (("terminal", terminal), ("next", d.next_index), ("size", size), ("rule", rule), ("child", child)):
            decided[c].append(a)
        done = hi
    n_all, y_all, g_all, cur_all = (np.concatenate(cols[c]) for c in ("n", "y", "g2", "cur"))
    width = width_max
    n_out = (width + 1) ** 2 if grades else width + 1
    child = np.full((len(index), n_out), -1, np.int64)
    at = 0
    for block in decided["child"]:
        # re-index each layer's outcome columns onto the common width
        w_layer = int(np.sqrt(block.shape[1])) - 1 if grades else block.shape[1] - 1
        for col in range(block.shape[1]):
            j, g = divmod(col, w_layer + 1) if grades else (col, 0)
            child[at:at + len(block), j * (width + 1) + g if grades else j] = block[:, col]
        at += len(block)
    terminal_all = np.concatenate(decided["terminal"])
    batch = BatchState(n_all, y_all, np.zeros_like(n_all), cur_all)
    mtd = np.asarray(design.select_mtd_batch(batch), dtype=np.int64)
    return StateGraph(n_all, y_all, g_all, cur_all, terminal_all, np.concatenate(decided["next"]),
                      np.concatenate(decided["size"]), np.concatenate(decided["rule"]), child, mtd,
                      tuple(design.rules) + ENGINE_RULES, grades, width)


def walk_state_graph(graph: StateGraph, patients: PatientSample) -> TrialRuns:
    """Monte Carlo on the graph: each trial follows the edges of its own cohorts' outcomes."""
    t = patients.shape[0]
    state = np.zeros(t, np.int64)
    enrolled = np.zeros(t, np.int64)
    rows_all = np.arange(t)
    live = ~graph.terminal[state]
    while live.any():
        rows = rows_all[live]
        st = state[rows]
        sz = graph.size[st]
        lv = graph.next_index[st]
        places = np.arange(int(sz.max()))
        idx = np.minimum(enrolled[rows, None] + places, patients.shape[1] - 1)
        valid = places < sz[:, None]
        dlt, grade = patients.outcome(rows[:, None], idx, np.broadcast_to(lv[:, None], idx.shape), graph.grades)
        j = (dlt & valid).sum(axis=1)
        if graph.grades:
            g = ((grade == 2) & valid).sum(axis=1)
            out = j * (graph.width + 1) + g
        else:
            out = j
        state[rows] = graph.child[st, out]
        enrolled[rows] += sz
        live[rows] = ~graph.terminal[state[rows]]
    return TrialRuns(graph.n[state], graph.y[state], graph.mtd[state], graph.rule[state], graph.rules,
                     np.full(t, np.nan))


def _outcome_pmf(graph: StateGraph, rows: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Probability of each outcome column for the states ``rows`` (binomial, or multinomial with grades)."""
    sz = graph.size[rows][:, None].astype(float)
    lv = graph.next_index[rows]
    pd = p[lv][:, None]
    w = graph.width
    if not graph.grades:
        j = np.arange(w + 1)[None, :].astype(float)
        pmf = np.exp(special.gammaln(sz + 1) - special.gammaln(j + 1) - special.gammaln(np.maximum(sz - j, 0) + 1)
                     + special.xlogy(j, pd) + special.xlog1py(sz - j, -pd))
        return np.where(j <= sz, pmf, 0.0)
    col = np.arange((w + 1) ** 2)
    j, g = (col // (w + 1))[None, :].astype(float), (col % (w + 1))[None, :].astype(float)
    r = sz - j - g
    pg = np.maximum(q[lv] - p[lv], 0.0)[:, None]
    pr = np.maximum(1.0 - q[lv], 0.0)[:, None]
    logp = (special.gammaln(sz + 1) - special.gammaln(j + 1) - special.gammaln(g + 1)
            - special.gammaln(np.maximum(r, 0) + 1) + special.xlogy(j, pd) + special.xlogy(g, pg)
            + special.xlogy(np.maximum(r, 0), pr))
    return np.where(r >= 0, np.exp(logp), 0.0)


def propagate_probabilities(graph: StateGraph, true_dlt, grade2=None) -> np.ndarray:
    """The probability of reaching each state, for true DLT (and grade >= 2) probabilities per level.

    Returns an array over states; the end states' probabilities sum to 1.
    """
    p = np.asarray(true_dlt, dtype=float)
    q = p if grade2 is None else np.asarray(grade2, dtype=float)
    if p.size != graph.n.shape[1]:
        raise ConfigError("true_dlt", f"one probability per dose level ({graph.n.shape[1]})", list(p))
    prob = np.zeros(graph.n_states)
    prob[0] = 1.0
    total = graph.total
    order = np.argsort(total, kind="stable")
    layers = np.split(order, np.flatnonzero(np.diff(total[order])) + 1)
    for layer in layers:
        rows = layer[~graph.terminal[layer] & (prob[layer] > 0)]
        if not rows.size:
            continue
        mass = prob[rows][:, None] * _outcome_pmf(graph, rows, p, q)
        target = graph.child[rows]
        ok = (target >= 0) & (mass > 0)
        np.add.at(prob, target[ok], mass[ok])
    return prob
