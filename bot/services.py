"""Assemble the core services from settings (the composition root of the domain core).

Every resource is entered on one :class:`contextlib.AsyncExitStack` as it is opened, so a
failed start-up closes what was already open and :meth:`Services.close` closes it all, in
the reverse order of opening.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import aiohttp

from bot.credits.service import Credits
from bot.errors import CallsheetError
from bot.generation.callbacks import CallbackReceiver, CallbackUrls
from bot.generation.jobs import JobRunner
from bot.generation.notices import Notices
from bot.generation.results import Results
from bot.generation.retention import Retention
from bot.generation.service import Generation
from bot.generation.spend import Spending
from bot.guilds.service import GuildConfigs
from bot.hosting.base import AssetHost
from bot.hosting.channel import ChannelHost, ChannelUploader
from bot.hosting.s3 import S3AssetHost
from bot.hosting.s3_media import S3MediaStore
from bot.hosting.signed import AssetServer, SignedUrlHost
from bot.hosting.store import MediaStore
from bot.metrics import Metrics
from bot.moderation import Moderation
from bot.providers.ark import ArkProvider
from bot.providers.ark_regions import ArkRegion
from bot.providers.base import Provider
from bot.providers.evolink import EvolinkProvider
from bot.providers.fal import FalProvider
from bot.providers.metered import MeteredProvider
from bot.providers.preview import PreviewProvider
from bot.providers.registry import ProviderRegistry
from bot.providers.replicate import ReplicateProvider
from bot.sessions.service import Sessions
from bot.sessions.uploads import Uploads
from bot.settings import Settings
from bot.storyboard.service import Storyboards
from bot.words import Words, say
from bot.workers import WorkerPool, spare_cores
from storage.db import Database, utcnow
from storage.history import HistoryRepository
from storage.ledger import LedgerRepository
from storage.moderation import AuditRepository, BanBoard, GuildConfigRepository
from storage.offers import OfferRepository
from storage.retention import RetentionRepository
from storage.sessions import SessionRepository
from storage.stats import StatsRepository
from storage.storyboards import StoryboardRepository

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The running core: database, HTTP session, providers, job runner, render pool, and the
    services the cogs call (sessions, uploads, generation, results, storyboards, spending, notices,
    credits, moderation, retention), the catalogue of everything members read (``words``,
    :mod:`bot.words`), and this process's Prometheus metrics (``metrics``, served at
    ``/metrics`` by ``asset_server``).

    ``media`` is where media files live by key (:mod:`bot.hosting.store`): the data
    directory, or the S3 bucket with ``ASSET_HOST=s3``.

    ``stack`` holds the closers of everything :func:`build_services` opened; close with
    :meth:`close` or use the services as an async context manager.
    """

    db: Database
    http: aiohttp.ClientSession
    providers: dict[str, Provider]
    runner: JobRunner
    sessions: Sessions
    uploads: Uploads
    generation: Generation
    results: Results
    storyboards: Storyboards
    spending: Spending
    notices: Notices
    credits: Credits
    moderation: Moderation
    retention: Retention
    clock: Callable[[], datetime]
    render_pool: WorkerPool
    media_pool: WorkerPool
    words: Words
    metrics: Metrics
    media: MediaStore
    asset_host: AssetHost | None = None
    asset_server: AssetServer | None = None
    stack: AsyncExitStack = field(default_factory=AsyncExitStack, repr=False)

    async def close(self) -> None:
        """Stop jobs and the asset server, close the S3 client, the HTTP session and the
        database (the reverse of the order they were opened in). Safe to call twice."""
        await self.stack.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


PRIVATE_FOLDER = 0o700  # the data folder: members' uploads, results, the database


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) readable by the bot's user only (0700), or take
    away the group's and others' access to it when it exists; return it. A folder the bot
    cannot change (not its own) is logged and left as it is."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(mode & ~0o077)
        except OSError:
            log.warning("%s is readable by others (mode %o) and cannot be changed", path, mode)
    return path


