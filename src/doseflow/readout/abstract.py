"""The headline figures of a readout and its results paragraph in the style of a conference abstract.

:func:`compute_headline` collects the figures a phase I abstract reports (the keys of
``results.json``, documented in :data:`HEADLINE_KEYS`); :func:`write_abstract` turns them into
one paragraph such as

    32 patients were treated at 7 dose levels (1.2-8.4 mg/kg); median exposure was 18.5
    weeks. No DLT occurred; the MTD was not reached. TRAEs occurred in 24 patients (75.0%);
    the most common (>10%) were AST increased (37.5%), ... Among 15 evaluable patients at
    ≥ 7.2 mg/kg, 6 had a confirmed PR (ORR 40.0%, 95% CI 16.3-67.7) and 3 had SD (DCR 60.0%,
    95% CI 32.3-83.7). Median PFS was 4.8 months (95% CI ...).

Every number is taken from a result's ``to_dict()`` (never recomputed here), so the text
agrees with the tables; a sentence whose analysis did not run is left out. The layout
follows what Lemech et al. (AACR 2023, abstract CT178) report for a phase Ia trial:
population and doses, exposure, DLT and MTD, TRAEs and grade >= 3 TRAEs, PK, response in
the evaluable population with its CI, median PFS.
"""

from __future__ import annotations

from typing import Any

from doseflow.readout.pipeline import Readout
from doseflow.readout.result import format_pct, format_significant, to_json_ready

__all__ = ["HEADLINE_KEYS", "compute_headline", "write_abstract"]

