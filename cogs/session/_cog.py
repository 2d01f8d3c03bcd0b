"""The session cog: ``/video new|add|cancel``, attachments posted in the channel, the
session card, and delivery of finished jobs. Discord glue only: every decision is a call
on :class:`bot.sessions.studio.Studio`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import AssetRejected, CallsheetError, FixableUpload, SessionNotFound
from bot.generation.jobs import Job
from bot.guilds.config import MODEL_LABELS
from bot.media.board import render_board
from bot.media.intake import download
from bot.seedance.session import Asset, Session
from bot.seedance.templates import TEMPLATES, apply_template, get_template, missing_slots
from bot.sessions.studio import Studio
from bot.text import file_label
from cogs.client import CallsheetBot
from cogs.session import _delivery, _embeds, _ids
from cogs.session._views import reply_error

log = logging.getLogger(__name__)

PROGRESS_EDIT_INTERVAL_S = 5.0
FIX_PROGRESS_INTERVAL_S = 2.0


class _Progress:
    """A fraction written by a worker thread and read by the event loop."""

    def __init__(self) -> None:
        self.fraction = 0.0

    def threadsafe(self, loop: asyncio.AbstractEventLoop) -> Callable[[float], None]:
        def report(fraction: float) -> None:
            loop.call_soon_threadsafe(setattr, self, "fraction", fraction)

        return report


_RATIOS = [
    app_commands.Choice(name=r, value=r) for r in ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")
]
_RESOLUTIONS = [app_commands.Choice(name=r, value=r) for r in ("480p", "720p")]
_MODELS = [app_commands.Choice(name=label, value=key) for key, label in MODEL_LABELS.items()]
_TEMPLATES = [app_commands.Choice(name=t.label, value=t.key) for t in TEMPLATES]


def role_ids(user: discord.User | discord.Member) -> list[int]:
    """The member's role ids (none for a plain user)."""
    return [role.id for role in getattr(user, "roles", [])]


