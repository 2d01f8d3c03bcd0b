"""Repository for a member's finished results (``/video history``) and the results made
here without a provider (a stitch), which the runner then delivers like any other."""

from __future__ import annotations

from datetime import datetime

from bot.generation.job import Job
from storage.db import Database, insert


class HistoryRepository:
    """Finished jobs read for history, and local results written as jobs (one hop each)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_local(
        self, *, session_id: int, guild_id: int, channel_id: int, user_id: int, kind: str,
        request_json: str, result_key: str, duration_s: int, resolution: str, model: str,
        parent_job_id: int, now: datetime,
    ) -> int:  # fmt: skip
        """Store a result made here (``kind`` ``stitch``: no provider, no credits) as a
        succeeded job waiting for delivery; return its id. It holds and captures nothing,
        and the caps and usage do not count it."""
        stamp = now.isoformat()
        params = (
            session_id, guild_id, channel_id, user_id, request_json, result_key, stamp,
            stamp, model, duration_s, resolution, kind, parent_job_id,
        )  # fmt: skip
        return await self.db.write(
            lambda c: insert(
                c,
                "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
                " request_json, price, result_path, created_at, updated_at, model, duration_s,"
                " resolution, kind, parent_job_id)"
                " VALUES (?, ?, ?, ?, 'succeeded', 'local', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                params,
            )
        )

    async def results(self, guild_id: int, user_id: int, offset: int, limit: int) -> list[Job]:
        """The member's delivered videos in the guild, newest first (``limit`` from
        ``offset``)."""
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE guild_id = ? AND user_id = ? AND state = 'succeeded'"
            " AND result_path IS NOT NULL ORDER BY id DESC LIMIT ? OFFSET ?",
            (guild_id, user_id, limit, offset),
        )
        return [Job.from_row(row) for row in rows]

    async def recent(
        self, guild_id: int, states: tuple[str, ...], user_id: int | None, limit: int
    ) -> list[Job]:
        """The guild's latest jobs in ``states`` (of one member, when ``user_id`` is given),
        newest first."""
        marks = ", ".join("?" * len(states))
        member = "" if user_id is None else " AND user_id = ?"
        params: tuple[object, ...] = (guild_id, *states)
        if user_id is not None:
            params += (user_id,)
        rows = await self.db.fetchall(
            f"SELECT * FROM jobs WHERE guild_id = ? AND state IN ({marks}){member}"
            " ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [Job.from_row(row) for row in rows]

    async def job_facts(self, job_ids: list[int]) -> dict[int, tuple[str, str]]:
        """Job id → (kind, state), for the jobs that exist among ``job_ids``."""
        if not job_ids:
            return {}
        marks = ", ".join("?" * len(job_ids))
        rows = await self.db.fetchall(
            f"SELECT id, kind, state FROM jobs WHERE id IN ({marks})", tuple(job_ids)
        )
        return {int(r["id"]): (str(r["kind"]), str(r["state"])) for r in rows}

    async def count_results(self, guild_id: int, user_id: int) -> int:
        """How many delivered videos the member has in the guild."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM jobs WHERE guild_id = ? AND user_id = ?"
            " AND state = 'succeeded' AND result_path IS NOT NULL",
            (guild_id, user_id),
        )
        return int(row["n"]) if row else 0


__all__ = ["HistoryRepository"]
