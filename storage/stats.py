"""Counts read for the metrics (:mod:`bot.metrics`): whole-system numbers, the same from
every process that shares the database."""

from __future__ import annotations

from storage.db import Database


class StatsRepository:
    """Aggregate reads over the jobs table (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def job_counts(self) -> dict[tuple[str, str], int]:
        """Jobs per ``(state, provider)``: one read, one row per pair present."""
        found = await self.db.fetchall(
            "SELECT state, provider, COUNT(*) AS n FROM jobs GROUP BY state, provider"
        )
        return {(str(row["state"]), str(row["provider"])): int(row["n"]) for row in found}
