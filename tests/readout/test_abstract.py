"""The abstract paragraph and headline figures, against the GQ1001 phase Ia abstract (example-trial.md).

A synthetic SDTM folder is built by hand so that its plain counts are those reported by
Lemech et al. (AACR 2023, CT178; ../shared/reference/example-trial.md): 32 patients at 7
dose levels 1.2-8.4 mg/kg (3, 3, 3, 4, 4, 7, 8 patients); median exposure 18.5 weeks; no DLT;
TRAEs in 24 patients (75%) with AST increased 12 (37.5%), thrombocytopenia 9 (28.1%), ALT
increased 8 (25.0%), pyrexia 7 (21.9%), anaemia 6 (18.8%), alkaline phosphatase increased,
vomiting and nausea 4 each (12.5%); grade >= 3 TRAEs in 9 (28.1%); at >= 7.2 mg/kg 15
evaluable patients, 6 confirmed PR (40%) and 3 SD (disease control 60%); median PFS 4.8
months. The readout must give those figures back, through run_readout and write_abstract.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from doseflow.readout.abstract import HEADLINE_KEYS, compute_headline, write_abstract
from doseflow.readout.config import parse_config
from doseflow.readout.pipeline import run_readout

LEVELS = [(1.2, 3), (2.4, 3), (3.6, 3), (4.8, 4), (6.0, 4), (7.2, 7), (8.4, 8)]
TRAE_COUNTS = [("AST increased", 12), ("Thrombocytopenia", 9), ("ALT increased", 8), ("Pyrexia", 7),
               ("Anaemia", 6), ("Alkaline phosphatase increased", 4), ("Vomiting", 4), ("Nausea", 4),
               ("Fatigue", 3)]
START = pd.Timestamp("2022-01-03")
# Days of PD (as PFS AVAL = PD date - first dose + 1) of the 15 patients at >= 7.2 mg/kg:
# 6 PR (PR on day 43, confirmed on day 85), 3 SD (SD on day 43), 6 PD on their first scan.
PR_PD = [127, 190, 230, 260, 300, 330]
SD_PD = [146, 160, 175]
PD_ONLY = [43, 43, 43, 50, 57, 64]


def _day(subject_start: pd.Timestamp, aval: int) -> str:
    return (subject_start + pd.Timedelta(days=aval - 1)).strftime("%Y-%m-%d")


def build_gq1001_like(folder: Path) -> Path:
    """Write DM, EX, AE and RS of a 32-patient trial with the GQ1001 abstract's counts."""
    ids = [f"GQ-{i + 1:03d}" for i in range(32)]
    doses = [d for d, n in LEVELS for _ in range(n)]
    starts = [START + pd.Timedelta(days=7 * i) for i in range(32)]
    # exposure: 16 patients 120 days, 15 patients 139 days, 1 patient 371 days -> median 129.5 d = 18.5 weeks
    duration = [120] * 16 + [139] * 15 + [371]
    dm = pd.DataFrame({"STUDYID": "GQ1001", "DOMAIN": "DM", "USUBJID": ids, "SUBJID": [i[-3:] for i in ids],
                       "SITEID": "01", "AGE": 55, "SEX": "F", "COUNTRY": "AUS", "ARM": "GQ1001",
                       "ACTARM": "GQ1001"})
    ex = pd.DataFrame({"STUDYID": "GQ1001", "DOMAIN": "EX", "USUBJID": ids, "EXSEQ": 1, "EXTRT": "GQ1001",
                       "EXDOSE": doses, "EXDOSU": "mg/kg", "EXROUTE": "INTRAVENOUS",
                       "EXSTDTC": [s.strftime("%Y-%m-%d") for s in starts],
                       "EXENDTC": [_day(s, d) for s, d in zip(starts, duration)]})
    # TRAEs: each term on consecutive patients 0..23 (wrapping), so patients 0-23 have one or more
    events, pointer = [], 0
    for term, n in TRAE_COUNTS:
        for k in range(n):
            events.append((pointer % 24, term))
            pointer += 1
    grade3: set[tuple[int, str]] = set()
    wanted = [("Thrombocytopenia", 3), ("Anaemia", 2), ("AST increased", 2), ("Vomiting", 1)]
    taken: set[int] = set()
    for term, n in wanted:
        for subj, t in events:
            if t == term and subj not in taken and n > 0:
                grade3.add((subj, t))
                taken.add(subj)
                n -= 1
    hypertension_subject = next(s for s in range(24) if s not in taken)
    events.append((hypertension_subject, "Hypertension"))
    grade3.add((hypertension_subject, "Hypertension"))
    taken.add(hypertension_subject)
    assert len(taken) == 9  # 5 myelosuppression, 2 liver, 1 hypertension, 1 vomiting
    rows = [{"USUBJID": ids[s], "AETERM": t, "AEDECOD": t, "AEBODSYS": "SOC OF " + t.upper(),
             "AETOXGR": 3 if (s, t) in grade3 else 1, "AEREL": "PROBABLE", "AEDLT": "N",
             "AESTDTC": _day(starts[s], 6)} for s, t in events]
    rows.append({"USUBJID": ids[30], "AETERM": "Headache", "AEDECOD": "Headache", "AEBODSYS": "NERVOUS SYSTEM",
                 "AETOXGR": 1, "AEREL": "NOT RELATED", "AEDLT": "N", "AESTDTC": _day(starts[30], 10)})
    ae = pd.DataFrame(rows)
    ae.insert(0, "STUDYID", "GQ1001")
    ae.insert(1, "DOMAIN", "AE")
    ae.insert(3, "AESEQ", ae.groupby("USUBJID").cumcount() + 1)
    # RS: patients 17-31 are at 7.2/8.4 mg/kg; lower-dose patients have a confirmed PR too,
    # which the evaluable population (>= 7.2 mg/kg) must leave out.
    resp = []
    high = list(range(17, 32))
    for s, pd_day in zip(high[:6], PR_PD):
        resp += [(s, 43, "PR"), (s, 85, "PR"), (s, pd_day, "PD")]
    for s, pd_day in zip(high[6:9], SD_PD):
        resp += [(s, 43, "SD"), (s, pd_day, "PD")]
    for s, pd_day in zip(high[9:], PD_ONLY):
        resp += [(s, pd_day, "PD")]
    for s in range(0, 17):
        resp += [(s, 43, "PR"), (s, 85, "PR"), (s, 400, "PD")]
    rs = pd.DataFrame({"USUBJID": [ids[s] for s, _, _ in resp], "RSTESTCD": "OVRLRESP",
                       "RSTEST": "Overall Response", "RSCAT": "RECIST 1.1",
                       "RSORRES": [r for _, _, r in resp], "RSSTRESC": [r for _, _, r in resp],
                       "RSEVAL": "INVESTIGATOR", "RSDTC": [_day(starts[s], d) for s, d, _ in resp]})
    rs.insert(0, "STUDYID", "GQ1001")
    rs.insert(1, "DOMAIN", "RS")
    rs.insert(3, "RSSEQ", rs.groupby("USUBJID").cumcount() + 1)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("dm", dm), ("ex", ex), ("ae", ae), ("rs", rs)):
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


