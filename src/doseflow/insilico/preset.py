"""In-silico trial presets: every parameter of every component, with unit and source, in TOML.

A preset file has one section per component ([pk], [pk.omega], [pk.residual],
[pk.payload], [toxicity], [toxicity.platelets], [toxicity.ast], [toxicity.alt],
[toxicity.hazards.<term>], [dlt], [population], [tumour], [recist], [survival], [trial],
[design]); each parameter is an inline table::

    cl = { value = 0.127, unit = "L/day", source = "Quartino et al. 2019, Table 1" }

with ``source`` "author year, table" for literature values, or starting "calibrated:" or
"assumption:". :func:`load_preset` builds the components' frozen parameter objects from it
(a parameter a file leaves out keeps the component's default). ``gq1001`` (the packaged
``doseflow/presets/gq1001.toml``) is the default; copy it, edit it, and pass its path.

Units are not converted: the models compute in the units of the packaged preset (doses in
mg/kg of body weight, times in days, concentrations in ug/mL, ...). A file that gives a
parameter another unit than the packaged preset's (``dose_levels`` in ``"mg/m2"``) is
refused, naming the file, section, key and the unit expected, rather than computed as if
the unit were the packaged one; an empty or absent unit means the packaged one. Numbers
must be finite (TOML allows ``nan`` and ``inf``). Files are read as UTF-8, with or without
a byte-order mark.

Examples
--------
>>> p = load_preset("gq1001")
>>> p.name, p.trial.n_patients, p.pk.cl
('gq1001', 32, 0.127)
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from doseflow.designs import design_from_options
from doseflow.errors import ConfigError, InputError
from doseflow.insilico.models.pk.parameters import GQ1001_DEFAULT, PayloadParameters, PKParameters
from doseflow.insilico.models.survival import SurvivalConfig
from doseflow.insilico.models.toxicity.dlt import DLTDefinition
from doseflow.insilico.models.toxicity.model import GQ1001_TOXICITY, AEHazard, ToxicityParameters
from doseflow.insilico.models.tumour.growth import TumourConfig
from doseflow.insilico.models.tumour.recist_scan import RecistConfig
from doseflow.insilico.population import PopulationConfig
from doseflow.insilico.trial.config import TrialConfig

__all__ = ["Preset", "PresetEntry", "PRESETS", "load_preset", "preset_path"]

#: Packaged presets by name.
PRESETS: tuple[str, ...] = ("gq1001",)

#: Dataclass fields that are provenance text, not parameters (kept from the defaults).
_METADATA = {"name", "source", "tags", "notes", "term"}
_ENTRY_KEYS = {"value", "unit", "source"}


@dataclass(frozen=True, slots=True)
class PresetEntry:
    """One parameter as written in the file: section, key, value, unit and source."""

    section: str
    key: str
    value: Any
    unit: str
    source: str


@dataclass(frozen=True)
class Preset:
    """All inputs of a virtual trial, built from a preset file (frozen, picklable).

    Attributes
    ----------
    name : str
        Preset name (file stem).
    path : str
        File it was read from.
    pk : PKParameters
    toxicity : ToxicityParameters
    dlt : DLTDefinition
    population : PopulationConfig
    tumour : TumourConfig
    recist : RecistConfig
    survival : SurvivalConfig
    trial : TrialConfig
    design : object
        A doseflow design (``decide``/``select_mtd``), from [design].
    design_name : str
    entries : tuple of PresetEntry
        Every parameter with its unit and source, in file order.
    """

    name: str
    path: str
    pk: PKParameters
    toxicity: ToxicityParameters
    dlt: DLTDefinition
    population: PopulationConfig
    tumour: TumourConfig
    recist: RecistConfig
    survival: SurvivalConfig
    trial: TrialConfig
    design: object
    design_name: str
    entries: tuple[PresetEntry, ...] = ()

    def calibrated(self) -> tuple[PresetEntry, ...]:
        """The entries whose source starts with "calibrated"."""
        return tuple(e for e in self.entries if e.source.lower().startswith("calibrated"))


def preset_path(name_or_path: str | Path) -> Path:
    """Path of a packaged preset name (``"gq1001"``) or of a user's TOML file.

    Raises
    ------
    ConfigError
        If it is neither a packaged preset nor an existing file.
    """
    text = str(name_or_path)
    if text in PRESETS:
        return Path(str(resources.files("doseflow") / "presets" / f"{text}.toml"))
    p = Path(text)
    if not p.is_file():
        raise ConfigError("--preset", "a packaged preset (" + ", ".join(PRESETS) + ") or an existing TOML file", text)
    return p


def _convert(value: Any, default: Any, where: str) -> Any:
    """TOML value to the type of the field's default (tuples, pairs from tables)."""
    if isinstance(default, tuple):
        if isinstance(value, dict):
            if default and isinstance(default[0], tuple):
                return tuple((str(k), v) for k, v in value.items())
            raise ConfigError(where, "a list", value)
        if not isinstance(value, list):
            raise ConfigError(where, "a list", value)
        if default and isinstance(default[0], tuple):
            return tuple(tuple(v) if isinstance(v, list) else v for v in value)
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(where, "true or false", value)
        return value
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(where, "a number", value)
        return float(value) if isinstance(default, float) else value
    if isinstance(default, str) and not isinstance(value, str):
        raise ConfigError(where, "a string", value)
    return value


