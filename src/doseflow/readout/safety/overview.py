"""Overview of adverse events: subjects with any TEAE, TRAE, high-grade, serious, fatal, discontinuing AE; deaths.

The first safety table of a clinical study report (ICH E3 §12.2.1); the rules for
emergence, relatedness and grade are those of :mod:`doseflow.readout.safety.flags`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from doseflow.readout.groups import group_labels, pooled_population
from doseflow.readout.inputs import upper_text
from doseflow.readout.result import AnalysisResult, format_n_pct
from doseflow.readout.safety.flags import (
    RELATED_VALUES,
    describe_ae_methods,
    grade_column_label,
    select_emergent_events,
)

__all__ = ["AEOverviewResult", "summarise_ae_overview"]


@dataclass(frozen=True)
class AEOverviewResult(AnalysisResult):
    """Overview of adverse events: subjects with any TEAE, TRAE, high grade, serious, fatal, ...

    Attributes
    ----------
    counts : pandas.DataFrame
        One row per category (``category``), one column per group and the pooled column
        ("Overall", or "All active" when there is a placebo group): the number of subjects
        (NaN when the data do not record the category).
    population : pandas.Series
        N per group, with the pooled column last.
    """

    counts: pd.DataFrame
    population: pd.Series
    title: str
    methods: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """Categories as rows, "n (%)" per group; "not recorded" where the data lack the variable."""
        out = pd.DataFrame({"Category": self.counts["category"]})
        for group, n_pop in self.population.items():
            out[f"{group} (N={n_pop})"] = ["not recorded" if pd.isna(n) else format_n_pct(int(n), n_pop)
                                           for n in self.counts[group]]
        return out

    def to_dict(self) -> dict:
        return {"population_n": self.population.to_dict(),
                "categories": {r["category"]: {g: (None if pd.isna(r[g]) else int(r[g])) for g in self.population.index}
                               for _, r in self.counts.iterrows()}}


def _categories(ae: pd.DataFrame, ev: pd.DataFrame, grade_label: str) -> list[tuple[str, pd.Series | None, str]]:
    """The overview's categories: (label, mask over ``ev`` or None when not recorded, source variables)."""
    high = "Grade >= 3" if grade_label == "Grade >= 3" else ("Severe (AESEV)" if grade_label.startswith("Severe")
                                                            else "Grade >= 3 or severe")

    def text(col):
        if col not in ev.columns or upper_text(ae[col]).isna().all():
            return None
        return upper_text(ev[col])

    related = (ev["AERELFL"].astype(str).str.upper() == "Y") if "AERELFL" in ev.columns else None
    aeser, aeout, aesdth, aeacn = text("AESER"), text("AEOUT"), text("AESDTH"), text("AEACN")
    fatal = None
    if aeout is not None or aesdth is not None:
        fatal = pd.Series(False, index=ev.index)
        fatal |= (aeout == "FATAL") if aeout is not None else False
        fatal |= (aesdth == "Y") if aesdth is not None else False
    g3 = ev["AGRADE"] >= 3
    return [
        ("Any TEAE", pd.Series(True, index=ev.index), "TRTEMFL"),
        ("Any TRAE", related, "AEREL"),
        (f"{high} TEAE", g3, "AETOXGR/AESEV"),
        (f"{high} TRAE", None if related is None else g3 & related, "AEREL"),
        ("Serious TEAE", None if aeser is None else aeser == "Y", "AESER"),
        ("Serious TRAE", None if aeser is None or related is None else (aeser == "Y") & related, "AESER/AEREL"),
        ("TEAE leading to death", fatal, "AEOUT/AESDTH"),
        ("TRAE leading to death", None if fatal is None or related is None else fatal & related, "AEOUT/AESDTH/AEREL"),
        ("TEAE leading to treatment discontinuation", None if aeacn is None else aeacn == "DRUG WITHDRAWN", "AEACN"),
    ]