#: Every key of the headline dict (and of results.json), with its meaning. Values are null
#: where the data do not allow them. Percentages are 0-100; CIs are [lower, upper].
HEADLINE_KEYS: dict[str, str] = {
    "n_subjects": "subjects in DM",
    "n_treated": "safety population: subjects with at least one dose (placebo included)",
    "n_placebo": "treated subjects in the placebo/0-dose group",
    "dose_levels": "list of {level, label, dose, unit, placebo, n}: treated subjects per dose group (dose null for "
                   "an arm that is not one dose level)",
    "groups_are_dose_levels": "whether the active groups are the dose levels of an escalation (else arms)",
    "pooled_label": "'Overall', or 'All active' when there is a placebo group: what the pooled figures cover",
    "exposure_median_weeks": "median treatment duration (last - first dose + 1 day) in weeks, safety population",
    "deaths_n": "deaths of any cause in the safety population (DM.DTHDTC)",
    "dlt_recorded": "whether the data hold a DLT flag ([safety] dlt_variable)",
    "dlt_n": "patients with a DLT in the DLT window, all levels (null when DLTs are not recorded)",
    "dlt_evaluable_n": "DLT-evaluable patients ([safety] dlt_evaluable), active levels",
    "dlt_rate_ci": "exact (Clopper-Pearson) CI of the DLT rate, %; its upper limit is the one-sided upper bound",
    "mtd_level": "1-based MTD level by the design's 3+3 rule, ThreePlusThree.select_mtd (null: not reached or not "
                 "established)",
    "mtd_statement": "the MTD statement, one sentence",
    "teae_any_n": "patients with any TEAE (pooled)", "teae_any_pct": "the same, % of the pooled safety population",
    "safety_by_group": "list of {group, placebo, N, teae_n, trae_n, grade3_trae_n}: the AE figures per dose group",
    "trae_any_n": "patients with any treatment-related AE", "trae_any_pct": "the same, %",
    "grade3_trae_n": "patients with a grade >= 3 TRAE (severe by AESEV when no CTCAE grade)",
    "grade3_trae_pct": "the same, %",
    "grade_label": "what the grade >= 3 figures count ('Grade >= 3' or the AESEV stand-in)",
    "ae_terms_event": "'TRAE' (or 'TEAE' when AEREL is absent): the events of ae_terms_over_10pct",
    "ae_terms_threshold_pct": "the incidence threshold of ae_terms_over_10pct ([safety] incidence_threshold_pct)",
    "ae_terms_over_10pct": "list of {term, n, pct}: preferred terms above the threshold, most frequent first",
    "evaluable_n": "response-evaluable patients (denominator of ORR and DCR)",
    "evaluable_min_dose": "the efficacy population's minimum dose (null: no limit)",
    "evaluable_dose_unit": "its unit",
    "confirmation": "whether CR/PR needed confirmation (RECIST 1.1 sec. 4.4)",
    "bor_counts": "{CR, PR, SD, NON-CR/NON-PD, PD, NE, MISSING}: best overall response, response-evaluable",
    "orr_n": "patients with CR or PR", "orr_pct": "objective response rate, %",
    "orr_ci": "exact Clopper-Pearson CI of the ORR, %",
    "dcr_n": "patients with CR, PR, SD or NON-CR/NON-PD", "dcr_pct": "disease control rate, %",
    "dcr_ci": "its Clopper-Pearson CI, %",
    "ci_level_pct": "confidence level of every interval, %",
    "efficacy_by_group": "list of {group, placebo, N, orr_n, orr_pct}: response-evaluable patients per group",
    "dor_n": "responders in the duration-of-response analysis (pooled)", "dor_events": "their PD or deaths",
    "dor_median_months": "median duration of response (Kaplan-Meier), months",
    "dor_median_ci_months": "its Brookmeyer-Crowley CI on the primary scale, months",
    "pfs_n": "patients in the PFS analysis (efficacy population)", "pfs_events": "PFS events (PD or death)",
    "pfs_median_months": "Kaplan-Meier median PFS, months (days / 30.4375)",
    "pfs_median_ci_months": "{log: [l, u], log-log: [l, u]}: Brookmeyer-Crowley CI of the median, both scales",
    "pfs_conf_type": "the scale quoted in the abstract ([efficacy] conf_type)",
    "pk": "{analyte: {n_subjects, by_dose: [{group, dose, dose_unit, n, cmax_geo_mean, cmax_unit, auc_parameter, "
          "auc_geo_mean, auc_unit}]}}: cycle-1 geometric means by dose group (dose: the dose level, or the cycle-1 "
          "dose most of an arm's patients had), n counting patients",
    "design": "the escalation design the trial followed ([design] of the configuration; null: not given)",
    "n_cohorts": "escalation cohorts (null: the data carry no cohort variable)",
    "n_escalation": "patients of the escalation part (null: the data do not say the part)",
    "n_expansion": "patients of the expansion (or backfill) part (null: the data do not say the part)",
    "recommended_dose": "the dose the design selects after replaying the escalation cohorts (null: no design or none)",
    "recommended_statement": "the recommended dose and the MTD statement in words",
    "data_cutoff": "the latest date in the data (last date known alive or death), ISO; the cut-off is on or after it",
    "notes": "the readout's notes: datasets chosen, analyses skipped and why",
}


def _result(readout: Readout, name: str) -> dict | None:
    r = readout.get(name)
    return None if r is None else r.to_dict()


