"""Session components: card buttons, role selects and the prompt modal.

Buttons and selects are :class:`discord.ui.DynamicItem`s keyed by their custom_id
(see ``_ids``), registered at start-up, so they keep working after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import CallsheetError
from cogs.session import _embeds, _ids

if TYPE_CHECKING:
    from cogs.session._cog import SessionCog


def _cog(interaction: discord.Interaction[Any]) -> SessionCog:
    cog = interaction.client.get_cog("SessionCog")
    assert cog is not None, "the session cog is not loaded"
    return cog  # type: ignore[no-any-return]


async def reply_error(interaction: discord.Interaction[Any], error: CallsheetError) -> None:
    """Tell only the member what went wrong (ephemeral)."""
    if interaction.response.is_done():
        await interaction.followup.send(str(error), ephemeral=True)
    else:
        await interaction.response.send_message(str(error), ephemeral=True)


class CardButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_ids.CARD_TEMPLATE):
    """Prompt / Generate / Close on a session card."""

    def __init__(self, session_id: int, action: str) -> None:
        super().__init__(discord.ui.Button(custom_id=_ids.card(session_id, action)))
        self.session_id = session_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> CardButton:
        return cls(int(match["session_id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = _cog(interaction)
        try:
            if self.action == "prompt":
                session = await cog.studio.owned(self.session_id, interaction.user.id)
                await interaction.response.send_modal(PromptModal(session.id, session.prompt))
            elif self.action == "generate":
                await cog.generate(interaction, self.session_id)
            elif self.action == "request":
                await cog.show_request(interaction, self.session_id)
            elif self.action == "stop":
                await cog.stop_job(interaction, self.session_id)
            else:
                await cog.close_session(interaction, self.session_id)
        except CallsheetError as error:
            await reply_error(interaction, error)


class RoleSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=_ids.ROLE_TEMPLATE):
    """The role question under an accepted asset."""

    def __init__(self, asset_id: int) -> None:
        super().__init__(discord.ui.Select(custom_id=_ids.role(asset_id)))
        self.asset_id = asset_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> RoleSelect:
        return cls(int(match["asset_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = _cog(interaction)
        try:
            session = await cog.studio.set_role(
                self.asset_id, interaction.user.id, self.item.values[0]
            )
        except CallsheetError as error:
            await reply_error(interaction, error)
            return
        asset = next(a for a in session.assets if a.id == self.asset_id)
        await interaction.response.edit_message(content=_embeds.role_answer(asset), view=None)
        await cog.refresh_card(session.id)


class ResultButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_ids.RESULT_TEMPLATE):
    """Regenerate / Use as reference under a delivered video (and Regenerate's confirm)."""

    def __init__(self, job_id: int, action: str) -> None:
        super().__init__(discord.ui.Button(custom_id=_ids.result(job_id, action)))
        self.job_id = job_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ResultButton:
        return cls(int(match["job_id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = _cog(interaction)
        try:
            if self.action == "regenerate":
                await cog.offer_regenerate(interaction, self.job_id)
            elif self.action == "confirm":
                await cog.regenerate(interaction, self.job_id)
            elif self.action == "extend":
                await interaction.response.send_modal(ExtendModal(self.job_id))
            elif self.action == "edit":
                await interaction.response.send_modal(EditModal(self.job_id))
            elif self.action == "stitch":
                await cog.stitch_chain(interaction, self.job_id)
            else:
                await cog.use_as_reference(interaction, self.job_id)
        except CallsheetError as error:
            await reply_error(interaction, error)


class ExtendModal(discord.ui.Modal):
    """Extend a result: how many seconds, and what happens next."""

    seconds: discord.ui.TextInput[ExtendModal] = discord.ui.TextInput(
        label="Seconds to add (4–15)", custom_id="seconds", default="5", max_length=2
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

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        try:
            seconds = int(self.seconds.value)
        except ValueError:
            await reply_error(interaction, CallsheetError("Seconds must be a whole number, 4–15."))
            return
        try:
            await _cog(interaction).start_derived(
                interaction, "extend", self.job_id, seconds=seconds, prompt=self.prompt.value
            )
        except CallsheetError as error:
            await reply_error(interaction, error)


class EditModal(discord.ui.Modal):
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

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await _cog(interaction).start_derived(
                interaction, "edit", self.job_id, prompt=self.prompt.value
            )
        except CallsheetError as error:
            await reply_error(interaction, error)


class FixButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_ids.FIX_TEMPLATE):
    """A one-click fix under a refused upload."""

    def __init__(self, pending_id: int, key: str) -> None:
        super().__init__(discord.ui.Button(custom_id=_ids.fix(pending_id, key)))
        self.pending_id = pending_id
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FixButton:
        return cls(int(match["pending_id"]), match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await _cog(interaction).apply_fix(interaction, self.pending_id, self.key)
        except CallsheetError as error:
            await reply_error(interaction, error)


class AssetButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_ids.ASSET_TEMPLATE):
    """Use a video's sound; keep or remove an asset after a face warning."""

    def __init__(self, asset_id: int, action: str) -> None:
        super().__init__(discord.ui.Button(custom_id=_ids.asset(asset_id, action)))
        self.asset_id = asset_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AssetButton:
        return cls(int(match["asset_id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await _cog(interaction).asset_action(interaction, self.asset_id, self.action)
        except CallsheetError as error:
            await reply_error(interaction, error)


class FrameSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=_ids.FRAME_TEMPLATE):
    """Use a moment of a video as an image asset (its first frame)."""

    def __init__(self, asset_id: int) -> None:
        super().__init__(discord.ui.Select(custom_id=_ids.frame(asset_id)))
        self.asset_id = asset_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FrameSelect:
        return cls(int(match["asset_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            at_s = float(self.item.values[0])
            await _cog(interaction).asset_action(interaction, self.asset_id, "frame", at_s)
        except CallsheetError as error:
            await reply_error(interaction, error)


class PromptModal(discord.ui.Modal):
    """Write or edit the prompt; ``@tags`` are checked against the session's assets."""

    prompt: discord.ui.TextInput[PromptModal] = discord.ui.TextInput(
        label="Prompt",
        custom_id="prompt",
        style=discord.TextStyle.paragraph,
        placeholder="@image1 walks through the rain; the camera follows like @video1…",
        max_length=4000,
        required=False,
    )

    def __init__(self, session_id: int, current: str) -> None:
        super().__init__(title="Prompt", custom_id=_ids.prompt_modal(session_id), timeout=900)
        self.session_id = session_id
        self.prompt.default = current

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        cog = _cog(interaction)
        try:
            await cog.studio.set_prompt(self.session_id, interaction.user.id, self.prompt.value)
        except CallsheetError as error:
            await reply_error(interaction, error)
            return
        card = await cog.render_card(self.session_id)
        if interaction.message is not None:
            await interaction.response.edit_message(**card.for_edit())
        else:
            await interaction.response.send_message("Prompt saved.", ephemeral=True)
            await cog.refresh_card(self.session_id)
