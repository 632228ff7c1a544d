"""Worked example of docs/simulation.md: six designs in three published scenarios, on the same patients.

Run it with ``python docs/examples/simulation_compare.py [FOLDER]``; it writes comparison.csv,
selection.png and patients.png to FOLDER (default: the current folder). The test suite runs it.
"""

import sys
from pathlib import Path

from doseflow.designs import (
    BOIN,
    MTPI2,
    AcceleratedTitration,
    I3Plus3,
    Keyboard,
    StopAtNAtDose,
    StopAtSampleSize,
    ThreePlusThree,
)
from doseflow.simulate import simulate
from doseflow.simulate.compare import compare_designs
from doseflow.simulate.library import load_scenario

folder = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else Path(".")


def interval(design):
    """30 patients at most, stop early when a dose has 12 and the design would stay (BOIN 2.7.2)."""
    return StopAtSampleSize(StopAtNAtDose(design, n=12), max_n=30)


designs = {
    "3+3": ThreePlusThree(),
    "accelerated 3+3": AcceleratedTitration(ThreePlusThree()),
    "BOIN": interval(BOIN(target=0.25)),
    "keyboard": interval(Keyboard(target=0.25)),
    "mTPI-2": interval(MTPI2(target=0.25)),
    "i3+3": interval(I3Plus3(target=0.25)),
}
scenarios = [load_scenario(name) for name in ("zhao-2024/2", "zhao-2024/3", "zhao-2024/5")]
result = compare_designs(designs, scenarios, n_trials=20_000, seed=1)
print(result.selection_table().round(1).to_string())
result.to_frame().to_csv(folder / "comparison.csv", index=False)
result.plot_selection().savefig(folder / "selection.png", dpi=130)
result.plot_patients().savefig(folder / "patients.png", dpi=130)

# The same comparison is paired: BOIN meets the same simulated patients as when simulated alone.
alone = simulate(designs["BOIN"], scenarios[1], n_trials=20_000, seed=1,
                 patients_per_trial=max(d.max_sample_size(5) for d in designs.values()))
assert alone.selection_pct == result.results[("BOIN", "zhao-2024/3")].selection_pct

# Exact enumeration of the same BOIN (no Monte Carlo error) lies within 4 standard errors.
exact = simulate(designs["BOIN"], scenarios[1], exact=True)
mc = result.results[("BOIN", "zhao-2024/3")]
for got, se, want in zip(mc.selection_pct, mc.selection_se, exact.selection_pct):
    assert abs(got - want) <= 4 * se + 1e-9
print(f"BOIN in zhao-2024/3: MTD (level 3) selected in {exact.selection_pct[2]:.1f}% (exact), "
      f"{mc.selection_pct[2]:.1f} ± {mc.selection_se[2]:.1f}% (Monte Carlo)")
