"""The stages of the readout pipeline: safety, PK, efficacy and the analysis sets, from SDTM or ADaM frames.

:func:`doseflow.readout.pipeline.run_readout` reads the folder, chooses for each analysis the
sponsor's ADaM dataset or the SDTM domains (:mod:`doseflow.readout.adam` maps the ADaM ones)
and calls these functions with the frames. Each function appends its results through ``add``
and its decisions through ``note``; a frame made from ADaM changes only the input and the
methods text (which says the sponsor's flags were used), never the analysis rules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from doseflow.errors import ConfigError
from doseflow.readout.adam import adrs_best_response, adtte_frame, describe_adae_methods
from doseflow.readout.efficacy import (
    CensoringRules,
    derive_best_overall_response,
    derive_best_percent_change,
    derive_duration_of_response,
    derive_pfs,
    derive_tumour_change,
    estimate_km,
    tabulate_response_rates,
)
from doseflow.readout.efficacy.figures import plot_spider, plot_swimmer, plot_waterfall
from doseflow.readout.groups import compute_dose_plan, placebo_groups
from doseflow.readout.palette import DosePalette, compute_dose_palette
from doseflow.readout.pipeline_results import (
    AnalysisSetsResult,
    FigureResult,
    ListingResult,
    RecordsResult,
    TimeToEventResult,
)
from doseflow.readout.result import format_n_pct
from doseflow.readout.safety import summarise_ae_overview, tabulate_ae_incidence, tabulate_dlt, tabulate_lab_shift
from doseflow.readout.safety.flags import select_emergent_events

__all__ = ["run_safety", "run_efficacy", "select_efficacy_population", "tabulate_analysis_sets"]

_OVERVIEW_RULES = (" Serious: AESER 'Y'. Leading to death: AEOUT 'FATAL' or AESDTH 'Y'. Leading to discontinuation: "
                   "AEACN 'DRUG WITHDRAWN'. Deaths: ADSL DTHDT present, any cause. Categories follow ICH E3 section "
                   "12.2-12.3; each subject is counted once per category.")


def run_safety(ae, lb, adsl, cfg, add, note, *, adae_source: str | None = None) -> None:
    """AE overview, TEAE/TRAE tables, grade >= 3, DLTs and lab shifts.

    ``ae`` is SDTM AE (with SUPPAE merged) or, with ``adae_source`` (the ADAE file name), the
    frame of :func:`doseflow.readout.adam.adae_to_safety`, whose TRTEMFL, AERELFL and AGRADE
    the tables use as they are; their methods then say so.
    """
    s = cfg.safety
    opts = {"window_days": s.teae_window_days, "related_values": s.related_values,
            "missing_relationship": s.missing_relationship}
    if ae is None:
        note("Safety: no AE dataset, so AE, TRAE and DLT tables were not produced; the overview counts deaths "
             "from DM.")
        add("safety_overview", summarise_ae_overview(None, adsl, **opts))
    elif not {"AGRADE", "AETOXGR", "AESEV"} & set(ae.columns):
        note("Safety: AE has neither AETOXGR nor AESEV, so AE tables were not produced.")
    else:
        related = "AEREL" in ae.columns or "AERELFL" in ae.columns

        def table(label: str, **kw: Any):
            res = tabulate_ae_incidence(ae, adsl, related_only=label == "TRAE", **kw, **opts)
            if adae_source is None:
                return res
            return replace(res, methods=describe_adae_methods(
                ae.attrs.get("sources", {}), adae_source, label, res.grade_label, related_values=s.related_values,
                min_pct=kw.get("min_pct"), grade_min=kw.get("grade_min")))

        teae = table("TEAE")
        overview = summarise_ae_overview(ae, adsl, **opts)
        if adae_source is not None:
            overview = replace(overview, methods=describe_adae_methods(
                ae.attrs.get("sources", {}), adae_source, "TRAE", teae.grade_label,
                related_values=s.related_values) + _OVERVIEW_RULES)
            teae = replace(teae, notes=tuple(ae.attrs.get("notes", ())) + teae.notes)
        add("safety_overview", overview)
        add("safety_teae", teae)
        if related:
            add("safety_trae", table("TRAE"))
        else:
            note("Safety: AE has no AEREL, so treatment-related tables were not produced; the most common "
                 "events are TEAEs.")
        add("safety_common", table("TRAE" if related else "TEAE", by_soc=False, min_pct=s.incidence_threshold_pct))
        add("safety_grade3_teae", table("TEAE", grade_min=3))
        if related:
            add("safety_grade3_trae", table("TRAE", grade_min=3))
        dlt = tabulate_dlt(ae, adsl, dlt_var=s.dlt_variable, window_days=s.dlt_window_days,
                           evaluable=s.dlt_evaluable)
        if adae_source is not None:
            dlt = replace(dlt, methods=dlt.methods + f" Input: the sponsor's ADAE ({adae_source}); AE start dates are "
                          "its ASTDT (the sponsor's imputation) where present.")
        add("safety_dlt", dlt)
        add("safety_ae_listing", _ae_listing(ae, adsl, opts, dlt_var=s.dlt_variable))
    if lb is None:
        note("Safety: no LB dataset, so laboratory shift tables were not produced.")
    else:
        add("safety_lab_shift", tabulate_lab_shift(lb, adsl, tests=s.lab_tests, window_days=s.teae_window_days))


#: AE listing columns: the AE variable (or derived flag) -> its heading.
_LISTING = {"USUBJID": "Subject", "GROUP": "Dose group", "SOC": "System organ class", "PT": "Preferred term",
            "AGRADE": "Grade", "ASTDT": "Start", "ASTDY": "Study day", "AENDT": "End", "AERELFL": "Related",
            "AESER": "Serious", "AEOUT": "Outcome"}


def _ae_listing(ae: pd.DataFrame, adsl: pd.DataFrame, opts: dict, *, dlt_var: str) -> ListingResult:
    """Every treatment-emergent AE of the safety population, by subject and start date."""
    ev, notes = select_emergent_events(ae, adsl, by="DOSE_GROUP", missing_start="emergent", unknown_subjects="note",
                                       need_related="AEREL" in ae.columns or "AERELFL" in ae.columns, **opts)
    start = adsl.set_index(adsl["USUBJID"].astype(str))["TRTSDT"]
    ev = ev.assign(ASTDY=((ev["ASTDT"] - start.reindex(ev["USUBJID"].astype(str)).to_numpy())
                          / pd.Timedelta(days=1) + 1))
    cols = {k: v for k, v in _LISTING.items() if k in ev.columns}
    if dlt_var in ev.columns:
        cols[dlt_var] = "DLT"
    out = ev.sort_values(["USUBJID", "ASTDT"], kind="mergesort")[list(cols)].rename(columns=cols)
    return ListingResult(records=out.reset_index(drop=True),
                         title="Listing of treatment-emergent adverse events, safety population",
                         methods="Every treatment-emergent AE (the rules of the TEAE tables) of the safety population, "
                                 "by subject and start date; grade = CTCAE grade (AETOXGR) or the AESEV stand-in; "
                                 "study day 1 = first dose.", notes=tuple(notes))


def select_efficacy_population(adsl: pd.DataFrame, cfg) -> tuple[pd.DataFrame, str]:
    """Treated subjects of every arm (at >= ``evaluable_min_dose`` when set), and the words defining them.

    Placebo arms are in the population and shown beside the active arms (issue 7: they were
    left out of the efficacy tables); the pooled figures leave them out ("All active").
    """
    e = cfg.efficacy
    pop = adsl[adsl["SAFFL"].astype(str).eq("Y")]
    words = "treated subjects (SAFFL Y) of every arm"
    if e.evaluable_min_dose is not None:
        units = sorted(set(pop.loc[pop["DOSE"] > 0, "DOSEU"].dropna().astype(str)))
        if units and e.evaluable_dose_unit.lower() not in {u.lower() for u in units}:
            raise ConfigError("[efficacy] evaluable_dose_unit", "the dose unit of the data (EX.EXDOSU: "
                              + ", ".join(units) + ")", e.evaluable_dose_unit)
        tol = 1e-9 * max(1.0, e.evaluable_min_dose)
        pop = pop[pop["DOSE"] >= e.evaluable_min_dose - tol]
        words = f"treated subjects (SAFFL Y) at doses >= {e.evaluable_min_dose:g} {e.evaluable_dose_unit}"
    return pop.reset_index(drop=True), words


def _tte(adtte, label, cfg, methods, placebo: set[str], palette: DosePalette) -> TimeToEventResult:
    """Kaplan-Meier of an endpoint: pooled (active arms only when there is placebo) and by dose group."""
    e = cfg.efficacy
    in_group = adtte["DOSE_GROUP"].astype(str) if "DOSE_GROUP" in adtte.columns else pd.Series("", index=adtte.index)
    pooled = adtte[~in_group.isin(placebo)]
    name = "All active" if placebo & set(in_group) else "All"
    if pooled.empty:  # every record is on placebo: the pooled estimate is of them, and says so
        pooled, name = adtte, "All (placebo only)"
    overall = {k: _relabel(estimate_km(pooled, conf_type=k, alpha=e.alpha), name) for k in ("log", "log-log")}
    groups = adtte["DOSE_GROUP"].dropna().nunique() if "DOSE_GROUP" in adtte.columns else 0
    by_group = estimate_km(adtte, by="DOSE_GROUP", conf_type=e.conf_type, alpha=e.alpha,
                           title=f"Kaplan-Meier estimate of {label[0].lower() + label[1:]} by dose group") \
        if groups > 1 else None
    km = overall[e.conf_type]
    return TimeToEventResult(adtte=adtte, overall=overall, by_group=by_group, conf_type=e.conf_type,
                             title=f"{label}: Kaplan-Meier median with {100 * (1 - e.alpha):g}% CIs (log and "
                                   "log-log scales)", methods=methods + " " + km.methods
                             + {"All active": " The pooled estimate leaves placebo out.",
                                "All (placebo only)": " Every record is on placebo."}.get(name, ""),
                             notes=tuple(adtte.attrs.get("notes", ())) + km.notes, palette=palette)


def _relabel(km, name: str):
    """A one-group Kaplan-Meier result named ``name`` instead of "All"."""
    return replace(km, data=km.data.assign(GROUP=name), km_table=km.km_table.assign(GROUP=name),
                   fitters={name: f for f in km.fitters.values()})


def _rs_excluded(excluded: pd.DataFrame, source: str | None) -> pd.DataFrame:
    """The RS records the BOR did not use, as the excluded-records table shows them."""
    out = excluded.rename(columns={"ROW": "row", "REASON": "reason"}).sort_values("row", kind="mergesort")
    return pd.concat([pd.DataFrame({"file": [source] * len(out)}, index=out.index), out], axis=1)


def _has_param(frame, param: str) -> bool:
    return frame is not None and frame["PARAMCD"].astype(str).str.strip().str.upper().eq(param).any()


def _adtte_methods(param: str, source: str) -> str:
    return (f"Input: the sponsor's ADaM ADTTE PARAMCD {param} ({source}); AVAL (converted to days) and CNSR (0 event, "
            "> 0 censored) as derived by the sponsor, not re-derived (ADaM BDS-TTE v1.0).")


def run_efficacy(rs, tr, adsl, files, chosen, cfg, add, note, *, adrs=None, adtte=None,
                 used: dict[str, str] | None = None) -> tuple[int | None, int | None]:
    """BOR, rates, DoR, PFS and figures; returns (efficacy population N, response-evaluable N).

    ``adrs``/``adtte`` are the sponsor's ADaM datasets (None: not used); each endpoint is
    taken from them when they hold its PARAMCD ([adam] ``*_param``), else derived from SDTM
    RS. ``used`` receives endpoint -> source for the readout's inputs.
    """
    used = {} if used is None else used
    if rs is None and adrs is None and adtte is None:
        note("Efficacy: no RS dataset (nor ADaM ADRS/ADTTE), so no response or PFS analysis was done.")
        return None, None
    e, p = cfg.efficacy, cfg.adam
    pop, words = select_efficacy_population(adsl, cfg)
    if pop.empty:
        note(f"Efficacy: no subject in the efficacy population ({words}).")
        return 0, None
    placebo = placebo_groups(pop)
    palette = compute_dose_palette(adsl)
    rs_name = files[chosen["rs"]].path.name if rs is not None else None
    src = {"evaluator": e.evaluator, "unknown_response": e.unknown_response, "source": rs_name}
    rules = CensoringRules(death_window_days=e.death_window_days)
    bor_opts = {"confirm_min_days": e.confirm_min_days, "sd_min_days": e.sd_min_days, "reference": e.reference}
    bors = {}
    for confirmed in (e.confirmation, not e.confirmation):
        label = "confirmed" if confirmed else "unconfirmed"
        param = p.bor_confirmed_param if confirmed else p.bor_unconfirmed_param
        if _has_param(adrs, param):
            bor = adrs_best_response(adrs, pop, param=param, reference=e.reference)
            used[f"bor_{label}"] = f"ADaM ADRS {param} ({adrs.attrs.get('source', 'adrs')})"
        elif rs is not None:
            bor = derive_best_overall_response(rs, pop, confirmation=confirmed, **bor_opts, **src,
                                               excluded_where="tables/efficacy_excluded_records.csv")
            used[f"bor_{label}"] = f"SDTM RS ({rs_name})"
        else:
            note(f"Efficacy: ADRS has no PARAMCD {param} and there is no RS, so the {label} best overall response "
                 "was not produced.")
            continue
        bor = replace(bor, placebo=tuple(placebo))
        bors[confirmed] = bor
        add(f"efficacy_bor_{label}", replace(bor, title=f"Best overall response (RECIST 1.1), "
                                             f"{'confirmation required' if confirmed else 'without confirmation'}"
                                             f", {e.evaluator.lower()}", notes=bor.notes))
    bor = bors.get(e.confirmation)
    n_eval = None
    if bor is not None:
        k = e.min_post_baseline
        rates = tabulate_response_rates(bor, bor.data, population=(lambda d: d["N_ASSESS"] >= k) if k else None,
                                        alpha=e.alpha, placebo=placebo)
        evaluable = f"{words}, with >= {k} usable post-baseline overall response(s)" if k else words
        add("efficacy_response_rates", replace(
            rates, title="Objective response and disease control rates, response-evaluable population",
            methods=rates.methods + f" Response-evaluable population: {evaluable}."
            + (" Responses confirmed (RECIST 1.1 sec. 4.4)." if e.confirmation else " Responses not confirmed.")))
        n_eval = len(rates.subjects)
    if _has_param(adtte, p.dor_param):
        dor, dor_methods = adtte_frame(adtte, pop, param=p.dor_param), _adtte_methods(p.dor_param, adtte.attrs.get(
            "source", "adtte"))
        used["dor"] = f"ADaM ADTTE {p.dor_param} ({adtte.attrs.get('source', 'adtte')})"
    elif rs is not None and bor is not None:
        dor = derive_duration_of_response(rs, pop, bor=bor, censor_rules=rules, **src)
        from_adrs = "ADRS" in used.get("bor_confirmed" if e.confirmation else "bor_unconfirmed", "")
        dor_methods = ("Duration of response from the first response that counts to PD or death (RECIST 1.1 sec. "
                       "4.4.3; FDA 2018)." + (" Responders and their first response date (ADT of the best "
                                              "response) from the sponsor's ADRS." if from_adrs else ""))
        used["dor"] = f"SDTM RS ({rs_name})"
    else:
        dor, dor_methods = pd.DataFrame(), ""
    if dor.empty or dor["AVAL"].notna().sum() == 0:
        note("Efficacy: no responder, so duration of response was not estimated.")
        used.pop("dor", None)
    else:
        add("efficacy_dor", _tte(dor, "Duration of response", cfg, dor_methods, placebo, palette))
    if _has_param(adtte, p.pfs_param):
        pfs = adtte_frame(adtte, pop, param=p.pfs_param)
        pfs_methods = _adtte_methods(p.pfs_param, adtte.attrs.get("source", "adtte")) + f" Population: {words}."
        used["pfs"] = f"ADaM ADTTE {p.pfs_param} ({adtte.attrs.get('source', 'adtte')})"
    elif rs is not None:
        pfs = derive_pfs(rs, pop, reference=e.reference, censor_rules=rules, **src)
        pfs_methods = (f"PFS from {e.reference} to the first PD or death"
                       + (f" (a death more than {e.death_window_days} days after the last adequate assessment is "
                          "censored at that assessment)" if e.death_window_days is not None else "")
                       + "; censoring as in FDA 2018 Appendix 1 (doseflow.readout.efficacy.survival). "
                       f"Population: {words}.")
        used["pfs"] = f"SDTM RS ({rs_name})"
    else:
        pfs = None
        note(f"Efficacy: ADTTE has no PARAMCD {p.pfs_param} and there is no RS, so PFS was not estimated.")
    if pfs is not None:
        add("efficacy_pfs", _tte(pfs, "Progression-free survival", cfg, pfs_methods, placebo, palette))
    if bor is not None and len(bor.excluded):
        add("efficacy_excluded_records", RecordsResult(
            records=_rs_excluded(bor.excluded, rs_name), title="Overall response records not used",
            methods="Every RS record of the evaluator that the best overall response did not use, with its file "
                    "line and the reason (RECIST 1.1 sec. 4.4.1; doseflow.readout.efficacy.recist)."))
    if bor is not None:
        assessed = bor.data[["USUBJID", "AVALC", "N_ASSESS"] + [c for c in ("DOSE_GROUP",) if c in bor.data]]
        add("efficacy_swimmer", FigureResult(
            data=assessed, plot=lambda: plot_swimmer(bor, pop, palette=palette),
            summary_values={"n": len(pop)}, title="Swimmer plot: time on treatment and responses",
            methods="One bar per subject from the first to the last dose (months = days / 30.4375), coloured by "
                    "dose group, with the best overall response at its right; a grey line from the end of treatment "
                    "to death or the last date known alive; markers at each overall response assessment. At most "
                    "the 40 subjects treated longest are drawn."))
    if tr is None:
        note("Efficacy: no TR dataset, so no waterfall or spider plot was drawn.")
    else:
        changes = derive_tumour_change(tr, pop, evaluator=e.evaluator, reference=e.reference,
                                       source=files[chosen["tr"]].path.name)
        outside = ~changes["USUBJID"].isin(pop["USUBJID"])
        if outside.any():
            note(f"Efficacy: {changes.loc[outside, 'USUBJID'].nunique()} subject(s) with tumour measurements in "
                 f"{files[chosen['tr']].path.name} are not in the efficacy population ({words}); their "
                 f"{int(outside.sum())} visit(s) are not in the waterfall and spider plots.")
            changes = changes[~outside].reset_index(drop=True)
        best = derive_best_percent_change(changes, pop)
        shown = best.merge(bor.data[["USUBJID", "AVALC"]], on="USUBJID", how="left") if bor is not None else best
        tumour_methods = ("Sum of target-lesion diameters and percent change from baseline (RECIST 1.1 sec. 4.2-4.3, "
                          "Eisenhauer 2009); reference lines at -30% (PR) and +20% (PD).")
        add("efficacy_waterfall", FigureResult(
            data=shown, plot=lambda: plot_waterfall(best, bor),
            summary_values={"n_with_change": int(best["BEST_PCHG"].notna().sum())},
            title="Waterfall plot: best percent change in the sum of target-lesion diameters",
            methods=tumour_methods + " Best = minimum post-baseline percent change."))
        spider = changes.merge(pop[["USUBJID", "DOSE_GROUP"]], on="USUBJID", how="left")
        add("efficacy_spider", FigureResult(
            data=spider, plot=lambda: plot_spider(spider, by="DOSE_GROUP", palette=palette),
            summary_values={"n_subjects": int(spider["USUBJID"].nunique())},
            title="Spider plot: percent change from baseline over time", methods=tumour_methods))
    return len(pop), n_eval


def tabulate_analysis_sets(adsl, cfg, n_pk, n_eff, n_eval, *, subjects_from: str = "DM") -> AnalysisSetsResult:
    """Subjects per analysis set and per treated dose group (the first item of the readout).

    A group's ``dose`` is its dose level when the groups are the dose levels of an escalation
    (:func:`doseflow.readout.groups.compute_dose_plan`), 0 for placebo, and missing for arms
    that are not one dose (their doses are listed in the notes).
    """
    e = cfg.efficacy
    safe = adsl[adsl["SAFFL"].astype(str).eq("Y")]
    plan = compute_dose_plan(adsl)
    placebo = placebo_groups(adsl)
    amounts = {lv.label: lv.amount for lv in plan} if plan is not None else {}
    lv = safe.groupby("DOSE_LEVEL").agg(label=("DOSE_GROUP", "first"), unit=("DOSEU", "first"),
                                        n=("USUBJID", "size")).reset_index().rename(columns={"DOSE_LEVEL": "level"})
    lv["placebo"] = lv["label"].astype(str).isin(placebo)
    lv["dose"] = [0.0 if p else amounts.get(str(g), np.nan) for g, p in zip(lv["label"], lv["placebo"])]
    eff_words = ("treated, every arm" if e.evaluable_min_dose is None else
                 f"treated, dose >= {e.evaluable_min_dose:g} {e.evaluable_dose_unit}")
    adam = subjects_from != "DM"
    sets = pd.DataFrame([
        ("dm", f"Subjects in {'ADSL' if adam else 'DM'}", len(adsl),
         f"one record per subject of {subjects_from}"),
        ("safety", "Safety population (treated)", len(safe),
         "ADSL SAFFL 'Y' (the sponsor's flag)" if adam else "at least one dose (EXDOSE > 0, or placebo)"),
        ("pk", "PK population", np.nan if n_pk is None else n_pk, "at least one measurable concentration"),
        ("efficacy", "Efficacy population", np.nan if n_eff is None else n_eff, eff_words),
        ("response", "Response-evaluable", np.nan if n_eval is None else n_eval,
         f"efficacy population with >= {e.min_post_baseline} usable post-baseline overall response(s)"),
    ], columns=["key", "set", "n", "definition"])
    per_level = "; ".join(f"level {int(r.level)} {r.label}: {format_n_pct(int(r.n), len(safe))}"
                          for r in lv.itertuples())
    dose_words = ("ADSL TRT01A and its dose (doseflow.readout.adam)" if adam else
                  adsl.attrs.get("dose_groups", f"{cfg.population.dose_by.replace('_', ' ')}")
                  + " (doseflow.readout.groups)")
    return AnalysisSetsResult(
        sets=sets, dose_levels=lv[["level", "label", "dose", "unit", "placebo", "n"]],
        efficacy_definition={"min_dose": e.evaluable_min_dose, "unit": e.evaluable_dose_unit,
                             "min_post_baseline": e.min_post_baseline, "confirmation": e.confirmation},
        dose_plan=plan is not None,
        methods=("Safety population: the sponsor's ADSL SAFFL" if adam else
                 "Safety population: subjects with at least one valid dose (admiral ADSL SAFFL)")
        + f"; dose groups by {dose_words}. Efficacy population: treated subjects of every arm"
        + (f" at >= {e.evaluable_min_dose:g} {e.evaluable_dose_unit}" if e.evaluable_min_dose is not None else "")
        + "; response-evaluable: with a usable post-baseline overall response (RECIST 1.1). Pooled figures leave "
        "placebo out (\"All active\") when there is a placebo group.",
        notes=(f"Treated per dose group: {per_level}.",) if len(lv) else ())
