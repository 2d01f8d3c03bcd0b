"""The session card's components: Prompt, View request, Generate, Cancel job and Close, and
the prompt modal. Each button is one class: its custom_id, its look and what a click does.

custom_ids are ``cs:card:<session>:<action>``, stable across restarts (the buttons are
:class:`discord.ui.DynamicItem`s registered at start-up), and the prompt modal's
``cs:prompt:<session>:<nonce>``, one per opening (:func:`cogs.errors.opening_id`). Only the
session's owner opens the modal or sees the compiled request.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import CallsheetError, PromptRefused
from bot.generation.service import Quote
from bot.seedance.session import Session, SessionState
from bot.words import Voice, say
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, Modal, opening_id, reply
from cogs.session import card
from cogs.session.lookup import role_ids as role_ids
from cogs.session.lookup import session_cog as session_cog
from cogs.session.spend_components import show_offer
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]


def _card_button(session_id: int, action: str, label: str | None, style: discord.ButtonStyle,
                 disabled: bool) -> Button:  # fmt: skip
    """A card button; ``label`` is ``None`` when discord.py rebuilds it from its custom_id
    to dispatch a click (Discord keeps the label that was sent)."""
    return discord.ui.Button(
        label=label, style=style, disabled=disabled, custom_id=f"cs:card:{session_id}:{action}"
    )


class PromptButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):prompt"):
    """Opens the prompt modal, prefilled with the current prompt."""

    ack = "none"  # a modal is the response itself; reading the session is one query

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "prompt",
                t("button-prompt") if t else None,
                discord.ButtonStyle.secondary,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        session = await interaction.client.services.sessions.owned(
            self.session_id, interaction.user.id
        )
        await interaction.response.send_modal(
            PromptModal(session.id, session.prompt, voice(interaction))
        )


class RequestButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):request"):
    """Shows the compiled request exactly as the provider will receive it, with the price
    (to the session's owner only)."""

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "request",
                t("button-request") if t else None,
                discord.ButtonStyle.secondary,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        services = interaction.client.services
        session = await services.sessions.owned(self.session_id, interaction.user.id)
        quote = await services.generation.quote(session)
        if quote.request is None:
            raise CallsheetError(quote.problem or say("request-not-ready"))
        await reply(interaction, embed=card.request_embed(quote, voice(interaction)))


class GenerateButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):generate"):
    """Compiles the session and shows its price in words, with Confirm (holds the price and
    starts the job) and Cancel, to the member alone."""

    ack = "private"

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "generate",
                t("button-generate") if t else None,
                discord.ButtonStyle.success,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        offered = await interaction.client.services.spending.offer_generate(
            self.session_id, interaction.user.id, role_ids(interaction.user)
        )
        await show_offer(interaction, offered)


class StopButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):stop"):
    """Cancels the member's running job; the hold is released."""

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "stop",
                t("button-stop") if t else None,
                discord.ButtonStyle.danger,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        job, outcome = await interaction.client.services.generation.cancel_job(
            self.session_id, interaction.user.id
        )
        await session_cog(interaction).show_card(interaction, self.session_id)
        said = "job-cancelled" if outcome == "cancelled" else "job-cancel-finishing"
        await interaction.followup.send(
            voice(interaction)(said, job=str(job.id), price=job.price), ephemeral=True
        )


class CloseButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):close"):
    """Closes the session and shows it closed on its card."""

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "close",
                t("button-close") if t else None,
                discord.ButtonStyle.danger,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        await close_session(interaction, self.session_id)


class CloseConfirmButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):closeyes"):
    """Under Close's question: yes, close it."""

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "closeyes",
                t("button-close-confirm") if t else None,
                discord.ButtonStyle.danger,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        await close_session(interaction, self.session_id, confirmed=True)


class ReopenButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):reopen"):
    """On a closed card, for the idle-timeout period: open the session again."""

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "reopen",
                t("button-reopen") if t else None,
                discord.ButtonStyle.primary,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        try:
            session = await interaction.client.services.sessions.reopen(
                self.session_id, interaction.user.id
            )
        except CallsheetError:
            await session_cog(interaction).refresh_card(self.session_id)  # drop a stale button
            raise
        cog = session_cog(interaction)
        await cog.threads.reopen(session)
        await cog.refresh_card(session.id)
        await reply(interaction, voice(interaction)("session-reopened", session=str(session.id)))


