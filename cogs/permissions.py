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

#: How often the moderators are told of the same missing permissions in a channel.
REPORT_EVERY = timedelta(hours=1)

AUDIT_ACTION = "bot.permissions"


def missing(permissions: discord.Permissions) -> tuple[str, ...]:
    """The catalogue keys of the session's needs ``permissions`` lacks, in
    :data:`SESSION_NEEDS` order (empty when it has them all)."""
    return tuple(key for flag, key in SESSION_NEEDS if not getattr(permissions, flag))


class ChannelCheck:
    """Refuses to open a session where the bot lacks what it needs, and tells the
    moderators once per :data:`REPORT_EVERY` per channel and set of missing permissions.

    Args:
        clock: the current UTC time.
    """

    def __init__(self, clock: Any) -> None:
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
        await self._tell_moderators(interaction, lacking, names)
        raise CallsheetError(say("perms-missing", permissions=names, count=len(names)))

    async def _tell_moderators(
        self, interaction: discord.Interaction[Any], lacking: tuple[str, ...],
        names: tuple[Phrase, ...],
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None and interaction.channel_id is not None
        key = (interaction.guild_id, interaction.channel_id, lacking)
        now = self.clock()
        last = self._reported.get(key)
        if last is not None and now - last < REPORT_EVERY:
            return
        self._reported[key] = now
        client = interaction.client
        t = guild_voice(client, interaction.guild_id)
        details = t(
            "perms-audit-details", channel=f"<#{interaction.channel_id}>",
            permissions=", ".join(t(name) for name in names),
        )  # fmt: skip
        await client.services.moderation.record(
            interaction.guild_id, client.user.id, AUDIT_ACTION, interaction.user.id, details
        )
