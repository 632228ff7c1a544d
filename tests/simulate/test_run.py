"""simulate(): reproducibility (seed and chunk size only), backends (local processes, Dask), the result object."""

from __future__ import annotations

import json

import numpy as np
import pytest

from doseflow.designs import BOIN, AcceleratedTitration, Expansion, RollingSix, ThreePlusThree
from doseflow.errors import ConfigError
from doseflow.simulate import OperatingCharacteristics, Scenario, simulate

S5 = (0.05, 0.15, 0.30, 0.45, 0.60)


def test_monte_carlo_starts_at_the_design_start_dose():
    """Regression (engine issue, defect 1): Monte Carlo started every trial at level 1
    (selection 8.6 / 49.8 / 41.6 / 0 / 0 %) while exact enumeration started at level 3."""
    design = BOIN(target=0.3, start_dose=3)
    exact = simulate(design, S5, exact=True, max_n=9)
    mc = simulate(design, S5, n_trials=20_000, max_n=9, seed=1)
    assert exact.selection_pct[3] > 20  # level 4 is reachable from level 3
    for got, se, want in zip(mc.selection_pct, mc.selection_se, exact.selection_pct):
        assert abs(got - want) <= 4 * max(se, 0.01), (mc.selection_pct, exact.selection_pct)


def test_same_seed_and_chunk_size_give_identical_figures_whatever_the_workers():
    design = AcceleratedTitration(ThreePlusThree())
    one = simulate(design, S5, n_trials=6_000, seed=5, chunk_size=1_000, workers=1)
    two = simulate(design, S5, n_trials=6_000, seed=5, chunk_size=1_000, workers=2)
    assert one.to_dict() == two.to_dict()
    assert simulate(design, S5, n_trials=6_000, seed=6, chunk_size=1_000).to_dict() != one.to_dict()


def test_the_engine_and_the_graph_walk_give_the_same_result_in_simulate():
    """3+3 in calendar time runs on the general engine, without a calendar on its state graph:
    the same seed gives the same patients, hence the same figures (and a duration only in time)."""
    timed = simulate(ThreePlusThree(), Scenario(S5, dlt_window=28, arrivals_per_month=4), n_trials=4_000, seed=2)
    untimed = simulate(ThreePlusThree(), Scenario(S5), n_trials=4_000, seed=2)
    assert timed.selection_pct == untimed.selection_pct
    assert timed.patients_per_level == untimed.patients_per_level
    assert timed.duration_mean is not None and untimed.duration_mean is None


def test_dask_cluster_gives_identical_figures():
    """Same seed and chunk size on a 2-worker Dask LocalCluster: identical to local processes."""
    from dask.distributed import Client, LocalCluster

    design = RollingSix()
    scenario = Scenario(S5, dlt_window=28, arrivals_per_month=4)
    local = simulate(design, scenario, n_trials=3_000, seed=9, chunk_size=500, workers=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = simulate(design, scenario, n_trials=3_000, seed=9, chunk_size=500, client=client)
        address = simulate(design, scenario, n_trials=3_000, seed=9, chunk_size=500, scheduler=cluster.scheduler_address)
    assert remote.to_dict() == local.to_dict() == address.to_dict()


def test_result_json_is_strict_and_complete():
    oc = simulate(Expansion(ThreePlusThree(), n=3), Scenario(S5, dlt_window=21, arrivals_per_month=3),
                  n_trials=2_000, seed=4)
    data = json.loads(json.dumps(oc.to_dict(), allow_nan=False))
    for key in ("selection_pct", "selection_se", "no_mtd_pct", "patients_per_level", "patients_per_level_se",
                "dlts_per_level_se", "sample_size", "overdose_pct", "early_stop_pct", "stop_reasons", "duration_days"):
        assert key in data, key
    assert data["sample_size"]["p5"] <= data["sample_size"]["mean"] <= data["sample_size"]["p95"]
    assert data["duration_days"]["p5"] <= data["duration_days"]["mean"] <= data["duration_days"]["p95"]
    assert sum(data["stop_reasons"].values()) == pytest.approx(100.0)
    assert data["overdose_pct"] is None  # the 3+3 has no target and the scenario gives none
    frame = oc.to_frame()
    assert list(frame["level"]) == ["1", "2", "3", "4", "5", "none"]
    assert "±" in oc.summary()
    fig = oc.plot()
    assert len(fig.axes) == 2


def test_overdose_needs_a_target():
    no_target = simulate(ThreePlusThree(), S5, exact=True)
    assert no_target.overdose_pct is None
    with_target = simulate(ThreePlusThree(), Scenario(S5, target=0.3), exact=True)
    # patients at levels 4 and 5 (true DLT 0.45 and 0.60 > 0.30), as a share of each trial
    assert 0 < with_target.overdose_pct < 30


@pytest.mark.parametrize("kwargs, message", [
    ({"n_trials": 0}, "n_trials: must be a whole number >= 1"),
    ({"seed": -1}, "seed: must be a whole number >= 0"),
    ({"chunk_size": 0}, "chunk_size"),
    ({"max_n": 0}, "max_n"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        simulate(ThreePlusThree(), S5, **kwargs)


def test_a_design_without_its_own_end_needs_a_sample_size():
    with pytest.raises(ConfigError, match="boin does not stop by itself"):
        simulate(BOIN(target=0.3), S5, n_trials=10)


def test_monte_carlo_standard_errors_shrink_with_trials():
    small = simulate(ThreePlusThree(), S5, n_trials=1_000, seed=1)
    large = simulate(ThreePlusThree(), S5, n_trials=16_000, seed=1)
    ratio = np.asarray(small.selection_se[:4]) / np.asarray(large.selection_se[:4])  # levels selected > 5%
    assert np.all((ratio > 3) & (ratio < 5)), ratio  # sqrt(16) = 4


def test_result_type():
    assert isinstance(simulate(ThreePlusThree(), S5, exact=True), OperatingCharacteristics)