class SessionCog(commands.Cog):
    """Video sessions."""

    video = app_commands.Group(
        name="video", description="Direct a Seedance 2.0 video", guild_only=True
    )

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot
        self.studio: Studio = bot.studio
        self.results = bot.services.results
        self._last_progress_edit: dict[int, float] = {}
        self._boards: dict[int, str] = {}  # session id → assets shown on the posted board
        self._board_locks: dict[int, asyncio.Lock] = {}

    async def cog_load(self) -> None:
        self.bot.services.runner.add_listener(self)
        self.expire_idle_sessions.start()

    async def cog_unload(self) -> None:
        self.expire_idle_sessions.cancel()
        self.bot.services.runner.remove_listener(self)

    # Slash commands ---------------------------------------------------------------------

    @video.command(name="new", description="Open a video session in this channel")
    @app_commands.describe(
        prompt="What should happen? You can refer to assets as @image1, @video1, @audio1",
        duration="Length in seconds (4–15)",
        ratio="Aspect ratio",
        resolution="480p or 720p",
        model="Seedance 2.0, or 2.0 Fast for quick, cheaper iterations (seed 003)",
        audio='Generate sound (dialogue in "quotes" is spoken; seed 001)',
        asset1="An image, video clip or audio file",
        asset2="Another reference",
        asset3="Another reference",
    )
    @app_commands.choices(ratio=_RATIOS, resolution=_RESOLUTIONS, model=_MODELS)
    async def new(
        self,
        interaction: discord.Interaction[CallsheetBot],
        prompt: str | None = None,
        duration: app_commands.Range[int, 4, 15] | None = None,
        ratio: str | None = None,
        resolution: str | None = None,
        model: str | None = None,
        audio: bool | None = None,
        asset1: discord.Attachment | None = None,
        asset2: discord.Attachment | None = None,
        asset3: discord.Attachment | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        try:
            session = await self.studio.open_session(
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                prompt=prompt,
                duration_s=duration,
                ratio=ratio,
                resolution=resolution,
                model=model,
                generate_audio=audio,
            )
        except CallsheetError as error:
            await reply_error(interaction, error)
            return
        await self._post_card(interaction, session.id)
        attachments = [a for a in (asset1, asset2, asset3) if a is not None]
        if attachments:
            await self._take_assets(
                session.id, interaction.user.id, attachments, interaction.followup.send
            )

    @video.command(name="template", description="Start from one of the ten Seedance templates")
    @app_commands.describe(
        template="What kind of shot", scene="Your scene (the template adds how assets combine)"
    )
    @app_commands.choices(template=_TEMPLATES)
    async def template_command(
        self,
        interaction: discord.Interaction[CallsheetBot],
        template: str,
        scene: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        chosen = get_template(template)
        try:
            session = await self.studio.open_session(
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                prompt=apply_template(chosen, scene or chosen.example_scene),
                template=chosen,
            )
        except CallsheetError as error:
            await reply_error(interaction, error)
            return
        await self._post_card(interaction, session.id)
        await interaction.followup.send(
            _embeds.template_checklist(chosen, missing_slots(chosen, session))
        )

    @video.command(name="add", description="Add references to your open session")
    @app_commands.describe(
        asset1="An image, video clip or audio file",
        asset2="Another reference",
        asset3="Another reference",
    )
    async def add(
        self,
        interaction: discord.Interaction[CallsheetBot],
        asset1: discord.Attachment,
        asset2: discord.Attachment | None = None,
        asset3: discord.Attachment | None = None,
    ) -> None:
        session = await self._open_session_of(interaction)
        if session is None:
            return
        await interaction.response.defer(thinking=True)
        attachments = [a for a in (asset1, asset2, asset3) if a is not None]
        accepted = await self._take_assets(
            session.id, interaction.user.id, attachments, interaction.followup.send
        )
        await interaction.followup.send(
            f"{accepted} of {len(attachments)} file(s) added to session #{session.id}."
        )

    @video.command(name="cancel", description="Close your open session in this channel")
    async def cancel(self, interaction: discord.Interaction[CallsheetBot]) -> None:
        session = await self._open_session_of(interaction)
        if session is not None:
            await self.close_session(interaction, session.id)

    @video.command(name="extend", description="Continue one of your results by a few seconds")
    @app_commands.describe(
        job="The job number of the result",
        seconds="Seconds to add (4–15)",
        prompt="What happens next",
    )
    async def extend_command(
        self, interaction: discord.Interaction[CallsheetBot], job: int,
        seconds: app_commands.Range[int, 4, 15] = 5, prompt: str = "",
    ) -> None:  # fmt: skip
        await self._guarded(
            self.start_derived(interaction, "extend", job, seconds=seconds, prompt=prompt),
            interaction,
        )

    @video.command(name="insert", description="Generate the shot that bridges two of your results")
    @app_commands.describe(
        first="Job number of the shot before", second="Job number of the shot after",
        seconds="Length of the bridge (4–15)", prompt="How the bridge moves",
    )  # fmt: skip
    async def insert_command(
        self, interaction: discord.Interaction[CallsheetBot], first: int, second: int,
        seconds: app_commands.Range[int, 4, 15] = 5, prompt: str = "",
    ) -> None:  # fmt: skip
        await self._guarded(
            self.start_derived(
                interaction, "insert", first, second=second, seconds=seconds, prompt=prompt
            ),
            interaction,
        )

    @video.command(name="edit", description="Replace, remove or add something in a result")
    @app_commands.describe(
        job="The job number of the result", prompt="What should change",
        image="An optional image of what to put in",
    )  # fmt: skip
    async def edit_command(
        self, interaction: discord.Interaction[CallsheetBot], job: int, prompt: str,
        image: discord.Attachment | None = None,
    ) -> None:  # fmt: skip
        await self._guarded(
            self.start_derived(interaction, "edit", job, prompt=prompt, image=image), interaction
        )

    @video.command(name="stitch", description="Join results into one video")
    @app_commands.describe(jobs="Job numbers in order, e.g. 3, 5, 8")
    async def stitch_command(
        self, interaction: discord.Interaction[CallsheetBot], jobs: str
    ) -> None:
        try:
            ids = [int(part) for part in jobs.replace(",", " ").split()]
        except ValueError:
            await reply_error(interaction, CallsheetError("List job numbers, e.g. `3, 5, 8`."))
            return
        await self._guarded(self._post_stitch(interaction, ids), interaction)

    @video.command(name="reference", description="Use one of your results as a video reference")
    async def reference_command(
        self, interaction: discord.Interaction[CallsheetBot], job: int
    ) -> None:
        await self._guarded(self.use_as_reference(interaction, job), interaction)

    # Attachments posted in the channel --------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None or not message.attachments:
            return
        session = await self.studio.find_open(
            message.guild.id, message.channel.id, message.author.id
        )
        if session is None:
            return
        await self._take_assets(session.id, message.author.id, message.attachments, message.reply)

    # Card actions -----------------------------------------------------------------------

    async def generate(self, interaction: discord.Interaction[Any], session_id: int) -> None:
        """Generate: compile, hold credits, start the job; errors go back ephemerally."""
        started = await self.studio.generate(
            session_id, interaction.user.id, role_ids(interaction.user)
        )
        card = await self.render_card(session_id)
        await interaction.response.edit_message(**card.for_edit())
        await interaction.followup.send(
            f"Job #{started.job_id} started: {started.price} credits held "
            f"({started.available} left). Your video will be posted here.",
            ephemeral=True,
        )

    async def show_request(self, interaction: discord.Interaction[Any], session_id: int) -> None:
        """The compiled request exactly as the provider will receive it, with the price."""
        session = await self.studio.get(session_id)
        quote = await self.studio.quote(session)
        if quote.request is None:
            raise CallsheetError(quote.problem or "The session does not compile yet.")
        await interaction.response.send_message(embed=_embeds.request_embed(quote), ephemeral=True)

    async def close_session(self, interaction: discord.Interaction[Any], session_id: int) -> None:
        """Close the session and show it closed on its card."""
        session = await self.studio.close(session_id, interaction.user.id)
        await interaction.response.send_message(
            f"Session #{session.id} closed. Start another with `/video new`.", ephemeral=True
        )
        await self.refresh_card(session.id)

    async def _post_card(self, interaction: discord.Interaction[Any], session_id: int) -> None:
        """Answer the interaction with the session card (within Discord's 3 s) and remember
        the message so later changes edit it."""
        card = await self.render_card(session_id)
        await interaction.response.send_message(**card.for_send())
        message = await interaction.original_response()
        await self.studio.set_card(session_id, message.id)

    async def render_card(self, session_id: int) -> _embeds.Card:
        """The card for the session's current state, with its asset board image when the
        assets changed since the board was last posted (rendered off the event loop)."""
        session = await self.studio.get(session_id)
        quote = await self.studio.quote(session)
        balance = await self.studio.balance(session.guild_id, session.user_id)
        job = await self.studio.active_job(session_id) or await self.studio.last_job(session_id)
        runner = self.studio.runner
        position = runner.queue_positions.get(job.id) if job else None
        at_provider = runner.provider_status.get(job.id) if job else None
        embed = _embeds.session_card(
            session, quote, balance, job, position, self.studio.clock(), at_provider
        )
        embed.set_image(url=f"attachment://{_embeds.BOARD_FILENAME}")
        key = repr([(a.id, a.role, a.face_flag) for a in session.assets])
        board = None
        async with self._board_locks.setdefault(session_id, asyncio.Lock()):
            if self._boards.get(session_id) != key:
                limits = await self.studio.limits_for(session.guild_id)
                folder = self.studio.data_dir / "boards"
                folder.mkdir(parents=True, exist_ok=True)
                board = await asyncio.to_thread(
                    render_board, session, limits, folder / f"session-{session_id}.png"
                )
                self._boards[session_id] = key
        return _embeds.Card(embed, _embeds.card_view(session, quote), board)

    async def refresh_card(self, session_id: int) -> None:
        """Edit the posted card to the session's current state."""
        session = await self.studio.get(session_id)
        if session.card_message_id is None:
            return
        card = await self.render_card(session_id)
        channel = self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)
        try:
            await channel.get_partial_message(session.card_message_id).edit(**card.for_edit())
        except discord.HTTPException:
            self._boards.pop(session_id, None)
            log.warning("could not refresh the card of session %s", session_id, exc_info=True)

    # Jobs -------------------------------------------------------------------------------

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        """Show the job's state on the card, at most one edit per 5 s per card (Discord rate
        limits message edits; DESIGN.md "Discord facts")."""
        now = time.monotonic()
        if now - self._last_progress_edit.get(job.session_id, 0.0) < PROGRESS_EDIT_INTERVAL_S:
            return
        self._last_progress_edit[job.session_id] = now
        await self.refresh_card(job.session_id)

    async def deliver(self, job: Job) -> int:
        """Post a finished job's outcome and show the session open again."""
        return await _delivery.post(self.bot, job)

    async def job_settled(self, job: Job) -> None:
        """Show the session open again, with the finished job on its card."""
        self._last_progress_edit.pop(job.session_id, None)
        await self.refresh_card(job.session_id)

    async def find_delivery(self, job: Job) -> int | None:
        """A post of ``job`` already in its channel (after a crash), or ``None``."""
        return await _delivery.find(self.bot, job)

    async def stop_job(self, interaction: discord.Interaction[Any], session_id: int) -> None:
        """The member cancels their running job; the hold is released."""
        job = await self.studio.cancel_job(session_id, interaction.user.id)
        card = await self.render_card(session_id)
        await interaction.response.edit_message(**card.for_edit())
        await interaction.followup.send(
            f"Job #{job.id} cancelled; your {job.price} credits were released.", ephemeral=True
        )

    async def offer_regenerate(self, interaction: discord.Interaction[Any], job_id: int) -> None:
        """Show the price of running the same request again, with a confirm button."""
        job = await self.studio.job(job_id)
        if job.user_id != interaction.user.id:
            raise SessionNotFound(f"Job #{job_id} belongs to <@{job.user_id}>.")
        cost = await self.results.quote_job(job_id)
        balance = await self.studio.balance(job.guild_id, job.user_id, role_ids(interaction.user))
        view = discord.ui.View(timeout=None)
        view.add_item(
            discord.ui.Button(
                label=f"Regenerate for {cost} credits",
                style=discord.ButtonStyle.success,
                custom_id=_ids.result(job_id, "confirm"),
            )
        )
        await interaction.response.send_message(
            f"Regenerating job #{job_id} runs the same request with a new seed: **{cost}** "
            f"credits (you have {balance.available}).",
            view=view,
            ephemeral=True,
        )

    async def regenerate(self, interaction: discord.Interaction[Any], job_id: int) -> None:
        """Confirmed: queue the same request again."""
        started = await self.results.regenerate(
            job_id, interaction.user.id, role_ids(interaction.user)
        )
        await interaction.response.edit_message(
            content=f"Job #{started.job_id} queued: {started.price} credits held "
            f"({started.available} left). It will be posted here.",
            view=None,
        )
        job = await self.studio.job(started.job_id)
        await self.refresh_card(job.session_id)

    async def start_derived(
        self,
        interaction: discord.Interaction[Any],
        kind: str,
        job_id: int,
        *,
        seconds: int = 5,
        prompt: str = "",
        second: int | None = None,
        image: discord.Attachment | None = None,
    ) -> None:
        """Extend, insert between or edit: queue the derived job and say what it costs."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        roles = role_ids(interaction.user)
        user = interaction.user.id
        if kind == "extend":
            started = await self.results.extend(job_id, user, seconds, prompt, roles)
        elif kind == "insert":
            assert second is not None
            started = await self.results.insert_between(
                job_id, second, user, seconds, prompt, roles
            )
        else:
            picture = await self._fetch_image(image, job_id) if image is not None else None
            started = await self.results.edit(job_id, user, prompt, picture, roles)
        await interaction.followup.send(
            f"Job #{started.job_id} ({kind} of #{job_id}) queued: {started.price} credits held "
            f"({started.available} left). It will be posted here.",
            ephemeral=True,
        )
        job = await self.studio.job(started.job_id)
        await self.refresh_card(job.session_id)

    async def stitch_chain(self, interaction: discord.Interaction[Any], job_id: int) -> None:
        """Stitch a result's extend/insert chain into one video."""
        await self._post_stitch(interaction, await self.results.chain(job_id))

    async def _post_stitch(self, interaction: discord.Interaction[Any], job_ids: list[int]) -> None:
        await interaction.response.defer(thinking=True)
        path = await self.results.stitch(job_ids, interaction.user.id)
        joined = " + ".join(f"#{j}" for j in job_ids)
        await interaction.followup.send(
            f"{interaction.user.mention} stitched {joined}.",
            file=discord.File(path, filename=f"callsheet-stitch-{'-'.join(map(str, job_ids))}.mp4"),
        )

    async def _fetch_image(self, image: discord.Attachment, job_id: int) -> Path:
        folder = self.studio.data_dir / "jobs" / str(job_id)
        fetched = await download(self.studio.http, image.url, folder, 30 * 2**20, image.filename)
        return fetched.path

    async def _guarded(
        self, action: Coroutine[Any, Any, None], interaction: discord.Interaction[Any]
    ) -> None:
        try:
            await action
        except CallsheetError as error:
            await reply_error(interaction, error)

    async def use_as_reference(self, interaction: discord.Interaction[Any], job_id: int) -> None:
        """Put the result into the member's session as a video reference."""
        assert interaction.guild_id is not None and interaction.channel_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        session, asset = await self.results.use_as_reference(
            job_id, interaction.user.id, interaction.guild_id, interaction.channel_id
        )
        await self.ask_about(asset, interaction.followup.send)
        if session.card_message_id is None:
            rendered = await self.render_card(session.id)
            posted = await interaction.channel.send(**rendered.for_send())  # type: ignore[union-attr]
            await self.studio.set_card(session.id, posted.id)
        else:
            await self.refresh_card(session.id)

    @tasks.loop(minutes=1)
    async def expire_idle_sessions(self) -> None:
        for session in await self.studio.expire_idle():
            await self.refresh_card(session.id)

    # Helpers ----------------------------------------------------------------------------

    async def _open_session_of(self, interaction: discord.Interaction[Any]) -> Session | None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        session = await self.studio.find_open(
            interaction.guild_id, interaction.channel_id, interaction.user.id
        )
        if session is None:
            await interaction.response.send_message(
                "You have no open session in this channel. Start one with `/video new`.",
                ephemeral=True,
            )
        return session

    async def _take_assets(
        self,
        session_id: int,
        user_id: int,
        attachments: list[discord.Attachment],
        send: Any,
    ) -> int:
        """Intake each attachment; ask its role or say why it was refused. Return accepted."""
        accepted = 0
        for attachment in attachments:
            try:
                asset = await self.studio.add_asset(
                    session_id,
                    user_id,
                    url=attachment.url,
                    filename=attachment.filename,
                    declared_size=attachment.size,
                )
            except FixableUpload as offer:
                await send(str(offer), view=_embeds.fix_view(offer.pending_id, offer.options))
                continue
            except AssetRejected as error:
                await send(str(error))
                continue
            except CallsheetError as error:
                await send(str(error))
                return accepted
            accepted += 1
            await self.ask_about(asset, send)
        await self.refresh_card(session_id)
        return accepted

    async def ask_about(self, asset: Asset, send: Any) -> None:
        """The role question for a new asset, and the face question when it was flagged."""
        text, view = _embeds.role_question(asset)
        await send(text, view=view)
        if asset.face_flag == "warned":
            warning, buttons = _embeds.face_warning(asset)
            await send(warning, view=buttons)

    async def apply_fix(
        self, interaction: discord.Interaction[Any], pending_id: int, key: str
    ) -> None:
        """Run a one-click fix, showing progress on the refusal message, then ask the role."""
        await interaction.response.defer()
        done = asyncio.Event()
        progress = _Progress()

        async def report() -> None:
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), FIX_PROGRESS_INTERVAL_S)
                if not done.is_set():
                    await interaction.edit_original_response(
                        content=f"Fixing… {progress.fraction:.0%}", view=None
                    )

        reporter = asyncio.create_task(report())
        try:
            asset = await self.studio.apply_fix(
                pending_id,
                key,
                interaction.user.id,
                progress.threadsafe(asyncio.get_running_loop()),
            )
        finally:
            done.set()
            await reporter
        await interaction.edit_original_response(
            content=f"Fixed ✓ — kept as **{asset.tag}** ({file_label(asset.filename)}).", view=None
        )
        await self.ask_about(asset, interaction.followup.send)
        await self.refresh_card(asset.session_id)

    async def asset_action(
        self, interaction: discord.Interaction[Any], asset_id: int, action: str, at_s: float = 0.0
    ) -> None:
        """Use a video's sound or a moment of it; keep or remove a face-flagged asset."""
        user = interaction.user.id
        if action in ("sound", "frame"):
            await interaction.response.defer(thinking=True)
            what = "audio" if action == "sound" else "frame"
            asset = await self.studio.derive_asset(asset_id, user, what, at_s)
            await self.ask_about(asset, interaction.followup.send)
        elif action == "keep":
            asset = await self.studio.keep_face(asset_id, user)
            await interaction.response.edit_message(
                content=f"**{asset.tag}** kept as a drawn or stylised image.", view=None
            )
        else:
            asset = await self.studio.remove_asset(asset_id, user)
            await interaction.response.edit_message(
                content=f"**{asset.tag}** removed from the session.", view=None
            )
        await self.refresh_card(asset.session_id)
