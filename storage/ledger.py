"""Repository for jobs and the append-only credit ledger.

A job and the ledger entry it causes are written in one transaction: creating a job holds
its price; finishing it captures (success) or releases (failure, cancel) that hold. Every
ledger entry has a unique idempotency key, so a repeated write is a no-op, never a second
charge. The available balance is ``SUM(delta)`` over the member's entries, kept as a running
balance (table ``ledger_balances``) in the same transaction as each entry, so reading it
costs one row whatever the member's history; credits held are the prices of the member's
unfinished jobs, each of which holds exactly its price.

Every method is one hop to the database (:mod:`storage.db`): its body is a synchronous
function run as one transaction. Allowance entries (the starting grant and each period's
refill, :class:`AllowanceEntries`) are written only when due: :meth:`LedgerRepository.balance`
reads first and writes only if an entry's key is missing; a hold applies due entries in its
own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.generation.job import Job
from storage import balances
from storage.balances import STARTING_NOTE
from storage.caps import check_caps
from storage.db import (
    Connection,
    Database,
    execute,
    for_update,
    insert,
    lock_member,
    notify_jobs,
    one,
    scalar,
)
from storage.ledger_records import (
    ACTIVE_JOB_STATES,
    NO_ALLOWANCE,
    AllowanceEntries,
    FinalState,
    HoldLimits,
    HoldOutcome,
    LedgerEntry,
    MemberBalance,
    Refusal,
    Row,
)

__all__ = [
    "ACTIVE_JOB_STATES",
    "NO_ALLOWANCE",
    "STARTING_NOTE",
    "AllowanceEntries",
    "FinalState",
    "HoldLimits",
    "HoldOutcome",
    "LedgerEntry",
    "LedgerRepository",
    "MemberBalance",
    "Refusal",
]


CreditsMoved = Callable[[str, str, int], None]
"""Told ``(movement, provider, credits)`` after a committed ``held``, ``captured`` or
``refunded`` (the metrics, :meth:`bot.metrics.Metrics.credits_moved`)."""


class LedgerRepository:
    """Jobs and ledger entries (SQLite or PostgreSQL).

    Args:
        db: the database.
        on_credits: told of every hold, capture and release once committed, and
            ``on_finish`` of every job finished (``(state, provider)``); for the metrics.
    """

    def __init__(
        self,
        db: Database,
        on_credits: CreditsMoved | None = None,
        on_finish: Callable[[str, str], None] | None = None,
    ) -> None:
        self.db = db
        self._on_credits = on_credits
        self._on_finish = on_finish

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
        return await self.db.write(
            lambda c: balances.append(
                c, guild_id, user_id, kind, amount, delta, None, key, note, now
            )
        )

    async def set_balance(
        self, guild_id: int, user_id: int, target: int, key: str, note: str, now: datetime
    ) -> int:
        """Adjust the available balance to ``target`` atomically; return the delta applied."""

        def body(conn: Connection) -> int:
            lock_member(conn, guild_id, user_id)
            delta = target - balances.available(conn, guild_id, user_id)
            balances.append(
                conn, guild_id, user_id, "adjust", abs(delta), delta, None, key, note, now
            )
            return delta

        return await self.db.write(body)

    async def refill(
        self, guild_id: int, user_id: int, amount: int, cap: int, key: str, now: datetime
    ) -> int | None:
        """Once per ``key``, add up to ``amount`` credits without passing ``cap``.

        Returns the credits added, or ``None`` when this period's refill already happened.
        """
        return await self.db.write(
            lambda c: balances.refill(c, guild_id, user_id, amount, cap, key, now)
        )

    async def balance(
        self,
        guild_id: int,
        user_id: int,
        now: datetime,
        allowance: AllowanceEntries = NO_ALLOWANCE,
    ) -> MemberBalance:
        """The member's available and held credits, in one read. When an ``allowance``
        entry is due (its key is not in the ledger yet), one write transaction applies the
        due entries first (idempotently: concurrent callers add each entry once) and the
        balance after them is returned."""
        keys = allowance.keys()

        def look(conn: Connection) -> tuple[bool, MemberBalance]:
            return balances.due(conn, keys), balances.balance(conn, guild_id, user_id)

        due, balance = await self.db.read(look)
        if not due:
            return balance

        def apply(conn: Connection) -> MemberBalance:
            lock_member(conn, guild_id, user_id)
            balances.apply_allowance(conn, guild_id, user_id, allowance, now)
            return balances.balance(conn, guild_id, user_id)

        return await self.db.write(apply)

    async def available(self, guild_id: int, user_id: int) -> int:
        """Credits the member can spend now (grants − holds + releases)."""
        return await self.db.read(lambda c: balances.available(c, guild_id, user_id))

    async def held(self, guild_id: int, user_id: int) -> int:
        """Credits held by the member's unfinished jobs."""
        return await self.db.read(lambda c: balances.held(c, guild_id, user_id))

    async def entries(self, guild_id: int, user_id: int, limit: int = 10) -> list[LedgerEntry]:
        """The member's latest ledger entries, newest first."""
        found = await self.db.fetchall(
            "SELECT * FROM ledger WHERE guild_id = ? AND user_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, user_id, limit),
        )
        return [LedgerEntry.from_row(row) for row in found]

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
        allowance: AllowanceEntries = NO_ALLOWANCE,
    ) -> HoldOutcome:
        """Atomically: apply the member's due ``allowance`` entries; then, unless the
        session has an active job, a cap is reached, or the member cannot afford ``price``,
        insert a queued job, hold ``price`` credits and mark the session generating. Checks
        and writes share one write transaction (one hop) that first takes the member's lock
        (:func:`storage.db.lock_member`), so concurrent calls, in this process or others
        sharing the database, never overspend or pass a cap.
        """

        def body(conn: Connection) -> HoldOutcome:
            lock_member(conn, guild_id, user_id)
            if balances.due(conn, allowance.keys()):
                balances.apply_allowance(conn, guild_id, user_id, allowance, now)
            active = scalar(
                conn,
                "SELECT id FROM jobs WHERE session_id = ? AND state IN (?, ?, ?)",
                (session_id, *ACTIVE_JOB_STATES),
            )
            available = balances.available(conn, guild_id, user_id)
            if active is not None:
                return HoldOutcome(int(active), False, available, "busy")
            if limits is not None:
                refusal = check_caps(conn, guild_id, user_id, duration_s, limits, now)
                if refusal is not None:
                    return HoldOutcome(None, False, available, refusal[0], refusal[1])
            if available < price:
                return HoldOutcome(None, False, available, "balance")
            stamp = now.isoformat()
            job_id = insert(
                conn,
                "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
                " request_json, price, created_at, updated_at, model, duration_s, resolution,"
                " deadline_at, kind, parent_job_id)"
                " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id, guild_id, channel_id, user_id, provider, request_json, price,
                    stamp, stamp, model, duration_s, resolution,
                    deadline_at.isoformat() if deadline_at else None, kind, parent_job_id,
                ),
            )  # fmt: skip
            balances.append(
                conn, guild_id, user_id, "hold", price, -price, job_id, f"job:{job_id}:hold",
                "held at Generate", now,
            )  # fmt: skip
            execute(
                conn,
                "UPDATE sessions SET state = 'generating', updated_at = ? WHERE id = ?",
                (stamp, session_id),
            )
            notify_jobs(conn)  # runners in other processes: a job to claim
            return HoldOutcome(job_id, True, available - price)

        outcome = await self.db.write(body)
        if outcome.created and self._on_credits is not None:
            self._on_credits("held", provider, price)
        return outcome

    async def set_job_state(self, job_id: int, state: str, now: datetime) -> None:
        """Move an unfinished job to another unfinished state (submitted → running)."""
        await self._write(
            "UPDATE jobs SET state = ?, updated_at = ? WHERE id = ? AND state IN (?, ?, ?)",
            (state, now.isoformat(), job_id, *ACTIVE_JOB_STATES),
        )

    async def start_attempt(self, job_id: int, now: datetime) -> bool:
        """Record that a create is about to be sent for the job (before it is sent), so a
        restart before its reply is stored reconciles with the provider instead of
        creating the task twice (docs/ARCHITECTURE.md "No double tasks"). Return
        ``False`` (and record nothing) when the job has finished — cancelled meanwhile:
        the create must not be sent."""
        return 0 < await self._write(
            "UPDATE jobs SET submit_started_at = ?, updated_at = ?"
            " WHERE id = ? AND state IN (?, ?, ?)",
            (now.isoformat(), now.isoformat(), job_id, *ACTIVE_JOB_STATES),
        )

    async def clear_attempt(self, job_id: int) -> None:
        """The attempt is settled without a task (the provider refused it, or reconciling
        found none): nothing to reconcile any more."""
        await self._write("UPDATE jobs SET submit_started_at = NULL WHERE id = ?", (job_id,))

    async def mark_submitted(self, job_id: int, task_id: str, now: datetime) -> bool:
        """Record the provider's task id (state submitted, one more attempt), settling the
        attempt. Return ``False`` (and record nothing) when the job has finished meanwhile:
        the task is then nobody's, and the caller stops it."""
        return 0 < await self._write(
            "UPDATE jobs SET state = 'submitted', provider_task_id = ?, submit_started_at = NULL,"
            " attempts = attempts + 1, updated_at = ? WHERE id = ? AND state IN (?, ?, ?)",
            (task_id, now.isoformat(), job_id, *ACTIVE_JOB_STATES),
        )

    async def forget_task(self, job_id: int, now: datetime) -> None:
        """The provider lost the task (a local render in a restart): queue it again."""
        await self._write(
            "UPDATE jobs SET state = 'queued', provider_task_id = NULL, updated_at = ?"
            " WHERE id = ? AND state IN (?, ?, ?)",
            (now.isoformat(), job_id, *ACTIVE_JOB_STATES),
        )

    async def set_progress(self, job_id: int, progress: float) -> None:
        """Store the provider-reported progress (0.0–1.0)."""
        await self._write("UPDATE jobs SET progress = ? WHERE id = ?", (progress, job_id))

    async def undelivered(self) -> list[Job]:
        """Finished jobs whose outcome has not been posted yet (succeeded, failed, expired)."""
        return await self._jobs(
            "SELECT * FROM jobs WHERE delivery_state IN ('pending', 'sending')"
            " AND state || '' IN ('succeeded', 'failed', 'expired') ORDER BY id"  # by delivery
        )

    async def start_delivery(self, job_id: int, now: datetime) -> bool:
        """Mark it ``sending``, keeping the first attempt's time; ``False`` if delivered."""
        sql = "UPDATE jobs SET delivery_state = 'sending', delivery_started_at ="
        sql += " COALESCE(delivery_started_at, ?) WHERE id = ? AND delivery_state != 'delivered'"
        return await self._write(sql, (now.isoformat(), job_id)) > 0

    async def finish_delivery(self, job_id: int, message_id: int) -> bool:
        """Record its post once (``sending → delivered``); ``False`` if already delivered."""
        sql = "UPDATE jobs SET delivery_state = 'delivered', delivery_message_id = ?"
        sql += " WHERE id = ? AND delivery_state = 'sending'"
        return await self._write(sql, (message_id, job_id)) > 0

    async def finish_job(
        self,
        job_id: int,
        state: FinalState,
        now: datetime,
        *,
        result_path: str | None = None,
        error: str | None = None,
        seed: int | None = None,
        worker: str | None = None,
    ) -> bool:
        """Finish an active job in one transaction: capture its hold on success, release it
        otherwise, and reopen its session. Return ``False`` (and change nothing) if the job
        had already finished, or, with ``worker``, if that runner no longer holds its claim
        (taken over after its lease ran out: the new holder finishes it).

        A compare-and-set on the job's row: the row is read locked (PostgreSQL's
        ``SELECT … FOR UPDATE``; SQLite's write lock) and the update is conditional on the
        state still being unfinished, so of two runners (or a runner and a cancel) finishing
        one job at once exactly one does: one capture or release, one outcome to deliver
        (docs/ARCHITECTURE.md "Several workers").
        """

        def body(conn: Connection) -> tuple[str, int] | None:
            job = one(conn, "SELECT * FROM jobs WHERE id = ?" + for_update(conn), (job_id,))
            if job is None or job["state"] not in ACTIVE_JOB_STATES:
                return None
            if worker is not None and job["claimed_by"] != worker:
                return None
            stamp = now.isoformat()
            if not execute(
                conn,
                "UPDATE jobs SET state = ?, result_path = ?, error = ?, seed = ?, updated_at = ?"
                " WHERE id = ? AND state IN (?, ?, ?)",
                (state, result_path, error, seed, stamp, job_id, *ACTIVE_JOB_STATES),
            ):
                return None
            price, guild_id, user_id = int(job["price"]), job["guild_id"], job["user_id"]
            if state == "cancelled":  # the canceller tells the member; nothing to deliver
                execute(
                    conn, "UPDATE jobs SET delivery_state = 'delivered' WHERE id = ?", (job_id,)
                )
            if state == "succeeded":
                balances.append(
                    conn, guild_id, user_id, "capture", price, 0, job_id,
                    f"job:{job_id}:capture", "captured on success", now,
                )  # fmt: skip
            else:
                balances.append(
                    conn, guild_id, user_id, "release", price, price, job_id,
                    f"job:{job_id}:release", f"released: job {state}", now,
                )  # fmt: skip
            execute(
                conn,
                "UPDATE sessions SET state = 'open', updated_at = ?"
                " WHERE id = ? AND state = 'generating'",
                (stamp, job["session_id"]),
            )
            notify_jobs(conn)  # a slot is free for a queued job, in any process
            return str(job["provider"]), price

        finished = await self.db.write(body)
        if finished is None:
            return False
        provider, price = finished
        if self._on_credits is not None:
            self._on_credits("captured" if state == "succeeded" else "refunded", provider, price)
        if self._on_finish is not None:
            self._on_finish(state, provider)
        return True

    async def active_job_of_session(self, session_id: int) -> Job | None:
        """The session's unfinished job, or ``None``."""
        return await self._job(
            "SELECT * FROM jobs WHERE session_id = ? AND state IN (?, ?, ?) ORDER BY id DESC",
            (session_id, *ACTIVE_JOB_STATES),
        )

    async def last_job_of_session(self, session_id: int) -> Job | None:
        """The session's most recent job, or ``None``."""
        return await self._job(
            "SELECT * FROM jobs WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
        )

    async def card_job_of_session(self, session_id: int) -> Job | None:
        """The session's unfinished job, else its most recent one, else ``None`` (one
        query: what the session card shows)."""
        return await self._job(
            "SELECT * FROM jobs WHERE session_id = ?"
            " ORDER BY state IN (?, ?, ?) DESC, id DESC LIMIT 1",
            (session_id, *ACTIVE_JOB_STATES),
        )

    async def parent_of(self, job_id: int) -> int | None:
        """The job ``job_id`` was built on (extend, insert, edit, regenerate), or ``None``."""
        row = await self.db.fetchone("SELECT parent_job_id FROM jobs WHERE id = ?", (job_id,))
        return int(row["parent_job_id"]) if row and row["parent_job_id"] else None

    async def job_owners(self, job_ids: Sequence[int]) -> dict[int, int]:
        """Job id → the member who owns it, for those of ``job_ids`` that exist (an id
        outside SQLite's signed 64-bit range exists nowhere)."""
        wanted = sorted({i for i in job_ids if 0 < i < 2**63})
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = await self.db.fetchall(
            f"SELECT id, user_id FROM jobs WHERE id IN ({marks})",  # only marks
            tuple(wanted),
        )
        return {int(row["id"]): int(row["user_id"]) for row in rows}

    async def job(self, job_id: int) -> Job | None:
        """One job, or ``None``."""
        return await self._job("SELECT * FROM jobs WHERE id = ?", (job_id,))

    async def active_jobs(self, guild_id: int | None = None) -> list[Job]:
        """Unfinished jobs, oldest first: all of them, or one guild's."""
        if guild_id is None:
            return await self._jobs(
                "SELECT * FROM jobs WHERE state IN (?, ?, ?) ORDER BY id", ACTIVE_JOB_STATES
            )
        return await self._jobs(
            "SELECT * FROM jobs WHERE guild_id = ? AND state IN (?, ?, ?) ORDER BY id",
            (guild_id, *ACTIVE_JOB_STATES),
        )

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
            " FROM jobs WHERE guild_id = ? AND created_at >= ? AND kind != 'stitch'"
            + member
            + " GROUP BY day, user_id ORDER BY day, user_id",
            params,
        )

    async def _write(self, sql: str, params: tuple[object, ...]) -> int:
        """Run one statement in its own transaction; return how many rows it changed."""
        return await self.db.write(lambda c: execute(c, sql, params))

    async def _job(self, sql: str, params: tuple[object, ...]) -> Job | None:
        row = await self.db.fetchone(sql, params)
        return Job.from_row(row) if row else None

    async def _jobs(self, sql: str, params: tuple[object, ...] = ()) -> list[Job]:
        return [Job.from_row(row) for row in await self.db.fetchall(sql, params)]
