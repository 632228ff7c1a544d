"""Sum of diameters and best percent change (hand-derived from tr_onco_recist and small frames), and
the efficacy figures (structure of the drawn artists)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from doseflow.errors import DataError
from doseflow.readout.efficacy import (
    derive_best_overall_response,
    derive_best_percent_change,
    derive_pfs,
    derive_tumour_change,
    estimate_km,
)
from doseflow.readout.efficacy.figures import plot_km, plot_spider, plot_swimmer, plot_waterfall

ADSL1 = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2020-01-02"])})


def _tr(rows):
    return pd.DataFrame(rows, columns=["USUBJID", "TRLNKID", "TRSTRESN", "VISIT", "VISITNUM", "TRDTC"]).assign(
        TRTESTCD="LDIAM", TRGRPID="TARGET", TREVAL="INVESTIGATOR")


def test_sum_of_ldiam_change_and_missing_lesion():
    """Baseline 30 + 20 = 50 mm. Week 6: 20 + 15 = 35 -> -30%. Week 12: one lesion missing ->
    sum not evaluable (RECIST 1.1 sec. 4.3.1 note): NaN, flagged. Week 18: 40 + 20 = 60 -> +20%.
    Best = -30% at week 6; 2 evaluable post-baseline sums."""
    tr = _tr([("1", "T01", 30, "BASELINE", 1, "2020-01-01"), ("1", "T02", 20, "BASELINE", 1, "2020-01-01"),
              ("1", "T01", 20, "WEEK 6", 2, "2020-02-12"), ("1", "T02", 15, "WEEK 6", 2, "2020-02-12"),
              ("1", "T01", 25, "WEEK 12", 3, "2020-03-25"), ("1", "T02", None, "WEEK 12", 3, "2020-03-25"),
              ("1", "T01", 40, "WEEK 18", 4, "2020-05-06"), ("1", "T02", 20, "WEEK 18", 4, "2020-05-06")])
    ch = derive_tumour_change(tr, ADSL1)
    assert ch.SUMDIAM.tolist()[:2] == [50.0, 35.0] and np.isnan(ch.SUMDIAM[2]) and ch.SUMDIAM[3] == 60.0
    assert ch.PCHG[1] == pytest.approx(-30.0) and ch.PCHG[3] == pytest.approx(20.0)
    assert ch.ABLFL.tolist() == ["Y", "", "", ""] and ch.POSTFL.tolist() == ["", "Y", "Y", "Y"]
    assert "sum not evaluable" in ch.FLAGS[2]
    assert ch.ADY.tolist() == [0.0, 42.0, 84.0, 126.0]
    b = derive_best_percent_change(ch, ADSL1.assign(DOSE_GROUP="A"))
    assert b.loc[0, ["BEST_PCHG", "BEST_VISIT", "N_POST"]].tolist() == [pytest.approx(-30.0), "WEEK 6", 2]


def test_baseline_by_date_when_no_baseline_visit_and_subjects_without_data():
    """No visit named BASELINE/SCREENING: baseline = last assessment on/before TRTSDT (2020-01-02):
    the 2020-01-01 record (sum 40); 2020-02-12 sum 30 -> -25%. Subject 2 of ADSL has no TR -> NaN,
    flag 'no tumour measurements'."""
    tr = _tr([("1", "T01", 40, "V1", 1, "2020-01-01"), ("1", "T01", 30, "V2", 2, "2020-02-12")])
    ch = derive_tumour_change(tr, ADSL1)
    assert ch.BASE.tolist() == [40.0, 40.0] and ch.PCHG[1] == pytest.approx(-25.0)
    adsl = pd.concat([ADSL1, pd.DataFrame({"USUBJID": ["2"], "TRTSDT": pd.to_datetime(["2020-01-05"])})])
    b = derive_best_percent_change(ch, adsl)
    assert b.FLAGS.tolist() == ["", "no tumour measurements"] and np.isnan(b.BEST_PCHG[1])
    with pytest.raises(DataError, match="tr.csv row 1, column TRSTRESN"):
        derive_tumour_change(_tr([("1", "T01", "abc", "V1", 1, "2020-01-01")]), ADSL1)


def test_tr_onco_recist_by_hand(efficacy_sdtm, efficacy_adsl):
    """tr_onco_recist investigator LDIAM sums (mm): 01-701-1133 SCREENING 60, WEEK 3 42 (-30%),
    WEEK 6 0 (-100%), WEEK 9 5 (-91.67%): best -100% at WEEK 6. 01-701-1118 WEEK 9 has 1 of its
    2 target lesions measured -> NaN with a flag; its best is WEEK 12: 33 vs 78 -> -57.69%."""
    tr = efficacy_sdtm("tr_onco_recist")
    ch = derive_tumour_change(tr, efficacy_adsl)
    s = ch.loc[ch.USUBJID == "01-701-1133"]
    assert s.SUMDIAM.tolist() == [60.0, 42.0, 0.0, 5.0]
    assert s.PCHG.round(2).tolist() == [0.0, -30.0, -100.0, -91.67]
    w9 = ch.loc[(ch.USUBJID == "01-701-1118") & (ch.VISIT == "WEEK 9")]
    assert np.isnan(w9.SUMDIAM.iloc[0]) and "sum not evaluable" in w9.FLAGS.iloc[0]
    b = derive_best_percent_change(ch).set_index("USUBJID")
    assert b.loc["01-701-1133", "BEST_PCHG"] == pytest.approx(-100.0)
    assert b.loc["01-701-1118", "BEST_PCHG"] == pytest.approx(100 * (33 - 78) / 78)


def test_tr_onco_uses_sumdiam(efficacy_sdtm, efficacy_adsl):
    """tr_onco carries SUMDIAM: 01-701-1015 investigator BASELINE 73, WEEK 6 42, WEEK 12 0,
    WEEK 24 55 -> PCHG -42.47%, -100%, -24.66%; best -100% (values read from the CSV)."""
    tr = efficacy_sdtm("tr_onco")
    tr = tr.loc[tr.USUBJID.isin(["01-701-1015", "01-701-1023"])]
    ch = derive_tumour_change(tr, efficacy_adsl)
    s = ch.loc[ch.USUBJID == "01-701-1015"]
    assert s.SUMDIAM.tolist() == [73.0, 42.0, 0.0, 55.0]
    assert s.PCHG.round(2).tolist() == [0.0, -42.47, -100.0, -24.66]
    b = derive_best_percent_change(ch).set_index("USUBJID")
    assert b.loc["01-701-1023", "FLAGS"] == "no evaluable post-baseline sum of diameters"


def test_figures_draw_what_they_say(efficacy_sdtm, efficacy_adsl):
    """Waterfall: one bar per subject with a best % change plus reference lines at +20 and -30;
    spider: one line per subject with dated values; swimmer: one bar per subject with TRTEDT;
    KM: one curve per group and the at-risk table below."""
    rs = efficacy_sdtm("rs_onco_recist")
    tr = efficacy_sdtm("tr_onco_recist")
    adsl = efficacy_adsl.loc[efficacy_adsl.USUBJID.isin(rs.USUBJID)]
    bor = derive_best_overall_response(rs, adsl, impute="first")
    ch = derive_tumour_change(tr, adsl)
    best = derive_best_percent_change(ch, adsl)
    fig = plot_waterfall(best, bor)
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and len(ax.patches) == int(best.BEST_PCHG.notna().sum())
    assert sorted(line.get_ydata()[0] for line in ax.lines) == [-30, 0, 20]
    fig = plot_spider(ch)
    assert len(fig.axes[0].lines) == ch.loc[ch.ADY.notna() & ch.PCHG.notna(), "USUBJID"].nunique() + 3
    fig = plot_swimmer(bor, adsl)
    assert len(fig.axes[0].patches) == int(adsl.TRTEDT.notna().sum())
    km = estimate_km(derive_pfs(rs, adsl, impute="first"), by="DOSE_GROUP")
    fig = plot_km(km)
    assert isinstance(fig, Figure) and len(fig.axes) >= 2
    assert isinstance(bor.figure(), Figure) and isinstance(km.figure(), Figure)
