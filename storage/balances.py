"""A member's balance inside a ledger transaction body (synchronous, run on the database's
thread; storage/ledger.py holds the transactions): read it, apply the allowance entries
that are due, and append entries. :func:`append` is the one place ledger rows are written.

A body that reads a balance and then writes by it calls :func:`storage.db.lock_member`
first, so that on PostgreSQL two transactions never act on the same balance at once.
"""

from __future__ import annotations

from datetime import datetime

from storage.db import Connection, execute, lock_member, scalar
from storage.ledger_records import ACTIVE_JOB_STATES, AllowanceEntries, MemberBalance

STARTING_NOTE = "starting allowance"  # the note of the starting grant's entry


def available(conn: Connection, guild_id: int, user_id: int) -> int:
    available = scalar(
        conn,
        "SELECT available FROM ledger_balances WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return int(available or 0)


def held(conn: Connection, guild_id: int, user_id: int) -> int:
    return int(
        scalar(
            conn,
            "SELECT COALESCE(SUM(price), 0) FROM jobs WHERE guild_id = ? AND user_id = ?"
            " AND state IN (?, ?, ?)",
            (guild_id, user_id, *ACTIVE_JOB_STATES),
        )
    )


def balance(conn: Connection, guild_id: int, user_id: int) -> MemberBalance:
    return MemberBalance(available(conn, guild_id, user_id), held(conn, guild_id, user_id))


def due(conn: Connection, keys: tuple[str, ...]) -> bool:
    """Whether any of ``keys`` is not in the ledger yet."""
    if not keys:
        return False
    marks = ", ".join("?" * len(keys))
    present = scalar(conn, f"SELECT COUNT(*) FROM ledger WHERE idempotency_key IN ({marks})", keys)
    return int(present) < len(keys)


def apply_allowance(
    conn: Connection, guild_id: int, user_id: int, allowance: AllowanceEntries, now: datetime
) -> None:
    if allowance.start_grant > 0:
        amount = allowance.start_grant
        append(conn, guild_id, user_id, "grant", amount, amount, None, allowance.start_key,
                STARTING_NOTE, now)  # fmt: skip
    if allowance.refill_key is not None and allowance.refill_amount > 0:
        refill(conn, guild_id, user_id, allowance.refill_amount, allowance.refill_cap,
                allowance.refill_key, now)  # fmt: skip


def refill(
    conn: Connection, guild_id: int, user_id: int, amount: int, cap: int, key: str, now: datetime
) -> int | None:
    lock_member(conn, guild_id, user_id)
    added = max(0, min(amount, cap - available(conn, guild_id, user_id)))
    done = append(conn, guild_id, user_id, "refill", added, added, None, key,
                   "periodic refill", now)  # fmt: skip
    return added if done else None


def append(
    conn: Connection,
    guild_id: int,
    user_id: int,
    kind: str,
    amount: int,
    delta: int,
    job_id: int | None,
    key: str,
    note: str,
    now: datetime,
) -> bool:
    """Insert one entry unless its key exists, and move the member's running balance by
    its delta; return whether it was inserted. The one place ledger rows are written."""
    inserted = execute(
        conn,
        "INSERT INTO ledger (guild_id, user_id, kind, amount, delta, job_id,"
        " idempotency_key, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO NOTHING",
        (guild_id, user_id, kind, amount, delta, job_id, key, note, now.isoformat()),
    )
    if inserted != 1:
        return False
    execute(
        conn,
        "INSERT INTO ledger_balances (guild_id, user_id, available) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " available = ledger_balances.available + excluded.available",
        (guild_id, user_id, delta),
    )
    return True
