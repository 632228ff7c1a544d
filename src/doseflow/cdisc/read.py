"""Read SDTM/ADaM datasets from a folder of CSV and SAS XPT files, validated on the way in.

:func:`read_sdtm` reads every ``*.csv`` and ``*.xpt`` file of a folder (any case: ``AE.CSV``,
``ae.csv``, ``Ae.xpt``) into an :class:`SDTMData`; :func:`read_domain` reads one file. CSV
cells are read as text first (``keep_default_na=False``: nothing but an empty field is
missing, so ``"NA"`` stays a value), then typed by :func:`doseflow.cdisc.validate.validate_domain`;
XPT files are read with pyreadstat.

Datasets and domains
--------------------
A dataset is keyed by its lower-case file stem (``ae``, ``rs_onco``, ``rs_onco_recist``). Its
domain is its ``DOMAIN`` value, ``SUPP`` + ``RDOMAIN`` for supplemental qualifiers, or the
stem's prefix before ``"_"`` (``adsl``, ``adtte_pfs`` -> ADTTE). A file whose domain has no
specification is kept, unvalidated, with a note.

When several datasets share a domain (the pharmaverse has ``rs_onco`` and
``rs_onco_recist``), :meth:`SDTMData.domain` returns one:

1. the dataset named in ``prefer`` (``{"rs": "rs_onco"}``);
2. for TU, TR and RS, which describe the same lesions (TU identifies them, TR measures them,
   RS assesses response from the measurements; SDTMIG v3.4 §6.3 oncology domains), one
   *family* of stems for all three: the suffix after the domain (``"_onco"``), taken from a
   preferred TU/TR/RS dataset if any, otherwise the suffix whose TU/TR/RS datasets together
   cover the most distinct subjects. Mixing families would pair lesions with responses of
   an unrelated data set;
3. otherwise the dataset with the most distinct USUBJID (ties: first by name).

A SUPP-- domain follows its parent: ``supptr_onco`` goes with ``tr_onco``. Each choice made
without ``prefer`` is written to :attr:`SDTMData.notes` as a plain sentence.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "DM.csv").write_text(
...     "STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY,AGE\\n"
...     "S1,DM,S1-001,001,01,F,USA,63.0\\n")
>>> data = read_sdtm(folder)
>>> data.domain("dm")["AGE"].tolist(), data.files["dm"].rows
([63.0], 1)
>>> data.domain("ae") is None, data.notes[-1]
(True, 'AE: no dataset in the folder.')
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyreadstat

from doseflow.cdisc.spec import find_spec
from doseflow.cdisc.supp import merge_supp
from doseflow.cdisc.validate import detect_domain, validate_domain
from doseflow.errors import ConfigError, DataError

__all__ = ["DatasetFile", "SDTMData", "read_domain", "read_sdtm"]

FileFormat = Literal["csv", "xpt"]
_FORMATS: dict[str, FileFormat] = {".csv": "csv", ".xpt": "xpt"}
_FAMILY = ("rs", "tr", "tu")


@dataclass(frozen=True, slots=True)
class DatasetFile:
    """Where a dataset came from: path, SHA-256 of the file's bytes, record count, format."""

    path: Path
    sha256: str
    rows: int
    format: FileFormat
    domain: str | None


