"""Two small lookups every session component uses: the loaded session cog (it renders
and refreshes cards) and a member's role ids (allowances and caps depend on them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from cogs.session.cog import SessionCog


def session_cog(interaction: discord.Interaction[Any]) -> SessionCog:
    """The loaded session cog (it renders and refreshes cards)."""
    cog = interaction.client.get_cog("SessionCog")
    assert cog is not None, "the session cog is not loaded"
    return cog  # type: ignore[no-any-return]


def role_ids(user: discord.User | discord.Member) -> list[int]:
    """The member's role ids (none for a plain user)."""
    return [role.id for role in getattr(user, "roles", [])]
