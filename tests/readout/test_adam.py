"""ADaM input for the readout: the sponsor's ADSL/ADAE/ADRS/ADTTE/ADPC win over doseflow's derivation.

One hand-built phase I trial (6 treated subjects at 1.2 and 2.4 mg/kg, one screen failure) is
written once as SDTM and once as the ADaM a sponsor would have made from it. Expected values
are derived by hand below from the records of ``_sdtm()``:

Safety population N = 6 (3 + 3). TEAEs (first dose to last dose + 30 days): 001 nausea (g1,
probable) and anaemia (g3, none), 004 neutropenia (g4, related, DLT on day 10), 006 nausea (g2,
possible); 002's nausea started before its first dose and 005's fatigue on 2022-04-20, 44 days
after its last dose (2022-03-07), so neither is emergent by doseflow's rule. TEAE subjects 3
(50%), TRAE 3 (50%), grade >= 3 TRAE 1 (004; 16.7%), DLT 1 (level 2), MTD not reached (1/3).
The sponsor's ADAE flags 005's fatigue TRTEMFL "Y" (a 60-day window): with it, TEAE and TRAE
are 4/6 (66.7%) and fatigue (1/6 = 16.7%) joins the TRAEs above 10%.

RECIST 1.1 (investigator, TRTSDT day 1, SD >= 42 days, confirmation >= 28 days): 001 PR
02-14 and 03-28 (confirmed PR), PD 05-09; 002 SD 02-21 (day 43), PD 04-04; 003 PR 02-28 only
(unconfirmed; 42 days after 01-17, so SD when confirmation is required), died 03-20; 004 CR
03-15 and 04-26 (confirmed CR); 005 PD 03-21; 006 NE 03-28. Confirmed BOR: CR 1, PR 1, SD 2,
PD 1, NE 1: ORR 2/6 = 33.3%, DCR 4/6 = 66.7%. PFS (AVAL = ADT - TRTSDT + 1): 001 127 event,
002 85 event, 003 63 event (death), 004 85 censored (last adequate 04-26), 005 43 event, 006 1
censored (no adequate assessment). KM: S(43) = 4/5, S(63) = 3/5, S(85) = 2/5 -> median 85 days
= 85 / 30.4375 = 2.7926 months, 4 events. DoR: 001 02-14 to PD 05-09 = 85 days (event), 004
03-15 to 04-26 = 43 days (censored) -> median 85 days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta

from doseflow.cdisc import write_domain
from doseflow.errors import ConfigError, DataError
from doseflow.readout.abstract import compute_headline
from doseflow.readout.adam import (
    adae_to_safety,
    adpc_concentrations,
    adrs_best_response,
    adsl_from_adam,
    adtte_frame,
    parse_dose_label,
)
from doseflow.readout.config import parse_config
from doseflow.readout.pipeline import run_readout

S = "STUDY1"
IDS = ["001", "002", "003", "004", "005", "006", "007"]
TRT = {"001": ("2022-01-03", "2022-03-01", 1.2), "002": ("2022-01-10", "2022-02-10", 1.2),
       "003": ("2022-01-17", "2022-01-17", 1.2), "004": ("2022-02-01", "2022-04-01", 2.4),
       "005": ("2022-02-07", "2022-03-07", 2.4), "006": ("2022-02-14", "2022-05-14", 2.4)}
AE = [  # USUBJID, term, SOC, start, grade, AEREL, DLT
    ("001", "NAUSEA", "GASTROINTESTINAL DISORDERS", "2022-01-05", "1", "PROBABLE", "N"),
    ("001", "ANAEMIA", "BLOOD DISORDERS", "2022-01-20", "3", "NONE", "N"),
    ("002", "NAUSEA", "GASTROINTESTINAL DISORDERS", "2021-12-20", "2", "PROBABLE", "N"),
    ("004", "NEUTROPENIA", "BLOOD DISORDERS", "2022-02-10", "4", "RELATED", "Y"),
    ("005", "FATIGUE", "GENERAL DISORDERS", "2022-04-20", "2", "RELATED", "N"),
    ("006", "NAUSEA", "GASTROINTESTINAL DISORDERS", "2022-02-20", "2", "POSSIBLE", "N"),
]
RS = [("001", "PR", "2022-02-14"), ("001", "PR", "2022-03-28"), ("001", "PD", "2022-05-09"),
      ("002", "SD", "2022-02-21"), ("002", "PD", "2022-04-04"), ("003", "PR", "2022-02-28"),
      ("004", "CR", "2022-03-15"), ("004", "CR", "2022-04-26"), ("005", "PD", "2022-03-21"),
      ("006", "NE", "2022-03-28")]
PK_TIMES = [0.0, 1.0, 2.0, 4.0]
PK_CONC = {"001": [0.0, 4.0, 2.0, 1.0], "004": [0.0, 8.0, 4.0, 2.0]}  # 0 h is BLQ


def _sdtm() -> dict[str, pd.DataFrame]:
    dm = pd.DataFrame({"STUDYID": S, "DOMAIN": "DM", "USUBJID": IDS, "SUBJID": IDS, "SITEID": "01",
                       "COUNTRY": "AUS", "AGE": [55, 61, 47, 70, 66, 58, 52],
                       "SEX": ["F", "M", "F", "M", "F", "M", "F"], "RACE": "ASIAN",
                       "ARM": ["A"] * 6 + ["Screen Failure"], "ACTARM": ["A"] * 6 + ["Screen Failure"],
                       "DTHDTC": ["", "", "2022-03-20", "", "", "", ""]})
    ex = pd.DataFrame([{"STUDYID": S, "DOMAIN": "EX", "USUBJID": u, "EXSEQ": 1, "EXTRT": "DRUGX", "EXDOSE": d,
                        "EXDOSU": "mg/kg", "EXSTDTC": a, "EXENDTC": b} for u, (a, b, d) in TRT.items()])
    ae = pd.DataFrame([{"STUDYID": S, "DOMAIN": "AE", "USUBJID": u, "AESEQ": i + 1, "AETERM": t, "AEDECOD": t,
                        "AEBODSYS": soc, "AESTDTC": st_, "AETOXGR": g, "AEREL": rel, "AEDLT": dlt, "AESER": "N"}
                       for i, (u, t, soc, st_, g, rel, dlt) in enumerate(AE)])
    rs = pd.DataFrame([{"STUDYID": S, "DOMAIN": "RS", "USUBJID": u, "RSSEQ": i + 1, "RSTESTCD": "OVRLRESP",
                        "RSTEST": "Overall Response", "RSSTRESC": r, "RSEVAL": "INVESTIGATOR", "RSDTC": d}
                       for i, (u, r, d) in enumerate(RS)])
    pc = pd.DataFrame([{"STUDYID": S, "DOMAIN": "PC", "USUBJID": u, "PCSEQ": k + 1, "PCTESTCD": "DRUGX",
                        "PCTEST": "Drug X", "PCSPEC": "PLASMA", "PCORRES": "<BLQ" if c == 0 else f"{c:g}",
                        "PCSTRESN": np.nan if c == 0 else c, "PCSTRESU": "ug/mL", "PCLLOQ": 0.1,
                        "PCDTC": f"{TRT[u][0]}T{int(t):02d}:00", "PCTPTNUM": t}
                       for u, cs in PK_CONC.items() for k, (t, c) in enumerate(zip(PK_TIMES, cs))])
    return {"dm": dm, "ex": ex, "ae": ae, "rs": rs, "pc": pc}


def _write(folder, frames, xpt=()):
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        write_domain(df, folder / f"{name}.{'xpt' if name in xpt else 'csv'}", domain=name.upper())
    return folder


def _adam(sdtm_readout, sdtm: dict[str, pd.DataFrame], trtemfl: dict[int, str] | None = None) -> dict:
    """ADaM-shaped datasets from the SDTM run: ADSL from its ADSL, ADAE with TRTEMFL from its TEAE rule
    (overridden by ``trtemfl`` {AESEQ: flag}), ADRS OVR/CBOR/BOR from RS and its BORs, ADTTE from its PFS/DoR."""
    a = sdtm_readout.adsl
    adsl = pd.DataFrame({"STUDYID": S, "USUBJID": a["USUBJID"], "SUBJID": a["USUBJID"], "SITEID": "01",
                         "AGE": a["AGE"], "AGEU": "YEARS", "SEX": a["SEX"], "RACE": a["RACE"], "ARM": a["ARM"],
                         "ACTARM": a["ACTARM"], "TRT01P": a["DOSE_GROUP"].fillna("Screen Failure"),
                         "TRT01A": a["DOSE_GROUP"], "TRTSDT": a["TRTSDT"], "TRTEDT": a["TRTEDT"],
                         "DTHDT": a["DTHDT"], "SAFFL": a["SAFFL"]})
    from doseflow.readout.safety.flags import derive_teae
    ae = derive_teae(sdtm["ae"], a, window_days=30)
    flags = ae["TRTEMFL"].where(ae["TRTEMFL"].eq("Y"), None)
    for seq, f in (trtemfl or {}).items():
        flags[ae["AESEQ"] == seq] = f
    adae = ae.drop(columns=["DOMAIN", "TRTEMRUL", "AENDT", "ASTDTF"]).assign(TRTEMFL=flags, AREL=ae["AEREL"],
                                                                             ATOXGR=ae["AETOXGR"])
    ovr = sdtm["rs"].assign(PARAMCD="OVR", PARAM="Overall Response", AVALC=sdtm["rs"]["RSSTRESC"],
                            ADT=pd.to_datetime(sdtm["rs"]["RSDTC"]), ANL01FL="Y")
    bors = [sdtm_readout.get(f"efficacy_bor_{k}").data.assign(PARAMCD=p, PARAM=p, ANL01FL="Y")
            for k, p in (("confirmed", "CBOR"), ("unconfirmed", "BOR"))]
    adrs = pd.concat([ovr[["STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVALC", "ADT", "ANL01FL"]],
                      *[b[["USUBJID", "PARAMCD", "PARAM", "AVALC", "ADT", "ANL01FL"]].assign(STUDYID=S)
                        for b in bors]], ignore_index=True)
    tte = [sdtm_readout.get(n).adtte for n in ("efficacy_pfs", "efficacy_dor")]
    adtte = pd.concat([t[["USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC"]]
                       for t in tte], ignore_index=True).assign(STUDYID=S, AVALU="DAYS")
    return {"adsl": adsl, "adae": adae, "adrs": adrs, "adtte": adtte}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(SDTM readout, ADaM readout with the sponsor's TRTEMFL for 005, SDTM frames, ADaM frames)."""
    root = tmp_path_factory.mktemp("adam")
    sdtm = _sdtm()
    r_sdtm = run_readout(_write(root / "sdtm", sdtm))
    adam = _adam(r_sdtm, sdtm, trtemfl={5: "Y"})
    folder = _write(root / "adam", adam, xpt=("adsl",))
    r_adam = run_readout(folder)
    return r_sdtm, r_adam, sdtm, adam, folder


