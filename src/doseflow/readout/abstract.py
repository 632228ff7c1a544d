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
from doseflow.readout.result import to_json_ready

__all__ = ["HEADLINE_KEYS", "compute_headline", "write_abstract"]

#: Every key of the headline dict (and of results.json), with its meaning. Values are null
#: where the data do not allow them. Percentages are 0-100; CIs are [lower, upper].
HEADLINE_KEYS: dict[str, str] = {
    "n_subjects": "subjects in DM",
    "n_treated": "safety population: subjects with at least one dose (placebo included)",
    "n_placebo": "treated subjects in the placebo/0-dose group",
    "dose_levels": "list of {level, label, dose, unit, placebo, n}: treated subjects per dose level",
    "exposure_median_weeks": "median treatment duration (last - first dose + 1 day) in weeks, safety population",
    "deaths_n": "deaths of any cause in the safety population (DM.DTHDTC)",
    "dlt_recorded": "whether the data hold a DLT flag ([safety] dlt_variable)",
    "dlt_n": "patients with a DLT in the DLT window, all levels (null when DLTs are not recorded)",
    "mtd_level": "1-based MTD level by the 3+3 rule (null: not reached or not established)",
    "mtd_statement": "the MTD statement, one sentence",
    "teae_any_n": "patients with any TEAE", "teae_any_pct": "the same, % of the safety population",
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
    "dor_median_months": "median duration of response (Kaplan-Meier), months",
    "pfs_n": "patients in the PFS analysis (efficacy population)", "pfs_events": "PFS events (PD or death)",
    "pfs_median_months": "Kaplan-Meier median PFS, months (days / 30.4375)",
    "pfs_median_ci_months": "{log: [l, u], log-log: [l, u]}: Brookmeyer-Crowley CI of the median, both scales",
    "pfs_conf_type": "the scale quoted in the abstract ([efficacy] conf_type)",
    "pk": "{analyte: {n_subjects, by_dose: [{dose, dose_unit, n, cmax_geo_mean, cmax_unit, auc_parameter, "
          "auc_geo_mean, auc_unit}]}}: geometric means by dose",
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
    if sets:
        h.update(n_subjects=sets["n_subjects"], n_treated=sets["n_treated"], dose_levels=sets["dose_levels"])
        h["n_placebo"] = sum(lv["n"] for lv in sets["dose_levels"] if lv["placebo"])
        eff = sets["efficacy_population"]
        h.update(evaluable_min_dose=eff["min_dose"], evaluable_dose_unit=eff["unit"], confirmation=eff["confirmation"])
    pop = _result(readout, "population_characteristics")
    if pop:
        h["exposure_median_weeks"] = pop["overall"].get("Exposure (weeks), median")
    overview = _result(readout, "safety_overview")
    if overview:
        h["deaths_n"] = overview["categories"]["Deaths (any cause)"]["Overall"]
    for key, name in (("teae", "safety_teae"), ("trae", "safety_trae")):
        res = _result(readout, name)
        if res:
            h[f"{key}_any_n"], h[f"{key}_any_pct"] = res["any"]["Overall"]["n"], res["any"]["Overall"]["pct"]
            if key == "trae":
                h["grade3_trae_n"] = res["any"]["Overall"]["n_grade3"]
                h["grade3_trae_pct"] = res["any"]["Overall"]["pct_grade3"]
                h["grade_label"] = res["grade_label"]
    common = _result(readout, "safety_common")
    if common:
        h["ae_terms_event"] = common["event"]
        h["ae_terms_threshold_pct"] = readout.config.safety.incidence_threshold_pct
        h["ae_terms_over_10pct"] = [{"term": t["term"], "n": t["n"], "pct": t["pct"]} for t in common["terms"]]
    dlt = _result(readout, "safety_dlt")
    if dlt:
        h.update(dlt_recorded=dlt["recorded"], mtd_level=dlt["mtd_level"], mtd_statement=dlt["statement"])
        if dlt["recorded"]:
            h["dlt_n"] = sum(lv["n_dlt"] for lv in dlt["levels"])
    rates = _result(readout, "efficacy_response_rates")
    if rates:
        overall = rates["groups"][-1]
        h["evaluable_n"] = overall["N"]
        h["bor_counts"] = {k: overall[k] for k in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")}
        for k in ("orr", "dcr"):
            u = k.upper()
            h[f"{k}_n"] = overall[f"{u}_N"]
            h[f"{k}_pct"] = None if overall[u] is None else 100 * overall[u]
            h[f"{k}_ci"] = None if overall[f"{u}_LCL"] is None else [100 * overall[f"{u}_LCL"], 100 * overall[f"{u}_UCL"]]
        h["ci_level_pct"] = 100 * (1 - rates["settings"]["alpha"])
    dor = _result(readout, "efficacy_dor")
    if dor:
        h["dor_median_months"] = dor["median_months"]
    pfs = _result(readout, "efficacy_pfs")
    if pfs:
        h.update(pfs_n=pfs["n"], pfs_events=pfs["events"], pfs_median_months=pfs["median_months"],
                 pfs_median_ci_months=pfs["ci_months"], pfs_conf_type=pfs["conf_type"])
    pk: dict[str, Any] = {}
    for item in readout.section("pk"):
        if not item.name.startswith("pk_summary_"):
            continue
        analyte = item.result.title.rsplit(": ", 1)[-1]
        nca = _result(readout, "pk_nca_" + item.name[len("pk_summary_"):])
        units = {p["dose"]: p.get("dose_unit") for p in nca["parameters"]}
        stats = item.result.to_dict()["statistics"]
        by_dose = []
        for dose in dict.fromkeys(s["dose"] for s in stats):
            row = {s["PPTESTCD"]: s for s in stats if s["dose"] == dose}
            cmax, auc = row.get("CMAX", {}), row.get("AUCLST", {})
            by_dose.append({"dose": dose, "dose_unit": units.get(dose), "n": cmax.get("n"),
                            "cmax_geo_mean": cmax.get("geo_mean"), "cmax_unit": cmax.get("unit"),
                            "auc_parameter": "AUCLST", "auc_geo_mean": auc.get("geo_mean"),
                            "auc_unit": auc.get("unit")})
        pk[analyte] = {"n_subjects": nca["n_subjects"], "by_dose": by_dose}
    h["pk"] = pk or None
    h["notes"] = list(readout.dataset_notes) + list(readout.notes)
    return to_json_ready(h)


def _sig(value: float) -> str:
    """Three significant digits without an exponent: 23312.4 -> '23,300', 1.843 -> '1.84'."""
    return f"{float(f'{value:.3g}'):,g}"


def _pct(v: float) -> str:
    return f"{v:.1f}%"


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
    times in months (days / 30.4375), PK geometric means to three significant digits.
    "No DLT occurred; the MTD was not reached." is written only when DLTs are recorded and
    none occurred. The efficacy sentence names the population (evaluable, minimum dose)
    and says "confirmed" when confirmation was required.

    Examples
    --------
    >>> write_abstract({"n_treated": 3, "n_placebo": 0, "dose_levels": [
    ...     {"level": 1, "label": "1.2 mg/kg", "dose": 1.2, "unit": "mg/kg", "placebo": False, "n": 3}],
    ...     "dlt_recorded": True, "dlt_n": 0})
    '3 patients were treated at 1 dose level (1.2 mg/kg). No DLT occurred; the MTD was not reached.'
    """
    h = {k: headline.get(k) for k in HEADLINE_KEYS}
    out: list[str] = []
    levels = [lv for lv in (h["dose_levels"] or []) if not lv["placebo"]]
    if levels:
        n_active = sum(lv["n"] for lv in levels)  # subjects per level from the ADSL counts
        unit = levels[0]["unit"] or ""
        doses = (f"1 dose level ({_dose(levels[0]['dose'])} {unit})" if len(levels) == 1 else
                 f"{len(levels)} dose levels ({_dose(levels[0]['dose'])}-{_dose(levels[-1]['dose'])} {unit})")
        s = f"{_patients(n_active)} were treated at {doses.replace(' )', ')')}"
        if h["n_placebo"]:
            s += f" and {h['n_placebo']} received placebo"
        if h["exposure_median_weeks"] is not None:
            s += f"; median exposure was {h['exposure_median_weeks']:.1f} weeks"
        out.append(s + ".")
    if h["dlt_recorded"]:
        if h["dlt_n"] == 0:
            out.append("No DLT occurred; the MTD was not reached.")
        else:
            out.append(f"{_patients(h['dlt_n'])} had a DLT. {h['mtd_statement']}")
    event = h["ae_terms_event"] or ("TRAE" if h["trae_any_n"] is not None else "TEAE")
    any_n, any_pct = (h["trae_any_n"], h["trae_any_pct"]) if event == "TRAE" else (h["teae_any_n"], h["teae_any_pct"])
    if any_n is not None:
        s = f"{event}s occurred in {_patients(any_n)} ({_pct(any_pct)})"
        if h["ae_terms_over_10pct"] is not None:
            thr = f">{h['ae_terms_threshold_pct']:g}%"
            terms = [f"{_term(t['term'])} ({_pct(t['pct'])})" for t in h["ae_terms_over_10pct"]]
            s += f"; the most common ({thr}) were {_join(terms)}" if terms else f"; none occurred in {thr} of patients"
        out.append(s + ".")
    if h["grade3_trae_n"] is not None:
        what = "Grade ≥ 3 TRAEs" if h["grade_label"] == "Grade >= 3" else \
            "Severe TRAEs (AESEV severity; no CTCAE grade recorded)"
        out.append(f"{what} occurred in {_patients(h['grade3_trae_n'])} ({_pct(h['grade3_trae_pct'])}).")
    for analyte, p in (h["pk"] or {}).items():
        doses = [d for d in p["by_dose"] if d["cmax_geo_mean"] is not None and d["auc_geo_mean"] is not None]
        if not doses:
            continue
        at = lambda d: f"{_dose(d['dose'])} {d['dose_unit'] or ''}".rstrip()  # noqa: E731
        lo, hi = doses[0], doses[-1]
        if len(doses) == 1:
            detail = (f"geometric mean Cmax {_sig(lo['cmax_geo_mean'])} {lo['cmax_unit']} and AUClast "
                      f"{_sig(lo['auc_geo_mean'])} {lo['auc_unit']} at {at(lo)}")
        else:
            detail = (f"geometric mean Cmax {_sig(lo['cmax_geo_mean'])} {lo['cmax_unit']} at {at(lo)} and "
                      f"{_sig(hi['cmax_geo_mean'])} {hi['cmax_unit']} at {at(hi)}; AUClast "
                      f"{_sig(lo['auc_geo_mean'])} and {_sig(hi['auc_geo_mean'])} {hi['auc_unit']}")
        out.append(f"{analyte} pharmacokinetics were assessed in {_patients(p['n_subjects'])} ({detail}).")
    if h["evaluable_n"] is not None:
        c = h["bor_counts"]
        conf = "confirmed " if h["confirmation"] else ""
        where = (f" at ≥ {_dose(h['evaluable_min_dose'])} {h['evaluable_dose_unit']}"
                 if h["evaluable_min_dose"] is not None else "")
        level = f"{h['ci_level_pct']:g}% CI"
        resp = [f"{c[k]} {'had ' if not i else ''}a {conf}{k}" for i, k in enumerate(k for k in ("CR", "PR") if c[k])]
        resp = _join(resp) if resp else "none had a " + conf + "response"
        s = f"Among {h['evaluable_n']} evaluable patient{'' if h['evaluable_n'] == 1 else 's'}{where}, {resp}"
        if h["orr_pct"] is not None:
            s += f" (ORR {_pct(h['orr_pct'])}, {level} {h['orr_ci'][0]:.1f}-{h['orr_ci'][1]:.1f})"
        sd = c["SD"] + c["NON-CR/NON-PD"]
        if sd and h["dcr_pct"] is not None:
            what = "SD" if not c["NON-CR/NON-PD"] else "SD or non-CR/non-PD"
            s += (f" and {sd} had {what} (DCR {_pct(h['dcr_pct'])}, {level} "
                  f"{h['dcr_ci'][0]:.1f}-{h['dcr_ci'][1]:.1f})")
        out.append(s + ".")
    if h["dor_median_months"] is not None:
        out.append(f"Median duration of response was {_months(h['dor_median_months'])} months.")
    if h["pfs_median_months"] is not None or h["pfs_n"] is not None:
        ci = (h["pfs_median_ci_months"] or {}).get(h["pfs_conf_type"])
        level = f"{h['ci_level_pct']:g}% CI" if h["ci_level_pct"] is not None else "CI"
        median = _months(h["pfs_median_months"])
        out.append(f"Median PFS was {median}{' months' if h['pfs_median_months'] is not None else ''}"
                   + (f" ({level} {_ci(ci)})" if ci else "") + ".")
    return " ".join(out)