def summarise_ae_overview(
    ae: pd.DataFrame | None,
    adsl: pd.DataFrame,
    *,
    by: str = "DOSE_GROUP",
    window_days: int = 30,
    missing_start: str = "emergent",
    related_values: Iterable[str] = RELATED_VALUES,
    missing_relationship: str = "related",
    unknown_subjects: str = "error",
) -> AEOverviewResult:
    """Subjects with any TEAE, TRAE, grade >= 3, serious, fatal or discontinuing AE, and deaths.

    Parameters
    ----------
    ae, adsl, by, window_days, missing_start, related_values, missing_relationship, unknown_subjects
        As for :func:`doseflow.readout.safety.incidence.tabulate_ae_incidence`. ``ae`` None
        (no AE dataset): every AE category is "not recorded", deaths are still counted.

    Returns
    -------
    AEOverviewResult
        Categories (each counts subjects of the safety population, once):
        any TEAE; any TRAE; grade >= 3 TEAE and TRAE (or "severe" when graded by AESEV);
        serious TEAE and TRAE (AESER "Y"); TEAE and TRAE leading to death (AEOUT "FATAL" or
        AESDTH "Y"); TEAE leading to discontinuation of study treatment (AEACN "DRUG
        WITHDRAWN"); deaths (ADSL DTHDT present, any cause, any time). A category whose
        variable is absent or empty for every AE is NaN ("not recorded"), with a note.

    References
    ----------
    ICH E3 (1995) §12.2.1 (brief summary of adverse events), §12.3 (deaths, other
    serious adverse events). CDISC SDTMIG 3.3, AE (AESER, AEOUT, AESDTH, AEACN).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "DOSE_GROUP": "1.2 mg/kg",
    ...     "DOSE_LEVEL": 1, "TRTSDT": pd.to_datetime(["2022-01-03"] * 2),
    ...     "TRTEDT": pd.to_datetime(["2022-03-01"] * 2), "DTHDT": pd.NaT})
    >>> ae = pd.DataFrame({"USUBJID": ["1"], "AESTDTC": ["2022-01-05"], "AEDECOD": "NAUSEA",
    ...     "AEBODSYS": "GI", "AESEV": "SEVERE", "AEREL": "NONE", "AESER": "N"})
    >>> summarise_ae_overview(ae, adsl).table()["1.2 mg/kg (N=2)"].tolist()[:4]
    ['1 (50.0%)', '0', '1 (50.0%)', '0']
    """
    related_values = tuple(related_values)
    if ae is None:
        notes = ["No AE dataset: the adverse-event categories are not recorded; deaths come from DM."]
        categories = [(label, None, "") for label in ("Any TEAE", "Any TRAE", "Grade >= 3 TEAE", "Grade >= 3 TRAE",
                                                      "Serious TEAE", "Serious TRAE", "TEAE leading to death",
                                                      "TRAE leading to death",
                                                      "TEAE leading to treatment discontinuation")]
        grade_label = "Grade >= 3"
    else:
        ev, notes = select_emergent_events(ae, adsl, by=by, window_days=window_days, missing_start=missing_start,
                                           related_values=related_values, missing_relationship=missing_relationship,
                                           unknown_subjects=unknown_subjects, need_related="AEREL" in ae.columns
                                           or "AERELFL" in ae.columns)
        grade_label = grade_column_label(ev["AGRADESRC"]) if "AGRADESRC" in ev.columns else "Grade >= 3"
        categories = _categories(ae, ev, grade_label)
    population, pool, pooled = pooled_population(adsl, by)
    pop = population.iloc[:-1]
    rows = []
    for label, mask, source in categories:
        if mask is None:
            if source:
                notes.append(f"'{label}' is not recorded: {source} is absent or empty for every AE.")
            counts = {g: np.nan for g in population.index}
        else:
            per = ev.loc[mask.to_numpy(dtype=bool)].groupby("GROUP")["USUBJID"].nunique()
            counts = {g: int(per.get(g, 0)) for g in pop.index}
            counts[pool] = int(sum(counts[g] for g in pooled))
        rows.append({"category": label, **counts})
    if "DTHDT" in adsl.columns:
        safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"]
        dead = safe[pd.to_datetime(safe["DTHDT"]).notna()]
        per = group_labels(dead, by).value_counts()
        counts = {g: int(per.get(g, 0)) for g in pop.index}
        counts[pool] = int(sum(counts[g] for g in pooled))
    else:
        notes.append("'Deaths' is not recorded: ADSL has no DTHDT.")
        counts = {g: np.nan for g in population.index}
    rows.append({"category": "Deaths (any cause)", **counts})
    methods = (describe_ae_methods("TRAE", window_days, missing_start, related_values, missing_relationship, grade_label,
                        None, None)
               + " Serious: AESER 'Y'. Leading to death: AEOUT 'FATAL' or AESDTH 'Y'. Leading to discontinuation: "
               "AEACN 'DRUG WITHDRAWN'. Deaths: ADSL DTHDT (DM.DTHDTC) present, any cause. Categories follow ICH E3 "
               "section 12.2-12.3; each subject is counted once per category.")
    return AEOverviewResult(counts=pd.DataFrame(rows), population=population,
                            title="Overview of adverse events, safety population", methods=methods,
                            notes=tuple(notes))
