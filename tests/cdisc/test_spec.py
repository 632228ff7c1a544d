"""Dataset specifications as data: every spec loads, obeys XPT v5 limits, cites its source."""

from __future__ import annotations

import pytest

from doseflow.cdisc.spec import find_spec, load_codelist, load_spec, spec_names
from doseflow.errors import ConfigError

SHIPPED = (
    "ADAE", "ADPC", "ADRS", "ADSL", "ADTTE", "AE", "DM", "DS", "EX", "LB", "PC", "RS",
    "SUPPAE", "SUPPDM", "SUPPQUAL", "TR", "TU",
)


def test_every_domain_of_the_brief_has_a_spec():
    """SDTM DM, EX, AE, SUPPAE, SUPPDM, LB, PC, TU, TR, RS, DS and ADaM ADSL, ADAE, ADRS, ADTTE, ADPC."""
    assert spec_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_spec_obeys_xpt_v5_limits_and_names_its_source(name):
    """SAS XPT v5 (TS-140): names <= 8 characters, labels <= 40; each spec cites its standard."""
    spec = load_spec(name)
    assert spec.source.startswith("CDISC ") and ("section" in spec.source)
    assert len(spec.label) <= 40
    names = [v.name for v in spec.variables]
    assert len(names) == len(set(names))
    assert all(len(v.name) <= 8 and len(v.label) <= 40 for v in spec.variables)
    assert set(spec.keys) <= set(names)
    assert {"STUDYID", "USUBJID"} <= set(spec.required)


@pytest.mark.parametrize(
    ("name", "required"),
    [
        ("AE", ("STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD")),
        ("DM", ("STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY")),
        ("EX", ("STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT")),
        ("DS", ("STUDYID", "DOMAIN", "USUBJID", "DSSEQ", "DSTERM", "DSDECOD")),
        ("LB", ("STUDYID", "DOMAIN", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST")),
        ("PC", ("STUDYID", "DOMAIN", "USUBJID", "PCSEQ", "PCTESTCD", "PCTEST")),
        ("RS", ("STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST")),
        ("SUPPAE", ("STUDYID", "RDOMAIN", "USUBJID", "QNAM", "QLABEL", "QVAL", "QORIG")),
        ("ADTTE", ("STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVAL", "CNSR")),
    ],
)
def test_required_variables_match_the_implementation_guides(name, required):
    """Req variables copied from the specification tables: SDTMIG v3.4 §5.2 DM, §6.1.4 EX,
    §6.2.1 AE, §6.2.3 DS, §6.3 LB/PC/RS, §8.4.1 SUPP--; ADaM BDS-TTE v1.0 (AVAL, CNSR)."""
    assert load_spec(name).required == required


def test_types_and_codelists_of_key_variables():
    """SDTMIG v3.4: --SEQ, AGE, --STRESN are Num; SITEID, SUBJID, AETOXGR, LBORNRLO are Char.
    CDISC CT C66742 (NY) = N, NA, U, Y; C66731 (SEX) = F, M, U, UNDIFFERENTIATED."""
    assert load_spec("AE").variable("AESEQ").type == "num"
    assert load_spec("DM").variable("AGE").type == "num"
    assert load_spec("PC").variable("PCSTRESN").type == "num"
    assert load_spec("DM").variable("SITEID").type == "char"
    assert load_spec("DM").variable("SUBJID").type == "char"
    assert load_spec("LB").variable("LBORNRLO").type == "char"
    assert load_spec("AE").variable("AETOXGR").type == "char"
    assert load_spec("AE").variable("AESER").codelist == "NY"
    assert load_spec("AE").variable("AETOXGR").codelist == "TOXGR"
    assert load_spec("RS").variable("RSSTRESC").codelist is None  # pharmaverse has "CHECK"
    assert load_codelist("NY").values == ("N", "NA", "U", "Y") and load_codelist("NY").code == "C66742"
    assert load_codelist("SEX").values == ("F", "M", "U", "UNDIFFERENTIATED")
    assert load_codelist("TOXGR").values == ("1", "2", "3", "4", "5")


def test_adam_dates_are_numeric_with_a_sas_date_format():
    """ADaMIG v1.3: *DT variables are SAS numeric dates, *DTM date-times."""
    assert load_spec("ADSL").variable("TRTSDT").format == "DATE9."
    assert load_spec("ADPC").variable("ADTM").format == "DATETIME20."
    assert not load_spec("ADSL").nonnull_required and load_spec("AE").nonnull_required


def test_supp_specs_extend_suppqual_and_list_known_qualifiers():
    assert load_spec("SUPPAE").variables == load_spec("SUPPQUAL").variables
    assert load_spec("SUPPAE").qualifiers["AETRTEM"].codelist == "NY"
    assert set(load_spec("SUPPDM").qualifiers) == {"ITT", "SAFETY", "EFFICACY", "COMPLT8", "COMPLT16", "COMPLT24"}
    assert find_spec("SUPPLB").name == "SUPPQUAL"
    assert find_spec("VS") is None


def test_unknown_spec_and_codelist_are_config_errors():
    with pytest.raises(ConfigError, match=r"^domain: must be one of ADAE, .*, TU; got 'VS'\.$"):
        load_spec("VS")
    with pytest.raises(ConfigError, match=r"^codelist: must be one of 'NY', .*; got 'RACE'\.$"):
        load_codelist("RACE")
