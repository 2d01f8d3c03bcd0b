"""The storyboard card's components and the shot modal. Each button or select is one class:
its custom_id, its look and what a click does; each click becomes one call on the
storyboard service (:class:`bot.storyboard.service.Storyboards`), whose refusals go through
the one error path.

custom_ids (stable across restarts, ≤ 100 characters):

- on the card: ``cs:story:<storyboard>:add`` (Add shot), ``:start`` (Make the film),
  ``:shots`` (the shot select), ``:again`` (Edit shot again, under a refused shot);
- under the price question: ``cs:story:<storyboard>:go:<total>`` (Confirm: the total the
  member read, so a changed price holds nothing) and ``:nogo``;
- on a shot's panel: ``cs:shot:<storyboard>:<shot>:edit|up|down|remove|retry`` and the
  cut select ``cs:shot:<storyboard>:<shot>:cut``;
- the shot modal: ``cs:shotform:<storyboard>:<shot or 0>:<nonce>``, one per opening.

The card's rows (Discord: ≤ 5): Add shot, Make the film and Close; Settings; Manage
assets (the references' roles, as on a session card); the shot select.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.errors import CallsheetError
from bot.seedance.session import Session, SessionState
from bot.storyboard.model import (
    CONTINUITIES,
    Shot,
    ShotState,
    Storyboard,
    StoryboardQuote,
    StoryboardState,
)
from bot.words import Voice, say
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, Modal, answer, opening_id, reply, report_error
from cogs.session.card_components import CloseButton
from cogs.session.lookup import role_ids, session_cog
from cogs.session.steer_components import add_steering
from cogs.storyboard import card
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]
Select = discord.ui.Select[Any]

SHOT_ROW = 3  # the card: buttons, Settings, Manage assets, then the shots
CUT_ROW = 1  # a shot's panel: its buttons, then its cut


@dataclass(frozen=True)
class ShotDraft:
    """What a member wrote in the shot modal, kept until it is saved: a refused shot (a
    9th, a length out of range, a prompt too long) opens again with it."""

    shot_id: int | None
    prompt: str
    duration: str


def drafts(interaction: Interaction) -> dict[tuple[int, int], ShotDraft]:
    """This bot's kept shot drafts, by storyboard and member."""
    kept: dict[tuple[int, int], ShotDraft] | None = getattr(interaction.client, "shot_drafts", None)
    if kept is None:
        kept = {}
        interaction.client.shot_drafts = kept  # type: ignore[attr-defined]
    return kept


def _button(custom_id: str, label: str | None, style: discord.ButtonStyle,
            disabled: bool = False, row: int | None = None) -> Button:  # fmt: skip
    """A button; ``label`` is ``None`` when discord.py rebuilds it from its custom_id to
    dispatch a click (Discord keeps the label that was sent)."""
    return discord.ui.Button(
        label=fit.button_label(label) if label else None, style=style, disabled=disabled,
        custom_id=custom_id, row=row,
    )  # fmt: skip


async def refresh(interaction: Interaction, storyboard: Storyboard) -> None:
    """Edit the storyboard's card to its current state."""
    await session_cog(interaction).refresh_card(storyboard.session_id)


# The card -----------------------------------------------------------------------------------


class AddShotButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):add"):
    """Opens the shot modal for a new shot at the end (with the text of a refused one)."""

    ack = "none"  # a modal is the response itself; reading the storyboard is one query

    def __init__(self, storyboard_id: int, t: Voice | None = None, disabled: bool = False) -> None:
        super().__init__(_button(f"cs:story:{storyboard_id}:add",
                                 t("button-shot-add") if t else None,
                                 discord.ButtonStyle.primary, disabled))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        storyboard = await interaction.client.services.storyboards.owned(
            self.storyboard_id, interaction.user.id
        )
        await interaction.response.send_modal(shot_modal(interaction, storyboard, None))


class ShotAgainButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):again"):
    """Under a refused shot: the modal again, holding what was written."""

    ack = "none"  # a modal is the response itself; reading the storyboard is one query

    def __init__(self, storyboard_id: int, t: Voice | None = None) -> None:
        super().__init__(_button(f"cs:story:{storyboard_id}:again",
                                 t("button-shot-again") if t else None,
                                 discord.ButtonStyle.primary))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        storyboard = await interaction.client.services.storyboards.owned(
            self.storyboard_id, interaction.user.id
        )
        kept = drafts(interaction).get((storyboard.id, interaction.user.id))
        await interaction.response.send_modal(
            shot_modal(interaction, storyboard, kept.shot_id if kept else None)
        )


class StartButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):start"):
    """Prices every shot and asks once, to the member alone: each shot's part, the total,
    Confirm and Not now."""

    ack = "private"

    def __init__(self, storyboard_id: int, t: Voice | None = None, disabled: bool = False) -> None:
        super().__init__(_button(f"cs:story:{storyboard_id}:start",
                                 t("button-storyboard-start") if t else None,
                                 discord.ButtonStyle.success, disabled))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        services = interaction.client.services
        storyboard = await services.storyboards.owned(self.storyboard_id, interaction.user.id)
        quote = await services.storyboards.quote(storyboard.id, interaction.user.id)
        if quote.blocked is not None:
            raise CallsheetError(quote.blocked)
        if quote.problem is not None or quote.total is None:
            raise CallsheetError(quote.problem or say("storyboard-empty"))
        balance = await services.generation.balance(storyboard.guild_id, interaction.user.id)
        t = voice(interaction)
        view = discord.ui.View(timeout=None)
        view.add_item(ConfirmStartButton(storyboard.id, quote.total, t))
        view.add_item(CancelStartButton(storyboard.id, t))
        await answer(
            interaction, content=card.price_question(quote, balance.available, t), view=view
        )


class ConfirmStartButton(
    Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):go:(?P<total>[0-9]{{1,12}})"
):
    """Holds every shot's price at once and starts the storyboard, for the total the
    member read (a different price now holds nothing and says so)."""

    def __init__(self, storyboard_id: int, total: int, t: Voice | None = None) -> None:
        label = t("button-storyboard-confirm", price=total) if t else None
        super().__init__(_button(f"cs:story:{storyboard_id}:go:{total}", label,
                                 discord.ButtonStyle.success))  # fmt: skip
        self.storyboard_id = storyboard_id
        self.total = total

    async def handle(self, interaction: Interaction) -> None:
        storyboard = await interaction.client.services.storyboards.start(
            self.storyboard_id, interaction.user.id, self.total, role_ids(interaction.user)
        )
        await interaction.edit_original_response(
            content=voice(interaction)(
                "storyboard-confirmed", count=len(storyboard.shots), price=self.total
            ),
            view=None,
        )
        await refresh(interaction, storyboard)


class CancelStartButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):nogo"):
    """Under the price question: not now (nothing is held)."""

    def __init__(self, storyboard_id: int, t: Voice | None = None) -> None:
        super().__init__(_button(f"cs:story:{storyboard_id}:nogo",
                                 t("button-storyboard-cancel") if t else None,
                                 discord.ButtonStyle.secondary))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        await interaction.edit_original_response(
            content=voice(interaction)("storyboard-start-cancelled"), view=None
        )


class ShotSelect(Component[Select], template=rf"cs:story:(?P<storyboard_id>{ID}):shots"):
    """On the card: pick a shot to open its panel (edit, move, remove, its cut, retry)."""

    ack = "private"

    def __init__(self, storyboard_id: int, storyboard: Storyboard | None = None,
                 t: Voice | None = None) -> None:  # fmt: skip
        options = []
        if storyboard is not None and t is not None:
            options = [
                fit.option(
                    t("shot-option", number=shot.position, s=shot.duration_s,
                      state=card.state_name(shot, t)),
                    str(shot.id),
                    card.excerpt(shot.prompt, fit.OPTION_DESCRIPTION) or None,
                )
                for shot in storyboard.shots
            ]  # fmt: skip
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:story:{storyboard_id}:shots",
                placeholder=fit.placeholder(t("shot-placeholder")) if t else None,
                options=options,
                row=SHOT_ROW,
            )
        )
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        storyboard = await interaction.client.services.storyboards.owned(
            self.storyboard_id, interaction.user.id
        )
        t = voice(interaction)
        shot = storyboard.shot(int(self.item.values[0]))
        if shot is None:
            await reply(interaction, t("shot-gone"))
            return
        await reply(interaction, card.shot_panel(storyboard, shot, t),
                    view=panel_view(storyboard, shot, t))  # fmt: skip


def storyboard_view(
    storyboard: Storyboard, session: Session, quote: StoryboardQuote, t: Voice
) -> discord.ui.View:
    """The card's components: Add shot, Make the film and Close; Settings and Manage
    assets (the references); the shot select. While it runs or once made, Add shot and
    Make the film are disabled (a failed shot is retried from its panel); a closed
    storyboard has none."""
    view = discord.ui.View(timeout=None)
    if session.state not in (SessionState.OPEN, SessionState.GENERATING):
        return view
    draft = storyboard.state == StoryboardState.DRAFT
    face_open = any(asset.face_flag == "warned" for asset in session.assets)
    ready = quote.total is not None and quote.problem is None and quote.blocked is None
    view.add_item(AddShotButton(storyboard.id, t, disabled=not draft))
    view.add_item(StartButton(storyboard.id, t, disabled=not (draft and ready and not face_open)))
    view.add_item(CloseButton(session.id, t=t))
    add_steering(view, session, t)
    if storyboard.shots:
        view.add_item(ShotSelect(storyboard.id, storyboard, t))
    return view


# A shot's panel -----------------------------------------------------------------------------