def build_asset_host(
    settings: Settings, storage_channel: Callable[[int], ChannelUploader] | None = None
) -> tuple[AssetHost | None, AssetServer | None]:
    """The configured asset host (and the bot's own server, not started, when that is the
    host), or ``(None, None)`` when none is configured. Nothing is opened yet.

    Args:
        settings: operator settings.
        storage_channel: channel id → the storage channel (ASSET_HOST=discord; the Discord
            layer supplies it).

    Raises:
        CallsheetError: the chosen host is missing a setting.
    """
    if settings.asset_host == "s3":
        bucket, key_id, secret = (
            settings.s3_bucket,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )
        if not bucket or key_id is None or secret is None:
            raise CallsheetError(say("operator-s3-settings"))
        s3 = S3AssetHost(
            bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=key_id,
            secret_access_key=secret,
            prefix=settings.s3_prefix,
        )
        return s3, None
    if settings.asset_host == "discord":
        if settings.storage_channel_id is None or storage_channel is None:
            raise CallsheetError(say("operator-discord-host-settings"))
        return ChannelHost(storage_channel(settings.storage_channel_id)), None
    if not settings.public_base_url:
        return None, None
    private_folder(settings.data_dir)
    host = SignedUrlHost(settings.public_base_url, settings.signing_key(), settings.data_dir)
    return host, AssetServer(host, settings.asset_server_host, settings.asset_server_port)


def build_providers(
    settings: Settings,
    http: aiohttp.ClientSession,
    host: AssetHost | None,
    preview_pool: WorkerPool | None = None,
) -> dict[str, Provider]:
    """Every provider the operator configured (preview always, rendering on
    ``preview_pool``: the default thread pool when ``None``).

    Raises:
        CallsheetError: a real provider is configured but no asset host is.
    """
    providers: dict[str, Provider] = {
        "preview": PreviewProvider(work_dir=settings.data_dir / "work", pool=preview_pool)
    }
    keyed = (
        settings.ark_api_key,
        settings.evolink_api_key,
        settings.fal_key,
        settings.replicate_api_token,
    )
    if all(key is None for key in keyed):
        return providers
    if host is None:
        raise CallsheetError(say("operator-no-asset-host"))
    if settings.ark_api_key is not None:
        region = ArkRegion.configure(
            settings.ark_region, settings.ark_base_url, settings.ark_model, settings.ark_fast_model
        )
        providers["ark"] = ArkProvider(
            settings.ark_api_key,
            session=http,
            asset_host=host,
            base_url=region.base_url,
            model=region.model,
            fast_model=region.fast_model,
            service_tier=settings.ark_service_tier,
            extra_models=settings.ark_models,
        )
    if settings.evolink_api_key is not None:
        providers["evolink"] = EvolinkProvider(
            settings.evolink_api_key,
            session=http,
            asset_host=host,
            base_url=settings.evolink_base_url,
            extra_models=settings.evolink_models,
        )
    if settings.fal_key is not None:
        providers["fal"] = FalProvider(
            settings.fal_key,
            session=http,
            asset_host=host,
            queue_base=settings.fal_queue_base,
            webhook_jwks_url=settings.fal_webhook_jwks_url,
            extra_models=settings.fal_models,
        )
    if settings.replicate_api_token is not None:
        providers["replicate"] = ReplicateProvider(
            settings.replicate_api_token,
            session=http,
            asset_host=host,
            base_url=settings.replicate_base_url,
            webhook_secret=settings.replicate_webhook_secret,
            extra_models=settings.replicate_models,
        )
    return providers


