"""``--format pdf | docx`` of ``doseflow analyze``: the files, and a one-line error where Chromium is missing."""

from __future__ import annotations

import pytest

from doseflow.cli.app import main
from doseflow.errors import InputError
from doseflow.report.pdf import find_chromium, write_pdf


def test_analyze_writes_word_and_removes_an_old_pdf(small_folder, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF-1.4 an earlier readout's")
    assert main(["analyze", str(small_folder), "--out", str(out), "--format", "docx"]) == 0
    line = capsys.readouterr().out
    assert str(out / "report.docx") in line and (out / "report.docx").stat().st_size > 5_000
    assert not (out / "report.pdf").exists()  # a report.pdf of an earlier run would not match this one


def test_unknown_format_is_a_one_line_error(small_folder, tmp_path, capsys):
    assert main(["analyze", str(small_folder), "--out", str(tmp_path / "o"), "--format", "rtf"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --format: must be one of 'html', 'pdf', 'docx'; got 'rtf'.\n"


def test_pdf_without_chromium_says_how_to_get_it(tmp_path, monkeypatch, small_folder, capsys):
    monkeypatch.setenv("DOSEFLOW_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(InputError, match=r"^--format pdf: must be headless Chromium.*apt-get install chromium"):
        find_chromium()
    (tmp_path / "r.html").write_text("<p>x</p>")
    with pytest.raises(InputError):
        write_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert main(["analyze", str(small_folder), "--out", str(tmp_path / "o"), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --format pdf: must be headless Chromium") and err.count("\n") == 1


@pytest.mark.browser
def test_pdf_is_printed_by_chromium(small_folder, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "out"
    assert main(["analyze", str(small_folder), "--out", str(out), "--format", "pdf", "--format", "docx"]) == 0
    pages = PdfReader(str(out / "report.pdf")).pages
    assert 3 <= len(pages) < 20 and "Phase I readout" in pages[0].extract_text()
    assert (out / "report.docx").is_file()
