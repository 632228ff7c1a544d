"""Replicate study: seed-only determinism, independence of the number of workers, summary keys."""

import numpy as np
import pytest

from doseflow.errors import ConfigError
from doseflow.insilico.preset import load_preset
from doseflow.insilico.headline import HEADLINE_FIGURES, PUBLISHED
from doseflow.insilico.replicate import run_replicates


@pytest.fixture(scope="module")
def preset():
    return load_preset("gq1001")


def test_results_do_not_depend_on_workers(preset):
    seen = []
    one = run_replicates(preset, 6, 3, workers=1, chunk_size=1, progress=lambda d, n: seen.append((d, n)))
    two = run_replicates(preset, 6, 3, workers=2, chunk_size=1)
    for k in one.figures:
        np.testing.assert_array_equal(one.figures[k], two.figures[k])
    assert seen == [(4, 6), (6, 6)]  # progress per group of CHUNKS_TOGETHER = 4 chunks
    other = run_replicates(preset, 2, 4, workers=1, chunk_size=1)
    assert not np.array_equal(other.figures["exposure_median_weeks"], one.figures["exposure_median_weeks"][:2])


def test_to_dict_keys_published_figures_and_rounding(preset):
    """Issue 8: the JSON carries the published figures and tolerances its table shows, floats rounded
    (27.968750000000007 was printed), NaN as null."""
    study = run_replicates(preset, 4, 1, workers=1, chunk_size=2)
    d = study.to_dict()
    assert set(d) == {"trials", "seed", "no_dlt_fraction", "medians", "percentiles", "quartiles", "published"}
    assert set(d["medians"]) == set(HEADLINE_FIGURES) == set(d["percentiles"]) == set(d["quartiles"])
    assert d["trials"] == 4 and d["seed"] == 1 and 0.0 <= d["no_dlt_fraction"] <= 1.0
    assert d["published"]["trae_any_pct"] == {"label": "Any TRAE, %", "value": 75.0, "text": "75% (24/32)",
                                              "tolerance": 10.0}
    assert d["published"]["dcr_high_dose_pct"]["tolerance"] is None and set(d["published"]) == set(PUBLISHED)
    for figure, (p5, p95) in d["percentiles"].items():
        exact = np.nanpercentile(study.figures[figure], [5, 95])
        for got, want in zip((p5, p95), exact):
            assert got is None or (got == round(float(want), 3) and len(repr(got).split(".")[-1]) <= 3)


def test_compare_against_hand_percentiles():
    """ReplicateStudy.compare: percentiles by linear interpolation (R type 7) of the trials' values, hand
    computed here for 5 trials; the flags say whether the published value is inside [p5, p95] / [p25, p75]."""
    from doseflow.insilico.replicate import ReplicateStudy

    values = np.array([60.0, 70.0, 80.0, 90.0, 100.0])
    figures = {f: np.full(5, np.nan) for f in HEADLINE_FIGURES} | {"dcr_high_dose_pct": values}
    row = next(r for r in ReplicateStudy(5, 1, figures, {}).compare({"dcr_high_dose_pct": 70.0})
               if r["figure"] == "dcr_high_dose_pct")
    # type 7: position (n - 1) q: p5 = 60 + 0.2 x 10 = 62, p25 = 70, p75 = 90, p95 = 98
    assert (row["p5"], row["p25"], row["median"], row["p75"], row["p95"]) == (62.0, 70.0, 80.0, 90.0, 98.0)
    assert row["published"] == 60.0 and row["inside_90"] is False and row["inside_50"] is False
    assert row["observed"] == 70.0 and row["n_trials"] == 5
    empty = next(r for r in ReplicateStudy(5, 1, figures, {}).compare({}) if r["figure"] == "n_dlt")
    assert empty["p5"] is None and empty["inside_90"] is None and empty["observed"] is None


def test_bad_numbers(preset):
    with pytest.raises(ConfigError, match="--trials"):
        run_replicates(preset, 0, 1)
    with pytest.raises(ConfigError, match="--workers"):
        run_replicates(preset, 1, 1, workers=0)



def test_lockstep_integration_equals_separate_integration():
    """Chunks integrated together (replicate._advance_together: patients of two requests
    concatenated, one PKModel.advance) give each request the result of integrating it
    alone, to rounding (rtol 1e-12; vectorised exp/log may differ in the last bit by array
    position), including a patient refined a posteriori (Km x 0.05 at 1.2 mg/kg)."""
    from doseflow.insilico.models.pk import GQ1001_DEFAULT, PKModel
    from doseflow.insilico.models.toxicity import GQ1001_TOXICITY, ToxicityModel
    from doseflow.insilico.replicate import _advance_together

    eta = np.zeros((3, len(GQ1001_DEFAULT.iiv_names)))
    eta[1, GQ1001_DEFAULT.iiv_names.index("Km")] = np.log(0.05)
    pks = [PKModel(GQ1001_DEFAULT, [60.0, 70.0, 80.0], eta=eta), PKModel.from_population(GQ1001_DEFAULT, [66.0, 50.0], rng=2)]
    toxs = [ToxicityModel(GQ1001_TOXICITY, 3, rng=1), ToxicityModel(GQ1001_TOXICITY, 2, rng=2)]
    doses = [np.array([8.4, 1.2, 0.0]), np.array([3.6, 6.0])]
    opts = dict(record_times=(7.0, 14.0, 21.0))
    pending = {k: (pks[k], pks[k].initial_state([toxs[k]]), doses[k], {**opts, "pd_models": [toxs[k]]}) for k in range(2)}
    together = _advance_together(pending)
    for k in range(2):
        alone = pks[k].advance(pks[k].initial_state([toxs[k]]), doses[k], pd_models=[toxs[k]], **opts)
        np.testing.assert_allclose(together[k].state.y, alone.state.y, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(together[k].outputs["PLT"], alone.outputs["PLT"], rtol=1e-12)
        np.testing.assert_allclose(together[k].concentrations["ADC"], alone.concentrations["ADC"], rtol=1e-12)