def test_sdtm_readout_against_hand_values(runs):
    """The SDTM run reproduces the hand-derived figures of the module docstring."""
    h = compute_headline(runs[0])
    assert (h["n_subjects"], h["n_treated"]) == (7, 6)
    assert [(d["label"], d["n"]) for d in h["dose_levels"]] == [("1.2 mg/kg", 3), ("2.4 mg/kg", 3)]
    assert (h["teae_any_n"], h["trae_any_n"], h["grade3_trae_n"], h["dlt_n"]) == (3, 3, 1, 1)
    assert h["trae_any_pct"] == pytest.approx(50.0) and h["grade3_trae_pct"] == pytest.approx(100 / 6)
    assert h["bor_counts"] == {"CR": 1, "PR": 1, "SD": 2, "NON-CR/NON-PD": 0, "PD": 1, "NE": 1, "MISSING": 0}
    assert (h["orr_n"], h["dcr_n"], h["evaluable_n"]) == (2, 4, 6)
    assert (h["pfs_n"], h["pfs_events"]) == (6, 4)
    assert h["pfs_median_months"] == pytest.approx(85 / 30.4375)
    assert h["dor_median_months"] == pytest.approx(85 / 30.4375)


def test_adam_readout_uses_the_sponsors_flags_and_says_so(runs):
    """Same trial from ADaM (ADSL as XPT): every figure equal to the SDTM run except TEAE/TRAE, where the
    sponsor's TRTEMFL for 005's fatigue wins: 4/6 (66.7%), fatigue 16.7% among the TRAEs > 10%."""
    r_sdtm, r_adam = runs[0], runs[1]
    hs, ha = compute_headline(r_sdtm), compute_headline(r_adam)
    same = ["n_treated", "dose_levels", "exposure_median_weeks", "deaths_n", "dlt_n", "mtd_level", "grade3_trae_n",
            "evaluable_n", "bor_counts", "orr_n", "orr_ci", "dcr_n", "dcr_ci", "pfs_n", "pfs_events",
            "pfs_median_months", "pfs_median_ci_months", "dor_median_months"]
    assert {k: ha[k] for k in same} == {k: hs[k] for k in same}
    assert (ha["teae_any_n"], ha["trae_any_n"]) == (4, 4)
    assert ha["trae_any_pct"] == pytest.approx(200 / 3)
    terms = {t["term"]: t["pct"] for t in ha["ae_terms_over_10pct"]}
    assert terms == pytest.approx({"NAUSEA": 100 / 3, "NEUTROPENIA": 100 / 6, "FATIGUE": 100 / 6})
    assert r_adam.inputs == {
        "subjects": "ADaM ADSL (adsl.xpt)", "safety": "ADaM ADAE (adae.csv)",
        "bor_confirmed": "ADaM ADRS CBOR (adrs.csv)", "bor_unconfirmed": "ADaM ADRS BOR (adrs.csv)",
        "dor": "ADaM ADTTE DOR (adtte.csv)", "pfs": "ADaM ADTTE PFS (adtte.csv)"}
    text = " ".join(ha["notes"])
    assert "would differ for 1 record(s): 1 emergent only by the sponsor's flag" in text
    assert "Inputs used: subjects and dose groups from ADaM ADSL (adsl.xpt)" in text
    methods = r_adam.get("safety_teae").methods
    assert "sponsor's ADaM ADAE (adae.csv)" in methods and "TRTEMFL = 'Y'" in methods
    assert "not re-derived" in r_adam.get("efficacy_pfs").methods


