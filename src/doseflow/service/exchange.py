"""Export a trial as a zip bundle (trial.json, CSV tables, audit trail) or as SDTM; import a bundle.

Bundle contents: ``trial.json`` (the trial document), ``patients.csv``,
``assessments.csv``, ``decisions.csv`` (:mod:`doseflow.conduct.exchange`) and
``audit.csv`` (the trial's audit chain: seq, at, actor, entity, entity_id, action,
before, after, reason, prev_hash, hash). An import checks the audit chain of the file
(:func:`~doseflow.service.store.audit_chain.find_break`) and the CSV tables against
``trial.json``, then stores the trial under a new id with the imported audit entries as
the start of its chain and one more entry recording the import.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy import Engine, insert, select

from doseflow.conduct.audit import AuditEvent
from doseflow.conduct.exchange import TABLES, check_tables, write_csv
from doseflow.conduct.sdtm import write_sdtm
from doseflow.conduct.trial import Trial
from doseflow.errors import InputError
from doseflow.service.store.audit_chain import append_event, canonical_json, find_break, read_chain
from doseflow.service.store.engine import read_transaction, write_transaction
from doseflow.service.store.schema import audit, audit_heads, memberships, trials
from doseflow.service.store.accounts import User

__all__ = ["export_bundle", "export_sdtm", "import_bundle", "AUDIT_COLUMNS"]

AUDIT_COLUMNS = ["seq", "at", "actor", "entity", "entity_id", "action", "before", "after", "reason", "prev_hash",
                 "hash"]
_MAX_BUNDLE = 50 * 1024 * 1024


def export_bundle(engine: Engine, trial_id: int) -> bytes:
    """The zip bundle of the trial (see the module docstring)."""
    with read_transaction(engine) as conn:
        row = conn.execute(select(trials).where(trials.c.id == trial_id)).one()
        entries = read_chain(conn, trial_id)
    trial = Trial.from_dict(json.loads(row.document))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("trial.json", json.dumps(trial.to_dict(), indent=1, sort_keys=True))
        for name, (tabulate, columns) in TABLES.items():
            zf.writestr(name, write_csv(tabulate(trial), columns))
        zf.writestr("audit.csv", write_csv([{k: str(e[k]) for k in AUDIT_COLUMNS} for e in entries], AUDIT_COLUMNS))
    return buffer.getvalue()


def export_sdtm(trial: Trial) -> bytes:
    """A zip of the trial's SDTM DM, EX, AE and SUPPAE as CSV (``doseflow analyze`` reads the folder)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in write_sdtm(trial, Path(tmp)):
            zf.write(path, path.name)
    return buffer.getvalue()


def _read_bundle(data: bytes) -> dict[str, str]:
    if len(data) > _MAX_BUNDLE:
        raise InputError("bundle", f"a zip file of at most {_MAX_BUNDLE // 2**20} MiB", f"{len(data)} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            files = {}
            for name in ("trial.json", "audit.csv", *TABLES):
                if name not in names:
                    raise InputError(name, "present in the export bundle", None)
                if zf.getinfo(name).file_size > _MAX_BUNDLE:
                    raise InputError(name, f"at most {_MAX_BUNDLE // 2**20} MiB", zf.getinfo(name).file_size)
                files[name] = zf.read(name).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError):
        raise InputError("bundle", "a zip file written by doseflow's export", "unreadable data") from None
    return files


def _audit_entries(text: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text)))
    for i, row in enumerate(rows, start=2):
        if set(row) != set(AUDIT_COLUMNS) or not str(row["seq"]).isdigit():
            raise InputError(f"audit.csv line {i}", "a row with the columns " + ", ".join(AUDIT_COLUMNS), row)
        row["seq"] = int(row["seq"])
    found = find_break(rows, None)
    if found is not None:
        raise InputError(f"audit.csv entry {found[0]}", "an intact audit chain", found[1])
    return rows


def import_bundle(engine: Engine, data: bytes, user: User, at: str) -> int:
    """Store the trial of a bundle under a new id (the importer becomes its admin); returns the id.

    Raises
    ------
    InputError
        For a file that is not a doseflow bundle, a broken audit chain (naming the entry),
        CSV tables that differ from trial.json (naming file and line), or a protocol id
        already in the database.
    """
    files = _read_bundle(data)
    try:
        document = json.loads(files["trial.json"])
    except json.JSONDecodeError as exc:
        raise InputError(f"trial.json line {exc.lineno}", "JSON", exc.msg) from None
    trial = Trial.from_dict(document)
    check_tables(trial, files)
    entries = _audit_entries(files["audit.csv"])
    with write_transaction(engine) as conn:
        if conn.execute(select(trials.c.id).where(trials.c.protocol_id == trial.protocol_id)).first() is not None:
            raise InputError("protocol_id", "a protocol id not used by another trial in this database",
                             trial.protocol_id)
        trial_id = conn.execute(insert(trials).values(
            protocol_id=trial.protocol_id, row_version=1, document=canonical_json(trial.to_dict()),
            updated_at=at)).inserted_primary_key[0]
        for e in entries:
            conn.execute(insert(audit).values(chain=trial_id, **e))
        if entries:
            conn.execute(insert(audit_heads).values(chain=trial_id, seq=entries[-1]["seq"], hash=entries[-1]["hash"]))
        conn.execute(insert(memberships).values(user_id=user.id, trial_id=trial_id, role="admin"))
        append_event(conn, trial_id, AuditEvent(user.username, at, "trial", trial.protocol_id, "import", None,
                                                {"audit_entries": len(entries), "patients": trial.state.n_patients,
                                                 "admin": user.username},
                                                "imported from an export bundle; the importer is the trial's admin"))
        return int(trial_id)
