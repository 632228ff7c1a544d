"""Tumour response of virtual patients: growth inhibition, what a scan sees, RECIST-assessed scans.

Modules: :mod:`~doseflow.insilico.models.tumour.growth` (tumour growth inhibition of the sum of
diameters), :mod:`~doseflow.insilico.models.tumour.lesion_visibility` (residual mass and
detection limit) and :mod:`~doseflow.insilico.models.tumour.recist_scan` (simulated scans,
assessed with the rules of :mod:`doseflow.standards.recist`).
"""

from doseflow.insilico.models.tumour.growth import (
    TumourConfig,
    TumourParameters,
    TumourState,
    sample_tumour_parameters,
    compute_drug_effect,
    compute_tumour_sld,
    advance_tumour,
)
from doseflow.insilico.models.tumour.lesion_visibility import (
    sample_residual_fraction,
    compute_visible_diameters,
)
from doseflow.insilico.models.tumour.recist_scan import (
    RecistConfig,
    ScanState,
    ScanResult,
    sample_scan_days,
    measure_sld,
    assess_scans,
)

__all__ = [
    "TumourConfig",
    "TumourParameters",
    "TumourState",
    "sample_tumour_parameters",
    "compute_drug_effect",
    "compute_tumour_sld",
    "advance_tumour",
    "sample_residual_fraction",
    "compute_visible_diameters",
    "RecistConfig",
    "ScanState",
    "ScanResult",
    "sample_scan_days",
    "measure_sld",
    "assess_scans",
]
