"""Repository for storyboards (bot/storyboard): the shot list beside a session, each
shot's job once started, and which assets a shot claims; it returns
:class:`bot.storyboard.model.Storyboard` objects.

Every method is one hop (one transaction, :mod:`storage.db`). Starting a storyboard holds
every shot's price in one transaction with the member's lock (as
:meth:`storage.ledger.LedgerRepository.create_job_with_hold` does for one job), so a crash
leaves either every shot held or none; a shot that cannot run yet is a ``waiting`` job
(``jobs.waiting``), which holds its credits but is never claimed
(:mod:`storage.claims`) until :meth:`StoryboardRepository.release` gives it its request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from bot.generation.job import JobState
from bot.seedance.compiler import GenerationRequest, request_from_json
from bot.storyboard.model import MAX_SHOTS, Continuity, FilmAudio, Shot, Storyboard
from storage import balances
from storage.db import (
    Connection,
    Database,
    execute,
    insert,
    lock_member,
    notify_jobs,
    one,
    rows,
    scalar,
)
from storage.ledger_records import (
    ACTIVE_JOB_STATES,
    NO_ALLOWANCE,
    AllowanceEntries,
    HoldLimits,
    HoldOutcome,
)
from storage.storyboard_holds import ShotHold, hold_all, start

__all__ = ["FilmRecord", "ShotHold", "StoryboardRepository"]

Row = dict[str, Any]


@dataclass(frozen=True)
class FilmRecord:
    """A film to record as a finished, free job (kind ``stitch``) for delivery.

    Attributes:
        request_json: its request (the last shot's settings; the prompt names the
            shots). result_key: the film's media key. duration_s: its length (s).
        shot_jobs: the shot jobs it joins, in order (recorded as ``film_of``).
    """

    request_json: str
    result_key: str
    duration_s: int
    resolution: str
    model: str
    shot_jobs: tuple[int, ...]


class StoryboardRepository:
    """Storyboards, their shots and shot references (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, session_id: int, guild_id: int, channel_id: int, user_id: int, now: datetime
    ) -> int:
        """A new storyboard beside session ``session_id``; return its id."""
        stamp = now.isoformat()
        return await self.db.write(
            lambda c: insert(
                c,
                "INSERT INTO storyboards (session_id, guild_id, channel_id, user_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, guild_id, channel_id, user_id, stamp, stamp),
            )
        )

    async def get(self, storyboard_id: int) -> Storyboard | None:
        """The storyboard with its shots (each with its job's state; ``references``
        empty, ``reference_ids`` the assets it claims), or ``None``."""
        return await self.db.read(lambda c: _read(c, storyboard_id))

    async def of_session(self, session_id: int) -> int | None:
        """The id of the storyboard beside session ``session_id``, or ``None``."""
        row = await self.db.fetchone(
            "SELECT id FROM storyboards WHERE session_id = ?", (session_id,)
        )
        return int(row["id"]) if row else None

    async def of_shot(self, shot_id: int) -> int | None:
        """The id of the storyboard shot ``shot_id`` belongs to, or ``None``."""
        row = await self.db.fetchone(
            "SELECT storyboard_id FROM storyboard_shots WHERE id = ?", (shot_id,)
        )
        return int(row["storyboard_id"]) if row else None

    async def unfinished(
        self, guild_id: int | None = None, user_id: int | None = None
    ) -> list[int]:
        """Started storyboards whose film for their current shots is not recorded yet
        (a restart resumes them), oldest first: all of them, or one member's in a guild."""
        member = "" if user_id is None else " AND b.guild_id = ? AND b.user_id = ?"
        found = await self.db.fetchall(
            "SELECT b.id FROM storyboards b WHERE b.started_at IS NOT NULL"
            + member
            + " AND EXISTS (SELECT 1 FROM storyboard_shots s WHERE s.storyboard_id = b.id"
            " AND (b.film_of IS NULL OR s.job_id IS NULL"
            " OR b.film_of NOT LIKE '%,' || s.job_id || ',%')) ORDER BY b.id",
            () if user_id is None else (guild_id, user_id),
        )
        return [int(row["id"]) for row in found]

    async def add_shot(
        self,
        storyboard_id: int,
        prompt: str,
        duration_s: int,
        continuity: Continuity,
        now: datetime,
    ) -> bool:
        """Append a shot unless there are :data:`MAX_SHOTS` already or the storyboard has
        started; return whether it was added."""

        def body(conn: Connection) -> bool:
            if _started(conn, storyboard_id):
                return False
            count = int(
                scalar(
                    conn,
                    "SELECT COUNT(*) FROM storyboard_shots WHERE storyboard_id = ?",
                    (storyboard_id,),
                )
            )
            if count >= MAX_SHOTS:
                return False
            stamp = now.isoformat()
            insert(
                conn,
                "INSERT INTO storyboard_shots (storyboard_id, position, prompt, duration_s,"
                " continuity, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (storyboard_id, count + 1, prompt, duration_s,
                 "cut" if count == 0 else continuity, stamp, stamp),
            )  # fmt: skip
            _touch(conn, storyboard_id, stamp)
            return True

        return await self.db.write(body)

    async def update_shot(
        self,
        shot_id: int,
        now: datetime,
        *,
        prompt: str | None = None,
        duration_s: int | None = None,
        continuity: Continuity | None = None,
    ) -> bool:
        """Change a shot of a storyboard not started (``None``: unchanged); return whether
        it changed."""

        def body(conn: Connection) -> bool:
            shot = one(conn, "SELECT * FROM storyboard_shots WHERE id = ?", (shot_id,))
            if shot is None or _started(conn, int(shot["storyboard_id"])):
                return False
            stamp = now.isoformat()
            execute(
                conn,
                "UPDATE storyboard_shots SET prompt = ?, duration_s = ?, continuity = ?,"
                " updated_at = ? WHERE id = ?",
                (
                    shot["prompt"] if prompt is None else prompt,
                    shot["duration_s"] if duration_s is None else duration_s,
                    shot["continuity"] if continuity is None else continuity,
                    stamp, shot_id,
                ),
            )  # fmt: skip
            _touch(conn, int(shot["storyboard_id"]), stamp)
            return True

        return await self.db.write(body)

    async def move_shot(self, shot_id: int, step: int, now: datetime) -> bool:
        """Move a shot ``step`` places, clamped to the ends (the first shot's cut becomes
        ``cut``); ``False`` when started or missing."""

        def body(conn: Connection) -> bool:
            board = _board_of(conn, shot_id)
            if board is None or _started(conn, board):
                return False
            order = [int(r["id"]) for r in _shot_rows(conn, board)]
            at = order.index(shot_id)
            order.insert(max(0, min(len(order) - 1, at + step)), order.pop(at))
            _renumber(conn, board, order, now.isoformat())
            return True

        return await self.db.write(body)

    async def remove_shot(self, shot_id: int, now: datetime) -> bool:
        """Delete a shot (its claimed assets become storyboard-wide); ``False`` when
        started or missing."""

        def body(conn: Connection) -> bool:
            board = _board_of(conn, shot_id)
            if board is None or _started(conn, board):
                return False
            execute(conn, "DELETE FROM storyboard_shot_assets WHERE shot_id = ?", (shot_id,))
            execute(conn, "DELETE FROM storyboard_shots WHERE id = ?", (shot_id,))
            order = [int(r["id"]) for r in _shot_rows(conn, board)]
            _renumber(conn, board, order, now.isoformat())
            return True

        return await self.db.write(body)

    async def claim_asset(self, asset_id: int, shot_id: int | None, storyboard_id: int) -> bool:
        """Make the asset a reference of ``shot_id`` alone, or storyboard-wide
        (``None``); ``False`` when the storyboard has started."""

        def body(conn: Connection) -> bool:
            if _started(conn, storyboard_id):
                return False
            execute(conn, "DELETE FROM storyboard_shot_assets WHERE asset_id = ?", (asset_id,))
            if shot_id is not None:
                execute(
                    conn,
                    "INSERT INTO storyboard_shot_assets (asset_id, shot_id) VALUES (?, ?)",
                    (asset_id, shot_id),
                )
            return True

        return await self.db.write(body)

    async def set_sound(
        self,
        storyboard_id: int,
        now: datetime,
        *,
        soundtrack: tuple[str, str, float] | None = None,
        film_audio: FilmAudio | None = None,
    ) -> bool:
        """Set the soundtrack (its media key, name and length in s) and/or the film's
        sound (``None``: unchanged); ``False`` (nothing changed) for a new soundtrack once
        the storyboard has started (the film's sound may change any time)."""

        def body(conn: Connection) -> bool:
            if soundtrack is not None and _started(conn, storyboard_id):
                return False
            if soundtrack is not None:
                key, name, seconds = soundtrack
                execute(
                    conn,
                    "UPDATE storyboards SET soundtrack_path = ?, soundtrack_name = ?,"
                    " soundtrack_s = ? WHERE id = ?",
                    (key, name, seconds, storyboard_id),
                )
            if film_audio is not None:
                execute(
                    conn,
                    "UPDATE storyboards SET film_audio = ? WHERE id = ?",
                    (film_audio, storyboard_id),
                )
            _touch(conn, storyboard_id, now.isoformat())
            return True

        return await self.db.write(body)

    async def start(
        self,
        board: Storyboard,
        provider: str,
        holds: Sequence[ShotHold],
        now: datetime,
        deadline_at: datetime,
        limits: HoldLimits,
        allowance: AllowanceEntries = NO_ALLOWANCE,
    ) -> HoldOutcome:
        """In one transaction with the member's lock: apply their due ``allowance``; then,
        unless the storyboard has started, a daily cap or the cooldown would be passed, or
        they cannot afford every shot, create every shot's job (kind ``shot``; held back
        where ``waiting``) and hold its price, and mark the storyboard started.

        The jobs-at-once cap is not checked here (every shot is held at once): the
        service releases shots within it. Returns the outcome (``job_id``: the first
        shot's job; ``refused`` "busy": already started).
        """
        return await self.db.write(
            lambda c: start(c, board, provider, holds, now, deadline_at, limits, allowance)
        )

    async def retry(
        self,
        board: Storyboard,
        provider: str,
        hold: ShotHold,
        old_job_id: int | None,
        now: datetime,
        deadline_at: datetime,
        limits: HoldLimits,
        allowance: AllowanceEntries = NO_ALLOWANCE,
    ) -> HoldOutcome:
        """One shot again: a new job and hold (caps and balance checked as at the start)
        and the shot's job replaced, only while its job is still ``old_job_id`` and
        finished (a double click makes one job; ``refused`` "busy" otherwise)."""

        def body(conn: Connection) -> HoldOutcome:
            lock_member(conn, board.guild_id, board.user_id)
            shot = one(conn, "SELECT job_id FROM storyboard_shots WHERE id = ?", (hold.shot_id,))
            current = shot["job_id"] if shot else None
            state = scalar(conn, "SELECT state FROM jobs WHERE id = ?", (current,))
            available = balances.available(conn, board.guild_id, board.user_id)
            if shot is None or current != old_job_id or state in ACTIVE_JOB_STATES:
                return HoldOutcome(current, False, available, "busy")
            return hold_all(conn, board, provider, [hold], now, deadline_at, limits, allowance)

        return await self.db.write(body)

    async def release(
        self, job_id: int, request_json: str, deadline_at: datetime, now: datetime
    ) -> bool:
        """Give a waiting shot job its final request and let the runner claim it (its
        deadline counted from now); ``False`` when it was not waiting (released already,
        or cancelled)."""

        def body(conn: Connection) -> bool:
            changed = execute(
                conn,
                "UPDATE jobs SET waiting = 0, request_json = ?, deadline_at = ?, updated_at = ?"
                " WHERE id = ? AND waiting = 1 AND state = 'queued'",
                (request_json, deadline_at.isoformat(), now.isoformat(), job_id),
            )
            if changed:
                notify_jobs(conn)
            return changed > 0

        return await self.db.write(body)

    async def running_jobs(self, guild_id: int, user_id: int) -> int:
        """The member's unfinished jobs in the guild that are not held back (what their
        jobs-at-once cap counts against)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM jobs WHERE guild_id = ? AND user_id = ?"
            " AND state IN (?, ?, ?) AND waiting = 0",
            (guild_id, user_id, *ACTIVE_JOB_STATES),
        )
        return int(row["n"]) if row else 0

    async def request_of(self, job_id: int) -> GenerationRequest:
        """The request job ``job_id`` was sent (or will be).

        Raises:
            LookupError: no such job.
        """
        row = await self.db.fetchone("SELECT request_json FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            raise LookupError(job_id)
        return request_from_json(row["request_json"])

    async def record_film(
        self, board: Storyboard, film: FilmRecord, now: datetime, *, again: bool = False
    ) -> int | None:
        """Store the film as a finished free job (kind ``stitch``, provider ``local``: no
        hold, not counted by the caps or usage) waiting for delivery, and make it the
        storyboard's film; return its id. Unless ``again`` (a member's re-stitch), only
        when the storyboard has no film of these shot jobs yet (``None`` otherwise), so
        two processes finishing the same storyboard record one film."""
        of = "," + ",".join(map(str, film.shot_jobs)) + ","

        def body(conn: Connection) -> int | None:
            stamp = now.isoformat()
            claimed = execute(
                conn,
                "UPDATE storyboards SET film_of = ?, updated_at = ? WHERE id = ?"
                + ("" if again else " AND (film_of IS NULL OR film_of != ?)"),
                (of, stamp, board.id) if again else (of, stamp, board.id, of),
            )
            if not claimed:
                return None
            job_id = insert(
                conn,
                "INSERT INTO jobs (session_id, guild_id, channel_id, user_id, state, provider,"
                " request_json, price, result_path, created_at, updated_at, model, duration_s,"
                " resolution, kind, parent_job_id)"
                " VALUES (?, ?, ?, ?, 'succeeded', 'local', ?, 0, ?, ?, ?, ?, ?, ?, 'stitch', ?)",
                (
                    board.session_id, board.guild_id, board.channel_id, board.user_id,
                    film.request_json, film.result_key, stamp, stamp, film.model,
                    film.duration_s, film.resolution, film.shot_jobs[-1],
                ),
            )  # fmt: skip
            execute(conn, "UPDATE storyboards SET film_job_id = ? WHERE id = ?", (job_id, board.id))
            notify_jobs(conn)
            return job_id

        return await self.db.write(body)


def _read(conn: Connection, storyboard_id: int) -> Storyboard | None:
    row = one(conn, "SELECT * FROM storyboards WHERE id = ?", (storyboard_id,))
    if row is None:
        return None
    claims = rows(
        conn,
        "SELECT a.asset_id, a.shot_id FROM storyboard_shot_assets a"
        " JOIN storyboard_shots s ON s.id = a.shot_id WHERE s.storyboard_id = ?"
        " ORDER BY a.asset_id",
        (storyboard_id,),
    )
    shots = tuple(
        _shot(r, tuple(int(c["asset_id"]) for c in claims if c["shot_id"] == r["id"]))
        for r in _shot_rows(conn, storyboard_id, with_jobs=True)
    )
    return Storyboard(
        id=int(row["id"]),
        session_id=int(row["session_id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        user_id=int(row["user_id"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        shots=shots,
        soundtrack_key=row["soundtrack_path"],
        soundtrack_name=row["soundtrack_name"],
        soundtrack_s=row["soundtrack_s"],
        film_audio=cast(FilmAudio, row["film_audio"]),
        started_at=datetime.fromisoformat(row["started_at"]) if row["started_at"] else None,
        film_job_id=row["film_job_id"],
        film_of=tuple(int(i) for i in (row["film_of"] or "").split(",") if i),
    )


def _shot(row: Row, reference_ids: tuple[int, ...]) -> Shot:
    state = row.get("job_state")
    return Shot(
        id=int(row["id"]),
        storyboard_id=int(row["storyboard_id"]),
        position=int(row["position"]),
        prompt=row["prompt"],
        duration_s=int(row["duration_s"]),
        continuity=cast(Continuity, row["continuity"]),
        reference_ids=reference_ids,
        job_id=row["job_id"],
        job_state=JobState(state) if state else None,
        waiting=bool(row.get("job_waiting")),
        result_key=row.get("job_result"),
        provider=row.get("job_provider"),
        task_id=row.get("job_task"),
        error=row.get("job_error"),
        price=row.get("job_price"),
    )


def _shot_rows(conn: Connection, storyboard_id: int, *, with_jobs: bool = False) -> list[Row]:
    if not with_jobs:
        return rows(
            conn,
            "SELECT * FROM storyboard_shots WHERE storyboard_id = ? ORDER BY position, id",
            (storyboard_id,),
        )
    return rows(
        conn,
        "SELECT s.*, j.state AS job_state, j.waiting AS job_waiting, j.result_path AS"
        " job_result, j.error AS job_error, j.price AS job_price, j.provider AS job_provider,"
        " j.provider_task_id AS job_task FROM storyboard_shots s"
        " LEFT JOIN jobs j ON j.id = s.job_id WHERE s.storyboard_id = ?"
        " ORDER BY s.position, s.id",
        (storyboard_id,),
    )


def _renumber(conn: Connection, storyboard_id: int, order: list[int], stamp: str) -> None:
    for position, shot_id in enumerate(order, start=1):
        sql = "UPDATE storyboard_shots SET position = ?, updated_at = ?"
        sql += ", continuity = 'cut' WHERE id = ?" if position == 1 else " WHERE id = ?"
        execute(conn, sql, (position, stamp, shot_id))
    _touch(conn, storyboard_id, stamp)


def _board_of(conn: Connection, shot_id: int) -> int | None:
    board = scalar(conn, "SELECT storyboard_id FROM storyboard_shots WHERE id = ?", (shot_id,))
    return int(board) if board is not None else None


def _started(conn: Connection, storyboard_id: int) -> bool:
    started = scalar(conn, "SELECT started_at FROM storyboards WHERE id = ?", (storyboard_id,))
    return started is not None


def _touch(conn: Connection, storyboard_id: int, stamp: str) -> None:
    execute(conn, "UPDATE storyboards SET updated_at = ? WHERE id = ?", (stamp, storyboard_id))