def _unit_key(section: str, key: str) -> tuple[str, str]:
    """Where a parameter's unit is defined: every ``[toxicity.hazards.<term>]`` shares one."""
    return ("toxicity.hazards.*" if section.startswith("toxicity.hazards.") else section), key


@lru_cache(maxsize=1)
def _packaged_units() -> dict[tuple[str, str], str]:
    """(section, key) -> unit of every parameter of the packaged default preset: the models' units."""
    units: dict[tuple[str, str], str] = {}

    def walk(table: dict, section: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and "value" in value:
                if str(value.get("unit", "")).strip():
                    units[_unit_key(section, key)] = str(value["unit"]).strip()
            elif isinstance(value, dict):
                walk(value, f"{section}.{key}" if section else key)

    walk(tomllib.loads(preset_path(PRESETS[0]).read_text(encoding="utf-8")), "")
    return units


def _check_finite(value: Any, where: str) -> None:
    """Refuse NaN and infinities anywhere in a value (a number, a list, a table)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else (value,)
    for item in items:
        if isinstance(item, (list, dict)):
            _check_finite(item, where)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ConfigError(where, "finite numbers (not nan or inf)", value)


def _entries(table: dict, section: str, file: str, out: list[PresetEntry]) -> dict[str, Any]:
    """Parameters of one section (inline tables with value/unit/source) as key -> value."""
    values: dict[str, Any] = {}
    for key, entry in table.items():
        where = f"{file} [{section}] {key}"
        if not isinstance(entry, dict) or "value" not in entry:
            raise ConfigError(where, "an inline table { value = ..., unit = \"...\", source = \"...\" }", entry)
        extra = sorted(set(entry) - _ENTRY_KEYS)
        if extra:
            raise ConfigError(f"{where}.{extra[0]}", "one of value, unit, source", extra[0])
        _check_finite(entry["value"], where)
        unit = str(entry.get("unit", "")).strip()
        if unit:
            expected = _packaged_units().get(_unit_key(section, key))
            if expected is not None and unit != expected:
                raise ConfigError(f"{where} unit", f"{expected!r}, the unit the virtual trial computes {key} in (units "
                                  "are not converted)", unit, f"Give the value in {expected}.")
        out.append(PresetEntry(section, key, entry["value"], unit, str(entry.get("source", ""))))
        values[key] = entry["value"]
    return values


def _build(default: Any, values: dict[str, Any], section: str, file: str) -> Any:
    """``replace(default, **values)``, errors naming file, section and key (the component's own checks)."""
    names = {f.name for f in fields(default)} - _METADATA
    clean: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{file} [{section}] {key}"
        if key not in names:
            raise ConfigError(where, "a parameter of this section: " + ", ".join(sorted(names)), key)
        clean[key] = _convert(value, getattr(default, key), where)
    try:
        return replace(default, **clean)
    except InputError as exc:
        # the component names the field ("TrialConfig.expansion_levels"): name the file's key instead
        key = next((m.group(1) for m in re.finditer(r"\.([A-Za-z_]\w*)", str(exc.where)) if m.group(1) in names), None)
        if key is None:
            raise ConfigError(f"{file} [{section}]", "consistent values", sorted(clean), str(exc)) from None
        raise ConfigError(f"{file} [{section}] {key}", exc.expected, exc.value, exc.hint) from None


def _split(table: dict) -> tuple[dict, dict]:
    """Entries (inline tables with "value") and sub-sections of a TOML table."""
    entries = {k: v for k, v in table.items() if isinstance(v, dict) and "value" in v or not isinstance(v, dict)}
    subs = {k: v for k, v in table.items() if k not in entries}
    return entries, subs


def _section(doc: dict, name: str, file: str, allowed_subs: tuple[str, ...] = ()) -> tuple[dict, dict]:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{file} [{name}]", "a table", table)
    entries, subs = _split(table)
    bad = sorted(set(subs) - set(allowed_subs))
    if bad:
        raise ConfigError(f"{file} [{name}.{bad[0]}]", "a known section" + (" (" + ", ".join(allowed_subs) + ")" if allowed_subs else ""), bad[0])
    return entries, subs


_TOP = ("pk", "toxicity", "dlt", "population", "tumour", "recist", "survival", "trial", "design")


def _load_pk(doc: dict, file: str, out: list[PresetEntry]) -> PKParameters:
    entries, subs = _section(doc, "pk", file, ("omega", "residual", "payload"))
    values = _entries(entries, "pk", file, out)
    for sub in ("omega", "residual", "payload"):
        _split(subs.get(sub, {}))
    if "omega" in subs:
        om = _entries(subs["omega"], "pk.omega", file, out)
        bad = sorted(set(om) - {"iiv_names", "matrix"})
        if bad:
            raise ConfigError(f"{file} [pk.omega] {bad[0]}", "iiv_names or matrix", bad[0])
        if "iiv_names" in om:
            values["iiv_names"] = om["iiv_names"]
        if "matrix" in om:
            m = om["matrix"]
            if not isinstance(m, list) or not all(isinstance(r, list) for r in m):
                raise ConfigError(f"{file} [pk.omega] matrix", "a list of rows (variance-covariance)", m)
            values["omega"] = tuple(tuple(float(x) for x in r) for r in m)
    default = GQ1001_DEFAULT
    if "residual" in subs:
        res = _build(default.residual, _entries(subs["residual"], "pk.residual", file, out), "pk.residual", file)
        values["residual"] = res
    if "payload" in subs:
        base = default.payload or PayloadParameters(0.01, 1.0, 30.0, 1.0)
        values["payload"] = _build(base, _entries(subs["payload"], "pk.payload", file, out), "pk.payload", file)
    direct = {k: v for k, v in values.items() if k not in ("omega", "residual", "payload")}
    pk = _build(default, direct, "pk", file)
    extra = {k: values[k] for k in ("omega", "residual", "payload") if k in values}
    try:
        return replace(pk, **extra)
    except InputError as exc:
        raise ConfigError(f"{file} [pk.omega]", "a matrix matching iiv_names", values.get("omega"), str(exc)) from None


def _load_toxicity(doc: dict, file: str, out: list[PresetEntry]) -> ToxicityParameters:
    entries, subs = _section(doc, "toxicity", file, ("platelets", "ast", "alt", "hazards"))
    default = GQ1001_TOXICITY
    values: dict[str, Any] = dict(_entries(entries, "toxicity", file, out))
    for part in ("platelets", "ast", "alt"):
        if part in subs:
            values[part] = _build(getattr(default, part), _entries(subs[part], f"toxicity.{part}", file, out),
                                  f"toxicity.{part}", file)
    if "hazards" in subs:
        known = {h.term: h for h in default.hazards}
        hazards = []
        for term, table in subs["hazards"].items():
            section = f"toxicity.hazards.{term}"
            if not isinstance(table, dict):
                raise ConfigError(f"{file} [{section}]", "a table", table)
            base = known.get(term, AEHazard(term, 0.0, 0.0, (1.0, 0.0, 0.0, 0.0), 3.0, "preset"))
            hazards.append(_build(base, _entries(table, section, file, out), section, file))
        values["hazards"] = tuple(hazards)
    parts = {k: values.pop(k) for k in ("platelets", "ast", "alt", "hazards") if k in values}
    tox = _build(default, values, "toxicity", file)
    return replace(tox, **parts)


def _load_design(doc: dict, file: str, out: list[PresetEntry]) -> tuple[object, str]:
    entries, _ = _section(doc, "design", file)
    values = _entries(entries, "design", file, out)
    name = values.pop("name", "3+3")
    options = {"--" + k.replace("_", "-"): v for k, v in values.items()}
    try:
        design = design_from_options(str(name), options)
        return design, design.label
    except InputError as exc:
        raise ConfigError(f"{file} [design]", "a doseflow design and its options", {"name": name, **values}, str(exc)) from None


def load_preset(name_or_path: str | Path = "gq1001") -> Preset:
    """Read a preset (packaged name or TOML path) and build every component's parameters.

    Parameters
    ----------
    name_or_path : str or Path
        ``"gq1001"`` (default) or the path of a TOML file in the preset format.

    Returns
    -------
    Preset

    Raises
    ------
    ConfigError
        If the file is missing or not TOML, or has an unknown section or key, an entry that
        is not ``{ value = ..., unit = ..., source = ... }``, or a bad value: the message
        names the file, the section and the key.

    Examples
    --------
    >>> p = load_preset()
    >>> p.design_name, p.trial.dose_levels.amounts[0]
    ('3+3 + accelerated(max_single_levels=2)', 1.2)
    """
    path = preset_path(name_or_path)
    file = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError("--preset", "a readable TOML file", str(path), str(exc)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(file, "a UTF-8 text file", f"byte {exc.object[exc.start]:#04x} at offset {exc.start}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "a TOML file", str(exc)) from None
    bad = sorted(set(doc) - set(_TOP))
    if bad:
        raise ConfigError(f"{file} [{bad[0]}]", "one of the sections " + ", ".join(_TOP), bad[0])
    out: list[PresetEntry] = []
    pk = _load_pk(doc, file, out)
    tox = _load_toxicity(doc, file, out)
    built = {}
    for section, default in (("dlt", DLTDefinition()), ("population", PopulationConfig()), ("tumour", TumourConfig()),
                             ("recist", RecistConfig()), ("survival", SurvivalConfig()), ("trial", TrialConfig())):
        entries, _ = _section(doc, section, file)
        built[section] = _build(default, _entries(entries, section, file, out), section, file)
    design, design_name = _load_design(doc, file, out)
    return Preset(path.stem, str(path), pk, tox, built["dlt"], built["population"], built["tumour"],
                  built["recist"], built["survival"], built["trial"], design, design_name, tuple(out))

