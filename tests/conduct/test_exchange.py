"""The trial's CSV tables and its SDTM: what ``doseflow analyze`` reads from a live trial."""

from __future__ import annotations

import pytest

from doseflow.conduct.exchange import TABLES, check_tables, write_csv
from doseflow.conduct.patients import close_window, enrol_patient, record_assessment
from doseflow.conduct.protocol import create_trial
from doseflow.conduct.sdtm import derive_sdtm, write_sdtm
from doseflow.core import DosePlan
from doseflow.errors import InputError

AT = "2024-03-01T09:00:00+00:00"


def _trial():
    trial, _ = create_trial("LIVE-1", "", DosePlan.from_amounts([1.2, 2.4], "mg/kg"), {"design": "3+3"}, 21,
                            actor="a", at=AT, treatment="GQ1001")
    for i, sex in enumerate("FMF"):
        trial, _ = enrol_patient(trial, actor="d", at=AT, day=2 * i, sex=sex, age=50 + i, country="AUS")
    trial, _ = record_assessment(trial, "P2", dlt=True, term="Thrombocytopenia", grade=4, onset_day=9, actor="d",
                                 at=AT)
    trial, _ = record_assessment(trial, "P3", dlt=False, term="Nausea", grade=1, onset_day=5, actor="d", at=AT)
    for pid, day in (("P1", 21), ("P3", 25)):
        trial, _ = close_window(trial, pid, day=day, actor="d", at=AT)
    return trial


def test_csv_tables_and_their_check():
    trial = _trial()
    files = {name: write_csv(tabulate(trial), columns) for name, (tabulate, columns) in TABLES.items()}
    assert files["patients.csv"].splitlines()[2].startswith("P2,1,1,1.2,mg/kg,escalation,2,M,51,01,AUS,Y,7,4,")
    check_tables(trial, files)
    edited = {**files, "assessments.csv": files["assessments.csv"].replace("Nausea", "Vomiting")}
    with pytest.raises(InputError, match=r"^assessments.csv line 3: must be 'A2,P3,N,Nausea,1,5' as trial.json"):
        check_tables(trial, edited)


def test_sdtm_of_a_live_trial_is_read_by_the_readout(tmp_path):
    from doseflow.cdisc.read import read_sdtm
    from doseflow.readout.pipeline import run_readout

    trial = _trial()
    frames = derive_sdtm(trial)
    assert frames["ex"]["EXSTDTC"].tolist() == ["2024-03-01", "2024-03-03", "2024-03-05"]
    assert frames["ae"]["AESTDY"].tolist() == [8.0, 2.0]  # onsets 9 and 5, enrolled on 2 and 4: SDTM days 8, 2
    paths = write_sdtm(trial, tmp_path)
    assert sorted(p.name for p in paths) == ["ae.csv", "dm.csv", "ds.csv", "ex.csv", "suppae.csv"]
    assert frames["ds"]["USUBJID"].tolist() == ["LIVE-1-P1", "LIVE-1-P3"]  # windows closed on days 21 and 25
    sdtm = read_sdtm(tmp_path)
    assert sorted(sdtm.datasets) == ["ae", "dm", "ds", "ex", "suppae"]
    assert sdtm.datasets["dm"]["SEX"].tolist() == ["F", "M", "F"]
    readout = run_readout(tmp_path)  # what `doseflow analyze` runs on the folder
    dlt = next(item.result for item in readout.items if item.name == "safety_dlt")
    # level 1 and the pooled row: all three DLT-evaluable (P2 had a DLT, P1 and P3 completed the
    # window: the DS milestones), one DLT
    assert dlt.recorded and dlt.levels[["n", "n_dlt"]].values.tolist() == [[3, 1], [3, 1]]
    assert dlt.levels["events"].tolist()[0] == "THROMBOCYTOPENIA (grade 4)"