def compute_headline(readout: Readout) -> dict[str, Any]:
    """The headline figures of a readout, taken from its results' ``to_dict()``.

    Parameters
    ----------
    readout : Readout
        From :func:`doseflow.readout.pipeline.run_readout`.

    Returns
    -------
    dict
        Exactly the keys of :data:`HEADLINE_KEYS`, JSON-ready; None where an analysis did not
        run or a value cannot be computed.
    """
    h: dict[str, Any] = dict.fromkeys(HEADLINE_KEYS)
    sets = _result(readout, "population_sets")
    placebo: set[str] = set()
    if sets:
        h.update(n_subjects=sets["n_subjects"], n_treated=sets["n_treated"], dose_levels=sets["dose_levels"],
                 groups_are_dose_levels=sets["groups_are_dose_levels"])
        h["n_placebo"] = sum(lv["n"] for lv in sets["dose_levels"] if lv["placebo"])
        placebo = {lv["label"] for lv in sets["dose_levels"] if lv["placebo"]}
        h["pooled_label"] = "All active" if placebo else "Overall"
        eff = sets["efficacy_population"]
        h.update(evaluable_min_dose=eff["min_dose"], evaluable_dose_unit=eff["unit"], confirmation=eff["confirmation"])
    pop = _result(readout, "population_characteristics")
    if pop:
        h["exposure_median_weeks"] = pop["overall"].get("Exposure (weeks), median")
    overview = _result(readout, "safety_overview")
    if overview:
        deaths = overview["categories"]["Deaths (any cause)"]
        groups = list(overview["population_n"])[:-1]  # the last is the pooled column
        h["deaths_n"] = None if any(deaths[g] is None for g in groups) else sum(deaths[g] for g in groups)
    by_group: dict[str, dict] = {}
    for key, name in (("teae", "safety_teae"), ("trae", "safety_trae")):
        res = _result(readout, name)
        if not res:
            continue
        pooled = res["pooled"]
        h[f"{key}_any_n"], h[f"{key}_any_pct"] = res["any"][pooled]["n"], res["any"][pooled]["pct"]
        for g, v in res["any"].items():
            if g != pooled:
                row = by_group.setdefault(g, {"group": g, "placebo": g in placebo, "N": res["population_n"][g]})
                row[f"{key}_n"] = v["n"]
                if key == "trae":
                    row["grade3_trae_n"] = v["n_grade3"]
        if key == "trae":
            h["grade3_trae_n"] = res["any"][pooled]["n_grade3"]
            h["grade3_trae_pct"] = res["any"][pooled]["pct_grade3"]
            h["grade_label"] = res["grade_label"]
    h["safety_by_group"] = list(by_group.values()) or None
    common = _result(readout, "safety_common")
    if common:
        h["ae_terms_event"] = common["event"]
        h["ae_terms_threshold_pct"] = readout.config.safety.incidence_threshold_pct
        h["ae_terms_over_10pct"] = [{"term": t["term"], "n": t["n"], "pct": t["pct"]} for t in common["terms"]]
    dlt = _result(readout, "safety_dlt")
    if dlt:
        h.update(dlt_recorded=dlt["recorded"], mtd_level=dlt["mtd_level"], mtd_statement=dlt["statement"])
        h["dlt_evaluable_n"] = dlt["pooled"]["n"]
        if dlt["recorded"]:
            h["dlt_n"] = dlt["pooled"]["n_dlt"]
            h["dlt_rate_ci"] = None if dlt["pooled"]["ci"] is None else [100 * v for v in dlt["pooled"]["ci"]]
    rates = _result(readout, "efficacy_response_rates")
    if rates:
        pooled = rates["groups"][-1]
        h["evaluable_n"] = pooled["N"]
        h["bor_counts"] = {k: pooled[k] for k in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")}
        for k in ("orr", "dcr"):
            u = k.upper()
            h[f"{k}_n"] = pooled[f"{u}_N"]
            h[f"{k}_pct"] = None if pooled[u] is None else 100 * pooled[u]
            h[f"{k}_ci"] = None if pooled[f"{u}_LCL"] is None else [100 * pooled[f"{u}_LCL"], 100 * pooled[f"{u}_UCL"]]
        h["ci_level_pct"] = 100 * (1 - rates["settings"]["alpha"])
        h["efficacy_by_group"] = [{"group": g["GROUP"], "placebo": g["GROUP"] in placebo, "N": g["N"],
                                   "orr_n": g["ORR_N"], "orr_pct": None if g["ORR"] is None else 100 * g["ORR"]}
                                  for g in rates["groups"][:-1]]
    dor = _result(readout, "efficacy_dor")
    if dor:
        h.update(dor_n=dor["n"], dor_events=dor["events"], dor_median_months=dor["median_months"],
                 dor_median_ci_months=dor["ci_months"][dor["conf_type"]])
    pfs = _result(readout, "efficacy_pfs")
    if pfs:
        h.update(pfs_n=pfs["n"], pfs_events=pfs["events"], pfs_median_months=pfs["median_months"],
                 pfs_median_ci_months=pfs["ci_months"], pfs_conf_type=pfs["conf_type"])
    esc = _result(readout, "conduct_escalation")
    if esc:
        known = esc["n_escalation"] + esc["n_expansion"] > 0
        h.update(n_cohorts=esc["n_cohorts"], n_escalation=esc["n_escalation"] if known else None,
                 n_expansion=esc["n_expansion"] if known else None, recommended_dose=esc["recommended_dose"],
                 recommended_statement=esc["recommended"], data_cutoff=esc["data_cutoff"])
    design = readout.get("conduct_design")
    if design is not None and design.design is not None:
        h["design"] = str(design.design.label)
    h["pk"] = _pk_headline(readout) or None
    h["notes"] = list(readout.dataset_notes) + list(readout.notes)
    return to_json_ready(h)


def _pk_headline(readout: Readout) -> dict[str, Any]:
    """Per analyte: the PK population and the cycle-1 geometric means of Cmax and AUClast by dose group."""
    levels = {lv["label"]: lv for lv in (_result(readout, "population_sets") or {}).get("dose_levels", [])}
    pk: dict[str, Any] = {}
    for item in readout.section("pk"):
        if not item.name.startswith("pk_summary_"):
            continue
        analyte = item.result.title.rsplit(": ", 1)[-1]
        nca = _result(readout, "pk_nca_" + item.name[len("pk_summary_"):])
        stats = [s for s in item.result.to_dict()["statistics"] if s["dose_number"] == 1]
        by_dose = []
        for group in dict.fromkeys(s["DOSE_GROUP"] for s in stats):
            row = {s["PPTESTCD"]: s for s in stats if s["DOSE_GROUP"] == group}
            cmax, auc = row.get("CMAX", {}), row.get("AUCLST", {})
            level = levels.get(group, {})
            given = [r["dose"] for r in nca["parameters"] if r["PPTESTCD"] == "CMAX" and r.get("dose_number") == 1
                     and r.get("DOSE_GROUP") == group and r.get("dose") is not None]
            dose = level.get("dose") if level.get("dose") is not None else (
                max(set(given), key=given.count) if given else None)
            by_dose.append({"group": group, "dose": dose, "dose_unit": level.get("unit"),
                            "n": cmax.get("n"), "cmax_geo_mean": cmax.get("geo_mean"), "cmax_unit": cmax.get("unit"),
                            "auc_parameter": "AUCLST", "auc_geo_mean": auc.get("geo_mean"),
                            "auc_unit": auc.get("unit")})
        pk[analyte] = {"n_subjects": nca["n_subjects"], "by_dose": by_dose}
    return pk




def _months(v: float | None) -> str:
    return "not reached" if v is None else f"{v:.1f}"


def _ci(ci: list | None) -> str:
    if not ci:
        return ""
    lo, hi = ci
    return f"{_months(lo)}-{_months(hi)}" if lo is not None and hi is not None else \
        f"{_months(lo)} to {_months(hi)}"


def _term(term: str) -> str:
    """A MedDRA term as it reads mid-sentence: "PYREXIA" -> "pyrexia", "AST increased" kept."""
    if term.isupper():
        return term.lower()
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in term.split(" "))


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _dose(v: float) -> str:
    return f"{v:g}"


