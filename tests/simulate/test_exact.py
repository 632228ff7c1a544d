"""Tests of exact operating characteristics by path enumeration (no Monte Carlo error)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import Decision, MTDSelection
from doseflow.designs.base import ACTION_CODES
from doseflow.designs.threeplusthree import ThreePlusThree
from doseflow.errors import ConfigError
from doseflow.simulate import exact
from doseflow.simulate.exact import ExactOC, compute_exact_oc


def _two_level_3plus3(p1: float, p2: float, variant: str) -> dict:
    """Hand derivation for two levels (q = 1 - p).

    Level 1: a0 = q1^3 (0/3), a1 = 3 p1 q1^2 (1/3, then 3 more); cleared with
    c1 = a0 + a1 q1^3, else (>= 2 DLTs at level 1) no MTD.
    Level 2 (reached with probability c1): b1 = 3 p2 q2^2; cleared (top level) with
    c2 = q2^3 + b1 q2^3 -> level 2 reported. Otherwise level 2 is exceeded:
    variant A: MTD = 1. Variant B: if level 1 had 0/3 (a0) treat 3 more there:
    d1 = q1^3 + 3 p1 q1^2 (at most 1 more DLT) -> MTD 1, else no MTD; if level 1
    already had 1/6 (a1 q1^3) -> MTD 1.
    E[n1] = 3 + 3 a1 (+ 3 a0 (1 - c2) for B); E[n2] = c1 (3 + 3 b1);
    E[DLTs] = p1 E[n1] + p2 E[n2] (each patient's DLT is independent of the
    decision to treat them, which depends only on earlier patients).
    """
    q1, q2 = 1 - p1, 1 - p2
    a0, a1 = q1**3, 3 * p1 * q1**2
    c1 = a0 + a1 * q1**3
    b1 = 3 * p2 * q2**2
    c2 = q2**3 + b1 * q2**3
    d1 = q1**3 + 3 * p1 * q1**2
    if variant == "A":
        sel = (c1 * (1 - c2), c1 * c2)
        no = 1 - c1
        n1 = 3 + 3 * a1
    else:
        sel = ((1 - c2) * (a0 * d1 + a1 * q1**3), c1 * c2)
        no = (1 - c1) + (1 - c2) * a0 * (1 - d1)
        n1 = 3 + 3 * a1 + 3 * a0 * (1 - c2)
    n2 = c1 * (3 + 3 * b1)
    return {"selection": sel, "no_mtd": no, "n": (n1, n2), "dlts": p1 * n1 + p2 * n2}


@pytest.mark.parametrize("variant", ["A", "B"])
@pytest.mark.parametrize("probs", [(0.1, 0.4), (0.3, 0.6), (0.0, 1.0)])
def test_two_levels_against_hand_derivation(variant, probs):
    want = _two_level_3plus3(*probs, variant)
    for kernel in ("scalar", "batch"):
        oc = compute_exact_oc(ThreePlusThree(variant=variant), probs, kernel=kernel)
        assert oc.selection == pytest.approx(want["selection"], abs=1e-12)
        assert oc.no_mtd == pytest.approx(want["no_mtd"], abs=1e-12)
        assert oc.patients_per_level == pytest.approx(want["n"], abs=1e-12)
        assert oc.mean_n == pytest.approx(sum(want["n"]), abs=1e-12)
        assert oc.mean_dlts == pytest.approx(want["dlts"], abs=1e-12)


@settings(derandomize=True, max_examples=15, deadline=None)
@given(
    st.sampled_from(["A", "B"]),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4).map(sorted),
)
def test_probabilities_sum_to_one_and_wald_identity(variant, probs):
    """Selection + no MTD = 1; E[DLTs] = sum_l p_l E[n_l] (Wald's identity)."""
    oc = compute_exact_oc(ThreePlusThree(variant=variant), probs)
    assert sum(oc.selection) + oc.no_mtd == pytest.approx(1.0, abs=1e-12)
    assert oc.mean_dlts == pytest.approx(float(np.dot(probs, oc.patients_per_level)), abs=1e-9)
    assert oc.mean_n == pytest.approx(sum(oc.patients_per_level), abs=1e-9)


@dataclass(frozen=True, slots=True)
class StopAtFirstDLT:
    """A toy count design: cohorts of 1, escalate on no DLT (stay at the top), stop at
    the first DLT; MTD = the level below the first DLT, or the highest level treated."""

    cohort_size: int = 1
    name: ClassVar[str] = "toy"
    citation: ClassVar[str] = "test only"

    def decide_batch(self, n, y, current):
        k = n.shape[1]
        action = np.where(y.sum(axis=1) > 0, ACTION_CODES["stop"], ACTION_CODES["escalate"])
        nxt = np.minimum(current + 1, k - 1)
        action = np.where((action == ACTION_CODES["escalate"]) & (nxt == current), ACTION_CODES["stay"], action)
        nxt = np.where(action == ACTION_CODES["stop"], -1, nxt)
        return action, nxt

    def decide(self, state):
        cur = (state.current_dose or 0) - 1
        a, nx = self.decide_batch(state.n_per_dose[None, :], state.dlt_per_dose[None, :], np.array([cur]))
        name = {v: key for key, v in ACTION_CODES.items()}[int(a[0])]
        return Decision(name, None if name == "stop" else int(nx[0]) + 1, "toy rule.")

    def select_mtd(self, state):
        y, n = state.dlt_per_dose, state.n_per_dose
        hit = np.flatnonzero(y > 0)
        if hit.size:
            return MTDSelection(int(hit[0]) if hit[0] > 0 else None)
        return MTDSelection(int(np.flatnonzero(n > 0).max()) + 1)


@pytest.mark.parametrize("kernel", ["scalar", "batch"])
def test_generic_batch_design_with_max_n(kernel):
    """Toy design, 2 levels, max_n = 3 (q = 1 - p):
    patient 1 at level 1: DLT (p1) -> stop, no MTD, N = 1;
    else patient 2 at level 2: DLT (q1 p2) -> MTD 1, N = 2;
    else patient 3 at level 2: DLT (q1 q2 p2) -> MTD 1; none (q1 q2^2) -> cap, MTD 2.
    E[N] = p1 + 2 q1 p2 + 3 q1 q2; P(stopped by cap) = q1 q2^2."""
    p1, p2 = 0.2, 0.3
    q1, q2 = 1 - p1, 1 - p2
    oc = compute_exact_oc(StopAtFirstDLT(), [p1, p2], max_n=3, kernel=kernel)
    assert oc.no_mtd == pytest.approx(p1)
    assert oc.selection == pytest.approx((q1 * p2 + q1 * q2 * p2, q1 * q2**2))
    assert oc.mean_n == pytest.approx(p1 + 2 * q1 * p2 + 3 * q1 * q2)
    assert oc.prob_max_n == pytest.approx(q1 * q2**2)
    assert oc.max_n == 3


def test_design_that_never_stops_needs_max_n():
    with pytest.raises(ConfigError, match="^max_n: must be a patient cap"):
        compute_exact_oc(StopAtFirstDLT(), [0.0, 0.0])


def test_too_many_states_is_a_config_error(monkeypatch):
    monkeypatch.setattr(exact, "MAX_STATES", 50)
    with pytest.raises(ConfigError, match="too large for exact enumeration"):
        compute_exact_oc(ThreePlusThree(), [0.05, 0.15, 0.30, 0.45, 0.60])


@pytest.mark.parametrize(
    "kwargs,where",
    [
        ({"true_dlt_probs": [0.1, 1.2]}, "true_dlt_probs level 2"),
        ({"true_dlt_probs": []}, "true_dlt_probs"),
        ({"true_dlt_probs": [0.1], "max_n": 0}, "max_n"),
        ({"true_dlt_probs": [0.1], "kernel": "fast"}, "kernel"),
    ],
)
def test_bad_arguments(kwargs, where):
    with pytest.raises(ConfigError, match=f"^{where}: must be"):
        compute_exact_oc(ThreePlusThree(), **kwargs)


def test_batch_kernel_needs_decide_batch():
    class NoBatch:
        name = "x"

        def decide(self, state):
            return Decision("stop", None, "x.")

        def select_mtd(self, state):
            return MTDSelection(None)

    with pytest.raises(ConfigError, match="^design: must be a design with a decide_batch"):
        compute_exact_oc(NoBatch(), [0.1], kernel="batch")


def test_result_object_prints_and_serialises():
    oc = compute_exact_oc(ThreePlusThree(), [0.1, 0.5])
    assert isinstance(oc, ExactOC)
    assert repr(oc).startswith("ExactOC(design='3+3'")
    text = oc.summary()
    assert "selected as MTD %" in text and "mean N" in text and str(oc) == text
    d = oc.to_dict()
    assert d["design"] == "3+3" and set(d["selection"]) == {"1", "2"}
    assert d["no_mtd"] == oc.no_mtd
