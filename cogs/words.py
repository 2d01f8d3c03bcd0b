"""Which language a Discord message is written in (docs/ARCHITECTURE.md "Words").

- a reply only one member sees, and every error: that member's Discord locale
  (``interaction.locale``);
- the session card and what goes with it (role and face questions, the delivered result):
  the locale of the session's owner, kept with the session when it was opened;
  a moderator's cancel notice goes to the owner in it too;
- other posts where no member is at hand (the audit channel): the guild's preferred
  locale.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.words import Voice


def voice(interaction: discord.Interaction[Any]) -> Voice:
    """The catalogue in the locale of the member who interacted."""
    return interaction.client.services.words.voice(interaction.locale)  # type: ignore[no-any-return]


def guild_voice(client: Any, guild_id: int | None) -> Voice:
    """The catalogue in the guild's preferred locale (English when it is not cached)."""
    guild = client.get_guild(guild_id) if guild_id is not None else None
    return client.services.words.voice(guild.preferred_locale if guild else None)  # type: ignore[no-any-return]
