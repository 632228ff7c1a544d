"""The key figures of a readout: the table under the summary paragraph, one row per figure.

:func:`tabulate_key_figures` reads the headline dict of
:func:`doseflow.readout.abstract.compute_headline` (the figures of ``results.json``), so the
table, the paragraph and the detailed tables agree; a row whose analysis did not run says
"not available" and why, never a guessed value. Rounding follows
:data:`doseflow.readout.result.ROUNDING_RULE`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from doseflow.readout.result import format_pct

__all__ = ["tabulate_key_figures"]

_MISSING = "not available"


def _ci(ci: list | None, digits: int = 1) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return ""
    return f", 95% CI {ci[0]:.{digits}f}-{ci[1]:.{digits}f}"


def _n_pct(n: int | None, pct: float | None) -> str:
    return _MISSING if n is None else f"{n} ({format_pct(pct)})"


def tabulate_key_figures(h: dict[str, Any]) -> pd.DataFrame:
    """Figure and value of each key figure of the readout.

    Parameters
    ----------
    h : dict
        :func:`doseflow.readout.abstract.compute_headline` (or results.json).

    Returns
    -------
    pandas.DataFrame
        Columns "Key figure" and "Value".

    Examples
    --------
    >>> from doseflow.readout.abstract import HEADLINE_KEYS
    >>> h = dict.fromkeys(HEADLINE_KEYS) | {"n_treated": 3, "trae_any_n": 2, "trae_any_pct": 66.66}
    >>> t = tabulate_key_figures(h).set_index("Key figure")["Value"]
    >>> t["Patients treated"], t["Any treatment-related AE (TRAE)"], t["Recommended dose"]
    ('3', '2 (66.7%)', 'not stated (no design given or no dose selected)')
    """
    rows: list[tuple[str, str]] = []
    rows.append(("Data cut-off", f"on or after {h['data_cutoff']} (latest date in the data)" if h.get("data_cutoff")
                 else _MISSING))
    levels = [lv for lv in (h.get("dose_levels") or []) if not lv["placebo"]]
    treated = "" if h.get("n_treated") is None else str(h["n_treated"])
    if levels and h.get("groups_are_dose_levels") and all(lv["dose"] is not None for lv in levels):
        unit = f" {levels[0]['unit']}" if levels[0]["unit"] else ""
        treated += (f" at {len(levels)} dose level{'s' if len(levels) > 1 else ''} "
                    f"({levels[0]['dose']:g}-{levels[-1]['dose']:g}{unit})")
    elif levels:
        treated += f" in {len(levels) + (1 if h.get('n_placebo') else 0)} arms"
    rows.append(("Patients treated", treated or _MISSING))
    if h.get("n_cohorts"):
        rows.append(("Escalation", f"{h['n_escalation']} patients in {h['n_cohorts']} cohorts"))
        rows.append(("Expansion", f"{h['n_expansion'] or 0} patients"))
    rows.append(("Design", h.get("design") or "not given ([design] in the readout configuration)"))
    rows.append(("Recommended dose", h.get("recommended_dose") or "not stated (no design given or no dose selected)"))
    rows.append(("MTD statement", h.get("mtd_statement") or _MISSING))
    if h.get("dlt_recorded"):
        ci = h.get("dlt_rate_ci")
        rate = f" (95% CI of the DLT rate {ci[0]:.1f}-{ci[1]:.1f}%)" if ci else ""
        rows.append(("Patients with a DLT", f"{h['dlt_n']} of {h['dlt_evaluable_n']} DLT-evaluable{rate}"))
    else:
        rows.append(("Patients with a DLT", "not recorded in the data"))
    rows.append(("Median exposure", _MISSING if h.get("exposure_median_weeks") is None
                 else f"{h['exposure_median_weeks']:.1f} weeks"))
    rows.append(("Any treatment-related AE (TRAE)", _n_pct(h.get("trae_any_n"), h.get("trae_any_pct"))))
    rows.append(("Grade >= 3 TRAE", _n_pct(h.get("grade3_trae_n"), h.get("grade3_trae_pct"))))
    terms = h.get("ae_terms_over_10pct")
    if terms is not None:
        thr = h.get("ae_terms_threshold_pct") or 10
        rows.append((f"Most common {h.get('ae_terms_event') or 'TRAE'}s (> {thr:g}%)",
                     ", ".join(f"{t['term']} {format_pct(t['pct'])}" for t in terms) or "none"))
    where = ""
    if h.get("evaluable_min_dose") is not None:
        where = f" at >= {h['evaluable_min_dose']:g} {h['evaluable_dose_unit']}"
    if h.get("evaluable_n") is not None:
        conf = "confirmed " if h.get("confirmation") else ""
        rows.append((f"Objective response rate ({conf}CR or PR){where}",
                     f"{h['orr_n']} of {h['evaluable_n']} ({format_pct(h['orr_pct'])}{_ci(h.get('orr_ci'))})"))
        rows.append((f"Disease control rate (CR, PR or SD){where}",
                     f"{h['dcr_n']} of {h['evaluable_n']} ({format_pct(h['dcr_pct'])}{_ci(h.get('dcr_ci'))})"))
    if h.get("pfs_n") is not None:
        med = h.get("pfs_median_months")
        ci = (h.get("pfs_median_ci_months") or {}).get(h.get("pfs_conf_type"))
        text = "not reached" if med is None else f"{med:.1f} months"
        if ci:
            text += " (95% CI " + " to ".join("not reached" if v is None else f"{v:.1f}" for v in ci) + ")"
        rows.append((f"Median progression-free survival{where}", text))
    return pd.DataFrame(rows, columns=["Key figure", "Value"])
