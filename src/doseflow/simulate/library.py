"""A library of published simulation scenarios, loadable by name.

The scenarios that papers used to compare dose-escalation designs ship as TOML files in
``doseflow/simulate/scenarios/``, one file per source paper (``zhao_2024.toml`` is the source
``zhao-2024``). A scenario is named ``"<source>/<id>"``, e.g. ``"zhao-2024/3"``. Each file
records where every value was read (the paper's table, or the repository file that
reproduces it), the trial settings the paper simulated (target, cohort size, maximum sample
size, start dose and, where used, BOIN's ``n.earlystop`` or the mTPI equivalence interval),
the true DLT probability per level and, where the paper reports them, its operating
characteristics per design (``[scenario.published.<design>]``), so that doseflow's figures can
be set beside the published ones.

File layout (every key below is checked on load; any other key is an error naming the file,
the table and the key)::

    [source]            short, citation, tables, read_from, settings_from; notes (optional)
    [settings]          target, cohort_size, max_n, start_dose; n_earlystop, eps1, eps2 (optional)
    [[scenario]]        id, true_dlt; description, response (optional)
    [scenario.published.<design>]   figures of :data:`PUBLISHED_FIGURES` (all optional)

Examples
--------
>>> s = load_scenario("zhao-2024/3")
>>> s.true_dlt, s.target
((0.04, 0.12, 0.25, 0.43, 0.63), 0.25)
>>> load_scenario_set("zhao-2024").entry(3).published["boin"]["correct_selection_pct"]
56.7
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from doseflow.checks import check_int, check_probability, check_real
from doseflow.designs.registry import build_design
from doseflow.errors import ConfigError
from doseflow.simulate.scenario import Scenario

__all__ = [
    "PUBLISHED_FIGURES",
    "PublishedScenario",
    "ScenarioListing",
    "ScenarioSet",
    "TrialSettings",
    "list_scenarios",
    "load_scenario",
    "load_scenario_set",
    "read_scenario_set",
]

_SOURCE_KEYS = {"short": True, "citation": True, "tables": True, "read_from": True, "settings_from": True,
                "notes": False}
_SETTINGS_KEYS = {"target": True, "cohort_size": True, "max_n": True, "start_dose": True, "n_earlystop": False,
                  "eps1": False, "eps2": False}
_SCENARIO_KEYS = {"id": True, "true_dlt": True, "description": False, "response": False, "published": False}
_TOP_KEYS = {"source": True, "settings": True, "scenario": True}

#: Figures a ``[scenario.published.<design>]`` table may hold, with what each must be:
#: "pct" a percentage in [0, 100], "count" a mean number of patients (>= 0), "months" a
#: duration (>= 0), "trials" a whole number of simulated trials, and "level pct" / "level
#: count" one such value per dose level. "Below", "at" and "above" the MTD refer to levels
#: whose true DLT probability is below, equal to or above the target.
PUBLISHED_FIGURES: Mapping[str, str] = MappingProxyType({
    "selection_pct": "level pct",
    "patients_per_level": "level count",
    "no_mtd_pct": "pct",
    "correct_selection_pct": "pct",
    "overdose_selection_pct": "pct",
    "patients_below_mtd": "count",
    "patients_at_mtd": "count",
    "patients_above_mtd": "count",
    "patients_below_mtd_pct": "pct",
    "patients_at_mtd_pct": "pct",
    "patients_above_mtd_pct": "pct",
    "sample_size_mean": "count",
    "duration_months": "months",
    "n_trials": "trials",
})


@dataclass(frozen=True, slots=True)
class TrialSettings:
    """The trial the source paper simulated in every scenario of a set.

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate.
    cohort_size : int >= 1
    max_n : int >= 1
        Maximum sample size (number of cohorts times the cohort size).
    start_dose : int >= 1
        1-based level of the first cohort.
    n_earlystop : int, optional
        BOIN's ``n.earlystop``: stop once the current level has this many patients and the
        design would stay there.
    eps1, eps2 : float, optional
        Half-widths of the equivalence interval [target - eps1, target + eps2] (mTPI, mTPI-2).
    """

    target: float
    cohort_size: int
    max_n: int
    start_dose: int
    n_earlystop: int | None = None
    eps1: float | None = None
    eps2: float | None = None


@dataclass(frozen=True, slots=True)
class PublishedScenario:
    """One scenario of a set, with the figures its source reports.

    Attributes
    ----------
    id : int
        The scenario's number in the source.
    scenario : Scenario
        The truth, named ``"<source>/<id>"``, with the set's target and the citation.
    description : str
    response : tuple of float or None
        True response (efficacy) probability per level, where the source gives one.
    published : mapping
        Design name -> {figure: value} (see :data:`PUBLISHED_FIGURES`); empty when the
        source's figures were not read.
    """

    id: int
    scenario: Scenario
    description: str
    response: tuple[float, ...] | None
    published: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    """The scenarios of one source paper (one TOML file of the library).

    Attributes
    ----------
    key : str
        The source's name, from the file name (``zhao_2024.toml`` -> ``"zhao-2024"``).
    short, citation, tables : str
        ``"Zhao et al. 2024"``, the full reference, and the tables the values come from.
    read_from, settings_from : str
        Where the values and the trial settings were read (the paper, or a repository file
        and commit that reproduces its table).
    notes : str
        Caveats about the source ("" when none).
    settings : TrialSettings
    entries : tuple of PublishedScenario
        In the source's order.
    """

    key: str
    short: str
    citation: str
    tables: str
    read_from: str
    settings_from: str
    notes: str
    settings: TrialSettings
    entries: tuple[PublishedScenario, ...]

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        """The scenarios, in the source's order."""
        return tuple(e.scenario for e in self.entries)

    def entry(self, scenario_id: int) -> PublishedScenario:
        """The scenario numbered ``scenario_id`` in the source."""
        for e in self.entries:
            if e.id == scenario_id:
                return e
        raise ConfigError(f"scenario set {self.key!r} id", "one of " + ", ".join(str(e.id) for e in self.entries),
                          scenario_id)

    def build_design(self, design: str) -> Any:
        """The interval design ``design`` (registry name) run as the source ran it.

        The design gets the set's target, cohort size and start dose (and eps1/eps2 when
        given), is wrapped in :class:`~doseflow.designs.wrappers.StopAtNAtDose` when the set
        has ``n_earlystop`` (BOIN 2.7.2's rule), then in
        :class:`~doseflow.designs.wrappers.StopAtSampleSize` at ``max_n``.

        Raises
        ------
        ConfigError
            For a design that is not in doseflow's registry or lacks one of those options.
        """
        s = self.settings
        spec: dict[str, Any] = {"design": design, "target": s.target, "cohort_size": s.cohort_size,
                                "start_dose": s.start_dose}
        if s.eps1 is not None:
            spec.update(eps1=s.eps1, eps2=s.eps2)
        if s.n_earlystop is not None:
            spec = {"design": "stop_at_n_at_dose", "n": s.n_earlystop, "when": "stay", "base": spec}
        return build_design({"design": "stop_at_sample_size", "max_n": s.max_n, "base": spec},
                            where=f"scenario set {self.key!r} design")


