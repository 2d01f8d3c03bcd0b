"""Permission checks shared by cogs."""

from __future__ import annotations

from typing import Any

import discord

from bot.guilds.config import GuildConfig
from bot.words import say


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


NOT_A_MODERATOR = say("not-a-moderator")
