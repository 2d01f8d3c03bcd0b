"""The price question every spend asks once (docs/ARCHITECTURE.md "Credits"): an ephemeral
message with the price in words and two buttons, Confirm (holds the price and starts the
job; or stitches, or adds the reference, which spend nothing) and Cancel.

custom_ids: ``cs:spend:<offer>:confirm`` and ``cs:spend:<offer>:cancel`` (the offer is
stored, so they work after a restart; each offer is used once).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.generation.spend import Confirmed, Offered
from bot.words import Voice
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, answer
from cogs.session.asset_components import ask_about
from cogs.session.lookup import role_ids, session_cog
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]


def _spend_button(offer_id: int, action: str, label: str | None,
                  style: discord.ButtonStyle) -> Button:  # fmt: skip
    return discord.ui.Button(label=label, style=style, custom_id=f"cs:spend:{offer_id}:{action}")


class ConfirmSpendButton(Component[Button], template=rf"cs:spend:(?P<offer_id>{ID}):confirm"):
    """Does what the offer priced, once: holds and queues, stitches, or adds the reference."""

    def __init__(self, offer_id: int, label: str | None = None) -> None:
        super().__init__(_spend_button(offer_id, "confirm", label, discord.ButtonStyle.success))
        self.offer_id = offer_id

    async def handle(self, interaction: Interaction) -> None:
        # a confirmed reference may open a session: files posted meanwhile wait for its thread
        with session_cog(interaction).threads.opening(interaction):
            confirmed = await interaction.client.services.spending.confirm(
                self.offer_id, interaction.user.id, role_ids(interaction.user)
            )
            await _after(interaction, confirmed, voice(interaction))


class CancelSpendButton(Component[Button], template=rf"cs:spend:(?P<offer_id>{ID}):cancel"):
    """Drops the offer: nothing is spent."""

    def __init__(self, offer_id: int, label: str | None = None) -> None:
        super().__init__(_spend_button(offer_id, "cancel", label, discord.ButtonStyle.secondary))
        self.offer_id = offer_id

    async def handle(self, interaction: Interaction) -> None:
        await interaction.client.services.spending.cancel(self.offer_id, interaction.user.id)
        await interaction.edit_original_response(
            content=voice(interaction)("spend-cancelled"), view=None
        )


def offer_view(offered: Offered, t: Voice) -> discord.ui.View:
    """Confirm (labelled with the price, or what the free action does) and Cancel."""
    view = discord.ui.View(timeout=None)
    label = t("spend-confirm", kind=offered.kind, price=offered.price)
    view.add_item(ConfirmSpendButton(offered.offer_id, label))
    view.add_item(CancelSpendButton(offered.offer_id, t("spend-cancel")))
    return view


async def show_offer(interaction: Interaction, offered: Offered) -> None:
    """Replace the member's private "thinking…" placeholder with the price question."""
    t = voice(interaction)
    await answer(interaction, content=t(offered.phrase), view=offer_view(offered, t))


async def _after(interaction: Interaction, confirmed: Confirmed, t: Voice) -> None:
    """Say on the offer's message what the confirm did, then post or refresh what it made."""
    cog = session_cog(interaction)
    if confirmed.again is not None:
        again = confirmed.again
        await interaction.edit_original_response(
            content=t("spend-price-changed", old=confirmed.offer.price, phrase=again.phrase),
            view=offer_view(again, t),
        )
        return
    if confirmed.started is not None:
        started = confirmed.started
        offer = confirmed.offer
        await cog.refresh_card(started.session_id)  # the card shows the job first
        await interaction.edit_original_response(
            content=t(
                "spend-started", kind=offer.kind, job=str(started.job_id),
                parent=str(offer.parent_job_id or ""), price=started.price,
                available=started.available,
            ),
            view=None,
        )  # fmt: skip
        return
    if confirmed.stitched is not None:
        await interaction.edit_original_response(
            content=t("spend-stitching", job=str(confirmed.stitched)), view=None
        )
        return
    assert confirmed.reference is not None
    session, asset = confirmed.reference
    await interaction.edit_original_response(content=t("spend-reference-added"), view=None)
    if session.card_message_id is None:  # a new session: its card, then its thread
        rendered = await cog.render_card(session.id)
        posted = await interaction.channel.send(**rendered.for_send())  # type: ignore[union-attr]
        await interaction.client.services.sessions.set_card(session.id, posted.id)
        session = await cog.threads.start(interaction, session, posted)
    else:
        await cog.refresh_card(session.id)
    media = interaction.client.services.media
    if session.thread_id is None:
        await ask_about(asset, interaction.followup.send, cog.voice(session), media=media)
        return
    await ask_about(asset, cog.talk(session), cog.voice(session), media=media)  # where it talks
    await interaction.followup.send(
        t("thread-asked-there", thread=f"<#{session.thread_id}>"), ephemeral=True
    )


SPEND_COMPONENTS = (ConfirmSpendButton, CancelSpendButton)
