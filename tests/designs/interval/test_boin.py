"""BOIN decide() on hand-derived states (target 0.30, 5 levels), configuration errors.

Boundaries (Liu and Yuan 2015, eq. 2): lambda_e = 0.2365, lambda_d = 0.3585, so
e(n) = floor(0.2365 n), d(n) = ceil(0.3585 n): n=2 -> e 0, d 1; n=3 -> e 0, d 2;
n=6 -> e 1, d 3. Elimination with Beta(1,1): 3/3 gives P(p > 0.3) = 1 - 0.3^4 = 0.9919
> 0.95; 2/3 gives 0.9163 (not eliminated).
"""

from __future__ import annotations

import pytest

from doseflow.core import TrialState
from doseflow.designs.interval.boin import BOIN, boin_boundaries
from doseflow.errors import ConfigError

CASES = [
    # outcomes, action, next, rule, eliminated
    ("1NNN", "escalate", 2, "boin.escalate", ()),  # 0/3 <= e(3)=0
    ("1NNN 2NTN", "stay", 2, "boin.stay", ()),  # 1/3: 0 < 1 < d(3)=2
    ("1NNN 2NTT", "de-escalate", 1, "boin.deescalate", ()),  # 2/3 >= d(3)=2
    ("1TNN", "stay", 1, "boin.stay", ()),
    ("1TTN", "stay", 1, "boin.stay_lowest", ()),  # 2/3 >= d(3) at level 1; 0.9163 < 0.95
    ("1TTT", "stop", None, "boin.stop_lowest_eliminated", (1, 2, 3, 4, 5)),  # 0.9919 > 0.95
    ("1NNN 2TTT", "de-escalate", 1, "boin.eliminate", (2, 3, 4, 5)),
    ("1NNN 2NNN 3NNN 4NNN 5NNN", "stay", 5, "boin.stay_highest", ()),
    ("1NNN 2NNN 3TTT 2NNN", "stay", 2, "boin.stay_next_eliminated", (3, 4, 5)),  # 0/6 <= e(6)=1
    ("1NNN 2NNP", "escalate", 3, "boin.escalate", ()),  # pending ignored: 0/2 <= e(2)=0
    ("1NNN 2PPP", "stay", 2, "boin.wait_pending", ()),
    ("1NNN 2NNN 2TTN", "stay", 2, "boin.stay", ()),  # 2/6: 1 < 2 < d(6)=3
    ("1NNN 2NNN 2TTT", "de-escalate", 1, "boin.deescalate", ()),  # 3/6 >= 3; P(p>.3|Beta(4,4)) = 0.874
]


@pytest.mark.parametrize("outcomes, action, nxt, rule, eliminated", CASES, ids=[c[0] for c in CASES])
def test_decide_hand_derived(outcomes, action, nxt, rule, eliminated):
    d = BOIN(target=0.3).decide(TrialState.from_outcomes(5, outcomes))
    assert (d.action, d.next_dose, d.rule, d.eliminated) == (action, nxt, rule, eliminated)
    assert d.cohort_size == (None if action == "stop" else 0 if rule == "boin.wait_pending" else 3)


def test_reason_names_rule_and_numbers():
    d = BOIN(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2NNN 3NTT"))
    assert d.reason == (
        "2 DLTs in 3 patients at level 3 (67%) is at or above the de-escalation boundary 0.359; "
        "de-escalate to level 2."
    )
    d = BOIN(target=0.3).decide(TrialState.from_outcomes(5, "1TTT"))
    assert "P(DLT rate > 0.3) = 0.992 > 0.95" in d.reason


def test_start_dose_beyond_plan_is_a_config_error():
    with pytest.raises(ConfigError, match="BOIN.start_dose: must be a dose level from 1 to 3; got 4"):
        BOIN(target=0.3, start_dose=4).decide(TrialState.from_outcomes(3, ""))


def test_mtd_none_when_no_admissible_level_tried():
    """Only level 2 tried and eliminated (3/3): no admissible tried level -> no MTD."""
    sel = BOIN(target=0.3).select_mtd(TrialState.from_counts(3, [0, 3, 0], [0, 3, 0], current=2))
    assert sel.dose is None and sel.rule == "boin.no_mtd_untried"


def test_mtd_tie_rule_pooled_estimates_below_target_pick_higher():
    """n=(3,3), y=(1,0): p_hat = 1.05/3.1 = 0.339 and 0.05/3.1 = 0.016 violate order; weights
    1/var = 1/0.05463 = 18.3 and 1/0.00387 = 258.4 pool them to (6.20 + 4.16)/276.7 = 0.0374.
    Tied below the target, the higher level is selected (boin.md tie rule)."""
    sel = BOIN(target=0.3).select_mtd(TrialState.from_counts(2, [3, 3], [1, 0]))
    assert sel.estimates[0] == pytest.approx(sel.estimates[1])
    assert sel.estimates[0] == pytest.approx(0.0374, abs=5e-4)
    assert sel.dose == 2


@pytest.mark.parametrize(
    "kwargs, where",
    [
        ({"target": 0.0}, "target"),
        ({"target": 1.5}, "target"),
        ({"target": 0.3, "phi1": 0.3}, "phi1"),
        ({"target": 0.3, "phi1": 0.35}, "phi1"),
        ({"target": 0.3, "phi2": 0.3}, "phi2"),
        ({"target": 0.3, "phi2": 1.0}, "phi2"),
        ({"target": 0.3, "cohort_size": 0}, "cohort_size"),
        ({"target": 0.3, "start_dose": 0}, "start_dose"),
        ({"target": 0.3, "elimination_cutoff": 1.0}, "elimination_cutoff"),
    ],
)
def test_bad_config_names_field_and_value(kwargs, where):
    with pytest.raises(ConfigError) as err:
        BOIN(**kwargs)
    assert err.value.where in (where, f"BOIN.{where}")
    assert repr(err.value.value) in str(err.value)


def test_custom_phi_changes_boundaries():
    """phi1 = 0.2, phi2 = 0.4 at target 0.3: lambda_e = log(0.8/0.7)/log(0.3*0.8/(0.2*0.7))."""
    import math

    lam_e, _ = boin_boundaries(0.3, 0.2, 0.4)
    assert lam_e == pytest.approx(math.log(0.8 / 0.7) / math.log(0.24 / 0.14), rel=1e-14)
    assert BOIN(target=0.3, phi1=0.2, phi2=0.4).boundaries[0] == lam_e
