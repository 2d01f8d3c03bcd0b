"""The storyboard card's components (its shot panel is :mod:`.panel`, the shot modal
:mod:`.modal`). Each button or select is one class:
its custom_id, its look and what a click does; each click becomes one call on the
storyboard service (:class:`bot.storyboard.service.Storyboards`), whose refusals go through
the one error path.

custom_ids (stable across restarts, ≤ 100 characters):

- on the card: ``cs:story:<storyboard>:add`` (Add shot), ``:start`` (Make the film),
  ``:sound:soundtrack|shots`` (the film's sound), ``:restitch`` (Join the film again),
  ``:pick`` (the shot select), ``:again`` (Edit shot again, under a refused shot);
- under the price question: ``cs:story:<storyboard>:go:<total>`` (Confirm: the total the
  member read, so a changed price holds nothing) and ``:nogo``;
- on a shot's panel: ``cs:shot:<storyboard>:<shot>:edit|up|down|remove|retry`` and the
  cut select ``cs:shot:<storyboard>:<shot>:cut``;
- the shot modal: ``cs:shotform:<storyboard>:<shot or 0>:<nonce>``, one per opening.

The card's rows (Discord: ≤ 5): Add shot, Make the film and Close; Settings; Manage
assets (the references' roles, as on a session card); the shot select.
"""

from __future__ import annotations

import discord

from bot.errors import CallsheetError
from bot.seedance.session import Session, SessionState
from bot.storyboard.model import FilmAudio, Storyboard, StoryboardQuote, StoryboardState
from bot.words import Voice, say
from cogs import fit
from cogs.errors import ID, Component, answer, reply
from cogs.session.card_components import CloseButton
from cogs.session.lookup import role_ids, session_cog
from cogs.session.steer_components import add_steering
from cogs.storyboard import card
from cogs.storyboard.common import Button, Interaction, Select, button, refresh
from cogs.storyboard.modal import ShotAgainButton, shot_modal
from cogs.storyboard.panel import CutSelect, EditShotButton, RefsSelect, ShotButton, panel_view
from cogs.words import voice

SHOT_ROW = 3  # the card: buttons, Settings, Manage assets, then the shots


class AddShotButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):add"):
    """Opens the shot modal for a new shot at the end (with the text of a refused one)."""

    ack = "none"  # a modal is the response itself; reading the storyboard is one query

    def __init__(self, storyboard_id: int, t: Voice | None = None, disabled: bool = False) -> None:
        super().__init__(button(f"cs:story:{storyboard_id}:add",
                                 t("button-shot-add") if t else None,
                                 discord.ButtonStyle.primary, disabled))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        storyboard = await interaction.client.services.storyboards.owned(
            self.storyboard_id, interaction.user.id
        )
        await interaction.response.send_modal(shot_modal(interaction, storyboard, None))


class StartButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):start"):
    """Prices every shot and asks once, to the member alone: each shot's part, the total,
    Confirm and Not now."""

    ack = "private"

    def __init__(self, storyboard_id: int, t: Voice | None = None, disabled: bool = False) -> None:
        super().__init__(button(f"cs:story:{storyboard_id}:start",
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
        super().__init__(button(f"cs:story:{storyboard_id}:go:{total}", label,
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
        super().__init__(button(f"cs:story:{storyboard_id}:nogo",
                                 t("button-storyboard-cancel") if t else None,
                                 discord.ButtonStyle.secondary))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        await interaction.edit_original_response(
            content=voice(interaction)("storyboard-start-cancelled"), view=None
        )


class ShotSelect(Component[Select], template=rf"cs:story:(?P<storyboard_id>{ID}):pick"):
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
                custom_id=f"cs:story:{storyboard_id}:pick",
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


class SoundButton(
    Component[Button],
    template=rf"cs:story:(?P<storyboard_id>{ID}):sound:(?P<to>soundtrack|shots)",
):
    """With a soundtrack: what the film sounds like, the soundtrack laid under it whole
    (the default) or the shots' own generated sound; a click switches to ``to`` (a film
    joined again uses it)."""

    def __init__(self, storyboard_id: int, to: str, t: Voice | None = None) -> None:
        super().__init__(button(f"cs:story:{storyboard_id}:sound:{to}",
                                t(f"button-film-sound-{to}") if t else None,
                                discord.ButtonStyle.secondary))  # fmt: skip
        self.storyboard_id, self.to = storyboard_id, to

    async def handle(self, interaction: Interaction) -> None:
        to: FilmAudio = "shots" if self.to == "shots" else "soundtrack"
        storyboard = await interaction.client.services.storyboards.set_film_audio(
            self.storyboard_id, interaction.user.id, to
        )
        await session_cog(interaction).show_card(interaction, storyboard.session_id)


class RestitchButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):restitch"):
    """Once the film is made: join the shots again (free; with the film sound chosen now)."""

    ack = "private"

    def __init__(self, storyboard_id: int, t: Voice | None = None) -> None:
        super().__init__(button(f"cs:story:{storyboard_id}:restitch",
                                t("button-restitch") if t else None,
                                discord.ButtonStyle.secondary))  # fmt: skip
        self.storyboard_id = storyboard_id

    async def handle(self, interaction: Interaction) -> None:
        # said first: joining is real work on the media pool (seconds per shot)
        await answer(interaction, content=voice(interaction)("storyboard-restitching"))
        await interaction.client.services.storyboards.restitch(
            self.storyboard_id, interaction.user.id
        )


def storyboard_view(
    storyboard: Storyboard, session: Session, quote: StoryboardQuote, t: Voice
) -> discord.ui.View:
    """The card's components: Add shot, Make the film, the film's sound (with a
    soundtrack), Join the film again (once made) and Close; Settings and Manage assets
    (the references); the shot select. While it runs or once made, Add shot and
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
    if storyboard.soundtrack_key is not None:
        to = "shots" if storyboard.film_audio == "soundtrack" else "soundtrack"
        view.add_item(SoundButton(storyboard.id, to, t))
    if storyboard.state == StoryboardState.DONE:
        view.add_item(RestitchButton(storyboard.id, t))
    view.add_item(CloseButton(session.id, t=t))
    add_steering(view, session, t)
    if storyboard.shots:
        view.add_item(ShotSelect(storyboard.id, storyboard, t))
    return view


STORYBOARD_COMPONENTS = (
    AddShotButton,
    ShotAgainButton,
    StartButton,
    ConfirmStartButton,
    CancelStartButton,
    ShotSelect,
    SoundButton,
    RestitchButton,
    ShotButton,
    EditShotButton,
    CutSelect,
    RefsSelect,
)
