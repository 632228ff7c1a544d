"""Rule-based designs: the 3+3 (Storer 1989) and the rolling six (Skolnik et al. 2008)."""

from doseflow.designs.rule_based.rolling_six import RollingSix, compute_rolling_six_action, tabulate_rolling_six_rules
from doseflow.designs.rule_based.escalation_probability import compute_escalation_probability
from doseflow.designs.rule_based.threeplusthree import ThreePlusThree

__all__ = [
    "RollingSix",
    "ThreePlusThree",
    "compute_escalation_probability",
    "compute_rolling_six_action",
    "tabulate_rolling_six_rules",
]
