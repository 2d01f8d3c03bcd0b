"""A session's own thread (docs/ARCHITECTURE.md "One session, end to end").

The guild's ``session_threads`` setting picks where a session talks: a public thread started
from its card (the thread shares the card's id), a private thread beside the card with its
owner added, or the channel. Role questions, refusals, fixes and the first line of help go
there; the channel keeps the card and the finished video. Closing or expiring the session
archives its thread (and locks it where the bot has Manage Threads; Discord lets a thread's
creator archive it, but only Manage Threads lock it: topics/threads "Editing & Deleting
Threads").

Where the bot may not start threads (it lacks Create Public/Private Threads or Send
Messages in Threads there, or Discord answers 403), the session runs in the channel and the
channel is told once (per channel, while the bot runs), in plain words, what permission
it needs. Any other refusal (say, the guild's active thread limit) runs the session in the
channel without a word to the channel; the log says why.

A session exists a moment before its thread does (the card is posted first, and the thread
is started from it). Files its member posts in the channel meanwhile wait for the thread
(:meth:`Threads.opening`, :meth:`Threads.opened`), so every upload of a session is answered
where the session talks, whenever it arrives.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import discord

from bot.guilds.config import SessionThreads
from bot.seedance.session import Session
from cogs.client import CallsheetBot
from cogs.words import guild_voice

# a thread's new state: archived, and locked (None: left as it is)
Change = tuple[bool, bool | None]
# a member in a channel of a guild: guild id, channel id, user id
Where = tuple[int, int, int]

log = logging.getLogger(__name__)

#: Discord's thread auto-archive durations, minutes (resources/channel: auto_archive_duration)
ARCHIVE_MINUTES = (60, 1440, 4320, 10080)


def auto_archive_minutes(idle_minutes: int) -> int:
    """The shortest auto-archive duration Discord offers that outlasts a session's idle
    timeout (the bot archives the thread itself when the session expires)."""
    return next((m for m in ARCHIVE_MINUTES if m >= idle_minutes), ARCHIVE_MINUTES[-1])


def missing_permissions(mode: SessionThreads, have: discord.Permissions) -> list[str]:
    """Catalogue keys of the permissions the bot lacks to run sessions in ``mode`` threads
    (Discord: creating needs Create Public or Private Threads; speaking in a thread needs
    Send Messages in Threads, Send Messages has no effect there)."""
    missing = []
    if mode == "public" and not have.create_public_threads:
        missing.append("perm-create-public-threads")
    if mode == "private" and not have.create_private_threads:
        missing.append("perm-create-private-threads")
    if not have.send_messages_in_threads:
        missing.append("perm-send-messages-in-threads")
    return missing


class Threads:
    """Starts, finds and archives session threads for one bot.

    Args:
        bot: the running bot.
    """

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot
        self._told: set[int] = set()  # channels already told what permission threads need
        self._opening: dict[Where, list[asyncio.Event]] = {}  # sessions opening, by member

    @contextmanager
    def opening(self, interaction: discord.Interaction[Any]) -> Iterator[None]:
        """Mark a session as opening for the interaction's member in its channel while the
        ``with`` body opens it and starts its thread (:meth:`start`; or finds it may not); the
        member's files posted there meanwhile wait in :meth:`opened`. Entering does no I/O,
        so it may come before the acknowledgement (docs/ARCHITECTURE.md "Instant under a
        burst")."""
        where = (interaction.guild_id or 0, interaction.channel_id or 0, interaction.user.id)
        done = asyncio.Event()
        self._opening.setdefault(where, []).append(done)
        try:
            yield
        finally:
            done.set()
            waiting = self._opening[where]
            waiting.remove(done)
            if not waiting:
                del self._opening[where]

    async def opened(self, guild_id: int, channel_id: int, user_id: int) -> None:
        """Return once no session is opening for ``user_id`` in ``channel_id`` (at once when
        none is): its session then has its thread, or runs in the channel."""
        for done in list(self._opening.get((guild_id, channel_id, user_id), ())):
            await done.wait()

    async def start(
        self,
        interaction: discord.Interaction[Any],
        session: Session,
        card: discord.Message,
        welcome: str = "thread-welcome",
    ) -> Session:
        """Give ``session`` its thread per the guild's setting and say hello in it (the
        catalogue's ``welcome`` message; a storyboard has its own); return the session as
        it now is (``thread_id`` set, or unchanged when it runs in the channel: threads
        off, the command came from a thread, or the bot may not)."""
        sessions = self.bot.services.sessions
        mode, idle = await sessions.thread_mode(session.guild_id)
        channel = interaction.channel
        if mode == "off" or not isinstance(channel, discord.TextChannel):
            return session
        t = self.bot.services.words.voice(session.locale)
        missing = missing_permissions(mode, interaction.app_permissions)
        thread = None
        if not missing:
            name = t("thread-name", session=str(session.id))
            minutes = auto_archive_minutes(idle)
            try:
                if mode == "public":
                    thread = await card.create_thread(name=name, auto_archive_duration=minutes)  # type: ignore[arg-type]
                else:
                    thread = await channel.create_thread(
                        name=name,
                        type=discord.ChannelType.private_thread,
                        invitable=False,
                        auto_archive_duration=minutes,  # type: ignore[arg-type]
                    )
                    await thread.add_user(interaction.user)
            except discord.HTTPException as refused:
                log.warning(
                    "session %s: no %s thread in channel %s", session.id, mode, channel.id,
                    exc_info=True,
                )  # fmt: skip
                if isinstance(refused, discord.Forbidden):  # permissions: say which
                    missing = missing_permissions(mode, discord.Permissions.none())
        if thread is None:
            await self._tell_once(channel, missing)
            return session
        await sessions.set_thread(session.id, thread.id)
        await thread.send(t(welcome, member=f"<@{session.user_id}>"))
        log.info("session %s lives in %s thread %s", session.id, mode, thread.id)
        return await sessions.get(session.id)

    async def _tell_once(self, channel: discord.TextChannel, missing: list[str]) -> None:
        """Say in the channel, once while the bot runs, which permissions threads need."""
        if channel.id in self._told or not missing:
            return
        self._told.add(channel.id)
        t = guild_voice(self.bot, channel.guild.id)
        names = [f"**{t(key)}**" for key in missing]
        listed = names[0] if len(names) == 1 else t("threads-permissions-two",
                                                     first=names[0], second=names[1])  # fmt: skip
        log.warning("channel %s: sessions run without threads (missing %s)", channel.id, missing)
        try:
            await channel.send(t("threads-fallback", permissions=listed))
        except discord.HTTPException:
            log.warning("could not tell channel %s what threads need", channel.id)

    async def _thread(self, session: Session, *, fresh: bool = False) -> discord.Thread | None:
        """The session's thread: from the cache (active threads), else (or when ``fresh``)
        fetched, since archived ones leave discord.py's cache. Raises
        discord.HTTPException."""
        if session.thread_id is None:
            return None
        guild = self.bot.get_guild(session.guild_id)
        thread = guild.get_thread(session.thread_id) if guild is not None else None
        if thread is None or fresh:
            fetched = await self.bot.fetch_channel(session.thread_id)
            thread = fetched if isinstance(fetched, discord.Thread) else None
        return thread

    async def archive(self, session: Session) -> None:
        """Archive the session's thread (locked too where the bot has Manage Threads), when
        it has one. A failure is logged: the session has ended either way."""

        def changes(thread: discord.Thread) -> Change | None:
            if thread.archived:
                return None
            me = thread.guild.me
            return True, (me is not None and thread.permissions_for(me).manage_threads) or None

        await self._edit(session, ("archive", "archived"), changes, fresh=False)

    async def reopen(self, session: Session) -> None:
        """Bring a reopened session's thread back: unarchived, and unlocked where the bot
        locked it (which needs Manage Threads, as locking did). A failure is logged: the
        session runs on, its questions then open the thread again unless it is locked."""

        def changes(thread: discord.Thread) -> Change | None:
            if not (thread.archived or thread.locked):
                return None
            return False, False if thread.locked else None

        await self._edit(session, ("reopen", "reopened"), changes, fresh=True)

    async def _edit(
        self,
        session: Session,
        what: tuple[str, str],
        changes: Callable[[discord.Thread], Change | None],
        *,
        fresh: bool,
    ) -> None:
        """Apply ``changes(thread)`` (archived, and locked unless ``None``) to the session's
        thread: nothing when it has none or they are ``None``. ``what``: the action and its
        past tense, for the log, where a refusal is a warning."""
        try:
            thread = await self._thread(session, fresh=fresh)
            edit = None if thread is None else changes(thread)
            if thread is None or edit is None:
                return
            archived, locked = edit
            if locked is None:
                await thread.edit(archived=archived)
            else:
                await thread.edit(archived=archived, locked=locked)
        except discord.HTTPException:
            log.warning(
                "session %s: could not %s thread %s", session.id, what[0], session.thread_id,
                exc_info=True,
            )  # fmt: skip
            return
        log.info("session %s: thread %s %s", session.id, session.thread_id, what[1])

    def messageable(self, session: Session) -> discord.PartialMessageable:
        """Where the session talks: its thread, else its channel."""
        return self.bot.get_partial_messageable(session.conversation_id, guild_id=session.guild_id)