def test_clopper_pearson_of_adam_orr(runs):
    """ORR 2/6 with the exact interval: Beta(0.025; 2, 5) and Beta(0.975; 3, 4) (Clopper and Pearson 1934)."""
    ci = compute_headline(runs[1])["orr_ci"]
    assert ci == pytest.approx([100 * beta.ppf(0.025, 2, 5), 100 * beta.ppf(0.975, 3, 4)])
    assert ci == pytest.approx([4.327, 77.722], abs=1e-3)


def test_forcing_sdtm_ignores_the_adam_datasets(runs, tmp_path):
    """[adam] use = [] on a folder with both: the SDTM figures (TEAE 3), and the ADaM files marked unused."""
    sdtm, adam = runs[2], runs[3]
    folder = _write(tmp_path / "both", {**sdtm, **adam})
    forced = run_readout(folder, parse_config("[adam]\nuse = []"))
    assert compute_headline(forced)["teae_any_n"] == 3
    assert "adae" not in forced.chosen and forced.chosen["ae"] == "ae"
    assert any("ADaM ADAE (adae.csv) is in the folder but not used" in n for n in forced.notes)
    both = run_readout(folder)
    assert compute_headline(both)["teae_any_n"] == 4 and "ae" not in both.chosen and both.chosen["adae"] == "adae"
    assert both.inputs["pk"] == "SDTM PC, EX (pc.csv, ex.csv)"  # no ADPC: PK still from SDTM


