"""A shot's panel (to its owner alone, from the card's shot select): Edit, Move up, Move
down and Remove while the storyboard is a draft, with the cut select for every shot after
the first (continue, cut, match, each explained in plain words); Retry this shot once it
failed; and which of the storyboard's files only this shot uses (the rest are used by every
shot). custom_ids: ``cs:shot:<storyboard>:<shot>:edit|up|down|remove|retry|cut|refs``.
"""

from __future__ import annotations

import discord

from bot.errors import CallsheetError
from bot.seedance.roles import get_role
from bot.storyboard.model import CONTINUITIES, Shot, ShotState, Storyboard, StoryboardState
from bot.text import file_label
from bot.words import Voice, say
from cogs import fit
from cogs.errors import ID, Component
from cogs.session.lookup import role_ids
from cogs.storyboard import card
from cogs.storyboard.common import Button, Interaction, Select, button, refresh
from cogs.storyboard.modal import shot_modal
from cogs.words import voice

MAX_OPTIONS = 25  # Discord: a select offers 1–25 options
CUT_ROW, REFS_ROW = 1, 2  # a shot's panel: its buttons, its cut, the files only it uses


_PANEL = {
    "edit": ("button-shot-edit", discord.ButtonStyle.primary),
    "up": ("button-move-up", discord.ButtonStyle.secondary),
    "down": ("button-move-down", discord.ButtonStyle.secondary),
    "remove": ("button-remove-asset", discord.ButtonStyle.danger),
    "retry": ("button-shot-retry", discord.ButtonStyle.success),
}


def panel_view(storyboard: Storyboard, shot: Shot, t: Voice) -> discord.ui.View:
    """Edit, Move up, Move down and Remove while the storyboard is a draft, with the cut
    select for every shot after the first and the select of the files only this shot
    uses; Retry this shot once it failed."""
    view = discord.ui.View(timeout=None)
    if storyboard.state == StoryboardState.DRAFT:
        last = len(storyboard.shots)
        view.add_item(EditShotButton(storyboard.id, shot.id, t))
        view.add_item(ShotButton(storyboard.id, shot.id, "up", t, disabled=shot.position == 1))
        view.add_item(ShotButton(storyboard.id, shot.id, "down", t,
                                 disabled=shot.position == last))  # fmt: skip
        view.add_item(ShotButton(storyboard.id, shot.id, "remove", t))
        if shot.position > 1:
            view.add_item(CutSelect(storyboard.id, shot.id, shot, t))
        if storyboard.references or shot.references:
            view.add_item(RefsSelect(storyboard.id, shot.id, storyboard, shot, t))
    elif shot.state == ShotState.FAILED:
        view.add_item(ShotButton(storyboard.id, shot.id, "retry", t))
    return view


class ShotButton(
    Component[Button],
    template=rf"cs:shot:(?P<storyboard_id>{ID}):(?P<shot_id>{ID}):(?P<action>up|down|remove|retry)",
):
    """On a shot's panel: move it earlier or later (the cuts stay with the shots), remove
    it, or retry it alone once it failed (a new hold at its price; the others are kept)."""

    def __init__(self, storyboard_id: int, shot_id: int, action: str, t: Voice | None = None,
                 disabled: bool = False) -> None:  # fmt: skip
        label, style = _PANEL[action]
        super().__init__(button(f"cs:shot:{storyboard_id}:{shot_id}:{action}",
                                 t(label) if t else None, style, disabled))  # fmt: skip
        self.storyboard_id, self.shot_id, self.action = storyboard_id, shot_id, action

    async def handle(self, interaction: Interaction) -> None:
        service = interaction.client.services.storyboards
        user = interaction.user.id
        t = voice(interaction)
        if self.action == "remove":
            before = await service.owned(self.storyboard_id, user)
            gone = before.shot(self.shot_id)
            storyboard = await service.remove_shot(self.shot_id, user)
            number = gone.position if gone is not None else 0
            await interaction.edit_original_response(
                content=t("shot-removed", number=number), view=None
            )
            await refresh(interaction, storyboard)
            return
        if self.action == "retry":
            storyboard = await service.retry_shot(self.shot_id, user, role_ids(interaction.user))
            shot = storyboard.shot(self.shot_id)
            number = shot.position if shot is not None else 0
            await interaction.edit_original_response(
                content=t("shot-retrying", number=number), view=None
            )
            await refresh(interaction, storyboard)
            return
        before = await service.owned(self.storyboard_id, user)
        was = before.shot(self.shot_id)
        storyboard = await service.move_shot(self.shot_id, user, -1 if self.action == "up" else 1)
        await show_panel(interaction, storyboard, self.shot_id,
                         moved_from=was.position if was is not None else None)  # fmt: skip
        await refresh(interaction, storyboard)


