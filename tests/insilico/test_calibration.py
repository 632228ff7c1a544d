"""Calibration of the gq1001 preset against the GQ1001 phase Ia readout (Lemech et al., AACR 2023,
CT178): over 200 virtual trials the median of each headline figure lies within its tolerance
(published value and tolerance from the calibration brief; see doseflow.insilico.headline.PUBLISHED),
and at least half of the trials have no DLT (0 DLTs in 32 patients were reported)."""

import pytest

from doseflow.insilico.preset import load_preset
from doseflow.insilico.replicate import run_replicates

#: figure: (published, tolerance), Lemech 2023; literal copies so the test cannot drift with the code.
TARGETS = {
    "trae_any_pct": (75.0, 10.0), "ast_increased_pct": (37.5, 10.0), "thrombocytopenia_pct": (28.1, 8.0),
    "alt_increased_pct": (25.0, 8.0), "pyrexia_pct": (21.9, 8.0), "grade3_trae_pct": (28.1, 10.0),
    "orr_high_dose_pct": (40.0, 12.0), "pfs_median_months": (4.8, 1.0), "exposure_median_weeks": (18.5, 4.0),
}


@pytest.fixture(scope="module")
def study():
    return run_replicates(load_preset("gq1001"), 200, 20221228, workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("figure", sorted(TARGETS))
def test_median_within_tolerance(study, figure):
    published, tol = TARGETS[figure]
    med, p5, p95 = study.summary(figure)
    assert abs(med - published) <= tol, f"{figure}: median {med:.2f} (5-95% {p5:.2f}-{p95:.2f}) vs {published} +- {tol}"


@pytest.mark.slow
def test_no_dlt_in_at_least_half_of_trials(study):
    assert study.no_dlt_fraction >= 0.5, study.no_dlt_fraction
