"""The concentration frame of the NCA: checked, and laid out as one row of arrays per profile.

:func:`validate_conc_frame` fills the optional columns and checks the values;
:func:`arrange_profiles` turns the usable samples into 2-D arrays (profiles x samples) that
:func:`~doseflow.readout.pk.nca.compute_nca` works on, vectorised over profiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.errors import DataError
from doseflow.readout.pk.sampling import PROFILE_KEYS

__all__ = ["ROUTES", "CARRY", "validate_conc_frame", "arrange_profiles"]

ROUTES = ("extravascular", "iv bolus", "iv infusion")
#: Columns carried from the samples to each profile (the first value of the profile).
CARRY = ("dose", "dose_unit", "route", "infusion_duration", "conc_unit",
         "DOSE", "DOSE_GROUP", "DOSE_LEVEL", "ACTARM", "ARM", "TRT01A")


def validate_conc_frame(frame: pd.DataFrame, *, excluded_where: str = "the exclusion_reason column of the "
                        "concentration frame") -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Fill the optional columns of a concentration frame, check it, and return (all rows, usable rows, notes).

    Rows marked ``excluded`` are kept in the first frame (their pre-dose samples tell the sampling
    design) and left out of the second, as are rows without a time >= 0 or a concentration.

    Raises
    ------
    DataError
        A required column is missing, a value is not a number, a concentration is negative, a
        route of a used row is unknown, or two samples of a profile share a time.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("conc_frame", "a pandas DataFrame of concentrations", type(frame).__name__)
    for col in ("USUBJID", "time", "conc", "dose"):
        if col not in frame.columns:
            raise DataError(f"conc_frame column {col}",
                            "present (required: USUBJID, time, conc, dose)", "missing")
    df = frame.copy()
    defaults = {"analyte": "", "specimen": "PLASMA", "dose_number": 1, "blq": False, "excluded": False,
                "dose_unit": "", "conc_unit": "", "route": "extravascular", "infusion_duration": np.nan,
                "time_unit": "h"}
    for col, val in defaults.items():
        if col not in df.columns:
            df[col] = val
    for col in ("time", "conc", "dose", "infusion_duration"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"conc_frame row {pos + 1}, column {col}", "a number", df[col].iloc[pos])
        df[col] = num.astype(float)
    neg = df["conc"] < 0
    if neg.any():
        pos = int(np.flatnonzero(neg.to_numpy())[0])
        raise DataError(f"conc_frame row {pos + 1}, column conc", "a concentration >= 0",
                        float(df["conc"].iloc[pos]))
    bad_route = ~df["route"].isin(ROUTES) & ~df["excluded"].fillna(False).astype(bool)
    if bad_route.any():
        pos = int(np.flatnonzero(bad_route.to_numpy())[0])
        raise DataError(f"conc_frame row {pos + 1}, column route", "one of " + ", ".join(ROUTES),
                        df["route"].iloc[pos])
    notes: list[str] = []
    df["excluded"] = df["excluded"].fillna(False).astype(bool)
    df["blq"] = df["blq"].fillna(False).astype(bool) | (df["conc"] == 0)
    n_excl = int(df["excluded"].sum())
    if n_excl:
        notes.append(f"{n_excl} concentration record(s) were excluded before NCA (each with its reason in "
                     f"{excluded_where}).")
    use = df[~df["excluded"]]
    unusable = use["time"].isna() | (use["time"] < 0) | (use["conc"].isna() & ~use["blq"])
    if unusable.any():
        notes.append(f"{int(unusable.sum())} record(s) with a missing or negative time or a missing "
                     "non-BLQ concentration were not used (PKNCA conc.na = 'drop').")
    use = use[~unusable]
    dup = use.duplicated(list(PROFILE_KEYS) + ["time"], keep=False)
    if dup.any():
        row = use[dup].iloc[0]
        raise DataError(f"conc_frame subject {row['USUBJID']}, analyte {row['analyte']!s}, "
                        f"dose {row['dose_number']}", "one sample per time", float(row["time"]),
                        "Two samples share this time; remove or average them.")
    return df, use, notes


def arrange_profiles(use: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """One row per profile: (meta, times, concentrations, BLQ flags) as 2-D arrays, NaN-padded."""
    use = use.sort_values(list(PROFILE_KEYS) + ["time"], kind="mergesort")
    pid = use.groupby(list(PROFILE_KEYS), sort=False, dropna=False).ngroup().to_numpy()
    pos = use.groupby(list(PROFILE_KEYS), sort=False, dropna=False).cumcount().to_numpy()
    n_prof = int(pid.max()) + 1 if pid.size else 0
    width = int(pos.max()) + 1 if pos.size else 1
    t = np.full((n_prof, width), np.nan)
    c = np.full((n_prof, width), np.nan)
    b = np.zeros((n_prof, width), dtype=bool)
    t[pid, pos] = use["time"].to_numpy()
    c[pid, pos] = np.where(use["blq"].to_numpy(), 0.0, use["conc"].to_numpy())
    b[pid, pos] = use["blq"].to_numpy()
    carry = [k for k in CARRY if k in use.columns] + ["time_unit"]
    meta = use.groupby(list(PROFILE_KEYS), sort=False, dropna=False)[carry].first().reset_index()
    return meta, t, c, b