def _patients(n: int) -> str:
    return f"{n} patient{'' if n == 1 else 's'}"


def _population_sentence(h: dict[str, Any]) -> str | None:
    levels = [lv for lv in (h["dose_levels"] or []) if not lv["placebo"]]
    if not levels:
        return None
    n_active = sum(lv["n"] for lv in levels)  # subjects per group from the ADSL counts
    if h["groups_are_dose_levels"] is not False and all(lv["dose"] is not None for lv in levels):
        unit = levels[0]["unit"] or ""
        doses = (f"1 dose level ({_dose(levels[0]['dose'])} {unit})" if len(levels) == 1 else
                 f"{len(levels)} dose levels ({_dose(levels[0]['dose'])}-{_dose(levels[-1]['dose'])} {unit})")
        s = f"{_patients(n_active)} were treated at {doses.replace(' )', ')')}"
        if h["n_placebo"]:
            s += f" and {h['n_placebo']} received placebo"
    else:
        arms = [f"{lv['n']} with {lv['label']}" for lv in levels]
        if h["n_placebo"]:
            arms.append(f"{h['n_placebo']} with placebo")
        s = f"{_patients(n_active + (h['n_placebo'] or 0))} were treated: {_join(arms)}"
    if h["exposure_median_weeks"] is not None:
        s += f"; median exposure was {h['exposure_median_weeks']:.1f} weeks"
    return s + "."


