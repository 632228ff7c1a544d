"""Corrupted copies of the pharmaverse SDTM: no input changes a number without a word (issue 7).

Each test builds its own folder from ../shared/data/pharmaverse/sdtm, with one defect, and asserts
the error text (file, row = file line, column, value) or the exact counts the readout gives and the
notes that say why. Row numbers are file lines (the header is line 1). Only the datasets a defect
concerns are copied, so each readout takes a few seconds. What each defect did before the fix is
said in its docstring.
"""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.readout.abstract import compute_headline, write_abstract
from doseflow.readout.pipeline import run_readout
from doseflow.report import write_outputs

BASE = ("dm", "ex", "ae", "suppae", "ds")
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")


def folder(tmp_path: Path, source: Path, names=BASE) -> Path:
    out = tmp_path / "sdtm"
    out.mkdir()
    for name in names:
        shutil.copy(source / f"{name}.csv", out)
    return out


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def field(line: str) -> list[str]:
    return next(csv.reader([line]))


def write_field(path: Path, line_no: int, column: str, value: str) -> str:
    """Set one field of one line (1-based, header = 1); returns the old value."""
    text = lines(path)
    header = field(text[0])
    record = field(text[line_no - 1])
    old = record[header.index(column)]
    record[header.index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(record)
    text[line_no - 1] = buf.getvalue()
    path.write_text("".join(text), encoding="utf-8")
    return old


def frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def teae_count(readout, term: str, group: str) -> int:
    c = readout.get("safety_teae").counts
    return int(c[(c["term"] == term) & (c["group"] == group) & (c["row"] == "term")]["n"].sum())


@pytest.fixture(scope="module")
def clean(tmp_path_factory, pharmaverse_dir):
    """The readout of the uncorrupted DM, EX, AE, SUPPAE and DS."""
    return run_readout(folder(tmp_path_factory.mktemp("clean"), pharmaverse_dir))


def test_ae_ending_before_it_starts_is_an_error(tmp_path, pharmaverse_dir, clean):
    """Before: the AE became "ended before first dose", not emergent: placebo DIARRHOEA 9 -> 8 patients."""
    assert teae_count(clean, "DIARRHOEA", "Placebo") == 9
    d = folder(tmp_path, pharmaverse_dir)
    ae, dm = frame(d / "ae.csv"), frame(d / "dm.csv")
    placebo = set(dm.loc[dm["ACTARM"] == "Placebo", "USUBJID"])
    pos = ae.index[(ae["AEDECOD"] == "DIARRHOEA") & ae["USUBJID"].isin(placebo) & (ae["AESTDTC"].str.len() == 10)][0]
    start = ae.loc[pos, "AESTDTC"]
    end = f"{int(start[:4]) - 1}{start[4:]}"
    write_field(d / "ae.csv", pos + 2, "AEENDTC", end)
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == (f"ae.csv row {pos + 2}, column AEENDTC: must be on or after AESTDTC ({start}); got "
                              f"'{end}'. An adverse event cannot end before it starts; correct either date.")


def test_negative_dose_is_an_error(tmp_path, pharmaverse_dir):
    """Before: EXDOSE -54 moved the subject to a new "81 mg" dose group, dropped one of its AEs as
    pre-treatment, and the summary said "at -54 mg"."""
    d = folder(tmp_path, pharmaverse_dir)
    assert write_field(d / "ex.csv", 7, "EXDOSE", "-54") == "54.0"
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == "ex.csv row 7, column EXDOSE: must be a number >= 0; got -54.0."


def test_absurd_dose_creates_no_dose_level_and_is_listed(tmp_path, pharmaverse_dir, clean):
    """Before: EXDOSE 1e308 (line 7, a baseline dose of 01-701-1028, Xanomeline High Dose) made a
    "1e+308 mg" dose level of its own and leaked a matplotlib overflow warning. The groups are the arms,
    so the subject stays in its arm; the dose is listed in the notes (1 EX record) and its PK profile is
    left out of the summaries as given at another dose; no warning escapes, report included."""
    d = folder(tmp_path, pharmaverse_dir, BASE + ("pc",))
    write_field(d / "ex.csv", 7, "EXDOSE", "1e308")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        readout = run_readout(d)
        write_outputs(readout, tmp_path / "out")
    levels = readout.get("population_sets").to_dict()["dose_levels"]
    assert [(lv["label"], lv["n"]) for lv in levels] == [("Placebo", 86), ("Xanomeline Low Dose", 96),
                                                        ("Xanomeline High Dose", 72)]
    assert any(n.startswith("Doses given per group (EX records):") and "Xanomeline High Dose: 54 mg (99), 81 mg (72), "
               "1e+308 mg (1)" in n for n in readout.notes)
    assert any(n.startswith("PK XAN: 1 profile(s) of 1 patient(s) were given at a dose other than their group's")
               for n in readout.notes)
    summary = readout.get("pk_summary_xan").statistics
    assert summary.loc[(summary["PPTESTCD"] == "CMAX") & (summary["DOSE_GROUP"] == "Xanomeline High Dose"),
                       "n"].item() == 71
    assert teae_count(readout, "DIARRHOEA", "Placebo") == teae_count(clean, "DIARRHOEA", "Placebo")


def test_short_ae_line_is_an_error(tmp_path, pharmaverse_dir):
    """Before: an AE line with 10 of its 35 fields was read with empty values: "(SOC not coded)",
    counted as related (AEREL missing)."""
    d = folder(tmp_path, pharmaverse_dir)
    text = lines(d / "ae.csv")
    assert len(field(text[56])) == 35
    text[56] = ",".join(field(text[56])[:10]) + "\n"
    (d / "ae.csv").write_text("".join(text), encoding="utf-8")
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == ("ae.csv row 57: must be a line with 35 fields (as many as the header); got 10. "
                              "A line was cut short or has an unquoted comma.")


def test_term_spelled_in_another_case_stays_one_term(tmp_path, pharmaverse_dir, clean):
    """Before: 5 rows of APPLICATION SITE PRURITUS spelled "Application site pruritus" split the term
    into two rows (50 patients -> 46 + 4). Terms are compared without case: the same counts per arm as
    the clean data (50 patients over the three arms), and a note counting the 5 records."""
    d = folder(tmp_path, pharmaverse_dir)
    ae = frame(d / "ae.csv")
    rows = ae.index[ae["AEDECOD"] == "APPLICATION SITE PRURITUS"][:5]
    for pos in rows:
        write_field(d / "ae.csv", pos + 2, "AEDECOD", "Application site pruritus")
    readout = run_readout(d)
    term = "APPLICATION SITE PRURITUS"
    assert [teae_count(readout, term, a) for a in ARMS] == [teae_count(clean, term, a) for a in ARMS]
    assert sum(teae_count(readout, term, a) for a in ARMS) == 50
    assert teae_count(readout, "Application site pruritus", "All active") == 0
    assert ("5 AE record(s) spell a preferred term (AEDECOD) differently from its most common spelling and are "
            "counted under it (terms compared without regard to case and surrounding blanks): 'Application site "
            "pruritus' as 'APPLICATION SITE PRURITUS'.") in readout.get("safety_teae").notes


def test_no_ae_file_still_counts_deaths(tmp_path, pharmaverse_dir):
    """Before: without ae.csv the deaths (from DM) became null instead of 3."""
    readout = run_readout(folder(tmp_path, pharmaverse_dir, ("dm", "ex", "ds")))
    h = compute_headline(readout)
    assert h["deaths_n"] == 3
    deaths = readout.get("safety_overview").to_dict()["categories"]["Deaths (any cause)"]
    assert [deaths[a] for a in ARMS] == [2, 1, 0]


def test_negative_concentration_names_the_file_line(tmp_path, pharmaverse_dir):
    """Before: "pc row 39, column PCSTRESN" (the record number, without the file) for line 40."""
    d = folder(tmp_path, pharmaverse_dir, BASE + ("pc",))
    write_field(d / "pc.csv", 40, "PCSTRESN", "-5")
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == "pc.csv row 40, column PCSTRESN: must be a number >= 0; got -5.0."


def test_pk_samples_of_a_subject_without_ex_is_an_error_at_its_pc_row(tmp_path, pharmaverse_dir):
    """Before: "conc_frame row 37, column route" (an internal frame). 01-701-1028 has AE and PC (first
    PC record on line 38) but its EX records are removed."""
    d = folder(tmp_path, pharmaverse_dir, BASE + ("pc",))
    ex = frame(d / "ex.csv")
    ex[ex["USUBJID"] != "01-701-1028"].to_csv(d / "ex.csv", index=False)
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == ("pc.csv row 38, column USUBJID: must be a subject with a dose record in EX (ex.csv); "
                              "got '01-701-1028'. PK samples are timed from the dose they follow: add the subject's "
                              "EX records or remove its PC records.")


def test_subject_with_a_trailing_blank_is_reported_in_its_own_file(tmp_path, pharmaverse_dir):
    """Before: a USUBJID with a trailing space on AE line 5 was reported against suppae.csv (whose
    records no longer found their AE)."""
    d = folder(tmp_path, pharmaverse_dir)
    write_field(d / "ae.csv", 5, "USUBJID", "01-701-1023 ")
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == ("ae.csv row 5, column USUBJID: must be a subject of DM (dm.csv); got '01-701-1023 '. "
                              "It differs from the subject '01-701-1023' only by blanks.")


def test_unknown_subject_suggests_nothing_the_cli_lacks(tmp_path, pharmaverse_dir):
    """Before: the error suggested unknown_subjects='note', an option the CLI does not have."""
    d = folder(tmp_path, pharmaverse_dir, ("dm", "ex", "ae", "ds"))
    write_field(d / "ae.csv", 5, "USUBJID", "01-999-9999")
    with pytest.raises(DataError) as err:
        run_readout(d)
    assert str(err.value) == "ae.csv row 5, column USUBJID: must be a subject of DM (dm.csv); got '01-999-9999'."


def test_notes_point_at_tables_of_the_output(tmp_path, pharmaverse_dir):
    """Before: "see the exclusion_reason column of the concentration frame" and "see .excluded" named
    nothing in the output. The excluded concentration and RS records are tables the report writes, with
    file line and reason, and as many rows as the notes count."""
    d = folder(tmp_path, pharmaverse_dir, BASE + ("pc", "rs_onco_recist"))
    readout = run_readout(d)
    out = write_outputs(readout, tmp_path / "out")
    nca_note = next(n for n in readout.get("pk_nca_xan").notes if "excluded before NCA" in n)
    pk = pd.read_csv(out.tables["pk_excluded_xan"])
    assert nca_note == (f"{len(pk)} concentration record(s) were excluded before NCA (each with its reason in "
                        "tables/pk_excluded_xan.csv).")
    pc, ex = frame(d / "pc.csv"), frame(d / "ex.csv")
    active = set(ex.loc[ex["EXDOSE"].astype(float) > 0, "USUBJID"])  # placebo samples are not analysed
    used = (pc["PCSPEC"] == "PLASMA") & (pc["PCTPTNUM"].astype(float) > 0) & pc["USUBJID"].isin(active)
    assert len(pk) == int((~used).sum())  # urine, pre-dose and placebo records
    row = pk.iloc[0]
    assert field(lines(d / "pc.csv")[int(row["row"]) - 1])[2] == row["USUBJID"] and row["file"] == "pc.csv"
    bor_note = next(n for n in readout.get("efficacy_bor_confirmed").notes if "RS record(s) were not used" in n)
    rs = pd.read_csv(out.tables["efficacy_excluded_records"])
    assert bor_note == (f"{len(rs)} RS record(s) were not used; each is listed with its reason in "
                        "tables/efficacy_excluded_records.csv.")
    assert set(rs["file"]) == {"rs_onco_recist.csv"}
    assert all(field(lines(d / "rs_onco_recist.csv")[r - 1])[2] == s for r, s in zip(rs["row"], rs["USUBJID"]))


def test_summary_reports_by_arm(clean):
    """Before: "TRAEs occurred in 185 patients (72.8%)" of 254, 86 on placebo included; now the active arms
    pooled, each arm, and placebo beside them (plain counts: 142 of 168 on xanomeline, 43 of 86 on placebo;
    tests/readout/test_pipeline.py derives them with pandas)."""
    text = write_abstract(compute_headline(clean))
    assert ("TRAEs occurred in 142 of 168 patients on active treatment (84.5%: Xanomeline Low Dose 78 of 96, "
            "81.2%; Xanomeline High Dose 64 of 72, 88.9%) and in 43 of 86 on placebo (50.0%)") in text
    assert text.startswith("254 patients were treated: 96 with Xanomeline Low Dose, 72 with Xanomeline High Dose "
                           "and 86 with placebo;")
