"""Real server processes on SQLite and PostgreSQL: concurrent enrolments into a cohort's last slot,
and a SIGKILL in the middle of a burst of writes.

The figures (enrolments attempted and granted; writes acknowledged and found after the kill)
are printed, and asserted: exactly one enrolment into the last slot; every acknowledged write
present after the restart, no partial record, the audit chain intact.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from cli_runner import run_cli
from conftest import AT, ServerProcess, add_users
from doseflow.service import actions
from doseflow.service.server import prepare_database
from doseflow.service.store import accounts
from doseflow.service.store.audit_chain import read_chain
from doseflow.service.store.engine import read_transaction
from doseflow.service.store.trials import load_trial

CONTENDERS = 24
TRIALS = 12


def _world(url, n_trials):
    engine, _ = prepare_database(url)
    users = add_users(engine)
    ctx = actions.Context(engine, lambda: AT)
    ids = []
    for i in range(n_trials):
        tid = actions.create_trial(ctx, users["ann"], protocol_id=f"C-{i + 1}", title="", design={"design": "3+3"},
                                   levels=[{"amount": a, "unit": "mg"} for a in (1, 2, 3)], dlt_window_days=21)
        accounts.grant_role(engine, tid, "data-manager", "data_manager", actor="ann", at=AT)
        ids.append(tid)
    token = accounts.create_api_token(engine, users["data_manager"], "load", AT)
    return engine, ctx, users, ids, {"Authorization": f"Bearer {token}"}


def test_concurrent_enrolment_into_the_last_slot(db_url):
    engine, ctx, users, (tid,), auth = _world(db_url, 1)
    for _ in range(2):
        actions.enrol(ctx, users["data_manager"], tid, day=0)
    servers = [s.wait() for s in [ServerProcess(db_url).launch() for _ in range(2)]]
    barrier = threading.Barrier(CONTENDERS)

    def contend(i: int) -> int:
        with httpx.Client(base_url=servers[i % 2].base, headers=auth, timeout=60) as client:
            barrier.wait()
            return client.post(f"/api/trials/{tid}/patients", json={"patient_id": f"X{i}", "day": 1}).status_code

    try:
        with ThreadPoolExecutor(CONTENDERS) as pool:
            codes = list(pool.map(contend, range(CONTENDERS)))
    finally:
        for server in servers:
            server.stop()
    granted = codes.count(201)
    print(f"\n[{engine.dialect.name}] last-slot enrolments attempted {CONTENDERS}, granted {granted}, "
          f"refused 409: {codes.count(409)}")
    assert granted == 1 and codes.count(409) == CONTENDERS - 1, codes
    trial = load_trial(engine, tid).trial
    assert trial.state.n_patients == 3 and trial.enrolled_in_cohort() == 3
    assert run_cli("audit", "verify", "--db", db_url).exit_code == 0


def test_sigkill_during_a_burst_of_writes(db_url):
    engine, ctx, users, ids, auth = _world(db_url, TRIALS)
    server = ServerProcess(db_url).start()
    acknowledged: list[tuple[int, str, str]] = []  # (trial, patient, "enrol" | "close")
    lock = threading.Lock()
    stop = threading.Event()

    def worker(trial_ids: list[int]) -> None:
        with httpx.Client(base_url=server.base, headers=auth, timeout=30) as client:
            for tid in trial_ids:
                for _ in range(3):
                    if stop.is_set():
                        return
                    try:
                        r = client.post(f"/api/trials/{tid}/patients", json={"day": 0})
                        if r.status_code != 201:
                            return
                        pid = r.json()["trial"]["subjects"][-1]["patient_id"]
                        with lock:
                            acknowledged.append((tid, pid, "enrol"))
                        r = client.post(f"/api/trials/{tid}/patients/{pid}/close-window", json={"day": 21})
                        if r.status_code != 200:
                            return
                        with lock:
                            acknowledged.append((tid, pid, "close"))
                    except httpx.HTTPError:
                        return

    threads = [threading.Thread(target=worker, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 120
    while len(acknowledged) < 30 and time.time() < deadline:
        time.sleep(0.005)
    server.kill()  # SIGKILL with requests in flight
    stop.set()
    for t in threads:
        t.join(60)
    acked = list(acknowledged)
    assert len(acked) >= 30

    restarted = ServerProcess(db_url).start()
    try:
        found_writes = 0
        with httpx.Client(base_url=restarted.base, headers=auth) as client:
            docs = {tid: client.get(f"/api/trials/{tid}").json()["trial"] for tid in ids}
        for tid, pid, kind in acked:
            subject = next((s for s in docs[tid]["subjects"] if s["patient_id"] == pid), None)
            assert subject is not None, f"acknowledged enrolment {pid} of trial {tid} lost"
            if kind == "close":
                assert subject["window_closed_day"] == 21, f"acknowledged closing of {pid} lost"
        with read_transaction(engine) as conn:
            for tid in ids:
                chain = read_chain(conn, tid)
                enrols = [json.loads(e["after"])["record"]["id"] for e in chain if e["action"] == "enrol"]
                closes = [e["entity_id"] for e in chain if e["action"] == "close_window"]
                doc = docs[tid]
                # no partial record: the trial document and its audit trail agree entry for entry
                assert enrols == [r["id"] for r in doc["state"]["records"]]
                assert sorted(closes) == sorted(s["patient_id"] for s in doc["subjects"]
                                                if s["window_closed_day"] is not None)
                assert all(r["dlt"] is False for r in doc["state"]["records"] if r["id"] in closes)
                found_writes += len(enrols) + len(closes)
        print(f"\n[{engine.dialect.name}] writes acknowledged before SIGKILL {len(acked)}, "
              f"writes found after restart {found_writes} (acknowledged ones all present)")
        assert found_writes >= len(acked)
        verify = run_cli("audit", "verify", "--db", db_url)
        assert verify.exit_code == 0, verify.stderr
    finally:
        restarted.stop()
