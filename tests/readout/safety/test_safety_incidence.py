"""TEAE/TRAE incidence tables: hand-derived cases, pharmaverse cross-checks, properties."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.errors import DataError
from doseflow.readout.safety.incidence import tabulate_ae_incidence

GI = "GASTROINTESTINAL DISORDERS"
GEN = "GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS"
BLOOD = "BLOOD AND LYMPHATIC SYSTEM DISORDERS"


def test_teae_incidence_hand_derived(ae, adsl):
    """Counts derived by hand from the ae fixture docstring (denominators 2, 3, overall 5).

    Any TEAE: level 1 A1, A2 = 2 (100%), grade >= 3 A1 = 1 (50.0%); level 2 B1, B2, B3 = 3
    (100%), grade >= 3 B3 = 1 (33.3%); overall 5 (100%) and 2 (40.0%).
    NAUSEA: A1 once at worst grade 3 -> level 1 1 (50.0%) / 1 (50.0%); B1 -> 1 (33.3%) / 0;
    overall 2 (40.0%) / 1 (20.0%). Order: GI (3 subjects) first; BLOOD and GENERAL have 1
    each and sort alphabetically; within GI NAUSEA (2) before VOMITING (1).
    """
    res = tabulate_ae_incidence(ae, adsl)
    t = res.table()
    assert list(zip(t["System organ class"], t["Preferred term"])) == [
        ("Any TEAE", ""), (GI, ""), (GI, "NAUSEA"), (GI, "VOMITING"),
        (BLOOD, ""), (BLOOD, "ANAEMIA"), (GEN, ""), (GEN, "PYREXIA")]
    assert list(t.columns[2:]) == [
        "1.2 mg/kg (N=2): any grade", "1.2 mg/kg (N=2): Grade >= 3",
        "2.4 mg/kg (N=3): any grade", "2.4 mg/kg (N=3): Grade >= 3",
        "Overall (N=5): any grade", "Overall (N=5): Grade >= 3"]
    assert t.iloc[0, 2:].tolist() == ["2 (100.0%)", "1 (50.0%)", "3 (100.0%)", "1 (33.3%)", "5 (100.0%)", "2 (40.0%)"]
    assert t.iloc[2, 2:].tolist() == ["1 (50.0%)", "1 (50.0%)", "1 (33.3%)", "0", "2 (40.0%)", "1 (20.0%)"]
    assert any("outside the safety population" in n for n in res.notes)
    assert any("without a start date were counted" in n for n in res.notes)
    d = json.loads(res.to_json())
    assert d["any"]["Overall"] == {"n": 5, "pct": 100.0, "n_grade3": 2, "pct_grade3": 40.0}


def test_threshold_is_strictly_greater(ae, adsl):
    """min_pct=20: VOMITING, ANAEMIA, PYREXIA and their SOCs have exactly 1/5 = 20% overall -> dropped."""
    t = tabulate_ae_incidence(ae, adsl, min_pct=20).table()
    assert t["Preferred term"].tolist() == ["", "", "NAUSEA"]
    t = tabulate_ae_incidence(ae, adsl, min_pct=19.9, by_soc=False).table()
    assert t["Preferred term"].tolist() == ["", "NAUSEA", "ANAEMIA", "PYREXIA", "VOMITING"]


def test_trae_uses_related_events_only(ae, adsl):
    """TRAE: A1 (its only related NAUSEA is grade 1), B1 (AEREL missing -> related), B2 (POSSIBLE).

    Level 1: 1 (50.0%), grade >= 3 0; level 2: 2 (66.7%), 0; overall 3 (60.0%). With missing
    AEREL counted as not related, B1 drops out: level 2 1 (33.3%).
    """
    t = tabulate_ae_incidence(ae, adsl, related_only=True).table()
    assert t.iloc[0, 0] == "Any TRAE"
    assert t.iloc[0, 2:].tolist() == ["1 (50.0%)", "0", "2 (66.7%)", "0", "3 (60.0%)", "0"]
    t = tabulate_ae_incidence(ae, adsl, related_only=True, missing_relationship="not_related").table()
    assert t.iloc[0, 2:].tolist() == ["1 (50.0%)", "0", "1 (33.3%)", "0", "2 (40.0%)", "0"]


def test_grade_min_filters_events(ae, adsl):
    """grade_min=3: only A1's grade-3 NAUSEA and B3's ANAEMIA remain: any row 1/2, 1/3, 2/5."""
    t = tabulate_ae_incidence(ae, adsl, grade_min=3).table()
    assert t.iloc[0, [2, 4, 6]].tolist() == ["1 (50.0%)", "1 (33.3%)", "2 (40.0%)"]
    assert set(t["Preferred term"]) == {"", "NAUSEA", "ANAEMIA"}


def test_aesev_fallback_is_labelled(ae, adsl):
    sev = ae.drop(columns="AETOXGR").assign(AESEV=["MILD", "SEVERE", "MODERATE", "MODERATE", "MILD", "MILD",
                                                   "MODERATE", "MILD", "SEVERE", "MILD", "MILD"])
    res = tabulate_ae_incidence(sev, adsl)
    assert res.grade_label == "Severe (AESEV severity, not CTCAE grade)"
    assert "Overall (N=5): Severe (AESEV severity, not CTCAE grade)" in res.table().columns
    assert any("AESEV severity stands in" in n for n in res.notes)
    assert res.table().iloc[0, -1] == "2 (40.0%)"


def test_unknown_subjects_error_or_note(ae, adsl):
    extra = pd.concat([ae, ae.iloc[[0]].assign(USUBJID="ZZ9")], ignore_index=True)
    with pytest.raises(DataError) as err:
        tabulate_ae_incidence(extra, adsl)
    assert err.value.value == "ZZ9" and str(err.value).startswith("ae row 12, column USUBJID: must be a subject of ADSL")
    res = tabulate_ae_incidence(extra, adsl, unknown_subjects="note")
    assert any("not in ADSL" in n and "ZZ9" in n for n in res.notes)


def test_figure_has_one_bar_pair_per_term(ae, adsl):
    res = tabulate_ae_incidence(ae, adsl, related_only=True)
    fig = res.figure()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["NAUSEA", "PYREXIA"]
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    # NAUSEA 2/5 = 40%, PYREXIA 1/5 = 20%, no grade >= 3 part
    assert widths == [0.0, 0.0, 20.0, 40.0]


# --- pharmaverse -------------------------------------------------------------------------------

def test_pharmaverse_any_teae_and_severe_by_arm(sdtm, pharmaverse_adsl):
    """Subjects with any TEAE and any SEVERE TEAE by ACTARM, counted with plain pandas from AETRTEM/AESEV."""
    ae, suppae = sdtm("ae"), sdtm("suppae")
    flag = suppae[suppae["QNAM"] == "AETRTEM"].assign(AESEQ=lambda d: d["IDVARVAL"].astype(float))
    te = ae.merge(flag[["USUBJID", "AESEQ", "QVAL"]], on=["USUBJID", "AESEQ"])
    te = te[te["QVAL"] == "Y"].merge(pharmaverse_adsl[["USUBJID", "ACTARM"]], on="USUBJID")
    any_ref = te.groupby("ACTARM")["USUBJID"].nunique()
    sev_ref = te[te["AESEV"] == "SEVERE"].groupby("ACTARM")["USUBJID"].nunique()
    res = tabulate_ae_incidence(ae, pharmaverse_adsl, window_days=100_000)
    row = res.counts[res.counts["row"] == "any"].set_index("group")
    for arm in ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"):
        assert row.loc[arm, "n"] == any_ref[arm]
        assert row.loc[arm, "n_grade3"] == sev_ref[arm]
        assert row.loc[arm, "N"] == {"Placebo": 86, "Xanomeline Low Dose": 96, "Xanomeline High Dose": 72}[arm]
    assert res.grade_label.startswith("Severe (AESEV")


# --- properties --------------------------------------------------------------------------------

_ADSL = pd.DataFrame({
    "USUBJID": [f"P{i}" for i in range(6)], "SAFFL": "Y",
    "DOSE_GROUP": ["1 mg"] * 3 + ["2 mg"] * 3, "DOSE_LEVEL": [1, 1, 1, 2, 2, 2],
    "TRTSDT": pd.Timestamp("2022-01-01"), "TRTEDT": pd.Timestamp("2022-03-01"),
})
_event = st.tuples(st.integers(0, 5), st.sampled_from(["NAUSEA", "VOMITING", "RASH"]), st.integers(1, 4),
                   st.integers(0, 80))


def _frame(events):
    soc = {"NAUSEA": GI, "VOMITING": GI, "RASH": "SKIN"}
    return pd.DataFrame({
        "USUBJID": [f"P{s}" for s, _, _, _ in events],
        "AEDECOD": [t for _, t, _, _ in events], "AEBODSYS": [soc[t] for _, t, _, _ in events],
        "AETOXGR": [str(g) for _, _, g, _ in events],
        "AESTDTC": [(pd.Timestamp("2022-01-01") + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for *_, d in events],
    })


@settings(derandomize=True, max_examples=25, deadline=None)
@given(st.lists(_event, min_size=1, max_size=15), st.randoms(use_true_random=False))
def test_incidence_invariant_to_row_order(events, rnd):
    frame = _frame(events)
    order = list(range(len(frame)))
    rnd.shuffle(order)
    a = tabulate_ae_incidence(frame, _ADSL).counts
    b = tabulate_ae_incidence(frame.iloc[order], _ADSL).counts
    pd.testing.assert_frame_equal(a, b)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(st.lists(_event, min_size=1, max_size=12), _event)
def test_adding_an_event_never_decreases_counts(events, extra):
    before = tabulate_ae_incidence(_frame(events), _ADSL).counts
    after = tabulate_ae_incidence(_frame(events + [extra]), _ADSL).counts
    keys = ["row", "soc", "term", "group"]
    m = before.merge(after, on=keys, how="left", suffixes=("_b", "_a"))
    assert m["n_a"].notna().all()
    assert (m["n_a"] >= m["n_b"]).all() and (m["n_grade3_a"] >= m["n_grade3_b"]).all()


def test_terms_are_compared_without_case_or_blanks(ae, adsl):
    """NAUSEA spelled "Nausea " on B1's record: still one term (2 subjects), shown in the most common
    spelling, and the note counts the record."""
    res = tabulate_ae_incidence(ae.assign(AEDECOD=ae["AEDECOD"].where(ae.index != 4, "Nausea ")), adsl)
    t = res.table()
    assert t.loc[t["Preferred term"].str.upper() == "NAUSEA", "Preferred term"].tolist() == ["NAUSEA"]
    assert t.loc[t["Preferred term"] == "NAUSEA"].iloc[0, -2] == "2 (40.0%)"
    assert ("1 AE record(s) spell a preferred term (AEDECOD) differently from its most common spelling and are "
            "counted under it (terms compared without regard to case and surrounding blanks): 'Nausea' as "
            "'NAUSEA'.") in res.notes
