"""Posting finished jobs: the video (fitted under the upload limit, with a link to the full
file when it had to be) in the session's channel, or a failure notice where the session
talks (its thread, else its channel); and finding a post again after a crash.

Results go out as ordinary channel messages, never through an interaction followup:
interaction tokens expire after 15 minutes (docs/ARCHITECTURE.md "Discord facts").
"""

from __future__ import annotations

import logging
from pathlib import Path

import discord

from bot.generation.job import Job
from bot.media.fit import FitError, fit_to_size
from bot.words import Voice
from cogs import fit
from cogs.client import CallsheetBot
from cogs.session.card import marker, result_embed
from cogs.session.result_components import result_view

log = logging.getLogger(__name__)

LINK_EXPIRY_S = 7 * 24 * 3600
HISTORY_SEARCH = 100


async def post(bot: CallsheetBot, job: Job) -> int:
    """Post ``job``'s outcome (the video to its channel, a failure to the session's thread
    when it has one); return the message id."""
    channel = bot.get_partial_messageable(job.channel_id, guild_id=job.guild_id)
    session = await bot.services.sessions.get(job.session_id)
    t = bot.services.words.voice(session.locale)
    mention = f"<@{job.user_id}>"
    if job.state != "succeeded" or job.result_path is None:
        reason = t(job.reason) if job.reason is not None else ""
        failure = discord.Embed(
            title=t("job-outcome", job=str(job.id), state=str(job.state)),
            description=reason,
            colour=discord.Colour.red(),
        )
        failure.set_footer(text=marker(job.id))
        notice = fit.content(
            t("job-failed-notice", member=mention, job=str(job.id), state=str(job.state),
              reason=reason, price=job.price)
        )  # fmt: skip
        if session.thread_id is not None:
            thread = bot.get_partial_messageable(session.thread_id, guild_id=job.guild_id)
            try:
                posted = await thread.send(
                    notice, embed=fit.embed(failure), allowed_mentions=_only(job.user_id)
                )
                return posted.id
            except discord.HTTPException:  # a locked thread: say it in the channel
                log.warning("job %s: failure notice not posted in its thread", job.id)
        message = await channel.send(
            notice, embed=fit.embed(failure), allowed_mentions=_only(job.user_id)
        )
        return message.id
    path, note = await _fitted(bot, job, t)
    message = await channel.send(
        t("job-ready", member=mention),
        embed=result_embed(job, t, note),
        file=discord.File(path, filename=f"callsheet-job-{job.id}.mp4"),
        view=result_view(job, t),
        allowed_mentions=_only(job.user_id),
    )
    return message.id


def _only(user_id: int) -> discord.AllowedMentions:
    """Ping the job's owner and nobody else (a provider's error text or a prompt may carry
    mentions)."""
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)])


async def find(bot: CallsheetBot, job: Job) -> int | None:
    """The id of a post of ``job`` already in its channel or its session's thread (after a
    crash), or ``None``."""
    session = await bot.services.sessions.get(job.session_id)
    wanted = marker(job.id)
    for where in dict.fromkeys((job.channel_id, session.conversation_id)):
        channel = bot.get_partial_messageable(where, guild_id=job.guild_id)
        async for message in channel.history(limit=HISTORY_SEARCH):
            if bot.user is not None and message.author.id != bot.user.id:
                continue
            if any(embed.footer.text == wanted for embed in message.embeds):
                return message.id
    return None


async def _fitted(bot: CallsheetBot, job: Job, t: Voice) -> tuple[Path, str]:
    """The file to upload and a note: the result itself when it fits, else a smaller copy
    and a link to the full file (asset host) where the bot has one."""
    assert job.result_path is not None
    guild = bot.get_guild(job.guild_id)
    limit = guild.filesize_limit if guild is not None else 10 * 2**20
    if bot.settings.max_upload_bytes is not None:
        limit = min(limit, bot.settings.max_upload_bytes)
    size = job.result_path.stat().st_size
    if size <= limit:
        return job.result_path, ""
    fitted = job.result_path.with_name(f"job-{job.id}-fitted.mp4")
    try:
        await bot.services.media_pool.run(fit_to_size, job.result_path, fitted, limit)
    except FitError as exc:
        log.warning("job %s: could not fit %s bytes under %s: %s", job.id, size, limit, exc)
        raise
    host = bot.services.asset_host
    url = None
    if host is not None:
        try:
            url = await host.publish(job.result_path, expires_in_s=LINK_EXPIRY_S)
        except ValueError as exc:
            log.warning("job %s: no full-quality link: %s", job.id, exc)
    if url is not None:
        note = t("fitted-link", url=url)
    else:
        note = t(
            "fitted-kept", limit=round(limit / 2**20), size=round(size / 2**20, 1),
            job=str(job.id),
        )  # fmt: skip
    return fitted, note
