"""Dose groups: who is in which group, in what order, which group is placebo, and the dose plan.

Every readout table is laid out by the dose group of ADSL (``DOSE_GROUP``, ordered by
``DOSE_LEVEL``). :func:`assign_dose_groups` decides the groups once, when ADSL is derived;
the other functions read them back.

The rule (``dose_by="auto"``, the default; CDISC ADaM IG v1.3 sec. 3.2: tables are by actual
treatment, TRT01A, which SDTM records as the actual arm ACTARM):

1. The group of a treated subject is its actual arm (DM.ACTARM; DM.ARM when ACTARM is empty).
   The *assigned dose* of an arm is the first dose (EXDOSE of the first valid EX record) most
   of its subjects received (the lower one on a tie).
2. When the arms are dose levels (an escalation trial: every arm's assigned dose differs from
   the others'), the group is the dose level: labelled by its dose ("1.2 mg/kg"; "Placebo"
   for a placebo arm), with that dose as DOSE. A subject whose first dose differs from its
   arm's assigned dose stays in its arm (assigned, not received) and is counted in the notes.
3. When every subject is in one arm (an escalation trial whose arm does not code the level),
   the group is the subject's first dose (the dose it was enrolled at).
4. Otherwise (arms that share a first dose, e.g. a high-dose arm titrated up from the
   low dose), the groups are the arms, labelled by their names; DOSE is the subject's largest
   dose and orders the arms with their assigned doses.

Placebo: a group whose treated subjects all received only placebo doses (EXDOSE 0 of an EXTRT
naming placebo). Pooled figures ("Overall" of a table) pool every group without placebo
(:data:`ALL_ACTIVE`, "All active") when a placebo group exists, as the active arms of a
placebo-controlled trial are pooled; with no placebo group they pool every group (:data:`OVERALL`).

References
----------
CDISC ADaM Implementation Guide v1.3 (2021), sec. 3.2 (TRT01A/TRT01P, actual and planned
treatment). ICH E3 (1995), sec. 12.2 (displays by treatment group). Storer BE (1989),
Biometrics 45:925-937 (dose levels of an escalation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.core import DoseLevel, DosePlan
from doseflow.readout.inputs import validate_columns

__all__ = [
    "OVERALL",
    "ALL_ACTIVE",
    "PLACEBO",
    "DOSE_BY",
    "format_dose",
    "assign_dose_groups",
    "group_labels",
    "population_n",
    "placebo_groups",
    "pooled_label",
    "pooled_population",
    "compute_dose_plan",
]

OVERALL = "Overall"
ALL_ACTIVE = "All active"
PLACEBO = "Placebo"
DOSE_BY = ("auto", "first_dose", "max_dose", "arm")


def format_dose(dose: float, unit: object) -> str:
    """``1.2, "mg/kg"`` -> ``"1.2 mg/kg"`` (no unit when it is missing)."""
    unit = "" if unit is None or (isinstance(unit, float) and np.isnan(unit)) else str(unit)
    return f"{dose:g} {unit}".strip()


def _mode(values: pd.Series) -> float:
    """Most frequent value, the lowest on a tie."""
    counts = values.value_counts()
    return float(min(counts.index[counts == counts.max()]))


def assign_dose_groups(subjects: pd.DataFrame, dose_by: str = "auto"
                       ) -> tuple[pd.DataFrame, str, list[str], DosePlan | None]:
    """Dose group, dose and level of each treated subject by the rule of the module docstring.

    Parameters
    ----------
    subjects : pandas.DataFrame
        One row per treated subject: ``arm`` (ACTARM, ARM where missing), ``first``
        (first valid dose), ``max`` (largest valid dose), ``unit`` and ``placebo`` (True
        when every valid dose was placebo).
    dose_by : {"auto", "first_dose", "max_dose", "arm"}
        ``"auto"``: the rule of the module docstring; the others force one of its branches:
        the first dose, the largest dose, or the arm.

    Returns
    -------
    (pandas.DataFrame, str, list of str, DosePlan or None)
        ``DOSE``, ``DOSE_GROUP`` and ``DOSE_LEVEL`` (1-based, placebo first, then by dose)
        indexed like ``subjects``; the rule applied, as a sentence for the methods; notes;
        the dose plan of the active groups when they are dose levels (None for arms).

    Examples
    --------
    >>> s = pd.DataFrame({"arm": ["Placebo", "Low", "High", "High"], "first": [0.0, 54, 54, 54],
    ...                   "max": [0.0, 54, 81, 81], "unit": "mg", "placebo": [True, False, False, False]})
    >>> out, rule, _, plan = assign_dose_groups(s)
    >>> out["DOSE_GROUP"].tolist(), out["DOSE_LEVEL"].tolist(), plan is None
    (['Placebo', 'Low', 'High', 'High'], [1, 2, 3, 3], True)
    """
    notes: list[str] = []
    out = pd.DataFrame(index=subjects.index, columns=["DOSE", "DOSE_GROUP"], dtype=object)
    if subjects.empty:
        out["DOSE"] = out["DOSE"].astype(float)
        out["DOSE_LEVEL"] = pd.array([], dtype="Int64")
        return out, "no treated subject", notes, None
    arm = subjects["arm"].astype("object").where(subjects["arm"].notna(), "(no arm)").astype(str)
    assigned = subjects.groupby(arm)["first"].agg(_mode)
    mode = dose_by
    if dose_by == "auto":
        mode = "first_dose" if len(assigned) == 1 else ("arm_dose" if assigned.is_unique else "arm")
    if mode in ("first_dose", "max_dose"):
        dose = subjects["first" if mode == "first_dose" else "max"].astype(float)
        labels = [PLACEBO if p and d == 0 else format_dose(d, u)
                  for d, u, p in zip(dose, subjects["unit"], subjects["placebo"])]
        rule = ("the dose of the subject's first valid EX record (the dose it was enrolled at)" if mode == "first_dose"
                else "the subject's largest valid EXDOSE")
    elif mode == "arm_dose":
        dose = arm.map(assigned).astype(float)
        placebo_arm = subjects.groupby(arm)["placebo"].all()
        labels = [PLACEBO if placebo_arm[a] else format_dose(d, u) for a, d, u in zip(arm, dose, subjects["unit"])]
        off = subjects["first"].to_numpy(dtype=float) != dose.to_numpy()
        if off.any():
            notes.append(f"{int(off.sum())} subject(s) received a first dose other than their arm's dose and are "
                         "grouped by their arm (the dose level assigned): " + ", ".join(
                             f"{i} ({format_dose(f, u)} in {a})" for i, f, u, a in
                             zip(subjects.index[off][:10], subjects["first"][off], subjects["unit"][off], arm[off]))
                         + (" ..." if off.sum() > 10 else "") + ".")
        rule = ("the dose level of the subject's actual arm (DM.ACTARM): each arm is one dose level, the first dose "
                "most of its subjects received")
    else:
        dose = subjects["max"].astype(float)
        labels = list(arm)
        rule = "the actual arm (DM.ACTARM, ARM where ACTARM is empty)"
        if dose_by == "auto" and len(assigned) > 1:
            shared = assigned[assigned.duplicated(keep=False)]
            rule += (f" (arms {', '.join(shared.index)} share the first dose "
                     f"{format_dose(shared.iloc[0], subjects['unit'].dropna().iloc[0] if subjects['unit'].notna().any() else '')}"
                     ", so they are not dose levels)")
    out["DOSE"] = dose.to_numpy(dtype=float)
    out["DOSE_GROUP"] = labels
    # order: placebo first, then the group's assigned (most common) defining dose, then its largest dose, then label
    key = pd.DataFrame({"group": labels, "dose": dose.to_numpy(dtype=float), "first": subjects["first"].to_numpy(),
                        "placebo": subjects["placebo"].to_numpy()}, index=subjects.index)
    per = key.groupby("group").agg(placebo=("placebo", "all"), first=("first", _mode), dose=("dose", _mode))
    order = sorted(per.index, key=lambda g: (not per.loc[g, "placebo"], per.loc[g, "first"], per.loc[g, "dose"], g))
    out["DOSE_LEVEL"] = pd.Series(labels, index=subjects.index).map(
        {g: i for i, g in enumerate(order, start=1)}).astype("Int64")
    plan = None if mode == "arm" else _plan(out.assign(DOSEU=subjects["unit"].to_numpy()),
                                           {g for g in per.index if per.loc[g, "placebo"]})
    return out, rule, notes, plan


def group_labels(adsl: pd.DataFrame, by: str) -> pd.Series:
    """The group label of each ADSL row as text; missing labels become "Missing"."""
    labels = adsl[by].astype("object")
    return labels.where(labels.notna(), "Missing").astype(str)


def population_n(adsl: pd.DataFrame, by: str = "DOSE_GROUP", *, population: str | None = "SAFFL") -> pd.Series:
    """Subjects per group of a population (default the safety population), in dose order.

    Parameters
    ----------
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl`.
    by : str
        ADSL column defining the groups. Groups are ordered by their lowest DOSE_LEVEL
        when ADSL has DOSE_LEVEL, then by label; a missing label is shown as "Missing".
    population : str or None
        ADSL flag column selecting the subjects (value "Y"); None for all subjects.

    Returns
    -------
    pandas.Series
        Number of subjects, indexed by group label (str), in display order.

    Raises
    ------
    DataError
        If ``by`` or ``population`` is not a column of ADSL.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abcd"), "SAFFL": ["Y", "Y", "Y", "N"],
    ...                      "DOSE_GROUP": ["2.4 mg/kg", "1.2 mg/kg", "2.4 mg/kg", None],
    ...                      "DOSE_LEVEL": [2, 1, 2, None]})
    >>> population_n(adsl).to_dict()
    {'1.2 mg/kg': 1, '2.4 mg/kg': 2}
    """
    validate_columns(adsl, "adsl", ("USUBJID", by) + ((population,) if population else ()))
    rows = adsl if population is None else adsl[adsl[population].astype(str).str.upper() == "Y"]
    labels = group_labels(rows, by)
    counts = labels.value_counts(sort=False)
    if "DOSE_LEVEL" in rows.columns:
        level = pd.to_numeric(rows["DOSE_LEVEL"], errors="coerce").groupby(labels.to_numpy()).min()
        order = sorted(counts.index, key=lambda g: (np.inf if pd.isna(level.get(g)) else level.get(g), g))
    else:
        order = sorted(counts.index)
    return counts.reindex(order).astype(int).rename("N")


def placebo_groups(adsl: pd.DataFrame, by: str = "DOSE_GROUP") -> set[str]:
    """Labels of the groups whose treated subjects all received placebo (label "Placebo" or DOSE 0).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": "Y", "DOSE_GROUP": ["Placebo", "Low", "Low"],
    ...                      "DOSE": [0.0, 54.0, 54.0]})
    >>> placebo_groups(adsl)
    {'Placebo'}
    """
    safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"] if "SAFFL" in adsl.columns else adsl
    labels = group_labels(safe, by)
    zero = safe["DOSE"].eq(0) if "DOSE" in safe.columns else pd.Series(False, index=safe.index)
    flag = labels.eq(PLACEBO) | zero
    per = flag.groupby(labels.to_numpy()).all()
    return {str(g) for g, v in per.items() if v}


def pooled_label(groups, placebo: set[str]) -> str:
    """"All active" when some of ``groups`` are placebo (they are left out of the pool), else "Overall"."""
    return ALL_ACTIVE if placebo & {str(g) for g in groups} else OVERALL


def pooled_population(adsl: pd.DataFrame, by: str = "DOSE_GROUP", *,
                      population: str | None = "SAFFL") -> tuple[pd.Series, str, list[str]]:
    """N per group with the pooled column last, its label, and the groups it pools.

    The pool is every group but placebo ("All active") when a placebo group exists, else every
    group ("Overall"); see the module docstring.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": "Y", "DOSE_GROUP": ["Placebo", "Low", "High"],
    ...                      "DOSE_LEVEL": [1, 2, 3], "DOSE": [0.0, 54.0, 81.0]})
    >>> n, label, pooled = pooled_population(adsl)
    >>> n.to_dict(), label, pooled
    ({'Placebo': 1, 'Low': 1, 'High': 1, 'All active': 2}, 'All active', ['Low', 'High'])
    """
    pop = population_n(adsl, by, population=population)
    placebo = placebo_groups(adsl, by)
    label = pooled_label(pop.index, placebo)
    pooled = [str(g) for g in pop.index if str(g) not in placebo]
    return pd.concat([pop, pd.Series({label: int(pop[pooled].sum())})]).rename("N"), label, pooled


def _plan(treated: pd.DataFrame, placebo: set[str], by: str = "DOSE_GROUP") -> DosePlan | None:
    """The dose plan of the non-placebo groups of ``treated`` when each has one DOSE, increasing with DOSE_LEVEL."""
    active = treated[~group_labels(treated, by).isin(placebo)]
    if active.empty or active["DOSE"].isna().any():
        return None
    unit = active["DOSEU"].astype("object").where(active["DOSEU"].notna(), "") if "DOSEU" in active else ""
    per = active.assign(_unit=unit).groupby(group_labels(active, by).to_numpy()).agg(
        n_dose=("DOSE", "nunique"), dose=("DOSE", "first"), unit=("_unit", "first"), level=("DOSE_LEVEL", "min"))
    if (per["n_dose"] > 1).any():
        return None
    per = per.sort_values("level")
    if not (np.diff(per["dose"].to_numpy(dtype=float)) > 0).all():
        return None
    return DosePlan(tuple(DoseLevel(str(g), float(r.dose), str(r.unit)) for g, r in per.iterrows()))


def compute_dose_plan(adsl: pd.DataFrame, by: str = "DOSE_GROUP") -> DosePlan | None:
    """The dose plan of the active groups when they are dose levels; None for arms that are not.

    ADSL from :func:`~doseflow.readout.adsl.derive_adsl` carries the plan its groups were
    assigned with (``attrs["dose_plan"]``: None when the groups are arms). Otherwise (an ADaM
    ADSL, a frame built by hand) a group is a dose level when every treated subject in it
    has the same DOSE (and unit) and the doses of the groups increase with DOSE_LEVEL; the
    levels keep the group labels.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": "Y", "DOSE_GROUP": ["1.2 mg/kg", "2.4 mg/kg", "2.4 mg/kg"],
    ...                      "DOSE_LEVEL": [1, 2, 2], "DOSE": [1.2, 2.4, 2.4], "DOSEU": "mg/kg"})
    >>> [str(level) for level in compute_dose_plan(adsl)]
    ['1.2 mg/kg', '2.4 mg/kg']
    """
    if "dose_plan" in adsl.attrs:
        return adsl.attrs["dose_plan"]
    safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"]
    return _plan(safe, placebo_groups(adsl, by), by)
