"""Merge SUPP-- supplemental qualifiers onto their parent domain, one column per QNAM.

SDTMIG v3.4 §8.4 keeps non-standard variables in a SUPP-- dataset, one row per qualifier
value: USUBJID and IDVAR/IDVARVAL identify the parent record(s), QNAM names the qualifier and
QVAL holds its value. :func:`merge_supp` turns those rows back into columns of the parent
(SDTMIG v3.4 §8.4.1, "the values in the SUPP-- dataset ... can be merged back onto the parent
records").

Rules
-----
* IDVAR empty: the qualifier applies to every record of the subject (subject level, e.g.
  SUPPDM population flags); otherwise to the parent records whose IDVAR equals IDVARVAL
  (IDVAR may be --SEQ, --GRPID, --SPID, ...). IDVARVAL is text; it is compared as a number
  when the parent's IDVAR column is numeric, so ``"1"`` matches AESEQ ``1.0``.
* A QNAM that is already a column of the parent is an error, never an overwrite.
* A SUPP-- row whose key matches no parent record is an error, never a silent drop.
* Two values of one QNAM for the same parent record is an error.
* Parent records without a qualifier get None. QVAL stays text unless the SUPP-- spec
  declares the QNAM ``num`` (then float64).

Examples
--------
>>> import pandas as pd
>>> ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESEQ": [1.0, 2.0, 1.0]})
>>> supp = pd.DataFrame({"USUBJID": ["1", "2"], "IDVAR": ["AESEQ", "AESEQ"],
...                      "IDVARVAL": ["2", "1"], "QNAM": ["AETRTEM", "AETRTEM"],
...                      "QVAL": ["Y", "N"], "QLABEL": ["Treatment Emergent Flag"] * 2})
>>> merge_supp(ae, supp)["AETRTEM"].tolist()
[None, 'Y', 'N']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.cdisc.spec import find_spec
from doseflow.errors import DataError

__all__ = ["merge_supp"]


def _key_values(parent_col: pd.Series, idvarval: pd.Series, where_row, idvar: str) -> tuple[pd.Series, pd.Series]:
    """Parent key and SUPP-- IDVARVAL in one comparable type (float if the parent is numeric)."""
    if pd.api.types.is_numeric_dtype(parent_col.dtype):
        text = idvarval.astype(object)
        num = pd.to_numeric(text, errors="coerce")
        bad = (num.isna() & text.notna()).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                where_row(idvarval.index[pos], "IDVARVAL"), f"a number, as {idvar} is numeric", text.iloc[pos]
            )
        return parent_col.astype("float64"), num.astype("float64")
    parent_text = parent_col.astype(object).where(parent_col.isna(), parent_col.astype(str).str.strip())
    supp_text = idvarval.astype(object).where(idvarval.isna(), idvarval.astype(str).str.strip())
    return parent_text, supp_text


def merge_supp(parent: pd.DataFrame, supp: pd.DataFrame) -> pd.DataFrame:
    """Add one column per SUPP-- QNAM to ``parent``, keyed by USUBJID + IDVAR/IDVARVAL.

    Parameters
    ----------
    parent : pandas.DataFrame
        The parent domain (e.g. AE), with USUBJID and every variable named in IDVAR.
    supp : pandas.DataFrame
        Its SUPP-- dataset (e.g. SUPPAE) with USUBJID, QNAM, QVAL and optionally IDVAR,
        IDVARVAL, QLABEL. ``attrs["source"]``/``attrs["first_row"]``, set by the readers, name
        rows in messages.

    Returns
    -------
    pandas.DataFrame
        A copy of ``parent`` (same rows, same order) with the QNAM columns appended in order of
        first appearance; ``attrs["labels"]`` gains each QNAM's QLABEL.

    Raises
    ------
    DataError
        If a QNAM would overwrite a parent column, IDVAR names no parent variable, a SUPP--
        row matches no parent record, or a record gets two values of one QNAM.

    Notes
    -----
    CDISC SDTMIG v3.4 §8.4 (Relating non-standard variable values to a parent domain) and
    §8.4.1 (SUPP-- datasets).
    """
    psource = parent.attrs.get("source", "the parent data")
    ssource = supp.attrs.get("source", "the SUPP-- data")
    first_row = supp.attrs.get("first_row", 1)
    supp = supp.reset_index(drop=True)

    def where_row(pos: int, columns: str) -> str:
        return f"{ssource} row {pos + first_row}, column{'s' if ',' in columns else ''} {columns}"

    for frame, source, needed in ((parent, psource, ["USUBJID"]), (supp, ssource, ["USUBJID", "QNAM", "QVAL"])):
        absent = [c for c in needed if c not in frame.columns]
        if absent:
            raise DataError(source, "a dataset with " + ", ".join(needed), "no column " + ", ".join(absent))
    qnams = list(pd.unique(supp["QNAM"].dropna()))
    for q in qnams:
        if q in parent.columns:
            pos = int(np.flatnonzero((supp["QNAM"] == q).to_numpy())[0])
            raise DataError(
                where_row(pos, "QNAM"),
                f"a name that is not already a column of {psource}",
                q,
                "Rename the qualifier or drop the parent column before merging.",
            )
    idvar = supp["IDVAR"] if "IDVAR" in supp.columns else pd.Series([None] * len(supp), dtype=object)
    idvar = idvar.astype(object).where(idvar.notna(), "").astype(str).str.strip()
    idvarval = supp["IDVARVAL"] if "IDVARVAL" in supp.columns else pd.Series([None] * len(supp), dtype=object)
    matches = []
    for var in pd.unique(idvar):
        rows = supp[(idvar == var).to_numpy()]
        if var == "":
            left = pd.DataFrame({"USUBJID": parent["USUBJID"].to_numpy(), "_pos": np.arange(len(parent))})
            right = pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "_spos": rows.index.to_numpy()})
            on, key_cols = ["USUBJID"], "USUBJID"
        else:
            if var not in parent.columns:
                raise DataError(where_row(int(rows.index[0]), "IDVAR"), f"a variable of {psource}", var)
            pkey, skey = _key_values(parent[var], idvarval[rows.index], where_row, var)
            left = pd.DataFrame({"USUBJID": parent["USUBJID"].to_numpy(), "_key": pkey.to_numpy(), "_pos": np.arange(len(parent))})
            right = pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "_key": skey.to_numpy(), "_spos": rows.index.to_numpy()})
            on, key_cols = ["USUBJID", "_key"], "USUBJID, IDVAR, IDVARVAL"
        merged = right.merge(left, on=on, how="left")
        unmatched = merged["_pos"].isna().to_numpy()
        if unmatched.any():
            spos = int(merged["_spos"].to_numpy()[unmatched][0])
            key = supp.loc[spos, "USUBJID"] if var == "" else (
                supp.loc[spos, "USUBJID"], var, idvarval.iloc[spos]
            )
            raise DataError(
                where_row(spos, key_cols),
                f"the key of a record in {psource}",
                key,
                "A supplemental qualifier must belong to a parent record.",
            )
        matches.append(merged[["_spos", "_pos"]])
    link = pd.concat(matches, ignore_index=True) if matches else pd.DataFrame({"_spos": [], "_pos": []})
    link["QNAM"] = supp["QNAM"].to_numpy()[link["_spos"].to_numpy(dtype=int)]
    link = link.sort_values("_spos", kind="stable")
    twice = link.duplicated(["QNAM", "_pos"], keep="first").to_numpy()
    if twice.any():
        spos = int(link["_spos"].to_numpy()[twice][0])
        raise DataError(
            where_row(spos, "USUBJID, IDVAR, IDVARVAL, QNAM"),
            f"the only value of its QNAM for a record of {psource}",
            (supp.loc[spos, "USUBJID"], idvar.iloc[spos], idvarval.iloc[spos], supp.loc[spos, "QNAM"]),
        )
    spec = find_spec(supp.attrs.get("domain") or "SUPPQUAL")
    out = parent.copy()
    labels = dict(parent.attrs.get("labels", {}))
    for q in qnams:
        sel = link[link["QNAM"] == q]
        values = np.full(len(parent), None, dtype=object)
        values[sel["_pos"].to_numpy(dtype=int)] = supp["QVAL"].to_numpy()[sel["_spos"].to_numpy(dtype=int)]
        column = pd.Series(values, index=parent.index, dtype=object)
        qspec = spec.qualifiers.get(q) if spec is not None else None
        if qspec is not None and qspec.type == "num":
            number = pd.to_numeric(column, errors="coerce").astype("float64")
            bad = (number.isna() & column.notna()).to_numpy()
            if bad.any():
                pos = int(sel["_spos"].to_numpy(dtype=int)[np.isin(sel["_pos"].to_numpy(dtype=int), np.flatnonzero(bad))][0])
                raise DataError(where_row(pos, "QVAL"), f"a number (QNAM {q} is numeric)", supp.loc[pos, "QVAL"])
            column = number
        out[q] = column
        if "QLABEL" in supp.columns:
            label = supp.loc[supp["QNAM"] == q, "QLABEL"].dropna()
            if len(label):
                labels[q] = label.iloc[0]
    out.attrs = {**parent.attrs, "labels": labels}
    return out
