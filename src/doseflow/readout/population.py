"""Patient characteristics and exposure per dose group: the first table of a phase I readout.

Reports what a phase Ia abstract states about its population (Lemech et al. 2023, GQ1001):
N per dose level, age, sex, race, tumour types, prior lines of therapy (median and range;
patients with >= 2 prior lines of a class), exposure (median weeks, longest days) and
the number of treatment cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from doseflow.checks import check_choice, check_int
from doseflow.readout.groups import OVERALL, group_labels, population_n
from doseflow.readout.inputs import validate_columns
from doseflow.readout.result import AnalysisResult, format_n_pct

__all__ = ["PopulationResult", "summarise_population", "compute_cycles"]


def compute_cycles(duration_days, cycle_length_days: int = 21) -> np.ndarray:
    """Number of treatment cycles started: ``ceil(duration / cycle length)``; NaN stays NaN.

    A subject treated for days 1-21 of 21-day cycles has 1 cycle; for 22 days, 2 (the
    second cycle began on day 22).

    Examples
    --------
    >>> compute_cycles([1, 21, 22, float("nan")]).tolist()
    [1.0, 1.0, 2.0, nan]
    """
    cycle_length_days = check_int(cycle_length_days, "cycle_length_days", minimum=1)
    return np.ceil(np.asarray(duration_days, dtype=float) / cycle_length_days)


def _median_range(values: pd.Series, fmt: str = "{:g}") -> str:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return "NA"
    return f"{fmt.format(v.median())} ({fmt.format(v.min())}-{fmt.format(v.max())})"


@dataclass(frozen=True)
class PopulationResult(AnalysisResult):
    """Characteristics and exposure per group and overall.

    Attributes
    ----------
    rows : pandas.DataFrame
        Long form: ``characteristic``, ``category`` ("" for summaries), ``group``,
        ``text`` (as printed), ``n`` (count, NaN for summaries), ``value`` (median or
        count as a number, NaN when not computable).
    population : pandas.Series
        N per group with "Overall" last.
    """

    rows: pd.DataFrame
    population: pd.Series
    title: str
    methods: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """Characteristics as rows, one column per group "<group> (N=n)" and Overall."""
        wide = self.rows.pivot_table(index=["characteristic", "category"], columns="group", values="text",
                                     aggfunc="first")
        order = pd.MultiIndex.from_frame(self.rows[["characteristic", "category"]].drop_duplicates())
        wide = wide.reindex(index=order, columns=list(self.population.index))
        wide.columns = [f"{g} (N={n})" for g, n in self.population.items()]
        wide = wide.reset_index().rename(columns={"characteristic": "Characteristic", "category": "Category"})
        return wide.fillna("")

    def to_dict(self) -> dict:
        head = self.rows[self.rows["group"] == OVERALL]
        return {"population_n": self.population.to_dict(),
                "overall": {f"{r.characteristic}{': ' + r.category if r.category else ''}": r.value
                            for r in head.itertuples()}}


def summarise_population(
    adsl: pd.DataFrame,
    *,
    by: str = "DOSE_GROUP",
    population: str | None = "SAFFL",
    cycle_length_days: int = 21,
    prior_class_var: str | None = None,
    prior_class_label: str = "of the drug class",
    exposure_to: str = "last_dose",
) -> PopulationResult:
    """Summarise the population and its exposure per dose group and overall.

    Parameters
    ----------
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl` (AGE, SEX, RACE, TRTDURD, TUMTYPE,
        PRIORLN and ``prior_class_var`` when given).
    by : str
        ADSL column defining the groups (dose order by DOSE_LEVEL).
    population : str or None
        ADSL flag selecting the subjects (default the safety population); None for all.
    cycle_length_days : int, >= 1
        Cycle length for the number of cycles, ``ceil(TRTDURD / cycle_length_days)``.
    exposure_to : {"last_dose", "cycle_end"}
        End of the exposure duration: the last dose (``TRTDURD`` = last - first dose date
        + 1 day, admiral ``derive_var_trtdurd``; default) or the end of the last cycle
        (last - first dose date + ``cycle_length_days``, the usual definition for a drug
        given once per cycle, e.g. every 21 days).
    prior_class_var : str, optional
        ADSL column with the number of prior lines of one drug class (e.g. anti-HER2); adds
        the row "Prior lines {prior_class_label} >= 2".
    prior_class_label : str
        Words naming the class in that row.

    Returns
    -------
    PopulationResult

    Raises
    ------
    DataError
        If ADSL lacks USUBJID, ``by``, the population flag or ``prior_class_var``.

    Notes
    -----
    Median and range (minimum-maximum) for age, prior lines and cycles; counts with the
    percentage of the group's N for categories (ICH E3 §11.2, demographic and baseline
    characteristics). Exposure duration is TRTDURD = last - first dose date + 1 days
    (admiral ``derive_var_trtdurd``), reported as the median in weeks (days / 7) and the
    longest in days. Missing values are excluded from medians and counted in a "Missing"
    category for categorical characteristics.

    References
    ----------
    ICH E3 (1995) §11.2 and §12.1 (extent of exposure). Lemech C et al. AACR 2023,
    abstract CT178 (the figures a phase Ia readout reports).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": "Y", "DOSE_GROUP": ["1.2 mg/kg"] * 3,
    ...     "DOSE_LEVEL": 1, "AGE": [50, 60, 70], "SEX": ["F", "F", "M"], "RACE": "ASIAN",
    ...     "TRTDURD": [21.0, 42.0, 130.0], "TUMTYPE": ["BREAST", "GASTRIC", "BREAST"], "PRIORLN": [0, 3, 11]})
    >>> t = summarise_population(adsl).table()
    >>> t.loc[t["Characteristic"] == "Prior lines of therapy, median (range)", "Overall (N=3)"].item()
    '3 (0-11)'
    """
    cycle_length_days = check_int(cycle_length_days, "cycle_length_days", minimum=1)
    exposure_to = check_choice(exposure_to, "exposure_to", ("last_dose", "cycle_end"))
    extra_days = 0.0 if exposure_to == "last_dose" else cycle_length_days - 1.0
    validate_columns(adsl, "adsl", ("USUBJID", by) + ((population,) if population else ())
                     + ((prior_class_var,) if prior_class_var else ()))
    pop = population_n(adsl, by, population=population)
    subjects = adsl if population is None else adsl[adsl[population].astype(str).str.upper() == "Y"]
    subjects = subjects.assign(_GROUP=group_labels(subjects, by).to_numpy())
    population_all = pd.concat([pop, pd.Series({OVERALL: int(pop.sum())})])
    frames = {g: subjects[subjects["_GROUP"] == g] for g in pop.index}
    frames[OVERALL] = subjects
    notes: list[str] = []
    rows: list[dict] = []

    def add(characteristic, category, group, text, n=np.nan, value=np.nan):
        rows.append({"characteristic": characteristic, "category": category, "group": group, "text": text,
                     "n": n, "value": value})

    def column(name):
        return name in subjects.columns and subjects[name].notna().any()

    def summary(name, label, fmt="{:g}", scale=1.0):
        if not column(name):
            notes.append(f"{label}: {name} not recorded.")
            for g in population_all.index:
                add(label, "", g, "not recorded")
            return
        for g, f in frames.items():
            v = pd.to_numeric(f[name], errors="coerce") * scale
            add(label, "", g, _median_range(v, fmt), value=float(v.median()) if v.notna().any() else np.nan)

    def categories(name, label):
        if not column(name):
            notes.append(f"{label}: {name} not recorded.")
            for g in population_all.index:
                add(label, "", g, "not recorded")
            return
        values = subjects[name].astype("object").where(subjects[name].notna(), "Missing").astype(str)
        counts = values.value_counts()
        levels = sorted(counts.index, key=lambda c: (c == "Missing", -counts[c], c))
        for c in levels:
            for g, f in frames.items():
                n = int((values[f.index] == c).sum())
                add(label, c, g, format_n_pct(n, len(f)), n=n, value=n)

    for g, f in frames.items():
        add("Patients", "", g, str(len(f)), n=len(f), value=len(f))
    summary("AGE", "Age (years), median (range)")
    categories("SEX", "Sex")
    categories("RACE", "Race")
    categories("TUMTYPE", "Tumour type")
    summary("PRIORLN", "Prior lines of therapy, median (range)")
    if prior_class_var:
        for g, f in frames.items():
            v = pd.to_numeric(f[prior_class_var], errors="coerce")
            n = int((v >= 2).sum())
            add(f"Prior lines {prior_class_label} >= 2", "", g, format_n_pct(n, len(f)), n=n, value=n)
        if subjects[prior_class_var].isna().any():
            notes.append(f"{int(subjects[prior_class_var].isna().sum())} subject(s) without {prior_class_var} are "
                         "counted as having fewer than 2 prior lines of the class.")
    if column("TRTDURD"):
        for g, f in frames.items():
            d = pd.to_numeric(f["TRTDURD"], errors="coerce") + extra_days
            add("Exposure (weeks), median", "", g, "NA" if d.isna().all() else f"{d.median() / 7:.1f}",
                value=float(d.median() / 7) if d.notna().any() else np.nan)
        for g, f in frames.items():
            d = pd.to_numeric(f["TRTDURD"], errors="coerce") + extra_days
            add("Longest exposure (days)", "", g, "NA" if d.isna().all() else f"{d.max():g}",
                value=float(d.max()) if d.notna().any() else np.nan)
        for g, f in frames.items():
            c = pd.Series(compute_cycles(pd.to_numeric(f["TRTDURD"], errors="coerce"), cycle_length_days))
            add(f"Cycles ({cycle_length_days} days), median (range)", "", g, _median_range(c),
                value=float(c.median()) if c.notna().any() else np.nan)
    else:
        notes.append("Exposure: TRTDURD not recorded.")
    methods = ("Patients of the " + ("safety population (at least one dose; admiral ADSL SAFFL)" if population ==
               "SAFFL" else (f"population {population} = 'Y'" if population else "study"))
               + " by dose group and overall. Medians with range (minimum-maximum); categories as n (% of the "
               "group). Exposure duration: " + ("last minus first dose date plus 1 day (admiral derive_var_trtdurd)"
                                                if exposure_to == "last_dose" else
                                                f"last minus first dose date plus the {cycle_length_days}-day cycle "
                                                "(to the end of the last cycle)") + ", median "
               f"in weeks (days/7) and longest in days; cycles started: ceil(duration / {cycle_length_days} days). "
               "Characteristics as in ICH E3 section 11.2 and 12.1.")
    if population is None:
        notes.append("All DM subjects are summarised, including any not treated.")
    return PopulationResult(rows=pd.DataFrame(rows), population=population_all,
                            title="Patient characteristics and exposure", methods=methods, notes=tuple(notes))