def test_adam_file_keeping_the_sdtm_domain_variable_is_read_as_adam(runs, tmp_path):
    """admiral's ADAE keeps AE's DOMAIN column; the file name adae.csv makes it ADaM ADAE, and
    the readout uses it (same TEAE/TRAE figures as the ADAE without DOMAIN)."""
    frames = {**runs[2], "adae": runs[3]["adae"].assign(DOMAIN="AE")}
    folder = _write(tmp_path, frames)
    readout = run_readout(folder)
    assert readout.inputs["safety"] == "ADaM ADAE (adae.csv)"
    assert compute_headline(readout)["trae_any_n"] == compute_headline(run_readout(_write(
        tmp_path / "plain", {**runs[2], "adae": runs[3]["adae"]})))["trae_any_n"]


def test_adam_config_is_validated():
    with pytest.raises(ConfigError, match=r"\[adam\] use: must be one of 'adsl', 'adae', 'adrs', 'adtte', 'adpc'; "
                                          r"got 'adlb'"):
        parse_config('[adam]\nuse = ["adlb"]')
    assert parse_config('[adam]\npfs_param = "pfsinv"').adam.pfs_param == "PFSINV"


def _adpc(conc: dict[str, list[float]], dose=100.0, **extra) -> pd.DataFrame:
    rows = [{"STUDYID": S, "USUBJID": u, "PARAMCD": "DRUGX", "PARAM": "Drug X", "AVAL": np.nan if c == 0 else c,
             "AVALC": "<BLQ" if c == 0 else None, "AVALU": "ug/mL", "ARRLT": t, "AFRLT": t, "NRRLT": t,
             "RRLTU": "h", "DOSEA": dose, "DOSEU": "mg", "PCSPEC": "PLASMA", "ALLOQ": 0.1, **extra}
            for u, cs in conc.items() for t, c in zip(PK_TIMES, cs)]
    return pd.DataFrame(rows)


