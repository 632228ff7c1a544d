"""The store on SQLite and PostgreSQL: migrations, one transaction per change with its audit entry,
append-only audit enforced by the database, export and import round trip."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from conftest import AT, add_users
from doseflow.conduct.patients import enrol_patient
from doseflow.errors import InputError, StateTransitionError
from doseflow.service import actions
from doseflow.service.exchange import export_bundle, import_bundle
from doseflow.service.server import prepare_database
from doseflow.service.store.audit_chain import GENESIS, compute_entry_hash, read_chain, verify_audit
from doseflow.service.store.engine import make_engine, normalise_url, read_transaction, write_transaction
from doseflow.service.store.migrate import current_revision, head_revision, upgrade_database
from doseflow.service.store.schema import trials
from doseflow.service.store.trials import change_trial, load_trial


def _setup(url):
    engine, _ = prepare_database(url)
    users = add_users(engine)
    ctx = actions.Context(engine, lambda: AT)
    tid = actions.create_trial(ctx, users["ann"], protocol_id="S-1", title="store", design={"design": "3+3"},
                               levels=[{"amount": a, "unit": "mg"} for a in (1, 2, 3)], dlt_window_days=21)
    return engine, users, ctx, tid


def test_migration_creates_schema_once(db_url):
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert upgrade_database(engine) == head_revision() == "0001"
    assert upgrade_database(engine) == "0001"  # idempotent


def test_change_is_one_transaction_with_its_audit_entry(db_url):
    engine, users, ctx, tid = _setup(db_url)
    before = load_trial(engine, tid)

    def failing(trial):
        raise StateTransitionError("refused on purpose")

    with pytest.raises(StateTransitionError):
        change_trial(engine, tid, failing)
    with read_transaction(engine) as conn:
        n_audit = len(read_chain(conn, tid))
    stored = change_trial(engine, tid, lambda t: enrol_patient(t, actor="ann", at=AT, day=0))
    assert stored.row_version == before.row_version + 1
    with read_transaction(engine) as conn:
        chain = read_chain(conn, tid)
        doc = json.loads(conn.execute(select(trials.c.document).where(trials.c.id == tid)).scalar_one())
    assert len(chain) == n_audit + 1
    assert chain[-1]["action"] == "enrol" and json.loads(chain[-1]["after"])["record"]["id"] == "P1"
    assert [r["id"] for r in doc["state"]["records"]] == ["P1"]
    # the stored hash is the chain hash of the stored content
    assert chain[0]["prev_hash"] == GENESIS
    assert chain[-1]["hash"] == compute_entry_hash(chain[-2]["hash"], chain[-1])


@pytest.mark.parametrize("statement", ["UPDATE audit SET reason = 'x' WHERE seq = 1", "DELETE FROM audit WHERE seq = 1"])
def test_database_refuses_update_and_delete_of_audit(db_url, statement):
    engine, users, ctx, tid = _setup(db_url)
    with pytest.raises(DBAPIError, match="append-only"):
        with write_transaction(engine) as conn:
            conn.execute(text(statement))
    with read_transaction(engine) as conn:
        assert verify_audit(conn).ok


def test_export_import_round_trip(db_url, sqlite_url):
    engine, users, ctx, tid = _setup(db_url)
    dm = users["ann"]
    from doseflow.service.store import accounts
    for role in ("data_manager", "safety_reviewer"):
        accounts.grant_role(engine, tid, "ann", role, actor="ann", at=AT)
    for _ in range(3):
        actions.enrol(ctx, dm, tid, day=0)
    actions.record_assessment(ctx, dm, tid, "P2", dlt=False, term="Nausea", grade=2, onset_day=3)
    actions.correct_assessment(ctx, dm, tid, "A1", dlt=False, term="Nausea", grade=1, onset_day=3, reason="typo")
    for pid in ("P1", "P2", "P3"):
        actions.close_window(ctx, dm, tid, pid, 21)
    actions.sign_decision(ctx, dm, tid, password="correct horse battery", client="t", accept=True)
    bundle = export_bundle(engine, tid)
    other, _ = prepare_database(sqlite_url)
    importer = add_users(other)["ann"]
    new_id = import_bundle(other, bundle, importer, AT)
    original, copy = load_trial(engine, tid).trial, load_trial(other, new_id).trial
    assert copy == original
    assert copy.decisions[0].signature["printed_name"] == "Ann Admin"
    with read_transaction(engine) as a, read_transaction(other) as b:
        old_chain, new_chain = read_chain(a, tid), read_chain(b, new_id)
        assert verify_audit(b).ok
    assert [e["hash"] for e in new_chain[:-1]] == [e["hash"] for e in old_chain]
    assert new_chain[-1]["action"] == "import"
    correction = next(e for e in old_chain if e["action"] == "correct")
    assert json.loads(correction["before"])["assessment"]["grade"] == 2  # the old value stays
    assert export_bundle(other, new_id) != b""


def test_import_refuses_tampered_bundles(sqlite_url, tmp_path):
    import io
    import zipfile

    engine, users, ctx, tid = _setup(sqlite_url)
    bundle = export_bundle(engine, tid)

    def edit(name, change):
        zin = zipfile.ZipFile(io.BytesIO(bundle))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zout:
            for item in zin.namelist():
                data = zin.read(item).decode()
                zout.writestr(item, change(data) if item == name else data)
        return out.getvalue()

    other, _ = prepare_database(f"sqlite:///{tmp_path / 'other.db'}")
    importer = add_users(other)["ann"]
    with pytest.raises(InputError, match=r"audit.csv entry 2: must be an intact audit chain; got .entry 2 does not match its hash"):
        import_bundle(other, edit("audit.csv", lambda d: d.replace("trial creator", "someone else")), importer, AT)
    with pytest.raises(InputError, match=r"patients.csv line 1: must be 'patient_id,"):
        import_bundle(other, edit("patients.csv", lambda d: "patient_id,level\nP9,3\n"), importer, AT)
    with pytest.raises(InputError, match="trial.json line 1: must be JSON"):
        import_bundle(other, edit("trial.json", lambda d: "{"), importer, AT)
    with pytest.raises(InputError, match="bundle: must be a zip file"):
        import_bundle(other, b"not a zip", importer, AT)


def test_urls():
    assert normalise_url("trial.db") == "sqlite:///trial.db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(InputError, match="--db: must be a SQLite or PostgreSQL URL"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(InputError, match="in-memory"):
        normalise_url("sqlite://")
