"""The shot modal: what happens in a shot (across two inputs: one holds 4,000
characters, a prompt up to :data:`cogs.fit.PROMPT_CHARS`) and its length. What a member
wrote is kept until it is saved, so a refused shot (a 9th, a length out of range, a prompt
too long) opens again with it from **Edit shot again** (``cs:story:<storyboard>:again``).
The modal's custom_id is ``cs:shotform:<storyboard>:<shot or 0>:<nonce>``, one per opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import discord

from bot.errors import CallsheetError
from bot.storyboard.model import Storyboard
from bot.words import Voice, say
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, Modal, answer, opening_id, report_error
from cogs.storyboard import card
from cogs.storyboard.common import Button, Interaction, button, refresh
from cogs.words import voice


@dataclass(frozen=True)
class ShotDraft:
    """What a member wrote in the shot modal, kept until it is saved: a refused shot (a
    9th, a length out of range, a prompt too long) opens again with it."""

    shot_id: int | None
    prompt: str
    duration: str


_DRAFTS: WeakKeyDictionary[CallsheetBot, dict[tuple[int, int], ShotDraft]] = (
    WeakKeyDictionary()
)  # each running bot's own (tests run several in one process); forgotten on restart


def drafts(interaction: Interaction) -> dict[tuple[int, int], ShotDraft]:
    """This bot's kept shot drafts, by storyboard and member (in memory: a restart forgets
    them, and **Edit shot again** then opens an empty new shot)."""
    return _DRAFTS.setdefault(interaction.client, {})


class ShotAgainButton(Component[Button], template=rf"cs:story:(?P<storyboard_id>{ID}):again"):
    """Under a refused shot: the modal again, holding what was written."""

    ack = "none"  # a modal is the response itself; reading the storyboard is one query

    def __init__(self, storyboard_id: int, t: Voice | None = None) -> None:
        super().__init__(button(f"cs:story:{storyboard_id}:again",
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