def test_adpc_nca_against_hand_auc_and_the_sdtm_path(runs):
    """Subject 001: C = 0 (BLQ), 4, 2, 1 at 0, 1, 2, 4 h. Cmax 4 at 1 h; AUClast by linear-up/log-down =
    (0 + 4)/2 * 1 + (4 - 2)/ln 2 * 1 + (2 - 1)/ln 2 * 2 = 2 + 4/ln 2 = 7.77078 h*ug/mL; 004 doubles it.
    The ADPC frame gives the NCA of the SDTM PC + EX frame for the same samples."""
    from doseflow.readout.pk import compute_nca
    r_sdtm = runs[0]
    adpc = pd.concat([_adpc({"001": PK_CONC["001"]}, dose=1.2), _adpc({"004": PK_CONC["004"]}, dose=2.4)])
    adpc["DOSEU"] = "mg/kg"
    conc = adpc_concentrations(adpc, r_sdtm.adsl)
    nca = compute_nca(conc).profiles.set_index("USUBJID")
    assert nca.loc["001", "CMAX"] == 4.0 and nca.loc["001", "TMAX"] == 1.0
    assert nca.loc["001", "AUCLST"] == pytest.approx(2 + 4 / np.log(2))
    assert nca.loc["004", "AUCLST"] == pytest.approx(2 * (2 + 4 / np.log(2)))
    sdtm_nca = r_sdtm.get("pk_nca_drugx").profiles.set_index("USUBJID")
    for p in ("CMAX", "TMAX", "AUCLST", "CLST", "TLST"):
        assert nca[p].to_dict() == pytest.approx(sdtm_nca[p].to_dict()), p