CONFIG = '[efficacy]\nevaluable_min_dose = 7.2\nevaluable_dose_unit = "mg/kg"\n'


@pytest.fixture(scope="module")
def gq1001(tmp_path_factory):
    folder = build_gq1001_like(tmp_path_factory.mktemp("gq1001") / "sdtm")
    readout = run_readout(folder, parse_config(CONFIG))
    return readout, compute_headline(readout)


def test_headline_reproduces_the_gq1001_abstract(gq1001):
    """Figures of example-trial.md; the CIs are Clopper-Pearson, R ``binom.test(6, 15)$conf.int`` =
    0.1633643 0.6771302 and ``binom.test(9, 15)$conf.int`` = 0.3228698 0.8366357."""
    _, h = gq1001
    assert set(h) == set(HEADLINE_KEYS)
    assert (h["n_subjects"], h["n_treated"], h["n_placebo"]) == (32, 32, 0)
    assert [(lv["dose"], lv["n"]) for lv in h["dose_levels"]] == LEVELS
    assert h["exposure_median_weeks"] == pytest.approx(129.5 / 7)
    assert (h["dlt_recorded"], h["dlt_n"], h["mtd_level"], h["dlt_evaluable_n"]) == (True, 0, None, 32)
    assert h["dlt_rate_ci"] == pytest.approx([0.0, 100 * (1 - 0.025 ** (1 / 32))])  # 10.9%
    assert (h["trae_any_n"], h["trae_any_pct"]) == (24, 75.0)
    assert (h["teae_any_n"], h["grade3_trae_n"]) == (25, 9)
    assert h["grade3_trae_pct"] == pytest.approx(28.125)
    assert [(t["term"], t["n"]) for t in h["ae_terms_over_10pct"]] == [
        ("AST increased", 12), ("Thrombocytopenia", 9), ("ALT increased", 8), ("Pyrexia", 7), ("Anaemia", 6),
        ("Alkaline phosphatase increased", 4), ("Nausea", 4), ("Vomiting", 4)]
    assert (h["evaluable_n"], h["orr_n"], h["dcr_n"]) == (15, 6, 9)
    assert h["bor_counts"]["PR"] == 6 and h["bor_counts"]["SD"] == 3 and h["bor_counts"]["PD"] == 6
    assert h["orr_pct"] == pytest.approx(40.0) and h["dcr_pct"] == pytest.approx(60.0)
    assert h["orr_ci"] == pytest.approx([16.33643, 67.71302], abs=1e-4)
    assert h["dcr_ci"] == pytest.approx([32.28698, 83.66357], abs=1e-4)


