"""The per-member caps a hold checks inside its own transaction (storage.ledger): videos and
seconds per UTC day, jobs at once, and the cooldown between Generates."""

from __future__ import annotations

from datetime import datetime

from storage.db import Connection, one, scalar
from storage.ledger_records import ACTIVE_JOB_STATES, HoldLimits, Refusal


def check_caps(
    conn: Connection,
    guild_id: int,
    user_id: int,
    duration_s: int,
    limits: HoldLimits,
    now: datetime,
) -> tuple[Refusal, float] | None:
    """The first cap the member's next job (``duration_s`` seconds long) would pass, with
    the measured value behind it (videos or seconds today, jobs running, seconds left to
    wait), or ``None``. Queries run only for the caps that are set."""
    if limits.videos_per_day is not None or limits.seconds_per_day is not None:
        counted = "('queued', 'submitted', 'running', 'succeeded')"
        today = one(
            conn,
            "SELECT COUNT(*) AS videos, COALESCE(SUM(duration_s), 0) AS seconds FROM jobs"
            f" WHERE guild_id = ? AND user_id = ? AND created_at >= ? AND state IN {counted}"
            " AND kind != 'stitch'",
            (guild_id, user_id, limits.day_start.isoformat()),
        )
        assert today is not None  # an aggregate has one row
        videos, seconds = int(today["videos"]), int(today["seconds"])
        if limits.videos_per_day is not None and videos + 1 > limits.videos_per_day:
            return "videos_per_day", videos
        if limits.seconds_per_day is not None and seconds + duration_s > limits.seconds_per_day:
            return "seconds_per_day", seconds
    if limits.concurrent_jobs is not None:
        running = int(
            scalar(
                conn,
                "SELECT COUNT(*) FROM jobs WHERE guild_id = ? AND user_id = ?"
                " AND state IN (?, ?, ?)",
                (guild_id, user_id, *ACTIVE_JOB_STATES),
            )
        )
        if running + 1 > limits.concurrent_jobs:
            return "concurrent", running
    if limits.cooldown_s:
        latest = scalar(
            conn,
            "SELECT MAX(created_at) FROM jobs WHERE guild_id = ? AND user_id = ?"
            " AND kind != 'stitch'",
            (guild_id, user_id),
        )
        if latest is not None:
            waited = (now - datetime.fromisoformat(latest)).total_seconds()
            if waited < limits.cooldown_s:
                return "cooldown", limits.cooldown_s - waited
    return None