def test_adpc_excludes_dose_and_derived_records_with_reasons():
    """A dosing record (EVID 1) and a DTYPE COPY record stay in the frame, excluded with their reason."""
    adpc = _adpc({"001": PK_CONC["001"]})
    extra = adpc.iloc[[0, 1]].assign(EVID=[1, 0], DTYPE=[None, "COPY"], PARAMCD=["DOSE", "DRUGX"])
    conc = adpc_concentrations(pd.concat([adpc.assign(EVID=0, DTYPE=None), extra], ignore_index=True))
    assert len(conc) == 6
    reasons = conc.loc[conc["excluded"], "exclusion_reason"].tolist()
    assert sorted(reasons) == ["derived record (DTYPE COPY), not an original sample",
                               "dosing record (EVID 1 / PARAMCD DOSE), not a concentration"]
    assert conc.loc[~conc["excluded"] & conc["blq"], "time"].tolist() == [0.0]


def test_hand_built_adam_only_folder(tmp_path):
    """Three subjects in ADaM only (no SDTM): ADSL with TRT01A '50 mg' x2 and 'Placebo'; ADRS CBOR PR, PD;
    ADTTE PFS A 20 (censored), B 30 (event). Hand: 3 treated, levels Placebo (1) then 50 mg (2); efficacy
    population = the two 50 mg subjects; ORR 1/2; KM: A censored at 20, then B (1 at risk) -> S(30) = 0,
    median 30 days; C (placebo) is not in the efficacy population; no AE/PK: noted."""
    adsl = pd.DataFrame({"STUDYID": S, "USUBJID": ["A", "B", "C"], "SUBJID": ["A", "B", "C"], "SITEID": "1",
                         "AGE": [40, 50, 60], "AGEU": "YEARS", "SEX": "F", "RACE": "WHITE", "ARM": "X",
                         "ACTARM": "X", "TRT01P": ["50 mg", "50 mg", "Placebo"],
                         "TRT01A": ["50 mg", "50 mg", "Placebo"], "SAFFL": "Y",
                         "TRTSDT": ["2023-01-01"] * 3, "TRTEDT": ["2023-02-01"] * 3})
    adrs = pd.DataFrame({"STUDYID": S, "USUBJID": ["A", "B"], "PARAMCD": "CBOR", "PARAM": "BOR",
                         "AVALC": ["PR", "PD"], "ADT": ["2023-02-12", "2023-01-30"]})
    adtte = pd.DataFrame({"STUDYID": S, "USUBJID": ["A", "B", "C"], "PARAMCD": "PFS", "PARAM": "PFS",
                          "AVAL": [20.0, 30.0, 10.0], "CNSR": [1, 0, 0]})
    r = run_readout(_write(tmp_path, {"adsl": adsl, "adrs": adrs, "adtte": adtte}))
    h = compute_headline(r)
    assert [(d["label"], d["level"], d["placebo"]) for d in h["dose_levels"]] == [("Placebo", 1, True),
                                                                                  ("50 mg", 2, False)]
    assert (h["n_treated"], h["n_placebo"], h["evaluable_n"], h["orr_n"]) == (3, 1, 2, 1)
    assert (h["pfs_n"], h["pfs_events"], h["pfs_median_months"]) == (2, 1, pytest.approx(30 / 30.4375))
    assert r.get("efficacy_bor_unconfirmed") is None
    assert any("no PARAMCD BOR and there is no RS" in n for n in r.notes)
    assert any("no AE dataset" in n for n in r.notes) and r.get("safety_teae") is None


def test_adsl_dose_from_a_variable_and_unknown_doses():
    """dose_var='TRT01AN' orders the levels by it; labels without a dose keep every subject, with a note."""
    base = {"STUDYID": S, "AGE": 50.0, "SEX": "F", "ARM": "A", "ACTARM": "A", "SAFFL": "Y"}
    a = pd.DataFrame({**base, "USUBJID": ["1", "2", "3"], "TRT01A": ["High", "Low", "Low"],
                      "TRT01AN": [81.0, 54.0, 54.0]})
    out = adsl_from_adam(a, dose_var="TRT01AN")
    assert out["DOSE_LEVEL"].tolist() == [2, 1, 1] and out["DOSE"].tolist() == [81.0, 54.0, 54.0]
    plain = adsl_from_adam(a.drop(columns="TRT01AN"))
    assert plain["DOSE_LEVEL"].tolist() == [1, 2, 2] and plain["DOSE"].isna().all()  # by label: High < Low
    assert any("no dose found in the TRT01A label for 3 treated subject(s)" in n for n in plain.attrs["notes"])