def test_pfs_median_and_loglog_ci_against_lifelines(gq1001):
    """Median PFS: 15 events, the 8th smallest time, 146 days = 146 / 30.4375 = 4.797 months
    (abstract: 4.8). The log-log CI is checked against lifelines' own exponential-Greenwood band
    (``median_survival_times`` of ``confidence_interval_``), an independent implementation."""
    _, h = gq1001
    assert (h["pfs_n"], h["pfs_events"]) == (15, 15)
    assert h["pfs_median_months"] == pytest.approx(146 / 30.4375)
    kmf = KaplanMeierFitter().fit(PR_PD + SD_PD + PD_ONLY, [1] * 15)
    lo, hi = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    assert h["pfs_median_ci_months"]["log-log"] == pytest.approx([lo / 30.4375, hi / 30.4375])
    lo_log, hi_log = h["pfs_median_ci_months"]["log"]
    assert lo_log <= h["pfs_median_months"] <= hi_log


def test_duration_of_response_median_uses_the_flat_segment_midpoint(gq1001):
    """DoR of the 6 responders (first PR on day 43): PD day - 43 + 1 = 85, 148, 188, 218, 258, 288.
    After the 3rd event S = 3/6 = 0.5 exactly, so the median is the midpoint of the flat segment,
    (188 + 218) / 2 = 203 days (R quantile.survfit), 203 / 30.4375 = 6.67 months."""
    _, h = gq1001
    assert h["dor_median_months"] == pytest.approx(203 / 30.4375)


def test_abstract_paragraph(gq1001):
    """The paragraph of the brief, every number from the results (values above)."""
    _, h = gq1001
    text = write_abstract(h)
    lo, hi = h["pfs_median_ci_months"]["log"]
    dor_lo, dor_hi = h["dor_median_ci_months"]
    assert dor_hi is None and (h["dor_n"], h["dor_events"]) == (6, 6)  # S falls to 0 at the last event
    assert text == (
        "32 patients were treated at 7 dose levels (1.2-8.4 mg/kg); median exposure was 18.5 weeks. "
        f"Data cut-off: on or after {h['data_cutoff']}, the latest date in the data. "
        "No DLT occurred among 32 DLT-evaluable patients (DLT rate 0%, 95% CI 0-10.9%); the MTD was not reached. "
        "TRAEs occurred in 24 patients (75.0%); the most common (>10%) were AST increased (37.5%), "
        "thrombocytopenia (28.1%), ALT increased (25.0%), pyrexia (21.9%), anaemia (18.8%), "
        "alkaline phosphatase increased (12.5%), nausea (12.5%) and vomiting (12.5%). "
        "Grade ≥ 3 TRAEs occurred in 9 patients (28.1%). "
        "Among 15 evaluable patients at ≥ 7.2 mg/kg, 6 had a confirmed PR (ORR 40.0%, 95% CI 16.3-67.7) "
        "and 3 had SD (DCR 60.0%, 95% CI 32.3-83.7). "
        f"Median duration of response was 6.7 months (95% CI {dor_lo:.1f} to not reached; 6 events in 6 responders). "
        f"Median PFS was 4.8 months (95% CI {lo:.1f}-{hi:.1f}).")


