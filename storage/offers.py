"""Repository for spend offers (a priced action waiting for the member's confirm) and the
members' own settings (the job notice by direct message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, execute, insert

Row = dict[str, Any]


@dataclass(frozen=True)
class Offer:
    """A priced action shown to a member and not yet confirmed or cancelled.

    Attributes:
        kind: generate, regenerate, extend, insert, edit, reference or stitch.
        session_id: the session a new job attaches to (``None`` for a stitch).
        parent_job_id: the result it builds on (``None`` for Generate).
        job_ids: a stitch's results, in order (empty otherwise).
        request_json: the priced request (``None``: Generate, stitch, reference).
        price: credits shown (0: nothing is spent).
        used_at: when it was confirmed or cancelled (UTC), or ``None``.
    """

    id: int
    guild_id: int
    channel_id: int
    user_id: int
    session_id: int | None
    kind: str
    parent_job_id: int | None
    job_ids: tuple[int, ...]
    request_json: str | None
    price: int
    created_at: datetime
    used_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Offer:
        """Build from a ``spend_offers`` row."""
        return cls(
            id=int(row["id"]),
            guild_id=int(row["guild_id"]),
            channel_id=int(row["channel_id"]),
            user_id=int(row["user_id"]),
            session_id=row["session_id"],
            kind=row["kind"],
            parent_job_id=row["parent_job_id"],
            job_ids=tuple(int(j) for j in row["job_ids"].split()),
            request_json=row["request_json"],
            price=int(row["price"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            used_at=datetime.fromisoformat(row["used_at"]) if row["used_at"] else None,
        )


class OfferRepository:
    """Spend offers and member settings in SQLite (each call one hop)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, *, guild_id: int, channel_id: int, user_id: int, session_id: int | None,
        kind: str, parent_job_id: int | None, job_ids: tuple[int, ...],
        request_json: str | None, price: int, now: datetime,
    ) -> int:  # fmt: skip
        """Store an offer; return its id."""
        params = (
            guild_id, channel_id, user_id, session_id, kind, parent_job_id,
            " ".join(map(str, job_ids)), request_json, price, now.isoformat(),
        )  # fmt: skip
        return await self.db.write(
            lambda c: insert(
                c,
                "INSERT INTO spend_offers (guild_id, channel_id, user_id, session_id, kind, "
                "parent_job_id, job_ids, request_json, price, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params,
            )
        )

    async def get(self, offer_id: int) -> Offer | None:
        """One offer, or ``None``."""
        row = await self.db.fetchone("SELECT * FROM spend_offers WHERE id = ?", (offer_id,))
        return Offer.from_row(row) if row else None

    async def claim(self, offer_id: int, now: datetime) -> bool:
        """Mark the offer used; ``False`` when it already was (a second click)."""
        changed = await self.db.write(
            lambda c: execute(
                c,
                "UPDATE spend_offers SET used_at = ? WHERE id = ? AND used_at IS NULL",
                (now.isoformat(), offer_id),
            )
        )
        return changed == 1

    async def unclaim(self, offer_id: int) -> None:
        """Make a claimed offer usable again (its action was refused: nothing spent)."""
        await self.db.write(
            lambda c: execute(c, "UPDATE spend_offers SET used_at = NULL WHERE id = ?", (offer_id,))
        )

    async def notify_dm(self, guild_id: int, user_id: int) -> bool:
        """Whether the member asked for a direct message when their jobs end."""
        row = await self.db.fetchone(
            "SELECT notify_dm FROM member_settings WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return bool(row and row["notify_dm"])

    async def set_notify_dm(self, guild_id: int, user_id: int, on: bool) -> None:
        """Turn the member's job notices by direct message on or off."""
        await self.db.write(
            lambda c: execute(
                c,
                "INSERT INTO member_settings (guild_id, user_id, notify_dm) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET notify_dm = excluded.notify_dm",
                (guild_id, user_id, int(on)),
            )
        )


__all__ = ["Offer", "OfferRepository"]
