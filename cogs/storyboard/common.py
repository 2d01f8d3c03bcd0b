"""What the storyboard's components share: a button built from its custom_id and label,
and the card's refresh after a change."""

from __future__ import annotations

from typing import Any

import discord

from bot.storyboard.model import Storyboard
from cogs import fit
from cogs.client import CallsheetBot
from cogs.session.lookup import session_cog

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]
Select = discord.ui.Select[Any]


def button(custom_id: str, label: str | None, style: discord.ButtonStyle,
            disabled: bool = False, row: int | None = None) -> Button:  # fmt: skip
    """A button; ``label`` is ``None`` when discord.py rebuilds it from its custom_id to
    dispatch a click (Discord keeps the label that was sent)."""
    return discord.ui.Button(
        label=fit.button_label(label) if label else None, style=style, disabled=disabled,
        custom_id=custom_id, row=row,
    )  # fmt: skip


async def refresh(interaction: Interaction, storyboard: Storyboard) -> None:
    """Edit the storyboard's card to its current state."""
    await session_cog(interaction).refresh_card(storyboard.session_id)