def test_missing_analyses_leave_their_sentences_out(gq1001):
    """Without efficacy and safety results only the population sentence remains."""
    _, h = gq1001
    blank = {k: (h[k] if k in ("n_treated", "n_placebo", "dose_levels") else None) for k in h}
    assert write_abstract(blank) == "32 patients were treated at 7 dose levels (1.2-8.4 mg/kg)."


def test_abstract_with_dlts_and_unconfirmed_responses():
    """Hand-made headline: 2 DLTs quote the MTD statement; no confirmation drops 'confirmed';
    a CR and a PR are both named; an unreached median is written 'not reached'."""
    h = dict.fromkeys(HEADLINE_KEYS)
    h.update(dose_levels=[{"level": 1, "label": "10 mg", "dose": 10.0, "unit": "mg", "placebo": False, "n": 6}],
             n_placebo=0, dlt_recorded=True, dlt_n=2, mtd_statement="The MTD is 10 mg.", evaluable_n=6,
             confirmation=False, bor_counts={"CR": 1, "PR": 2, "SD": 0, "NON-CR/NON-PD": 0, "PD": 3, "NE": 0,
                                             "MISSING": 0},
             orr_pct=50.0, orr_ci=[11.8, 88.2], dcr_pct=50.0, dcr_ci=[11.8, 88.2], ci_level_pct=95.0,
             pfs_n=6, pfs_median_months=None, pfs_median_ci_months={"log": [2.0, None]}, pfs_conf_type="log")
    assert write_abstract(h) == (
        "6 patients were treated at 1 dose level (10 mg). 2 patients had a DLT. The MTD is 10 mg. "
        "Among 6 evaluable patients, 1 had a CR and 2 a PR (ORR 50.0%, 95% CI 11.8-88.2). "
        "Median PFS was not reached (95% CI 2.0 to not reached).")


@pytest.mark.parametrize("term, expected", [("PYREXIA", "pyrexia"), ("AST increased", "AST increased"),
                                            ("Thrombocytopenia", "thrombocytopenia")])
def test_terms_read_mid_sentence(term, expected):
    h = dict.fromkeys(HEADLINE_KEYS)
    h.update(trae_any_n=1, trae_any_pct=50.0, ae_terms_event="TRAE", ae_terms_threshold_pct=10.0,
             ae_terms_over_10pct=[{"term": term, "n": 1, "pct": 50.0}])
    assert write_abstract(h) == f"TRAEs occurred in 1 patient (50.0%); the most common (>10%) were {expected} (50.0%)."


def test_pk_sentence_gives_lowest_and_highest_dose():
    """Two dose levels: the sentence names the geometric means at the lowest and highest dose,
    three significant digits, no exponent (values as the PK summary's to_dict() gives them)."""
    h = {key: None for key in HEADLINE_KEYS}
    h["pk"] = {"ADC": {"n_subjects": 32, "by_dose": [
        {"dose": 1.2, "dose_unit": "mg/kg", "cmax_geo_mean": 24.61, "cmax_unit": "ug/mL",
         "auc_geo_mean": 1663.2, "auc_unit": "h*ug/mL"},
        {"dose": 8.4, "dose_unit": "mg/kg", "cmax_geo_mean": 191.24, "cmax_unit": "ug/mL",
         "auc_geo_mean": 23312.4, "auc_unit": "h*ug/mL"},
    ]}}
    assert write_abstract(h) == (
        "ADC pharmacokinetics were assessed in 32 patients (cycle 1 geometric mean Cmax 24.6 ug/mL at 1.2 mg/kg "
        "and 191 ug/mL at 8.4 mg/kg; AUClast 1,660 and 23,300 h*ug/mL)."
    )
