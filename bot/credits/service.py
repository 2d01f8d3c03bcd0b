"""Credits: a member's allowance and balance, derived from the append-only ledger.

docs/ARCHITECTURE.md "Credits": grant, allowance refill, hold (reserve) at Generate, capture on
success, release on failure or cancel; the balance is derived, every entry idempotent by
key. Refills are lazy and keyed by period (``refill:<guild>:<user>:2026-11-25``): the first
time a member is seen in a period they are topped up, once, however many shards or retries
ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.credits.charts import usage_chart
from bot.guilds.config import GuildConfig, next_refill, period_key
from bot.guilds.service import GuildConfigs
from bot.workers import WorkerPool
from storage.ledger import LedgerEntry, LedgerRepository


@dataclass(frozen=True)
class Balance:
    """A member's credits in one guild.

    Attributes:
        available: credits they can spend now.
        held: credits reserved by their unfinished jobs.
        next_refill: when the next periodic refill happens (UTC), or ``None``.
        refill_amount: credits that refill adds (up to the cap).
    """

    available: int
    held: int
    next_refill: datetime | None = None
    refill_amount: int = 0


class Credits:
    """Balances, the starting grant and periodic refills.

    Args:
        ledger: the ledger repository.
        guild_configs: guild guild_configs (allowance settings).
    """

    def __init__(self, ledger: LedgerRepository, guild_configs: GuildConfigs) -> None:
        self.ledger = ledger
        self.guild_configs = guild_configs

    async def ensure_allowance(
        self,
        guild_id: int,
        user_id: int,
        now: datetime,
        role_ids: Sequence[int] = (),
        config: GuildConfig | None = None,
        *,
        refill: bool = True,
    ) -> GuildConfig:
        """Grant the starting allowance once, and (unless ``refill`` is false, as when a
        moderator acts without knowing the member's roles) this period's refill once; return
        the guild's configuration (read once for the caller's convenience)."""
        config = config or await self.guild_configs.get(guild_id)
        allowance = config.allowance
        if allowance.starting_grant > 0:
            await self.ledger.grant(
                guild_id,
                user_id,
                allowance.starting_grant,
                key=f"allowance:{guild_id}:{user_id}:start",
                note="starting allowance",
                now=now,
            )
        period = period_key(allowance.refill_period, now)
        amount = allowance.amount_for(user_id, list(role_ids))
        if refill and period is not None and amount > 0:
            await self.ledger.refill(
                guild_id,
                user_id,
                amount,
                allowance.cap_for(user_id, list(role_ids)),
                key=f"refill:{guild_id}:{user_id}:{period}",
                now=now,
            )
        return config

    async def balance(
        self, guild_id: int, user_id: int, now: datetime, role_ids: Sequence[int] = ()
    ) -> Balance:
        """The member's balance (applying the starting grant and refill first)."""
        config = await self.ensure_allowance(guild_id, user_id, now, role_ids)
        allowance = config.allowance
        return Balance(
            available=await self.ledger.available(guild_id, user_id),
            held=await self.ledger.held(guild_id, user_id),
            next_refill=next_refill(allowance.refill_period, now),
            refill_amount=allowance.amount_for(user_id, list(role_ids)),
        )


@dataclass(frozen=True)
class Statement:
    """What ``/credits`` shows: the balance, the latest entries and a 30-day chart.

    Attributes:
        balance: the member's balance.
        entries: latest ledger entries, newest first.
        chart: PNG of the member's credits and seconds per day over ``days`` days.
    """

    balance: Balance
    entries: list[LedgerEntry]
    chart: Path


async def statement(
    credits: Credits,
    guild_id: int,
    user_id: int,
    now: datetime,
    role_ids: Sequence[int],
    out_dir: Path,
    render_pool: WorkerPool,
    days: int = 30,
) -> Statement:
    """Build a member's statement (the chart is drawn on ``render_pool``)."""
    balance = await credits.balance(guild_id, user_id, now, role_ids)
    entries = await credits.ledger.entries(guild_id, user_id, 10)
    first: date = (now - timedelta(days=days - 1)).date()
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    rows = await credits.ledger.usage(guild_id, since, user_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"credits-{guild_id}-{user_id}.png"
    chart = await render_pool.run(
        usage_chart, rows, first, days, path, f"Your use, last {days} days"
    )
    return Statement(balance, entries, chart)
