"""Assemble the core services from settings (the composition root of the domain core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp

from bot.asset_server import AssetServer, SignedUrlHost
from bot.credits import Credits
from bot.errors import CallsheetError
from bot.guilds import GuildPolicies
from bot.jobs import JobRunner
from bot.moderation import Moderation
from bot.providers.ark import ArkProvider
from bot.providers.base import Provider
from bot.providers.evolink import EvolinkProvider
from bot.providers.fal import FalProvider
from bot.providers.preview import PreviewProvider
from bot.settings import Settings
from bot.studio import Studio
from storage.db import Database, utcnow
from storage.ledger import LedgerRepository
from storage.moderation import AuditRepository, BanRepository, GuildConfigRepository
from storage.sessions import SessionRepository


@dataclass
class Services:
    """The running core: database, HTTP session, providers, job runner, studio, moderation."""

    db: Database
    http: aiohttp.ClientSession
    providers: dict[str, Provider]
    runner: JobRunner
    studio: Studio
    moderation: Moderation
    asset_server: AssetServer | None = None

    async def close(self) -> None:
        """Stop jobs and the asset server, close the HTTP session and the database."""
        await self.runner.close()
        if self.asset_server is not None:
            await self.asset_server.close()
        await self.http.close()
        await self.db.close()


def build_providers(
    settings: Settings, http: aiohttp.ClientSession
) -> tuple[dict[str, Provider], AssetServer | None]:
    """Every provider the operator configured (preview always), and the asset server (when
    ``PUBLIC_BASE_URL`` is set) that real providers fetch references from and that links
    full-quality results.

    Raises:
        CallsheetError: a real provider is configured without ``PUBLIC_BASE_URL``.
    """
    data_dir = settings.data_dir
    providers: dict[str, Provider] = {"preview": PreviewProvider(work_dir=data_dir / "work")}
    keyed = (settings.ark_api_key, settings.evolink_api_key, settings.fal_key)
    if not settings.public_base_url:
        if any(key is not None for key in keyed):
            raise CallsheetError(
                "PUBLIC_BASE_URL is not set: providers fetch reference files from the bot's "
                "asset server, so it needs the address at which they can reach it."
            )
        return providers, None
    data_dir.mkdir(parents=True, exist_ok=True)
    host = SignedUrlHost(settings.public_base_url, settings.signing_key(), data_dir)
    server = AssetServer(host, settings.asset_server_host, settings.asset_server_port)
    if settings.ark_api_key is not None:
        providers["ark"] = ArkProvider(
            settings.ark_api_key,
            session=http,
            asset_host=host,
            base_url=settings.ark_base_url,
            model=settings.ark_model,
            fast_model=settings.ark_fast_model,
        )
    if settings.evolink_api_key is not None:
        providers["evolink"] = EvolinkProvider(
            settings.evolink_api_key,
            session=http,
            asset_host=host,
            base_url=settings.evolink_base_url,
        )
    if settings.fal_key is not None:
        providers["fal"] = FalProvider(
            settings.fal_key, session=http, asset_host=host, queue_base=settings.fal_queue_base
        )
    return providers, server


async def build_services(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Services:
    """Open the database (migrating it) and wire the services to the configured providers.
    The job runner is created stopped: call ``runner.start()`` once a listener is set."""
    data_dir = settings.data_dir
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300, sock_read=60))
    try:
        providers, asset_server = build_providers(settings, http)
    except BaseException:
        await http.close()
        raise
    db = await Database.open(settings.database_file)
    if asset_server is not None:
        await asset_server.start()
    ledger = LedgerRepository(db)
    bans = BanRepository(db)
    policies = GuildPolicies(GuildConfigRepository(db), settings.default_guild_config(), clock)
    runner = JobRunner(
        ledger,
        providers,
        data_dir / "results",
        clock,
        max_running=settings.max_running_jobs,
        max_running_per_guild=settings.max_running_jobs_per_guild,
    )
    credits = Credits(ledger, policies)
    studio = Studio(
        sessions=SessionRepository(db),
        ledger=ledger,
        bans=bans,
        credits=credits,
        policies=policies,
        runner=runner,
        providers=providers,
        default_provider=settings.default_provider,
        job_deadline=timedelta(minutes=settings.job_deadline_minutes),
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
    return Services(
        db=db,
        http=http,
        providers=providers,
        runner=runner,
        studio=studio,
        moderation=moderation,
        asset_server=asset_server,
    )