def _escalation_sentence(h: dict[str, Any]) -> str | None:
    """The conduct: cohorts of the escalation, the expansion, the design's recommended dose, the data cut-off."""
    parts = []
    if h["n_cohorts"]:
        s = f"Dose escalation treated {_patients(h['n_escalation'] or 0)} in {h['n_cohorts']} cohorts"
        s += f" (design: {h['design']})" if h["design"] else ""
        if h["n_expansion"]:
            s += f" and the expansion {h['n_expansion']} more"
        if h["recommended_dose"]:
            s += f"; the recommended dose by the design was {h['recommended_dose']}"
        parts.append(s + ".")
    if h["data_cutoff"]:
        parts.append(f"Data cut-off: on or after {h['data_cutoff']}, the latest date in the data.")
    return " ".join(parts) or None


def _dlt_sentence(h: dict[str, Any]) -> str | None:
    if not h["dlt_recorded"]:
        return None
    among = f" among {h['dlt_evaluable_n']} DLT-evaluable patients" if h["dlt_evaluable_n"] is not None else ""
    ci = h["dlt_rate_ci"]
    if h["dlt_n"] == 0:
        rate = f" (DLT rate 0%, 95% CI 0-{ci[1]:.1f}%)" if ci else ""
        return f"No DLT occurred{among}{rate}; the MTD was not reached."
    rate = (f" ({100 * h['dlt_n'] / h['dlt_evaluable_n']:.1f}%, 95% CI {ci[0]:.1f}-{ci[1]:.1f}%)"
            if ci and h["dlt_evaluable_n"] else "")
    return f"{_patients(h['dlt_n'])}{among} had a DLT{rate}. {h['mtd_statement']}"


def _by_arm(h: dict[str, Any], key: str) -> tuple[str, str]:
    """('<arm> n of N, p%; ...' for the active arms when there are several, ' and in n of N on placebo (p%)')."""
    groups = h["safety_by_group"] or []
    active = [g for g in groups if not g["placebo"] and g.get(key) is not None]
    placebo = [g for g in groups if g["placebo"] and g.get(key) is not None]
    arms = "; ".join(f"{g['group']} {g[key]} of {g['N']}, {format_pct(100 * g[key] / g['N'])}" for g in active
                     if g["N"]) if len(active) > 1 else ""
    on_placebo = " and in " + _join([f"{g[key]} of {g['N']} on {g['group'].lower()} ({format_pct(100 * g[key] / g['N'])})"
                                     for g in placebo if g["N"]]) if placebo else ""
    return arms, on_placebo


