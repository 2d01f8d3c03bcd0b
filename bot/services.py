"""Assemble the core services from settings (the composition root of the domain core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp

from bot.credits import Credits
from bot.jobs import JobRunner
from bot.providers.preview import PreviewProvider
from bot.settings import Settings
from bot.studio import SessionDefaults, Studio
from storage.db import Database, utcnow
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository


@dataclass
class Services:
    """The running core: database, HTTP session, job runner and studio."""

    db: Database
    http: aiohttp.ClientSession
    runner: JobRunner
    studio: Studio

    async def close(self) -> None:
        """Stop jobs, close the HTTP session and the database."""
        await self.runner.close()
        await self.http.close()
        await self.db.close()


async def build_services(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Services:
    """Open the database (migrating it) and wire the studio to the configured provider."""
    data_dir = settings.data_dir
    db = await Database.open(settings.database_file)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300, sock_read=60))
    ledger = LedgerRepository(db)
    provider = PreviewProvider(work_dir=data_dir / "work")
    runner = JobRunner(ledger, provider, data_dir / "results", clock)
    studio = Studio(
        sessions=SessionRepository(db),
        ledger=ledger,
        credits=Credits(ledger, settings.starting_allowance),
        runner=runner,
        profile=provider.profile,
        prices=settings.price_table,
        data_dir=data_dir,
        http=http,
        defaults=SessionDefaults(
            duration_s=settings.default_duration_s,
            ratio=settings.default_ratio,
            resolution=settings.default_resolution,
        ),
        idle_timeout=timedelta(minutes=settings.session_idle_minutes),
        clock=clock,
    )
    return Services(db=db, http=http, runner=runner, studio=studio)
