"""Write a readout to a folder: the HTML report, every table as CSV, every figure as PNG and SVG, results.json.

Layout of ``DIR`` after :func:`write_outputs`::

    DIR/report.html            the self-contained report (doseflow.report.html)
    DIR/tables/<name>.csv      the table of every analysis, <name> = the item's name
    DIR/figures/<name>.png     every figure (110 dpi; the same image is embedded in the report)
    DIR/figures/<name>.svg     the same, vector
    DIR/results.json           the headline figures

``results.json`` holds, besides the keys of :data:`doseflow.readout.abstract.HEADLINE_KEYS`
(n_subjects, n_treated, dose_levels, dlt_n, mtd_statement, trae_any_pct, teae_any_pct,
grade3_trae_pct, ae_terms_over_10pct, orr_pct, orr_ci, dcr_pct, evaluable_n,
pfs_median_months, pfs_median_ci_months, exposure_median_weeks, pk, notes, ... each
documented there, null where the data do not allow):

- ``abstract``: the summary paragraph of the report;
- ``analyses``: list of ``{name, section, title}``, the items in report order;
- ``tables`` / ``figures``: item name -> path of its CSV / PNG relative to DIR;
- ``inputs``: dataset -> ``{file, sha256, rows, domain, used}``;
- ``config``: the configuration used, as its TOML tables;
- ``software``: python and package versions.

Item names (files under tables/ and figures/): population_sets, population_characteristics,
safety_overview, safety_teae, safety_trae, safety_common, safety_grade3_teae,
safety_grade3_trae, safety_dlt, safety_lab_shift, pk_nca_<analyte>, pk_summary_<analyte>,
pk_concentrations_<analyte>, pk_proportionality_<analyte>, pk_mean_concentration_<analyte>,
pk_excluded_<analyte> (the records not used, with file line and reason),
efficacy_bor_confirmed, efficacy_bor_unconfirmed, efficacy_response_rates, efficacy_dor,
efficacy_pfs, efficacy_excluded_records, efficacy_swimmer, efficacy_waterfall, efficacy_spider
(those whose data exist). Tables and figures an earlier run left in DIR and this run does not
write are removed (and listed in the notes of results.json).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from doseflow.errors import InputError
from doseflow.readout.abstract import HEADLINE_KEYS, compute_headline, write_abstract
from doseflow.readout.pipeline import Readout
from doseflow.readout.result import to_json_ready
from doseflow.report.html import render_png, render_report, software_versions

__all__ = ["ReadoutOutputs", "RESULTS_EXTRA_KEYS", "write_outputs"]

#: Keys of results.json beyond :data:`~doseflow.readout.abstract.HEADLINE_KEYS`.
RESULTS_EXTRA_KEYS: dict[str, str] = {
    "abstract": "the summary paragraph of the report",
    "analyses": "list of {name, section, title}: the analyses in report order",
    "tables": "item name -> path of its CSV table, relative to the output folder",
    "figures": "item name -> path of its PNG figure (an SVG sits beside it)",
    "inputs": "dataset -> {file, sha256, rows, domain, used}",
    "config": "the configuration used, as its TOML tables",
    "software": "python and package versions",
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


def write_outputs(readout: Readout, out_dir: str | Path, *, dpi: int = 110) -> ReadoutOutputs:
    """Write the report, tables, figures and results.json of ``readout`` into ``out_dir``.

    Parameters
    ----------
    readout : Readout
        From :func:`doseflow.readout.pipeline.run_readout`.
    out_dir : str or Path
        Created if absent; existing files of the same names are replaced, and the tables
        and figures an earlier run left there that this run does not write (``tables/*.csv``,
        ``figures/*.png`` and ``*.svg``) are removed, so the folder holds one readout.
    dpi : int
        Resolution of the PNG files, which the report also embeds.

    Returns
    -------
    ReadoutOutputs

    Raises
    ------
    InputError
        ``out_dir`` is empty text (it would mean the current folder), exists and is not a
        folder, or cannot be written.
    """
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
    for item in readout.items:
        path = out / "tables" / f"{item.name}.csv"
        item.result.table().to_csv(path, index=False)
        tables[item.name] = path
        fig = item.result.figure()
        if fig is None:
            continue
        png = out / "figures" / f"{item.name}.png"
        fig.savefig(out / "figures" / f"{item.name}.svg", bbox_inches="tight")
        png_bytes = render_png(fig, dpi=dpi)
        png.write_bytes(png_bytes)
        embedded[item.name] = png_bytes
        figures[item.name] = png
    removed = [old for sub, kept in (("tables", tables), ("figures", figures)) for old in sorted((out / sub).iterdir())
               if old.suffix in (".csv", ".png", ".svg") and old.with_suffix("").name not in kept]
    for old in removed:
        old.unlink()
    headline = compute_headline(readout)
    abstract = write_abstract(headline)
    report = out / "report.html"
    report.write_text(render_report(readout, figures=embedded, abstract=abstract), encoding="utf-8")
    results = {
        "abstract": abstract,
        **{k: headline[k] for k in HEADLINE_KEYS},
        "analyses": [{"name": i.name, "section": i.section, "title": i.result.title} for i in readout.items],
        "tables": {k: str(p.relative_to(out)) for k, p in tables.items()},
        "figures": {k: str(p.relative_to(out)) for k, p in figures.items()},
        "inputs": {stem: {"file": f.path.name, "sha256": f.sha256, "rows": f.rows, "domain": f.domain,
                          "used": readout.chosen.get((f.domain or "").lower()) == stem}
                   for stem, f in sorted(readout.files.items())},
        "config": readout.config.to_dict(),
        "software": software_versions(),
    }
    if removed:
        results["notes"] = list(results["notes"]) + [
            f"{len(removed)} table or figure file(s) of an earlier readout in {out} were removed: "
            + ", ".join(f"{f.parent.name}/{f.name}" for f in removed[:10]) + (" ..." if len(removed) > 10 else "") + "."]
    results = to_json_ready(results)
    results_json = out / "results.json"
    results_json.write_text(json.dumps(results, indent=2, allow_nan=False), encoding="utf-8")
    return ReadoutOutputs(folder=out, report=report, results_json=results_json, tables=tables, figures=figures,
                          results=results, removed=tuple(removed))
