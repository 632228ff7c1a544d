"""Safety readout: adverse-event flags and tables, the AE overview, DLTs and laboratory shifts.

Modules, in reading order:

- :mod:`~doseflow.readout.safety.flags`: treatment emergence (TRTEMFL), relatedness
  (AERELFL) and the analysis grade (AGRADE) of each AE, and the events a table counts;
- :mod:`~doseflow.readout.safety.incidence`: TEAE/TRAE incidence by SOC and preferred term;
- :mod:`~doseflow.readout.safety.overview`: the overview of AEs and deaths;
- :mod:`~doseflow.readout.safety.dlt`: DLTs per dose level, the DLT rate with its exact
  bound, and the MTD by the design's 3+3 rule;
- :mod:`~doseflow.readout.safety.labs`: CTCAE grade shifts of laboratory values.
"""

from doseflow.readout.safety.dlt import DLTResult, tabulate_dlt
from doseflow.readout.safety.flags import RELATED_VALUES, derive_grade, derive_related, derive_teae
from doseflow.readout.safety.incidence import AEIncidenceResult, tabulate_ae_incidence
from doseflow.readout.safety.labs import LabShiftResult, tabulate_lab_shift
from doseflow.readout.safety.overview import AEOverviewResult, summarise_ae_overview

__all__ = [
    "RELATED_VALUES",
    "derive_teae",
    "derive_related",
    "derive_grade",
    "tabulate_ae_incidence",
    "summarise_ae_overview",
    "tabulate_dlt",
    "tabulate_lab_shift",
    "AEIncidenceResult",
    "AEOverviewResult",
    "DLTResult",
    "LabShiftResult",
]