def _check_fields(text: str, name: str) -> None:
    """Every record of a CSV text has as many fields as its header line (blank lines are skipped).

    pandas fills the fields missing at the end of a short line with empty values, so a line cut
    short would pass as a record with missing variables; this names its line instead.

    Raises
    ------
    DataError
        ``"ae.csv row 57: must be a line with 35 fields (as many as the header); got 10."``
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    start = reader.line_num + 1
    for record in reader:
        if record and len(record) != len(header):
            raise DataError(f"{name} row {start}", f"a line with {len(header)} fields (as many as the header)",
                            len(record), "A line was cut short or has an unquoted comma.")
        start = reader.line_num + 1


def _read_raw(path: Path) -> tuple[pd.DataFrame, str, FileFormat]:
    """Read one file without typing it; returns the frame, its checksum and its format."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(str(path), "a .csv or .xpt file", path.suffix)
    try:
        content = path.read_bytes()
    except OSError as err:
        raise DataError(str(path), "a readable file", err.strerror or str(err)) from None
    checksum = hashlib.sha256(content).hexdigest()
    if fmt == "csv":
        if not content.strip():
            raise DataError(path.name, "a CSV file with a header line of variable names", "")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise DataError(path.name, "UTF-8 text", content[err.start : err.end]) from None
        _check_fields(text, path.name)
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except pd.errors.ParserError as err:
            raise DataError(
                path.name, "a CSV file with as many fields on every line as in the header", str(err)
            ) from None
        df.columns = [str(c).strip() for c in df.columns]
        return df.astype(object), checksum, fmt
    if not content:
        raise DataError(path.name, "a SAS transport (XPT) file", "")
    try:
        df, meta = pyreadstat.read_xport(str(path), dates_as_pandas_datetime=True)
    except Exception as err:  # pyreadstat raises its own ReadstatError family
        raise DataError(path.name, "a readable SAS transport (XPT) file", str(err)) from None
    df.attrs["labels"] = {k: v for k, v in meta.column_names_to_labels.items() if v}
    df.attrs["dataset_label"] = meta.file_label
    return df, checksum, fmt


def _validate(df: pd.DataFrame, path: Path, fmt: FileFormat, domain: str | None) -> pd.DataFrame:
    first_row = 2 if fmt == "csv" else 1
    labels = df.attrs.get("labels", {})
    spec = find_spec(domain) if domain else None
    if spec is None:
        clean = df.astype(object).where(df.notna() & (df.astype(str) != ""), None) if len(df.columns) else df
        clean.attrs = {"source": path.name, "first_row": first_row, "domain": domain}
    else:
        clean = validate_domain(df, spec, source=path.name, first_row=first_row)
    if labels:
        clean.attrs["labels"] = labels
    return clean


def read_domain(path: str | Path, *, domain: str | None = None) -> pd.DataFrame:
    """Read and validate one SDTM/ADaM dataset file (CSV or SAS XPT).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xpt`` file (suffix in any case).
    domain : str, optional
        The domain to validate against; by default detected from DOMAIN / RDOMAIN / the stem.

    Returns
    -------
    pandas.DataFrame
        Typed as described in :mod:`doseflow.cdisc.validate`; ``attrs["source"]`` is the file
        name and ``attrs["first_row"]`` the number of its first record (2 for CSV, 1 for XPT).

    Raises
    ------
    DataError
        If the file is empty, unreadable, of no known domain, or breaks its specification.
    """
    path = Path(path)
    df, _, fmt = _read_raw(path)
    domain = domain or detect_domain(df, path.stem.lower())
    if find_spec(domain or "") is None:
        raise DataError(path.name, "a dataset of a known SDTM/ADaM domain", domain)
    return _validate(df, path, fmt, domain)


