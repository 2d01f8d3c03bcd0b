"""Repositories for guild configuration, generation bans and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, execute, insert

Row = dict[str, Any]


@dataclass(frozen=True)
class Ban:
    """A ban from generating: who, by whom, why, since when and until when (``None``:
    until lifted); datetimes are UTC."""

    guild_id: int
    user_id: int
    moderator_id: int
    reason: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One recorded moderator action."""

    id: int
    guild_id: int
    actor_id: int
    action: str
    target_id: int | None
    details: str
    reason: str
    created_at: datetime

    def line(self) -> str:
        """One readable line: ``2026-11-25 12:00 <@1> credits.grant → <@2>: +50 (reason)``."""
        target = f" → <@{self.target_id}>" if self.target_id else ""
        why = f" ({self.reason})" if self.reason else ""
        when = self.created_at.strftime("%Y-%m-%d %H:%M")
        return f"{when} <@{self.actor_id}> **{self.action}**{target}: {self.details}{why}"


class GuildConfigRepository:
    """One JSON document of configuration per guild."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> str | None:
        """The guild's stored configuration JSON, or ``None`` (defaults apply)."""
        row = await self.db.fetchone(
            "SELECT config_json FROM guild_config WHERE guild_id = ?", (guild_id,)
        )
        return str(row["config_json"]) if row else None

    async def put(self, guild_id: int, config_json: str, now: datetime) -> None:
        """Store the guild's configuration JSON."""
        await self.db.write(
            lambda c: execute(
                c,
                "INSERT INTO guild_config (guild_id, config_json, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET config_json = excluded.config_json,"
                " updated_at = excluded.updated_at",
                (guild_id, config_json, now.isoformat()),
            )
        )


class BanRepository:
    """Bans from generating, with reason and optional expiry."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def active(self, guild_id: int, user_id: int, now: datetime) -> Ban | None:
        """The member's ban in force at ``now``, or ``None``."""
        row = await self.db.fetchone(
            "SELECT * FROM bans WHERE guild_id = ? AND user_id = ? AND lifted_at IS NULL"
            " AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC LIMIT 1",
            (guild_id, user_id, now.isoformat()),
        )
        return _ban(row) if row is not None else None

    async def all_active(self, now: datetime) -> list[Ban]:
        """Every ban in force at ``now``, in every guild."""
        rows = await self.db.fetchall(
            "SELECT * FROM bans WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
            " ORDER BY id",
            (now.isoformat(),),
        )
        return [_ban(row) for row in rows]

    def known(self, guild_id: int, user_id: int, now: datetime) -> Ban | None:
        """The member's ban in force as this process knows it, without a database read
        (for showing it on the card; a hold reads :meth:`active`). This repository keeps
        none in memory: see :class:`BanBoard`."""
        return None

    async def ban(
        self,
        guild_id: int,
        user_id: int,
        moderator_id: int,
        reason: str,
        now: datetime,
        expires_at: datetime | None,
    ) -> int:
        """Record a ban; return its id."""
        values = (
            guild_id, user_id, moderator_id, reason, now.isoformat(),
            expires_at.isoformat() if expires_at else None,
        )  # fmt: skip
        return await self.db.write(
            lambda c: insert(
                c,
                "INSERT INTO bans (guild_id, user_id, moderator_id, reason, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
        )

    async def lift(self, guild_id: int, user_id: int, now: datetime) -> int:
        """Lift the member's bans; return how many were in force."""
        return await self.db.write(
            lambda c: execute(
                c,
                "UPDATE bans SET lifted_at = ? WHERE guild_id = ? AND user_id = ?"
                " AND lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                (now.isoformat(), guild_id, user_id, now.isoformat()),
            )
        )


def _ban(row: Row) -> Ban:
    expires = row["expires_at"]
    return Ban(
        guild_id=int(row["guild_id"]),
        user_id=int(row["user_id"]),
        moderator_id=int(row["moderator_id"]),
        reason=row["reason"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=datetime.fromisoformat(expires) if expires else None,
    )


class BanBoard(BanRepository):
    """Bans, with the ones in force kept in memory: read once at start (:meth:`load`) and
    kept current by this process's bans and lifts, so a card shows a ban without a database
    read. Bans made by another process sharing the database show on cards after a restart;
    a hold always reads the database (:meth:`active`)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._in_force: dict[tuple[int, int], Ban] = {}

    async def load(self, now: datetime) -> None:
        """Read every ban in force (one read)."""
        self._in_force = {(b.guild_id, b.user_id): b for b in await self.all_active(now)}

    def known(self, guild_id: int, user_id: int, now: datetime) -> Ban | None:
        ban = self._in_force.get((guild_id, user_id))
        if ban is not None and ban.expires_at is not None and ban.expires_at <= now:
            return None
        return ban

    async def ban(
        self, guild_id: int, user_id: int, moderator_id: int, reason: str, now: datetime,
        expires_at: datetime | None,
    ) -> int:  # fmt: skip
        ban_id = await super().ban(guild_id, user_id, moderator_id, reason, now, expires_at)
        self._in_force[(guild_id, user_id)] = Ban(
            guild_id, user_id, moderator_id, reason, now, expires_at
        )
        return ban_id

    async def lift(self, guild_id: int, user_id: int, now: datetime) -> int:
        lifted = await super().lift(guild_id, user_id, now)
        self._in_force.pop((guild_id, user_id), None)
        return lifted


class AuditRepository:
    """Who did what, when and why (append-only)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        target_id: int | None,
        details: str,
        reason: str,
        now: datetime,
    ) -> int:
        """Append an entry; return its id."""
        return await self.db.write(
            lambda c: insert(
                c,
                "INSERT INTO audit_log (guild_id, actor_id, action, target_id, details, reason,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, actor_id, action, target_id, details, reason, now.isoformat()),
            )
        )

    async def latest(self, guild_id: int, limit: int = 15) -> list[AuditEntry]:
        """The guild's latest entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            AuditEntry(
                id=int(row["id"]),
                guild_id=int(row["guild_id"]),
                actor_id=int(row["actor_id"]),
                action=row["action"],
                target_id=row["target_id"],
                details=row["details"],
                reason=row["reason"],
                created_at=datetime.fromisoformat(row["created_at"]),
            )
            for row in rows
        ]