@settings(derandomize=True, max_examples=40)
@given(st.lists(st.sampled_from([0.5, 1.2, 2.4, 3.6, 7.2]), min_size=1, max_size=12))
def test_dose_levels_follow_increasing_dose(doses):
    """Property: labels 'x mg/kg' give DOSE x and DOSE_LEVEL = rank of x among the distinct doses; no row lost."""
    n = len(doses)
    a = pd.DataFrame({"USUBJID": [str(i) for i in range(n)], "STUDYID": S, "AGE": 50.0, "SEX": "F", "ARM": "A",
                      "ACTARM": "A", "SAFFL": "Y", "TRT01A": [f"{d:g} mg/kg" for d in doses]})
    out = adsl_from_adam(a)
    ranks = {d: i for i, d in enumerate(sorted(set(doses)), start=1)}
    assert len(out) == n and out["DOSE"].tolist() == doses
    assert out["DOSE_LEVEL"].tolist() == [ranks[d] for d in doses]


def test_parse_dose_label():
    assert parse_dose_label("GQ1001 7.2 mg/kg Q3W") == (7.2, "mg/kg")
    assert parse_dose_label("placebo patch") == (0.0, None)
    assert np.isnan(parse_dose_label("Xanomeline High Dose")[0])


def test_adae_validation_names_file_row_column_and_value():
    adae = pd.DataFrame({"USUBJID": ["1", "1"], "AEDECOD": "X", "AEBODSYS": "Y", "ATOXGR": ["2", "7"]})
    adae.attrs = {"source": "adae.csv", "first_row": 2}
    with pytest.raises(DataError, match=r"adae.csv row 3, column ATOXGR: must be a CTCAE grade 1-5; got '7'"):
        adae_to_safety(adae)
    sev = pd.DataFrame({"USUBJID": ["1"], "AEDECOD": "X", "AEBODSYS": "Y", "ASEV": ["SEVERE"], "TRTEMFL": [None]})
    out = adae_to_safety(sev)
    assert out[["TRTEMFL", "AGRADE"]].values.tolist() == [["N", 3.0]] and "AERELFL" not in out


def test_adrs_and_adtte_validation_and_missing_records():
    adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2022-01-01"] * 2)})
    bad = pd.DataFrame({"USUBJID": ["1", "2"], "PARAMCD": "CBOR", "AVALC": ["PR", "GOOD"],
                        "ADT": pd.to_datetime(["2022-02-01"] * 2)})
    bad.attrs = {"source": "adrs.xpt", "first_row": 1}
    with pytest.raises(DataError, match=r"adrs.xpt row 2, column AVALC: must be a best overall response .*got 'GOOD'"):
        adrs_best_response(bad, adsl)
    twice = bad.assign(USUBJID="1", AVALC="PR")
    with pytest.raises(DataError, match=r"row 2, column USUBJID: must be one CBOR record per subject"):
        adrs_best_response(twice, adsl)
    tte = pd.DataFrame({"USUBJID": ["1"], "PARAMCD": "PFS", "AVAL": [-3.0], "CNSR": [0]})
    with pytest.raises(DataError, match=r"row 1, column AVAL: must be a time >= 0; got -3.0"):
        adtte_frame(tte, adsl)
    months = adtte_frame(tte.assign(AVAL=2.0, AVALU="MONTHS", CNSR=3), adsl)
    assert months["AVAL"].tolist()[0] == pytest.approx(60.875) and months["CNSR"].tolist()[0] == 1
    assert months["FLAGS"].tolist()[1] == "no PFS record in adtte"  # subject 2 kept, with the reason
