"""The sampling design of each PK profile: a full profile, peak and trough, or sparse samples.

A profile is one subject's concentrations of one analyte and specimen after one dose (its
dose number; with one dose per treatment cycle, the cycle). What a profile can tell depends
on how it was sampled (FDA 2003, Exposure-Response Relationships, sec. IV.B; EMA 2014,
Guideline on the investigation of bioequivalence, sec. 4.1.5: Cmax and AUC need a sampling
schedule that covers the peak and the elimination):

- **full profile**: at least ``min_samples`` post-dose samples (time > 0) used by the NCA:
  Cmax, Tmax, AUC and lambda-z are computed;
- **peak and trough**: fewer post-dose samples, and a pre-dose sample (planned nominal time
  < 0 or taken before the dose): the samples are concentrations at their nominal times (the
  pre-dose one is the trough of the previous interval), not a profile;
- **sparse**: fewer post-dose samples and no pre-dose sample: concentrations at their
  nominal times.

Parameters a sampling design cannot support are not computed: a single sample 0.5 h after
an infusion is reported as the concentration at 0.5 h, not as the Cmax of a profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.checks import check_int

__all__ = ["PROFILE_KEYS", "FULL", "PEAK_TROUGH", "SPARSE", "classify_sampling"]

PROFILE_KEYS: tuple[str, ...] = ("USUBJID", "analyte", "specimen", "dose_number")
FULL, PEAK_TROUGH, SPARSE = "full profile", "peak and trough", "sparse"


def classify_sampling(conc_frame: pd.DataFrame, min_samples: int = 3) -> pd.DataFrame:
    """The sampling design of every profile of a concentration frame.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        From :func:`~doseflow.readout.pk.concentrations.derive_pk_concentrations` (or any
        frame with USUBJID, ``time``, ``excluded`` and optionally ``analyte``,
        ``specimen``, ``dose_number``, ``time_nominal``).
    min_samples : int >= 1
        Post-dose samples a profile needs to be a full profile.

    Returns
    -------
    pandas.DataFrame
        One row per profile: the profile keys, ``n_post`` (usable samples at time > 0),
        ``n_pre`` (pre-dose samples: nominal time < 0, or actual time < 0) and ``sampling``
        (:data:`FULL`, :data:`PEAK_TROUGH` or :data:`SPARSE`).

    Examples
    --------
    >>> f = pd.DataFrame({"USUBJID": "S1", "dose_number": [1, 1, 1, 1, 2, 2], "excluded": False,
    ...                   "time": [0.5, 2, 4, 8, -0.5, 0.5], "time_nominal": [0.5, 2, 4, 8, -0.5, 0.5]})
    >>> classify_sampling(f)[["dose_number", "n_post", "n_pre", "sampling"]].values.tolist()
    [[1, 4, 0, 'full profile'], [2, 1, 1, 'peak and trough']]
    """
    min_samples = check_int(min_samples, "min_samples", minimum=1)
    df = conc_frame.copy()
    for col, default in (("analyte", ""), ("specimen", "PLASMA"), ("dose_number", 1), ("excluded", False)):
        if col not in df.columns:
            df[col] = default
    time = pd.to_numeric(df["time"], errors="coerce")
    nominal = pd.to_numeric(df["time_nominal"], errors="coerce") if "time_nominal" in df.columns else time
    used = ~df["excluded"].fillna(False).astype(bool)
    df["_post"] = (used & (time > 0)).to_numpy()
    df["_pre"] = ((nominal < 0) | (time < 0)).to_numpy()
    keys = list(PROFILE_KEYS)
    out = df.groupby(keys, sort=True, dropna=False).agg(n_post=("_post", "sum"), n_pre=("_pre", "sum")).reset_index()
    out["n_post"] = out["n_post"].astype(int)
    out["n_pre"] = out["n_pre"].astype(int)
    out["sampling"] = np.where(out["n_post"] >= min_samples, FULL, np.where(out["n_pre"] > 0, PEAK_TROUGH, SPARSE))
    return out
