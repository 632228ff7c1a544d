"""The result types of the readout pipeline: analysis sets, time-to-event, figures, the Readout itself.

:func:`doseflow.readout.pipeline.run_readout` returns a :class:`Readout` whose items hold these
results (and those of the analysis modules); :mod:`doseflow.readout.pipeline` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from doseflow.readout.config import ReadoutConfig
from doseflow.readout.palette import DosePalette
from doseflow.readout.result import AnalysisResult, to_json_ready

__all__ = ["AnalysisSetsResult", "TimeToEventResult", "FigureResult", "RecordsResult", "ListingResult", "ReadoutItem",
           "Readout"]


@dataclass(frozen=True)
class AnalysisSetsResult(AnalysisResult):
    """Subjects in each analysis set and the dose levels treated.

    Attributes
    ----------
    sets : pandas.DataFrame
        ``set``, ``n`` (subjects; NaN when the set could not be formed) and ``definition``.
    dose_levels : pandas.DataFrame
        One row per dose group: ``level`` (1-based), ``label``, ``dose`` (the dose level;
        0 for placebo; NaN for an arm that is not one dose), ``unit``, ``placebo`` (bool),
        ``n`` (safety population).
    efficacy_definition : dict
        ``min_dose``, ``unit`` (None without a dose limit) and ``min_post_baseline``.
    dose_plan : bool
        Whether the active groups are the dose levels of an escalation (else arms).
    """

    sets: pd.DataFrame
    dose_levels: pd.DataFrame
    efficacy_definition: dict[str, Any]
    dose_plan: bool = False
    title: str = "Analysis sets and dose groups"
    methods: str = ""
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"Analysis set": self.sets["set"],
                             "Subjects": ["not formed" if pd.isna(n) else str(int(n)) for n in self.sets["n"]],
                             "Definition": self.sets["definition"]})

    def to_dict(self) -> dict:
        n = {k: None if pd.isna(v) else int(v) for k, v in zip(self.sets["key"], self.sets["n"])}
        return to_json_ready({"n_subjects": n["dm"], "n_treated": n["safety"], "n_efficacy": n["efficacy"],
                              "n_response_evaluable": n["response"], "n_pk": n["pk"],
                              "dose_levels": self.dose_levels.to_dict(orient="records"),
                              "groups_are_dose_levels": self.dose_plan,
                              "efficacy_population": self.efficacy_definition})


@dataclass(frozen=True)
class TimeToEventResult(AnalysisResult):
    """A time-to-event endpoint (PFS, DoR): ADTTE records and Kaplan-Meier medians, both CI scales.

    Attributes
    ----------
    adtte : pandas.DataFrame
        One record per subject (AVAL days, CNSR, EVNTDESC, ...).
    overall : dict
        ``{"log": KaplanMeierResult, "log-log": KaplanMeierResult}`` of all subjects.
    by_group : KaplanMeierResult or None
        Per dose group on the primary scale (None with a single group).
    conf_type : str
        The primary scale, drawn in the figure and quoted in the summary.
    palette : DosePalette
        The readout's dose colours (:mod:`doseflow.readout.palette`).
    """

    adtte: pd.DataFrame
    overall: dict[str, Any]
    by_group: Any
    conf_type: str
    title: str = ""
    methods: str = ""
    notes: tuple[str, ...] = ()
    palette: DosePalette = field(default_factory=DosePalette)

    def table(self) -> pd.DataFrame:
        """Median (months) with its CI on each scale for all subjects; per dose group on the primary scale."""
        def text(v: float) -> str:
            return "NR" if np.isnan(v) else f"{v:.1f}"

        def row(r: Any, scales: list[str]) -> dict:
            out = {"Group": r.GROUP, "N": int(r.N), "Events": int(r.EVENTS), "Median (months)": text(r.MEDIAN_MONTHS)}
            for k in self.overall:
                out[f"CI, {k} scale (months)"] = f"{text(r.LCL_MONTHS)}, {text(r.UCL_MONTHS)}" if k in scales else ""
            return out

        rows = [row(km.data.iloc[0], [k]) for k, km in self.overall.items()]
        rows = [{**rows[0], **{key: v for r in rows for key, v in r.items() if v and key.startswith("CI")}}]
        if self.by_group is not None:
            rows += [row(r, [self.conf_type]) for r in self.by_group.data.itertuples()]
        return pd.DataFrame(rows)

    def figure(self):
        from doseflow.readout.efficacy.figures import plot_km

        return plot_km(self.by_group or self.overall[self.conf_type], palette=self.palette)

    def to_dict(self) -> dict:
        head = {k: km.data.iloc[0] for k, km in self.overall.items()}
        primary = head[self.conf_type]
        return to_json_ready({
            "param": str(self.adtte["PARAMCD"].iloc[0]) if len(self.adtte) else None,
            "n": int(primary["N"]), "events": int(primary["EVENTS"]),
            "median_days": primary["MEDIAN"], "median_months": primary["MEDIAN_MONTHS"],
            "ci_months": {k: [r["LCL_MONTHS"], r["UCL_MONTHS"]] for k, r in head.items()},
            "conf_type": self.conf_type, "confidence": 1 - self.overall[self.conf_type].settings["alpha"],
            "groups": [] if self.by_group is None else self.by_group.to_dict()["groups"],
        })


@dataclass(frozen=True)
class FigureResult(AnalysisResult):
    """A figure with the data drawn in it (waterfall, spider, swimmer, mean concentrations)."""

    data: pd.DataFrame
    plot: Callable[[], Any]
    summary_values: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    methods: str = ""
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.data

    def figure(self):
        return self.plot()

    def to_dict(self) -> dict:
        return to_json_ready(self.summary_values)


@dataclass(frozen=True)
class RecordsResult(AnalysisResult):
    """Input records an analysis did not use, each with its file, line and reason (never a silent drop).

    Attributes
    ----------
    records : pandas.DataFrame
        One row per record: ``file``, ``row`` (the file's line), USUBJID, the record's key
        variables, and ``reason``.
    """

    records: pd.DataFrame
    title: str = "Records not used"
    methods: str = ""
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.records

    def to_dict(self) -> dict:
        reasons = self.records["reason"].astype(str).str.split(" (", regex=False).str[0]
        return to_json_ready({"n": len(self.records), "by_reason": reasons.value_counts().to_dict()})


@dataclass(frozen=True)
class ListingResult(AnalysisResult):
    """A listing of individual records (one row per record, as collected), e.g. every treatment-emergent AE."""

    records: pd.DataFrame
    title: str = "Listing"
    methods: str = ""
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.records

    def to_dict(self) -> dict:
        return {"n": len(self.records)}


@dataclass(frozen=True)
class ReadoutItem:
    """One analysis of the readout: a file-safe ``name``, its report ``section`` and result."""

    name: str
    section: str
    result: AnalysisResult


@dataclass(frozen=True)
class Readout:
    """Everything :func:`run_readout` produced, in report order.

    Attributes
    ----------
    sdtm_dir : Path
    config : ReadoutConfig
    items : tuple of ReadoutItem
        The analyses, in the order of the module docstring.
    adsl : pandas.DataFrame
        The subject-level frame every analysis used.
    files : dict
        Dataset (file stem) -> :class:`doseflow.cdisc.DatasetFile` (path, sha256, rows).
    chosen : dict
        Domain -> dataset used.
    dataset_notes : tuple of str
        The reader's notes (datasets chosen, files skipped).
    notes : tuple of str
        Analyses skipped and why, the inputs used for each analysis, and other pipeline
        decisions.
    inputs : dict
        Analysis area (``subjects``, ``safety``, ``pk``, ``response``, ``pfs``, ``dor``) ->
        the dataset(s) it was made from, e.g. ``"ADaM ADAE (adae.csv)"`` or ``"SDTM AE
        (ae.csv)"``; absent when the area did not run.
    """

    sdtm_dir: Path
    config: ReadoutConfig
    items: tuple[ReadoutItem, ...]
    adsl: pd.DataFrame
    files: dict[str, Any]
    chosen: dict[str, str]
    dataset_notes: tuple[str, ...]
    notes: tuple[str, ...]
    inputs: dict[str, str] = field(default_factory=dict)

    def section(self, name: str) -> list[ReadoutItem]:
        """The items of one report section, in order."""
        return [i for i in self.items if i.section == name]

    def get(self, name: str) -> AnalysisResult | None:
        """The result called ``name`` (e.g. ``"efficacy_response_rates"``), or None if not run."""
        return next((i.result for i in self.items if i.name == name), None)
