"""Folders: file names in any case, CSV and XPT mixed, dataset choice, round trips.

Small pharmaverse files are copied to tmp_path under other names; the expected frames are the
ones read from the original files, so a pass means the name or format changed nothing.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from doseflow.cdisc import read_domain, read_sdtm, write_domain
from doseflow.errors import ConfigError, DataError

SMALL = ("ae", "dm", "suppae", "rs_onco_recist", "tu_onco_recist", "tr_onco_recist")


@pytest.fixture(scope="module")
def originals(pharmaverse_dir):
    return {stem: read_domain(pharmaverse_dir / f"{stem}.csv") for stem in SMALL}


def test_file_names_in_any_case(tmp_path, originals, pharmaverse_dir):
    names = {"ae": "AE.CSV", "dm": "Dm.csv", "suppae": "SuppAE.Csv", "rs_onco_recist": "RS_ONCO_RECIST.csv"}
    for stem, name in names.items():
        shutil.copy(pharmaverse_dir / f"{stem}.csv", tmp_path / name)
    data = read_sdtm(tmp_path)
    assert sorted(data.datasets) == sorted(names)
    for stem in names:
        pd.testing.assert_frame_equal(data.datasets[stem], originals[stem])
    assert data.files["ae"].path.name == "AE.CSV"
    assert data.domain("ae", with_supp=True)["AETRTEM"].value_counts().to_dict() == {"Y": 1126, "N": 65}


def test_xpt_round_trip_of_pharmaverse_datasets(tmp_path, originals):
    """write_domain to XPT v5 (upper-case names) and CSV, then read_sdtm: equal frames."""
    for i, (stem, frame) in enumerate(originals.items()):
        suffix = ".XPT" if i % 2 == 0 else ".csv"
        write_domain(frame, tmp_path / f"{stem.upper() if i % 2 == 0 else stem}{suffix}")
    data = read_sdtm(tmp_path)
    assert {s: f.format for s, f in data.files.items()} == {
        "ae": "xpt", "dm": "csv", "suppae": "xpt", "rs_onco_recist": "csv",
        "tu_onco_recist": "xpt", "tr_onco_recist": "csv"}
    for stem, frame in originals.items():
        pd.testing.assert_frame_equal(data.datasets[stem], frame)
    labels = data.datasets["ae"].attrs["labels"]
    assert labels["AESEQ"] == "Sequence Number" and labels["AEDECOD"] == "Dictionary-Derived Term"


def test_two_files_with_one_stem_are_an_error(tmp_path, originals, pharmaverse_dir):
    shutil.copy(pharmaverse_dir / "dm.csv", tmp_path / "dm.csv")
    write_domain(originals["dm"], tmp_path / "DM.xpt")
    with pytest.raises(DataError, match=re.escape(
        f"{tmp_path}: must be a folder with one file per dataset name; got ['DM.xpt', 'dm.csv']."
    )):
        read_sdtm(tmp_path)


def rs(subjects: int, stem: str) -> str:
    rows = [f"S1,RS,S1-{k:03d},1,OVRLRESP,Overall Response,PR" for k in range(subjects)]
    return "\n".join(["STUDYID,DOMAIN,USUBJID,RSSEQ,RSTESTCD,RSTEST,RSSTRESC", *rows]) + "\n"


def tu(subjects: int) -> str:
    rows = [f"S1,TU,S1-{k:03d},1,TUMIDENT,Tumor Identification,TARGET" for k in range(subjects)]
    return "\n".join(["STUDYID,DOMAIN,USUBJID,TUSEQ,TUTESTCD,TUTEST,TUSTRESC", *rows]) + "\n"


def test_family_is_the_suffix_covering_most_subjects(tmp_path):
    """rs_a has 3 subjects, rs_b 2; tu_a 1, tu_b 4. Family _a covers 3 subjects (S1-000..002),
    family _b covers 4 (S1-000..003): _b wins for both, although rs_a alone has more subjects."""
    (tmp_path / "rs_a.csv").write_text(rs(3, "rs_a"))
    (tmp_path / "rs_b.csv").write_text(rs(2, "rs_b"))
    (tmp_path / "tu_a.csv").write_text(tu(1))
    (tmp_path / "tu_b.csv").write_text(tu(4))
    data = read_sdtm(tmp_path)
    assert (data.chosen["rs"], data.chosen["tu"]) == ("rs_b", "tu_b")
    assert data.notes[0] == (
        "TU, TR and RS are taken from one family of datasets, '_b' (4 subjects), rather than "
        "'_a' (3 subjects), so that lesions, measurements and responses belong together."
    )
    assert data.notes[1] == (
        "RS: 2 datasets (rs_a 3 subjects, rs_b 2 subjects); using rs_b. Set [datasets] rs = ... to choose."
    )
    with pytest.raises(ConfigError, match=re.escape("prefer['rs']: must be one of 'rs_a', 'rs_b'; got 'rs_x'.")):
        read_sdtm(tmp_path, prefer={"rs": "rs_x"})
    with pytest.raises(ConfigError, match=re.escape(
        f"prefer: must be a dict whose keys are domains in {tmp_path} (rs, tu); got 'ae'.")):
        read_sdtm(tmp_path, prefer={"ae": "ae"})


def test_other_domains_pick_most_subjects(tmp_path):
    """Two EX-like datasets outside TU/TR/RS: the one with more subjects, with a note."""
    header = "STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT"
    (tmp_path / "ex.csv").write_text(header + "\nS1,EX,S1-001,1,DRUG\n")
    (tmp_path / "ex_extra.csv").write_text(header + "\nS1,EX,S1-001,1,DRUG\nS1,EX,S1-002,1,DRUG\n")
    data = read_sdtm(tmp_path)
    assert data.chosen["ex"] == "ex_extra"
    assert data.notes == [
        "EX: 2 datasets (ex_extra 2 subjects, ex 1 subject); using ex_extra. Set [datasets] ex = ... to choose."
    ]
    assert read_sdtm(tmp_path, prefer={"ex": "ex"}).domain("ex")["USUBJID"].tolist() == ["S1-001"]
