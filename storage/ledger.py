"""Repository for jobs and the append-only credit ledger.

A job and the ledger entry it causes are written in one transaction: creating a job holds
its price; finishing it captures (success) or releases (failure, cancel) that hold. Every
ledger entry has a unique idempotency key, so a repeated write is a no-op, never a second
charge. The available balance is ``SUM(delta)`` over the member's entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

from storage.db import Database

Row = dict[str, Any]
ACTIVE_JOB_STATES = ("queued", "submitted", "running")
FinalState = Literal["succeeded", "failed", "cancelled", "expired"]


@dataclass(frozen=True)
class HoldOutcome:
    """Result of :meth:`LedgerRepository.create_job_with_hold`.

    Attributes:
        job_id: the new job, or the session's already-active job, or ``None``.
        created: a new job was created and its price held.
        available: the member's available credits after the attempt.
    """

    job_id: int | None
    created: bool
    available: int


class LedgerRepository:
    """Jobs and ledger entries in SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def grant(
        self, guild_id: int, user_id: int, amount: int, key: str, note: str, now: datetime
    ) -> bool:
        """Add ``amount`` credits once per ``key``; return whether this call added them."""
        async with self.db.transaction() as conn:
            return await _append(
                conn, guild_id, user_id, "grant", amount, amount, None, key, note, now
            )

    async def available(self, guild_id: int, user_id: int) -> int:
        """Credits the member can spend now (grants − holds + releases)."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(delta), 0) AS n FROM ledger WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return int(row["n"]) if row else 0

    async def held(self, guild_id: int, user_id: int) -> int:
        """Credits held by the member's unfinished jobs."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(l.amount), 0) AS n FROM ledger l JOIN jobs j ON j.id = l.job_id"
            " WHERE l.guild_id = ? AND l.user_id = ? AND l.kind = 'hold'"
            " AND j.state IN (?, ?, ?)",
            (guild_id, user_id, *ACTIVE_JOB_STATES),
        )
        return int(row["n"]) if row else 0

    async def entries(self, guild_id: int, user_id: int, limit: int = 10) -> list[Row]:
        """The member's latest ledger entries, newest first."""
        return await self.db.fetchall(
            "SELECT * FROM ledger WHERE guild_id = ? AND user_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, user_id, limit),
        )

    async def create_job_with_hold(
        self,
        *,
        session_id: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        provider: str,
        request_json: str,
        price: int,
        now: datetime,
    ) -> HoldOutcome:
        """Atomically: unless the session has an active job, and if the member can afford
        ``price``, insert a queued job, hold ``price`` credits and mark the session
        generating. A second call while a job is active returns that job (created=False).
        """
        async with self.db.transaction() as conn:
            active = await _one(
                conn,
                "SELECT id FROM jobs WHERE session_id = ? AND state IN (?, ?, ?)",
                (session_id, *ACTIVE_JOB_STATES),
            )
            available = int(
                (
                    await _one(
                        conn,
                        "SELECT COALESCE(SUM(delta), 0) FROM ledger"
                        " WHERE guild_id = ? AND user_id = ?",
                        (guild_id, user_id),
                    )
                )[0]
            )
            if active is not None:
                return HoldOutcome(int(active[0]), False, available)
            if available < price:
                return HoldOutcome(None, False, available)
            cursor = await conn.execute(
                "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
                " request_json, price, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
                (
                    session_id,
                    guild_id,
                    channel_id,
                    user_id,
                    provider,
                    request_json,
                    price,
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
            job_id = int(cursor.lastrowid or 0)
            await _append(
                conn, guild_id, user_id, "hold", price, -price, job_id, f"job:{job_id}:hold",
                "held at Generate", now,
            )  # fmt: skip
            await conn.execute(
                "UPDATE sessions SET state = 'generating', updated_at = ? WHERE id = ?",
                (now.isoformat(), session_id),
            )
            return HoldOutcome(job_id, True, available - price)

    async def set_job_state(self, job_id: int, state: str, now: datetime) -> None:
        """Move an unfinished job to another unfinished state (queued → submitted → running)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?",
                (state, now.isoformat(), job_id),
            )

    async def finish_job(
        self,
        job_id: int,
        state: FinalState,
        now: datetime,
        *,
        result_path: str | None = None,
        error: str | None = None,
    ) -> bool:
        """Finish an active job in one transaction: capture its hold on success, release it
        otherwise, and reopen its session. Return ``False`` (and change nothing) if the job
        had already finished.
        """
        async with self.db.transaction() as conn:
            job = await _one(conn, "SELECT * FROM jobs WHERE id = ?", (job_id,))
            if job is None or job["state"] not in ACTIVE_JOB_STATES:
                return False
            await conn.execute(
                "UPDATE jobs SET state = ?, result_path = ?, error = ?, updated_at = ?"
                " WHERE id = ?",
                (state, result_path, error, now.isoformat(), job_id),
            )
            price, guild_id, user_id = int(job["price"]), job["guild_id"], job["user_id"]
            if state == "succeeded":
                await _append(
                    conn, guild_id, user_id, "capture", price, 0, job_id,
                    f"job:{job_id}:capture", "captured on success", now,
                )  # fmt: skip
            else:
                await _append(
                    conn, guild_id, user_id, "release", price, price, job_id,
                    f"job:{job_id}:release", f"released: job {state}", now,
                )  # fmt: skip
            await conn.execute(
                "UPDATE sessions SET state = 'open', updated_at = ?"
                " WHERE id = ? AND state = 'generating'",
                (now.isoformat(), job["session_id"]),
            )
            return True

    async def job(self, job_id: int) -> Row | None:
        """One job row, or ``None``."""
        return await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))

    async def active_jobs(self) -> list[Row]:
        """Every unfinished job (for resuming after a restart)."""
        return await self.db.fetchall(
            "SELECT * FROM jobs WHERE state IN (?, ?, ?) ORDER BY id", ACTIVE_JOB_STATES
        )


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> Any:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _append(
    conn: aiosqlite.Connection,
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
    cursor = await conn.execute(
        "INSERT INTO ledger (guild_id, user_id, kind, amount, delta, job_id, idempotency_key,"
        " note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO NOTHING",
        (guild_id, user_id, kind, amount, delta, job_id, key, note, now.isoformat()),
    )
    return cursor.rowcount == 1
