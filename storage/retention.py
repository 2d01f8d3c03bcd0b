"""What the retention sweep (:mod:`bot.generation.retention`) may remove and must keep, read
from the sessions, storyboards and jobs tables. Times are compared as the ISO-8601 UTC text
every row is written with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.generation.job import Job
from storage.db import Database
from storage.ledger_records import ACTIVE_JOB_STATES

_ACTIVE = ", ".join(f"'{state}'" for state in ACTIVE_JOB_STATES)


@dataclass(frozen=True)
class EndedSession:
    """A session the sweep may clear: its ``id`` and the storyboard it backs, if any
    (``storyboard_id``: its frames, soundtrack, parts and films live beside the session's
    files)."""

    id: int
    storyboard_id: int | None


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

    async def sessions_ended_before(self, cutoff: datetime) -> list[EndedSession]:
        """Closed or expired sessions whose last change came before ``cutoff`` and none of
        whose jobs (a storyboard's shots and films included: they are its session's jobs)
        is unfinished or finished at or after it; each with the storyboard it backs."""
        rows = await self.db.fetchall(
            "SELECT s.id, b.id AS storyboard_id FROM sessions s"
            " LEFT JOIN storyboards b ON b.session_id = s.id"
            " WHERE s.state IN ('closed', 'expired')"
            " AND s.updated_at < ? AND NOT EXISTS (SELECT 1 FROM jobs j"
            f" WHERE j.session_id = s.id AND (j.state IN ({_ACTIVE}) OR j.updated_at >= ?))"
            " ORDER BY s.id",
            (cutoff.isoformat(), cutoff.isoformat()),
        )
        return [
            EndedSession(
                int(row["id"]),
                None if row["storyboard_id"] is None else int(row["storyboard_id"]),
            )
            for row in rows
        ]
