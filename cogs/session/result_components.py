"""Building on a delivered result: Regenerate (price first, then confirm), Extend, Edit,
Use as reference and Stitch the chain, as buttons under the video and as the modals they
open. Each button is one class: its custom_id, its look and what a click does. The
``/video extend|insert|edit|reference|stitch`` commands call the same functions.

custom_ids: ``cs:result:<job>:<action>``, ``cs:extend:<job>``, ``cs:edit:<job>`` (stable
across restarts; ≤ 100 characters).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord

from bot.errors import CallsheetError, SessionNotFound
from bot.generation.job import Job
from cogs.client import CallsheetBot
from cogs.errors import Component, Modal, acknowledge, answer, reply
from cogs.session.asset_components import ask_about
from cogs.session.card_components import role_ids, session_cog

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]

MIN_EXTEND_S, MAX_EXTEND_S = 4, 15  # seed 001: output duration 4–15 s


def _result_button(job_id: int, action: str, label: str, style: discord.ButtonStyle) -> Button:
    return discord.ui.Button(label=label, style=style, custom_id=f"cs:result:{job_id}:{action}")


class RegenerateButton(Component[Button], template=r"cs:result:(?P<job_id>\d+):regenerate"):
    """Shows the price of running the same request again, with a confirm button."""

    def __init__(self, job_id: int) -> None:
        super().__init__(
            _result_button(job_id, "regenerate", "Regenerate", discord.ButtonStyle.secondary)
        )
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        services = interaction.client.services
        job = await services.generation.job(self.job_id)
        if job.user_id != interaction.user.id:
            raise SessionNotFound(f"Job #{self.job_id} belongs to <@{job.user_id}>.")
        cost = await services.results.quote_job(self.job_id)
        balance = await services.generation.balance(
            job.guild_id, job.user_id, role_ids(interaction.user)
        )
        view = discord.ui.View(timeout=None)
        view.add_item(ConfirmRegenerateButton(self.job_id, cost))
        await reply(
            interaction,
            f"Regenerating job #{self.job_id} runs the same request with a new seed: "
            f"**{cost}** credits (you have {balance.available}).",
            view=view,
        )


class ConfirmRegenerateButton(Component[Button], template=r"cs:result:(?P<job_id>\d+):confirm"):
    """Regenerate confirmed: queue the same request again."""

    def __init__(self, job_id: int, cost: int | None = None) -> None:
        label = f"Regenerate for {cost} credits" if cost is not None else "Regenerate"
        super().__init__(_result_button(job_id, "confirm", label, discord.ButtonStyle.success))
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        services = interaction.client.services
        started = await services.results.regenerate(
            self.job_id, interaction.user.id, role_ids(interaction.user)
        )
        await interaction.edit_original_response(
            content=f"Job #{started.job_id} queued: {started.price} credits held "
            f"({started.available} left). It will be posted here.",
            view=None,
        )
        await session_cog(interaction).refresh_card(started.session_id)


class ExtendButton(Component[Button], template=r"cs:result:(?P<job_id>\d+):extend"):
    """Opens the Extend modal."""

    ack = "none"  # a modal is the response itself

    def __init__(self, job_id: int) -> None:
        super().__init__(_result_button(job_id, "extend", "Extend", discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        await interaction.response.send_modal(ExtendModal(self.job_id))


class EditButton(Component[Button], template=r"cs:result:(?P<job_id>\d+):edit"):
    """Opens the Edit modal."""

    ack = "none"  # a modal is the response itself

    def __init__(self, job_id: int) -> None:
        super().__init__(_result_button(job_id, "edit", "Edit", discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        await interaction.response.send_modal(EditModal(self.job_id))


class ReferenceButton(Component[Button], template=r"cs:result:(?P<job_id>\d+):reference"):
    """Puts the result into the member's session as a video reference."""

    ack = "private"

    def __init__(self, job_id: int) -> None:
        super().__init__(
            _result_button(job_id, "reference", "Use as reference", discord.ButtonStyle.secondary)
        )
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        await use_as_reference(interaction, self.job_id)


class StitchButton(Component[Button], template=r"cs:result:(?P<job_id>\d+):stitch"):
    """Stitches the result's extend/insert chain into one video."""

    ack = "thinking"

    def __init__(self, job_id: int) -> None:
        super().__init__(
            _result_button(job_id, "stitch", "Stitch the chain", discord.ButtonStyle.secondary)
        )
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        chain = await interaction.client.services.results.chain(self.job_id)
        await post_stitch(interaction, chain)


def result_view(job: Job) -> discord.ui.View:
    """Persistent buttons under a result (they work after a restart)."""
    view = discord.ui.View(timeout=None)
    view.add_item(RegenerateButton(job.id))
    view.add_item(ExtendButton(job.id))
    view.add_item(EditButton(job.id))
    view.add_item(ReferenceButton(job.id))
    if job.kind in ("extend", "insert"):
        view.add_item(StitchButton(job.id))
    return view