@dataclass
class SDTMData:
    """The validated datasets of one folder, with provenance and the choices made reading it.

    Attributes
    ----------
    folder : Path
        The folder read.
    datasets : dict[str, DataFrame]
        Every dataset, keyed by lower-case file stem.
    files : dict[str, DatasetFile]
        Provenance of each dataset (path, sha256, rows, format, domain).
    chosen : dict[str, str]
        Domain (lower case) -> the stem :meth:`domain` returns for it.
    notes : list[str]
        Plain sentences about choices and gaps (dataset chosen, file skipped, domain missing).
    """

    folder: Path
    datasets: dict[str, pd.DataFrame]
    files: dict[str, DatasetFile]
    chosen: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def stems(self, name: str) -> list[str]:
        """Every dataset of domain ``name`` (e.g. ``["rs_onco", "rs_onco_recist"]``)."""
        return sorted(s for s, f in self.files.items() if (f.domain or "").lower() == name.lower())

    def _supp_for(self, name: str) -> pd.DataFrame | None:
        parts = []
        stem = self.chosen.get("supp" + name)
        if stem is not None:
            parts.append(self.datasets[stem])
        for s in self.stems("suppqual"):
            rows = self.datasets[s]
            rows = rows[rows["RDOMAIN"] == name.upper()]
            if len(rows):
                parts.append(rows)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def domain(self, name: str, *, with_supp: bool = False) -> pd.DataFrame | None:
        """The dataset of domain ``name`` (``"ae"``, ``"adsl"``), or None with a note if absent.

        With ``with_supp=True`` the SUPP-- qualifiers of that domain are merged on as columns
        (:func:`doseflow.cdisc.supp.merge_supp`), e.g. AETRTEM on AE.
        """
        key = name.lower()
        stem = self.chosen.get(key)
        if stem is None:
            self._note(f"{name.upper()}: no dataset in the folder.")
            return None
        df = self.datasets[stem]
        if with_supp:
            supp = self._supp_for(key)
            if supp is not None:
                df = merge_supp(df, supp)
        return df

    def require(self, name: str, *, with_supp: bool = False) -> pd.DataFrame:
        """Like :meth:`domain`, but a missing domain is a :class:`DataError` naming the folder."""
        df = self.domain(name, with_supp=with_supp)
        if df is None:
            raise DataError(
                str(self.folder),
                f"a folder with a {name.upper()} dataset ({name.lower()}.csv or {name.lower()}.xpt)",
                sorted(self.datasets),
            )
        return df


def _subjects(df: pd.DataFrame) -> set:
    return set(df["USUBJID"].dropna()) if "USUBJID" in df.columns else set()


def _count(n: int) -> str:
    return f"{n} subject" if n == 1 else f"{n} subjects"


def _listing(domain: str, stems: list[str], subjects: dict[str, set]) -> str:
    ordered = sorted(stems, key=lambda s: (-len(subjects[s]), s))
    parts = ", ".join(f"{s} {_count(len(subjects[s]))}" for s in ordered)
    return f"{domain.upper()}: {len(stems)} datasets ({parts})"


def _family(
    by_domain: dict[str, list[str]], subjects: dict[str, set], prefer: dict[str, str], notes: list[str]
) -> tuple[str | None, str]:
    """The TU/TR/RS stem suffix to use, and the reason to quote in the notes."""
    given = [d for d in _FAMILY if d in prefer and prefer[d].startswith(d)]
    if given:
        stem = prefer[given[0]]
        return stem[len(given[0]):], f", the same family as the preferred {stem}"
    members: dict[str, set] = {}
    for d in _FAMILY:
        if len(by_domain.get(d, ())) > 1:
            for s in by_domain[d]:
                if s.startswith(d):
                    members.setdefault(s[len(d):], set()).update(subjects[s])
    ranked = sorted(members, key=lambda f: (-len(members[f]), f))
    if len(ranked) > 1:
        label = {f: repr(f) if f else "(no suffix)" for f in ranked}
        others = ", ".join(f"{label[f]} ({_count(len(members[f]))})" for f in ranked[1:])
        notes.append(
            f"TU, TR and RS are taken from one family of datasets, {label[ranked[0]]} "
            f"({_count(len(members[ranked[0]]))}), rather than {others}, so that lesions, "
            "measurements and responses belong together."
        )
    return (ranked[0] if ranked else None), ""


