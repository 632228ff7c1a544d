"""Objective response rate (ORR) and disease control rate (DCR) with exact confidence intervals.

ORR is the proportion of subjects whose best overall response is CR or PR; DCR the
proportion with CR, PR or SD (and NON-CR/NON-PD, the SD analogue for subjects with
non-measurable disease only), RECIST 1.1 (Eisenhauer et al. 2009, Eur J Cancer 45:228-247,
sec. 4.4 and sec. 5.4 "reporting of results": every subject of the analysis population is
in the denominator, unassessed subjects counting as non-responders).

Intervals are the exact binomial interval of Clopper and Pearson (1934, Biometrika 26:404-413),
:func:`doseflow.readout.binomial.compute_clopper_pearson`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from doseflow.checks import check_choice, check_probability
from doseflow.errors import ConfigError, DataError
from doseflow.readout.efficacy.recist import BestOverallResponse
from doseflow.readout.result import AnalysisResult

from doseflow.readout.binomial import compute_clopper_pearson

__all__ = ["ResponseRates", "tabulate_response_rates"]


@dataclass(frozen=True)
class ResponseRates(AnalysisResult):
    """ORR and DCR per dose group and overall.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per group (dose groups by DOSE_LEVEL, then the pooled row, "Overall" or
        "All active" without placebo): GROUP, N, counts
        of each BOR category, ORR_N, ORR, ORR_LCL, ORR_UCL, DCR_N, DCR, DCR_LCL, DCR_UCL
        (proportions in [0, 1]; NaN with FLAGS when N = 0).
    subjects : pandas.DataFrame
        The BOR rows of the analysis population.
    """

    data: pd.DataFrame
    subjects: pd.DataFrame
    settings: dict[str, Any]
    title: str = "Objective response and disease control rates"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """Presentation table: N, ORR and DCR as "n (x%) [lcl%, ucl%]" per group."""
        d = self.data
        conf = int(round(100 * (1 - self.settings["alpha"])))

        def fmt(n: pd.Series, p: pd.Series, lo: pd.Series, hi: pd.Series) -> list[str]:
            return ["NE" if np.isnan(pp) else f"{int(k)} ({100 * pp:.1f}%) [{100 * a:.1f}%, {100 * b:.1f}%]"
                    for k, pp, a, b in zip(n, p, lo, hi)]

        return pd.DataFrame({
            "Group": d["GROUP"], "N": d["N"],
            f"ORR n (%) [{conf}% CI]": fmt(d["ORR_N"], d["ORR"], d["ORR_LCL"], d["ORR_UCL"]),
            f"DCR n (%) [{conf}% CI]": fmt(d["DCR_N"], d["DCR"], d["DCR_LCL"], d["DCR_UCL"]),
        })

    def to_dict(self) -> dict[str, Any]:
        """Settings and one record per group."""
        return {"settings": {k: v for k, v in self.settings.items() if k != "population"},
                "groups": self.data.to_dict(orient="records")}


def tabulate_response_rates(
    bor: BestOverallResponse | pd.DataFrame,
    adsl: pd.DataFrame | None = None,
    *,
    population: Callable[[pd.DataFrame], Any] | None = None,
    evaluable: Literal["all", "assessed"] = "all",
    by: str | None = "DOSE_GROUP",
    dcr_includes_non_cr_non_pd: bool = True,
    alpha: float = 0.05,
    placebo: Iterable[str] = (),
) -> ResponseRates:
    """ORR = (CR + PR) / N and DCR = (CR + PR + SD [+ NON-CR/NON-PD]) / N, exact CIs.

    Parameters
    ----------
    bor : BestOverallResponse or pandas.DataFrame
        Output of :func:`~doseflow.readout.efficacy.recist.derive_best_overall_response`
        (or its ``.data``): USUBJID, AVALC, N_ASSESS and the grouping column.
    adsl : pandas.DataFrame, optional
        Subject-level data passed to ``population``; default: ``bor`` itself.
    population : callable, optional
        ``population(adsl)`` returns a boolean mask of the analysis population, e.g.
        ``lambda adsl: adsl.DOSE >= 7.2``. Default: every subject.
    evaluable : {"all", "assessed"}
        ``"assessed"`` keeps only subjects with at least one usable post-baseline
        overall response (N_ASSESS >= 1), the usual "response-evaluable" set.
    by : str or None
        Grouping column (default DOSE_GROUP, ordered by DOSE_LEVEL when present); None
        gives the overall row only.
    dcr_includes_non_cr_non_pd : bool
        Count NON-CR/NON-PD in DCR (RECIST 1.1 treats it as SD for non-measurable disease).
    alpha : float
        1 - confidence level of the Clopper-Pearson interval.
    placebo : iterable of str
        Groups shown but not pooled: the last row pools the other groups, labelled "All
        active" (placebo-controlled trials pool their active arms), instead of "Overall".

    Returns
    -------
    ResponseRates

    Raises
    ------
    ConfigError
        Bad option; ``population`` does not return one boolean per subject.
    DataError
        A required column is missing or a subject of the population has no BOR.

    Examples
    --------
    >>> bor = pd.DataFrame({"USUBJID": list("abcde"), "AVALC": ["PR", "PR", "SD", "PD", "NE"],
    ...                     "N_ASSESS": [3, 2, 2, 1, 1]})
    >>> r = tabulate_response_rates(bor, by=None)
    >>> r.data[["GROUP", "N", "ORR_N", "DCR_N"]].values.tolist()
    [['Overall', 5, 2, 3]]
    """
    check_choice(evaluable, "evaluable", ("all", "assessed"))
    alpha = check_probability(alpha, "alpha")
    data = bor.data if isinstance(bor, BestOverallResponse) else bor
    for col in ("USUBJID", "AVALC", *(("N_ASSESS",) if evaluable == "assessed" else ()), *((by,) if by else ())):
        if col not in data.columns:
            raise DataError("bor", f"a table with column {col}", sorted(map(str, data.columns)))
    subjects = data
    notes: list[str] = []
    if population is not None:
        frame = adsl if adsl is not None else data
        mask = population(frame)
        mask = pd.Series(np.asarray(mask), index=frame.index) if not isinstance(mask, pd.Series) else mask
        if len(mask) != len(frame) or mask.dtype != bool:
            raise ConfigError("population", "a function returning one True/False per adsl row",
                              getattr(mask, "dtype", type(mask)))
        ids = frame.loc[mask.to_numpy(), "USUBJID"]
        missing = ~ids.isin(data["USUBJID"])
        if missing.any():
            raise DataError("bor", "a row for every subject of the population", ids[missing].iloc[0],
                            "Derive BOR from the same adsl.")
        subjects = data.loc[data["USUBJID"].isin(ids)]
    if evaluable == "assessed":
        n_before = len(subjects)
        subjects = subjects.loc[subjects["N_ASSESS"] >= 1]
        if n_before > len(subjects):
            notes.append(f"{n_before - len(subjects)} subject(s) without a post-baseline assessment left out "
                         "(evaluable='assessed').")
    dcr_set = ["CR", "PR", "SD"] + (["NON-CR/NON-PD"] if dcr_includes_non_cr_non_pd else [])
    groups: list[tuple[str, pd.DataFrame]] = []
    placebo = {str(g) for g in placebo}
    pooled, label = subjects, "Overall"
    if by:
        key = subjects.dropna(subset=[by]).drop_duplicates(by)
        key = key.sort_values("DOSE_LEVEL" if "DOSE_LEVEL" in key and by == "DOSE_GROUP" else by)
        groups = [(str(g), subjects.loc[subjects[by] == g]) for g in key[by]]
        if subjects[by].isna().any():
            notes.append(f"{int(subjects[by].isna().sum())} subject(s) without {by} counted in Overall only.")
        if placebo & {name for name, _ in groups}:
            pooled, label = subjects.loc[~subjects[by].astype(str).isin(placebo)], "All active"
    groups.append((label, pooled))
    rows = []
    for name, g in groups:
        counts = g["AVALC"].value_counts()
        rows.append({"GROUP": name, "N": len(g),
                     **{c: int(counts.get(c, 0)) for c in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")},
                     "ORR_N": int(g["AVALC"].isin(["CR", "PR"]).sum()),
                     "DCR_N": int(g["AVALC"].isin(dcr_set).sum())})
    out = pd.DataFrame(rows)
    n = out["N"].to_numpy()
    for k in ("ORR", "DCR"):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(n > 0, out[f"{k}_N"] / np.where(n > 0, n, 1), np.nan)
        lo, hi = compute_clopper_pearson(out[f"{k}_N"].to_numpy(), n, alpha=alpha)
        out[f"{k}_LCL"], out[f"{k}_UCL"] = lo, hi
    out["FLAGS"] = np.where(n == 0, "no subjects: rates not estimable", "")
    conf = 100 * (1 - alpha)
    methods = (f"ORR = (CR + PR) / N and DCR = (CR + PR + SD{' + NON-CR/NON-PD' if dcr_includes_non_cr_non_pd else ''})"
               f" / N (RECIST 1.1, Eisenhauer 2009); {conf:g}% exact Clopper-Pearson intervals (Clopper and "
               f"Pearson 1934). Population: {'all subjects' if population is None else 'user-defined subset'}"
               f"{', with >= 1 post-baseline assessment' if evaluable == 'assessed' else ''}.")
    settings = {"population": population, "evaluable": evaluable, "by": by, "alpha": alpha,
                "dcr_includes_non_cr_non_pd": dcr_includes_non_cr_non_pd}
    return ResponseRates(data=out, subjects=subjects.reset_index(drop=True), settings=settings,
                         methods=methods, notes=tuple(notes))
