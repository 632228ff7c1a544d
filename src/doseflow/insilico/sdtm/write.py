"""Write a virtual trial as CDISC SDTM domains that doseflow's readout reads back.

:func:`derive_sdtm_domains` turns a :class:`~doseflow.insilico.trial.data.VirtualTrialData`
into the SDTM datasets DM, SUPPDM, DS, EX, AE, SUPPAE, LB, PC, TU, TR and RS (one pandas
frame each); :func:`write_virtual_sdtm` validates each against its specification and writes it
with :func:`doseflow.cdisc.write.write_domain`, as CSV or SAS XPT v5, one file per dataset
(``dm.csv``, ``ae.xpt``, ...). The folder reads back with :func:`doseflow.cdisc.read_sdtm`,
so the demo runs "virtual trial -> SDTM -> readout" on exactly what a sponsor would submit.

Mapping rules (the table column -> variable list is in ``docs/insilico.md``, part 3):

* **Identifiers**: USUBJID ``f"{study_id}-{patient:03d}"``, SUBJID ``f"{patient:03d}"``;
  every --SEQ numbers a subject's records in time order.
* **Dates**: :mod:`doseflow.insilico.sdtm.calendar` (patient day -> ISO 8601, --DY, visits);
  dosing and PK as date-times to the minute, everything else as dates.
* **Never a dropped record**: every row of every table is one record of its domain:
  patients -> DM, doses -> EX, adverse_events -> AE (+ SUPPAE AEDLT), labs -> LB,
  pk -> PC, lesions -> TU, measurements -> TR LDIAM, responses -> RS OVRLRESP and NEWLPROG.
  Added records: SUPPDM qualifiers, DS milestones and dispositions, one baseline ALB per
  patient in LB (``patients.albumin_g_l``) and one TR SUMDIAM per patient and scan. Columns
  without an SDTM home are listed in the mapping document (``doses.dose_mg``,
  ``responses.pct_change``, ``patients.last_dose_day``: derivable from what is written).
* **Deterministic**: the same data and options give byte-identical files. CSV is plain text;
  SAS XPT headers carry a creation and a modification date-time, which are set to the data
  cut-off (``study_start + cutoff_day``, 00:00:00) instead of the wall clock.

References
----------
CDISC SDTM Implementation Guide v3.4 (2021): §4.4 (timing variables), §5.2 DM, §6.1.4 EX,
§6.2.1 AE, §6.2.3 DS, §6.3 LB, PC, TU, TR, RS, §8.4 SUPP--. SAS Institute, TS-140 "The
record layout of a data set in SAS transport (XPORT) format" (header records).
Eisenhauer EA et al. (2009) RECIST 1.1, Eur J Cancer 45:228-247. NCI CTCAE v5.0 (2017).

Examples
--------
>>> import tempfile
>>> from doseflow.insilico.sdtm import example_trial_data
>>> from doseflow.cdisc import read_sdtm
>>> folder = tempfile.mkdtemp()
>>> paths = write_virtual_sdtm(example_trial_data(), folder)
>>> sorted(paths)
['ae', 'dm', 'ds', 'ex', 'lb', 'pc', 'rs', 'suppae', 'suppdm', 'tr', 'tu']
>>> read_sdtm(folder).domain("dm")["ARM"].tolist()
['GQ1001 1.2 mg/kg', 'GQ1001 2.4 mg/kg']
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import pandas as pd

from doseflow.cdisc.write import write_domain
from doseflow.errors import ConfigError, DataError, DoseflowError
from doseflow.insilico.sdtm.calendar import derive_calendar
from doseflow.insilico.sdtm.events import derive_ae, derive_ex, derive_suppae
from doseflow.insilico.sdtm.findings import derive_lb, derive_pc
from doseflow.insilico.sdtm.options import SDTMOptions
from doseflow.insilico.sdtm.subject import derive_dm, derive_ds, derive_suppdm
from doseflow.insilico.sdtm.tumour import derive_rs, derive_tr, derive_tu
from doseflow.insilico.trial.data import VirtualTrialData

__all__ = ["DATASETS", "derive_sdtm_domains", "write_virtual_sdtm", "example_trial_data"]

#: Dataset names (file stems) in writing order.
DATASETS = ("dm", "suppdm", "ds", "ex", "ae", "suppae", "lb", "pc", "tu", "tr", "rs")

# SAS XPT v5 header records are 80 bytes; the library and member "real" headers end with the
# created date-time (16 bytes) and the next record starts with the modified one (TS-140).
_XPT_STAMPS = (144, 160, 464, 480)
_XPT_STAMP = re.compile(rb"^\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def derive_sdtm_domains(data: VirtualTrialData, options: SDTMOptions | None = None) -> dict[str, pd.DataFrame]:
    """Map a virtual trial to its SDTM datasets (not yet validated or written).

    Parameters
    ----------
    data : VirtualTrialData
        The virtual trial; its tables are checked (:meth:`VirtualTrialData.validate` and
        the value checks of each domain builder).
    options : SDTMOptions, optional
        Constants not simulated (treatment name, site, dosing clock, PK specimen, scan
        interval); defaults describe the GQ1001 phase Ia trial.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Keyed by :data:`DATASETS` (``"dm"``, ``"suppdm"``, ...), in that order.

    Raises
    ------
    DataError
        A table lacks a column, names an unknown patient, or holds a value outside its
        allowed set, naming the table, row, column and value.
    ConfigError
        ``options`` is not an :class:`SDTMOptions`.

    Examples
    --------
    >>> domains = derive_sdtm_domains(example_trial_data())
    >>> domains["ex"][["USUBJID", "EXDOSE", "EXSTDTC", "EXENDTC"]].values.tolist()[0]
    ['GQ1001-VIRTUAL-001', 1.2, '2020-07-01T09:00', '2020-07-01T10:30']
    >>> domains["pc"]["PCORRES"].tolist()
    ['30.1', '21', '<BLQ']
    """
    if options is None:
        options = SDTMOptions()
    if not isinstance(options, SDTMOptions):
        raise ConfigError("options", "an SDTMOptions", type(options).__name__)
    if not isinstance(data, VirtualTrialData):
        raise DataError("data", "a VirtualTrialData", type(data).__name__)
    data.validate()
    cal = derive_calendar(data.patients, data.doses, study_id=data.study_id, study_start=data.study_start,
                          clock_minutes=options.clock_minutes)
    return {
        "dm": derive_dm(data, cal, options),
        "suppdm": derive_suppdm(data, cal),
        "ds": derive_ds(data, cal, options),
        "ex": derive_ex(data, cal, options),
        "ae": derive_ae(data, cal),
        "suppae": derive_suppae(data, cal),
        "lb": derive_lb(data, cal),
        "pc": derive_pc(data, cal, options),
        "tu": derive_tu(data, cal, options),
        "tr": derive_tr(data, cal, options),
        "rs": derive_rs(data, cal, options),
    }


def _sas_stamp(data: VirtualTrialData) -> bytes:
    """The data cut-off as a SAS header date-time ``ddMMMyy:hh:mm:ss``."""
    when = datetime.combine(data.study_start, datetime.min.time()) + timedelta(days=int(data.cutoff_day // 1))
    return f"{when.day:02d}{_MONTHS[when.month - 1]}{when.year % 100:02d}:00:00:00".encode("ascii")


def _stamp_xpt(path: Path, stamp: bytes) -> None:
    """Replace the wall-clock created/modified date-times of an XPT v5 file by ``stamp``."""
    content = bytearray(path.read_bytes())
    for offset in _XPT_STAMPS:
        if not _XPT_STAMP.match(bytes(content[offset:offset + 16])):
            raise DoseflowError(f"{path.name}: the SAS XPT v5 header has no date-time at byte {offset}; "
                                "the writer's layout changed, so the file cannot be made reproducible.")
        content[offset:offset + 16] = stamp
    path.write_bytes(bytes(content))


def write_virtual_sdtm(
    data: VirtualTrialData,
    out_dir: str | Path,
    *,
    format: Literal["csv", "xpt"] = "csv",
    options: SDTMOptions | None = None,
) -> dict[str, Path]:
    """Write a virtual trial as one SDTM file per dataset in ``out_dir``.

    Parameters
    ----------
    data : VirtualTrialData
        The virtual trial.
    out_dir : str or Path
        Folder to write (created if absent); files are named ``<dataset>.<format>``
        (``dm.csv``). Files of the same names are replaced.
    format : {"csv", "xpt"}
        CSV (UTF-8) or SAS transport v5. One format per folder: :func:`doseflow.cdisc.read_sdtm`
        refuses a folder holding ``dm.csv`` and ``dm.xpt``.
    options : SDTMOptions, optional
        See :func:`derive_sdtm_domains`.

    Returns
    -------
    dict[str, Path]
        Dataset name (:data:`DATASETS`) -> file written.

    Raises
    ------
    DataError
        Bad trial data (see :func:`derive_sdtm_domains`), or a dataset that breaks its
        SDTM specification or the XPT v5 limits (from :func:`doseflow.cdisc.write.write_domain`).
    ConfigError
        An unknown ``format``, or ``out_dir`` already holding a dataset of the same name in
        another format or letter case (e.g. ``DM.xpt`` when writing ``dm.csv``).
    """
    if format not in ("csv", "xpt"):
        raise ConfigError("format", "'csv' or 'xpt'", format)
    domains = derive_sdtm_domains(data, options)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    clashes = sorted(p.name for p in folder.iterdir()
                     if p.is_file() and p.stem.lower() in DATASETS and p.suffix.lower() in (".csv", ".xpt")
                     and p.name != f"{p.stem.lower()}.{format}")
    if clashes:
        raise ConfigError("out_dir", f"a folder without other files of these datasets (writing .{format})",
                          clashes, "Remove them or write to another folder; read_sdtm needs one file per dataset.")
    stamp = _sas_stamp(data)
    written: dict[str, Path] = {}
    for name, frame in domains.items():
        path = write_domain(frame, folder / f"{name}.{format}", domain=name.upper(), format=format)
        if format == "xpt":
            _stamp_xpt(path, stamp)
        written[name] = path
    return written


def example_trial_data() -> VirtualTrialData:
    """A two-patient virtual trial for examples: one dose each, a lab, a PK profile, a scan.

    Patient 1 gets 1.2 mg/kg and has grade 1 nausea; patient 2 gets 2.4 mg/kg. Values are
    illustrative, not simulated.
    """
    patients = pd.DataFrame({
        "patient": [1, 2], "enrol_day": [0, 7], "dose_level": [1, 2], "dose_mg_kg": [1.2, 2.4], "cohort": [1, 2],
        "phase": "escalation", "tumour_type": ["breast", "gastric/GEJ"], "age": [61.0, 54.0], "sex": ["F", "M"],
        "weight_kg": [62.0, 80.5], "albumin_g_l": [38.0, 41.0], "prior_lines": [3, 2],
        "prior_anti_her2_lines": [2, 1], "dlt": False, "dlt_reason": "", "last_dose_day": [0.0, 0.0],
        "end_reason": "ONGOING", "end_day": [45.0, 38.0], "death_day": float("nan"),
        "last_alive_day": [45.0, 38.0],
    })
    doses = pd.DataFrame({"patient": [1, 2], "cycle": [1, 1], "day": [0.0, 0.0], "dose_mg_kg": [1.2, 2.4],
                          "dose_mg": [74.4, 193.2], "infusion_min": [90.0, 90.0]})
    adverse_events = pd.DataFrame({"patient": [1], "term": ["Nausea"], "soc": ["Gastrointestinal disorders"],
                                   "grade": [1], "start_day": [2.0], "end_day": [4.0], "related": [True],
                                   "serious": [False], "dlt": [False], "action": ["DOSE NOT CHANGED"]})
    labs = pd.DataFrame({"patient": [1, 2], "test": "PLT", "day": [-1.0, -1.0], "value": [210.0, 180.0],
                         "unit": "10^9/L", "lln": 150.0, "uln": 400.0, "baseline": True})
    pk = pd.DataFrame({"patient": 1, "analyte": "ADC", "cycle": 1, "day": [1.5 / 24, 1.0, 7.0],
                       "nominal_hours": [1.5, 24.0, 168.0], "concentration": [30.1, 21.0, float("nan")],
                       "lloq": 0.05})
    lesions = pd.DataFrame({"patient": [1], "lesion": ["T01"], "location": ["liver"], "baseline_mm": [42.0]})
    measurements = pd.DataFrame({"patient": 1, "lesion": "T01", "scan": [0, 1], "day": [-5.0, 41.0],
                                 "diameter_mm": [42.0, 40.0]})
    responses = pd.DataFrame({"patient": [1], "scan": [1], "day": [41.0], "sld_mm": [40.0],
                              "pct_change": [-4.76], "new_lesion": [False], "response": ["SD"]})
    return VirtualTrialData(patients, doses, adverse_events, labs, pk, lesions, measurements, responses,
                            cutoff_day=45.0)
