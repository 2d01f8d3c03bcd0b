"""Building on a delivered result: Regenerate, Extend, Edit, Use as reference and Stitch
the chain, as buttons under the video and as the modals they open; each shows its price
(or that it is free) and asks once (:mod:`cogs.session.spend_components`). Each button
is one class: its custom_id, its look and what a click does. The
``/video extend|insert|edit|reference|stitch`` commands call the same functions.

custom_ids: ``cs:result:<job>:<action>`` (stable across restarts; ≤ 100 characters); the
modals ``cs:extend:<job>:<nonce>``, ``cs:edit:<job>:<nonce>`` (one per opening,
:func:`cogs.errors.opening_id`). Only the result's owner can open them (checked before the
modal opens) or stitch it (checked before the public "thinking…").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord

from bot.errors import CallsheetError
from bot.generation.job import Job
from bot.words import Voice, say
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, Modal, acknowledge, opening_id
from cogs.session.card_components import role_ids
from cogs.session.spend_components import show_offer
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]

MIN_EXTEND_S, MAX_EXTEND_S = 4, 15  # seed 001: output duration 4–15 s
MODAL_TIMEOUT_S = 900  # an unsubmitted modal is forgotten after 15 min (one per opening)


def _result_button(
    job_id: int, action: str, t: Voice | None, style: discord.ButtonStyle, **args: Any
) -> Button:
    """A result button labelled by ``button-<action>`` (no label when discord.py rebuilds it
    from its custom_id to dispatch a click)."""
    label = t(f"button-{action}", **args) if t else None
    return discord.ui.Button(label=label, style=style, custom_id=f"cs:result:{job_id}:{action}")


class RegenerateButton(Component[Button], template=rf"cs:result:(?P<job_id>{ID}):regenerate"):
    """Shows the price of running the same request again, with Confirm and Cancel."""

    ack = "private"

    def __init__(self, job_id: int, t: Voice | None = None) -> None:
        super().__init__(_result_button(job_id, "regenerate", t, discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        offered = await interaction.client.services.spending.offer_regenerate(
            self.job_id, interaction.user.id, role_ids(interaction.user)
        )
        await show_offer(interaction, offered)


class ExtendButton(Component[Button], template=rf"cs:result:(?P<job_id>{ID}):extend"):
    """Opens the Extend modal (for the result's owner only)."""

    ack = "none"  # a modal is the response itself

    def __init__(self, job_id: int, t: Voice | None = None) -> None:
        super().__init__(_result_button(job_id, "extend", t, discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def check(self, interaction: Interaction) -> None:
        await interaction.client.services.generation.check_owner([self.job_id], interaction.user.id)

    async def handle(self, interaction: Interaction) -> None:
        await interaction.response.send_modal(ExtendModal(self.job_id, voice(interaction)))


class EditButton(Component[Button], template=rf"cs:result:(?P<job_id>{ID}):edit"):
    """Opens the Edit modal (for the result's owner only)."""

    ack = "none"  # a modal is the response itself

    def __init__(self, job_id: int, t: Voice | None = None) -> None:
        super().__init__(_result_button(job_id, "edit", t, discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def check(self, interaction: Interaction) -> None:
        await interaction.client.services.generation.check_owner([self.job_id], interaction.user.id)

    async def handle(self, interaction: Interaction) -> None:
        await interaction.response.send_modal(EditModal(self.job_id, voice(interaction)))


class ReferenceButton(Component[Button], template=rf"cs:result:(?P<job_id>{ID}):reference"):
    """Asks (nothing is spent now) before putting the result into the member's session as a
    video reference."""

    ack = "private"

    def __init__(self, job_id: int, t: Voice | None = None) -> None:
        super().__init__(_result_button(job_id, "reference", t, discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def handle(self, interaction: Interaction) -> None:
        await use_as_reference(interaction, self.job_id)


class StitchButton(Component[Button], template=rf"cs:result:(?P<job_id>{ID}):stitch"):
    """Asks (stitching is free) before stitching the result's extend/insert chain into one
    video (the owner's only: checked before the acknowledgement)."""

    ack = "private"

    def __init__(self, job_id: int, t: Voice | None = None) -> None:
        super().__init__(_result_button(job_id, "stitch", t, discord.ButtonStyle.secondary))
        self.job_id = job_id

    async def check(self, interaction: Interaction) -> None:
        await interaction.client.services.generation.check_owner([self.job_id], interaction.user.id)

    async def handle(self, interaction: Interaction) -> None:
        chain = await interaction.client.services.results.chain(self.job_id)
        await post_stitch(interaction, chain)


def result_view(job: Job, t: Voice) -> discord.ui.View:
    """Persistent buttons under a result (they work after a restart)."""
    view = discord.ui.View(timeout=None)
    if job.kind != "stitch":  # a stitch has no request of its own to run again
        view.add_item(RegenerateButton(job.id, t))
    view.add_item(ExtendButton(job.id, t))
    view.add_item(EditButton(job.id, t))
    view.add_item(ReferenceButton(job.id, t))
    if job.kind in ("extend", "insert"):
        view.add_item(StitchButton(job.id, t))
    return view


class ExtendModal(Modal):
    """Extend a result: how many seconds, and what happens next."""

    def __init__(self, job_id: int, t: Voice) -> None:
        super().__init__(
            title=fit.modal_title(t("extend-title", job=str(job_id))),
            custom_id=opening_id(f"cs:extend:{job_id}"),
            timeout=MODAL_TIMEOUT_S,
        )
        self.job_id = job_id
        self.seconds = fit.text_input(
            t("extend-seconds", low=MIN_EXTEND_S, high=MAX_EXTEND_S), "seconds", default="5",
            max_length=2,
        )  # fmt: skip
        self.prompt = fit.prompt_inputs(t("extend-prompt"), t("prompt-more-title"))
        for item in (self.seconds, *self.prompt):
            self.add_item(item)

    ack = "private"

    async def submit(self, interaction: Interaction) -> None:
        try:
            seconds = int(self.seconds.value)
        except ValueError:
            raise CallsheetError(
                say("extend-seconds-invalid", low=MIN_EXTEND_S, high=MAX_EXTEND_S)
            ) from None
        await start_derived(
            interaction, "extend", self.job_id, seconds=seconds, prompt=fit.joined(self.prompt)
        )


class EditModal(Modal):
    """Edit a result: replace, remove or add a character or object (seed 002)."""

    def __init__(self, job_id: int, t: Voice) -> None:
        super().__init__(
            title=fit.modal_title(t("edit-title", job=str(job_id))),
            custom_id=opening_id(f"cs:edit:{job_id}"),
            timeout=MODAL_TIMEOUT_S,
        )
        self.job_id = job_id
        self.prompt = fit.prompt_inputs(
            t("edit-prompt"), t("prompt-more-title"), placeholder=t("edit-placeholder"),
            required=True,
        )  # fmt: skip
        for item in self.prompt:
            self.add_item(item)

    ack = "private"

    async def submit(self, interaction: Interaction) -> None:
        await start_derived(interaction, "edit", self.job_id, prompt=fit.joined(self.prompt))


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
    """Extend, insert between or edit: build the request and show its price, with Confirm
    (holds it and queues the job) and Cancel.

    ``seconds``: output duration to add (4–15 s, seed 001); ``second``: the later job of an
    insert; ``image``: what to put in, for an edit.
    """
    await acknowledge(interaction, "private")
    spending = interaction.client.services.spending
    roles = role_ids(interaction.user)
    user = interaction.user.id
    if kind == "extend":
        offered = await spending.offer_extend(job_id, user, seconds, prompt, roles)
    elif kind == "insert":
        assert second is not None
        offered = await spending.offer_insert(job_id, second, user, seconds, prompt, roles)
    else:
        picture: Path | None = None
        if image is not None:
            picture = await interaction.client.services.uploads.fetch_for_job(
                job_id, image.url, image.filename
            )
        offered = await spending.offer_edit(job_id, user, prompt, picture, roles)
    await show_offer(interaction, offered)


async def post_stitch(interaction: Interaction, job_ids: list[int]) -> None:
    """Say that stitching ``job_ids`` (in order) is free, and ask; the member must own them
    all, checked (one read) before the acknowledgement."""
    assert interaction.guild_id is not None and interaction.channel_id is not None
    if not interaction.response.is_done():
        await interaction.client.services.generation.check_owner(job_ids, interaction.user.id)
    await acknowledge(interaction, "private")
    offered = await interaction.client.services.spending.offer_stitch(
        job_ids, interaction.user.id, interaction.guild_id, interaction.channel_id,
        role_ids(interaction.user),
    )  # fmt: skip
    await show_offer(interaction, offered)


async def use_as_reference(interaction: Interaction, job_id: int) -> None:
    """Say that using the result as a reference spends nothing now, and ask (confirming
    puts it into the member's session, opening one with its card when they have none in
    this channel)."""
    assert interaction.guild_id is not None and interaction.channel_id is not None
    await acknowledge(interaction, "private")
    offered = await interaction.client.services.spending.offer_reference(
        job_id, interaction.user.id, interaction.guild_id, interaction.channel_id,
        role_ids(interaction.user),
    )  # fmt: skip
    await show_offer(interaction, offered)


RESULT_COMPONENTS = (
    RegenerateButton,
    ExtendButton,
    EditButton,
    ReferenceButton,
    StitchButton,
)
