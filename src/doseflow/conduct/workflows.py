"""Workflows that chain the stages: the demo, virtual trial -> SDTM -> readout -> report.

:func:`run_demo` is the README's main job (``doseflow demo`` is a thin command around it):

1. simulate one virtual GQ1001 phase Ia trial from the ``gq1001`` preset
   (:func:`doseflow.insilico.trial.simulation.simulate_trial`);
2. write it as CDISC SDTM (:func:`doseflow.insilico.sdtm.write.write_virtual_sdtm`) to
   ``out/sdtm``;
3. read it out like any trial's data (:func:`doseflow.readout.pipeline.run_readout`, with
   efficacy in patients at >= 7.2 mg/kg as the GQ1001 abstract reports it, options
   :data:`DEMO_READOUT`, and the preset's design as ``[design]``, so the report replays the
   escalation cohorts through it);
4. run a replicate study of the preset (:func:`doseflow.insilico.replicate.run_replicates`,
   :data:`DEMO_REPLICATES` trials by default) and compare each figure of the abstract with
   this virtual trial's readout and the replicates' range (:func:`compare_with_published`),
   the report's section "Virtual trial vs published";
5. write the report (HTML, and PDF or Word on request), tables, figures and results.json to
   ``out/report`` (:func:`doseflow.report.outputs.write_outputs`).

``out`` must be empty, absent, or an earlier demo's output (marked by a :data:`MARKER` file),
which is replaced (:func:`validate_demo_folder`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from dataclasses import replace

from doseflow.checks import check_int
from doseflow.errors import InputError
from doseflow.insilico.comparison import plot_comparison, tabulate_comparison
from doseflow.insilico.headline import TERM_FIGURES
from doseflow.insilico.preset import load_preset
from doseflow.insilico.replicate import ReplicateStudy, run_replicates
from doseflow.insilico.sdtm import write_virtual_sdtm
from doseflow.insilico.trial import simulate_trial
from doseflow.readout.abstract import compute_headline
from doseflow.readout.config import DesignConfig, parse_config
from doseflow.readout.pipeline import Readout, run_readout
from doseflow.readout.pipeline_results import FigureResult
from doseflow.report.layout import ExtraSection
from doseflow.report.outputs import write_outputs

__all__ = ["MARKER", "DEMO_READOUT", "DEMO_REPLICATES", "DEMO_MAX_REPLICATES", "DEMO_STEPS", "validate_demo_folder", "observed_figures",
           "compare_with_published", "run_demo"]

#: File that marks a folder as a demo's output (the next demo may replace it).
MARKER = ".doseflow-demo"

#: The readout options of the demo, matching the virtual protocol of the gq1001 preset:
#: efficacy in patients treated at >= 7.2 mg/kg, as the GQ1001 abstract reports it
#: (Lemech et al., AACR 2023, CT178); SD needs a scan at least 35 days after the first dose
#: (the week-6 scan with its +-7-day window); a death more than 84 days (two missed scans)
#: after the last adequate scan is censored for PFS (FDA 2018); exposure runs to the end of
#: the last 21-day cycle, as the in-silico engine counts it.
DEMO_READOUT = """
[population]
exposure_to = "cycle_end"

[efficacy]
evaluable_min_dose = 7.2
evaluable_dose_unit = "mg/kg"
sd_min_days = 35
death_window_days = 84
"""
#: Virtual trials of the demo's replicate study (the report's "Virtual trial vs published").
DEMO_REPLICATES = 200
#: The largest replicate study the demo runs (about 2 minutes on 2 cores).
DEMO_MAX_REPLICATES = 10_000
#: The demo's steps, in order (what ``progress`` is told).
DEMO_STEPS = ("virtual trial", "SDTM", "readout", "replicate study", "report")


def validate_demo_folder(out: Path, where: str = "out") -> Path:
    """Return ``out`` if the demo may write there: absent, empty, or an earlier demo's output.

    Raises
    ------
    InputError
        ``out`` is a file, or a folder holding other files (never overwritten).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> validate_demo_folder(folder / "demo") == folder / "demo"
    True
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise InputError(where, "a folder (absent, empty, or an earlier demo's output)", str(out))
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise InputError(
                where, "an empty folder or an earlier demo's output", str(out),
                "Choose another folder; doseflow demo does not overwrite other files.",
            )
    return out


