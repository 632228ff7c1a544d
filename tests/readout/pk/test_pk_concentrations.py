"""derive_pk_concentrations on small hand-made SDTM PC/EX frames (times derived by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import DataError, InputError
from doseflow.readout.pk import derive_pk_concentrations


def make_pc(rows) -> pd.DataFrame:
    cols = ["USUBJID", "PCSPEC", "PCDTC", "PCORRES", "PCSTRESN", "PCTPTNUM"]
    df = pd.DataFrame(rows, columns=cols)
    df["PCTESTCD"] = "DRUG"
    df["PCLLOQ"] = 0.1
    df["PCSTRESU"] = "ng/mL"
    df["PCSEQ"] = np.arange(1, len(df) + 1)
    return df


EX = pd.DataFrame({
    "USUBJID": ["A", "A", "P", "Q"],
    "EXSEQ": [1, 2, 1, 1],
    "EXDOSE": [10.0, 20.0, 0.0, 10.0],
    "EXDOSU": ["mg", "mg", "mg", "mg"],
    "EXSTDTC": ["2020-01-01T08:00", "2020-01-03T08:00", "2020-01-01", None],
    "EXROUTE": ["ORAL", "ORAL", "ORAL", "ORAL"],
})

PC = make_pc([
    ["A", "PLASMA", "2020-01-01T07:30", "<BLQ", None, -0.5],   # pre-dose of dose 1: -0.5 h
    ["A", "PLASMA", "2020-01-01T09:00", "5", 5.0, 1.0],        # 1 h after dose 1
    ["A", "PLASMA", "2020-01-01T20:00", "0.05", 0.05, 12.0],   # below LLOQ 0.1 -> BLQ
    ["A", "PLASMA", "2020-01-03T07:00", "2", 2.0, -1.0],       # planned pre-dose of dose 2: -1 h
    ["A", "PLASMA", "2020-01-03T10:30", "8", 8.0, 2.5],        # 2.5 h after dose 2
    ["A", "URINE", "2020-01-01T14:00", "50", 50.0, 6.0],       # urine: kept, excluded
    ["A", "PLASMA", "", "3", 3.0, 4.0],                        # no PCDTC
    ["P", "PLASMA", "2020-01-01T02:00", "<BLQ", None, 2.0],    # placebo, date-only EXSTDTC
    ["Q", "PLASMA", "2020-01-01T02:00", "1", 1.0, 2.0],        # EX record without a usable EXSTDTC
])


def by_seq(out: pd.DataFrame) -> pd.DataFrame:
    return out.set_index("PCSEQ").sort_index()


def test_no_record_is_dropped_and_reasons_are_given():
    out = derive_pk_concentrations(PC, EX)
    assert len(out) == len(PC) and sorted(out["source_row"]) == list(range(1, len(PC) + 1))
    o = by_seq(out)
    assert o.loc[6, "exclusion_reason"].startswith("specimen URINE: not used for NCA")
    assert o.loc[7, "exclusion_reason"] == \
        "PCDTC missing or partial: cannot assign the sample to one of the subject's doses"
    assert o.loc[8, "exclusion_reason"] == "placebo dose (EXDOSE 0): no NCA"
    assert o.loc[9, "exclusion_reason"] == "no EX dose record with a usable EXSTDTC for this subject"
    assert o.loc[1, "exclusion_reason"] == "sample before the dose (time -0.50 h): outside the dosing interval"
    assert list(o.loc[[2, 3, 5], "excluded"]) == [False, False, False]
    assert (o["excluded"] == (o["exclusion_reason"] != "")).all()


def test_actual_times_and_dosing_intervals():
    """Dose 1 at 01-01 08:00, dose 2 at 01-03 08:00. Sample 2 (09:00) -> dose 1, 1 h; sample 3
    (20:00) -> 12 h; sample 4 (01-03 07:00, planned pre-dose) -> dose 2 at -1 h; sample 5
    (10:30) -> dose 2, 2.5 h; dose per interval 10 then 20 mg."""
    o = by_seq(derive_pk_concentrations(PC, EX))
    assert list(o.loc[[1, 2, 3, 4, 5], "dose_number"]) == [1, 1, 1, 2, 2]
    assert o.loc[[1, 2, 3, 4, 5], "time"].tolist() == [-0.5, 1.0, 12.0, -1.0, 2.5]
    assert o.loc[[2, 5], "dose"].tolist() == [10.0, 20.0]
    assert (o.loc[[2, 5], "route"] == "extravascular").all()


def test_date_only_dose_is_midnight_and_flagged():
    """Placebo EXSTDTC 2020-01-01 (no time): midnight; the 02:00 sample is at 2 h, flagged."""
    o = by_seq(derive_pk_concentrations(PC, EX))
    assert o.loc[8, "time"] == 2.0
    assert o.loc[8, "time_flag"] == "dose time imputed: EXSTDTC has no time of day, midnight used"
    assert o.loc[2, "time_flag"] == ""


def test_blq_from_text_and_from_lloq():
    o = by_seq(derive_pk_concentrations(PC, EX))
    assert bool(o.loc[1, "blq"]) and bool(o.loc[3, "blq"]) and not bool(o.loc[2, "blq"])
    assert o.loc[3, "conc"] == 0.0 and o.loc[2, "conc"] == 5.0


def test_nominal_time_and_predose_to_zero():
    o = by_seq(derive_pk_concentrations(PC, EX, time="nominal"))
    assert o.loc[[2, 3, 5], "time"].tolist() == [1.0, 12.0, 2.5]
    assert o.loc[7, "time"] == 4.0 and o.loc[7, "excluded"]  # A has two doses: which one is unknown
    o = by_seq(derive_pk_concentrations(PC, EX, predose_to_zero=True))
    assert o.loc[1, "time"] == 0.0 and not o.loc[1, "excluded"]
    assert o.loc[1, "time_flag"] == "pre-dose sample at -0.50 h set to time 0"
    assert o.loc[4, "time"] == 0.0 and o.loc[4, "dose_number"] == 2


def test_pceltm_preferred_for_nominal_time():
    pc = PC.copy()
    pc["PCELTM"] = ["-PT30M", "PT1H", "PT12H", "-PT1H", "PT2H30M", "PT6H", "PT4H", "PT2H", "PT2H"]
    pc["PCTPTNUM"] = 99.0
    o = by_seq(derive_pk_concentrations(pc, EX, time="nominal"))
    assert o.loc[[1, 2, 5], "time"].tolist() == [-0.5, 1.0, 2.5]


def test_single_dose_subject_without_pcdtc_gets_nominal_time():
    ex = EX[EX["USUBJID"] == "A"].iloc[[0]]
    pc = PC[PC["USUBJID"] == "A"]
    o = by_seq(derive_pk_concentrations(pc, ex, time="nominal"))
    assert o.loc[7, "dose_number"] == 1 and o.loc[7, "time"] == 4.0 and not o.loc[7, "excluded"]


def test_intravenous_routes_and_infusion_duration():
    ex = pd.DataFrame({"USUBJID": ["A", "B"], "EXDOSE": [10.0, 5.0], "EXDOSU": "mg",
                       "EXROUTE": ["INTRAVENOUS", "INTRAVENOUS BOLUS"],
                       "EXSTDTC": ["2020-01-01T08:00", "2020-01-01T08:00"],
                       "EXENDTC": ["2020-01-01T09:30", "2020-01-01T08:00"]})
    pc = make_pc([["A", "PLASMA", "2020-01-01T10:00", "5", 5.0, 2.0],
                  ["B", "PLASMA", "2020-01-01T10:00", "5", 5.0, 2.0]])
    o = derive_pk_concentrations(pc, ex).set_index("USUBJID")
    assert o.loc["A", "route"] == "iv infusion" and o.loc["A", "infusion_duration"] == 1.5
    assert o.loc["B", "route"] == "iv bolus"


def test_adsl_columns_joined():
    adsl = pd.DataFrame({"USUBJID": ["A", "P"], "DOSE_GROUP": ["10 mg", "Placebo"], "DOSE_LEVEL": [1, 0]})
    o = by_seq(derive_pk_concentrations(PC, EX, adsl))
    assert o.loc[2, "DOSE_GROUP"] == "10 mg" and pd.isna(o.loc[9, "DOSE_GROUP"])


@pytest.mark.parametrize("mutate, error, where", [
    (lambda pc, ex: (pc.drop(columns="PCDTC"), ex), DataError, "pc variable PCDTC"),
    (lambda pc, ex: (pc.assign(PCSTRESN=[None, -5, 0.05, 2, 8, 50, 3, None, 1]), ex), DataError,
     "pc row 2, column PCSTRESN"),
    (lambda pc, ex: (pc.assign(PCSTRESN=["x"] * 9), ex), DataError, "pc row 1, column PCSTRESN"),
    (lambda pc, ex: (pc, ex.assign(EXSTDTC=["2020-13-01", "2020-01-03", "2020-01-01", None])), DataError,
     "ex column EXSTDTC row 1"),
    (lambda pc, ex: (pc, ex.assign(EXSTDTC=["2020-01-01T08:00"] * 2 + ["2020-01-01", None])), DataError,
     "ex subject A, EXSTDTC"),
    (lambda pc, ex: (pc, ex[ex["USUBJID"] != "Q"]), DataError,
     "pc row 9, column USUBJID: must be a subject with a dose record in EX (ex); got 'Q'. PK samples are timed"),
    (lambda pc, ex: (pc, ex.assign(EXDOSE=[10.0, -20.0, 0.0, 10.0])), DataError,
     "ex row 2, column EXDOSE: must be a number >= 0; got -20.0."),
], ids=["missing-PCDTC", "negative-conc", "text-conc", "bad-date", "two-doses-same-time", "no-EX", "negative-dose"])
def test_bad_input_raises_with_location(mutate, error, where):
    pc, ex = mutate(PC.copy(), EX.copy())
    with pytest.raises(error) as err:
        derive_pk_concentrations(pc, ex)
    assert str(err.value).startswith(where)


def test_rows_are_file_lines():
    """A PC frame read from pc.csv (attrs set by doseflow.cdisc) names its rows by file line: record 39
    (0-based index 38) is line 40, the header being line 1 (issue 7: "pc row 39", without the file)."""
    pc = pd.concat([PC] * 5, ignore_index=True)
    pc["PCSTRESN"] = pc["PCSTRESN"].astype(float)
    pc.loc[38, "PCSTRESN"] = -5.0
    pc.attrs = {"source": "pc.csv", "first_row": 2}
    with pytest.raises(DataError) as err:
        derive_pk_concentrations(pc, EX)
    assert str(err.value) == "pc.csv row 40, column PCSTRESN: must be a number >= 0; got -5.0."
    ok = pc.assign(PCSTRESN=pc["PCSTRESN"].abs())
    ok.attrs = pc.attrs
    assert sorted(derive_pk_concentrations(ok, EX)["source_row"]) == list(range(2, 47))


def test_bad_arguments():
    with pytest.raises(InputError, match="^time: must be one of"):
        derive_pk_concentrations(PC, EX, time="elapsed")
    with pytest.raises(InputError, match="^specimens"):
        derive_pk_concentrations(PC, EX, specimens="PLASMA")
