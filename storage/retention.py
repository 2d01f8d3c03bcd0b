"""What the retention sweep (:mod:`bot.generation.retention`) may remove and must keep, read
from the sessions and jobs tables. Times are compared as the ISO-8601 UTC text every row
is written with."""

from __future__ import annotations

from datetime import datetime

from bot.generation.job import Job
from storage.db import Database
from storage.ledger_records import ACTIVE_JOB_STATES

_ACTIVE = ", ".join(f"'{state}'" for state in ACTIVE_JOB_STATES)


class RetentionRepository:
    """Reads for the retention sweep (no writes: the sweep removes files, not rows)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def kept_jobs(self, since: datetime) -> list[Job]:
        """Jobs whose results are still in use: unfinished ones, ones finished at or after
        ``since``, and every job those were built on (their parents, up the chain)."""
        rows = await self.db.fetchall(
            "WITH RECURSIVE kept(id) AS ("
            f" SELECT id FROM jobs WHERE state IN ({_ACTIVE}) OR updated_at >= ?"
            " UNION SELECT j.parent_job_id FROM jobs j JOIN kept k ON j.id = k.id"
            " WHERE j.parent_job_id IS NOT NULL"
            ") SELECT * FROM jobs WHERE id IN (SELECT id FROM kept) ORDER BY id",
            (since.isoformat(),),
        )
        return [Job.from_row(row) for row in rows]

    async def jobs_finished_before(self, cutoff: datetime) -> list[Job]:
        """Finished jobs whose last change (their end) came before ``cutoff``."""
        rows = await self.db.fetchall(
            f"SELECT * FROM jobs WHERE state NOT IN ({_ACTIVE}) AND updated_at < ? ORDER BY id",
            (cutoff.isoformat(),),
        )
        return [Job.from_row(row) for row in rows]

    async def sessions_ended_before(self, cutoff: datetime) -> list[int]:
        """Ids of closed or expired sessions whose last change came before ``cutoff`` and
        none of whose jobs is unfinished or finished at or after it."""
        rows = await self.db.fetchall(
            "SELECT s.id FROM sessions s WHERE s.state IN ('closed', 'expired')"
            " AND s.updated_at < ? AND NOT EXISTS (SELECT 1 FROM jobs j"
            f" WHERE j.session_id = s.id AND (j.state IN ({_ACTIVE}) OR j.updated_at >= ?))"
            " ORDER BY s.id",
            (cutoff.isoformat(), cutoff.isoformat()),
        )
        return [int(row["id"]) for row in rows]
