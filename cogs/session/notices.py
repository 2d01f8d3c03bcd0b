"""``/video notify on|off`` and the direct message it asks for: when a member's job is
delivered or fails, they get a DM with a link to the post (the channel post still happens).
A DM Discord refuses (the member closed their DMs: 403, code 50007) is logged and dropped;
it never holds up the delivery."""

from __future__ import annotations

import logging

import discord

from bot.generation.job import Job, JobState
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import acknowledge, answer
from cogs.words import voice

log = logging.getLogger(__name__)

NOTIFIED = (JobState.SUCCEEDED, JobState.FAILED, JobState.EXPIRED)


async def set_notify(interaction: discord.Interaction[CallsheetBot], on: bool) -> None:
    """Store the member's choice and say what it means."""
    assert interaction.guild_id is not None
    await acknowledge(interaction, "private")
    await interaction.client.services.notices.set(interaction.guild_id, interaction.user.id, on)
    await answer(interaction, content=voice(interaction)("notify-set", on="on" if on else "off"))


async def notify(bot: CallsheetBot, job: Job, message_id: int) -> None:
    """DM the job's owner that it ended, when they asked for it (not for a stitch, which
    they just asked for, nor a cancel, which they did)."""
    if job.kind == "stitch" or job.state not in NOTIFIED:
        return
    try:
        if not await bot.services.notices.wanted(job.guild_id, job.user_id):
            return
        session = await bot.services.sessions.get(job.session_id)
        t = bot.services.words.voice(session.locale)
        link = f"https://discord.com/channels/{job.guild_id}/{job.channel_id}/{message_id}"
        if job.state == JobState.SUCCEEDED:
            text = t("notify-ready", job=str(job.id), link=link)
        else:
            reason = t(job.reason) if job.reason is not None else ""
            text = t("notify-failed", job=str(job.id), state=str(job.state), reason=reason,
                     price=job.price, link=link)  # fmt: skip
        user = bot.get_user(job.user_id) or await bot.fetch_user(job.user_id)
        await user.send(fit.content(text), allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:  # DMs closed (50007), or Discord said no
        log.info("job %s: no DM to %s (%s %s)", job.id, job.user_id, exc.status, exc.code)
