"""Replicate study: seed-only determinism, independence of the number of workers, summary keys."""

import numpy as np
import pytest

from doseflow.errors import ConfigError
from doseflow.insilico.preset import load_preset
from doseflow.insilico.replicate import SUMMARY_FIGURES, run_replicates


@pytest.fixture(scope="module")
def preset():
    return load_preset("gq1001")


def test_results_do_not_depend_on_workers(preset):
    seen = []
    one = run_replicates(preset, 6, 3, workers=1, chunk_size=2, progress=lambda d, n: seen.append((d, n)))
    two = run_replicates(preset, 6, 3, workers=2, chunk_size=2)
    for k in one.figures:
        np.testing.assert_array_equal(one.figures[k], two.figures[k])
    assert seen == [(2, 6), (4, 6), (6, 6)]
    other = run_replicates(preset, 2, 4, workers=1, chunk_size=2)
    assert not np.array_equal(other.figures["exposure_median_weeks"], one.figures["exposure_median_weeks"][:2])


def test_to_dict_keys(preset):
    d = run_replicates(preset, 2, 1, workers=1, chunk_size=2).to_dict()
    assert set(d) == {"trials", "seed", "no_dlt_fraction", "medians", "percentiles"}
    assert set(d["medians"]) == set(SUMMARY_FIGURES) == set(d["percentiles"])
    assert d["trials"] == 2 and d["seed"] == 1 and 0.0 <= d["no_dlt_fraction"] <= 1.0


def test_bad_numbers(preset):
    with pytest.raises(ConfigError, match="--trials"):
        run_replicates(preset, 0, 1)
    with pytest.raises(ConfigError, match="--workers"):
        run_replicates(preset, 1, 1, workers=0)
