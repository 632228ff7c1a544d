"""Sum of target-lesion diameters, percent change from baseline and best percent change (SDTM TR).

RECIST 1.1 (Eisenhauer et al. 2009, Eur J Cancer 45:228-247):

* sec. 3.3 and 4.2: the sum of diameters is the sum of the longest diameters of the target
  lesions (short axis for nodal lesions) at one assessment; the baseline sum is the
  reference for response (PR: >= 30% decrease, sec. 4.3.1), PD is judged against the
  nadir (>= 20% and >= 5 mm increase);
* sec. 4.3.1 note: when a lesion is not assessed at a visit the sum is not evaluable;
  here the sum is NaN with a flag when fewer target lesions are measured than at baseline.

The sum is taken from ``TRTESTCD = "SUMDIAM"`` when the data carry it, else summed from
the per-lesion ``LDIAM`` (or ``DIAMETER``) of the target lesions (``TRGRPID = "TARGET"``).
Baseline is the record of a baseline visit (``VISIT`` in ``baseline_visits``) or, failing
that, the last assessment on or before the reference date. Percent change
``PCHG = 100 (SUMDIAM - BASE) / BASE``; best percent change = the minimum PCHG after
baseline (the bar of a waterfall plot).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_choice
from doseflow.errors import DataError
from doseflow.readout.inputs import fail_at_first

__all__ = ["derive_tumour_change", "derive_best_percent_change"]

_DAY = pd.Timedelta(days=1)


def derive_tumour_change(
    tr: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    evaluator: str = "INVESTIGATOR",
    reference: Literal["TRTSDT", "RANDDT"] = "TRTSDT",
    baseline_visits: Sequence[str] = ("BASELINE", "SCREENING"),
    impute: Literal["first", "mid", "last"] | None = None,
    source: str = "tr.csv",
) -> pd.DataFrame:
    """Sum of target-lesion diameters per subject and visit, with change from baseline.

    Parameters
    ----------
    tr : pandas.DataFrame
        SDTM TR with USUBJID, TRTESTCD, TRSTRESN, VISIT, TRDTC; TRGRPID, TREVAL,
        TRACPTFL, TRSTAT, TRLNKID, VISITNUM used when present.
    adsl : pandas.DataFrame
        USUBJID and the ``reference`` date.
    evaluator : {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}
        ``TREVAL``; accepted independent reads only (``TRACPTFL = "Y"``).
    reference : {"TRTSDT", "RANDDT"}
        Day 1 for ADY and for choosing a baseline when no baseline visit is named.
    baseline_visits : sequence of str
        VISIT names of the baseline assessment.
    impute : {"first", "mid", "last", None}
        Imputation of partial TRDTC (ADY is NaN for a partial date without imputation;
        the row is still used, the baseline being found by visit name).
    source : str
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        One row per subject and visit: USUBJID, VISIT, VISITNUM, ADT, ADY, SUMDIAM (mm),
        N_LESIONS, BASE, ABLFL ("Y" on the baseline row), CHG, PCHG (%), FLAGS.

    Raises
    ------
    DataError
        A required column is missing, or TRSTRESN is not numeric.

    Examples
    --------
    >>> tr = pd.DataFrame({"USUBJID": ["1"] * 4, "TRTESTCD": "LDIAM", "TRGRPID": "TARGET",
    ...     "TRLNKID": ["T01", "T02", "T01", "T02"], "TRSTRESN": [30.0, 20.0, 20.0, 15.0],
    ...     "VISIT": ["BASELINE", "BASELINE", "WEEK 6", "WEEK 6"], "VISITNUM": [1, 1, 2, 2],
    ...     "TRDTC": ["2020-01-01"] * 2 + ["2020-02-12"] * 2, "TREVAL": "INVESTIGATOR"})
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2020-01-02"])})
    >>> derive_tumour_change(tr, adsl)[["VISIT", "SUMDIAM", "PCHG"]].values.tolist()
    [['BASELINE', 50.0, 0.0], ['WEEK 6', 35.0, -30.0]]
    """
    check_choice(evaluator, "evaluator", ("INVESTIGATOR", "INDEPENDENT ASSESSOR"))
    check_choice(reference, "reference", ("TRTSDT", "RANDDT"))
    for col in ("USUBJID", "TRTESTCD", "TRSTRESN", "VISIT", "TRDTC"):
        if col not in tr.columns:
            raise DataError(source, f"a table with column {col}", sorted(map(str, tr.columns)))
    for col in ("USUBJID", reference):
        if col not in adsl.columns:
            raise DataError("adsl", f"a table with column {col}", sorted(map(str, adsl.columns)))
    fail_at_first(tr, source, (pd.to_numeric(tr["TRSTRESN"], errors="coerce").isna() & tr["TRSTRESN"].notna())
                  .to_numpy(), "TRSTRESN", "a number")
    frame = tr.reset_index(drop=True)
    num = pd.to_numeric(frame["TRSTRESN"], errors="coerce")
    keep = pd.Series(True, index=frame.index)
    if "TREVAL" in frame:
        keep &= frame["TREVAL"] == evaluator
    if evaluator == "INDEPENDENT ASSESSOR" and "TRACPTFL" in frame:
        keep &= frame["TRACPTFL"] == "Y"
    if "TRGRPID" in frame:
        keep &= frame["TRGRPID"] == "TARGET"
    if "TRSTAT" in frame:
        keep &= ~frame["TRSTAT"].eq("NOT DONE")
    sel = frame.loc[keep].assign(VALUE=num[keep])
    if "VISITNUM" not in sel:
        sel["VISITNUM"] = np.nan
    dates = parse_dtc(frame["TRDTC"], impute=impute, where=f"{source} column TRDTC").loc[sel.index]
    sel["ADT"] = dates["dt"].dt.normalize()
    sel["PARTIAL"] = dates["dtf"].eq("partial")
    keys = ["USUBJID", "VISIT", "VISITNUM"]
    if sel["TRTESTCD"].eq("SUMDIAM").any():
        s = sel.loc[sel["TRTESTCD"] == "SUMDIAM"]
        per = s.groupby(keys, dropna=False).agg(SUMDIAM=("VALUE", "first"), ADT=("ADT", "min"),
                                                PARTIAL=("PARTIAL", "any")).reset_index()
        les = sel.loc[sel["TRTESTCD"].isin(["LDIAM", "DIAMETER"])]
        test = "LDIAM" if les["TRTESTCD"].eq("LDIAM").any() else "DIAMETER"
        n_les = les.loc[les["TRTESTCD"] == test].groupby(keys, dropna=False)["VALUE"].count().rename("N_LESIONS")
        per = per.merge(n_les.reset_index(), on=keys, how="left")
        per["N_MISSING"] = 0
        method = "SUMDIAM"
    else:
        test = "LDIAM" if sel["TRTESTCD"].eq("LDIAM").any() else "DIAMETER"
        les = sel.loc[sel["TRTESTCD"] == test]
        per = les.groupby(keys, dropna=False).agg(
            SUMDIAM=("VALUE", "sum"), N_LESIONS=("VALUE", "count"), N_ROWS=("VALUE", "size"),
            ADT=("ADT", "min"), PARTIAL=("PARTIAL", "any")).reset_index()
        per["N_MISSING"] = per.pop("N_ROWS") - per["N_LESIONS"]
        method = f"sum of {test}"
    ref = pd.DataFrame({"USUBJID": adsl["USUBJID"].to_numpy(),
                        "REFDT": pd.to_datetime(adsl[reference]).dt.normalize().to_numpy()})
    per = per.merge(ref, on="USUBJID", how="left")
    per = per.sort_values(["USUBJID", "VISITNUM", "ADT"], kind="stable").reset_index(drop=True)
    per["ADY"] = (per["ADT"] - per["REFDT"]) / _DAY + 1
    named = per["VISIT"].isin(list(baseline_visits))
    subj = per["USUBJID"]
    first_named = named & (named.astype(int).groupby(subj).cumsum() == 1)
    before = per["ADT"].notna() & per["REFDT"].notna() & (per["ADT"] <= per["REFDT"])
    has_named = named.groupby(subj).transform("any")
    n_before_after = before[::-1].astype(int).groupby(subj[::-1]).cumsum()[::-1]
    last_before = before & (n_before_after == 1)
    ablfl = np.where(has_named, first_named, last_before)
    per["ABLFL"] = np.where(ablfl, "Y", "")
    base = per.loc[ablfl, ["USUBJID", "SUMDIAM", "N_LESIONS", "VISITNUM", "ADT"]].rename(
        columns={"SUMDIAM": "BASE", "N_LESIONS": "BASE_N", "VISITNUM": "BASE_VISITNUM", "ADT": "BASE_ADT"})
    per = per.merge(base, on="USUBJID", how="left")
    incomplete = (per["N_MISSING"] > 0) | (per["N_LESIONS"].notna() & per["BASE_N"].notna()
                                           & (per["N_LESIONS"] < per["BASE_N"]))
    per.loc[incomplete, "SUMDIAM"] = np.nan
    per["CHG"] = per["SUMDIAM"] - per["BASE"]
    with np.errstate(divide="ignore", invalid="ignore"):
        per["PCHG"] = np.where(per["BASE"] > 0, 100.0 * per["CHG"] / per["BASE"], np.nan)
    post_by_visit = per["VISITNUM"].notna() & per["BASE_VISITNUM"].notna() & (per["VISITNUM"] > per["BASE_VISITNUM"])
    post_by_date = per["VISITNUM"].isna() & (per["ADT"] > per["BASE_ADT"])
    per["POSTFL"] = np.where((post_by_visit | post_by_date) & ~ablfl, "Y", "")
    flags = pd.Series("", index=per.index, dtype=object)
    flags[incomplete] += "fewer target lesions measured than at baseline: sum not evaluable; "
    flags[per["BASE"].isna()] += "no baseline sum of diameters; "
    flags[per["BASE"].eq(0)] += "baseline sum is 0: percent change not computable; "
    flags[per["PARTIAL"]] += "partial TRDTC: ADY not computed; "
    per["FLAGS"] = flags.str.rstrip("; ")
    per.attrs["method"] = method
    return per[["USUBJID", "VISIT", "VISITNUM", "ADT", "ADY", "SUMDIAM", "N_LESIONS", "BASE", "ABLFL",
                "POSTFL", "CHG", "PCHG", "FLAGS"]]


def derive_best_percent_change(changes: pd.DataFrame, adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Best (minimum) percent change from baseline in the sum of diameters, per subject.

    Parameters
    ----------
    changes : pandas.DataFrame
        Output of :func:`derive_tumour_change`.
    adsl : pandas.DataFrame, optional
        When given, every ADSL subject gets a row (NaN and a flag when no data).

    Returns
    -------
    pandas.DataFrame
        USUBJID, BASE, BEST_PCHG (%), BEST_VISIT, BEST_ADT, N_POST (evaluable post-baseline
        sums), FLAGS; dose columns of ADSL when given.

    Examples
    --------
    >>> ch = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "VISIT": ["BASELINE", "W6", "W12", "BASELINE"],
    ...     "ADT": pd.to_datetime(["2020-01-01", "2020-02-12", "2020-03-25", "2020-01-01"]),
    ...     "BASE": [50.0, 50.0, 50.0, 40.0], "POSTFL": ["", "Y", "Y", ""], "PCHG": [0.0, -30.0, -10.0, 0.0],
    ...     "FLAGS": ""})
    >>> derive_best_percent_change(ch)[["USUBJID", "BEST_PCHG", "N_POST"]].values.tolist()
    [['1', -30.0, 2], ['2', nan, 0]]
    """
    for col in ("USUBJID", "VISIT", "ADT", "BASE", "POSTFL", "PCHG"):
        if col not in changes.columns:
            raise DataError("changes", f"a table with column {col}", sorted(map(str, changes.columns)))
    post = changes.loc[changes["POSTFL"].eq("Y") & changes["PCHG"].notna()]
    best = post.sort_values(["USUBJID", "PCHG", "ADT"], kind="stable").drop_duplicates("USUBJID")
    best = best[["USUBJID", "PCHG", "VISIT", "ADT"]].rename(
        columns={"PCHG": "BEST_PCHG", "VISIT": "BEST_VISIT", "ADT": "BEST_ADT"})
    n_post = post.groupby("USUBJID").size().rename("N_POST")
    base = changes.groupby("USUBJID", sort=True)["BASE"].first()
    subjects = (adsl[["USUBJID", *[c for c in ("DOSE", "DOSE_GROUP", "DOSE_LEVEL") if c in adsl.columns]]]
                .reset_index(drop=True) if adsl is not None else pd.DataFrame({"USUBJID": base.index}))
    out = subjects.merge(base.reset_index(), on="USUBJID", how="left").merge(best, on="USUBJID", how="left")
    out = out.merge(n_post.reset_index(), on="USUBJID", how="left")
    out["N_POST"] = out["N_POST"].fillna(0).astype(int)
    in_tr = out["USUBJID"].isin(changes["USUBJID"])
    out["FLAGS"] = np.select(
        [~in_tr, out["BASE"].isna(), out["N_POST"].eq(0)],
        ["no tumour measurements", "no baseline sum of diameters", "no evaluable post-baseline sum of diameters"],
        default="")
    return out