async def close_session(
    interaction: Interaction, session_id: int, *, confirmed: bool = False
) -> None:
    """Close the session (the Close button and ``/video cancel``), refresh its card and
    archive its thread; a session with assets asks first (unless ``confirmed``)."""
    sessions = interaction.client.services.sessions
    t = voice(interaction)
    if not confirmed:
        session = await sessions.owned(session_id, interaction.user.id)
        if session.assets:
            minutes = await sessions.reopen_minutes(session.guild_id)
            view = discord.ui.View(timeout=None)
            view.add_item(CloseConfirmButton(session_id, t=t))
            question = t(
                "close-confirm", session=str(session_id), count=len(session.assets),
                minutes=minutes,
            )  # fmt: skip
            await reply(interaction, question, view=view)
            return
    session = await sessions.close(session_id, interaction.user.id)
    if confirmed and interaction.message is not None and interaction.message.flags.ephemeral:
        await interaction.edit_original_response(
            content=t("session-closed", session=str(session.id)), view=None
        )
    else:
        await reply(interaction, t("session-closed", session=str(session.id)))
    cog = session_cog(interaction)
    await cog.refresh_card(session.id)
    await cog.threads.archive(session)


def card_view(
    session: Session, quote: Quote, t: Voice, *, reopenable: bool = False
) -> discord.ui.View:
    """Prompt / View request / Generate / Close (and Cancel job while generating) in the
    first row, labelled in ``t``'s language; once the session has ended, only Reopen while
    it may be reopened (``reopenable``). Generate is disabled while the session does not
    compile, a job runs, a face question is unanswered or its owner is banned from
    generating (the card says why)."""
    view = discord.ui.View(timeout=None)
    if session.state not in (SessionState.OPEN, SessionState.GENERATING):
        if reopenable:
            view.add_item(ReopenButton(session.id, t=t))
        return view
    busy = session.state == SessionState.GENERATING
    cannot_compile = quote.request is None
    # a face question is open: Generate waits for the member's keep or remove
    face_open = any(asset.face_flag == "warned" for asset in session.assets)
    view.add_item(PromptButton(session.id, t=t))
    view.add_item(RequestButton(session.id, disabled=cannot_compile, t=t))
    if busy:
        view.add_item(StopButton(session.id, t=t))
    blocked = busy or cannot_compile or face_open or quote.blocked is not None
    view.add_item(GenerateButton(session.id, disabled=blocked, t=t))
    view.add_item(CloseButton(session.id, t=t))
    return view


class PromptModal(Modal):
    """Write or edit the prompt; ``@tags`` are checked against the session's assets. A
    prompt longer than one input holds (4,000 characters) continues in a second one."""

    def __init__(self, session_id: int, current: str, t: Voice) -> None:
        super().__init__(
            title=fit.modal_title(t("prompt-title")),
            custom_id=opening_id(f"cs:prompt:{session_id}"),
            timeout=900,
        )
        self.session_id = session_id
        self.prompt = fit.prompt_inputs(
            t("prompt-title"), t("prompt-more-title"), current, t("prompt-placeholder")
        )
        for item in self.prompt:
            self.add_item(item)

    async def submit(self, interaction: Interaction) -> None:
        cog = session_cog(interaction)
        changed = await interaction.client.services.sessions.set_prompt(
            self.session_id, interaction.user.id, fit.joined(self.prompt)
        )
        on_card = interaction.message is not None and not interaction.message.flags.ephemeral
        if on_card and not changed.notes:
            await cog.show_card(interaction, self.session_id)
            return
        t = voice(interaction)
        await reply(interaction, " ".join((t("prompt-saved"), *(t(n) for n in changed.notes))))
        await cog.refresh_card(self.session_id)


class PromptAgainButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):promptagain"):
    """Under a refused prompt: the modal again, holding the text that was refused."""

    ack = "none"  # a modal is the response itself; reading the session is one query

    def __init__(self, session_id: int, disabled: bool = False, t: Voice | None = None) -> None:
        super().__init__(
            _card_button(
                session_id,
                "promptagain",
                t("button-prompt-again") if t else None,
                discord.ButtonStyle.primary,
                disabled,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        session = await interaction.client.services.sessions.owned(
            self.session_id, interaction.user.id
        )
        text = session.prompt_draft if session.prompt_draft is not None else session.prompt
        await interaction.response.send_modal(PromptModal(session.id, text, voice(interaction)))


def prompt_again_view(error: PromptRefused, t: Voice) -> discord.ui.View:
    """The "Edit prompt again" button sent with a refused prompt's reason."""
    view = discord.ui.View(timeout=None)
    view.add_item(PromptAgainButton(error.session_id, t=t))
    return view


CARD_COMPONENTS = (
    PromptButton,
    RequestButton,
    GenerateButton,
    StopButton,
    CloseButton,
    CloseConfirmButton,
    ReopenButton,
    PromptAgainButton,
)
