"""Job claims: which runner drives a job, or delivers its outcome, held as a lease on the
job's row, so several runners (processes, machines) share one database and each job is
driven and delivered by one of them at a time (docs/ARCHITECTURE.md "Several workers").

A runner is named by a worker id (``claimed_by``). It claims jobs in one write
transaction, :meth:`ClaimRepository.claim`, which also applies the fair order and the
concurrency limits (bot/generation/queueing.py) over every runner's jobs, so they hold
across processes: the jobs counted as running are the unfinished ones whose lease is live.
The claim keeps its lease by :meth:`ClaimRepository.heartbeat`; a lease that runs out
(``lease_until`` ≤ now: its runner died or stalled) makes the job claimable again, and the
next claim takes it over (a job at the provider is resumed, polling first; one whose create
was in flight is reconciled, bot/generation/reconcile.py). A runner restarted under the
same worker id takes its own jobs back at once.

Claims are serialised: SQLite's write lock does it, and on PostgreSQL the claim transaction
first takes one advisory lock (claims are short: two reads and a few conditional updates),
so two runners never both take the last free slot. Every update of a claim is conditional
on the row (a claim: free or expired; a heartbeat: still ours), so a heartbeat and a
takeover that race settle on the row: at most one runner holds a job. ``claimed_by`` stays
set after a job is delivered (who ran it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from bot.generation.job import Job, JobState
from bot.generation.queueing import fair_order
from storage.db import Connection, Database, Row, execute, poke_job, rows
from storage.ledger_records import ACTIVE_JOB_STATES

__all__ = ["ClaimLimits", "ClaimRepository", "Claimed"]

_CLAIMS_LOCK = 0x636C6169  # the advisory lock every claim transaction takes on PostgreSQL
_ACTIVE = "state IN (?, ?, ?)"
_UNDELIVERED = (
    "delivery_state IN ('pending', 'sending')"
    " AND state || '' IN ('succeeded', 'failed', 'expired')"  # by delivery, not by state
)
_OURS = "claimed_by = ? AND id IN ({marks}) AND (" + _ACTIVE + " OR " + _UNDELIVERED + ")"


@dataclass(frozen=True)
class ClaimLimits:
    """How many unfinished jobs may be claimed at once, across every runner
    (``Settings.max_running_jobs`` / ``max_running_jobs_per_guild``)."""

    max_running: int
    max_running_per_guild: int


@dataclass(frozen=True)
class Claimed:
    """What one claim found.

    Attributes:
        jobs: the jobs this claim took, oldest first: unfinished ones to drive (queued, or
            at the provider and taken over), finished ones to deliver.
        active: every unfinished job (any runner's), oldest first.
        positions: job id → place in line (1 = next) of every queued job nobody holds.
        next_expiry: the earliest end of another runner's live lease (UTC), or ``None``:
            when that runner has died, its job is free then.
    """

    jobs: list[Job]
    active: list[Job]
    positions: dict[int, int] = field(default_factory=dict)
    next_expiry: datetime | None = None


class ClaimRepository:
    """Claims, heartbeats and the fenced create attempt (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limits: ClaimLimits,
        held: Collection[int] = (),
    ) -> Claimed:
        """In one write transaction, take for ``worker`` until ``lease_until``: every
        unfinished job at the provider and every undelivered finished job whose lease is
        free or ran out; then queued free jobs in fair order while ``limits`` allow. A job
        still ``waiting`` (a storyboard shot not released yet, bot/storyboard) is never
        taken.

        Args:
            worker: the claiming runner's id.
            now / lease_until: the time (UTC) and the end of the leases taken.
            limits: concurrency bounds over all runners' live claims.
            held: jobs the runner drives or delivers now (its live claims); any other job
                claimed by ``worker`` is its own from before a restart and is taken back.
        """
        return await self.db.write(
            lambda c: _claim(c, worker, now.isoformat(), lease_until.isoformat(), limits, held)
        )

    async def heartbeat(
        self, worker: str, held: Collection[int], lease_until: datetime
    ) -> set[int]:
        """Extend ``worker``'s leases on ``held`` to ``lease_until``; return the ones still
        its own (another runner took over the rest, or they were settled elsewhere:
        cancelled, delivered) — the runner stops working on those."""
        wanted = sorted(set(held))
        if not wanted:
            return set()

        def body(conn: Connection) -> set[int]:
            ours = _OURS.format(marks=", ".join("?" * len(wanted)))
            params = (worker, *wanted, *ACTIVE_JOB_STATES)
            sql = f"UPDATE jobs SET lease_until = ? WHERE {ours}"  # only marks
            execute(conn, sql, (lease_until.isoformat(), *params))
            found = rows(conn, f"SELECT id FROM jobs WHERE {ours}", params)  # only marks
            return {int(row["id"]) for row in found}

        return await self.db.write(body)

    async def start_attempt(
        self, job_id: int, worker: str, now: datetime, lease_until: datetime
    ) -> bool:
        """Record that ``worker`` is about to send the job's create (``submit_started_at``,
        docs/ARCHITECTURE.md "No double tasks") and extend its lease, only while the job is
        unfinished and still claimed by ``worker``: the fence that keeps a runner whose
        lease was taken over from creating the task again. Return whether it was recorded
        (``False``: don't send)."""
        stamp = now.isoformat()
        sql = "UPDATE jobs SET submit_started_at = ?, updated_at = ?, lease_until = ?"
        sql += f" WHERE id = ? AND claimed_by = ? AND {_ACTIVE}"
        params = (stamp, stamp, lease_until.isoformat(), job_id, worker, *ACTIVE_JOB_STATES)
        return await self.db.write(lambda c: execute(c, sql, params)) > 0

    async def start_delivery(self, job_id: int, worker: str, now: datetime) -> bool:
        """Mark the job's outcome ``sending`` (keeping the first attempt's time, as
        :meth:`storage.ledger.LedgerRepository.start_delivery`) only while ``worker`` holds
        its claim; ``False`` (don't post) when delivered or another runner took it over."""
        sql = "UPDATE jobs SET delivery_state = 'sending', delivery_started_at ="
        sql += " COALESCE(delivery_started_at, ?) WHERE id = ? AND claimed_by = ?"
        sql += " AND delivery_state != 'delivered'"
        params = (now.isoformat(), job_id, worker)
        return await self.db.write(lambda c: execute(c, sql, params)) > 0

    async def poke(self, job_id: int) -> bool:
        """Ask the runner driving job ``job_id``, in whichever process holds its claim, to
        poll it now (a provider called back at another process's web server,
        bot/generation/callbacks.py). Return whether the request went out: on PostgreSQL a
        ``NOTIFY`` naming the job, sent only while it is unfinished (one write); on SQLite
        ``False`` at once, without touching the database (no other process listens; the
        job's fallback poll finds the outcome)."""
        if self.db.dialect == "sqlite":
            return False
        return await self.db.write(lambda c: poke_job(c, job_id, ACTIVE_JOB_STATES))


def _claim(
    conn: Connection,
    worker: str,
    now: str,
    lease_until: str,
    limits: ClaimLimits,
    held: Collection[int],
) -> Claimed:
    if not isinstance(conn, sqlite3.Connection):  # SQLite: BEGIN IMMEDIATE did
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CLAIMS_LOCK,))
    active_rows = rows(conn, f"SELECT * FROM jobs WHERE {_ACTIVE} ORDER BY id", ACTIVE_JOB_STATES)
    finished_rows = rows(conn, f"SELECT * FROM jobs WHERE {_UNDELIVERED} ORDER BY id")

    def free(row: Row) -> bool:
        owner, until = row["claimed_by"], row["lease_until"]
        if owner == worker:  # ours: free unless we work on it now (from before a restart)
            return int(row["id"]) not in held
        return owner is None or until is None or until <= now

    free_ids = {int(r["id"]) for r in (*active_rows, *finished_rows) if free(r)}
    active = [Job.from_row(r) for r in active_rows]
    running = [j for j in active if j.id not in free_ids]  # live claims, any runner's
    resumed = [j for j in active if j.id in free_ids and j.state != JobState.QUEUED]
    running += resumed  # at the provider already: taken over whatever the limits
    held_back = {int(r["id"]) for r in active_rows if r["waiting"]}  # a shot not released
    queued = [
        j for j in active
        if j.id in free_ids and j.state == JobState.QUEUED and j.id not in held_back
    ]  # fmt: skip
    admitted = []
    for candidate in fair_order(queued, running):
        per_guild = sum(1 for j in running if j.guild_id == candidate.guild_id)
        if len(running) >= limits.max_running or per_guild >= limits.max_running_per_guild:
            continue
        admitted.append(candidate)
        running.append(candidate)
    finished = [Job.from_row(r) for r in finished_rows if int(r["id"]) in free_ids]
    taken = []
    for job in sorted((*resumed, *admitted, *finished), key=lambda j: j.id):
        changed = execute(
            conn,
            "UPDATE jobs SET claimed_by = ?, lease_until = ? WHERE id = ? AND (claimed_by IS"
            " NULL OR lease_until IS NULL OR lease_until <= ? OR claimed_by = ?)",
            (worker, lease_until, job.id, now, worker),
        )
        if changed:  # else a heartbeat renewed it after our read: still its runner's
            taken.append(job)
    taken_ids = {j.id for j in taken}
    waiting = [j for j in fair_order(queued, running) if j.id not in taken_ids]
    leases = [
        str(r["lease_until"]) for r in (*active_rows, *finished_rows)
        if int(r["id"]) not in free_ids and r["claimed_by"] != worker
    ]  # fmt: skip
    expiry = datetime.fromisoformat(min(leases)) if leases else None
    return Claimed(taken, active, {j.id: i for i, j in enumerate(waiting, start=1)}, expiry)