class ExtendModal(Modal):
    """Extend a result: how many seconds, and what happens next."""

    seconds: discord.ui.TextInput[ExtendModal] = discord.ui.TextInput(
        label=f"Seconds to add ({MIN_EXTEND_S}–{MAX_EXTEND_S})",
        custom_id="seconds",
        default="5",
        max_length=2,
    )
    prompt: discord.ui.TextInput[ExtendModal] = discord.ui.TextInput(
        label="What happens next (optional)",
        custom_id="prompt",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=2000,
    )

    def __init__(self, job_id: int) -> None:
        super().__init__(title=f"Extend job #{job_id}", custom_id=f"cs:extend:{job_id}")
        self.job_id = job_id

    ack = "private"

    async def submit(self, interaction: Interaction) -> None:
        try:
            seconds = int(self.seconds.value)
        except ValueError:
            raise CallsheetError(
                f"Seconds must be a whole number, {MIN_EXTEND_S}–{MAX_EXTEND_S}."
            ) from None
        await start_derived(
            interaction, "extend", self.job_id, seconds=seconds, prompt=self.prompt.value
        )


class EditModal(Modal):
    """Edit a result: replace, remove or add a character or object (seed 002)."""

    prompt: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="What should change?",
        custom_id="prompt",
        style=discord.TextStyle.paragraph,
        placeholder="Replace the car with a red bicycle; keep everything else.",
        max_length=2000,
    )

    def __init__(self, job_id: int) -> None:
        super().__init__(title=f"Edit job #{job_id}", custom_id=f"cs:edit:{job_id}")
        self.job_id = job_id

    ack = "private"

    async def submit(self, interaction: Interaction) -> None:
        await start_derived(interaction, "edit", self.job_id, prompt=self.prompt.value)


async def start_derived(
    interaction: Interaction,
    kind: str,
    job_id: int,
    *,
    seconds: int = 5,
    prompt: str = "",
    second: int | None = None,
    image: discord.Attachment | None = None,
) -> None:
    """Extend, insert between or edit: queue the derived job and say what it costs.

    ``seconds``: output duration to add (4–15 s, seed 001); ``second``: the later job of an
    insert; ``image``: what to put in, for an edit.
    """
    await acknowledge(interaction, "private")
    results = interaction.client.services.results
    roles = role_ids(interaction.user)
    user = interaction.user.id
    if kind == "extend":
        started = await results.extend(job_id, user, seconds, prompt, roles)
    elif kind == "insert":
        assert second is not None
        started = await results.insert_between(job_id, second, user, seconds, prompt, roles)
    else:
        picture: Path | None = None
        if image is not None:
            picture = await interaction.client.services.uploads.fetch_for_job(
                job_id, image.url, image.filename
            )
        started = await results.edit(job_id, user, prompt, picture, roles)
    await interaction.followup.send(
        f"Job #{started.job_id} ({kind} of #{job_id}) queued: {started.price} credits held "
        f"({started.available} left). It will be posted here.",
        ephemeral=True,
    )
    await session_cog(interaction).refresh_card(started.session_id)


async def post_stitch(interaction: Interaction, job_ids: list[int]) -> None:
    """Stitch results (in order) into one video and post it."""
    await acknowledge(interaction, "thinking")
    path = await interaction.client.services.results.stitch(job_ids, interaction.user.id)
    joined = " + ".join(f"#{j}" for j in job_ids)
    name = f"callsheet-stitch-{'-'.join(map(str, job_ids))}.mp4"
    await answer(
        interaction,
        content=f"{interaction.user.mention} stitched {joined}.",
        attachments=[discord.File(path, filename=name)],
    )


async def use_as_reference(interaction: Interaction, job_id: int) -> None:
    """Put the result into the member's session as a video reference (opening one, with its
    card, when they have none in this channel)."""
    assert interaction.guild_id is not None and interaction.channel_id is not None
    await acknowledge(interaction, "private")
    session, asset = await interaction.client.services.results.use_as_reference(
        job_id, interaction.user.id, interaction.guild_id, interaction.channel_id
    )
    await ask_about(asset, interaction.followup.send)
    cog = session_cog(interaction)
    if session.card_message_id is None:
        rendered = await cog.render_card(session.id)
        posted = await interaction.channel.send(**rendered.for_send())  # type: ignore[union-attr]
        await interaction.client.services.sessions.set_card(session.id, posted.id)
    else:
        await cog.refresh_card(session.id)


RESULT_COMPONENTS = (
    RegenerateButton,
    ConfirmRegenerateButton,
    ExtendButton,
    EditButton,
    ReferenceButton,
    StitchButton,
)
