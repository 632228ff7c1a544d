"""The readout pipeline: a folder of SDTM data in, every analysis of a phase I readout out, in order.

:func:`run_readout` reads the folder once (:func:`doseflow.cdisc.read_sdtm`), derives ADSL
once (:func:`doseflow.readout.adsl.derive_adsl`) and runs each analysis whose domains are
present. A missing optional domain (AE, LB, PC, RS, TR) skips its analyses with a note,
never an exception; DM and EX are required. Bad data (a value that breaks its
specification) still raises :class:`~doseflow.errors.DataError`: a readout is not made
from data that cannot be read.

Order of the results (each a :class:`~doseflow.readout.result.AnalysisResult`):

1. population: analysis sets; characteristics and exposure;
2. safety: AE overview; TEAE and TRAE incidence by SOC and preferred term; the most
   common TRAEs (preferred terms above the incidence threshold); grade >= 3 TEAEs and
   TRAEs; DLTs and the MTD statement; laboratory CTCAE shifts;
3. pk, per analyte: NCA, summary by dose, dose proportionality (two or more doses),
   mean concentration-time figure;
4. efficacy: BOR with and without confirmation, ORR/DCR with exact CIs, duration of
   response, PFS (Kaplan-Meier median with the CI on both the log and log-log scale),
   waterfall, spider and swimmer plots.

The efficacy population is the treated subjects (SAFFL "Y") who did not receive placebo
and, when ``[efficacy] evaluable_min_dose`` is set, whose dose is at least that; the
response-evaluable subset has at least ``min_post_baseline`` usable overall responses.
PFS and duration of response use the efficacy population (a subject without an adequate
assessment is censored on day 1, FDA 2018 Appendix 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from doseflow.cdisc import read_sdtm
from doseflow.errors import ConfigError
from doseflow.readout.adsl import derive_adsl
from doseflow.readout.config import ReadoutConfig
from doseflow.readout.dlt import tabulate_dlt
from doseflow.readout.efficacy import (
    derive_best_overall_response,
    derive_best_percent_change,
    derive_duration_of_response,
    derive_pfs,
    derive_tumour_change,
    estimate_km,
    tabulate_response_rates,
)
from doseflow.readout.efficacy.figures import plot_spider, plot_swimmer, plot_waterfall
from doseflow.readout.labs import tabulate_lab_shift
from doseflow.readout.pk import compute_dose_proportionality, compute_nca, derive_pk_concentrations, tabulate_pk_summary
from doseflow.readout.pk.figures import plot_mean_concentration
from doseflow.readout.population import summarise_population
from doseflow.readout.result import AnalysisResult, format_n_pct, to_json_ready
from doseflow.readout.safety import summarise_ae_overview, tabulate_ae_incidence

__all__ = ["SECTIONS", "STAGES", "Readout", "ReadoutItem", "AnalysisSetsResult", "TimeToEventResult",
           "FigureResult", "run_readout"]

SECTIONS = ("population", "safety", "pk", "efficacy")
#: Progress stages reported to the ``progress`` callback, in order.
STAGES = ("reading SDTM", "deriving ADSL", "population", "safety", "PK", "efficacy")
_PK_SUMMARY = ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL")
_PK_PROPORTIONALITY = ("CMAX", "AUCLST", "AUCIFO")


@dataclass(frozen=True)
class AnalysisSetsResult(AnalysisResult):
    """Subjects in each analysis set and the dose levels treated.

    Attributes
    ----------
    sets : pandas.DataFrame
        ``set``, ``n`` (subjects; NaN when the set could not be formed) and ``definition``.
    dose_levels : pandas.DataFrame
        ``level`` (1-based), ``label``, ``dose``, ``unit``, ``placebo`` (bool), ``n``
        (safety population).
    efficacy_definition : dict
        ``min_dose``, ``unit`` (None without a dose limit) and ``min_post_baseline``.
    """

    sets: pd.DataFrame
    dose_levels: pd.DataFrame
    efficacy_definition: dict[str, Any]
    title: str = "Analysis sets and dose levels"
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
    """

    adtte: pd.DataFrame
    overall: dict[str, Any]
    by_group: Any
    conf_type: str
    title: str = ""
    methods: str = ""
    notes: tuple[str, ...] = ()

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
        return (self.by_group or self.overall[self.conf_type]).figure()

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
        Analyses skipped and why, and other pipeline decisions.
    """

    sdtm_dir: Path
    config: ReadoutConfig
    items: tuple[ReadoutItem, ...]
    adsl: pd.DataFrame
    files: dict[str, Any]
    chosen: dict[str, str]
    dataset_notes: tuple[str, ...]
    notes: tuple[str, ...]

    def section(self, name: str) -> list[ReadoutItem]:
        """The items of one report section, in order."""
        return [i for i in self.items if i.section == name]

    def get(self, name: str) -> AnalysisResult | None:
        """The result called ``name`` (e.g. ``"efficacy_response_rates"``), or None if not run."""
        return next((i.result for i in self.items if i.name == name), None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def _run_safety(ae, lb, adsl, cfg, add, note) -> None:
    s = cfg.safety
    opts = {"window_days": s.teae_window_days, "related_values": s.related_values,
            "missing_relationship": s.missing_relationship}
    if ae is None:
        note("Safety: no AE dataset, so AE, TRAE and DLT tables were not produced.")
    elif "AETOXGR" not in ae.columns and "AESEV" not in ae.columns:
        note("Safety: AE has neither AETOXGR nor AESEV, so AE tables were not produced.")
    else:
        related = "AEREL" in ae.columns
        add("safety_overview", summarise_ae_overview(ae, adsl, **opts))
        add("safety_teae", tabulate_ae_incidence(ae, adsl, **opts))
        if related:
            add("safety_trae", tabulate_ae_incidence(ae, adsl, related_only=True, **opts))
        else:
            note("Safety: AE has no AEREL, so treatment-related tables were not produced; the most common "
                 "events are TEAEs.")
        add("safety_common", tabulate_ae_incidence(ae, adsl, related_only=related, by_soc=False,
                                                   min_pct=s.incidence_threshold_pct, **opts))
        add("safety_grade3_teae", tabulate_ae_incidence(ae, adsl, grade_min=3, **opts))
        if related:
            add("safety_grade3_trae", tabulate_ae_incidence(ae, adsl, related_only=True, grade_min=3, **opts))
        add("safety_dlt", tabulate_dlt(ae, adsl, dlt_var=s.dlt_variable, window_days=s.dlt_window_days))
    if lb is None:
        note("Safety: no LB dataset, so laboratory shift tables were not produced.")
    else:
        add("safety_lab_shift", tabulate_lab_shift(lb, adsl, tests=s.lab_tests, window_days=s.teae_window_days))


def _run_pk(pc, ex, adsl, cfg, add, note) -> int | None:
    """NCA per analyte; returns the number of subjects with a measurable profile (None if no PK)."""
    if pc is None:
        note("PK: no PC dataset, so no NCA was done.")
        return None
    conc = derive_pk_concentrations(pc, ex, adsl, time=cfg.pk.time, specimens=cfg.pk.specimens)
    used = conc[~conc["excluded"].astype(bool)]
    if used.empty:
        note(f"PK: no PC record is usable for NCA (specimens {', '.join(cfg.pk.specimens)}, non-placebo doses).")
        return None
    if "EXTRT" in ex.columns and ex["EXTRT"].nunique() > 1:
        note("PK: EX has several treatments (" + ", ".join(sorted(map(str, ex["EXTRT"].dropna().unique())))
             + "); every non-zero dose is taken as a dose of the analytes in PC.")
    subjects: set[str] = set()
    for analyte in sorted(used["analyte"].dropna().astype(str).unique()):
        a = conc[conc["analyte"].astype(str) == analyte]
        key = _slug(analyte)
        nca = compute_nca(a, cfg.pk.nca_options())
        nca = replace(nca, title=f"Non-compartmental analysis: {analyte}")
        add(f"pk_nca_{key}", nca)
        subjects |= set(nca.profiles.loc[nca.profiles["CMAX"] > 0, "USUBJID"].astype(str))
        present = set(nca.parameters["PPTESTCD"])
        summary = tabulate_pk_summary(nca, by="dose", parameters=[c for c in _PK_SUMMARY if c in present])
        add(f"pk_summary_{key}", replace(summary, title=f"Summary of PK parameters by dose: {analyte}"))
        doses = pd.to_numeric(nca.profiles["dose"], errors="coerce").dropna().unique()
        if len(doses) >= 2:
            dp = compute_dose_proportionality(nca, [c for c in _PK_PROPORTIONALITY if c in present],
                                              level=cfg.pk.proportionality_level)
            add(f"pk_proportionality_{key}", replace(dp, title=f"Dose proportionality (power model): {analyte}"))
        else:
            note(f"PK {analyte}: one dose level ({', '.join(f'{d:g}' for d in doses)}), so dose proportionality "
                 "was not assessed.")
        drawn = a[~a["excluded"].astype(bool)]
        tcol = "time_nominal" if drawn["time_nominal"].notna().all() else "time"
        stats = drawn.groupby("dose")["USUBJID"].nunique()
        add(f"pk_mean_concentration_{key}", FigureResult(
            data=drawn.groupby(["dose", tcol])["conc"].agg(["count", "mean", "std"]).reset_index()
            .rename(columns={tcol: "time (h)", "count": "n", "mean": "mean conc", "std": "SD"}),
            plot=lambda d=drawn, t=tcol: plot_mean_concentration(d, by="dose", time=t),
            summary_values={"analyte": analyte, "subjects_by_dose": {f"{k:g}": int(v) for k, v in stats.items()}},
            title=f"Mean concentration-time profiles by dose: {analyte}",
            methods="Arithmetic mean (SD) and geometric mean concentration by dose and "
                    f"{'nominal' if tcol == 'time_nominal' else 'actual'} time; BLQ samples count as 0 in the "
                    "arithmetic mean and are left off the log scale (doseflow.readout.pk.figures)."))
    return len(subjects)


def _efficacy_population(adsl: pd.DataFrame, cfg) -> tuple[pd.DataFrame, str]:
    e = cfg.efficacy
    treated = adsl[adsl["SAFFL"].astype(str).eq("Y")]
    placebo = treated["DOSE_GROUP"].astype(str).eq("Placebo") | treated["DOSE"].eq(0)
    pop = treated[~placebo]
    words = "treated subjects (SAFFL Y) who did not receive placebo"
    if e.evaluable_min_dose is not None:
        units = sorted(set(pop["DOSEU"].dropna().astype(str)))
        if units and e.evaluable_dose_unit.lower() not in {u.lower() for u in units}:
            raise ConfigError("[efficacy] evaluable_dose_unit", "the dose unit of the data (EX.EXDOSU: "
                              + ", ".join(units) + ")", e.evaluable_dose_unit)
        tol = 1e-9 * max(1.0, e.evaluable_min_dose)
        pop = pop[pop["DOSE"] >= e.evaluable_min_dose - tol]
        words += f" at doses >= {e.evaluable_min_dose:g} {e.evaluable_dose_unit}"
    return pop.reset_index(drop=True), words


def _tte(adtte, label, cfg, methods) -> TimeToEventResult:
    e = cfg.efficacy
    overall = {k: estimate_km(adtte, conf_type=k, alpha=e.alpha) for k in ("log", "log-log")}
    groups = adtte["DOSE_GROUP"].dropna().nunique() if "DOSE_GROUP" in adtte.columns else 0
    by_group = estimate_km(adtte, by="DOSE_GROUP", conf_type=e.conf_type, alpha=e.alpha,
                           title=f"Kaplan-Meier estimate of {label} by dose group") if groups > 1 else None
    km = overall[e.conf_type]
    return TimeToEventResult(adtte=adtte, overall=overall, by_group=by_group, conf_type=e.conf_type,
                             title=f"{label}: Kaplan-Meier median with {100 * (1 - e.alpha):g}% CIs (log and "
                                   "log-log scales)", methods=methods + " " + km.methods, notes=km.notes)


def _run_efficacy(rs, tr, adsl, files, chosen, cfg, add, note) -> tuple[int | None, int | None]:
    """BOR, rates, DoR, PFS and figures; returns (efficacy population N, response-evaluable N)."""
    if rs is None:
        note("Efficacy: no RS dataset, so no response or PFS analysis was done.")
        return None, None
    e = cfg.efficacy
    pop, words = _efficacy_population(adsl, cfg)
    if pop.empty:
        note(f"Efficacy: no subject in the efficacy population ({words}).")
        return 0, None
    src = {"evaluator": e.evaluator, "unknown_response": e.unknown_response,
           "source": files[chosen["rs"]].path.name}
    bor_opts = {"confirm_min_days": e.confirm_min_days, "sd_min_days": e.sd_min_days, "reference": e.reference}
    bors = {}
    for confirmed in (e.confirmation, not e.confirmation):
        bor = derive_best_overall_response(rs, pop, confirmation=confirmed, **bor_opts, **src)
        label = "confirmed" if confirmed else "unconfirmed"
        bors[confirmed] = bor
        add(f"efficacy_bor_{label}", replace(bor, title=f"Best overall response (RECIST 1.1), "
                                             f"{'confirmation required' if confirmed else 'without confirmation'}"
                                             f", {e.evaluator.lower()}", notes=bor.notes))
    bor = bors[e.confirmation]
    k = e.min_post_baseline
    rates = tabulate_response_rates(bor, bor.data, population=(lambda d: d["N_ASSESS"] >= k) if k else None,
                                    alpha=e.alpha)
    evaluable = f"{words}, with >= {k} usable post-baseline overall response(s)" if k else words
    add("efficacy_response_rates", replace(
        rates, title="Objective response and disease control rates, response-evaluable population",
        methods=rates.methods + f" Response-evaluable population: {evaluable}."
        + (" Responses confirmed (RECIST 1.1 sec. 4.4)." if e.confirmation else " Responses not confirmed.")))
    n_eval = int(rates.data["N"].iloc[-1])
    dor = derive_duration_of_response(rs, pop, bor=bor, **src)
    if dor.empty:
        note("Efficacy: no responder, so duration of response was not estimated.")
    else:
        add("efficacy_dor", _tte(dor, "Duration of response", cfg, "Duration of response from the first "
                                 "response that counts to PD or death (RECIST 1.1 sec. 4.4.3; FDA 2018)."))
    pfs = derive_pfs(rs, pop, reference=e.reference, **src)
    add("efficacy_pfs", _tte(pfs, "Progression-free survival", cfg, f"PFS from {e.reference} to the first PD "
                             "or death; censoring as in FDA 2018 Appendix 1 (doseflow.readout.efficacy.survival). "
                             f"Population: {words}."))
    assessed = bor.data[["USUBJID", "AVALC", "N_ASSESS"] + [c for c in ("DOSE_GROUP",) if c in bor.data]]
    add("efficacy_swimmer", FigureResult(
        data=assessed, plot=lambda: plot_swimmer(bor, pop),
        summary_values={"n": len(pop)}, title="Swimmer plot: time on treatment and responses",
        methods="One bar per subject from the first to the last dose (months = days / 30.4375), coloured by "
                "best overall response; markers at each overall response assessment."))
    if tr is None:
        note("Efficacy: no TR dataset, so no waterfall or spider plot was drawn.")
    else:
        changes = derive_tumour_change(tr, pop, evaluator=e.evaluator, reference=e.reference,
                                       source=files[chosen["tr"]].path.name)
        best = derive_best_percent_change(changes, pop)
        shown = best.merge(bor.data[["USUBJID", "AVALC"]], on="USUBJID", how="left")
        tumour_methods = ("Sum of target-lesion diameters and percent change from baseline (RECIST 1.1 sec. 4.2-4.3, "
                          "Eisenhauer 2009); reference lines at -30% (PR) and +20% (PD).")
        add("efficacy_waterfall", FigureResult(
            data=shown, plot=lambda: plot_waterfall(best, bor),
            summary_values={"n_with_change": int(best["BEST_PCHG"].notna().sum())},
            title="Waterfall plot: best percent change in the sum of target-lesion diameters",
            methods=tumour_methods + " Best = minimum post-baseline percent change."))
        spider = changes.merge(pop[["USUBJID", "DOSE_GROUP"]], on="USUBJID", how="left")
        add("efficacy_spider", FigureResult(
            data=spider, plot=lambda: plot_spider(spider, by="DOSE_GROUP"),
            summary_values={"n_subjects": int(spider["USUBJID"].nunique())},
            title="Spider plot: percent change from baseline over time", methods=tumour_methods))
    return len(pop), n_eval


def run_readout(sdtm_dir: str | Path, config: ReadoutConfig | None = None, *,
                progress: Callable[[str, int, int], None] | None = None) -> Readout:
    """Run every readout analysis whose data are present on a folder of SDTM datasets.

    Parameters
    ----------
    sdtm_dir : str or Path
        Folder of SDTM ``.csv``/``.xpt`` files (DM and EX required).
    config : ReadoutConfig, optional
        Analysis options (:mod:`doseflow.readout.config`); defaults when None.
    progress : callable, optional
        Called as ``progress(stage, index, total)`` before each stage of :data:`STAGES`.

    Returns
    -------
    Readout
        The results in report order, ADSL, input provenance and notes.

    Raises
    ------
    DataError
        The folder is missing or empty, DM or EX is missing, or a dataset breaks its
        specification.
    ConfigError
        A configuration value does not fit the data (a preferred dataset not in the
        folder, an evaluable-dose unit other than the data's).

    Notes
    -----
    The rules of each analysis are those of the function it calls, named in each result's
    ``methods``; see the module docstring for the order and the efficacy population.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "dm.csv").write_text("STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,COUNTRY,AGE,SEX,ARM,ACTARM\\n"
    ...                               "S,DM,1,1,01,AUS,60,F,A,A\\nS,DM,2,2,01,AUS,70,M,A,A\\n")
    >>> _ = (d / "ex.csv").write_text("STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXSTDTC,EXENDTC\\n"
    ...                               "S,EX,1,1,DRUG,1.2,mg/kg,2022-01-03,2022-01-03\\n"
    ...                               "S,EX,2,1,DRUG,2.4,mg/kg,2022-02-01,2022-02-01\\n")
    >>> r = run_readout(d)
    >>> [i.name for i in r.items], r.get("population_sets").to_dict()["n_treated"]
    (['population_sets', 'population_characteristics'], 2)
    """
    cfg = config if config is not None else ReadoutConfig()
    if not isinstance(cfg, ReadoutConfig):
        raise ConfigError("config", "a ReadoutConfig (see doseflow.readout.config.read_config)", type(cfg).__name__)
    total = len(STAGES)

    def step(i: int) -> None:
        if progress is not None:
            progress(STAGES[i], i, total)

    items: list[ReadoutItem] = []
    notes: list[str] = []
    section = ["population"]

    def add(name: str, result: AnalysisResult) -> None:
        items.append(ReadoutItem(name, section[0], result))

    step(0)
    data = read_sdtm(sdtm_dir, prefer=cfg.datasets.prefer or None)
    dm, ex = data.require("dm"), data.require("ex")
    optional = {name: data.domain(name, with_supp=name == "ae") for name in ("ae", "lb", "pc", "rs", "tr")}
    step(1)
    adsl = derive_adsl(dm, ex, ds=data.domain("ds"), suppdm=data.domain("suppdm"), dose_by=cfg.population.dose_by)
    notes.extend(adsl.attrs.get("notes", []))
    step(2)
    add("population_characteristics",
        summarise_population(adsl, cycle_length_days=cfg.population.cycle_length_days))
    step(3)
    section[0] = "safety"
    _run_safety(optional["ae"], optional["lb"], adsl, cfg, add, notes.append)
    step(4)
    section[0] = "pk"
    n_pk = _run_pk(optional["pc"], ex, adsl, cfg, add, notes.append)
    step(5)
    section[0] = "efficacy"
    n_eff, n_eval = _run_efficacy(optional["rs"], optional["tr"], adsl, data.files, data.chosen, cfg, add,
                                  notes.append)
    items.insert(0, ReadoutItem("population_sets", "population",
                                _analysis_sets(adsl, cfg, n_pk, n_eff, n_eval)))
    return Readout(sdtm_dir=Path(sdtm_dir), config=cfg, items=tuple(items), adsl=adsl, files=dict(data.files),
                   chosen=dict(data.chosen), dataset_notes=tuple(data.notes), notes=tuple(notes))


def _analysis_sets(adsl, cfg, n_pk, n_eff, n_eval) -> AnalysisSetsResult:
    e = cfg.efficacy
    safe = adsl[adsl["SAFFL"].astype(str).eq("Y")]
    lv = safe.groupby("DOSE_LEVEL").agg(label=("DOSE_GROUP", "first"), dose=("DOSE", "max"),
                                        unit=("DOSEU", "first"), n=("USUBJID", "size")).reset_index()
    lv = lv.rename(columns={"DOSE_LEVEL": "level"})
    lv["placebo"] = lv["label"].astype(str).eq("Placebo") | lv["dose"].eq(0)
    eff_words = ("treated, no placebo" + (f", dose >= {e.evaluable_min_dose:g} {e.evaluable_dose_unit}"
                                          if e.evaluable_min_dose is not None else ""))
    sets = pd.DataFrame([
        ("dm", "Subjects in DM", len(adsl), "one record per subject of DM"),
        ("safety", "Safety population (treated)", len(safe), "at least one dose (EXDOSE > 0, or placebo)"),
        ("pk", "PK population", np.nan if n_pk is None else n_pk, "at least one measurable concentration"),
        ("efficacy", "Efficacy population", np.nan if n_eff is None else n_eff, eff_words),
        ("response", "Response-evaluable", np.nan if n_eval is None else n_eval,
         f"efficacy population with >= {e.min_post_baseline} usable post-baseline overall response(s)"),
    ], columns=["key", "set", "n", "definition"])
    per_level = "; ".join(f"level {int(r.level)} {r.label}: {format_n_pct(int(r.n), len(safe))}"
                          for r in lv.itertuples())
    return AnalysisSetsResult(
        sets=sets, dose_levels=lv[["level", "label", "dose", "unit", "placebo", "n"]],
        efficacy_definition={"min_dose": e.evaluable_min_dose, "unit": e.evaluable_dose_unit,
                             "min_post_baseline": e.min_post_baseline, "confirmation": e.confirmation},
        methods="Safety population: subjects with at least one valid dose (admiral ADSL SAFFL); dose levels "
                f"by {cfg.population.dose_by.replace('_', ' ')} (doseflow.readout.adsl). Efficacy population: "
                "treated subjects without placebo" + (f" at >= {e.evaluable_min_dose:g} {e.evaluable_dose_unit}"
                                                      if e.evaluable_min_dose is not None else "")
                + "; response-evaluable: with a usable post-baseline overall response (RECIST 1.1).",
        notes=(f"Treated per dose level: {per_level}.",) if len(lv) else ())
