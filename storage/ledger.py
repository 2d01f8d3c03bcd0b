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

from bot.generation.job import Job
from storage.db import Database

Row = dict[str, Any]
ACTIVE_JOB_STATES = ("queued", "submitted", "running")
FinalState = Literal["succeeded", "failed", "cancelled", "expired"]


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry.

    Attributes:
        kind: grant, revoke, refill, adjust, hold, capture or release.
        amount: the credits the entry is about (≥ 0); delta: its effect on the available
            balance (grant/refill +, revoke −, adjust ±, hold −, release +, capture 0).
        job_id: the job it belongs to, if any. note: why, in words.
        created_at: when (UTC).
    """

    id: int
    guild_id: int
    user_id: int
    kind: str
    amount: int
    delta: int
    job_id: int | None
    note: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> LedgerEntry:
        """Build from a ledger row."""
        return cls(
            id=int(row["id"]),
            guild_id=int(row["guild_id"]),
            user_id=int(row["user_id"]),
            kind=row["kind"],
            amount=int(row["amount"]),
            delta=int(row["delta"]),
            job_id=row["job_id"],
            note=row["note"],
            created_at=datetime.fromisoformat(row["created_at"]),
        )


@dataclass(frozen=True)
class HoldLimits:
    """Per-member caps checked in the same transaction as the hold (``None``: no cap).

    Attributes:
        videos_per_day / seconds_per_day: jobs and output seconds since ``day_start``
            (failed, cancelled and expired jobs do not count).
        concurrent_jobs: unfinished jobs at once.
        cooldown_s: seconds since the member's previous job.
        day_start: start of the current UTC day.
    """

    day_start: datetime
    videos_per_day: int | None = None
    seconds_per_day: int | None = None
    concurrent_jobs: int | None = None
    cooldown_s: int | None = None


Refusal = Literal["busy", "balance", "videos_per_day", "seconds_per_day", "concurrent", "cooldown"]


@dataclass(frozen=True)
class HoldOutcome:
    """Result of :meth:`LedgerRepository.create_job_with_hold`.

    Attributes:
        job_id: the new job, or the session's already-active job (refused "busy"), or ``None``.
        created: a new job was created and its price held.
        available: the member's available credits after the attempt.
        refused: why nothing was created, or ``None``.
        detail: the measured value behind a cap refusal (count, seconds, or seconds to wait).
    """

    job_id: int | None
    created: bool
    available: int
    refused: Refusal | None = None
    detail: float = 0.0


class LedgerRepository:
    """Jobs and ledger entries in SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def grant(
        self, guild_id: int, user_id: int, amount: int, key: str, note: str, now: datetime
    ) -> bool:
        """Add ``amount`` credits once per ``key``; return whether this call added them."""
        return await self.append(guild_id, user_id, "grant", amount, amount, key, note, now)

    async def append(
        self,
        guild_id: int,
        user_id: int,
        kind: str,
        amount: int,
        delta: int,
        key: str,
        note: str,
        now: datetime,
    ) -> bool:
        """Append one entry once per ``key`` (grant, revoke, adjust…); return whether added."""
        async with self.db.transaction() as conn:
            return await _append(conn, guild_id, user_id, kind, amount, delta, None, key, note, now)

    async def set_balance(
        self, guild_id: int, user_id: int, target: int, key: str, note: str, now: datetime
    ) -> int:
        """Adjust the available balance to ``target`` atomically; return the delta applied."""
        async with self.db.transaction() as conn:
            available = await _available(conn, guild_id, user_id)
            delta = target - available
            await _append(
                conn, guild_id, user_id, "adjust", abs(delta), delta, None, key, note, now
            )
            return delta

    async def refill(
        self, guild_id: int, user_id: int, amount: int, cap: int, key: str, now: datetime
    ) -> int | None:
        """Once per ``key``, add up to ``amount`` credits without passing ``cap``.

        Returns the credits added, or ``None`` when this period's refill already happened.
        """
        async with self.db.transaction() as conn:
            available = await _available(conn, guild_id, user_id)
            added = max(0, min(amount, cap - available))
            done = await _append(
                conn, guild_id, user_id, "refill", added, added, None, key, "periodic refill", now
            )
            return added if done else None

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

    async def entries(self, guild_id: int, user_id: int, limit: int = 10) -> list[LedgerEntry]:
        """The member's latest ledger entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM ledger WHERE guild_id = ? AND user_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, user_id, limit),
        )
        return [LedgerEntry.from_row(row) for row in rows]

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
        model: str = "standard",
        duration_s: int = 0,
        resolution: str = "720p",
        limits: HoldLimits | None = None,
        deadline_at: datetime | None = None,
        kind: str = "generate",
        parent_job_id: int | None = None,
    ) -> HoldOutcome:
        """Atomically: unless the session has an active job, a cap is reached, or the member
        cannot afford ``price``, insert a queued job, hold ``price`` credits and mark the
        session generating. Checks and writes share one ``BEGIN IMMEDIATE`` transaction, so
        concurrent calls never overspend or pass a cap.
        """
        async with self.db.transaction() as conn:
            active = await _one(
                conn,
                "SELECT id FROM jobs WHERE session_id = ? AND state IN (?, ?, ?)",
                (session_id, *ACTIVE_JOB_STATES),
            )
            available = await _available(conn, guild_id, user_id)
            if active is not None:
                return HoldOutcome(int(active[0]), False, available, "busy")
            if limits is not None:
                refusal = await _check_caps(conn, guild_id, user_id, duration_s, limits, now)
                if refusal is not None:
                    return HoldOutcome(None, False, available, refusal[0], refusal[1])
            if available < price:
                return HoldOutcome(None, False, available, "balance")
            cursor = await conn.execute(
                "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
                " request_json, price, created_at, updated_at, model, duration_s, resolution,"
                " deadline_at, kind, parent_job_id)"
                " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    model,
                    duration_s,
                    resolution,
                    deadline_at.isoformat() if deadline_at else None,
                    kind,
                    parent_job_id,
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
        """Move an unfinished job to another unfinished state (submitted → running)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE jobs SET state = ?, updated_at = ? WHERE id = ? AND state IN (?, ?, ?)",
                (state, now.isoformat(), job_id, *ACTIVE_JOB_STATES),
            )

    async def mark_submitted(self, job_id: int, task_id: str, now: datetime) -> None:
        """Record the provider's task id (state submitted, one more attempt)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE jobs SET state = 'submitted', provider_task_id = ?,"
                " attempts = attempts + 1, updated_at = ? WHERE id = ? AND state IN (?, ?, ?)",
                (task_id, now.isoformat(), job_id, *ACTIVE_JOB_STATES),
            )

    async def forget_task(self, job_id: int, now: datetime) -> None:
        """The provider lost the task (a local render in a restart): queue it again."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE jobs SET state = 'queued', provider_task_id = NULL, updated_at = ?"
                " WHERE id = ? AND state IN (?, ?, ?)",
                (now.isoformat(), job_id, *ACTIVE_JOB_STATES),
            )

    async def set_progress(self, job_id: int, progress: float) -> None:
        """Store the provider-reported progress (0.0–1.0)."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE jobs SET progress = ? WHERE id = ?", (progress, job_id))

    async def undelivered(self) -> list[Job]:
        """Finished jobs whose outcome has not been posted yet (succeeded, failed, expired)."""
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE delivery_state != 'delivered'"
            " AND state IN ('succeeded', 'failed', 'expired') ORDER BY id"
        )
        return [Job.from_row(row) for row in rows]

    async def set_delivery(self, job_id: int, state: str, message_id: int | None = None) -> None:
        """Move the job's delivery to ``sending`` or ``delivered`` (with the message id)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE jobs SET delivery_state = ?,"
                " delivery_message_id = COALESCE(?, delivery_message_id) WHERE id = ?",
                (state, message_id, job_id),
            )

    async def finish_job(
        self,
        job_id: int,
        state: FinalState,
        now: datetime,
        *,
        result_path: str | None = None,
        error: str | None = None,
        seed: int | None = None,
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
                "UPDATE jobs SET state = ?, result_path = ?, error = ?, seed = ?, updated_at = ?"
                " WHERE id = ?",
                (state, result_path, error, seed, now.isoformat(), job_id),
            )
            price, guild_id, user_id = int(job["price"]), job["guild_id"], job["user_id"]
            if state == "cancelled":  # the canceller tells the member; nothing to deliver
                await conn.execute(
                    "UPDATE jobs SET delivery_state = 'delivered' WHERE id = ?", (job_id,)
                )
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

    async def active_job_of_session(self, session_id: int) -> Job | None:
        """The session's unfinished job, or ``None``."""
        row = await self.db.fetchone(
            "SELECT * FROM jobs WHERE session_id = ? AND state IN (?, ?, ?) ORDER BY id DESC",
            (session_id, *ACTIVE_JOB_STATES),
        )
        return Job.from_row(row) if row else None

    async def last_job_of_session(self, session_id: int) -> Job | None:
        """The session's most recent job, or ``None``."""
        row = await self.db.fetchone(
            "SELECT * FROM jobs WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
        )
        return Job.from_row(row) if row else None

    async def parent_of(self, job_id: int) -> int | None:
        """The job ``job_id`` was built on (extend, insert, edit, regenerate), or ``None``."""
        row = await self.db.fetchone("SELECT parent_job_id FROM jobs WHERE id = ?", (job_id,))
        return int(row["parent_job_id"]) if row and row["parent_job_id"] else None

    async def job(self, job_id: int) -> Job | None:
        """One job, or ``None``."""
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return Job.from_row(row) if row else None

    async def active_jobs(self, guild_id: int | None = None) -> list[Job]:
        """Unfinished jobs, oldest first: all of them, or one guild's."""
        if guild_id is None:
            rows = await self.db.fetchall(
                "SELECT * FROM jobs WHERE state IN (?, ?, ?) ORDER BY id", ACTIVE_JOB_STATES
            )
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM jobs WHERE guild_id = ? AND state IN (?, ?, ?) ORDER BY id",
                (guild_id, *ACTIVE_JOB_STATES),
            )
        return [Job.from_row(row) for row in rows]

    async def usage(self, guild_id: int, since: datetime, user_id: int | None = None) -> list[Row]:
        """Per member and UTC day since ``since``: ``day``, ``user_id``, ``jobs``,
        ``failures``, ``seconds`` (delivered output) and ``credits`` (captured)."""
        member = "" if user_id is None else " AND user_id = ?"
        params: tuple[object, ...] = (guild_id, since.isoformat())
        if user_id is not None:
            params += (user_id,)
        return await self.db.fetchall(
            "SELECT substr(created_at, 1, 10) AS day, user_id, COUNT(*) AS jobs,"
            " SUM(CASE WHEN state IN ('failed', 'expired') THEN 1 ELSE 0 END) AS failures,"
            " SUM(CASE WHEN state = 'succeeded' THEN duration_s ELSE 0 END) AS seconds,"
            " SUM(CASE WHEN state = 'succeeded' THEN price ELSE 0 END) AS credits"
            " FROM jobs WHERE guild_id = ? AND created_at >= ?"
            + member
            + " GROUP BY day, user_id ORDER BY day, user_id",
            params,
        )


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> Any:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _available(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> int:
    row = await _one(
        conn,
        "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return int(row[0])


async def _check_caps(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    duration_s: int,
    limits: HoldLimits,
    now: datetime,
) -> tuple[Refusal, float] | None:
    counted = "('queued', 'submitted', 'running', 'succeeded')"
    row = await _one(
        conn,
        "SELECT COUNT(*), COALESCE(SUM(duration_s), 0) FROM jobs WHERE guild_id = ?"
        f" AND user_id = ? AND created_at >= ? AND state IN {counted}",
        (guild_id, user_id, limits.day_start.isoformat()),
    )
    videos, seconds = int(row[0]), int(row[1])
    if limits.videos_per_day is not None and videos + 1 > limits.videos_per_day:
        return "videos_per_day", videos
    if limits.seconds_per_day is not None and seconds + duration_s > limits.seconds_per_day:
        return "seconds_per_day", seconds
    if limits.concurrent_jobs is not None:
        row = await _one(
            conn,
            "SELECT COUNT(*) FROM jobs WHERE guild_id = ? AND user_id = ? AND state IN (?, ?, ?)",
            (guild_id, user_id, *ACTIVE_JOB_STATES),
        )
        if int(row[0]) + 1 > limits.concurrent_jobs:
            return "concurrent", int(row[0])
    if limits.cooldown_s:
        row = await _one(
            conn,
            "SELECT MAX(created_at) FROM jobs WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row[0] is not None:
            waited = (now - datetime.fromisoformat(row[0])).total_seconds()
            if waited < limits.cooldown_s:
                return "cooldown", limits.cooldown_s - waited
    return None


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
