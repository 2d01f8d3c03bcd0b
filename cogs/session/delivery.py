"""Posting finished jobs: the video (fitted under the upload limit, with a link to the full
file when it had to be) in the session's channel, or a failure notice where the session
talks (its thread, else its channel), exactly once even across crashes.

Results go out as ordinary channel messages, never through an interaction followup:
interaction tokens expire after 15 minutes (docs/ARCHITECTURE.md "Discord facts").

Once (docs/ARCHITECTURE.md "Jobs survive restarts"): every post carries a nonce derived
from the job with ``enforce_nonce`` (discord.py sends it with any ``nonce``). Discord's
Create Message: "If another message was created by the same author with the same nonce,
that message will be returned and no new message will be created" — for "the past few
minutes". So a post retried after the bot died between sending it and recording the
message (the runner keeps when it was first sent) is the same post sent again while that
is recent (:data:`NONCE_WINDOW`), and, later, first looked for in the channel from the
first attempt's time on (which needs Read Message History; without it, it is posted again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
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
#: how long Callsheet trusts Discord to return the first post for a repeated nonce
#: (Discord: "the past few minutes"; the emulator keeps 3)
NONCE_WINDOW = timedelta(minutes=2)
#: the channel is read from this long before the first attempt (clocks differ)
CLOCK_SKEW = timedelta(seconds=30)
#: messages read after the first attempt, looking for the post
HISTORY_SEARCH = 100


def nonce(job: Job) -> str:
    """The job's post's nonce: its id and the second it was created, in ≤ 25 characters
    (Discord's limit for a string nonce), so a job of a fresh database never matches the
    post of an older job with the same id."""
    return f"cs{job.id}-{int(job.created_at.timestamp()):x}"[:25]


async def post(
    bot: CallsheetBot, job: Job, film: tuple[str, list[discord.Embed]] | None = None
) -> int:
    """Post ``job``'s outcome to its channel, once; return the message id. ``film``: the
    words and extra embeds of a storyboard's film (its shot list), posted with the video.

    ``job.delivery_started_at`` set means an earlier attempt may have posted it: within
    :data:`NONCE_WINDOW` the nonce returns that message; later the channel is searched
    from that time first (see the module docstring).

    Raises:
        discord.HTTPException: Discord refused the post (e.g. 403 without Send Messages or
            Attach Files); the runner tries again later.
        FitError: the result cannot be made to fit the upload limit.
        MediaUnreachable: the shared media store can't be reached to fetch the result; the
            runner tries again later (nothing is lost).
    """
    session = await bot.services.sessions.get(job.session_id)
    earlier = job.delivery_started_at
    if earlier is not None and bot.clock() - earlier > NONCE_WINDOW:
        found = await _find(bot, job, earlier, session.conversation_id)
        if found is not None:
            log.info("job %s: found its post %s from %s", job.id, found, earlier.isoformat())
            return found
        log.warning(
            "job %s: a post sent at %s was not found in the channel (or it can't be read): "
            "posting again", job.id, earlier.isoformat(),
        )  # fmt: skip
    channel = bot.get_partial_messageable(job.channel_id, guild_id=job.guild_id)
    t = bot.services.words.voice(session.locale)
    mention = f"<@{job.user_id}>"
    if job.state != "succeeded" or job.result_key is None:
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
        embed, only = fit.embed(failure), _only(job.user_id)
        if session.thread_id is not None:
            thread = bot.get_partial_messageable(session.thread_id, guild_id=job.guild_id)
            try:
                posted = await thread.send(
                    notice, embed=embed, allowed_mentions=only, nonce=nonce(job)
                )
                return posted.id
            except discord.HTTPException:  # a locked thread: say it in the channel
                log.warning("job %s: failure notice not posted in its thread", job.id)
        message = await channel.send(notice, embed=embed, allowed_mentions=only, nonce=nonce(job))
        return message.id
    path, note = await _fitted(bot, job, t)
    words, extra = film if film is not None else (t("job-ready", member=mention), [])
    message = await channel.send(
        fit.content(words),
        embeds=fit.embeds([result_embed(job, t, note), *extra]),
        file=discord.File(path, filename=_filename(job)),
        view=result_view(job, t),
        allowed_mentions=_only(job.user_id),
        nonce=nonce(job),
    )
    return message.id


def _only(user_id: int) -> discord.AllowedMentions:
    """Ping the job's owner and nobody else (a provider's error text or a prompt may carry
    mentions)."""
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)])


async def _find(bot: CallsheetBot, job: Job, since: datetime, thread_id: int) -> int | None:
    """The id of the bot's post of ``job`` made after ``since`` (its first attempt) in its
    channel or the session's thread (``thread_id``; the channel again when it has none), or
    ``None`` (also when the bot can't read the history)."""
    wanted = marker(job.id)
    after = discord.Object(discord.utils.time_snowflake(since - CLOCK_SKEW))
    for where in dict.fromkeys((job.channel_id, thread_id)):
        channel = bot.get_partial_messageable(where, guild_id=job.guild_id)
        history = channel.history(limit=HISTORY_SEARCH, after=after, oldest_first=True)
        async for message in history:
            if bot.user is not None and message.author.id != bot.user.id:
                continue
            if any(embed.footer.text == wanted for embed in message.embeds) or any(
                a.filename == _filename(job) for a in message.attachments
            ):  # (without Embed Links its embed was dropped; a video keeps its file name)
                return message.id
    return None


def _filename(job: Job) -> str:
    return f"callsheet-job-{job.id}.mp4"


async def _fitted(bot: CallsheetBot, job: Job, t: Voice) -> tuple[Path, str]:
    """The file to upload and a note: the result itself when it fits, else a smaller copy
    and a link to the full file (asset host) where the bot has one. The result is fetched
    from the media store first (a worker on another machine may have stored it)."""
    assert job.result_key is not None
    result = await bot.services.media.fetch(job.result_key)
    guild = bot.get_guild(job.guild_id)
    limit = guild.filesize_limit if guild is not None else 10 * 2**20
    if bot.settings.max_upload_bytes is not None:
        limit = min(limit, bot.settings.max_upload_bytes)
    size = result.stat().st_size
    if size <= limit:
        return result, ""
    fitted = result.with_name(f"job-{job.id}-fitted.mp4")
    try:
        await bot.services.media_pool.run(fit_to_size, result, fitted, limit)
    except FitError as exc:
        log.warning("job %s: could not fit %s bytes under %s: %s", job.id, size, limit, exc)
        raise
    host = bot.services.asset_host
    url = None
    if host is not None:
        try:
            url = await host.publish(result, expires_in_s=LINK_EXPIRY_S)
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
