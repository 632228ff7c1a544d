"""Write a readout to a folder: the HTML report, every table as CSV, every figure as PNG and SVG, results.json.

Layout of ``DIR`` after :func:`write_outputs`::

    DIR/report.html            the self-contained report (doseflow.report.html)
    DIR/report.pdf             with formats "pdf": the report printed by headless Chromium
    DIR/report.docx            with formats "docx": the body tables and figures as a Word document
    DIR/tables/<name>.csv      the table of every analysis at full precision, <name> = the item's name
    DIR/figures/<name>.png     every figure (110 dpi; the same image is embedded in the report)
    DIR/figures/<name>.svg     the same, vector
    DIR/results.json           the headline figures

``results.json`` holds, besides the keys of :data:`doseflow.readout.abstract.HEADLINE_KEYS`
(n_subjects, n_treated, dose_levels, dlt_n, mtd_statement, trae_any_pct, teae_any_pct,
grade3_trae_pct, ae_terms_over_10pct, orr_pct, orr_ci, dcr_pct, evaluable_n,
pfs_median_months, pfs_median_ci_months, exposure_median_weeks, pk, design, n_cohorts,
recommended_dose, data_cutoff, notes, ... each documented there, null where the data do not
allow), the keys of :data:`RESULTS_EXTRA_KEYS`.

Item names (files under tables/ and figures/): conduct_design, conduct_escalation,
population_sets, population_characteristics, safety_overview, safety_teae, safety_trae,
safety_common, safety_grade3_teae, safety_grade3_trae, safety_dlt, safety_ae_listing,
safety_lab_shift, pk_summary, pk_concentration_time, pk_nca_<analyte>, pk_summary_<analyte>,
pk_concentrations_<analyte>, pk_proportionality_<analyte>, pk_excluded_<analyte> (the
records not used, with file line and reason), efficacy_bor_confirmed,
efficacy_bor_unconfirmed, efficacy_response_rates, efficacy_dor, efficacy_pfs,
efficacy_excluded_records, efficacy_swimmer, efficacy_waterfall, efficacy_spider (those whose
data exist), and the items of any extra section (the demo's ``comparison_published``).
Tables and figures an earlier run left in DIR and this run does not write are removed (and
listed in the notes of results.json), and so are report.pdf and report.docx when this run
does not write them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from doseflow.checks import check_choice
from doseflow.errors import InputError
from doseflow.readout.abstract import HEADLINE_KEYS, compute_headline, write_abstract
from doseflow.readout.pipeline import Readout
from doseflow.readout.result import to_json_ready
from doseflow.report.figures import FIGURE_DPI, render_png, render_svg
from doseflow.report.html import build_layout, render_report, software_versions
from doseflow.report.layout import ExtraSection

__all__ = ["FORMATS", "ReadoutOutputs", "RESULTS_EXTRA_KEYS", "write_outputs"]

#: Report formats: the HTML page is always written; "pdf" and "docx" add a file each.
FORMATS = ("html", "pdf", "docx")

#: Keys of results.json beyond :data:`~doseflow.readout.abstract.HEADLINE_KEYS`.
RESULTS_EXTRA_KEYS: dict[str, str] = {
    "abstract": "the summary paragraph of the report",
    "analyses": "list of {name, section, title}: the analyses in report order",
    "tables": "item name -> path of its CSV table, relative to the output folder",
    "figures": "item name -> path of its PNG figure (an SVG sits beside it)",
    "reports": "format -> path of the report file (html; pdf and docx when written)",
    "inputs": "dataset -> {file, sha256, rows, domain, used}",
    "config": "the configuration used, as its TOML tables",
    "software": "python and package versions",
    "extra": "item name -> to_dict() of each item of an extra section (the demo's comparison_published)",
}


@dataclass(frozen=True)
class ReadoutOutputs:
    """Where :func:`write_outputs` wrote things, and the content of results.json."""

    folder: Path
    report: Path
    results_json: Path
    tables: dict[str, Path]
    figures: dict[str, Path]
    results: dict
    removed: tuple[Path, ...] = ()
    reports: dict[str, Path] | None = None


def write_outputs(readout: Readout, out_dir: str | Path, *, formats: Sequence[str] = ("html",),
                  extra: Sequence[ExtraSection] = (), dpi: int = FIGURE_DPI) -> ReadoutOutputs:
    """Write the report, tables, figures and results.json of ``readout`` into ``out_dir``.

    Parameters
    ----------
    readout : Readout
        From :func:`doseflow.readout.pipeline.run_readout`.
    out_dir : str or Path
        Created if absent; existing files of the same names are replaced, and the tables
        and figures an earlier run left there that this run does not write (``tables/*.csv``,
        ``figures/*.png`` and ``*.svg``) are removed, so the folder holds one readout.
    formats : sequence of {"html", "pdf", "docx"}
        Report files besides report.html: "pdf" prints it with headless Chromium
        (:func:`doseflow.report.pdf.write_pdf`), "docx" writes the body tables and figures
        as a Word document (:func:`doseflow.report.docx.write_docx`).
    extra : sequence of ExtraSection
        Sections a workflow adds before the methods (their items' tables and figures are
        written like the readout's).
    dpi : int
        Resolution of the PNG files, which the report also embeds.

    Returns
    -------
    ReadoutOutputs

    Raises
    ------
    InputError
        ``out_dir`` is empty text (it would mean the current folder), exists and is not a
        folder, or cannot be written; a format is unknown; "pdf" without Chromium.
    """
    formats = tuple(dict.fromkeys(["html", *(check_choice(f, "--format", FORMATS, error=InputError)
                                             for f in formats)]))
    if not str(out_dir).strip():
        raise InputError("--out", "a folder path (an empty one would write into the current folder)", str(out_dir))
    out = Path(out_dir)
    try:
        (out / "tables").mkdir(parents=True, exist_ok=True)
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError, PermissionError) as err:
        raise InputError("--out", "a folder that can be created and written", str(out), str(err)) from None
    tables: dict[str, Path] = {}
    figures: dict[str, Path] = {}
    embedded: dict[str, bytes] = {}
    items = [(i.name, i.result) for i in readout.items] + [it for x in extra for it in x.items]
    for name, result in items:
        path = out / "tables" / f"{name}.csv"
        result.table().to_csv(path, index=False)
        tables[name] = path
        fig = result.figure()
        if fig is None:
            continue
        (out / "figures" / f"{name}.svg").write_bytes(render_svg(fig))
        png_bytes = render_png(fig, dpi=dpi)
        (out / "figures" / f"{name}.png").write_bytes(png_bytes)
        embedded[name] = png_bytes
        figures[name] = out / "figures" / f"{name}.png"
    removed = [old for sub, kept in (("tables", tables), ("figures", figures)) for old in sorted((out / sub).iterdir())
               if old.suffix in (".csv", ".png", ".svg") and old.with_suffix("").name not in kept]
    removed += [out / f"report.{f}" for f in ("pdf", "docx") if f not in formats and (out / f"report.{f}").exists()]
    for old in removed:
        old.unlink()
    headline = compute_headline(readout)
    abstract = write_abstract(headline)
    layout = build_layout(readout, figures=embedded, abstract=abstract, extra=extra)
    report = out / "report.html"
    report.write_text(render_report(readout, layout=layout), encoding="utf-8")
    reports = {"html": report}
    if "pdf" in formats:
        from doseflow.report.pdf import write_pdf

        reports["pdf"] = write_pdf(report, out / "report.pdf")
    if "docx" in formats:
        from doseflow.report.docx import write_docx

        reports["docx"] = write_docx(layout, out / "report.docx")
    results = {
        "abstract": abstract,
        **{k: headline[k] for k in HEADLINE_KEYS},
        "analyses": [{"name": i.name, "section": i.section, "title": i.result.title} for i in readout.items],
        "tables": {k: str(p.relative_to(out)) for k, p in tables.items()},
        "figures": {k: str(p.relative_to(out)) for k, p in figures.items()},
        "reports": {k: str(p.relative_to(out)) for k, p in reports.items()},
        "inputs": {stem: {"file": f.path.name, "sha256": f.sha256, "rows": f.rows, "domain": f.domain,
                          "used": readout.chosen.get((f.domain or "").lower()) == stem}
                   for stem, f in sorted(readout.files.items())},
        "config": readout.config.to_dict(),
        "software": software_versions(),
        "extra": {name: result.to_dict() for x in extra for name, result in x.items},
    }
    if removed:
        results["notes"] = list(results["notes"]) + [
            f"{len(removed)} file(s) of an earlier readout in {out} were removed: "
            + ", ".join(f"{f.parent.name}/{f.name}" for f in removed[:10]) + (" ..." if len(removed) > 10 else "") + "."]
    results = to_json_ready(results)
    results_json = out / "results.json"
    results_json.write_text(json.dumps(results, indent=2, allow_nan=False), encoding="utf-8")
    return ReadoutOutputs(folder=out, report=report, results_json=results_json, tables=tables, figures=figures,
                          results=results, removed=tuple(removed), reports=reports)
