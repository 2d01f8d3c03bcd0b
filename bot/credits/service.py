"""Credits: a member's allowance and balance, derived from the append-only ledger.

docs/ARCHITECTURE.md "Credits": grant, allowance refill, hold (reserve) at Generate, capture on
success, release on failure or cancel; the balance is derived, every entry idempotent by
key. Refills are lazy and keyed by period (``refill:<guild>:<user>:2026-11-25``): the first
time a member is seen in a period they are topped up, once, however many shards or retries
ask; reading a balance writes only then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.credits.charts import ENGLISH_NAMES, ChartNames, usage_chart
from bot.guilds.config import GuildConfig, next_refill, period_key
from bot.guilds.service import GuildConfigs
from bot.workers import WorkerPool
from storage.ledger import AllowanceEntries, LedgerEntry, LedgerRepository


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

    A balance read writes nothing unless an allowance entry is due: the starting grant the
    first time a member is seen, this period's refill the first time in the period. Then
    one write transaction adds it (idempotent by key), and every later read in the period
    is read-only (``storage.ledger.LedgerRepository.balance``). A hold applies due entries
    in its own transaction.

    Args:
        ledger: the ledger repository.
        guild_configs: guild configurations (allowance settings).
    """

    def __init__(self, ledger: LedgerRepository, guild_configs: GuildConfigs) -> None:
        self.ledger = ledger
        self.guild_configs = guild_configs

    def allowance(
        self,
        config: GuildConfig,
        guild_id: int,
        user_id: int,
        now: datetime,
        role_ids: Sequence[int] = (),
        *,
        refill: bool = True,
    ) -> AllowanceEntries:
        """The allowance entries the member is owed at ``now`` under ``config``: the
        starting grant, and (unless ``refill`` is false) this period's refill. Each is
        written once, by its key (``allowance:<guild>:<user>:start``,
        ``refill:<guild>:<user>:<period>``)."""
        allowance = config.allowance
        period = period_key(allowance.refill_period, now) if refill else None
        return AllowanceEntries(
            start_grant=allowance.starting_grant,
            start_key=f"allowance:{guild_id}:{user_id}:start",
            refill_amount=allowance.amount_for(user_id, list(role_ids)),
            refill_cap=allowance.cap_for(user_id, list(role_ids)),
            refill_key=f"refill:{guild_id}:{user_id}:{period}" if period is not None else None,
        )

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
        the guild's configuration (read once for the caller's convenience). One read; a
        write only when an entry is due."""
        config = config or await self.guild_configs.get(guild_id)
        entries = self.allowance(config, guild_id, user_id, now, role_ids, refill=refill)
        await self.ledger.balance(guild_id, user_id, now, entries)
        return config

    async def balance(
        self, guild_id: int, user_id: int, now: datetime, role_ids: Sequence[int] = ()
    ) -> Balance:
        """The member's balance, including their due starting grant and refill (written
        first when due; otherwise a read-only query)."""
        config = await self.guild_configs.get(guild_id)
        entries = self.allowance(config, guild_id, user_id, now, role_ids)
        credits = await self.ledger.balance(guild_id, user_id, now, entries)
        return Balance(
            available=credits.available,
            held=credits.held,
            next_refill=next_refill(config.allowance.refill_period, now),
            refill_amount=entries.refill_amount,
        )


@dataclass(frozen=True)
class Statement:
    """What ``/credits`` shows: the balance, the latest entries and a 30-day chart.

    Attributes:
        balance: the member's balance.
        entries: the latest 20 ledger entries, newest first.
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
    chart_title: str,
    days: int = 30,
    names: ChartNames = ENGLISH_NAMES,
) -> Statement:
    """Build a member's statement (the chart, titled ``chart_title`` and worded ``names``
    in the member's language, is drawn on ``render_pool``)."""
    balance = await credits.balance(guild_id, user_id, now, role_ids)
    entries = await credits.ledger.entries(guild_id, user_id, 20)
    first: date = (now - timedelta(days=days - 1)).date()
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    rows = await credits.ledger.usage(guild_id, since, user_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"credits-{guild_id}-{user_id}.png"
    chart = await render_pool.run(usage_chart, rows, first, days, path, chart_title, names)
    return Statement(balance, entries, chart)
