"""Worked example of docs/insilico.md: one virtual GQ1001 trial and a small replicate study.

Run it with ``python docs/examples/insilico_virtual_trial.py``; the test suite runs it too
(in a temporary working folder). It writes the trial's SDTM datasets to ``virtual-sdtm/``.
"""

from pathlib import Path

from doseflow.insilico.preset import load_preset
from doseflow.insilico.replicate import run_replicates
from doseflow.insilico.sdtm import write_virtual_sdtm
from doseflow.insilico.trial import simulate_trial

preset = load_preset("gq1001")          # every value with its unit and source: src/doseflow/presets/gq1001.toml
cl = next(e for e in preset.entries if (e.section, e.key) == ("pk", "cl"))
print(f"antibody clearance {cl.value} {cl.unit} ({cl.source})")
assert cl.source.startswith("Quartino")

# One virtual trial: the same seed gives the same trial.
trial = simulate_trial(preset, seed=1)
patients = trial.patients
print(f"{len(patients)} patients, {int(patients['dlt'].sum())} DLT,",
      f"{int((patients['dose_mg_kg'] >= 7.2).sum())} at >= 7.2 mg/kg")
assert len(patients) == 32
assert trial.doses.groupby("patient").size().min() >= 1   # every enrolled patient was dosed

files = write_virtual_sdtm(trial, Path("virtual-sdtm"))
print("SDTM:", ", ".join(sorted(files)))
assert {"dm", "ex", "ae", "lb", "pc", "tu", "tr", "rs", "ds"} <= set(files)

# A replicate study: the distribution of the headline figures across virtual trials.
study = run_replicates(preset, n_trials=20, seed=1, workers=1)
summary = study.to_dict()
print({k: round(v, 1) for k, v in summary["medians"].items()})
assert summary["trials"] == 20 and 0.0 <= summary["no_dlt_fraction"] <= 1.0
