"""The storyboard cog: ``/video storyboard`` (its command sits in the ``/video`` group of
:class:`cogs.session.cog.SessionCog`, which hands it here), and the storyboard's card and
film for the session cog, which posts and refreshes them as it does a session's (the
storyboard is backed by a session: uploads, roles, fixes, faces and its thread are the
session's own; :mod:`bot.storyboard.service`).

Discord glue only: every decision is a call on :class:`bot.storyboard.service.Storyboards`;
errors go through :mod:`cogs.errors`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import discord
from discord.ext import commands

from bot.generation.job import Job
from bot.hosting.store import MediaUnreachable
from bot.media.board.strip import render_strip
from bot.seedance.session import SessionState
from bot.storyboard.model import MAX_SHOTS, Storyboard
from cogs.client import CallsheetBot
from cogs.errors import acknowledge, reply
from cogs.session import card as session_card
from cogs.session.cog import SessionCog
from cogs.storyboard import card
from cogs.storyboard.components import storyboard_view
from cogs.words import voice

log = logging.getLogger(__name__)


class StoryboardCog(commands.Cog):
    """Storyboards: a film of several shots from one conversation."""

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot
        self.services = bot.services

    @property
    def sessions(self) -> SessionCog:
        cog = self.bot.get_cog("SessionCog")
        assert isinstance(cog, SessionCog), "the session cog is not loaded"
        return cog

    async def cog_load(self) -> None:
        self.sessions.card_sources.append(self)

    async def cog_unload(self) -> None:
        cog = self.bot.get_cog("SessionCog")
        if isinstance(cog, SessionCog) and self in cog.card_sources:
            cog.card_sources.remove(self)

    async def open(
        self, interaction: discord.Interaction[CallsheetBot],
        soundtrack: discord.Attachment | None = None,
    ) -> None:  # fmt: skip
        """``/video storyboard``: open a storyboard (a session with an empty shot list),
        post its card in place of the public "thinking…" and give it its thread. With a
        ``soundtrack``, it becomes the film's sound; when the member already has a
        storyboard open here, it becomes that one's (said to them alone)."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        sessions = self.sessions
        with sessions.threads.opening(interaction):  # files posted meanwhile wait for it
            opened = await self._open(interaction, soundtrack)
        if opened is not None and soundtrack is not None:
            await self._take_soundtrack(opened.id, interaction.user.id, soundtrack)

    async def _open(
        self, interaction: discord.Interaction[CallsheetBot],
        soundtrack: discord.Attachment | None,
    ) -> Storyboard | None:  # fmt: skip
        """Acknowledge, then open the storyboard, post its card and start its thread; or
        (``None``) give the member's open storyboard here the ``soundtrack``."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        await acknowledge(interaction, "thinking")
        services, sessions = self.services, self.sessions
        if soundtrack is not None:
            session = await services.sessions.find_open(
                interaction.guild_id, interaction.channel_id, interaction.user.id
            )
            mine = await services.storyboards.of_session(session.id) if session else None
            if mine is not None:
                mine = await self._take_soundtrack(mine.id, interaction.user.id, soundtrack)
                await reply(interaction, card.soundtrack_set(mine, voice(interaction)))
                return None
        await sessions.channel_check.require(interaction)
        storyboard = await services.storyboards.open(
            interaction.guild_id, interaction.channel_id, interaction.user.id,
            locale=interaction.locale.value,
        )  # fmt: skip
        session = await services.sessions.get(storyboard.session_id)
        posted = await sessions.post_card(interaction, session)
        await sessions.threads.start(interaction, session, posted, "storyboard-welcome")
        return storyboard

    async def _take_soundtrack(
        self, storyboard_id: int, user_id: int, soundtrack: discord.Attachment
    ) -> Storyboard:
        """Download ``soundtrack`` as the storyboard's sound and show it on the card."""
        storyboard = await self.services.storyboards.add_soundtrack(
            storyboard_id, user_id, url=soundtrack.url, filename=soundtrack.filename,
            declared_size=soundtrack.size,
        )  # fmt: skip
        await self.sessions.refresh_card(storyboard.session_id)
        return storyboard

    async def card(self, session_id: int) -> session_card.Card | None:
        """The storyboard card of session ``session_id`` (``None``: not a storyboard's):
        its embed, components, and its shot strip when the shots changed since it was
        posted (drawn on the render pool)."""
        services = self.services
        storyboard = await services.storyboards.of_session(session_id)
        if storyboard is None:
            return None
        session = await services.sessions.get(session_id)
        quote = await services.storyboards.quote(storyboard.id, storyboard.user_id)
        balance = await services.generation.balance(storyboard.guild_id, storyboard.user_id)
        t = self.sessions.voice(session)
        closed = session.state not in (SessionState.OPEN, SessionState.GENERATING)
        embed = card.storyboard_card(storyboard, quote, balance, t, closed=closed)
        embed.set_image(url=f"attachment://{session_card.BOARD_FILENAME}")
        out = card.strip_path(self.bot.settings.data_dir, storyboard)
        out.parent.mkdir(parents=True, exist_ok=True)
        limits = {"max_shots": MAX_SHOTS, "min_shot_s": card.SHORTEST_S,
                  "max_shot_s": card.LONGEST_S}  # fmt: skip

        async def draw() -> Path:
            videos = {shot.id: await self._video(shot.result_key)
                      for shot in storyboard.shots if shot.result_key}  # fmt: skip
            shots = card.strip_shots(storyboard, {k: v for k, v in videos.items() if v})
            return await services.render_pool.run(render_strip, shots, out, **limits)

        board = await self.sessions.board_for(
            session_id, "strip:" + card.strip_key(storyboard), draw
        )
        view = storyboard_view(storyboard, session, quote, t)
        return session_card.Card(embed, view, board)

    async def unused_settings(self, session_id: int) -> frozenset[str]:
        """A storyboard's session has no clip length of its own (each shot has its own,
        4–15 s): its settings panel leaves ``duration`` out; other sessions lose nothing."""
        storyboard = await self.services.storyboards.of_session(session_id)
        return frozenset({"duration"}) if storyboard is not None else frozenset()

    async def _video(self, key: str) -> Path | None:
        """A made shot's video on this machine (fetched from the media store when only it
        holds it), or ``None`` when it can't be had now (its tile then shows its number)."""
        try:
            return await self.services.media.fetch(key)
        except (FileNotFoundError, ValueError, MediaUnreachable):
            log.warning("storyboard strip: no video for %s", key)
            return None

    async def film(self, job: Job) -> tuple[str, list[discord.Embed]] | None:
        """A storyboard's film is posted with its words and its shot list; ``None`` for any
        other job (a shot's own result is posted as usual, with its result buttons)."""
        storyboard = await self.services.storyboards.of_session(job.session_id)
        if storyboard is None or storyboard.film_job_id != job.id:
            return None
        session = await self.services.sessions.get(job.session_id)
        t = self.sessions.voice(session)
        return card.film_notice(storyboard, t), [card.film_embed(storyboard, t)]
