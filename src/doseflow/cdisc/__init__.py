"""Reading, validating and writing CDISC SDTM/ADaM datasets (CSV and SAS XPT).

Specifications are data (``cdisc/specs/*.toml``, loaded by :mod:`doseflow.cdisc.spec`);
:func:`read_sdtm` reads a folder into :class:`SDTMData`, :func:`read_domain` one file,
:func:`validate_domain` checks and types a frame, :func:`merge_supp` merges SUPP--
qualifiers onto their parent, :func:`write_domain` writes CSV or XPT v5, and
:func:`derive_dt` derives ADaM analysis dates. :mod:`doseflow.cdisc.dates` parses ISO 8601.
"""

from doseflow.cdisc.derive_dates import derive_dt
from doseflow.cdisc.read import DatasetFile, SDTMData, read_domain, read_sdtm
from doseflow.cdisc.spec import (
    Codelist,
    DomainSpec,
    QualifierSpec,
    VariableSpec,
    find_spec,
    load_codelist,
    load_spec,
    spec_names,
)
from doseflow.cdisc.supp import merge_supp
from doseflow.cdisc.validate import detect_domain, validate_domain, validate_dtc
from doseflow.cdisc.write import write_domain

__all__ = [
    "Codelist",
    "DatasetFile",
    "DomainSpec",
    "QualifierSpec",
    "SDTMData",
    "VariableSpec",
    "derive_dt",
    "detect_domain",
    "find_spec",
    "load_codelist",
    "load_spec",
    "merge_supp",
    "read_domain",
    "read_sdtm",
    "spec_names",
    "validate_domain",
    "validate_dtc",
    "write_domain",
]
