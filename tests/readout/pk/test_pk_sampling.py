"""Sampling design of a profile, and NCA only where the design supports it (issue 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.readout.pk import classify_sampling, compute_nca
from doseflow.readout.pk.sampling import FULL, PEAK_TROUGH, SPARSE


def _trial() -> pd.DataFrame:
    """Patient A: cycle 1 sampled at 0.5, 2, 4, 8 h (a full profile), cycle 2 at pre-dose (-0.5 h, excluded
    from the NCA as before the dose) and 0.5 h (peak and trough); patient B: cycle 1 at 0.5 h only (sparse)."""
    rows = [("A", 1, t, c) for t, c in ((0.5, 10.0), (2.0, 8.0), (4.0, 6.0), (8.0, 3.0))]
    rows += [("A", 2, -0.5, 1.0), ("A", 2, 0.5, 11.0), ("B", 1, 0.5, 9.0)]
    f = pd.DataFrame(rows, columns=["USUBJID", "dose_number", "time", "conc"])
    return f.assign(time_nominal=f["time"], excluded=f["time"] < 0, dose=1.0, dose_unit="mg", conc_unit="mg/L",
                    route="iv infusion", infusion_duration=0.5)


def test_designs_by_post_dose_samples_and_pre_dose_sample():
    d = classify_sampling(_trial()).set_index(["USUBJID", "dose_number"])
    assert d.loc[("A", 1), ["n_post", "n_pre", "sampling"]].tolist() == [4, 0, FULL]
    assert d.loc[("A", 2), ["n_post", "n_pre", "sampling"]].tolist() == [1, 1, PEAK_TROUGH]
    assert d.loc[("B", 1), ["n_post", "n_pre", "sampling"]].tolist() == [1, 0, SPARSE]
    assert classify_sampling(_trial(), min_samples=5).loc[0, "sampling"] == SPARSE


def test_a_single_peak_sample_is_not_the_cmax_of_a_profile():
    """Before (issue 7) cycle 2's one 0.5 h sample was reported as its Cmax (11 mg/L, above cycle 1's 10),
    and B's as its Cmax; now only A's cycle 1 has parameters, the others are listed with their design."""
    r = compute_nca(_trial())
    prof = r.profiles.set_index(["USUBJID", "dose_number"])
    assert prof.loc[("A", 1), "CMAX"] == 10.0 and prof.loc[("A", 1), "sampling"] == FULL
    for key, design in ((("A", 2), PEAK_TROUGH), (("B", 1), SPARSE)):
        assert np.isnan(prof.loc[key, "CMAX"]) and prof.loc[key, "sampling"] == design
        assert prof.loc[key, "flags"] == f"sampling {design} (1 post-dose sample(s) < 3): NCA parameters not computed"
    assert set(map(tuple, r.parameters[["USUBJID", "dose_number"]].drop_duplicates().to_numpy())) == {("A", 1)}
    assert any(n.startswith("2 profile(s) have fewer than 3 post-dose samples (") for n in r.notes)
