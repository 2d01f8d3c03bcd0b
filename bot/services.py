"""Assemble the core services from settings (the composition root of the domain core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from bot.credits import Credits
from bot.guilds import GuildPolicies
from bot.jobs import JobRunner
from bot.moderation import Moderation
from bot.providers.preview import PreviewProvider
from bot.settings import Settings
from bot.studio import Studio
from storage.db import Database, utcnow
from storage.ledger import LedgerRepository
from storage.moderation import AuditRepository, BanRepository, GuildConfigRepository
from storage.sessions import SessionRepository


@dataclass
class Services:
    """The running core: database, HTTP session, job runner, studio and moderation."""

    db: Database
    http: aiohttp.ClientSession
    runner: JobRunner
    studio: Studio
    moderation: Moderation

    async def close(self) -> None:
        """Stop jobs, close the HTTP session and the database."""
        await self.runner.close()
        await self.http.close()
        await self.db.close()


async def build_services(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Services:
    """Open the database (migrating it) and wire the services to the configured provider."""
    data_dir = settings.data_dir
    db = await Database.open(settings.database_file)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300, sock_read=60))
    ledger = LedgerRepository(db)
    bans = BanRepository(db)
    policies = GuildPolicies(GuildConfigRepository(db), settings.default_guild_config(), clock)
    provider = PreviewProvider(work_dir=data_dir / "work")
    runner = JobRunner(ledger, provider, data_dir / "results", clock)
    credits = Credits(ledger, policies)
    studio = Studio(
        sessions=SessionRepository(db),
        ledger=ledger,
        bans=bans,
        credits=credits,
        policies=policies,
        runner=runner,
        profile=provider.profile,
        data_dir=data_dir,
        http=http,
        clock=clock,
    )
    moderation = Moderation(
        ledger=ledger,
        credits=credits,
        bans=bans,
        audit=AuditRepository(db),
        policies=policies,
        runner=runner,
        work_dir=data_dir / "reports",
        clock=clock,
    )
    return Services(db=db, http=http, runner=runner, studio=studio, moderation=moderation)
