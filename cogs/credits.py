"""``/credits``: a member's balance, privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.client import CallsheetBot


class CreditsCog(commands.Cog):
    """Credit balance."""

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot

    @app_commands.command(name="credits", description="Show your credit balance")
    @app_commands.guild_only()
    async def credits(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        assert interaction.guild_id is not None
        balance = await self.bot.studio.balance(interaction.guild_id, interaction.user.id)
        embed = discord.Embed(title="Your credits", colour=discord.Colour.blurple())
        embed.add_field(name="Available", value=str(balance.available))
        embed.add_field(name="Held by running jobs", value=str(balance.held))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CallsheetBot) -> None:
    """Load the cog."""
    await bot.add_cog(CreditsCog(bot))
