"""Laboratory shift tables (CTCAE v5.0 grade at baseline vs worst grade on treatment) and incidence.

Grades come from :func:`doseflow.standards.ctcae.grade_lab` on LBSTRESN with the normal range
LBSTNRLO/LBSTNRHI as LLN/ULN. Absolute CTCAE thresholds (platelets, neutrophils, white cells,
haemoglobin) need the SDTM standard unit of :data:`doseflow.standards.ctcae.LAB_CRITERIA`; other units
are converted by :data:`UNIT_FACTORS` or, when unknown, the value is left ungraded and noted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_int
from doseflow.standards.ctcae import LAB_CRITERIA, grade_lab
from doseflow.errors import ConfigError
from doseflow.readout.groups import group_labels, pooled_population
from doseflow.readout.inputs import calendar_date, upper_text, validate_columns, validate_numeric
from doseflow.readout.result import AnalysisResult, format_n_pct

__all__ = ["TEST_ALIASES", "UNIT_FACTORS", "LabShiftResult", "tabulate_lab_shift"]

#: SDTM LBTESTCD values mapped to the codes of :data:`doseflow.standards.ctcae.LAB_CRITERIA`
#: (CDISC CT codes platelets "PLAT"; ANC is a common sponsor code for neutrophils).
TEST_ALIASES: dict[str, str] = {"PLAT": "PLT", "ANC": "NEUT"}

_COUNT_UNITS = {"10^9/L": 1.0, "10*9/L": 1.0, "10E9/L": 1.0, "X10^9/L": 1.0, "X10E9/L": 1.0, "GI/L": 1.0,
                "10^3/UL": 1.0, "10*3/UL": 1.0, "THOU/UL": 1.0, "K/UL": 1.0, "/NL": 1.0}
#: Factors converting a unit (upper case) to the CTCAE unit of each absolute-threshold test.
#: GI/L (giga per litre) is 10^9/L; 10^3/uL equals 10^9/L. Haemoglobin: g/dL x 10 = g/L;
#: mmol/L (monomer, 16 114.5 g/mol) x 16.1145 = g/L (Young 1987, SI conversion tables).
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "PLT": _COUNT_UNITS, "NEUT": _COUNT_UNITS, "WBC": _COUNT_UNITS,
    "HGB": {"G/L": 1.0, "G/DL": 10.0, "MMOL/L": 16.1145},
}
GRADES = ("0", "1", "2", "3", "4", "Missing")


@dataclass(frozen=True)
class LabShiftResult(AnalysisResult):
    """CTCAE grade shift (baseline vs worst post-baseline) and worst-grade incidence per test and group.

    Attributes
    ----------
    shift : pandas.DataFrame
        Long form: ``test``, ``group``, ``baseline`` and ``worst`` (grade "0"-"4" or
        "Missing"), ``n`` subjects, ``N`` safety population of the group. Every subject of
        the group appears once per test.
    incidence : pandas.DataFrame
        ``test``, ``term`` (CTCAE term), ``group`` (each group, then the pooled "Overall", or
        "All active" without placebo), ``N_evaluable`` (subjects with a graded
        post-baseline value), ``grade_1``..``grade_4`` (subjects by worst grade),
        ``any_grade`` (worst >= 1), ``grade_3_4`` (worst >= 3).
    """

    shift: pd.DataFrame
    incidence: pd.DataFrame
    title: str
    methods: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """Shift table: per test, group and baseline grade, subjects by worst post-baseline grade, n (%)."""
        wide = self.shift.pivot_table(index=["test", "group", "baseline"], columns="worst", values="n",
                                      aggfunc="sum", fill_value=0)
        order = pd.MultiIndex.from_frame(self.shift[["test", "group", "baseline"]].drop_duplicates())
        wide = wide.reindex(index=order, columns=list(GRADES), fill_value=0)
        n_pop = self.shift.groupby(["test", "group"], sort=False)["N"].first()
        rows = []
        for (test, group, base), r in wide.iterrows():
            N = int(n_pop[(test, group)])
            row = {"Test": test, "Dose group": f"{group} (N={N})", "Baseline grade": base}
            row.update({f"Worst post-baseline grade {g}": format_n_pct(int(r[g]), N) for g in GRADES})
            row["Total"] = format_n_pct(int(r.sum()), N)
            rows.append(row)
        return pd.DataFrame(rows)

    def incidence_table(self) -> pd.DataFrame:
        """Worst post-baseline CTCAE grade per test and group: n (%) of evaluable subjects."""
        inc = self.incidence
        out = pd.DataFrame({"CTCAE term": inc["term"], "Dose group": inc["group"],
                            "Evaluable": inc["N_evaluable"]})
        for col, label in (("any_grade", "Any grade"), ("grade_1", "Grade 1"), ("grade_2", "Grade 2"),
                           ("grade_3", "Grade 3"), ("grade_4", "Grade 4"), ("grade_3_4", "Grade 3-4")):
            out[label] = [format_n_pct(int(n), int(d)) for n, d in zip(inc[col], inc["N_evaluable"])]
        return out

    def to_dict(self) -> dict:
        return {"incidence": self.incidence.to_dict(orient="records")}


def _post_grade_missing_reason(test: str, value, lln, uln, grade) -> np.ndarray:
    """Where a grade cannot be computed although the value exists (NaN grade)."""
    crit = LAB_CRITERIA[test]
    value = np.asarray(value, dtype=float)
    if crit.direction == "high":
        return np.isfinite(value) & ~np.isfinite(np.asarray(uln, dtype=float))
    # without the LLN a value above the grade-2 edge may be grade 0 or 1
    return np.isfinite(value) & ~np.isfinite(np.asarray(lln, dtype=float)) & (value >= crit.thresholds[0])


def tabulate_lab_shift(
    lb: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    tests: Sequence[str] = ("PLT", "AST", "ALT"),
    by: str = "DOSE_GROUP",
    window_days: int | None = 30,
    abnormal_baseline: bool = True,
    aliases: Mapping[str, str] = TEST_ALIASES,
) -> LabShiftResult:
    """CTCAE v5.0 grade at baseline vs worst post-baseline grade, per test and dose group.

    Parameters
    ----------
    lb : pandas.DataFrame
        SDTM LB: USUBJID, LBTESTCD, LBSTRESN, LBSTRESU, LBSTNRLO, LBSTNRHI, LBDTC; LBBLFL
        used when present.
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl` (SAFFL, TRTSDT, TRTEDT, ``by``).
    tests : sequence of str
        Codes of :data:`doseflow.standards.ctcae.LAB_CRITERIA` (PLT, NEUT, WBC, HGB, AST, ALT, ALP,
        BILI); data codes are matched through ``aliases`` (PLAT is PLT).
    by : str
        ADSL column defining the groups.
    window_days : int or None
        Post-baseline values count from the day after TRTSDT to TRTEDT + ``window_days``
        (None: no upper limit).
    abnormal_baseline : bool
        Grade post-baseline AST, ALT, ALP and bilirubin by CTCAE v5.0's "if baseline was
        abnormal" criteria (multiples of baseline) when the baseline is above the ULN.
    aliases : mapping
        LBTESTCD in the data -> CTCAE code.

    Returns
    -------
    LabShiftResult

    Raises
    ------
    DataError
        Missing variables, numbers that are not numbers, bad dates.
    ConfigError
        A test with no CTCAE criterion in :data:`doseflow.standards.ctcae.LAB_CRITERIA`.

    Notes
    -----
    Baseline: the value flagged LBBLFL "Y" (the latest if several); without one, the last
    value dated on or before the first-dose day (admiral ``derive_var_extreme_flag`` with
    ``mode = "last"``, ADaM IG 1.3 §4.2 ABLFL). Post-baseline: values dated after the
    first-dose day up to TRTEDT + ``window_days``; the worst is the highest CTCAE grade.
    Percentages in the shift table use the safety population of the group, so each row
    block sums to N (subjects without a value are "Missing"); the incidence uses subjects
    with at least one graded post-baseline value.

    References
    ----------
    NCI CTCAE v5.0, 2017 (Investigations; Blood and lymphatic system disorders). CDISC
    ADaM IG 1.3, 2021 (ABLFL, shift tables BNRIND/ANRIND). Young DS. Implementation of SI
    units for clinical laboratory data. Ann Intern Med 1987;106:114-29.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "SAFFL": "Y", "DOSE_GROUP": "1.2 mg/kg", "DOSE_LEVEL": 1,
    ...     "TRTSDT": pd.to_datetime(["2022-01-03"]), "TRTEDT": pd.to_datetime(["2022-02-01"])})
    >>> lb = pd.DataFrame({"USUBJID": "1", "LBTESTCD": "PLAT", "LBSTRESN": [200.0, 60.0, 120.0],
    ...     "LBSTRESU": "GI/L", "LBSTNRLO": 130.0, "LBSTNRHI": 394.0,
    ...     "LBDTC": ["2022-01-01", "2022-01-10", "2022-01-17"]})
    >>> res = tabulate_lab_shift(lb, adsl, tests=["PLT"])
    >>> res.shift.query("n > 0")[["baseline", "worst", "n"]].values.tolist()
    [['0', '2', 1]]
    """
    if window_days is not None:
        window_days = check_int(window_days, "window_days", minimum=0)
    tests = [str(t).upper() for t in tests]
    for t in tests:
        if t not in LAB_CRITERIA:
            raise ConfigError("tests", "codes of doseflow.standards.ctcae.LAB_CRITERIA: " + ", ".join(LAB_CRITERIA), t)
    validate_columns(lb, "lb", ("USUBJID", "LBTESTCD", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBDTC"))
    validate_columns(adsl, "adsl", ("USUBJID", "SAFFL", "TRTSDT", "TRTEDT", by))
    notes: list[str] = []
    alias = {str(k).upper(): str(v).upper() for k, v in aliases.items()}
    code = upper_text(lb["LBTESTCD"]).map(lambda c: alias.get(c, c) if isinstance(c, str) else c)
    population, pool, pooled = pooled_population(adsl, by)
    pop = population.iloc[:-1]
    safe = adsl[adsl["SAFFL"].astype(str).str.upper() == "Y"]
    keyed = safe.assign(USUBJID=safe["USUBJID"].astype(str)).set_index("USUBJID")
    rows = lb[code.isin(tests).to_numpy() & lb["USUBJID"].astype(str).isin(keyed.index).to_numpy()]
    code = code[rows.index]
    rows = rows.reset_index(drop=True)
    code = code.reset_index(drop=True)
    value = validate_numeric(rows, "lb", "LBSTRESN")
    lln = validate_numeric(rows, "lb", "LBSTNRLO")
    uln = validate_numeric(rows, "lb", "LBSTNRHI")
    unit = upper_text(rows["LBSTRESU"])
    factor = pd.Series(1.0, index=rows.index)
    for test, table in UNIT_FACTORS.items():
        mask = code == test
        if mask.any():
            f = unit[mask].map(table)
            bad = f.isna()
            if bad.any():
                notes.append(f"{test}: {int(bad.sum())} value(s) in unit(s) {sorted(set(rows.loc[bad[bad].index, 'LBSTRESU'].fillna('missing').astype(str)))} "
                             f"cannot be converted to {LAB_CRITERIA[test].unit}; left ungraded.")
            factor[mask] = f
    value, lln = value * factor, lln * factor
    dtc = parse_dtc(rows["LBDTC"], impute=None, where="lb column LBDTC")
    if (dtc["dtf"] == "partial").any():
        notes.append(f"{int((dtc['dtf'] == 'partial').sum())} lab value(s) with a partial date were not used.")
    day = calendar_date(dtc["dt"])
    subj = rows["USUBJID"].astype(str)
    trtsdt = calendar_date(subj.map(keyed["TRTSDT"]))
    trtedt = calendar_date(subj.map(keyed["TRTEDT"]))
    blfl = upper_text(rows["LBBLFL"]).eq("Y") if "LBBLFL" in rows.columns else pd.Series(False, index=rows.index)
    data = pd.DataFrame({"USUBJID": subj, "test": code, "value": value, "lln": lln, "uln": uln, "day": day,
                         "blfl": blfl, "GROUP": subj.map(group_labels(keyed, by))})
    data = data[data["value"].notna() & data["day"].notna()]

    # baseline: flagged record, else last on/before the first-dose day
    flagged = data[data["blfl"]]
    has_flag = set(zip(flagged["USUBJID"], flagged["test"]))
    pre = data[~data["blfl"] & (data["day"] <= trtsdt[data.index])]
    pre = pre[[k not in has_flag for k in zip(pre["USUBJID"], pre["test"])]]
    base = pd.concat([flagged, pre]).sort_values("day", kind="mergesort").groupby(["USUBJID", "test"]).tail(1)
    in_post = ~data["blfl"] & (data["day"] > trtsdt[data.index])
    if window_days is not None:   # compare differences: adding a long window to a date could overflow
        in_post &= ~((data["day"] - trtedt[data.index]) > pd.Timedelta(days=window_days))
    post = data[in_post].copy()

    base_grade = pd.Series(np.nan, index=base.index)
    post_grade = pd.Series(np.nan, index=post.index)
    base_value = post.set_index(["USUBJID", "test"]).index.map(base.set_index(["USUBJID", "test"])["value"])
    post["baseline_value"] = np.asarray(base_value, dtype=float)
    ungraded = 0
    for test in tests:
        b = base["test"] == test
        g = grade_lab(test, base.loc[b, "value"], uln=base.loc[b, "uln"], lln=base.loc[b, "lln"]).astype(float)
        miss = _post_grade_missing_reason(test, base.loc[b, "value"], base.loc[b, "lln"], base.loc[b, "uln"], g)
        base_grade[b] = np.where(miss | (g < 0), np.nan, g)
        p = post["test"] == test
        g = grade_lab(test, post.loc[p, "value"], uln=post.loc[p, "uln"], lln=post.loc[p, "lln"],
                      baseline=post.loc[p, "baseline_value"] if abnormal_baseline else None).astype(float)
        miss = _post_grade_missing_reason(test, post.loc[p, "value"], post.loc[p, "lln"], post.loc[p, "uln"], g)
        post_grade[p] = np.where(miss | (g < 0), np.nan, g)
        ungraded += int(miss.sum())
    if ungraded:
        notes.append(f"{ungraded} post-baseline value(s) lacked the normal limit needed for a grade; left ungraded.")
    base["grade"] = base_grade
    post["grade"] = post_grade
    worst = post.groupby(["USUBJID", "test"])["grade"].max()
    bgrade = base.set_index(["USUBJID", "test"])["grade"]

    subjects = pd.DataFrame({"USUBJID": keyed.index, "GROUP": group_labels(keyed, by).to_numpy()})
    grid = subjects.merge(pd.DataFrame({"test": tests}), how="cross")
    key = pd.MultiIndex.from_frame(grid[["USUBJID", "test"]])
    label = lambda s: s.map(lambda v: "Missing" if pd.isna(v) else str(int(v)))  # noqa: E731
    grid["baseline"] = label(pd.Series(bgrade.reindex(key).to_numpy()))
    grid["worst"] = label(pd.Series(worst.reindex(key).to_numpy()))
    grid["worst_num"] = worst.reindex(key).to_numpy()
    shift = (grid.groupby(["test", "GROUP", "baseline", "worst"]).size().rename("n").reset_index()
             .rename(columns={"GROUP": "group"}))
    order = {g: i for i, g in enumerate(pop.index)}
    shift["N"] = shift["group"].map(pop).astype(int)
    shift = shift.sort_values(["test", "group", "baseline", "worst"],
                              key=lambda s: s.map(order) if s.name == "group" else
                              (s.map({t: i for i, t in enumerate(tests)}) if s.name == "test" else s))
    shift = shift.reset_index(drop=True)

    inc_rows = []
    for test in tests:
        for group, members in [(g, [g]) for g in pop.index] + [(pool, pooled)]:
            w = grid.loc[(grid["test"] == test) & grid["GROUP"].isin(members), "worst_num"].dropna()
            inc_rows.append({"test": test, "term": LAB_CRITERIA[test].term, "group": group,
                             "N_evaluable": int(w.size), **{f"grade_{k}": int((w == k).sum()) for k in (1, 2, 3, 4)},
                             "any_grade": int((w >= 1).sum()), "grade_3_4": int((w >= 3).sum())})
        if not (code == test).any():
            notes.append(f"{test}: no values in LB (codes searched: {test} and aliases).")
    methods = ("Grades follow NCI CTCAE v5.0 (doseflow.standards.ctcae.grade_lab) from LBSTRESN with LBSTNRLO/LBSTNRHI as "
               "LLN/ULN, in the SDTM standard unit (converted where needed: 10^3/uL = GI/L = 10^9/L; Hb g/dL x 10, "
               "mmol/L x 16.1145 = g/L). Baseline is the value flagged LBBLFL 'Y', else the last value on or before "
               "the first-dose day (ADaM IG 1.3 ABLFL). Post-baseline values run from the day after the first dose "
               + (f"to {window_days} days after the last dose" if window_days is not None else "on")
               + "; the worst is the highest grade."
               + (" AST, ALT, ALP and bilirubin with an abnormal baseline are graded against multiples of baseline "
                  "(CTCAE v5.0)." if abnormal_baseline else "")
               + " Shift-table percentages use the safety population of each group; incidence uses subjects with a "
               "graded post-baseline value.")
    return LabShiftResult(shift=shift, incidence=pd.DataFrame(inc_rows),
                          title="Laboratory abnormalities: CTCAE grade shift from baseline to worst on treatment",
                          methods=methods, notes=tuple(notes))