async def build_services(
    settings: Settings,
    clock: Callable[[], datetime] = utcnow,
    storage_channel: Callable[[int], ChannelUploader] | None = None,
) -> Services:
    """Open the database (migrating it) and the HTTP session, start the asset server, and
    wire the services to the configured providers. The job runner is created stopped: call
    ``runner.start()`` once a listener is added.

    Raises:
        CallsheetError: a setting is missing (see :func:`build_asset_host`,
            :func:`build_providers`).
        OSError: the asset server cannot listen (e.g. its port is taken).
        Whatever opening the database raises. On any failure everything already opened
        is closed again before the error propagates.
    """
    data_dir = private_folder(settings.data_dir)
    async with AsyncExitStack() as stack:
        db = await Database.open_url(settings.database)
        stack.push_async_callback(db.close)
        http = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300, sock_read=60))
        )
        asset_host, asset_server = build_asset_host(settings, storage_channel)
        media = MediaStore(data_dir)
        if isinstance(asset_host, S3AssetHost):
            stack.push_async_callback(asset_host.close)  # its client opens on first use
            media = S3MediaStore(asset_host, data_dir)  # workers elsewhere read them by key
            asset_host = media  # a stored file is published as its own object
        preview_pool = WorkerPool("preview", 2, nice=settings.worker_nice)  # two renders at once
        stack.callback(preview_pool.close)
        metrics = Metrics(StatsRepository(db).job_counts)
        providers: dict[str, Provider] = {
            name: MeteredProvider(name, provider, metrics)
            for name, provider in build_providers(settings, http, asset_host, preview_pool).items()
        }
        callbacks = None
        if settings.public_base_url and settings.provider_callbacks:
            callbacks = CallbackUrls(settings.public_base_url, settings.callback_key())
            if asset_server is None:  # references live elsewhere; the server takes callbacks
                asset_server = AssetServer(
                    None, settings.asset_server_host, settings.asset_server_port
                )
        if asset_server is None and settings.metrics:  # a web server for /metrics alone
            asset_server = AssetServer(None, settings.asset_server_host, settings.asset_server_port)
        ledger = LedgerRepository(db, metrics.credits_moved, metrics.job_finished)
        bans = BanBoard(db)
        await bans.load(clock())  # the bans in force, so cards show them without a read
        guild_configs = GuildConfigs(
            GuildConfigRepository(db), settings.default_guild_config(), clock
        )
        nice = settings.worker_nice
        render_pool = WorkerPool("render", nice=nice)
        media_pool = WorkerPool("media", spare_cores(), nice=nice)
        stack.callback(render_pool.close)
        stack.callback(media_pool.close)
        runner = JobRunner(
            ledger,
            providers,
            data_dir / "results",
            clock,
            max_running=settings.max_running_jobs,
            max_running_per_guild=settings.max_running_jobs_per_guild,
            callbacks=callbacks,
            worker_id=settings.job_worker_id,
            lease_s=settings.job_lease_s,
            media=media,
        )
        stack.push_async_callback(runner.close)
        if callbacks is not None and asset_server is not None:
            schemes = {n: p.callbacks for n, p in providers.items() if p.callbacks is not None}
            receiver = CallbackReceiver(callbacks, schemes, runner, runner.claims.poke)
            asset_server.add_routes(receiver.routes())
        if asset_server is not None:
            asset_server.add_routes(metrics.routes())
            stack.push_async_callback(asset_server.close)  # also undoes a half-done start
            await asset_server.start()
        credits = Credits(ledger, guild_configs)
        registry = ProviderRegistry(providers, settings.default_provider, guild_configs)
        repo = SessionRepository(db)
        sessions = Sessions(
            repo=repo,
            guild_configs=guild_configs,
            providers=registry,
            data_dir=data_dir,
            render_pool=render_pool,
            clock=clock,
            media=media,
        )
        uploads = Uploads(
            sessions=sessions,
            repo=repo,
            guild_configs=guild_configs,
            providers=registry,
            data_dir=data_dir,
            http=http,
            media_pool=media_pool,
            clock=clock,
            media=media,
        )
        generation = Generation(
            sessions=sessions,
            ledger=ledger,
            bans=bans,
            credits=credits,
            guild_configs=guild_configs,
            providers=registry,
            runner=runner,
            job_deadline=timedelta(minutes=settings.job_deadline_minutes),
            clock=clock,
            history=HistoryRepository(db),
        )
        results = Results(
            sessions=sessions,
            uploads=uploads,
            generation=generation,
            guild_configs=guild_configs,
            providers=registry,
            data_dir=data_dir,
            media_pool=media_pool,
            media=media,
        )
        storyboards = Storyboards(
            sessions=sessions, generation=generation, credits=credits,
            repo=StoryboardRepository(db), guild_configs=guild_configs, registry=registry,
            providers=providers, runner=runner, http=http, data_dir=data_dir,
            media_pool=media_pool, media=media, clock=clock,
            job_deadline=timedelta(minutes=settings.job_deadline_minutes),
        )  # fmt: skip
        await storyboards.resume()  # watches the runner; unfinished ones move on
        stack.push_async_callback(storyboards.close)
        offers = OfferRepository(db)
        spending = Spending(generation=generation, results=results, offers=offers, clock=clock)
        moderation = Moderation(
            ledger=ledger,
            credits=credits,
            bans=bans,
            audit=AuditRepository(db),
            guild_configs=guild_configs,
            runner=runner,
            work_dir=data_dir / "reports",
            render_pool=render_pool,
            clock=clock,
        )
        retention = Retention(
            repo=RetentionRepository(db),
            data_dir=data_dir,
            days=settings.retention_days,
            media_pool=media_pool,
            clock=clock,
            media=media,
        )
        return Services(
            db=db,
            http=http,
            providers=providers,
            runner=runner,
            sessions=sessions,
            uploads=uploads,
            generation=generation,
            results=results,
            storyboards=storyboards,
            spending=spending,
            notices=Notices(offers),
            credits=credits,
            moderation=moderation,
            retention=retention,
            clock=clock,
            render_pool=render_pool,
            media_pool=media_pool,
            words=Words(),
            metrics=metrics,
            media=media,
            asset_host=asset_host,
            asset_server=asset_server,
            stack=stack.pop_all(),  # success: the services own the closers now
        )
