"""Repository for sessions and their assets (one aggregate); it returns domain objects
(:class:`bot.seedance.session.Session`, :class:`Asset`, :class:`PendingUpload`). Each
method is one hop to the database (:mod:`storage.db`): a session comes back with its
assets from one read transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.seedance.session import Asset, PendingUpload, Rearrangement, Session, SessionState
from storage.db import Connection, Database, IntegrityError, execute, insert, one, rows, scalar

Row = dict[str, Any]
_OPEN = ("open", "generating")
_SESSION_FIELDS = {
    "state",
    "prompt",
    "duration_s",
    "ratio",
    "resolution",
    "generate_audio",
    "model",
    "card_message_id",
    "prompt_draft",
    "replacing_asset_id",
    "thread_id",
}
# Assets in tag order: images, videos, then audio, each by number.
_TAG_ORDER = "CASE kind WHEN 'image' THEN 0 WHEN 'video' THEN 1 ELSE 2 END, ordinal"


class SessionExists(Exception):
    """The member already has an open session in that channel."""


class SessionRepository:
    """Sessions and assets in SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, **fields: Any) -> int:
        """:meth:`open` (the same keyword arguments), returning only the new session's id.

        Raises:
            SessionExists: the member already has an open session in that channel.
        """
        return (await self.open(**fields)).id

    async def open(
        self,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        prompt: str,
        duration_s: int,
        ratio: str,
        resolution: str,
        generate_audio: bool,
        now: datetime,
        model: str = "standard",
        template: str | None = None,
        locale: str = "en-US",
    ) -> Session:
        """Insert an open session and return it (no assets yet), in one transaction.

        Raises:
            SessionExists: the member already has an open session in that channel.
        """
        values = (
            guild_id, channel_id, user_id, prompt, duration_s, ratio, resolution,
            int(generate_audio), now.isoformat(), now.isoformat(), model, template, locale,
        )  # fmt: skip

        def body(conn: Connection) -> Row | None:
            session_id = insert(
                conn,
                "INSERT INTO sessions (guild_id, channel_id, user_id, state, prompt,"
                " duration_s, ratio, resolution, generate_audio, created_at, updated_at, model,"
                " template, locale) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return one(conn, "SELECT * FROM sessions WHERE id = ?", (session_id,))

        try:
            row = await self.db.write(body)
        except IntegrityError as exc:
            raise SessionExists from exc
        assert row is not None  # inserted in the same transaction
        return _session(row, ())

    async def get(self, session_id: int) -> Session | None:
        """The session with its assets, or ``None``."""
        return await self.db.read(
            lambda c: _with_assets(c, one(c, "SELECT * FROM sessions WHERE id = ?", (session_id,)))
        )

    async def find_open(self, guild_id: int, channel_id: int, user_id: int) -> Session | None:
        """The member's open (or generating) session in the channel, or in the thread
        ``channel_id`` names, or ``None``."""
        in_channel = (
            "SELECT * FROM sessions WHERE guild_id = ? AND channel_id = ? AND user_id = ?"
            " AND state IN (?, ?)"
        )
        in_thread = (
            "SELECT * FROM sessions WHERE thread_id = ? AND guild_id = ? AND user_id = ?"
            " AND state IN (?, ?)"
        )

        def body(conn: Connection) -> Session | None:
            row = one(conn, in_channel, (guild_id, channel_id, user_id, *_OPEN))
            if row is None:
                row = one(conn, in_thread, (channel_id, guild_id, user_id, *_OPEN))
            return _with_assets(conn, row)

        return await self.db.read(body)

    async def update(self, session_id: int, now: datetime, **fields: object) -> None:
        """Set ``fields`` (a subset of the session's mutable columns) and touch updated_at.

        Raises:
            ValueError: for a column that is not mutable.
        """
        unknown = set(fields) - _SESSION_FIELDS
        if unknown:
            raise ValueError(f"not mutable: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        values = [int(v) if isinstance(v, bool) else v for v in fields.values()]
        sql = f"UPDATE sessions SET {assignments}, updated_at = ? WHERE id = ?"
        await self.db.write(lambda c: execute(c, sql, (*values, now.isoformat(), session_id)))

    async def idle_before(self, cutoff: datetime) -> list[Session]:
        """Open sessions (not generating) whose last activity is before ``cutoff``."""

        def body(conn: Connection) -> list[Session]:
            found = rows(
                conn,
                "SELECT * FROM sessions WHERE state = 'open' AND updated_at < ?",
                (cutoff.isoformat(),),
            )
            return [_session(row, _assets(conn, int(row["id"]))) for row in found]

        return await self.db.read(body)

    async def assets(self, session_id: int) -> list[Asset]:
        """The session's assets in arrival order."""
        return list(await self.db.read(lambda c: _assets(c, session_id)))

    async def asset(self, asset_id: int) -> Asset | None:
        """One asset, or ``None``."""
        row = await self.db.fetchone("SELECT * FROM assets WHERE id = ?", (asset_id,))
        return _asset(row) if row else None

    async def asset_owner(self, asset_id: int) -> int | None:
        """The member whose session holds the asset, or ``None`` for no such asset."""
        row = await self.db.fetchone(
            "SELECT s.user_id FROM assets a JOIN sessions s ON s.id = a.session_id WHERE a.id = ?",
            (asset_id,),
        )
        return int(row["user_id"]) if row else None

    async def asset_by_sha256(self, session_id: int, sha256: str) -> Asset | None:
        """The session's asset with these bytes, or ``None``."""
        row = await self.db.fetchone(
            "SELECT * FROM assets WHERE session_id = ? AND sha256 = ? AND removed_at IS NULL",
            (session_id, sha256),
        )
        return _asset(row) if row else None

    async def add_asset(self, *, session_id: int, now: datetime, **columns: object) -> int:
        """Insert an asset numbered after the last one of its kind (atomically); return its id.

        ``columns`` holds kind, role, path (the file's media key, :mod:`bot.hosting.store`:
        the column keeps its old name), filename, sha256, format, size_bytes, width,
        height, duration_s, has_audio, face_flag and role_suggested.
        """

        def body(conn: Connection) -> int:
            # Removed rows step aside (tags are renumbered, so a removed one's is reused).
            execute(
                conn,
                "UPDATE assets SET ordinal = -id WHERE session_id = ? AND removed_at IS NOT NULL"
                " AND ordinal > 0",
                (session_id,),
            )
            ordinal = int(
                scalar(
                    conn,
                    "SELECT COALESCE(MAX(ordinal), 0) + 1 FROM assets"
                    " WHERE session_id = ? AND kind = ? AND removed_at IS NULL",
                    (session_id, columns["kind"]),
                )
            )
            names = ["session_id", "ordinal", "created_at", *columns]
            values = [session_id, ordinal, now.isoformat(), *columns.values()]
            values = [int(v) if isinstance(v, bool) else v for v in values]
            asset_id = insert(
                conn,
                f"INSERT INTO assets ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                values,
            )
            execute(
                conn,
                "UPDATE sessions SET updated_at = ? WHERE id = ?",
                (now.isoformat(), session_id),
            )
            return asset_id

        return await self.db.write(body)

    async def set_face_flag(self, asset_id: int, flag: str) -> None:
        """Record the face check's state for an asset: none, warned or kept."""
        await self.db.write(
            lambda c: execute(c, "UPDATE assets SET face_flag = ? WHERE id = ?", (flag, asset_id))
        )

    async def rearrange(
        self,
        session_id: int,
        now: datetime,
        plan: Callable[[Session], Rearrangement],
        *,
        clear_replacing: bool = False,
    ) -> tuple[Session, Rearrangement]:
        """Change the session's assets as ``plan`` (a pure function of the session as it
        is in this transaction, :func:`bot.seedance.session.rearrange`) says: take assets
        out, renumber the rest, set roles and the renumbered prompt, all in one
        transaction, so a concurrent upload or click never sees half of it. Returns the
        session before the change and the plan applied.

        Raises:
            LookupError: the session is gone. KeyError: ``plan`` names no such asset.
        """

        def body(conn: Connection) -> tuple[Session, Rearrangement]:
            before = _with_assets(conn, one(conn, "SELECT * FROM sessions WHERE id = ?",
                                            (session_id,)))  # fmt: skip
            if before is None:
                raise LookupError(session_id)
            change = plan(before)
            stamp = now.isoformat()
            # Removed rows (and rows about to move) step aside to -id: (session, kind,
            # ordinal) is unique, removed rows included.
            execute(
                conn,
                "UPDATE assets SET ordinal = -id WHERE session_id = ? AND removed_at IS NOT NULL",
                (session_id,),
            )
            for asset_id in change.removed:
                execute(
                    conn,
                    "UPDATE assets SET removed_at = ?, ordinal = -id,"
                    " sha256 = sha256 || ':removed:' || id WHERE id = ?",
                    (stamp, asset_id),
                )
            for asset_id in change.ordinals:
                execute(conn, "UPDATE assets SET ordinal = -id WHERE id = ?", (asset_id,))
            for asset_id, ordinal in change.ordinals.items():
                execute(conn, "UPDATE assets SET ordinal = ? WHERE id = ?", (ordinal, asset_id))
            for asset_id, (role, suggested) in change.roles.items():
                execute(
                    conn,
                    "UPDATE assets SET role = ?, role_suggested = ? WHERE id = ?",
                    (role, int(suggested), asset_id),
                )
            replacing = ", replacing_asset_id = NULL" if clear_replacing else ""
            execute(
                conn,
                f"UPDATE sessions SET prompt = ?, updated_at = ?{replacing} WHERE id = ?",
                (change.prompt, stamp, session_id),
            )
            return before, change

        return await self.db.write(body)

    async def confirm_roles(self, session_id: int, now: datetime) -> int:
        """Make every suggested role of the session chosen; return how many were."""

        def body(conn: Connection) -> int:
            changed = execute(
                conn,
                "UPDATE assets SET role_suggested = 0 WHERE session_id = ?"
                " AND role_suggested = 1 AND removed_at IS NULL",
                (session_id,),
            )
            execute(conn, "UPDATE sessions SET updated_at = ? WHERE id = ?",
                    (now.isoformat(), session_id))  # fmt: skip
            return changed

        return await self.db.write(body)

    async def reopen(self, session_id: int, now: datetime) -> None:
        """Open a closed session again.

        Raises:
            SessionExists: the member has another open session in that channel.
        """
        try:
            await self.db.write(
                lambda c: execute(
                    c,
                    "UPDATE sessions SET state = 'open', updated_at = ? WHERE id = ?",
                    (now.isoformat(), session_id),
                )
            )
        except IntegrityError as exc:
            raise SessionExists from exc

    async def unresolved_uploads(self, session_id: int) -> int:
        """How many uploads are kept aside for the session awaiting a fix."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM pending_uploads WHERE session_id = ?"
            " AND resolved_at IS NULL",
            (session_id,),
        )
        return int(row["n"]) if row else 0

    async def add_pending(
        self, session_id: int, user_id: int, key: str, filename: str, options_json: str,
        now: datetime,
    ) -> int:  # fmt: skip
        """Keep a refused upload (its media key) that one-click fixes can cure; return its id."""
        return await self.db.write(
            lambda c: insert(
                c,
                "INSERT INTO pending_uploads (session_id, user_id, path, filename, options_json,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, user_id, key, filename, options_json, now.isoformat()),
            )
        )

    async def pending(self, pending_id: int) -> PendingUpload | None:
        """A kept upload, or ``None``."""
        row = await self.db.fetchone("SELECT * FROM pending_uploads WHERE id = ?", (pending_id,))
        if row is None:
            return None
        return PendingUpload(
            id=int(row["id"]),
            session_id=int(row["session_id"]),
            user_id=int(row["user_id"]),
            key=row["path"],
            filename=row["filename"],
            options_json=row["options_json"],
        )

    async def resolve_pending(self, pending_id: int, now: datetime) -> bool:
        """Mark a kept upload fixed; ``False`` if it already was (a double click)."""
        changed = await self.db.write(
            lambda c: execute(
                c,
                "UPDATE pending_uploads SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                (now.isoformat(), pending_id),
            )
        )
        return changed == 1

    async def set_asset_role(self, asset_id: int, role: str, now: datetime) -> None:
        """Give the asset ``role`` (the member's choice, no longer a suggestion) and touch
        its session."""

        def body(conn: Connection) -> None:
            execute(
                conn,
                "UPDATE assets SET role = ?, role_suggested = 0 WHERE id = ?",
                (role, asset_id),
            )
            execute(
                conn,
                "UPDATE sessions SET updated_at = ?"
                " WHERE id = (SELECT session_id FROM assets WHERE id = ?)",
                (now.isoformat(), asset_id),
            )

        await self.db.write(body)


def _assets(conn: Connection, session_id: int) -> tuple[Asset, ...]:
    found = rows(
        conn,
        f"SELECT * FROM assets WHERE session_id = ? AND removed_at IS NULL ORDER BY {_TAG_ORDER}",
        (session_id,),
    )
    return tuple(_asset(row) for row in found)


def _with_assets(conn: Connection, row: Row | None) -> Session | None:
    return _session(row, _assets(conn, int(row["id"]))) if row is not None else None


def _session(row: Mapping[str, Any], assets: tuple[Asset, ...]) -> Session:
    return Session(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        user_id=int(row["user_id"]),
        state=SessionState(row["state"]),
        prompt=row["prompt"],
        duration_s=int(row["duration_s"]),
        ratio=row["ratio"],
        resolution=row["resolution"],
        generate_audio=bool(row["generate_audio"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        card_message_id=row["card_message_id"],
        thread_id=row["thread_id"],
        model=row["model"],
        template=row["template"],
        locale=row["locale"],
        prompt_draft=row["prompt_draft"],
        replacing_asset_id=row["replacing_asset_id"],
        assets=assets,
    )


def _asset(row: Mapping[str, Any]) -> Asset:
    return Asset(
        id=int(row["id"]),
        session_id=int(row["session_id"]),
        kind=row["kind"],
        ordinal=int(row["ordinal"]),
        role=row["role"],
        key=row["path"],
        filename=row["filename"],
        sha256=row["sha256"],
        format=row["format"],
        size_bytes=int(row["size_bytes"]),
        width=row["width"],
        height=row["height"],
        duration_s=row["duration_s"],
        has_audio=bool(row["has_audio"]),
        face_flag=row["face_flag"],
        role_suggested=bool(row["role_suggested"]),
    )
