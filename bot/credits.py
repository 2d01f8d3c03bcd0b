"""Credits: a member's allowance and balance, derived from the append-only ledger.

DESIGN.md "Credits": grant, hold (reserve) at Generate, capture on success, release on
failure or cancel; the balance is derived, every entry idempotent by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.ledger import LedgerRepository


@dataclass(frozen=True)
class Balance:
    """A member's credits in one guild.

    Attributes:
        available: credits they can spend now.
        held: credits reserved by their unfinished jobs.
    """

    available: int
    held: int


class Credits:
    """Balances and the starting allowance.

    Args:
        ledger: the ledger repository.
        starting_allowance: credits granted once, the first time a member is seen in a guild.
    """

    def __init__(self, ledger: LedgerRepository, starting_allowance: int) -> None:
        self.ledger = ledger
        self.starting_allowance = starting_allowance

    async def ensure_allowance(self, guild_id: int, user_id: int, now: datetime) -> None:
        """Grant the starting allowance unless this member already had it (idempotent)."""
        if self.starting_allowance > 0:
            await self.ledger.grant(
                guild_id,
                user_id,
                self.starting_allowance,
                key=f"allowance:{guild_id}:{user_id}:start",
                note="starting allowance",
                now=now,
            )

    async def balance(self, guild_id: int, user_id: int, now: datetime) -> Balance:
        """The member's balance (granting the starting allowance on first use)."""
        await self.ensure_allowance(guild_id, user_id, now)
        return Balance(
            available=await self.ledger.available(guild_id, user_id),
            held=await self.ledger.held(guild_id, user_id),
        )
