"""What the bot needs in a channel to run a session there, checked when one opens.

A session's later calls are channel calls, which Discord refuses without the channel's
permissions (403 Missing Access / Missing Permissions): the card is edited and its board
uploaded, uploads posted in the channel are read and answered with replies, and the result
is posted as a video with an embed. The interaction itself needs none of them, so
``/video new`` would open a session that fails later, in a log line. Instead the command
reads the bot's own permissions in the channel (``interaction.app_permissions``, which
Discord sends with every interaction), tells the member which are missing in plain words,
and records it in the audit log, which posts it to the moderators' audit channel
(docs/ARCHITECTURE.md "Discord facts").
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.errors import CallsheetError
from bot.words import Phrase, say
from cogs.words import guild_voice

log = logging.getLogger(__name__)

#: Each permission a session needs (a :class:`discord.Permissions` flag) and the catalogue
#: message naming it as Discord's settings do (``perms.ftl``).
SESSION_NEEDS: tuple[tuple[str, str], ...] = (
    ("view_channel", "perm-view-channel"),  # every channel call; uploads posted there
    ("send_messages", "perm-send-messages"),  # the result, replies to uploads
    ("embed_links", "perm-embed-links"),  # the card and the result are embeds
    ("attach_files", "perm-attach-files"),  # the card's board, the result's video
    ("read_message_history", "perm-read-message-history"),  # replies to uploads
)

#: What posting a job's outcome in its channel needs (the video, or a failure notice).
DELIVERY_NEEDS: tuple[tuple[str, str], ...] = SESSION_NEEDS[:4]

#: How often the moderators are told of the same missing permissions in a channel.
REPORT_EVERY = timedelta(hours=1)

AUDIT_ACTION = "bot.permissions"


class CannotPost(Exception):
    """The bot lacks permissions to post in a channel (the moderators were told)."""


def missing(
    permissions: discord.Permissions, needs: tuple[tuple[str, str], ...] = SESSION_NEEDS
) -> tuple[str, ...]:
    """The catalogue keys of ``needs`` (default: a session's) that ``permissions`` lacks,
    in order (empty when it has them all)."""
    return tuple(key for flag, key in needs if not getattr(permissions, flag))


class ChannelCheck:
    """Refuses to open a session where the bot lacks what it needs, holds back a result it
    may not post, and tells the moderators: once per :data:`REPORT_EVERY` per channel and
    set of missing permissions.

    Args:
        client: the bot (its catalogue, moderation service and cache).
        clock: the current UTC time.
    """

    def __init__(self, client: Any, clock: Any) -> None:
        self.client = client
        self.clock = clock
        self._reported: dict[tuple[int, int, tuple[str, ...]], datetime] = {}

    async def require(self, interaction: discord.Interaction[Any]) -> None:
        """Return when the bot has every permission a session needs in the interaction's
        channel (after the interaction was acknowledged).

        Raises:
            CallsheetError: ``perms-missing`` naming each missing permission; the
                moderators are told first (an audit entry, posted to the audit channel).
        """
        lacking = missing(interaction.app_permissions)
        if not lacking:
            return
        assert interaction.guild_id is not None and interaction.channel_id is not None
        names: tuple[Phrase, ...] = tuple(say(key) for key in lacking)
        log.warning(
            "guild %s channel %s: a session can't open, the bot lacks %s",
            interaction.guild_id, interaction.channel_id, ", ".join(lacking),
        )  # fmt: skip
        await self._report(
            interaction.guild_id, interaction.channel_id, interaction.user.id, lacking,
            "perms-audit-details",
        )  # fmt: skip
        raise CallsheetError(say("perms-missing", permissions=names, count=len(names)))

    async def require_post(
        self, guild_id: int, channel_id: int, job_id: int, *, video: bool
    ) -> None:
        """Return unless discord.py's cache shows the bot lacking what posting job
        ``job_id``'s outcome in ``channel_id`` needs (``video``: with its file; a
        permission taken away after the session opened); an uncached channel passes (the
        post itself then finds out).

        Raises:
            CannotPost: the moderators were told (for a retry later, when it is fixed).
        """
        guild = self.client.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if channel is None or guild.me is None:
            return
        needs = DELIVERY_NEEDS if video else DELIVERY_NEEDS[:3]  # a notice has no file
        lacking = missing(channel.permissions_for(guild.me), needs)
        if not lacking:
            return
        await self._report(guild_id, channel_id, None, lacking, "perms-audit-delivery")
        raise CannotPost(f"job {job_id}: the bot lacks {', '.join(lacking)} in {channel_id}")

    async def _report(
        self, guild_id: int, channel_id: int, member_id: int | None,
        lacking: tuple[str, ...], key: str,
    ) -> None:  # fmt: skip
        """An audit entry (posted to the audit channel) naming what the bot lacks where."""
        seen = (guild_id, channel_id, lacking)
        now = self.clock()
        last = self._reported.get(seen)
        if last is not None and now - last < REPORT_EVERY:
            return
        self._reported[seen] = now
        t = guild_voice(self.client, guild_id)
        names = ", ".join(t(say(name)) for name in lacking)
        details = t(key, channel=f"<#{channel_id}>", permissions=names)
        moderation = self.client.services.moderation
        await moderation.record(guild_id, self.client.user.id, AUDIT_ACTION, member_id, details)
