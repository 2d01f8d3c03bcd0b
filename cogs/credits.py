"""``/credits``: a member's balance, holds, next refill, latest entries and a usage chart,
shown only to them."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.credits.charts import ChartNames, can_draw
from bot.credits.service import statement
from bot.words import ENGLISH, Voice
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import acknowledge, reply
from cogs.session import role_ids
from cogs.translator import words_for
from cogs.words import voice
from storage.ledger import STARTING_NOTE, LedgerEntry


class CreditsCog(commands.Cog):
    """Credit balance."""

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot

    @app_commands.command(name="credits", description=words_for("cmd-credits"))
    @app_commands.guild_only()
    async def credits(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        assert interaction.guild_id is not None
        await acknowledge(interaction, "private")
        services = self.bot.services
        t = voice(interaction)
        ct = chart_voice(t)
        report = await statement(
            services.credits, interaction.guild_id, interaction.user.id, services.clock(),
            role_ids(interaction.user), self.bot.settings.data_dir / "reports",
            services.render_pool, ct("credits-chart-title", days=30), names=chart_names(ct),
        )  # fmt: skip
        balance = report.balance
        embed = discord.Embed(title=t("credits-title"), colour=discord.Colour.blurple())
        embed.add_field(name=t("credits-available"), value=str(balance.available))
        embed.add_field(name=t("credits-held"), value=str(balance.held))
        if balance.next_refill is not None:
            when = discord.utils.format_dt(balance.next_refill, "R")
            embed.add_field(
                name=t("credits-next-refill"),
                value=t("credits-refill", amount=balance.refill_amount, when=when),
            )
        affords = await services.generation.affords(interaction.guild_id, balance.available)
        if affords is not None:
            embed.add_field(
                name=t("credits-affords-title"),
                value=t("credits-affords", count=affords.count, seconds=affords.seconds,
                        resolution=affords.resolution, price=affords.price),
                inline=False,
            )  # fmt: skip
        shown = [e for e in report.entries if e.kind != "capture"][:SHOWN]  # no balance change
        facts = await services.generation.job_facts([e.job_id for e in shown if e.job_id])
        period = await services.generation.refill_period(interaction.guild_id)
        lines = [
            t("ledger-line", day=f"{e.created_at:%Y-%m-%d}",
              event=member_event(e, facts, period, t))
            for e in shown
        ]  # fmt: skip
        latest = fit.lines(lines, fit.FIELD_VALUE, fit.more(t)) or t("credits-none")
        embed.add_field(name=t("credits-latest"), value=latest, inline=False)
        embed.set_image(url="attachment://credits.png")
        await reply(
            interaction, embed=embed, file=discord.File(report.chart, filename="credits.png")
        )


SHOWN = 10  # entries on the statement


def chart_voice(t: Voice) -> Voice:
    """``t``, or English where the host's fonts can't draw ``t``'s language on a chart."""
    if can_draw(t("chart-credits"), t("chart-seconds-axis"), t("chart-failures")):
        return t
    return t.words.voice(ENGLISH)


def chart_names(t: Voice) -> ChartNames:
    """The usage chart's words in ``t``'s language."""
    return ChartNames(t("chart-credits"), t("chart-seconds"), t("chart-failures"),
                      t("chart-seconds-axis"))  # fmt: skip


def member_event(
    entry: LedgerEntry, facts: dict[int, tuple[str, str]], period: str, t: Voice
) -> str:
    """An entry as an event the member recognises: "Job #3 · extend · −15", "Refund · job
    #4 failed · +10", "Daily refill +30" (``facts``: job id → kind and state; ``period``:
    the guild's refill period), with the note a moderator wrote, if any."""
    kind, state = facts.get(entry.job_id or 0, ("generate", "failed"))
    event = entry.kind
    if entry.kind == "grant" and entry.note == STARTING_NOTE:
        event = "start"
    text = t(
        "credits-event", event=event, job=str(entry.job_id or ""), kind=kind, state=state,
        amount=entry.amount, signed=f"{entry.delta:+d}", period=period,
    )  # fmt: skip
    return f"{text} — {entry.note}" if entry.note and event in _NOTED else text


def ledger_event(entry: LedgerEntry, t: Voice) -> str:
    """A ledger entry as an event the member recognises ("Generate held 40 credits for job
    #12"), with the note a moderator wrote, if any."""
    job = f"#{entry.job_id}" if entry.job_id else "none"
    kind = "start" if entry.kind == "grant" and entry.note == STARTING_NOTE else entry.kind
    event = t("ledger-event", kind=kind, amount=entry.amount, signed=f"{entry.delta:+d}", job=job)
    if entry.note and kind in _NOTED:
        return f"{event} — {fit.clip(entry.note, NOTE_SHOWN)}"
    return event


_NOTED = frozenset({"grant", "revoke", "adjust"})  # entries whose note a moderator wrote
NOTE_SHOWN = 120  # characters of a note in a list line (the audit log keeps it whole)


async def setup(bot: CallsheetBot) -> None:
    """Load the cog."""
    await bot.add_cog(CreditsCog(bot))
