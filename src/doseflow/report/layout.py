"""The structure of the report: sections in reading order, where each analysis goes, numbers and methods.

A safety committee reads a phase I readout top down: a one-screen summary (the paragraph and
the key figures), the design and conduct (escalation figure, cohort table, the design), the
population, safety, PK and efficacy, then the methods, and the individual listings last.
:func:`layout_report` puts every analysis of a :class:`~doseflow.readout.pipeline.Readout`
where it belongs (:func:`placement`):

- in the body, its table (the first :data:`BODY_MAX_ROWS` rows; the full table then goes to
  the appendix too) and its figure;
- figure-only in the body for plots whose table is the plotted data (swimmer, waterfall,
  spider, concentration-time), the data going to the appendix;
- in the appendix only for listings (NCA per profile, the full PK statistics, the AE
  listing, records not used).

Body tables and figures are numbered (Table 1, Figure 1), appendix listings A1, A2, ...
Each distinct methods paragraph is stated once in the methods section (M1, M2, ...) and
every table and figure refers to it, so the AE counting rules appear once however many
tables use them. The same layout is rendered as HTML (:mod:`doseflow.report.html`) and as
a Word document (:mod:`doseflow.report.docx`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from doseflow.readout.pipeline import Readout
from doseflow.readout.result import ROUNDING_RULE, AnalysisResult
from doseflow.report.display import DisplayTable, build_display_table

__all__ = ["BODY_MAX_ROWS", "SECTIONS", "Entry", "ExtraSection", "Listing", "Method", "ReportLayout", "Section",
           "layout_report", "placement"]

#: Section id -> heading, in reading order; extra sections (the demo's comparison) go before "methods".
SECTIONS: dict[str, str] = {
    "summary": "Summary", "conduct": "Design and conduct", "population": "Population and exposure",
    "safety": "Safety", "pk": "Pharmacokinetics", "efficacy": "Efficacy", "methods": "Methods",
    "appendices": "Appendices",
}
#: Rows of a table shown in the body; a longer table continues in the appendix.
BODY_MAX_ROWS = 25

_APPENDIX_ONLY = ("pk_nca_", "pk_summary_", "pk_concentrations_", "pk_excluded_", "efficacy_excluded_records",
                  "safety_ae_listing")
_FIGURE_ONLY = ("efficacy_swimmer", "efficacy_waterfall", "efficacy_spider", "pk_concentration_time")
_NO_FIGURE = ("safety_teae", "safety_trae", "safety_grade3_teae", "efficacy_bor_unconfirmed")
_FIGURE_FIRST = ("conduct_escalation", "pk_proportionality_", "comparison")


def placement(name: str) -> tuple[str, bool, bool]:
    """Where an item goes: ("body" or "appendix", show its table in the body, show its figure).

    Examples
    --------
    >>> placement("pk_nca_adc"), placement("efficacy_swimmer"), placement("safety_common")
    (('appendix', False, False), ('body', False, True), ('body', True, True))
    """
    if name.startswith(_APPENDIX_ONLY):
        return "appendix", False, False
    if name.startswith(_FIGURE_ONLY):
        return "body", False, True
    return "body", True, not name.startswith(_NO_FIGURE)


@dataclass
class Method:
    """A methods paragraph stated once: its id (M1), text and the tables and figures that use it.

    ``base`` names an earlier paragraph this one extends: ``text`` is then only what it adds
    (the TRAE table's methods are the TEAE table's plus the relatedness rule).
    """

    id: str
    text: str
    used_by: list[str] = field(default_factory=list)
    base: str = ""


@dataclass
class Entry:
    """One analysis in the body: its numbered table and/or figure."""

    name: str
    title: str
    table: DisplayTable | None
    table_label: str
    figure: bytes | None
    figure_label: str
    method: str
    notes: list[str]
    csv: str
    continued_in: str = ""
    figure_first: bool = False


@dataclass
class Listing:
    """A table of the appendix (collapsed on screen): its id (A1), title, table and source."""

    id: str
    name: str
    title: str
    table: DisplayTable
    csv: str = ""
    method: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A section of the report: id, heading, paragraphs before its entries, the entries."""

    id: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class ExtraSection:
    """A section a workflow adds (the demo's "Virtual trial vs published"), placed before the methods.

    Attributes
    ----------
    id, heading : str
    paragraphs : tuple of str
    items : tuple of (name, AnalysisResult)
        Laid out like the readout's analyses (table and figure in the body).
    """

    id: str
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[tuple[str, AnalysisResult], ...] = ()


@dataclass
class ReportLayout:
    """Everything the report shows, in order (rendered by the HTML and Word writers)."""

    title: str
    abstract: str
    key_figures: DisplayTable
    sections: list[Section]
    methods: list[Method]
    listings: list[Listing]
    rounding: str = ROUNDING_RULE

    @property
    def headings(self) -> dict[str, str]:
        """Section id -> heading of every section shown, the methods and the appendices included."""
        return {s.id: s.heading for s in self.sections} | {"methods": SECTIONS["methods"],
                                                            "appendices": SECTIONS["appendices"]}


