"""``/admin``'s button and check: cancelling a job from the jobs list, and the refusal for
members who are not moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.moderation import Moderation
from bot.words import Voice
from cogs.checks import NOT_A_MODERATOR, is_moderator
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, Refused
from cogs.words import voice

if TYPE_CHECKING:
    from cogs.admin.cog import AdminCog


class NotModerator(Refused):
    """The caller may not use /admin here."""


def _moderation(interaction: discord.Interaction[Any]) -> Moderation:
    bot: CallsheetBot = interaction.client
    return bot.services.moderation


class CancelJobButton(
    Component[discord.ui.Button[Any]], template=rf"cs:admin:cancel:(?P<job_id>{ID})"
):
    """Cancel a job from the ``/admin jobs list`` message (checked again on every click)."""

    def __init__(self, job_id: int, t: Voice | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("button-cancel-job", job=str(job_id)) if t else None,
                style=discord.ButtonStyle.danger,
                custom_id=f"cs:admin:cancel:{job_id}",
            )
        )
        self.job_id = job_id

    async def handle(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        moderation = _moderation(interaction)
        config = await moderation.guild_configs.get(interaction.guild_id)
        if not is_moderator(interaction, config):
            raise NotModerator(NOT_A_MODERATOR)
        cog: AdminCog | None = interaction.client.get_cog("AdminCog")
        assert cog is not None, "the admin cog is not loaded"
        await cog.cancel_job(interaction, self.job_id, voice(interaction)("cancelled-from-list"))