def _choose(
    by_domain: dict[str, list[str]],
    subjects: dict[str, set],
    prefer: dict[str, str],
    notes: list[str],
) -> dict[str, str]:
    """Pick one stem per domain (see the module docstring) and note each choice."""
    chosen = dict(prefer)
    family, family_reason = _family(by_domain, subjects, prefer, notes)
    for dom, stems in sorted(by_domain.items()):
        if dom in chosen or dom.startswith("supp"):
            continue
        if len(stems) == 1:
            chosen[dom] = stems[0]
            continue
        pick, reason = None, ""
        if dom in _FAMILY and family is not None and dom + family in stems:
            pick, reason = dom + family, family_reason
        if pick is None:
            pick = sorted(stems, key=lambda s: (-len(subjects[s]), s))[0]
        chosen[dom] = pick
        notes.append(f"{_listing(dom, stems, subjects)}; using {pick}{reason}. Set [datasets] {dom} = ... to choose.")
    for dom, stems in sorted(by_domain.items()):
        if dom in chosen or not dom.startswith("supp"):
            continue
        parent = chosen.get(dom[4:])
        if len(stems) == 1:
            chosen[dom] = stems[0]
        elif parent is not None and "supp" + parent in stems:
            chosen[dom] = "supp" + parent
            notes.append(f"{_listing(dom, stems, subjects)}; using supp{parent}, as {parent} is used.")
        else:
            chosen[dom] = sorted(stems, key=lambda s: (-len(subjects[s]), s))[0]
            notes.append(f"{_listing(dom, stems, subjects)}; using {chosen[dom]}. Set [datasets] {dom} = ... to choose.")
    return chosen


def read_sdtm(folder: str | Path, *, prefer: dict[str, str] | None = None) -> SDTMData:
    """Read and validate every ``*.csv`` / ``*.xpt`` dataset of a folder.

    Parameters
    ----------
    folder : str or Path
        The folder holding one file per dataset.
    prefer : dict[str, str], optional
        Domain (lower case) -> stem to use when several datasets share that domain, e.g.
        ``{"rs": "rs_onco_recist"}``; TU and TR then follow the same family
        (``tu_onco_recist``, ``tr_onco_recist``) unless given too.

    Returns
    -------
    SDTMData
        The datasets, their provenance, the chosen dataset per domain and notes.

    Raises
    ------
    DataError
        If the folder does not exist or holds no dataset file, two files have the same stem
        (``ae.csv`` and ``AE.xpt``), or a file breaks its specification.
    ConfigError
        If ``prefer`` names a domain or dataset that is not in the folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("folder", "an existing folder of SDTM/ADaM .csv or .xpt files", str(folder))
    paths: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in _FORMATS:
            continue
        stem = path.stem.lower()
        if stem in paths:
            raise DataError(
                str(folder), "a folder with one file per dataset name", [paths[stem].name, path.name]
            )
        paths[stem] = path
    if not paths:
        raise DataError(str(folder), "a folder with at least one .csv or .xpt file", sorted(p.name for p in folder.iterdir()))
    datasets: dict[str, pd.DataFrame] = {}
    files: dict[str, DatasetFile] = {}
    notes: list[str] = []
    for stem, path in paths.items():
        raw, checksum, fmt = _read_raw(path)
        domain = detect_domain(raw, stem)
        if find_spec(domain or "") is None:
            notes.append(f"{path.name}: not a known SDTM/ADaM domain ({domain}); kept as dataset '{stem}' without validation.")
        datasets[stem] = _validate(raw, path, fmt, domain)
        files[stem] = DatasetFile(path, checksum, len(raw), fmt, domain)
    by_domain: dict[str, list[str]] = {}
    for stem, info in files.items():
        by_domain.setdefault((info.domain or stem).lower(), []).append(stem)
    prefer = {k.lower(): v.lower() for k, v in (prefer or {}).items()}
    for dom, stem in prefer.items():
        if dom not in by_domain:
            raise ConfigError("prefer", f"a dict whose keys are domains in {folder} ({', '.join(sorted(by_domain))})", dom)
        if stem not in by_domain[dom]:
            raise ConfigError(f"prefer[{dom!r}]", "one of " + ", ".join(repr(s) for s in by_domain[dom]), stem)
    subjects = {stem: _subjects(df) for stem, df in datasets.items()}
    chosen = _choose(by_domain, subjects, prefer, notes)
    return SDTMData(folder, datasets, files, chosen, notes)