class _Numbers:
    """Running numbers of tables, figures, listings and methods."""

    def __init__(self) -> None:
        self.tables = self.figures = 0
        self.listings: list[Listing] = []
        self.methods: dict[str, Method] = {}

    def method(self, text: str, user: str) -> str:
        """The id of ``text``'s paragraph, made the first time it is used."""
        if not text:
            return ""
        m = self.methods.setdefault(text, Method(f"M{len(self.methods) + 1}", text))
        m.used_by.append(user)
        return m.id

    def final_methods(self) -> list[Method]:
        """The paragraphs in order; one that extends another (its text starts with the other's sentences)
        keeps only what it adds and names the other as its base."""
        out = []
        for text, m in self.methods.items():
            prefixes = [t for t in self.methods if t != text and text.startswith(t.rstrip(".") + ".")]
            base = max(prefixes, key=len) if prefixes else ""
            out.append(Method(m.id, text[len(base):].strip() if base else text, m.used_by,
                              self.methods[base].id if base else ""))
        return out

    def listing(self, name: str, title: str, table: DisplayTable, csv: str, method_text: str,
                notes: Sequence[str] = ()) -> Listing:
        lid = f"A{len(self.listings) + 1}"
        entry = Listing(lid, name, title, table, csv, self.method(method_text, f"Listing {lid}"), list(notes))
        self.listings.append(entry)
        return entry


def _entry(name: str, result: AnalysisResult, figures: Mapping[str, bytes], n: _Numbers) -> Entry | None:
    where, show_table, show_figure = placement(name)
    csv = f"tables/{name}.csv"
    frame = result.display_table()
    if where == "appendix":
        n.listing(name, result.title, build_display_table(frame), csv, result.methods, result.notes)
        return None
    figure = figures.get(name) if show_figure else None
    table = build_display_table(frame, max_rows=BODY_MAX_ROWS) if show_table and len(frame.columns) else None
    table_label = figure_label = ""
    users = []
    if table is not None:
        n.tables += 1
        table_label = f"Table {n.tables}"
        users.append(table_label)
    if figure is not None:
        n.figures += 1
        figure_label = f"Figure {n.figures}"
        users.append(figure_label)
    if table is None and figure is None:
        return None
    method = ""
    for user in users:
        method = n.method(result.methods, user)
    continued = ""
    if table is not None and table.truncated:
        continued = n.listing(name, result.title + " (all rows)", build_display_table(frame), csv, "").id
    if not show_table and len(frame):
        continued = n.listing(name, f"Data of {figure_label}: {result.title}", build_display_table(frame), csv,
                              "").id
    notes = list(result.notes) + (table.notes if table is not None else [])
    return Entry(name, result.title, table, table_label, figure, figure_label, method, notes, csv, continued,
                 figure_first=name.startswith(_FIGURE_FIRST))


def _frame_listing(n: _Numbers, name: str, title: str, frame: pd.DataFrame) -> None:
    if len(frame):
        n.listing(name, title, build_display_table(frame), "", "")


def layout_report(readout: Readout, *, abstract: str, key_figures: pd.DataFrame, figures: Mapping[str, bytes],
                  software: Mapping[str, str], extra: Sequence[ExtraSection] = ()) -> ReportLayout:
    """Lay out ``readout`` as the report's sections, methods and appendix listings.

    Parameters
    ----------
    readout : Readout
    abstract : str
        The summary paragraph (:func:`doseflow.readout.abstract.write_abstract`).
    key_figures : pandas.DataFrame
        :func:`doseflow.readout.key_figures.tabulate_key_figures`.
    figures : mapping of str to bytes
        PNG of each item that has a figure.
    software : mapping of str to str
        Package versions (an appendix listing).
    extra : sequence of ExtraSection
        Sections a workflow adds before the methods.

    Returns
    -------
    ReportLayout
    """
    n = _Numbers()
    sections = [Section("summary", SECTIONS["summary"])]
    esc = readout.get("conduct_escalation")
    for sid in ("conduct", "population", "safety", "pk", "efficacy"):
        sec = Section(sid, SECTIONS[sid])
        if sid == "conduct" and esc is not None:
            sec.paragraphs = [esc.recommended]
        for item in readout.section(sid):
            entry = _entry(item.name, item.result, figures, n)
            if entry is not None:
                sec.entries.append(entry)
        sections.append(sec)
    for x in extra:
        sec = Section(x.id, x.heading, list(x.paragraphs))
        for name, result in x.items:
            entry = _entry(name, result, figures, n)
            if entry is not None:
                sec.entries.append(entry)
        sections.append(sec)
    files = pd.DataFrame([{"Dataset": stem, "File": f.path.name, "Domain": f.domain or "", "Format": f.format,
                           "Rows": f.rows, "Used": stem == readout.chosen.get((f.domain or "").lower()),
                           "SHA-256": f.sha256} for stem, f in sorted(readout.files.items())])
    _frame_listing(n, "inputs", f"Input datasets ({readout.sdtm_dir})", files)
    notes = [("readout", t) for t in list(readout.dataset_notes) + list(readout.notes)]
    notes += [(i.result.title, t) for i in readout.items for t in i.result.notes]
    _frame_listing(n, "notes", "Notes and warnings of the readout and of each analysis",
                   pd.DataFrame(notes, columns=["Analysis", "Note"]))
    config = [(f"[{sec}]", k, str(v)) for sec, opts in readout.config.to_dict().items() for k, v in opts.items()]
    _frame_listing(n, "configuration", "Configuration of the readout",
                   pd.DataFrame(config, columns=["Section", "Option", "Value"]))
    _frame_listing(n, "software", "Software", pd.DataFrame(list(software.items()), columns=["Software", "Version"]))
    studies = readout.adsl["STUDYID"].dropna().astype(str).unique() if "STUDYID" in readout.adsl else []
    study = ", ".join(studies) if len(studies) else readout.sdtm_dir.name
    return ReportLayout(title=f"Phase I readout of {study}", abstract=abstract,
                        key_figures=build_display_table(key_figures), sections=sections,
                        methods=n.final_methods(), listings=n.listings)
