"""A loopback Discord (gateway + REST v10) that the real, unmodified discord.py client talks
to: the project's end-to-end tests drive it, and ``python -m bot playground`` puts a
Discord-like page in front of it. It ships with Callsheet (its request schemas, extracted
from Discord's published OpenAPI spec, are package data in ``discord_spec/``).

Usage::

    async with DiscordEmulator(tmp_path) as emu:
        discord.http.Route.BASE = emu.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
        alice = emu.add_member("alice")
        task = asyncio.create_task(bot.start("fake-token"))
        await emu.wait_ready()
        ix = await emu.slash_command(alice, "ping", options={"text": "hi"})
        response = await ix.wait_response()

Behaviour worth knowing (mirrors Discord):

* Intents are enforced: without MESSAGE_CONTENT, member messages arrive with empty content
  (unless they mention the bot or are DMs); without GUILD_MEMBERS, GUILD_CREATE only lists
  the bot member and GUILD_MEMBER_ADD is not sent.
* Channel permissions are computed the Discord way (roles, then the channel's @everyone,
  role and member overwrites; threads take their parent's; implicit denials) and enforced
  on the bot's requests: 403 Missing Access (50001) without View Channel, 403 Missing
  Permissions (50013) without Send Messages / Attach Files / Read Message History…; its
  embeds are dropped without Embed Links; no message events from channels it cannot see.
  ``emu.withhold_from_bot(bits, channel_id)``, ``emu.set_overwrite(...)`` and
  ``emu.set_role_permissions(...)`` change them (with CHANNEL_UPDATE / GUILD_ROLE_UPDATE);
  interactions carry ``app_permissions`` and the member's ``permissions`` in the channel.
  Refusals are listed in ``emu.refused``; the bits are in :mod:`discord_emulator.models`.
* Ephemeral messages are stored (``"ephemeral": True, "ephemeral_for": user_id``) but are
  never dispatched and 404 on channel routes; use the interaction webhook to edit them.
* The first followup after a ``defer(thinking=True)`` replaces the "thinking" original.
* Bad payloads get Discord-style 400s (empty message, >2000 chars, >5 rows, duplicate
  custom_ids, embed limits) and are listed in ``emu.rejected``; uploads >10 MiB get 413.
* ``emu.unhandled`` lists routes the emulator does not implement (answered 404).
* Threads (public from a message, private, members, archive/lock, their permissions and
  gateway events) follow Discord's docs; see :mod:`discord_emulator.threads`.
* Shards (Discord's Gateway docs, "Sharding"): IDENTIFY's ``shard: [shard_id,
  num_shards]`` (refused with close code 4010 "Invalid shard" unless
  ``0 <= shard_id < num_shards``); the guild, and every dispatch about it, goes only to the
  shard ``(guild_id >> 22) % num_shards``, DMs to shard 0. ``DiscordEmulator(guild_id=
  snowflake_on_shard(1, 2))`` puts the guild on a chosen shard; ``add_guild(name,
  guild_id=…)`` adds another guild with a text channel of its own (its members, owner and
  roles are the first guild's; its own @everyone), so guilds can be on several shards.
"""

from .models import (
    EmuInteraction,
    InteractionTimeout,
    Member,
    shard_of,
    snowflake,
    snowflake_on_shard,
)
from .server import DiscordEmulator, DiscordHTTPError

__all__ = [
    "DiscordEmulator",
    "DiscordHTTPError",
    "EmuInteraction",
    "InteractionTimeout",
    "Member",
    "shard_of",
    "snowflake",
    "snowflake_on_shard",
]