def _prepare(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by doseflow demo; the folder is replaced by the next demo\n")


def observed_figures(readout: Readout) -> dict[str, float | None]:
    """The virtual trial's value of each figure of the abstract, as its readout computed them.

    The AE figures are the TRAE incidences of the readout's tables (every preferred term, not
    only those above 10%); ORR, PR, SD and DCR those of the response-evaluable patients at
    >= 7.2 mg/kg (:data:`DEMO_READOUT`); a figure the readout did not produce is None.
    """
    h = compute_headline(readout)
    trae = readout.get("safety_trae")
    terms = {t["term"]: t["pct"] for t in trae.to_dict()["terms"]} if trae is not None else {}
    out: dict[str, float | None] = {f: (terms.get(term, 0.0) if trae is not None else None)
                                    for f, term in TERM_FIGURES.items()}
    n = h["evaluable_n"]
    bor = h["bor_counts"] or {}
    out.update({
        "trae_any_pct": h["trae_any_pct"], "grade3_trae_pct": h["grade3_trae_pct"], "n_dlt": h["dlt_n"],
        "n_evaluable_high_dose": n, "orr_high_dose_pct": h["orr_pct"], "dcr_high_dose_pct": h["dcr_pct"],
        "pr_high_dose_pct": 100.0 * bor["PR"] / n if n else None,
        "sd_high_dose_pct": 100.0 * bor["SD"] / n if n else None,
        "pfs_median_months": h["pfs_median_months"], "exposure_median_weeks": h["exposure_median_weeks"],
    })
    return out


def compare_with_published(study: ReplicateStudy, readout: Readout) -> ExtraSection:
    """The report section "Virtual trial vs published": each abstract figure, this trial, the replicates.

    Parameters
    ----------
    study : ReplicateStudy
        The replicate study of the preset.
    readout : Readout
        The readout of this virtual trial.

    Returns
    -------
    ExtraSection
        One item, ``comparison_published``: the table of :func:`tabulate_comparison` and the
        figure of :func:`plot_comparison`; the paragraphs name the figures whose published
        value lies outside the replicates' 5-95% range.
    """
    rows = study.compare(observed_figures(readout))
    outside = [r["label"] for r in rows if r["inside_90"] is False]
    outside_50 = [r["label"] for r in rows if r["inside_50"] is False]
    lead = (f"Each figure of the GQ1001 abstract (Lemech et al., AACR 2023, CT178): the published value, this virtual "
            f"trial's value as its readout computed it, and the distribution over {study.trials} virtual trials of "
            f"the same preset (replicate study, seed {study.seed}).")
    verdict = ("The published value lies within the 5-95% range of the virtual trials for every figure."
               if not outside else "The published value lies outside the 5-95% range of the virtual trials for: "
               + "; ".join(outside) + ".")
    if outside_50:
        verdict += " Outside the central 50% (25-75%): " + "; ".join(outside_50) + "."
    result = FigureResult(
        data=tabulate_comparison(rows), plot=lambda: plot_comparison(rows, trials=study.trials),
        summary_values={"trials": study.trials, "seed": study.seed, "rows": rows},
        title=f"Virtual trial vs published: the abstract's figures, this trial and {study.trials} virtual trials",
        methods="Replicate study: the preset's virtual trial simulated with independent random streams (chunk k "
                "seeded by the k-th child of numpy SeedSequence(seed); doseflow.insilico.replicate); each figure "
                "per trial as the virtual-trial engine computes it (doseflow.insilico.headline: AE incidences of "
                "the treated patients; ORR, PR, SD and DCR of the patients at >= 7.2 mg/kg with a post-baseline "
                "scan, confirmed responses; Kaplan-Meier median PFS at >= 7.2 mg/kg; median exposure); percentiles "
                "by linear interpolation (NumPy default). This trial's values are those of its readout.")
    return ExtraSection("comparison", "Virtual trial vs published", (lead, verdict), (("comparison_published", result),))


def run_demo(
    out: Path,
    *,
    seed: int = 1,
    preset: str = "gq1001",
    replicates: int = DEMO_REPLICATES,
    workers: int = 2,
    formats: tuple[str, ...] = ("html",),
    progress: Callable[[str, int], None] | None = None,
) -> dict:
    """Simulate a virtual trial, write it as SDTM, read it out, compare it and write the report into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Output folder (:func:`validate_demo_folder`); gets ``sdtm/``, ``report/`` and
        :data:`MARKER`.
    seed : int
        Seed of the virtual trial and of the replicate study (>= 0); the same seed gives the
        same trial.
    preset : str
        Packaged preset name or a TOML file (:func:`doseflow.insilico.preset.load_preset`).
    replicates : int
        Virtual trials of the replicate study (>= 0; 0 leaves the comparison out).
    workers : int
        Worker processes of the replicate study (>= 1; results do not depend on it).
    formats : tuple of str
        Report formats besides HTML ("pdf", "docx"; :func:`doseflow.report.outputs.write_outputs`).
    progress : callable, optional
        ``progress(step, index)`` is called before each of :data:`DEMO_STEPS` and with
        ``("done", len(DEMO_STEPS))`` at the end.

    Returns
    -------
    dict
        ``{"out", "sdtm", "report", "reports", "seed", "preset", "patients", "replicates",
        "results"}``; ``results`` is the content of results.json, ``reports`` format -> file.

    Raises
    ------
    InputError
        ``seed`` or ``replicates`` is negative, ``out`` holds other files, or a format is
        unknown or cannot be written.
    """
    step = progress or (lambda name, index: None)
    check_int(seed, "seed", minimum=0, error=InputError)
    check_int(replicates, "replicates", minimum=0, maximum=DEMO_MAX_REPLICATES, error=InputError)
    out = validate_demo_folder(out)
    _prepare(out)
    step(DEMO_STEPS[0], 0)
    p = load_preset(preset)
    data = simulate_trial(p, seed)
    step(DEMO_STEPS[1], 1)
    sdtm_dir = out / "sdtm"
    write_virtual_sdtm(data, sdtm_dir)
    step(DEMO_STEPS[2], 2)
    config = replace(parse_config(DEMO_READOUT, source="doseflow demo"), design=DesignConfig(spec=p.design.to_dict()))
    readout = run_readout(sdtm_dir, config)
    step(DEMO_STEPS[3], 3)
    extra = ()
    if replicates:
        extra = (compare_with_published(run_replicates(p, replicates, seed, workers=workers), readout),)
    step(DEMO_STEPS[4], 4)
    outputs = write_outputs(readout, out / "report", formats=formats, extra=extra)
    step("done", len(DEMO_STEPS))
    return {
        "out": str(out),
        "sdtm": str(sdtm_dir),
        "report": str(outputs.report),
        "reports": {k: str(v) for k, v in (outputs.reports or {}).items()},
        "seed": seed,
        "preset": p.name,
        "patients": int(len(data.patients)),
        "replicates": replicates,
        "results": outputs.results,
    }