def _ae_sentences(h: dict[str, Any]) -> list[str]:
    out = []
    event = h["ae_terms_event"] or ("TRAE" if h["trae_any_n"] is not None else "TEAE")
    any_n, any_pct = (h["trae_any_n"], h["trae_any_pct"]) if event == "TRAE" else (h["teae_any_n"], h["teae_any_pct"])
    placebo = h["pooled_label"] == "All active"
    if any_n is not None:
        if placebo:
            arms, on_placebo = _by_arm(h, f"{event.lower()}_n")
            total = sum(g["N"] for g in h["safety_by_group"] or [] if not g["placebo"])
            s = (f"{event}s occurred in {any_n} of {total} patients on active treatment ({format_pct(any_pct)}"
                 f"{': ' + arms if arms else ''}){on_placebo}")
        else:
            s = f"{event}s occurred in {_patients(any_n)} ({format_pct(any_pct)})"
        if h["ae_terms_over_10pct"] is not None:
            thr = f">{h['ae_terms_threshold_pct']:g}%"
            terms = [f"{_term(t['term'])} ({format_pct(t['pct'])})" for t in h["ae_terms_over_10pct"]]
            where = " on active treatment" if placebo else ""
            s += (f"; the most common{where} ({thr}) were {_join(terms)}" if terms else
                  f"; none occurred in {thr} of patients{where}")
        out.append(s + ".")
    if h["grade3_trae_n"] is not None:
        what = "Grade ≥ 3 TRAEs" if h["grade_label"] == "Grade >= 3" else \
            "Severe TRAEs (AESEV severity; no CTCAE grade recorded)"
        if placebo:
            arms, on_placebo = _by_arm(h, "grade3_trae_n")
            total = sum(g["N"] for g in h["safety_by_group"] or [] if not g["placebo"])
            out.append(f"{what} occurred in {h['grade3_trae_n']} of {total} patients on active treatment "
                       f"({format_pct(h['grade3_trae_pct'])}{': ' + arms if arms else ''}){on_placebo}.")
        else:
            out.append(f"{what} occurred in {_patients(h['grade3_trae_n'])} ({format_pct(h['grade3_trae_pct'])}).")
    return out


def _pk_sentences(h: dict[str, Any]) -> list[str]:
    out = []
    for analyte, p in (h["pk"] or {}).items():
        doses = [d for d in p["by_dose"] if d["cmax_geo_mean"] is not None and d["auc_geo_mean"] is not None]
        if not doses:
            continue

        def at(d: dict) -> str:
            return (f"at {_dose(d['dose'])} {d['dose_unit'] or ''}".rstrip()
                    if d.get("dose") is not None and h["groups_are_dose_levels"] is not False else f"in {d['group']}")

        lo, hi = doses[0], doses[-1]
        if len(doses) == 1:
            detail = (f"cycle 1 geometric mean Cmax {format_significant(lo['cmax_geo_mean'])} {lo['cmax_unit']} and AUClast "
                      f"{format_significant(lo['auc_geo_mean'])} {lo['auc_unit']} {at(lo)}")
        else:
            detail = (f"cycle 1 geometric mean Cmax {format_significant(lo['cmax_geo_mean'])} {lo['cmax_unit']} {at(lo)} and "
                      f"{format_significant(hi['cmax_geo_mean'])} {hi['cmax_unit']} {at(hi)}; AUClast "
                      f"{format_significant(lo['auc_geo_mean'])} and {format_significant(hi['auc_geo_mean'])} {hi['auc_unit']}")
        out.append(f"{analyte} pharmacokinetics were assessed in {_patients(p['n_subjects'])} ({detail}).")
    return out


def _efficacy_sentence(h: dict[str, Any]) -> str | None:
    if h["evaluable_n"] is None:
        return None
    c = h["bor_counts"]
    conf = "confirmed " if h["confirmation"] else ""
    where = (f" at ≥ {_dose(h['evaluable_min_dose'])} {h['evaluable_dose_unit']}"
             if h["evaluable_min_dose"] is not None else "")
    placebo = h["pooled_label"] == "All active"
    level = f"{h['ci_level_pct']:g}% CI"
    resp = [f"{c[k]} {'had ' if not i else ''}a {conf}{k}" for i, k in enumerate(k for k in ("CR", "PR") if c[k])]
    resp = _join(resp) if resp else "none had a " + conf + "response"
    s = (f"Among {h['evaluable_n']} evaluable patient{'' if h['evaluable_n'] == 1 else 's'}"
         f"{' on active treatment' if placebo else ''}{where}, {resp}")
    if h["orr_pct"] is not None:
        s += f" (ORR {format_pct(h['orr_pct'])}, {level} {h['orr_ci'][0]:.1f}-{h['orr_ci'][1]:.1f})"
    sd = c["SD"] + c["NON-CR/NON-PD"]
    if sd and h["dcr_pct"] is not None:
        what = "SD" if not c["NON-CR/NON-PD"] else "SD or non-CR/non-PD"
        s += (f" and {sd} had {what} (DCR {format_pct(h['dcr_pct'])}, {level} "
              f"{h['dcr_ci'][0]:.1f}-{h['dcr_ci'][1]:.1f})")
    for g in h["efficacy_by_group"] or []:
        if g["placebo"] and g["N"]:
            s += f"; on {g['group'].lower()}, {g['orr_n']} of {g['N']} had a {conf}response"
    return s + "."


