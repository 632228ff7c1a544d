"""Exact operating characteristics: every outcome path of a design, with its probability.

For a design whose trials form a state graph (:mod:`doseflow.simulate.graph`: outcomes
known as soon as a cohort is treated, decisions from counts), the probability of each end
state follows from the binomial (or, with grade-2 toxicity, multinomial) probabilities of
the cohorts' outcomes along every path, paths that meet sharing a state (Storer 1989,
sect. 3). The figures are those of Monte Carlo, as expectations with no Monte Carlo error.
"""

from __future__ import annotations

import numpy as np

from doseflow.errors import ConfigError
from doseflow.simulate.graph import build_state_graph, graph_supports, propagate_probabilities
from doseflow.simulate.metrics import OperatingCharacteristics
from doseflow.simulate.scenario import Scenario

__all__ = ["compute_exact_oc"]


def compute_exact_oc(design, scenario: Scenario, capacity: int, *, target: float | None) -> OperatingCharacteristics:
    """Exact operating characteristics of ``design`` in ``scenario`` (at most ``capacity`` patients).

    Raises
    ------
    ConfigError
        For a design that decides while outcomes are pending, or needs more than the
        counts (no state graph), or whose graph would exceed its state limit.
    """
    if not graph_supports(design, scenario.timed):
        raise ConfigError(
            "exact enumeration", "a design that decides from counts with outcomes known at once", design.name,
            "Outcomes pending in calendar time, or decisions from more than the counts, make paths too many to "
            "enumerate: use Monte Carlo simulation.",
        )
    graph = build_state_graph(design, scenario.n_levels, capacity)
    prob = propagate_probabilities(graph, scenario.true_dlt, scenario.grade2_probs)
    end = graph.terminal
    w = prob[end]
    mtd, n, y = graph.mtd[end], graph.n[end], graph.y[end]
    total = n.sum(axis=1)
    k = scenario.n_levels
    sel = np.bincount(mtd + 1, weights=w, minlength=k + 1) * 100
    size_dist = np.bincount(total, weights=w)
    cum = np.cumsum(size_dist)
    over = None
    if target is not None:
        above = np.asarray(scenario.true_dlt) > target + 1e-12
        frac = np.where(total > 0, n[:, above].sum(axis=1) / np.maximum(total, 1), 0.0)
        over = float((w * frac).sum() * 100)
    rules = graph.rules
    reasons = np.bincount(graph.rule[end], weights=w, minlength=len(rules)) * 100
    zeros = tuple(0.0 for _ in range(k))
    return OperatingCharacteristics(
        design=design.label, design_spec=design.to_dict(), scenario=scenario, method="exact", target=target,
        n_trials=None, seed=None, chunk_size=None,
        selection_pct=tuple(float(v) for v in sel[1:]), selection_se=zeros,
        no_mtd_pct=float(sel[0]), no_mtd_se=0.0,
        patients_per_level=tuple(float(v) for v in (w[:, None] * n).sum(axis=0)), patients_per_level_se=zeros,
        dlts_per_level=tuple(float(v) for v in (w[:, None] * y).sum(axis=0)), dlts_per_level_se=zeros,
        sample_size_mean=float((w * total).sum()), sample_size_se=0.0,
        sample_size_p5=float(np.searchsorted(cum, 0.05 - 1e-12)), sample_size_p95=float(np.searchsorted(cum, 0.95 - 1e-12)),
        dlts_mean=float((w * y.sum(axis=1)).sum()), dlts_se=0.0,
        overdose_pct=over, overdose_se=None if over is None else 0.0,
        early_stop_pct=float(w[mtd < 0].sum() * 100), early_stop_se=0.0,
        stop_reasons={r: float(v) for r, v in zip(rules, reasons) if v > 0},
        n_states=graph.n_states,
    )
