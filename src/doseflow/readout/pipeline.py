"""The readout pipeline: a folder of SDTM (and ADaM) data in, every analysis of a phase I readout out, in order.

:func:`run_readout` reads the folder once (:func:`doseflow.cdisc.read_sdtm`), derives ADSL
once (:func:`doseflow.readout.adsl.derive_adsl`) and runs each analysis whose domains are
present. Before anything, every subject of every SDTM dataset must be a subject of DM (or the
ADaM ADSL): an unknown or misspelled USUBJID is an error at its file row. A missing optional
domain (AE, LB, PC, RS, TR) skips its analyses with a note, never an exception (without AE the
overview still counts the deaths of DM); DM and EX are required unless the folder has an ADaM
ADSL. Bad data (a value that breaks its specification) raises
:class:`~doseflow.errors.DataError` naming file, row, column and value: a readout is not made
from data that cannot be read. The tables are by dose group (the actual arm, or the dose level
of an escalation; :mod:`doseflow.readout.groups`); pooled figures leave placebo out.

ADaM input: when the folder holds the sponsor's ADaM ADSL, ADAE, ADRS, ADTTE or ADPC (and
``[adam] use`` lists it, as by default), the sponsor's derivation wins for its analyses,
mapped by :mod:`doseflow.readout.adam`: ADSL gives the subjects, dates, safety population and
dose groups; ADAE the TRTEMFL, relatedness and grade of every AE table and the DLT dates;
ADRS the best overall responses (PARAMCD CBOR/BOR); ADTTE PFS and duration of response;
ADPC the NCA concentrations. An endpoint the ADaM dataset lacks is derived from SDTM. The
readout's ``inputs`` and notes say which dataset was used for what; ``[adam] use = []``
derives everything from SDTM.

Order of the results (each a :class:`~doseflow.readout.result.AnalysisResult`):

0. conduct: the design and its parameters (``[design]``); the escalation story, the cohorts
   with the design's decision after each and the recommended dose
   (:mod:`doseflow.readout.escalation`);
1. population: analysis sets; characteristics and exposure;
2. safety: AE overview; TEAE and TRAE incidence by SOC and preferred term; the most
   common TRAEs (preferred terms above the incidence threshold); grade >= 3 TEAEs and
   TRAEs; DLTs, the DLT rate and the MTD by the design's 3+3 rule; laboratory CTCAE shifts;
3. pk, per analyte (:mod:`doseflow.readout.pipeline_pk`): NCA per profile with its sampling
   design, summary by cycle and dose group, concentrations of peak-and-trough cycles, dose
   proportionality (two or more doses), cycle-1 mean concentration-time figure, the records
   not used;
4. efficacy: BOR with and without confirmation, ORR/DCR with exact CIs, duration of
   response, PFS (Kaplan-Meier median with the CI on both the log and log-log scale), the
   RS records not used, waterfall, spider and swimmer plots.

The efficacy population is the treated subjects (SAFFL "Y") of every arm, placebo included and
shown beside the active arms, and, when ``[efficacy] evaluable_min_dose`` is set, whose dose is
at least that; the response-evaluable subset has at least ``min_post_baseline`` usable overall
responses. PFS and duration of response use the efficacy population (a subject without an
adequate assessment is censored on day 1, FDA 2018 Appendix 1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from doseflow.cdisc import read_sdtm
from doseflow.errors import ConfigError, DataError
from doseflow.readout.adam import adae_to_safety, adpc_concentrations, adsl_from_adam
from doseflow.readout.adsl import derive_adsl, derive_last_alive_date
from doseflow.readout.config import ADAM_DATASETS, ReadoutConfig
from doseflow.readout.escalation import (
    COHORT_VARIABLE,
    PART_VARIABLE,
    DesignResult,
    compute_window_grades,
    tabulate_escalation,
)
from doseflow.readout.groups import compute_dose_plan
from doseflow.readout.inputs import validate_subjects
from doseflow.readout.palette import compute_dose_palette
from doseflow.readout.pipeline_results import (
    AnalysisSetsResult,
    FigureResult,
    Readout,
    ReadoutItem,
    TimeToEventResult,
)
from doseflow.readout.pipeline_pk import run_pk
from doseflow.readout.pipeline_steps import run_efficacy, run_safety, tabulate_analysis_sets
from doseflow.readout.pk import derive_pk_concentrations
from doseflow.readout.population import summarise_population
from doseflow.readout.result import AnalysisResult

__all__ = ["SECTIONS", "STAGES", "Readout", "ReadoutItem", "AnalysisSetsResult", "TimeToEventResult",
           "FigureResult", "run_readout"]

SECTIONS = ("conduct", "population", "safety", "pk", "efficacy")
#: Progress stages reported to the ``progress`` callback, in order.
STAGES = ("reading SDTM", "deriving ADSL", "population", "safety", "PK", "efficacy")
#: SDTM domains an ADaM dataset replaces (they are marked unused when it wins).
_REPLACES = {"adsl": ("dm", "ds", "suppdm"), "adae": ("ae", "suppae"), "adpc": ("pc",)}
_AREAS = {"subjects": "subjects and dose groups", "safety": "adverse events and DLTs", "pk": "PK concentrations",
          "bor_confirmed": "confirmed best overall response", "bor_unconfirmed": "unconfirmed best overall response",
          "pfs": "PFS", "dor": "duration of response"}


def _adam_inputs(data, cfg: ReadoutConfig, note: Callable[[str], None]) -> dict:
    """The ADaM datasets the readout uses: present in the folder and listed in ``[adam] use``."""
    adam = {}
    for name in ADAM_DATASETS:
        if name not in data.chosen:
            continue
        stem = data.chosen[name]
        if name in cfg.adam.use:
            adam[name] = data.datasets[stem]
        else:
            note(f"ADaM {name.upper()} ({data.files[stem].path.name}) is in the folder but not used ([adam] use): "
                 f"{ADAM_DATASETS[name].split(' (')[0]} are derived from SDTM.")
    return adam


def _file(data, domain: str) -> str:
    return data.files[data.chosen[domain]].path.name


def _check_subjects(data, reference: str) -> None:
    """Every USUBJID of the SDTM datasets used is a subject of ``reference`` (dm or adsl).

    Parent domains are checked before their SUPP-- datasets, so a subject spelled differently in AE
    is reported at its AE row, not at the SUPPAE record that no longer finds its parent.
    """
    known = data.datasets[data.chosen[reference]]["USUBJID"].dropna().astype(str)
    ref_file = _file(data, reference)
    stems = sorted((stem for dom, stem in data.chosen.items() if dom != reference and dom not in ADAM_DATASETS),
                   key=lambda st: (st.startswith("supp"), st))
    for stem in stems:
        frame = data.datasets[stem]
        if "USUBJID" in frame.columns:
            validate_subjects(frame, stem, known, reference=f"{reference.upper()} ({ref_file})")


def _conduct_items(ae, adsl, cfg: ReadoutConfig, dlt) -> list[ReadoutItem]:
    """The design and the escalation story (:mod:`doseflow.readout.escalation`), section "conduct"."""
    plan = compute_dose_plan(adsl)
    design = cfg.design.design
    s = cfg.safety
    grades = compute_window_grades(ae, adsl, window_days=s.dlt_window_days, related_values=s.related_values,
                                   missing_relationship=s.missing_relationship, teae_window_days=s.teae_window_days)
    escalation = tabulate_escalation(adsl, dlt, design=design, plan=plan, grades=grades,
                                     palette=compute_dose_palette(adsl))
    described = DesignResult(design=design, plan=plan, methods=(
        "The design as the readout configuration gives it ([design], doseflow.designs.registry.build_design); "
        "each parameter with its meaning." if design is not None else
        "No design was given in the readout configuration ([design])."))
    return [ReadoutItem("conduct_escalation", "conduct", escalation), ReadoutItem("conduct_design", "conduct", described)]


def run_readout(sdtm_dir: str | Path, config: ReadoutConfig | None = None, *,
                progress: Callable[[str, int, int], None] | None = None) -> Readout:
    """Run every readout analysis whose data are present on a folder of SDTM (and ADaM) datasets.

    Parameters
    ----------
    sdtm_dir : str or Path
        Folder of SDTM/ADaM ``.csv``/``.xpt`` files (DM and EX required, unless an ADaM
        ADSL is used).
    config : ReadoutConfig, optional
        Analysis options (:mod:`doseflow.readout.config`); defaults when None.
    progress : callable, optional
        Called as ``progress(stage, index, total)`` before each stage of :data:`STAGES`.

    Returns
    -------
    Readout
        The results in report order, ADSL, input provenance (``inputs``: what each analysis
        was made from; ``chosen``: the datasets used) and notes.

    Raises
    ------
    DataError
        The folder is missing or empty, DM or EX is missing (without ADaM ADSL), or a dataset
        breaks its specification.
    ConfigError
        A configuration value does not fit the data (a preferred dataset not in the
        folder, an evaluable-dose unit other than the data's).

    Notes
    -----
    The rules of each analysis are those of the function it calls, named in each result's
    ``methods``; see the module docstring for the order, the efficacy population and the
    precedence of ADaM over SDTM.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "dm.csv").write_text("STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,COUNTRY,AGE,SEX,ARM,ACTARM\\n"
    ...                               "S,DM,1,1,01,AUS,60,F,A,A\\nS,DM,2,2,01,AUS,70,M,A,A\\n")
    >>> _ = (d / "ex.csv").write_text("STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXSTDTC,EXENDTC\\n"
    ...                               "S,EX,1,1,DRUG,1.2,mg/kg,2022-01-03,2022-01-03\\n"
    ...                               "S,EX,2,1,DRUG,2.4,mg/kg,2022-02-01,2022-02-01\\n")
    >>> r = run_readout(d)
    >>> [i.name for i in r.items][2:], r.get("population_sets").to_dict()["n_treated"], r.inputs["subjects"]
    (['population_sets', 'population_characteristics', 'safety_overview'], 2, 'SDTM DM, EX (dm.csv, ex.csv)')
    """
    cfg = config if config is not None else ReadoutConfig()
    if not isinstance(cfg, ReadoutConfig):
        raise ConfigError("config", "a ReadoutConfig (see doseflow.readout.config.read_config)", type(cfg).__name__)
    total = len(STAGES)

    def step(i: int) -> None:
        if progress is not None:
            progress(STAGES[i], i, total)

    items: list[ReadoutItem] = []
    notes: list[str] = []
    section = ["population"]
    inputs: dict[str, str] = {}

    def add(name: str, result: AnalysisResult) -> None:
        items.append(ReadoutItem(name, section[0], result))

    step(0)
    data = read_sdtm(sdtm_dir, prefer=cfg.datasets.prefer or None)
    adam = _adam_inputs(data, cfg, notes.append)
    reference = "adsl" if "adsl" in adam else "dm"
    if reference in data.chosen:
        _check_subjects(data, reference)
    unused = {d for name in adam for d in _REPLACES.get(name, ())}
    optional = {name: data.domain(name, with_supp=name == "ae") for name in ("ae", "lb", "pc", "rs", "tr")
                if not ((name == "ae" and "adae" in adam) or (name == "pc" and "adpc" in adam))}
    step(1)
    if "adsl" in adam:
        adsl = adsl_from_adam(adam["adsl"], dose_var=cfg.adam.dose_variable)
        inputs["subjects"] = f"ADaM ADSL ({_file(data, 'adsl')})"
        ex = data.domain("ex") if "ex" in data.chosen else None
    else:
        dm, ex = data.require("dm"), data.require("ex")
        adsl = derive_adsl(dm, ex, ds=data.domain("ds"), suppdm=data.domain("suppdm"), dose_by=cfg.population.dose_by,
                           extra_vars=(COHORT_VARIABLE, PART_VARIABLE))
        inputs["subjects"] = f"SDTM DM, EX ({_file(data, 'dm')}, {_file(data, 'ex')})"
    notes.extend(adsl.attrs.get("notes", []))
    if "LSTALVDT" not in adsl.columns:
        adsl = derive_last_alive_date(adsl, ae=optional.get("ae"), lb=optional["lb"], ds=data.domain("ds"))
    step(2)
    add("population_characteristics",
        summarise_population(adsl, cycle_length_days=cfg.population.cycle_length_days,
                             exposure_to=cfg.population.exposure_to))
    step(3)
    section[0] = "safety"
    if "adae" in adam:
        s = cfg.safety
        ae = adae_to_safety(adam["adae"], adsl, related_values=s.related_values,
                            missing_relationship=s.missing_relationship, window_days=s.teae_window_days)
        inputs["safety"] = f"ADaM ADAE ({_file(data, 'adae')})"
        notes.extend(ae.attrs["notes"])
        run_safety(ae, optional["lb"], adsl, cfg, add, notes.append, adae_source=_file(data, "adae"))
    else:
        ae = optional["ae"]
        if ae is not None:
            inputs["safety"] = f"SDTM AE ({_file(data, 'ae')})"
        run_safety(ae, optional["lb"], adsl, cfg, add, notes.append)
    dlt = next((i.result for i in items if i.name == "safety_dlt"), None)
    items[:0] = _conduct_items(ae if dlt is not None else None, adsl, cfg, dlt)
    step(4)
    section[0] = "pk"
    n_pk = None
    if "adpc" in adam:
        conc = adpc_concentrations(adam["adpc"], adsl, time=cfg.pk.time, specimens=cfg.pk.specimens)
        notes.extend(conc.attrs.get("notes", []))
        inputs["pk"] = f"ADaM ADPC ({_file(data, 'adpc')})"
        n_pk = run_pk(conc, adsl, None, cfg, add, notes.append, file=_file(data, "adpc"),
                      source=f"the sponsor's ADaM ADPC ({_file(data, 'adpc')}), "
                      "concentrations and relative times as derived by the sponsor")
    elif optional["pc"] is None:
        notes.append("PK: no PC dataset, so no NCA was done.")
    elif ex is None:
        notes.append("PK: PC without EX (dose times), so no NCA was done.")
        unused.add("pc")
    else:
        conc = derive_pk_concentrations(optional["pc"], ex, adsl, time=cfg.pk.time, specimens=cfg.pk.specimens)
        inputs["pk"] = f"SDTM PC, EX ({_file(data, 'pc')}, {_file(data, 'ex')})"
        n_pk = run_pk(conc, adsl, ex, cfg, add, notes.append, file=_file(data, "pc"),
                      source="SDTM PC and EX (doseflow.readout.pk.concentrations)")
    step(5)
    section[0] = "efficacy"
    endpoints: dict[str, str] = {}
    n_eff, n_eval = run_efficacy(optional["rs"], optional["tr"], adsl, data.files, data.chosen, cfg, add,
                                 notes.append, adrs=adam.get("adrs"), adtte=adam.get("adtte"), used=endpoints)
    inputs.update(endpoints)
    for name in ("adrs", "adtte"):
        if name in adam and not any(name.upper() in v for v in endpoints.values()):
            unused.add(name)
            notes.append(f"ADaM {name.upper()} ({_file(data, name)}) has none of the parameters the readout uses "
                         f"({cfg.adam.bor_confirmed_param}, {cfg.adam.bor_unconfirmed_param} for ADRS; "
                         f"{cfg.adam.pfs_param}, {cfg.adam.dor_param} for ADTTE), so it was not used.")
    if optional["rs"] is not None and not any("SDTM RS" in v for v in endpoints.values()):
        unused.add("rs")
    if ex is not None and "adsl" in adam and "pk" in inputs and "ADPC" in inputs["pk"]:
        unused.add("ex")
    first_population = next(k for k, i in enumerate(items) if i.section == "population")
    items.insert(first_population, ReadoutItem("population_sets", "population",
                                tabulate_analysis_sets(adsl, cfg, n_pk, n_eff, n_eval,
                                                       subjects_from=inputs["subjects"].split(" (")[0])))
    notes.append("Inputs used: " + "; ".join(f"{_AREAS[k]} from {v}" for k, v in inputs.items()) + ".")
    chosen = {d: stem for d, stem in data.chosen.items() if d not in unused
              and not (d in ADAM_DATASETS and d not in adam)}
    return Readout(sdtm_dir=Path(sdtm_dir), config=cfg, items=tuple(items), adsl=adsl, files=dict(data.files),
                   chosen=chosen, dataset_notes=tuple(data.notes), notes=tuple(notes), inputs=inputs)
