"""The moderator's console as plain calls: credits, allowance, prices, bans, jobs, config,
usage and the audit log. Every action is recorded in the audit log (who, what, when, why)
and told to listeners (the Discord layer posts it to the guild's log channel).

Permission checks live at the Discord edge (``cogs/admin``), which knows roles and channel
overrides; this service trusts its caller to have checked.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.credits.charts import ENGLISH_NAMES, ChartNames, usage_chart
from bot.credits.service import Credits
from bot.errors import CallsheetError
from bot.generation.cancels import CancelOutcome
from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.guilds.config import GuildConfig
from bot.guilds.service import GuildConfigs
from bot.words import say, verbatim
from bot.workers import WorkerPool
from storage.ledger import LedgerRepository
from storage.moderation import AuditEntry, AuditRepository, BanRepository

log = logging.getLogger(__name__)


class AuditListener(Protocol):
    """Told about each audit entry after it is stored."""

    async def audited(self, entry: AuditEntry, config: GuildConfig) -> None: ...


@dataclass(frozen=True)
class UsageReport:
    """Usage totals over a window: a chart PNG, a CSV file and the totals.

    Attributes:
        chart: PNG path; csv: CSV path (day, user_id, jobs, failures, seconds, credits).
        totals: sums over the window (jobs, failures, seconds, credits).
        per_member: user id → credits captured.
    """

    chart: Path
    csv: Path
    totals: dict[str, int]
    per_member: dict[int, int]


class Moderation:
    """Moderator actions for one bot process.

    Args:
        ledger / bans / audit: repositories.
        credits: allowances (a member acted on for the first time gets their starting grant).
        guild_configs: guild configurations.
        runner: the job runner (to cancel jobs).
        work_dir: where charts and CSV files are written.
        render_pool: where charts are drawn (off the event loop).
        clock: current UTC time.
    """

    def __init__(
        self,
        *,
        ledger: LedgerRepository,
        credits: Credits,
        bans: BanRepository,
        audit: AuditRepository,
        guild_configs: GuildConfigs,
        runner: JobRunner,
        work_dir: Path,
        render_pool: WorkerPool,
        clock: Callable[[], datetime],
    ) -> None:
        self.ledger = ledger
        self.credits = credits
        self.bans = bans
        self.audit = audit
        self.guild_configs = guild_configs
        self.runner = runner
        self.work_dir = work_dir
        self.render_pool = render_pool
        self.clock = clock
        self._listeners: list[AuditListener] = []

    @property
    def listeners(self) -> tuple[AuditListener, ...]:
        """The listeners told of each audit entry, in the order they were added."""
        return tuple(self._listeners)

    def add_listener(self, listener: AuditListener) -> None:
        """Add ``listener`` (once: adding it again changes nothing)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove_listener(self, listener: AuditListener) -> None:
        """Remove ``listener``; nothing happens if it was not added."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def record(
        self, guild_id: int, actor_id: int, action: str, target_id: int | None,
        details: str, reason: str = "",
    ) -> AuditEntry:  # fmt: skip
        """Write an audit entry and tell the listeners."""
        now = self.clock()
        entry_id = await self.audit.record(
            guild_id, actor_id, action, target_id, details, reason, now
        )
        entry = AuditEntry(entry_id, guild_id, actor_id, action, target_id, details, reason, now)
        log.info("audit %s in guild %s: %s", action, guild_id, details)
        config = await self.guild_configs.get(guild_id)
        for listener in self.listeners:
            try:
                await listener.audited(entry, config)
            except Exception:
                log.exception("audit listener failed for entry %s", entry_id)
        return entry

    # Credits ----------------------------------------------------------------------------

    async def grant(
        self, guild_id: int, actor_id: int, user_id: int, amount: int, reason: str, key: str
    ) -> int:
        """Add ``amount`` credits (once per ``key``, e.g. the interaction id); return the
        member's available balance."""
        _positive(amount)
        await self.credits.ensure_allowance(guild_id, user_id, self.clock(), refill=False)
        if await self.ledger.append(
            guild_id, user_id, "grant", amount, amount, f"grant:{key}", reason, self.clock()
        ):
            await self.record(guild_id, actor_id, "credits.grant", user_id, f"+{amount}", reason)
        return await self.ledger.available(guild_id, user_id)

    async def revoke(
        self, guild_id: int, actor_id: int, user_id: int, amount: int, reason: str, key: str
    ) -> int:
        """Remove ``amount`` credits (once per ``key``); return the available balance."""
        _positive(amount)
        await self.credits.ensure_allowance(guild_id, user_id, self.clock(), refill=False)
        if await self.ledger.append(
            guild_id, user_id, "revoke", amount, -amount, f"revoke:{key}", reason, self.clock()
        ):
            await self.record(guild_id, actor_id, "credits.revoke", user_id, f"-{amount}", reason)
        return await self.ledger.available(guild_id, user_id)

    async def set_balance(
        self, guild_id: int, actor_id: int, user_id: int, target: int, reason: str, key: str
    ) -> int:
        """Set the available balance to ``target`` (≥ 0); return it."""
        if target < 0:
            raise CallsheetError(say("admin-negative-balance"))
        await self.credits.ensure_allowance(guild_id, user_id, self.clock(), refill=False)
        delta = await self.ledger.set_balance(
            guild_id, user_id, target, f"set:{key}", reason, self.clock()
        )
        await self.record(
            guild_id, actor_id, "credits.set", user_id, f"= {target} ({delta:+d})", reason
        )
        return await self.ledger.available(guild_id, user_id)

    # Bans -------------------------------------------------------------------------------

    async def ban(
        self, guild_id: int, actor_id: int, user_id: int, reason: str, days: float | None
    ) -> datetime | None:
        """Stop the member from generating (for ``days``, or until unbanned); return the
        expiry."""
        if not reason.strip():
            raise CallsheetError(say("admin-ban-needs-reason"))
        now = self.clock()
        expires = now + timedelta(days=days) if days else None
        await self.bans.ban(guild_id, user_id, actor_id, reason, now, expires)
        span = f"for {days:g} day(s)" if days else "until unbanned"
        await self.record(guild_id, actor_id, "members.ban", user_id, span, reason)
        return expires

    async def unban(self, guild_id: int, actor_id: int, user_id: int, reason: str) -> int:
        """Lift the member's bans; return how many were lifted."""
        lifted = await self.bans.lift(guild_id, user_id, self.clock())
        await self.record(
            guild_id, actor_id, "members.unban", user_id, f"{lifted} ban(s) lifted", reason
        )
        return lifted

    # Jobs -------------------------------------------------------------------------------

    async def jobs(self, guild_id: int) -> list[Job]:
        """The guild's queued and running jobs, oldest first."""
        return await self.ledger.active_jobs(guild_id)

    async def cancel_job(
        self, guild_id: int, actor_id: int, job_id: int, reason: str, *, refund_anyway: bool = False
    ) -> tuple[Job, CancelOutcome]:
        """Cancel a job of this guild; return it and what happened (see
        :meth:`JobRunner.cancel`): refunded when it never reached the provider or the
        provider confirms the cancel; else it runs on to be delivered ("finishing"), unless
        the moderator decides to refund it anyway (``refund_anyway``: the provider may still
        bill the server). A cancel that refunds is audited.

        Raises:
            CallsheetError: no such job in this guild, or it already finished.
        """
        job = await self.ledger.job(job_id)
        if job is None or job.guild_id != guild_id:
            raise CallsheetError(say("admin-no-such-job", job=str(job_id)))
        outcome = await self.runner.cancel(
            job_id,
            say("job-cancelled-by-moderator", reason=verbatim(reason)),
            refund_anyway=refund_anyway,
        )
        if outcome == "finished":
            raise CallsheetError(say("admin-job-finished", job=str(job_id), state=str(job.state)))
        if outcome == "cancelled":
            await self.record(
                guild_id, actor_id, "jobs.cancel", job.user_id,
                f"job #{job_id}, {job.price} credits released", reason,
            )  # fmt: skip
        return job, outcome

    # Config -----------------------------------------------------------------------------

    async def configure(
        self, guild_id: int, actor_id: int, changes: dict[str, object], reason: str = ""
    ) -> GuildConfig:
        """Change configuration values (dotted paths); validated, saved, audited.

        Raises:
            CallsheetError: a value is invalid (nothing saved).
        """
        if not changes:
            raise CallsheetError(say("admin-nothing-to-change"))
        config = await self.guild_configs.update(guild_id, changes)
        details = ", ".join(f"{k} = {v}" for k, v in changes.items())
        await self.record(guild_id, actor_id, "config.set", None, details, reason)
        return config

    # Usage ------------------------------------------------------------------------------

    async def usage(
        self, guild_id: int, days: int, chart_title: str = "Usage",
        names: ChartNames = ENGLISH_NAMES,
    ) -> UsageReport:  # fmt: skip
        """Totals per member and per day over the last ``days`` days, as chart (titled
        ``chart_title`` and worded ``names``, in the moderator's language) + CSV."""
        if not 1 <= days <= 366:
            raise CallsheetError(say("admin-days-range"))
        now = self.clock()
        first: date = (now - timedelta(days=days - 1)).date()
        since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
        rows = await self.ledger.usage(guild_id, since)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%d%H%M%S")
        chart = await self.render_pool.run(
            usage_chart, rows, first, days, self.work_dir / f"usage-{guild_id}-{stamp}.png",
            chart_title, names,
        )  # fmt: skip
        buffer = io.StringIO()
        columns = ["day", "user_id", "jobs", "failures", "seconds", "credits"]
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        csv_path = self.work_dir / f"usage-{guild_id}-{stamp}.csv"
        csv_path.write_text(buffer.getvalue(), encoding="utf-8")
        totals = {c: sum(int(r[c] or 0) for r in rows) for c in columns[2:]}
        per_member: dict[int, int] = {}
        for row in rows:
            per_member[int(row["user_id"])] = per_member.get(int(row["user_id"]), 0) + int(
                row["credits"] or 0
            )
        return UsageReport(chart, csv_path, totals, per_member)


def _positive(amount: int) -> None:
    if amount <= 0:
        raise CallsheetError(say("admin-positive-amount"))
