"""``/credits``: a member's balance, holds, next refill, latest entries and a usage chart,
shown only to them."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.credits.service import statement
from cogs.client import CallsheetBot
from cogs.errors import acknowledge, reply
from cogs.session import role_ids


class CreditsCog(commands.Cog):
    """Credit balance."""

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot

    @app_commands.command(name="credits", description="Show your credit balance")
    @app_commands.guild_only()
    async def credits(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        assert interaction.guild_id is not None
        await acknowledge(interaction, "private")
        services = self.bot.services
        report = await statement(
            services.credits, interaction.guild_id, interaction.user.id, services.clock(),
            role_ids(interaction.user), self.bot.settings.data_dir / "reports",
            services.render_pool,
        )  # fmt: skip
        balance = report.balance
        embed = discord.Embed(title="Your credits", colour=discord.Colour.blurple())
        embed.add_field(name="Available", value=str(balance.available))
        embed.add_field(name="Held by running jobs", value=str(balance.held))
        if balance.next_refill is not None:
            when = discord.utils.format_dt(balance.next_refill, "R")
            embed.add_field(name="Next refill", value=f"+{balance.refill_amount} {when}")
        lines = [
            f"`{e.created_at:%Y-%m-%d}` {e.kind} {e.delta:+d} {e.note}" for e in report.entries
        ]
        embed.add_field(name="Latest entries", value="\n".join(lines) or "none", inline=False)
        embed.set_image(url="attachment://credits.png")
        await reply(
            interaction, embed=embed, file=discord.File(report.chart, filename="credits.png")
        )


async def setup(bot: CallsheetBot) -> None:
    """Load the cog."""
    await bot.add_cog(CreditsCog(bot))
