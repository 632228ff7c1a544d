"""Pharmacokinetic readout: SDTM PC + EX to NCA parameters, summaries and figures.

The workflow, with each step in its own module:

1. :func:`derive_pk_concentrations` (``concentrations``): SDTM PC and EX to an analysis
   frame, one row per sample with the time since its dose, BLQ status and, for every
   record not used, the reason.
2. :func:`classify_sampling` (``sampling``): the sampling design of each profile (subject x
   analyte x dose number, i.e. cycle): full profile, peak and trough, or sparse.
3. :func:`compute_nca` (``nca``, ``profiles``, ``auc``, ``lambda_z``): NCA parameters of
   each full profile under :class:`NCAOptions` (``options``), as PKNCA computes them.
4. :func:`tabulate_pk_summary` and :func:`tabulate_concentrations` (``summary``):
   descriptive statistics by cycle and dose group, n counting patients;
   :func:`compute_dose_proportionality` (``proportionality``): the power model of Smith et
   al. (2000), with a random intercept per patient when patients contribute several cycles.
5. ``figures``: mean and individual concentration-time plots.

Examples
--------
>>> import pandas as pd
>>> from doseflow.readout.pk import compute_nca
>>> df = pd.DataFrame({"USUBJID": "S1", "time": [0, 1, 2, 4], "conc": [0, 4, 3, 1.5], "dose": 10.0})
>>> round(float(compute_nca(df).profiles.loc[0, "AUCLST"]), 4)
9.8041
"""

from doseflow.readout.pk.concentrations import derive_pk_concentrations
from doseflow.readout.pk.lambda_z import LambdaZFit, compute_lambda_z
from doseflow.readout.pk.auc import compute_auc
from doseflow.readout.pk.nca import PARAMETERS, NCAResult, compute_nca
from doseflow.readout.pk.options import NCAOptions
from doseflow.readout.pk.proportionality import DoseProportionalityResult, compute_dose_proportionality
from doseflow.readout.pk.sampling import classify_sampling
from doseflow.readout.pk.summary import PKSummaryResult, tabulate_concentrations, tabulate_pk_summary

__all__ = [
    "NCAOptions",
    "derive_pk_concentrations",
    "compute_nca",
    "compute_auc",
    "compute_lambda_z",
    "LambdaZFit",
    "NCAResult",
    "PARAMETERS",
    "classify_sampling",
    "tabulate_pk_summary",
    "tabulate_concentrations",
    "compute_dose_proportionality",
    "PKSummaryResult",
    "DoseProportionalityResult",
]