class EditShotButton(
    Component[Button], template=rf"cs:shot:(?P<storyboard_id>{ID}):(?P<shot_id>{ID}):edit"
):
    """On a shot's panel: the shot modal, holding its prompt and length."""

    ack = "none"  # a modal is the response itself; reading the storyboard is one query

    def __init__(self, storyboard_id: int, shot_id: int, t: Voice | None = None) -> None:
        label, style = _PANEL["edit"]
        super().__init__(button(f"cs:shot:{storyboard_id}:{shot_id}:edit",
                                 t(label) if t else None, style))  # fmt: skip
        self.storyboard_id, self.shot_id = storyboard_id, shot_id

    async def handle(self, interaction: Interaction) -> None:
        storyboard = await interaction.client.services.storyboards.owned(
            self.storyboard_id, interaction.user.id
        )
        await interaction.response.send_modal(shot_modal(interaction, storyboard, self.shot_id))


class CutSelect(
    Component[Select], template=rf"cs:shot:(?P<storyboard_id>{ID}):(?P<shot_id>{ID}):cut"
):
    """On a shot's panel (not the first): how it joins the shot before, each choice
    explained in plain words."""

    def __init__(self, storyboard_id: int, shot_id: int, shot: Shot | None = None,
                 t: Voice | None = None) -> None:  # fmt: skip
        options = []
        if shot is not None and t is not None:
            previous = shot.position - 1
            options = [
                fit.option(t(f"cut-{cut}-label", previous=previous), cut,
                           t(f"cut-{cut}-desc"), default=cut == shot.continuity)
                for cut in ("continue", "cut", "match")
            ]  # fmt: skip
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:shot:{storyboard_id}:{shot_id}:cut",
                placeholder=fit.placeholder(t("cut-placeholder")) if t else None,
                options=options,
                row=CUT_ROW,
            )
        )
        self.storyboard_id, self.shot_id = storyboard_id, shot_id

    async def handle(self, interaction: Interaction) -> None:
        cut = next((c for c in CONTINUITIES if c == self.item.values[0]), None)
        if cut is None:
            raise CallsheetError(say("component-unknown"))
        storyboard = await interaction.client.services.storyboards.set_continuity(
            self.shot_id, interaction.user.id, cut
        )
        await show_panel(interaction, storyboard, self.shot_id)
        await refresh(interaction, storyboard)


class RefsSelect(
    Component[Select], template=rf"cs:shot:(?P<storyboard_id>{ID}):(?P<shot_id>{ID}):refs"
):
    """On a shot's panel: the storyboard's files that only this shot uses (chosen) — the
    others are used by every shot. Offers the files every shot uses and this shot's own
    (another shot's own are that shot's); ≤ 12 files (seeds 000, 004), within 25 options."""

    def __init__(self, storyboard_id: int, shot_id: int, storyboard: Storyboard | None = None,
                 shot: Shot | None = None, t: Voice | None = None) -> None:  # fmt: skip
        options = []
        if storyboard is not None and shot is not None and t is not None:
            own = {asset.id for asset in shot.references}
            files = sorted((*storyboard.references, *shot.references), key=lambda a: a.tag)
            options = [
                fit.option(f"{a.tag} · {t(get_role(a.role).name)}", str(a.id),
                           file_label(a.filename), default=a.id in own)
                for a in files[:MAX_OPTIONS]
            ]  # fmt: skip
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:shot:{storyboard_id}:{shot_id}:refs",
                placeholder=fit.placeholder(t("shot-refs-placeholder")) if t else None,
                options=options, min_values=0, max_values=max(1, len(options)), row=REFS_ROW,
            )
        )  # fmt: skip
        self.storyboard_id, self.shot_id = storyboard_id, shot_id

    async def handle(self, interaction: Interaction) -> None:
        service = interaction.client.services.storyboards
        user = interaction.user.id
        storyboard = await service.owned(self.storyboard_id, user)
        shot = storyboard.shot(self.shot_id)
        if shot is None:
            raise CallsheetError(say("shot-gone"))
        chosen = {int(value) for value in self.item.values if value.isdigit()}
        own = {asset.id for asset in shot.references}
        for asset_id in sorted(chosen - own):
            storyboard = await service.attach_reference(asset_id, user, shot.id)
        for asset_id in sorted(own - chosen):
            storyboard = await service.attach_reference(asset_id, user, None)
        await show_panel(interaction, storyboard, self.shot_id)
        await refresh(interaction, storyboard)


async def show_panel(interaction: Interaction, storyboard: Storyboard, shot_id: int,
                     moved_from: int | None = None) -> None:  # fmt: skip
    """Edit the shot's panel to its current state (saying where a move left it)."""
    t = voice(interaction)
    shot = storyboard.shot(shot_id)
    if shot is None:
        await interaction.edit_original_response(content=t("shot-gone"), view=None)
        return
    text = card.shot_panel(storyboard, shot, t)
    if moved_from is not None:
        key = "shot-not-moved" if moved_from == shot.position else "shot-moved"
        text = fit.content(t(key, number=shot.position) + "\n" + text)
    await interaction.edit_original_response(content=text, view=panel_view(storyboard, shot, t))
