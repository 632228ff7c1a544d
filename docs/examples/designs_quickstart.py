"""Worked example of docs/designs.md: decide, select the MTD, and compare operating characteristics.

Run it with ``python docs/examples/designs_quickstart.py``; the test suite runs it too.
"""

from doseflow.core import DosePlan, TrialState
from doseflow.designs import BOIN, AcceleratedTitration, StopAtNAtDose, StopAtSampleSize, ThreePlusThree
from doseflow.simulate import Scenario, simulate

plan = DosePlan.from_amounts([1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4], "mg/kg")

# 3+3: one DLT in the second cohort expands that level to six patients.
state = TrialState.from_outcomes(plan, "1NNN 2NTN")
decision = ThreePlusThree().decide(state)
print(decision.action, decision.next_dose, decision.rule)
assert (decision.action, decision.next_dose, decision.rule) == ("stay", 2, "3+3.expand")

# BOIN at target 0.3: 3 DLTs in 6 at level 3 (50%) is above lambda_d = 0.359.
state = TrialState.from_outcomes(plan, "1NNN 2NNN 3NTN 3TNT")
decision = BOIN(target=0.3).decide(state)
print(decision.reason)
assert (decision.action, decision.next_dose) == ("de-escalate", 2)

# BOIN's MTD on the package's documentation example (boin.md): level 3.
final = TrialState.from_counts(5, [3, 3, 15, 9, 0], [0, 0, 4, 4, 0])
selection = BOIN(target=0.3).select_mtd(final)
print(selection.dose, [None if e is None else round(e, 2) for e in selection.estimates])
assert selection.dose == 3

# The example trial's modified 3+3: single patients at the two lowest levels, then 3+3.
design = AcceleratedTitration(ThreePlusThree(), max_single_levels=2)
state = TrialState(plan).with_cohort(1, [False], worst_grades=[1])
print(design.decide(state).reason)
assert design.decide(state).cohort_size == 1

# Operating characteristics: exact for the 3+3, Monte Carlo for BOIN (30 patients, BOIN's
# n.earlystop = 12 as a wrapper), on one scenario.
scenario = [0.05, 0.15, 0.30, 0.45, 0.60]
exact = simulate(ThreePlusThree(), scenario, exact=True)
print("3+3 exact selection %:", [round(p, 2) for p in exact.selection_pct])
assert round(exact.selection_pct[1], 2) == 42.88  # threeplusthree.md, variant B
boin = StopAtSampleSize(StopAtNAtDose(BOIN(target=0.3), n=12), max_n=30)
mc = simulate(boin, scenario, n_trials=4000, seed=1)
print(mc.summary())
assert max(range(5), key=lambda i: mc.selection_pct[i]) == 2  # level 3, the dose with true DLT rate 0.30

# Calendar time: rolling six enrols while outcomes are pending (28-day window, 4 patients a month).
from doseflow.designs import RollingSix  # noqa: E402

timed = simulate(RollingSix(), Scenario(tuple(scenario), dlt_window=28, arrivals_per_month=4), n_trials=2000, seed=1)
print(f"rolling six: {timed.duration_mean / 30.4375:.1f} months on average")
assert 2 < timed.duration_mean / 30.4375 < 12
