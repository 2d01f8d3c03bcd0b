"""The discord.py client: a ``commands.Bot`` that wires the core services at start-up."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord
import yarl
from discord.ext import commands

from bot.services import Services, build_services
from bot.settings import Settings
from cogs.early_acks import EarlyAcks
from cogs.errors import on_app_command_error
from cogs.handlers import Handlers
from cogs.storage_channel import StorageChannel
from cogs.translator import CatalogueTranslator
from storage.db import utcnow

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.session", "cogs.storyboard", "cogs.credits", "cogs.admin", "cogs.guide")

NO_MESSAGE_CONTENT = (
    "no message-content intent (%s): files members post in a channel don't reach the bot "
    "unless they mention it; the session card tells them to use /video add. To read them, "
    "enable Message Content Intent in the Discord Developer Portal (Bot → Privileged "
    "Gateway Intents) and set MESSAGE_CONTENT_INTENT=true"
)


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST and gateway traffic elsewhere (the test emulator).

    discord.py reads both from class attributes (docs/ARCHITECTURE.md "Discord facts");
    production leaves them unset.
    """
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def run_worker(settings: Settings) -> None:
    """``python -m bot worker``: run jobs without a gateway connection until SIGINT or
    SIGTERM (docs/ARCHITECTURE.md "Several workers"). The client logs in (REST only: no
    IDENTIFY, no events), which builds the services and loads the cogs; the job runner
    claims jobs from the shared database and delivers them, edits cards and sends notices
    through REST (``get_partial_messageable``), which works for any guild.

    Raises:
        discord.LoginFailure: the token is wrong.
    """
    bot = CallsheetBot(settings, gateway=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with bot:
        await bot.login(settings.discord_token.get_secret_value())
        log.info("job worker %s running", settings.job_worker_id)
        await stop.wait()


class CallsheetBot(commands.Bot):
    """Callsheet's Discord client.

    ``handlers`` (:class:`cogs.handlers.Handlers`) orders interaction handling so that in a
    burst every acknowledgement goes out first, instead of each waiting behind the database
    writes, drawing and edits of all the earlier ones (docs/ARCHITECTURE.md, "Instant under
    a burst").

    Without Discord's privileged message-content intent (the developer portal's switch, or
    ``MESSAGE_CONTENT_INTENT=false``) the bot does not read files posted in the channel
    unless it is mentioned: it says so at start-up and on the session card (members add
    files with ``/video add``). Asked for and refused, Discord closes the gateway with 4014;
    the bot then connects again without it instead of stopping (:meth:`connect`).

    With ``SHARD_ID`` / ``SHARD_COUNT`` it is one shard of several processes: Discord sends
    it only its guilds' events; the REST calls (cards, deliveries, threads) work for any
    guild, so shard 0's process alone syncs commands and runs the sweeps.

    Args:
        settings: operator settings.
        clock: current UTC time (injectable for tests).
        gateway: connect to the gateway (a shard); ``False``: a job worker
            (:func:`run_worker`), which uses Discord's REST API only.
    """

    services: Services

    def __init__(
        self, settings: Settings, clock: Callable[[], datetime] = utcnow, *, gateway: bool = True
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content_intent
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            shard_id=settings.shard_id,  # SHARD_ID of SHARD_COUNT: this process's guilds
            shard_count=settings.shard_count,
        )
        self.settings = settings
        self.clock = clock
        self.gateway = gateway
        self.handlers = Handlers()
        self.early_acks = EarlyAcks(self, self.handlers, self._observe_ack)
        parsers: dict[str, Callable[[Any], None]] = self._connection.parsers
        self._parse_edit = parsers["MESSAGE_UPDATE"]
        parsers["MESSAGE_UPDATE"] = self._parse_others_edit
        point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
        self.tree.on_error = on_app_command_error  # type: ignore[method-assign]
        if not settings.message_content_intent:
            log.warning(NO_MESSAGE_CONTENT, "MESSAGE_CONTENT_INTENT is false")

    @property
    def runs_once(self) -> bool:
        """Whether this process syncs the commands and runs the sweeps: a gateway process
        that ``Settings.runs_once`` picks (unsharded, or shard 0), never a job worker."""
        return self.gateway and self.settings.runs_once

    @property
    def runs_jobs(self) -> bool:
        """Whether this process runs jobs: a job worker does; a gateway process unless
        ``RUN_JOBS=false`` (workers run them)."""
        return self.settings.run_jobs or not self.gateway

    @property
    def reads_message_files(self) -> bool:
        """Whether files members post in a channel reach the bot (the message-content
        intent); without it only ``/video add`` and messages mentioning the bot do."""
        return self.intents.message_content

    async def connect(self, *, reconnect: bool = True) -> None:
        """Connect to the gateway; refused the message-content intent (close code 4014,
        "Disallowed intent(s)"), connect again without it and say so in the log.

        Raises:
            discord.PrivilegedIntentsRequired: another privileged intent was refused.
        """
        try:
            await super().connect(reconnect=reconnect)
        except discord.PrivilegedIntentsRequired:
            if not self.intents.message_content:
                raise
            log.warning(NO_MESSAGE_CONTENT, "Discord refused it (gateway close code 4014)")
            # discord.py keeps the intents it identifies with on its connection state only
            self._connection._intents.message_content = False
            await super().connect(reconnect=reconnect)

    async def setup_hook(self) -> None:
        """Open the database, install the catalogue's command translator, load the cogs,
        register persistent components, sync commands (one process does: unsharded, or
        shard 0; ``Settings.runs_once``)."""
        self.services = await build_services(
            self.settings, self.clock, lambda channel_id: StorageChannel(self, channel_id)
        )
        for pool in (self.services.render_pool, self.services.media_pool):
            pool.wait_for(self.handlers.quiet)  # drawing and probing let acknowledgements go first
        await self.tree.set_translator(CatalogueTranslator(self.services.words))
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.runs_jobs:  # resumes unfinished jobs once the listener is loaded
            self.services.runner.start()
        if self.settings.sync_commands and self.runs_once:
            guild_id = self.settings.command_guild_id
            if guild_id:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            else:
                synced = await self.tree.sync()
            log.info("synced %d application commands", len(synced))
        # Startup's objects (modules, the command tree, caches) live as long as the process:
        # once out of the collector's reach, a full collection in a burst walks only what the
        # burst made: ~90 ms → ~15 ms here, a pause every waiting interaction felt
        # (bench/acks.py). Garbage is collected first so none of it is kept for good.
        gc.collect()
        gc.freeze()

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Register persistent components; those that allow it are acknowledged early
        (:class:`cogs.early_acks.EarlyAcks`)."""
        super().add_dynamic_items(*items)
        self.early_acks.register(items)

    def remove_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        super().remove_dynamic_items(*items)
        self.early_acks.unregister(items)

    def _parse_others_edit(self, data: dict[str, Any]) -> None:
        """discord.py builds a whole message for every edit it hears of, each of the bot's
        own card edits too (~0.8 ms of the loop's time apiece, mid-burst: bench/acks.py).
        Nothing in Callsheet reads its own messages' edits, so those are dropped unbuilt,
        unless discord.py keeps a view for the message, which an edit updates."""
        state = self._connection
        if int((data.get("author") or {}).get("id", 0)) == state.self_id:
            entity = int((data.get("interaction") or {}).get("id", data["id"]))
            if not state._view_store.is_message_tracked(entity):
                return
        self._parse_edit(data)

    def _observe_ack(self, how: str, seconds: float) -> None:
        if hasattr(self, "services"):
            self.services.metrics.ack_seconds.labels(how).observe(seconds)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Count the interaction by type (``callsheet_interactions_total``, bot/metrics.py);
        discord.py's command tree and views handle it."""
        if hasattr(self, "services"):
            self.services.metrics.interactions.labels(interaction.type.name).inc()

    async def close(self) -> None:
        """Disconnect, then stop the core services."""
        await super().close()
        if hasattr(self, "services"):
            await self.services.close()
