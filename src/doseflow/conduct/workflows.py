"""Workflows that chain the stages: the demo, virtual trial -> SDTM -> readout -> report.

:func:`run_demo` is the README's main job (``doseflow demo`` is a thin command around it):

1. simulate one virtual GQ1001 phase Ia trial from the ``gq1001`` preset
   (:func:`doseflow.insilico.trial.simulation.simulate_trial`);
2. write it as CDISC SDTM (:func:`doseflow.insilico.sdtm.write.write_virtual_sdtm`) to
   ``out/sdtm``;
3. read it out like any trial's data (:func:`doseflow.readout.pipeline.run_readout`, with
   efficacy in patients at >= 7.2 mg/kg as the GQ1001 abstract reports it, options
   :data:`DEMO_READOUT`) and write the report, tables, figures and results.json to
   ``out/report`` (:func:`doseflow.report.outputs.write_outputs`).

``out`` must be empty, absent, or an earlier demo's output (marked by a :data:`MARKER` file),
which is replaced (:func:`validate_demo_folder`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from doseflow.checks import check_int
from doseflow.errors import InputError
from doseflow.insilico.preset import load_preset
from doseflow.insilico.sdtm import write_virtual_sdtm
from doseflow.insilico.trial import simulate_trial
from doseflow.readout.config import parse_config
from doseflow.readout.pipeline import run_readout
from doseflow.report.outputs import write_outputs

__all__ = ["MARKER", "DEMO_READOUT", "DEMO_STEPS", "validate_demo_folder", "run_demo"]

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
#: The demo's steps, in order (what ``progress`` is told).
DEMO_STEPS = ("virtual trial", "SDTM", "readout", "report")


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


def run_demo(
    out: Path,
    *,
    seed: int = 1,
    preset: str = "gq1001",
    progress: Callable[[str, int], None] | None = None,
) -> dict:
    """Simulate a virtual trial, write it as SDTM, read it out and write the report into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Output folder (:func:`validate_demo_folder`); gets ``sdtm/``, ``report/`` and
        :data:`MARKER`.
    seed : int
        Seed of the virtual trial (>= 0); the same seed gives the same trial.
    preset : str
        Packaged preset name or a TOML file (:func:`doseflow.insilico.preset.load_preset`).
    progress : callable, optional
        ``progress(step, index)`` is called before each of :data:`DEMO_STEPS` and with
        ``("done", 4)`` at the end.

    Returns
    -------
    dict
        ``{"out", "sdtm", "report", "seed", "preset", "patients", "results"}``; ``results``
        is the content of results.json.

    Raises
    ------
    InputError
        ``seed`` is negative or ``out`` holds other files.
    """
    step = progress or (lambda name, index: None)
    check_int(seed, "seed", minimum=0, error=InputError)
    out = validate_demo_folder(out)
    _prepare(out)
    step(DEMO_STEPS[0], 0)
    p = load_preset(preset)
    data = simulate_trial(p, seed)
    step(DEMO_STEPS[1], 1)
    sdtm_dir = out / "sdtm"
    write_virtual_sdtm(data, sdtm_dir)
    step(DEMO_STEPS[2], 2)
    readout = run_readout(sdtm_dir, parse_config(DEMO_READOUT, source="doseflow demo"))
    step(DEMO_STEPS[3], 3)
    outputs = write_outputs(readout, out / "report")
    step("done", 4)
    return {
        "out": str(out),
        "sdtm": str(sdtm_dir),
        "report": str(outputs.report),
        "seed": seed,
        "preset": p.name,
        "patients": int(len(data.patients)),
        "results": outputs.results,
    }