class ScenarioListing(NamedTuple):
    """One line of :func:`list_scenarios`."""

    name: str
    description: str
    source: str


def _check_keys(table: object, allowed: Mapping[str, bool], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(where, "a table", table)
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where} key {key!r}", "one of " + ", ".join(allowed), table[key])
    for key, required in allowed.items():
        if required and key not in table:
            raise ConfigError(f"{where} key {key!r}", "given", None)
    return table


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, "a non-empty string", value)
    return value


def _probabilities(value: object, where: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 100:
        raise ConfigError(where, "a list of 1 to 100 probabilities, one per dose level", value)
    return tuple(check_probability(v, f"{where} level {j}", open_interval=False) for j, v in enumerate(value, 1))


def _figure(kind: str, value: object, levels: int, where: str) -> Any:
    if kind.startswith("level "):
        if not isinstance(value, list) or len(value) != levels:
            raise ConfigError(where, f"a list of {levels} values, one per dose level", value)
        return tuple(_figure(kind[6:], v, levels, f"{where} level {j}") for j, v in enumerate(value, 1))
    if kind == "trials":
        return check_int(value, where, minimum=1)
    if kind == "pct":
        return check_real(value, where, minimum=0.0, maximum=100.0)
    return check_real(value, where, minimum=0.0)


def _published(table: object, levels: int, file: str, label: str) -> Mapping[str, Mapping[str, Any]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{file} [scenario.published] ({label})", "a table of designs", table)
    out = {}
    for design, figures in table.items():
        here = f"{file} [scenario.published.{design}] ({label})"
        figures = _check_keys(figures, dict.fromkeys(PUBLISHED_FIGURES, False), here)
        out[design] = MappingProxyType(
            {k: _figure(PUBLISHED_FIGURES[k], v, levels, f"{here} key {k!r}") for k, v in figures.items()})
    return MappingProxyType(out)


def _settings(table: object, where: str) -> TrialSettings:
    t = _check_keys(table, _SETTINGS_KEYS, where)
    if ("eps1" in t) != ("eps2" in t):
        raise ConfigError(f"{where} key 'eps2'", "given together with eps1", t.get("eps2"))
    eps = {k: check_real(t[k], f"{where} key {k!r}", minimum=0.0, maximum=1.0, strict=True)
           for k in ("eps1", "eps2") if k in t}
    max_n = check_int(t["max_n"], f"{where} key 'max_n'", minimum=1, maximum=2_000)
    return TrialSettings(
        target=check_probability(t["target"], f"{where} key 'target'"),
        cohort_size=check_int(t["cohort_size"], f"{where} key 'cohort_size'", minimum=1, maximum=max_n),
        max_n=max_n,
        start_dose=check_int(t["start_dose"], f"{where} key 'start_dose'", minimum=1),
        n_earlystop=None if "n_earlystop" not in t else check_int(t["n_earlystop"], f"{where} key 'n_earlystop'",
                                                                  minimum=1),
        **eps,
    )


def _entry(table: object, key: str, source: str, settings: TrialSettings, file: str,
           position: int) -> PublishedScenario:
    t = _check_keys(table, _SCENARIO_KEYS, f"{file} [[scenario]] {position}")
    scenario_id = check_int(t["id"], f"{file} [[scenario]] {position} key 'id'", minimum=1)
    label = f"scenario {position}, id {scenario_id}"
    where = f"{file} [[scenario]] {position} (id {scenario_id})"
    true_dlt = _probabilities(t["true_dlt"], f"{where} key 'true_dlt'")
    if settings.start_dose > len(true_dlt):
        raise ConfigError(f"{where} key 'true_dlt'", f"at least start_dose = {settings.start_dose} levels",
                          t["true_dlt"])
    response = None
    if "response" in t:
        response = _probabilities(t["response"], f"{where} key 'response'")
        if len(response) != len(true_dlt):
            raise ConfigError(f"{where} key 'response'", f"{len(true_dlt)} probabilities, one per dose level",
                              t["response"])
    return PublishedScenario(
        id=scenario_id,
        scenario=Scenario(true_dlt, name=f"{key}/{scenario_id}", target=settings.target, source=source),
        description=_text(t["description"], f"{where} key 'description'") if "description" in t else "",
        response=response,
        published=_published(t.get("published", {}), len(true_dlt), file, label),
    )


def read_scenario_set(path: str | Path) -> ScenarioSet:
    """Read and validate one scenario file; its source key is the file name (``_`` -> ``-``).

    Parameters
    ----------
    path : str or Path
        A TOML file laid out as in the module docstring.

    Raises
    ------
    ConfigError
        Naming the file, the table and the key: a TOML syntax error (with its line), a
        missing or unknown key, a probability outside [0, 1], a list of the wrong length, a
        repeated scenario id.
    """
    path = Path(path)
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(name, "a readable UTF-8 scenario file", str(path), str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r" \(at line (\d+), column (\d+)\)$", str(exc))
        where = name if at is None else f"{name} line {at[1]}, column {at[2]}"
        raise ConfigError(where, "valid TOML", str(exc) if at is None else str(exc)[: at.start()]) from None
    _check_keys(data, _TOP_KEYS, name)
    key = path.stem.replace("_", "-")
    src = _check_keys(data["source"], _SOURCE_KEYS, f"{name} [source]")
    text = {k: _text(src[k], f"{name} [source] key {k!r}") if k in src else "" for k in _SOURCE_KEYS}
    settings = _settings(data["settings"], f"{name} [settings]")
    rows = data["scenario"]
    if not isinstance(rows, list) or not rows:
        raise ConfigError(f"{name} [[scenario]]", "at least one [[scenario]] table", rows)
    source = f"{text['citation']}; {text['tables']}"
    entries = tuple(_entry(row, key, source, settings, name, i) for i, row in enumerate(rows, 1))
    seen: set[int] = set()
    for i, e in enumerate(entries, 1):
        if e.id in seen:
            raise ConfigError(f"{name} [[scenario]] {i} key 'id'", "an id not used by an earlier scenario", e.id)
        seen.add(e.id)
    return ScenarioSet(key=key, settings=settings, entries=entries, **text)


@cache
def _library() -> Mapping[str, ScenarioSet]:
    folder = resources.files("doseflow.simulate") / "scenarios"
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    sets = (read_scenario_set(Path(str(p))) for p in files)
    return MappingProxyType({s.key: s for s in sets})


def _unknown(where: str, expected: str, value: object, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(str(value), known, n=5, cutoff=0.5)
    hint = ("Close names: " + ", ".join(close) + ".") if close else "Known: " + ", ".join(known[:8]) + "."
    return ConfigError(where, expected, value, hint)


def list_scenarios() -> list[ScenarioListing]:
    """Every published scenario: ``(name, description, source)``, by source then id.

    Examples
    --------
    >>> list_scenarios()[0]
    ScenarioListing(name='guo-2017/1', description='True MTD level 6 (mtd <- 6)', source='Guo et al. 2017')
    """
    return [ScenarioListing(e.scenario.name, e.description, s.short) for s in _library().values() for e in s.entries]


def load_scenario_set(source: str) -> ScenarioSet:
    """The scenario set of one source paper, e.g. ``"zhao-2024"``.

    Raises
    ------
    ConfigError
        For an unknown source, listing the close names.
    """
    library = _library()
    if source not in library:
        raise _unknown("scenario source", "one of " + ", ".join(library), source, list(library))
    return library[source]


def load_scenario(name: str) -> Scenario:
    """The published scenario ``name`` (``"<source>/<id>"``, e.g. ``"liu-yuan-2015/1"``).

    Raises
    ------
    ConfigError
        For an unknown name, listing the close names.
    """
    by_name = {e.scenario.name: e.scenario for s in _library().values() for e in s.entries}
    if name not in by_name:
        raise _unknown("scenario name", "a published scenario '<source>/<id>' (see list_scenarios())", name,
                       list(by_name))
    return by_name[name]
