"""The session cog: the ``/video`` commands, attachments posted in the channel or the
session's thread, the posted session card (render and refresh), and the job runner's events
(progress, delivery).
Discord glue only: every decision is a call on the core (:mod:`bot.sessions`,
:mod:`bot.generation`); errors go through :mod:`cogs.errors`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import CallsheetError
from bot.generation.job import Job, JobState
from bot.generation.retention import SWEEP_INTERVAL_HOURS
from bot.providers.catalogue import PROVIDER_RATIOS
from bot.seedance.session import Session
from bot.seedance.templates import TEMPLATES, apply_template, get_template, missing_slots
from bot.words import Voice, say
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, acknowledge, answer, reply
from cogs.fit import JobList, Prompt
from cogs.permissions import ChannelCheck
from cogs.session import card, delivery, history, intake, notices
from cogs.session.card_components import card_view, close_session
from cogs.session.result_components import post_stitch, start_derived, use_as_reference
from cogs.session.steer_components import add_steering
from cogs.session.threads import Threads
from cogs.translator import MODEL_CHOICES, RESOLUTION_CHOICES, choices, words_for
from cogs.words import voice

log = logging.getLogger(__name__)

PROGRESS_EDIT_INTERVAL_S = 5.0


_RATIOS = [app_commands.Choice(name=r, value=r) for r in PROVIDER_RATIOS]
_TEMPLATES = [
    app_commands.Choice(name=words_for(f"template-{t.key}"), value=t.key) for t in TEMPLATES
]
Scene = app_commands.Range[
    str, None, fit.PROMPT_CHARS - max(len(t.prompt_skeleton) for t in TEMPLATES)
]  # the template's words and the scene together make a prompt of at most PROMPT_CHARS
_ASSETS = {
    "asset1": words_for("opt-asset"),
    "asset2": words_for("opt-asset-more"),
    "asset3": words_for("opt-asset-more"),
}


class SessionCog(commands.Cog):
    """Video sessions."""

    video = app_commands.Group(name="video", description=words_for("cmd-video"), guild_only=True)

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot
        self.services = bot.services
        self._last_progress_edit: dict[int, float] = {}
        self._boards: dict[int, str] = {}  # session id → assets shown on the posted board
        self._board_locks: dict[int, asyncio.Lock] = {}
        self._card_locks: dict[int, asyncio.Lock] = {}  # held from a card's render to its edit
        self._shown: dict[int, str] = {}  # session id → embed and components last posted
        self._refresh_again: dict[int, bool] = {}  # refreshing now → another was asked
        self.channel_check = ChannelCheck(bot, bot.clock)  # what the bot may do where
        self.threads = Threads(bot)
        self.card_sources: list[card.CardSource] = []  # features with cards of their own
        self._plain: set[int] = set()  # sessions no card source claims

    async def cog_load(self) -> None:
        self.services.runner.add_listener(self)
        if self.bot.runs_once:  # one gateway process sweeps for every shard
            self.expire_idle_sessions.start()
            self.sweep_old_files.start()
        elif self.services.media.shared:  # the others sweep their caches of the bucket
            self.sweep_old_files.start()

    async def cog_unload(self) -> None:
        self.expire_idle_sessions.cancel()
        self.sweep_old_files.cancel()
        self.services.runner.remove_listener(self)

    # Slash commands ---------------------------------------------------------------------

    @video.command(name="new", description=words_for("cmd-video-new"))
    @app_commands.describe(
        prompt=words_for("opt-new-prompt"),
        duration=words_for("opt-duration"),
        ratio=words_for("opt-ratio"),
        resolution=words_for("opt-resolution"),
        model=words_for("opt-model"),
        audio=words_for("opt-audio"),
        **_ASSETS,
    )
    @app_commands.choices(ratio=_RATIOS, resolution=RESOLUTION_CHOICES, model=MODEL_CHOICES)
    async def new(
        self,
        interaction: discord.Interaction[CallsheetBot],
        prompt: Prompt | None = None,
        duration: app_commands.Range[int, 4, 15] | None = None,
        ratio: str | None = None,
        resolution: str | None = None,
        model: str | None = None,
        audio: bool | None = None,
        asset1: discord.Attachment | None = None,
        asset2: discord.Attachment | None = None,
        asset3: discord.Attachment | None = None,
    ) -> None:
        session = await self._open(
            interaction, prompt=prompt, duration_s=duration, ratio=ratio,
            resolution=resolution, model=model, generate_audio=audio,
        )  # fmt: skip
        attachments = [a for a in (asset1, asset2, asset3) if a is not None]
        if attachments:
            await intake.take_assets(self, session, attachments, self.talk(session))

    @video.command(name="template", description=words_for("cmd-video-template"))
    @app_commands.describe(
        template=words_for("opt-template"), scene=words_for("opt-template-scene")
    )
    @app_commands.choices(template=_TEMPLATES)
    async def template_command(
        self,
        interaction: discord.Interaction[CallsheetBot],
        template: str,
        scene: Scene | None = None,
    ) -> None:
        chosen = get_template(template)
        prompt = apply_template(chosen, scene or chosen.example_scene)
        session = await self._open(interaction, prompt=prompt, template=chosen)
        await self.talk(session)(
            card.template_checklist(chosen, missing_slots(chosen, session), self.voice(session))
        )

    @video.command(name="storyboard", description=words_for("cmd-video-storyboard"))
    @app_commands.describe(soundtrack=words_for("opt-storyboard-soundtrack"))
    async def storyboard_command(
        self, interaction: discord.Interaction[CallsheetBot],
        soundtrack: discord.Attachment | None = None,
    ) -> None:  # fmt: skip
        cog = self.bot.get_cog("StoryboardCog")
        assert cog is not None, "the storyboard cog is not loaded"
        await cog.open(interaction, soundtrack)  # type: ignore[attr-defined]

    @video.command(name="add", description=words_for("cmd-video-add"))
    @app_commands.describe(**_ASSETS)
    async def add(
        self,
        interaction: discord.Interaction[CallsheetBot],
        asset1: discord.Attachment,
        asset2: discord.Attachment | None = None,
        asset3: discord.Attachment | None = None,
    ) -> None:
        await acknowledge(interaction, "private")  # the questions go where the session talks
        session = await self._open_session_of(interaction)
        if session is None:
            return
        attachments = [a for a in (asset1, asset2, asset3) if a is not None]
        await intake.take_assets(
            self,
            session,
            attachments,
            self.talk(session),
            summary=True,
            tell=interaction.followup.send,
        )

    @video.command(name="cancel", description=words_for("cmd-video-cancel"))
    async def cancel(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        await acknowledge(interaction, "private")
        session = await self._open_session_of(interaction)
        if session is not None:
            await close_session(interaction, session.id)

    @video.command(name="extend", description=words_for("cmd-video-extend"))
    @app_commands.describe(
        job=words_for("opt-job"),
        seconds=words_for("opt-extend-seconds"),
        prompt=words_for("opt-extend-prompt"),
    )
    async def extend_command(
        self, interaction: discord.Interaction[CallsheetBot], job: int,
        seconds: app_commands.Range[int, 4, 15] = 5, prompt: Prompt = "",
    ) -> None:  # fmt: skip
        await start_derived(interaction, "extend", job, seconds=seconds, prompt=prompt)

    @video.command(name="insert", description=words_for("cmd-video-insert"))
    @app_commands.describe(
        first=words_for("opt-insert-first"), second=words_for("opt-insert-second"),
        seconds=words_for("opt-insert-seconds"), prompt=words_for("opt-insert-prompt"),
    )  # fmt: skip
    async def insert_command(
        self, interaction: discord.Interaction[CallsheetBot], first: int, second: int,
        seconds: app_commands.Range[int, 4, 15] = 5, prompt: Prompt = "",
    ) -> None:  # fmt: skip
        await start_derived(
            interaction, "insert", first, second=second, seconds=seconds, prompt=prompt
        )

    @video.command(name="edit", description=words_for("cmd-video-edit"))
    @app_commands.describe(
        job=words_for("opt-job"), prompt=words_for("opt-edit-prompt"),
        image=words_for("opt-edit-image"),
    )  # fmt: skip
    async def edit_command(
        self, interaction: discord.Interaction[CallsheetBot], job: int, prompt: Prompt,
        image: discord.Attachment | None = None,
    ) -> None:  # fmt: skip
        await start_derived(interaction, "edit", job, prompt=prompt, image=image)

    @video.command(name="stitch", description=words_for("cmd-video-stitch"))
    @app_commands.describe(jobs=words_for("opt-stitch-jobs"))
    async def stitch_command(
        self, interaction: discord.Interaction[CallsheetBot], jobs: JobList
    ) -> None:
        parts = jobs.replace(",", " ").split()
        if not all(re.fullmatch(ID, part) for part in parts):
            raise CallsheetError(say("stitch-needs-numbers"))
        await post_stitch(interaction, [int(part) for part in parts])

    @video.command(name="reference", description=words_for("cmd-video-reference"))
    @app_commands.describe(job=words_for("opt-job"))
    async def reference_command(
        self, interaction: discord.Interaction[CallsheetBot], job: int
    ) -> None:
        await use_as_reference(interaction, job)

    @video.command(name="notify", description=words_for("cmd-video-notify"))
    @app_commands.describe(state=words_for("opt-notify"))
    @app_commands.choices(state=choices("notify", ("on", "off")))
    async def notify_command(
        self, interaction: discord.Interaction[CallsheetBot], state: str
    ) -> None:
        await notices.set_notify(interaction, state == "on")

    @video.command(name="history", description=words_for("cmd-video-history"))
    async def history_command(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        await history.show_page(interaction, 0)

    # Attachments posted in the channel or the session's thread -------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A member's files join their open session in this channel or thread; the answers
        go where the session talks (a reply when the files were posted there). Files posted
        while their session is opening, in its channel or in its thread before the session
        has recorded it, wait until it has its thread (or runs without), so they are
        answered there too."""
        if message.author.bot or message.guild is None or not message.attachments:
            return
        # in a thread the bot has just started, its session may not know it yet
        parent_id = getattr(message.channel, "parent_id", None)
        await self.threads.opened(
            message.guild.id, parent_id or message.channel.id, message.author.id
        )
        session = await self.services.sessions.find_open(
            message.guild.id, message.channel.id, message.author.id
        )
        if session is None:
            return
        here = message.channel.id == session.conversation_id
        await intake.take_assets(
            self, session, message.attachments, message.reply if here else self.talk(session)
        )

    async def _open(self, interaction: discord.Interaction[Any], **options: Any) -> Session:
        """Acknowledge with a public "thinking…", check the channel, open the member's
        session (``Sessions.open_session`` keyword arguments), post its card and start its
        thread; the member's files posted meanwhile wait for the thread
        (:meth:`Threads.opening`). Raises CallsheetError (see ``open_session``)."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        with self.threads.opening(interaction):
            await acknowledge(interaction, "thinking")
            await self.channel_check.require(interaction)
            session = await self.services.sessions.open_session(
                interaction.guild_id, interaction.channel_id, interaction.user.id,
                locale=interaction.locale.value, **options,
            )  # fmt: skip
            self._plain.add(session.id)
            posted = await self.post_card(interaction, session)
            return await self.threads.start(interaction, session, posted)

    async def post_card(
        self, interaction: discord.Interaction[Any], session: Session
    ) -> discord.Message:
        """Replace the command's "thinking…" placeholder with the session card, remember
        the message so later changes edit it, and return it.

        Raises:
            CallsheetError: Discord refused the card (the session is closed again, so a
                retry does not meet "you already have a session open" for a card nobody
                saw).
        """
        try:
            rendered = await self.render_card(session.id)
            message = await answer(interaction, **rendered.for_edit())
        except discord.HTTPException:
            log.exception("session %s: the card could not be posted; closing it", session.id)
            await self.services.sessions.close(session.id, session.user_id)
            self._boards.pop(session.id, None)
            raise CallsheetError(say("card-not-posted", session=str(session.id))) from None
        await self.services.sessions.set_card(session.id, message.id)
        return message

    def talk(self, session: Session) -> Any:
        """``send`` where the session talks: its thread, else its channel."""
        return self.threads.messageable(session).send

    async def unused_settings(self, session_id: int) -> frozenset[str]:
        """The settings the session's settings panel leaves out: none for a plain session
        (no read), else what its card source says does not apply
        (:meth:`cogs.session.card.CardSource.unused_settings`)."""
        if session_id in self._plain:
            return frozenset()
        unused: frozenset[str] = frozenset()
        for source in self.card_sources:
            unused |= await source.unused_settings(session_id)
        return unused

    async def render_card(self, session_id: int) -> card.Card:
        """The card for the session's current state, with its asset board image when the
        assets changed since the board was last posted (rendered off the event loop)."""
        self._shown.pop(session_id, None)  # whoever renders it posts it: forget the last
        if session_id not in self._plain:
            for source in self.card_sources:
                own = await source.card(session_id)
                if own is not None:
                    return own
            self._plain.add(session_id)
        session = await self.services.sessions.get(session_id)
        quote = await self.services.generation.quote(session)
        balance = await self.services.generation.balance(session.guild_id, session.user_id)
        job = await self.services.generation.card_job(session_id)
        position, at_provider = self.services.generation.queue_status(job) if job else (None, None)
        embed = card.session_card(
            session, quote, balance, self.voice(session), job, position, self.services.clock(),
            at_provider, files_by_command=not self.bot.reads_message_files,
        )  # fmt: skip
        embed.set_image(url=f"attachment://{card.BOARD_FILENAME}")
        key = repr([(a.id, a.role, a.face_flag) for a in session.assets])
        board = await self.board_for(
            session_id, key, lambda: self.services.sessions.render_board(session)
        )
        t = self.voice(session)
        view = card_view(
            session, quote, t, reopenable=await self.services.sessions.reopenable(session)
        )
        add_steering(view, session, t)
        return card.Card(embed, view, board)

    async def board_for(
        self, session_id: int, shows: str, draw: Callable[[], Awaitable[Path]]
    ) -> Path | None:
        """The card's new image, drawn by ``draw`` (on the render pool) when what it
        ``shows`` changed since it was last posted; ``None`` while the posted one is right."""
        async with self._board_locks.setdefault(session_id, asyncio.Lock()):
            if self._boards.get(session_id) == shows:
                return None
            board = await draw()
            self._boards[session_id] = shows
            return board

    async def refresh_card(self, session_id: int) -> None:
        """Edit the posted card to the session's current state.

        Refreshes asked for while one is in flight for the same card fold into one more
        after it (a burst of changes costs two edits, not one per change), and an edit that
        would change nothing the member sees is not sent.
        """
        if session_id in self._refresh_again:
            self._refresh_again[session_id] = True
            return
        self._refresh_again[session_id] = False
        try:
            while True:
                await self._edit_card(session_id)
                if not self._refresh_again[session_id]:
                    return
                self._refresh_again[session_id] = False
        finally:
            del self._refresh_again[session_id]

    async def show_card(self, interaction: discord.Interaction, session_id: int) -> None:
        """Edit the card through ``interaction``, the click or modal on the card that changed
        the session, in turn with :meth:`refresh_card`: both render and edit under the card's
        lock, so an edit rendered before a change never lands after one rendered since.

        Raises:
            discord.HTTPException: Discord refused the edit (the next refresh posts the
                board again).
        """
        async with self._card_locks.setdefault(session_id, asyncio.Lock()):
            rendered = await self.render_card(session_id)
            try:
                await interaction.edit_original_response(**rendered.for_edit())
            except discord.HTTPException:
                self._boards.pop(session_id, None)
                raise
            self._shown[session_id] = rendered.shows()

    async def _edit_card(self, session_id: int) -> None:
        await self.bot.handlers.quiet()  # a burst's acknowledgements before this refresh
        session = await self.services.sessions.get(session_id)
        if session.card_message_id is None:
            return
        async with self._card_locks.setdefault(session_id, asyncio.Lock()):
            previous = self._shown.get(session_id)
            rendered = await self.render_card(session_id)
            if rendered.board is None and previous == rendered.shows():
                return
            channel = self.bot.get_partial_messageable(
                session.channel_id, guild_id=session.guild_id
            )
            await self.bot.handlers.quiet()  # and before its upload, drawn meanwhile
            try:
                await channel.get_partial_message(session.card_message_id).edit(
                    **rendered.for_edit()
                )
            except discord.HTTPException:
                self._boards.pop(session_id, None)
                log.warning("could not refresh the card of session %s", session_id, exc_info=True)
                return
            self._shown[session_id] = rendered.shows()

    # Jobs -------------------------------------------------------------------------------

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        """Show the job's state on the card, at most one edit per 5 s per card (Discord rate
        limits message edits; docs/ARCHITECTURE.md "Discord facts")."""
        now = time.monotonic()
        if now - self._last_progress_edit.get(job.session_id, 0.0) < PROGRESS_EDIT_INTERVAL_S:
            return
        self._last_progress_edit[job.session_id] = now
        await self.refresh_card(job.session_id)

    async def deliver(self, job: Job) -> int:
        """Post a finished job's outcome, once (see :mod:`cogs.session.delivery`), unless
        the bot may no longer post in its channel (then the moderators are told, and the
        runner tries again later)."""
        video = job.state == JobState.SUCCEEDED
        await self.channel_check.require_post(job.guild_id, job.channel_id, job.id, video=video)
        film = None
        if job.session_id not in self._plain:
            for source in self.card_sources:
                film = film or await source.film(job)
        message_id = await delivery.post(self.bot, job, film)
        await notices.notify(self.bot, job, message_id)  # a DM, for those who asked
        return message_id

    async def job_settled(self, job: Job) -> None:
        """Show the session open again, with the finished job on its card."""
        self._last_progress_edit.pop(job.session_id, None)
        await self.refresh_card(job.session_id)

    @tasks.loop(hours=SWEEP_INTERVAL_HOURS)
    async def sweep_old_files(self) -> None:
        """Remove files past ``RETENTION_DAYS`` (:mod:`bot.generation.retention`): this
        process's, and the bucket's in the one process that sweeps for all."""
        try:
            await self.services.retention.sweep(stored=self.bot.runs_once)
        except Exception:  # a failed sweep is retried at the next interval
            log.exception("the retention sweep failed")

    @tasks.loop(minutes=1)
    async def expire_idle_sessions(self) -> None:
        for session in await self.services.sessions.expire_idle():
            await self.refresh_card(session.id)
            await self.threads.archive(session)

    # Helpers ----------------------------------------------------------------------------

    async def _open_session_of(self, interaction: discord.Interaction[Any]) -> Session | None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        session = await self.services.sessions.find_open(
            interaction.guild_id, interaction.channel_id, interaction.user.id
        )
        if session is None:
            await reply(interaction, voice(interaction)("no-open-session"))
        return session

    def voice(self, session: Session) -> Voice:
        """The catalogue in the language of the session's owner (the card and what goes
        with it)."""
        return self.services.words.voice(session.locale)