def _tte_sentence(what: str, median: float | None, ci: list | None, level: str, events: str = "") -> str:
    text = f"Median {what} was {_months(median)}{' months' if median is not None else ''}"
    parts = [f"{level} {_ci(ci)}"] if ci else []
    if events:
        parts.append(events)
    return text + (f" ({'; '.join(parts)})" if parts else "") + "."


def write_abstract(headline: dict[str, Any]) -> str:
    """The results paragraph of a conference abstract from :func:`compute_headline`'s dict.

    Parameters
    ----------
    headline : dict
        As returned by :func:`compute_headline` (or read back from results.json).

    Returns
    -------
    str
        One paragraph; sentences whose figures are None are left out.

    Notes
    -----
    Percentages with one decimal, CIs as "lower-upper" at the level of the analysis,
    times in months (days / 30.4375), PK geometric means of cycle 1 to three significant
    digits. Dose levels are named by their doses, arms that are not dose levels by their
    names. With a placebo group the AE and efficacy figures are those of the active arms
    pooled, each active arm's AE figures are given, and placebo's beside them. The DLT
    sentence gives the DLT-evaluable patients and the exact CI of the DLT rate; "the MTD
    was not reached" is written only when DLTs are recorded and none occurred. The
    efficacy sentence names the population (evaluable, minimum dose) and says
    "confirmed" when confirmation was required; duration of response and PFS carry their
    CI, and the duration of response its number of events.

    Examples
    --------
    >>> write_abstract({"n_treated": 3, "n_placebo": 0, "dose_levels": [
    ...     {"level": 1, "label": "1.2 mg/kg", "dose": 1.2, "unit": "mg/kg", "placebo": False, "n": 3}],
    ...     "dlt_recorded": True, "dlt_n": 0, "dlt_evaluable_n": 3, "dlt_rate_ci": [0.0, 70.76]})
    '3 patients were treated at 1 dose level (1.2 mg/kg). No DLT occurred among 3 DLT-evaluable patients (DLT rate 0%, 95% CI 0-70.8%); the MTD was not reached.'
    """
    h = {k: headline.get(k) for k in HEADLINE_KEYS}
    out = [x for x in (_population_sentence(h), _escalation_sentence(h), _dlt_sentence(h)) if x]
    out += _ae_sentences(h) + _pk_sentences(h)
    eff = _efficacy_sentence(h)
    if eff:
        out.append(eff)
    level = f"{h['ci_level_pct']:g}% CI" if h["ci_level_pct"] is not None else "CI"
    if h["dor_median_months"] is not None:
        events = (f"{h['dor_events']} event{'' if h['dor_events'] == 1 else 's'} in {h['dor_n']} responders"
                  if h["dor_n"] is not None else "")
        out.append(_tte_sentence("duration of response", h["dor_median_months"], h["dor_median_ci_months"], level,
                                 events))
    if h["pfs_median_months"] is not None or h["pfs_n"] is not None:
        ci = (h["pfs_median_ci_months"] or {}).get(h["pfs_conf_type"])
        out.append(_tte_sentence("PFS", h["pfs_median_months"], ci, level))
    return " ".join(out)
