"""Dose-transition pathways: every decision the design would take over the next cohorts.

From the trial so far, each possible outcome of the next cohort (0, 1, ..., n DLTs) leads
to the design's next decision, and so on for a given number of cohorts: the tree of
pathways a protocol's decision tables summarise (Yap et al. 2017, "Dose transition
pathways"; ``escalation::get_dose_paths``, Brock 2019). Outcomes within a cohort are
written DLTs first (``"2TNN"``); the order does not matter to designs that decide from
counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from doseflow.checks import check_int
from doseflow.core import Decision, TrialState
from doseflow.errors import ConfigError

__all__ = ["PathNode", "compute_dose_paths", "records_of_paths", "tabulate_dose_paths", "plot_dose_paths",
           "MAX_PATH_NODES"]

#: Largest tree computed (the number of nodes grows as (cohort size + 1) ** cohorts).
MAX_PATH_NODES = 20_000


@dataclass(frozen=True)
class PathNode:
    """One node: the outcomes that led to it, and the design's decision there."""

    id: int
    parent: int | None
    depth: int
    outcomes: str
    path: str
    decision: Decision


def compute_dose_paths(design, state: TrialState, cohorts: int) -> list[PathNode]:
    """The tree of decisions over the next ``cohorts`` cohorts, breadth first (node 0: now).

    Raises
    ------
    ConfigError
        If the tree would exceed :data:`MAX_PATH_NODES` nodes, or the design waits (a
        pending outcome cannot be branched on here).
    """
    cohorts = check_int(cohorts, "cohorts", minimum=1, maximum=10)
    root = PathNode(0, None, 0, "", state.to_outcomes(), design.decide(state))
    nodes = [root]
    frontier = [(root, state)]
    for depth in range(1, cohorts + 1):
        nxt = []
        for node, s in frontier:
            d = node.decision
            if d.action == "stop":
                continue
            if d.cohort_kind == "wait":
                raise ConfigError("dose paths", "a trial state without pending outcomes", s.to_outcomes(),
                                  "Dose paths branch on the outcomes of new cohorts only.")
            size = 1 if d.cohort_kind == "up_to" else int(d.cohort_size)
            for dlts in range(size + 1):
                outcomes = f"{d.next_dose}" + "T" * dlts + "N" * (size - dlts)
                child_state = s.with_cohort(d.next_dose, [True] * dlts + [False] * (size - dlts), role=d.role)
                child = PathNode(len(nodes), node.id, depth, outcomes, f"{node.path} {outcomes}".strip(),
                                 design.decide(child_state))
                nodes.append(child)
                nxt.append((child, child_state))
                if len(nodes) > MAX_PATH_NODES:
                    raise ConfigError("--cohorts", f"a tree of at most {MAX_PATH_NODES:,} decisions", cohorts,
                                      "Ask for fewer cohorts.")
        frontier = nxt
    return nodes


def tabulate_dose_paths(nodes: list[PathNode]):
    """One row per node: depth (cohort), parent, the cohort's outcomes, the whole path and the decision."""
    import pandas as pd

    return pd.DataFrame(records_of_paths(nodes))


def records_of_paths(nodes: list[PathNode]) -> list[dict]:
    """The nodes as plain records (JSON-ready: None where a stop has no next dose or cohort)."""
    return [{
        "node": n.id, "parent": n.parent, "cohort": n.depth, "outcomes": n.outcomes, "path": n.path,
        "action": n.decision.action, "next_dose": n.decision.next_dose, "cohort_size": n.decision.cohort_size,
        "rule": n.decision.rule, "reason": n.decision.reason,
    } for n in nodes]


def plot_dose_paths(nodes: list[PathNode], title: str = ""):
    """The tree as a figure: one column per cohort, each node labelled with its outcomes and next dose."""
    from matplotlib.figure import Figure

    leaves: dict[int, float] = {}
    children: dict[int, list[int]] = {}
    for n in nodes:
        if n.parent is not None:
            children.setdefault(n.parent, []).append(n.id)
    order = 0.0

    def place(i: int) -> float:
        nonlocal order
        kids = children.get(i, [])
        if not kids:
            leaves[i] = order
            order += 1
            return leaves[i]
        ys = [place(k) for k in kids]
        leaves[i] = sum(ys) / len(ys)
        return leaves[i]

    place(0)
    depth = max(n.depth for n in nodes)
    height = max(order, 1)
    fig = Figure(figsize=(2.4 + 2.2 * depth, 1.0 + 0.28 * height), layout="constrained")
    ax = fig.add_subplot()
    by_id = {n.id: n for n in nodes}
    for n in nodes:
        if n.parent is not None:
            p = by_id[n.parent]
            ax.plot([p.depth, n.depth], [leaves[p.id], leaves[n.id]], color="#BBBBBB", lw=0.8, zorder=1)
    for n in nodes:
        d = n.decision
        nxt = "stop" if d.next_dose is None else f"→ {d.next_dose}"
        here = n.outcomes or (n.path.split()[-1] if n.path else "start")
        text = f"{here} {nxt}"
        colour = {"escalate": "#228833", "stay": "#4477AA", "de-escalate": "#EE6677", "stop": "#000000"}[d.action]
        ax.text(n.depth, leaves[n.id], text, ha="center", va="center", fontsize=7, color=colour,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "lw": 0.6}, zorder=2)
    ax.set_xticks(range(depth + 1), ["now"] + [f"cohort {i}" for i in range(1, depth + 1)])
    ax.set_yticks([])
    ax.set_xlim(-0.6, depth + 0.6)
    ax.set_ylim(-0.8, height - 0.2)
    ax.invert_yaxis()
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or "Dose-transition pathways (green: escalate, blue: stay, red: de-escalate, black: stop)",
                 fontsize=9)
    return fig
