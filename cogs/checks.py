"""Permission checks shared by cogs."""

from __future__ import annotations

from typing import Any

import discord

from bot.guilds.config import GuildConfig


def is_moderator(interaction: discord.Interaction[Any], config: GuildConfig) -> bool:
    """Manage Server in this channel (``interaction.permissions`` already applies channel
    overrides), Administrator, or the guild's configured moderator role."""
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    roles = getattr(interaction.user, "roles", [])
    return config.moderator_role_id is not None and any(
        role.id == config.moderator_role_id for role in roles
    )


NOT_A_MODERATOR = (
    "Only moderators can do that: it needs the Manage Server permission or this server's "
    "moderator role."
)
