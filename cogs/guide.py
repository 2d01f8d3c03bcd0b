"""``/help``: what Callsheet does, the first three steps, the templates, Seedance's limits in
plain words (the guild's provider's, :mod:`bot.seedance.summary`) and the member's balance,
shown to them alone in their language."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.seedance.summary import limits_in_words
from bot.seedance.templates import TEMPLATES, Template
from bot.words import Voice
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import acknowledge, answer
from cogs.session.lookup import role_ids
from cogs.translator import words_for
from cogs.words import voice


class GuideCog(commands.Cog):
    """Help."""

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description=words_for("cmd-help"))
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        assert interaction.guild_id is not None
        await acknowledge(interaction, "private")
        generation = self.bot.services.generation
        limits = await generation.limits(interaction.guild_id)
        balance = await generation.balance(
            interaction.guild_id, interaction.user.id, role_ids(interaction.user)
        )
        t = voice(interaction)
        embed = discord.Embed(
            title=t("help-title"), description=t("help-what"), colour=discord.Colour.blurple()
        )
        embed.add_field(name=t("help-steps-title"), value=t("help-steps"), inline=False)
        half = (len(TEMPLATES) + 1) // 2
        for part in (TEMPLATES[:half], TEMPLATES[half:]):
            embed.add_field(name=t("help-templates-title"), value=_templates(part, t), inline=False)
        lines = "\n".join(f"• {t(line)}" for line in limits_in_words(limits))
        embed.add_field(name=t("help-limits-title"), value=lines, inline=False)
        refill = ""
        if balance.next_refill is not None:
            when = discord.utils.format_dt(balance.next_refill, "R")
            refill = t("credits-refill", amount=balance.refill_amount, when=when)
        embed.add_field(
            name=t("help-balance-title"),
            value=t("help-balance", available=balance.available, held=balance.held,
                    refill=refill or "none"),
        )  # fmt: skip
        await answer(interaction, embed=fit.embed(embed))


def _templates(templates: tuple[Template, ...], t: Voice) -> str:
    return "\n".join(t("help-template", name=t(tpl.name), hint=t(tpl.hint)) for tpl in templates)


async def setup(bot: CallsheetBot) -> None:
    """Load the cog."""
    await bot.add_cog(GuideCog(bot))
