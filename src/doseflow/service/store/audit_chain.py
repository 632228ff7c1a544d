"""The append-only audit trail, chained by SHA-256 so that an edit, deletion or reordering is detected.

Each trial has its own chain (``chain`` = the trial's row id; chain 0 holds events that
belong to no trial: users and their admin rights). Entry ``seq`` of a chain stores the
hash of entry ``seq - 1`` (64 zeros for the first) and its own hash::

    hash_k = SHA-256( hash_{k-1} || canonical JSON of entry k )

where the canonical JSON has sorted keys, no spaces and holds every column but the chain
and the two hashes (seq, at, actor, entity, entity_id, action, before, after, reason), so a
trial's chain verifies on its own wherever it is exported to. The
head of each chain (last seq and hash) is kept in ``audit_heads``, so the deletion of the
last entries is detected too. This is the construction of a hash chain (Haber and
Stornetta 1991, "How to time-stamp a digital document", J Cryptology 3:99-111) without
the external time-stamping service.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from doseflow.conduct.audit import AuditEvent
from doseflow.service.store.schema import audit, audit_heads

__all__ = ["GENESIS", "AuditCheck", "append_event", "compute_entry_hash", "canonical_json", "find_break", "read_chain",
           "verify_audit"]

GENESIS = "0" * 64
_HASHED = ("seq", "at", "actor", "entity", "entity_id", "action", "before", "after", "reason")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the text that is stored and hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def compute_entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """``SHA-256(prev_hash || canonical JSON of the entry's hashed columns)`` as 64 hex digits."""
    body = canonical_json({k: entry[k] for k in _HASHED})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append_event(conn: Connection, chain: int, event: AuditEvent) -> int:
    """Append ``event`` to ``chain`` inside the caller's transaction; returns its sequence number.

    The chain's head row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's write
    transaction already holds the database lock), so concurrent appends are serialised.
    """
    head = conn.execute(select(audit_heads).where(audit_heads.c.chain == chain).with_for_update()).one_or_none()
    seq, prev = (head.seq, head.hash) if head is not None else (0, GENESIS)
    entry = {
        "chain": chain, "seq": seq + 1, "at": event.at, "actor": event.actor, "entity": event.entity,
        "entity_id": str(event.entity_id), "action": event.action, "before": canonical_json(event.before),
        "after": canonical_json(event.after), "reason": event.reason or "",
    }
    digest = compute_entry_hash(prev, entry)
    conn.execute(insert(audit).values(**entry, prev_hash=prev, hash=digest))
    if head is None:
        conn.execute(insert(audit_heads).values(chain=chain, seq=seq + 1, hash=digest))
    else:
        conn.execute(update(audit_heads).where(audit_heads.c.chain == chain).values(seq=seq + 1, hash=digest))
    return seq + 1


@dataclass(frozen=True, slots=True)
class AuditCheck:
    """The result of :func:`verify_audit`: entries checked per chain and the first broken entry."""

    entries: int
    chains: int
    broken_chain: int | None = None
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_chain is None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "chains": self.chains, "broken_chain": self.broken_chain,
                "broken_seq": self.broken_seq, "problem": self.problem}


def find_break(entries: list[dict[str, Any]], head: tuple[int, str] | None) -> tuple[int, str] | None:
    """The first broken entry of one chain as (seq, problem), or None when the chain is intact.

    ``entries`` are the chain's rows in ``seq`` order; ``head`` its recorded (seq, hash)
    (None: check the entries alone, as for an exported audit trail). In order: the numbers
    run 1, 2, 3, ... without gap (a gap is a deleted entry); each entry's ``prev_hash``
    equals the previous entry's hash (else an entry was reordered, inserted or deleted);
    each entry's hash matches its content (else it was edited); the head matches the last
    entry (else the last entries were deleted, or entries appended outside doseflow).
    """
    prev, expected = GENESIS, 1
    for row in entries:
        seq = int(row["seq"])
        if seq != expected:
            return expected, (f"entry {expected} is missing: the sequence jumps from {expected - 1} to {seq} "
                              "(deleted or renumbered)")
        if row["prev_hash"] != prev:
            return seq, (f"entry {seq} does not follow entry {seq - 1}: its previous-entry hash differs "
                         "(reordered, inserted or an earlier entry replaced)")
        if compute_entry_hash(prev, dict(row)) != row["hash"]:
            return seq, f"entry {seq} does not match its hash: its content was edited"
        prev, expected = row["hash"], expected + 1
    last = expected - 1
    if head is not None and (head[0] != last or head[1] != prev):
        return max(last, 1), (f"the chain ends at entry {last} but its head records entry {head[0]} "
                              "(entries deleted from the end, or appended outside doseflow)")
    return None


def read_chain(conn: Connection, chain: int) -> list[dict[str, Any]]:
    """The entries of ``chain`` in order, as dicts of their columns (``before``/``after`` as stored text)."""
    rows = conn.execute(select(audit).where(audit.c.chain == chain).order_by(audit.c.seq)).mappings().all()
    return [dict(r) for r in rows]


def verify_audit(conn: Connection) -> AuditCheck:
    """Check every chain (see :func:`find_break`); report the first broken entry, lowest chain first."""
    heads = {r.chain: (r.seq, r.hash) for r in conn.execute(select(audit_heads))}
    rows = conn.execute(select(audit).order_by(audit.c.chain, audit.c.seq)).mappings().all()
    by_chain: dict[int, list] = {}
    for row in rows:
        by_chain.setdefault(row["chain"], []).append(row)
    chains = sorted(set(by_chain) | set(heads))
    for chain in chains:
        found = find_break(by_chain.get(chain, []), heads.get(chain, (0, GENESIS)))
        if found is not None:
            return AuditCheck(len(rows), len(chains), chain, found[0], found[1])
    return AuditCheck(len(rows), len(chains))
