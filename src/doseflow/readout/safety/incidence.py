"""Adverse-event incidence tables: TEAE/TRAE by system organ class and preferred term, and the overview.

Counting rules (ICH E3 §12.2.2 and the conventions of the FDA/PhUSE safety tables):

- population and denominators: the safety population of each dose group (ADSL SAFFL "Y",
  at least one dose) and of the pooled column: every group ("Overall"), or every group but
  placebo ("All active") when the trial has a placebo group
  (:func:`doseflow.readout.groups.pooled_population`);
- a subject is counted once per preferred term (AEDECOD) and once per system organ class
  (AEBODSYS), at the worst grade of its events there; "Any TEAE" counts subjects with at
  least one event;
- rows are sorted by the pooled number of subjects, descending, then alphabetically;
- the threshold ``min_pct`` keeps rows whose pooled incidence is strictly greater than it.

The flags (TRTEMFL, AERELFL, AGRADE) come from :mod:`doseflow.readout.safety.flags`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from doseflow.checks import check_choice, check_int, check_real
from doseflow.readout.groups import pooled_population
from doseflow.readout.result import AnalysisResult, format_n_pct
from doseflow.readout.safety.flags import (
    RELATED_VALUES,
    describe_ae_methods,
    grade_column_label,
    select_emergent_events,
)

__all__ = ["AEIncidenceResult", "tabulate_ae_incidence"]

#: Bar colours: grade >= 3 (dark) and grade 1-2 (light), a colour-blind-safe pair (Okabe-Ito
#: vermilion and the light blue of ColorBrewer RdBu).
_GRADE3_COLOUR = "#b2182b"
_ANY_GRADE_COLOUR = "#92c5de"


def _subjects_by_group(ev: pd.DataFrame, keys: list[str], groups: pd.Index, pool: str,
                       pooled: list[str]) -> pd.DataFrame:
    """Subjects with an event (n) and with worst grade >= 3 (n3) per ``keys`` and group, plus the pool.

    With no ``keys`` the one row "any" counts subjects with any event. Columns are
    ``("n", group)`` and ``("n3", group)``; the pooled column ``pool`` is the sum over the
    ``pooled`` groups (each subject belongs to one group).
    """
    if not keys:
        ev, keys = ev.assign(_ALL="any"), ["_ALL"]
    worst = ev.groupby(["USUBJID", "GROUP", *keys], sort=False)["AGRADE"].max().reset_index()
    worst["g3"] = worst["AGRADE"] >= 3
    agg = worst.groupby([*keys, "GROUP"]).agg(n=("USUBJID", "size"), n3=("g3", "sum"))
    wide = agg.unstack("GROUP", fill_value=0)
    wide = wide.reindex(columns=pd.MultiIndex.from_product([["n", "n3"], groups]), fill_value=0)
    if keys == ["_ALL"]:
        wide = wide.reindex(["any"], fill_value=0)
    wide = wide.fillna(0).astype(int)
    wide[("n", pool)] = wide["n"][pooled].sum(axis=1)
    wide[("n3", pool)] = wide["n3"][pooled].sum(axis=1)
    return wide


@dataclass(frozen=True)
class AEIncidenceResult(AnalysisResult):
    """Subjects with at least one TEAE (or TRAE) by SOC and preferred term, per dose group.

    Attributes
    ----------
    counts : pandas.DataFrame
        Long form, in display order: ``row`` ("any", "soc", "term"), ``soc``, ``term``,
        ``group`` (dose group or the pooled label), ``N`` (safety population), ``n`` (subjects,
        any grade), ``pct``, ``n_grade3`` (subjects whose worst grade is >= 3),
        ``pct_grade3``.
    population : pandas.Series
        N per group, with the pooled column last.
    pooled : str
        Label of the pooled column: "Overall", or "All active" (every group but placebo)
        when the trial has a placebo group.
    event_label : str
        "TEAE" or "TRAE".
    grade_label : str
        Heading of the high-grade column: "Grade >= 3", or "Severe (AESEV severity, not
        CTCAE grade)" when only AESEV was recorded.
    grade_min : int or None
        Only events of grade >= this were tabulated (None: every grade).
    min_pct : float or None
        Rows kept: pooled incidence strictly above this percentage (None: every row).
    """

    counts: pd.DataFrame
    population: pd.Series
    event_label: str
    grade_label: str
    pooled: str
    title: str
    methods: str
    notes: tuple[str, ...] = ()
    grade_min: int | None = None
    min_pct: float | None = None

    def table(self) -> pd.DataFrame:
        """Rows "Any <event>", SOCs and terms; per group "n (%)" any grade and high grade."""
        c = self.counts
        first = c[c["group"] == self.pooled].reset_index(drop=True)
        out = pd.DataFrame({
            "System organ class": np.where(first["row"] == "any", f"Any {self.event_label}", first["soc"]),
            "Preferred term": np.where(first["row"] == "term", first["term"], ""),
        })
        for group, n_pop in self.population.items():
            g = c[c["group"] == group].reset_index(drop=True)
            head = f"{group} (N={n_pop})"
            out[f"{head}: any grade"] = [format_n_pct(n, n_pop) for n in g["n"]]
            out[f"{head}: {self.grade_label}"] = [format_n_pct(n, n_pop) for n in g["n_grade3"]]
        return out

    def to_dict(self) -> dict:
        c = self.counts
        overall = c[(c["group"] == self.pooled) & (c["row"] == "term")]
        anyrow = c[c["row"] == "any"].set_index("group")
        return {
            "event": self.event_label,
            "grade_label": self.grade_label,
            "pooled": self.pooled,
            "population_n": self.population.to_dict(),
            "any": {g: {"n": int(r.n), "pct": float(r.pct), "n_grade3": int(r.n_grade3),
                        "pct_grade3": float(r.pct_grade3)} for g, r in anyrow.iterrows()},
            "terms": [{"soc": r.soc, "term": r.term, "n": int(r.n), "pct": float(r.pct),
                       "n_grade3": int(r.n_grade3), "pct_grade3": float(r.pct_grade3)}
                      for r in overall.itertuples()],
        }

    def figure(self, max_terms: int = 20):
        """Horizontal bars of the pooled incidence by preferred term (the ``max_terms`` most frequent).

        Every bar is labelled with its count and percentage; the x-axis leaves room for the
        labels. When every grade is tabulated, the part of each bar that is grade >= 3 is
        drawn dark and the legend sits below the axes; a grade >= 3 table draws one colour
        and needs no legend. None when no term was tabulated.
        """
        c = self.counts
        terms = c[(c["group"] == self.pooled) & (c["row"] == "term")].drop_duplicates("term")
        if terms.empty:
            return None
        terms = terms.sort_values("n", ascending=False, kind="stable")
        shown = terms.head(max_terms)
        n_pop = int(self.population[self.pooled])
        high_only = self.grade_min is not None and self.grade_min >= 3
        ctcae = self.grade_label == "Grade >= 3"
        fig = Figure(figsize=(7.5, 0.32 * len(shown) + (1.9 if high_only else 2.4)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(shown))[::-1]
        pct = shown["pct"].to_numpy()
        if high_only:
            ax.barh(y, pct, color=_GRADE3_COLOUR, height=0.7)
        else:
            high = shown["pct_grade3"].to_numpy()
            ax.barh(y, high, color=_GRADE3_COLOUR, height=0.7, label=self.grade_label)
            ax.barh(y, pct - high, left=high, color=_ANY_GRADE_COLOUR, height=0.7,
                    label="Grade 1-2" if ctcae else "Mild or moderate")
            ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14 if len(shown) > 3 else -0.3), ncols=2,
                      frameon=False, fontsize=9)
        right = min(100.0, max(pct.max(), 1.0) * 1.25 + 6)
        for yi, n, v in zip(y, shown["n"], pct):
            ax.text(v + 0.01 * right, yi, f"{int(n)} ({v:.1f}%)", va="center", fontsize=8)
        ax.set_xlim(0, right)
        ax.set_ylim(-0.6, len(shown) - 0.4)
        ax.set_yticks(y, [str(t) for t in shown["term"]], fontsize=9)
        ax.set_xlabel(f"Patients with the event (% of {self.pooled.lower()}, N = {n_pop})")
        what = f"{'Grade >= 3' if ctcae else 'Severe'} {self.event_label}s" if high_only else f"{self.event_label}s"
        if self.min_pct is not None:
            what += f" in more than {self.min_pct:g}% of patients"
        more = f"; the {len(shown)} most frequent of {len(terms)} terms" if len(terms) > len(shown) else ""
        ax.set_title(f"{what} by preferred term{more}", fontsize=10, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        return fig


def tabulate_ae_incidence(
    ae: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    related_only: bool = False,
    by: str = "DOSE_GROUP",
    min_pct: float | None = None,
    grade_min: int | None = None,
    by_soc: bool = True,
    window_days: int = 30,
    missing_start: str = "emergent",
    related_values: Iterable[str] = RELATED_VALUES,
    missing_relationship: str = "related",
    unknown_subjects: str = "error",
) -> AEIncidenceResult:
    """Subjects with at least one TEAE (or TRAE) by SOC and preferred term, per dose group and overall.

    Parameters
    ----------
    ae : pandas.DataFrame
        SDTM AE (USUBJID, AESTDTC, AEBODSYS, AEDECOD, AETOXGR and/or AESEV; AEREL for
        TRAEs). TRTEMFL, AERELFL and AGRADE are derived when absent (see
        :func:`derive_teae`, :func:`derive_related`, :func:`derive_grade`), else used as given.
    adsl : pandas.DataFrame
        From :func:`~doseflow.readout.adsl.derive_adsl`.
    related_only : bool
        Tabulate treatment-related AEs (TRAEs) only.
    by : str
        ADSL column defining the groups (default DOSE_GROUP, in dose order).
    min_pct : float, optional
        Keep SOC and term rows whose pooled incidence (any grade) is strictly greater than
        this percentage (0-100); "Any" is always kept.
    grade_min : int, optional
        Tabulate only events of grade >= ``grade_min`` (1-5).
    by_soc : bool
        Group terms under their SOC; False lists preferred terms only.
    window_days, missing_start : see :func:`derive_teae`.
    related_values, missing_relationship : see :func:`derive_related` (``missing``).
    unknown_subjects : {"error", "note"}
        AEs of subjects not in ADSL raise a DataError listing them, or are reported in notes.

    Returns
    -------
    AEIncidenceResult

    Raises
    ------
    DataError
        Missing variables, bad dates or codes, unknown subjects (by default).
    ConfigError
        Bad options.

    Notes
    -----
    Incidence of term *t* in group *g*: :math:`n_{gt} / N_g`, with :math:`n_{gt}` the
    number of safety-population subjects in *g* with at least one treatment-emergent event
    coded to *t*, and :math:`N_g` the safety population of *g* (ICH E3 §12.2.2,
    "number of patients with each adverse event"). A subject's grade for *t* is the worst
    grade of its events coded to *t*.

    References
    ----------
    ICH E3 (1995), Structure and content of clinical study reports, §12.2 and 14.3.1.
    PhUSE/FDA Standard Analyses and Code Sharing, "Analyses and displays associated with
    adverse events", 2017. NCI CTCAE v5.0, 2017.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "DOSE_GROUP": "1.2 mg/kg",
    ...     "DOSE_LEVEL": 1, "TRTSDT": pd.to_datetime(["2022-01-03"] * 2),
    ...     "TRTEDT": pd.to_datetime(["2022-03-01"] * 2)})
    >>> ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESTDTC": ["2022-01-05", "2022-01-20", "2022-02-01"],
    ...     "AEBODSYS": "GASTROINTESTINAL DISORDERS", "AEDECOD": ["NAUSEA", "NAUSEA", "VOMITING"],
    ...     "AETOXGR": ["1", "3", "2"]})
    >>> res = tabulate_ae_incidence(ae, adsl)
    >>> res.table().iloc[:, [0, 1, 2, 3]].values.tolist()[2]
    ['GASTROINTESTINAL DISORDERS', 'NAUSEA', '1 (50.0%)', '1 (50.0%)']
    """
    if min_pct is not None:
        min_pct = check_real(min_pct, "min_pct", minimum=0.0, maximum=100.0)
    if grade_min is not None:
        grade_min = check_int(grade_min, "grade_min", minimum=1, maximum=5)
    window_days = check_int(window_days, "window_days", minimum=0)
    missing_relationship = check_choice(missing_relationship, "missing_relationship", ("related", "not_related"))
    related_values = tuple(related_values)
    ev, notes = select_emergent_events(ae, adsl, by=by, window_days=window_days, missing_start=missing_start,
                                related_values=related_values, missing_relationship=missing_relationship,
                                unknown_subjects=unknown_subjects, need_related=related_only)
    if related_only:
        ev = ev[ev["AERELFL"].astype(str).str.upper() == "Y"]
    if grade_min is not None:
        ev = ev[ev["AGRADE"] >= grade_min]
    event_label = "TRAE" if related_only else "TEAE"
    grade_label = grade_column_label(ev["AGRADESRC"]) if "AGRADESRC" in ev.columns else "Grade >= 3"

    population, pool, pooled = pooled_population(adsl, by)
    groups = pd.Index(population.index[:-1])
    blocks = [_subjects_by_group(ev, [], groups, pool, pooled).assign(row="any", soc="", term="")]
    if by_soc:
        soc = _subjects_by_group(ev, ["SOC"], groups, pool, pooled)
        term = _subjects_by_group(ev, ["SOC", "PT"], groups, pool, pooled)
        soc_rank = soc[("n", pool)]
        soc_order = sorted(soc.index, key=lambda s: (-soc_rank[s], s))
        for s in soc_order:
            blocks.append(soc.loc[[s]].assign(row="soc", soc=s, term=""))
            t = term.loc[s]
            for pt in sorted(t.index, key=lambda p: (-t.loc[p, ("n", pool)], p)):
                blocks.append(t.loc[[pt]].assign(row="term", soc=s, term=pt))
    else:
        term = _subjects_by_group(ev, ["PT"], groups, pool, pooled)
        for pt in sorted(term.index, key=lambda p: (-term.loc[p, ("n", pool)], p)):
            blocks.append(term.loc[[pt]].assign(row="term", soc="", term=pt))
    wide = pd.concat(blocks, ignore_index=True)
    if min_pct is not None:
        keep = (wide["row"] == "any") | (100.0 * wide[("n", pool)] / max(population[pool], 1) > min_pct)
        wide = wide[keep].reset_index(drop=True)
    long = []
    for group, n_pop in population.items():
        n = wide[("n", group)].to_numpy()
        n3 = wide[("n3", group)].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            long.append(pd.DataFrame({
                "row": wide["row"].to_numpy(), "soc": wide["soc"].to_numpy(), "term": wide["term"].to_numpy(),
                "group": group, "N": n_pop, "n": n, "pct": np.where(n_pop > 0, 100.0 * n / max(n_pop, 1), np.nan),
                "n_grade3": n3, "pct_grade3": np.where(n_pop > 0, 100.0 * n3 / max(n_pop, 1), np.nan),
            }))
    counts = pd.concat(long, ignore_index=True)
    counts["order"] = np.tile(np.arange(len(wide)), len(population))
    counts = counts.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)
    title = (f"{'Treatment-related' if related_only else 'Treatment-emergent'} adverse events by "
             f"{'system organ class and ' if by_soc else ''}preferred term"
             f"{f', grade >= {grade_min}' if grade_min else ''}"
             f"{f' ({pool.lower()} incidence > {min_pct:g}%)' if min_pct is not None else ''}, safety population")
    if grade_label != "Grade >= 3":
        notes.append(f"The high-grade column is '{grade_label}': the data have no CTCAE grade (AETOXGR) for "
                     "some or all events, so AESEV severity stands in for it.")
    methods = describe_ae_methods(event_label, window_days, missing_start, related_values, missing_relationship,
                       grade_label, min_pct, grade_min)
    return AEIncidenceResult(counts=counts, population=population, event_label=event_label,
                             grade_label=grade_label, pooled=pool, title=title, methods=methods, notes=tuple(notes),
                             grade_min=grade_min, min_pct=min_pct)