_PANEL = {
    "edit": ("button-shot-edit", discord.ButtonStyle.primary),
    "up": ("button-move-up", discord.ButtonStyle.secondary),
    "down": ("button-move-down", discord.ButtonStyle.secondary),
    "remove": ("button-remove-asset", discord.ButtonStyle.danger),
    "retry": ("button-shot-retry", discord.ButtonStyle.success),
}


def panel_view(storyboard: Storyboard, shot: Shot, t: Voice) -> discord.ui.View:
    """Edit, Move up, Move down and Remove while the storyboard is a draft, with the cut
    select for every shot after the first; Retry this shot once it failed."""
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
        super().__init__(_button(f"cs:shot:{storyboard_id}:{shot_id}:{action}",
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
        super().__init__(_button(f"cs:shot:{storyboard_id}:{shot_id}:edit",
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


# The shot modal -----------------------------------------------------------------------------


def shot_modal(interaction: Interaction, storyboard: Storyboard, shot_id: int | None) -> ShotModal:
    """The shot modal for a new shot (``shot_id`` ``None``) or an existing one, holding the
    member's kept draft for it when there is one, else the shot's prompt and length."""
    t = voice(interaction)
    kept = drafts(interaction).get((storyboard.id, interaction.user.id))
    shot = storyboard.shot(shot_id) if shot_id is not None else None
    if kept is not None and kept.shot_id == (shot.id if shot else None):
        prompt, duration = kept.prompt, kept.duration
    elif shot is not None:
        prompt, duration = shot.prompt, str(shot.duration_s)
    else:
        prompt, duration = "", ""
    title = (t("shot-modal-title", number=shot.position) if shot is not None
             else t("shot-modal-new-title"))  # fmt: skip
    return ShotModal(storyboard.id, shot.id if shot else None, title, prompt, duration, t)


DURATION_CHARS = 2
"""The length input's characters: two digits hold 4–15 s (seeds 000, 001)."""


class ShotModal(Modal):
    """Write or edit a shot: what happens (across two inputs: one holds 4,000 characters,
    a prompt up to :data:`cogs.fit.PROMPT_CHARS`) and its length in seconds. What was
    written is kept until it is saved, so a refusal (a 9th shot, a length out of range, a
    prompt too long) offers **Edit shot again** with it."""

    ack = "private"

    def __init__(self, storyboard_id: int, shot_id: int | None, title: str, prompt: str,
                 duration: str, t: Voice) -> None:  # fmt: skip
        super().__init__(
            title=fit.modal_title(title),
            custom_id=opening_id(f"cs:shotform:{storyboard_id}:{shot_id or 0}"),
            timeout=900,
        )
        self.storyboard_id, self.shot_id, self.t = storyboard_id, shot_id, t
        self.prompt = fit.prompt_inputs(
            t("shot-prompt-label"), t("shot-prompt-more-label"), prompt,
            t("shot-prompt-placeholder"), required=True,
        )  # fmt: skip
        self.duration = fit.text_input(
            t("shot-duration-label", shortest=card.SHORTEST_S, longest=card.LONGEST_S),
            "duration", default=duration[:DURATION_CHARS] or None, max_length=DURATION_CHARS,
        )  # fmt: skip
        for item in (*self.prompt, self.duration):
            self.add_item(item)

    async def submit(self, interaction: Interaction) -> None:
        prompt, written = fit.joined(self.prompt), self.duration.value.strip()
        key = (self.storyboard_id, interaction.user.id)
        drafts(interaction)[key] = ShotDraft(self.shot_id, prompt, written)
        if not written.isdigit():
            raise CallsheetError(say("shot-duration-not-number", shortest=card.SHORTEST_S,
                                     longest=card.LONGEST_S, value=written))  # fmt: skip
        service = interaction.client.services.storyboards
        if self.shot_id is None:
            storyboard = await service.add_shot(
                self.storyboard_id, interaction.user.id, prompt, int(written)
            )
            shot = storyboard.shots[-1]
            said = "shot-added"
        else:
            storyboard = await service.edit_shot(
                self.shot_id, interaction.user.id, prompt=prompt, duration_s=int(written)
            )
            found = storyboard.shot(self.shot_id)
            assert found is not None
            shot, said = found, "shot-saved"
        drafts(interaction).pop(key, None)
        t = voice(interaction)
        await answer(interaction, content=t(said, number=shot.position, s=shot.duration_s))
        await refresh(interaction, storyboard)

    async def on_error(  # type: ignore[override]  # discord.py narrows BaseView.on_error
        self, interaction: Interaction, error: Exception, /
    ) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(ShotAgainButton(self.storyboard_id, voice(interaction)))
        await report_error(interaction, error, where=self.custom_id, view=view)


STORYBOARD_COMPONENTS = (
    AddShotButton,
    ShotAgainButton,
    StartButton,
    ConfirmStartButton,
    CancelStartButton,
    ShotSelect,
    ShotButton,
    EditShotButton,
    CutSelect,
)
