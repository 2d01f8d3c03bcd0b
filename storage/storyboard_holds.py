"""The storyboard's holds (storage/storyboards.py): every shot's job created and its price
held in one transaction with the member's lock, or none (as
:meth:`storage.ledger.LedgerRepository.create_job_with_hold` does for one job). Each shot
is checked against the daily caps with the shots before it counted; the cooldown once;
the jobs-at-once cap not here (every shot is held at once; bot/storyboard releases them
within it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.storyboard.model import Storyboard
from storage import balances
from storage.caps import check_caps
from storage.db import Connection, execute, insert, lock_member, notify_jobs, scalar
from storage.ledger_records import AllowanceEntries, HoldLimits, HoldOutcome

__all__ = ["ShotHold", "hold_all", "start"]


@dataclass(frozen=True)
class ShotHold:
    """One shot's job to create at the start (or a retry).

    Attributes:
        shot_id: the shot. request_json: its compiled request (a stand-in first frame for
            a shot that continues the previous one, replaced at :meth:`release`).
        price: credits to hold. waiting: created held back (not claimable yet).
        model / duration_s / resolution: as the jobs table records them (caps, usage).
    """

    shot_id: int
    request_json: str
    price: int
    waiting: bool
    model: str
    duration_s: int
    resolution: str


def start(
    conn: Connection,
    board: Storyboard,
    provider: str,
    holds: Sequence[ShotHold],
    now: datetime,
    deadline_at: datetime,
    limits: HoldLimits,
    allowance: AllowanceEntries,
) -> HoldOutcome:
    lock_member(conn, board.guild_id, board.user_id)
    if _started(conn, board.id):
        available = balances.available(conn, board.guild_id, board.user_id)
        return HoldOutcome(None, False, available, "busy")
    outcome = hold_all(conn, board, provider, holds, now, deadline_at, limits, allowance)
    if outcome.created:
        execute(
            conn,
            "UPDATE storyboards SET started_at = ?, updated_at = ? WHERE id = ?",
            (now.isoformat(), now.isoformat(), board.id),
        )
    return outcome


class _Refused(Exception):
    def __init__(self, outcome: HoldOutcome) -> None:
        self.outcome = outcome


def hold_all(
    conn: Connection,
    board: Storyboard,
    provider: str,
    holds: Sequence[ShotHold],
    now: datetime,
    deadline_at: datetime,
    limits: HoldLimits,
    allowance: AllowanceEntries,
) -> HoldOutcome:
    """Create and hold every job of ``holds`` or none: a refusal rolls back the savepoint
    of the jobs inserted before it (each is counted by the next one's caps)."""
    guild_id, user_id = board.guild_id, board.user_id
    if balances.due(conn, allowance.keys()):
        balances.apply_allowance(conn, guild_id, user_id, allowance, now)
    available = balances.available(conn, guild_id, user_id)
    total = sum(h.price for h in holds)
    if available < total:
        return HoldOutcome(None, False, available, "balance")
    execute(conn, "SAVEPOINT storyboard_holds")
    try:
        first = _insert_holds(conn, board, provider, holds, now, deadline_at, limits)
    except _Refused as refused:
        execute(conn, "ROLLBACK TO SAVEPOINT storyboard_holds")
        return refused.outcome
    execute(conn, "RELEASE SAVEPOINT storyboard_holds")
    notify_jobs(conn)  # runners in other processes: jobs to claim
    return HoldOutcome(first, True, available - total)


def _insert_holds(
    conn: Connection,
    board: Storyboard,
    provider: str,
    holds: Sequence[ShotHold],
    now: datetime,
    deadline_at: datetime,
    limits: HoldLimits,
) -> int:
    stamp = now.isoformat()
    first = 0
    for index, hold in enumerate(holds):
        shot_limits = replace(limits, concurrent_jobs=None)
        if index:  # the shots are one Generate: the cooldown is checked once
            shot_limits = replace(shot_limits, cooldown_s=None)
        refusal = check_caps(conn, board.guild_id, board.user_id, hold.duration_s,
                             shot_limits, now)  # fmt: skip
        if refusal is not None:
            available = balances.available(conn, board.guild_id, board.user_id)
            raise _Refused(HoldOutcome(None, False, available, refusal[0], refusal[1]))
        job_id = insert(
            conn,
            "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
            " request_json, price, created_at, updated_at, model, duration_s, resolution,"
            " deadline_at, kind, waiting) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, 'shot', ?)",
            (
                board.session_id, board.guild_id, board.channel_id, board.user_id, provider,
                hold.request_json, hold.price, stamp, stamp, hold.model, hold.duration_s,
                hold.resolution, deadline_at.isoformat(), int(hold.waiting),
            ),
        )  # fmt: skip
        balances.append(
            conn, board.guild_id, board.user_id, "hold", hold.price, -hold.price, job_id,
            f"job:{job_id}:hold", "held at a storyboard's start", now,
        )  # fmt: skip
        execute(
            conn,
            "UPDATE storyboard_shots SET job_id = ?, updated_at = ? WHERE id = ?",
            (job_id, stamp, hold.shot_id),
        )
        first = first or job_id
    return first


def _started(conn: Connection, storyboard_id: int) -> bool:
    started = scalar(conn, "SELECT started_at FROM storyboards WHERE id = ?", (storyboard_id,))
    return started is not None
