"""The one error path from the core to the member, and the base classes that use it.

Every slash command, component and modal ends here when it raises:

- a :class:`bot.errors.PhrasedError` (every :class:`bot.errors.CallsheetError`, or a failed
  check such as "not a moderator") is the member's message: its phrase is rendered in their
  Discord locale and sent to them alone (ephemeral);
- anything else is logged with the interaction, command, component, session and job ids,
  and the member reads the catalogue's ``something-went-wrong``.

:func:`on_app_command_error` is installed as the command tree's error handler
(:meth:`cogs.client.CallsheetBot.setup_hook`); :class:`Component` is the base of every
persistent button and select, :class:`Modal` of every modal (docs/ARCHITECTURE.md, "One
error path").

Every handler acknowledges first (:func:`acknowledge`; the bases do it for components and
modals) and then works; the reply replaces the placeholder (:func:`answer`) or follows it
(:func:`reply`), and an error after the acknowledgement still reaches the member alone.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from typing import Any, ClassVar, Literal, Self, TypeVar

import discord
from discord import app_commands

from bot import logcontext
from bot.errors import PhrasedError
from bot.words import Phrase, Voice, Words, say
from cogs import fit
from cogs.words import voice

log = logging.getLogger(__name__)


class Refused(app_commands.CheckFailure):
    """A check refused the interaction; :attr:`phrase` says why, for the member."""

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(Words.english().text(phrase))
        self.phrase = phrase


ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])

ID = r"[0-9]{1,19}"
"""The pattern of an id in a component's custom_id template: 1–19 digits (Discord
snowflakes and SQLite's signed 64-bit rowids have at most 19), so a longer one matches no
component instead of reaching the database."""
MAX_ID = 2**63 - 1  # SQLite INTEGER: a 19-digit id above it is nobody's


Ack = Literal["update", "thinking", "private", "none"]
"""How a handler acknowledges before it works (Discord allows 3 s for the first response):

- ``"update"``: a deferred update of the component's message (nothing visible changes;
  the handler then edits that message with :meth:`discord.Interaction.edit_original_response`);
- ``"thinking"``: a public "is thinking…" placeholder, replaced by :func:`answer`;
- ``"private"``: the same, seen only by the member;
- ``"none"``: the handler answers at once itself (it opens a modal, which cannot follow a
  deferral) and does nothing slow before that.
"""

_PLACEHOLDER = "callsheet.placeholder"  # interaction.extras: a public placeholder is showing


_SESSION_ID = re.compile(rf"cs:(?:card|set|prompt):({ID})(?::.*)?")


def bind_log_ids(interaction: discord.Interaction[Any]) -> None:
    """Name the interaction's guild, and the session its component belongs to, on the
    handler's log lines (:mod:`bot.logcontext`)."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    found = _SESSION_ID.fullmatch(custom_id) if isinstance(custom_id, str) else None
    logcontext.bind(guild=interaction.guild_id, session=int(found.group(1)) if found else None)


async def acknowledge(interaction: discord.Interaction[Any], how: Ack) -> None:
    """Acknowledge ``interaction`` the way ``how`` says, unless it already was, and measure
    how long after its creation Discord had the acknowledgement (``callsheet_ack_seconds``,
    :mod:`bot.metrics`). Returns once no other acknowledgement is in flight (at most
    :data:`cogs.handlers.MAX_WAIT_S` later), so the work that follows lets a burst's
    acknowledgements go first."""
    bind_log_ids(interaction)
    if how == "none" or interaction.response.is_done():
        return
    async with interaction.client.handlers.acknowledgement():
        if how == "update":
            await interaction.response.defer()
        else:
            await interaction.response.defer(thinking=True, ephemeral=how == "private")
            interaction.extras[_PLACEHOLDER] = how == "thinking"
    waited = discord.utils.utcnow() - interaction.created_at
    interaction.client.services.metrics.ack_seconds.labels(how).observe(waited.total_seconds())
    await interaction.client.handlers.quiet()  # the work that follows lets others' acks go first


async def answer(interaction: discord.Interaction[Any], **kwargs: Any) -> discord.Message:
    """Replace the "is thinking…" placeholder with the reply (``edit_original_response``
    keyword arguments: content, embed, view, attachments), fitted to Discord's limits
    (:mod:`cogs.fit`); return the message."""
    message = await interaction.edit_original_response(**fit.message(kwargs))
    interaction.extras.pop(_PLACEHOLDER, None)
    return message


async def reply(interaction: discord.Interaction[Any], content: str | None = None,
                **kwargs: Any) -> None:  # fmt: skip
    """Send ``content`` (and ``embed``, ``file``… keyword arguments), fitted to Discord's
    limits (:mod:`cogs.fit`), to the member alone: as the response, or once acknowledged, as
    a followup. A public placeholder still showing is deleted first, since Discord would turn
    it into this reply for everyone to see."""
    fit.message(kwargs)
    content = fit.content(content) if content else content
    if interaction.extras.pop(_PLACEHOLDER, False):
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.warning("could not remove the placeholder of interaction %s", interaction.id)
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


ErrorView = Callable[[Any, Voice], discord.ui.View]
_ERROR_VIEWS: dict[type[PhrasedError], ErrorView] = {}


def offer_with_error(kind: type[PhrasedError], build: ErrorView) -> None:
    """Send ``build(error, t)``'s components with the message of every error of ``kind``
    (e.g. "Edit prompt again" under a refused prompt); the error path stays one."""
    _ERROR_VIEWS[kind] = build


async def report_error(
    interaction: discord.Interaction[Any],
    error: BaseException,
    where: str = "",
    view: discord.ui.View | None = None,
) -> None:
    """Tell the member what went wrong, in their locale: the error's own phrase for a
    :class:`bot.errors.PhrasedError` or a :class:`Refused` check, a plain "not here" for
    discord.py's own checks, else a plain apology with the error logged alongside its ids.
    ``view``: components to send with it (a modal's "edit again"), unless its kind has its
    own (:func:`offer_with_error`)."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        error = error.__cause__ or error
    if isinstance(error, PhrasedError | Refused):
        phrase = error.phrase
    elif isinstance(error, app_commands.CheckFailure):
        phrase = say("check-failed")
    else:
        command = interaction.command.qualified_name if interaction.command else None
        log.error(
            "interaction %s failed (command=%s component=%s guild=%s user=%s)",
            interaction.id,
            command,
            where or dict(interaction.data or {}).get("custom_id"),
            interaction.guild_id,
            interaction.user.id,
            exc_info=error,
        )
        phrase = say("something-went-wrong")
    t = voice(interaction)
    extra = {"view": view} if view is not None else {}
    for kind, build in _ERROR_VIEWS.items():
        if isinstance(error, kind):
            extra["view"] = build(error, t)
            break
    try:
        await reply(interaction, t(phrase), **extra)
    except discord.HTTPException:
        log.warning("could not tell the member about interaction %s", interaction.id)


async def on_app_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """The command tree's error handler (``CommandTree.on_error``)."""
    await report_error(interaction, error)


class Component(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A persistent button or select that builds itself from its ids and handles its click.

    A subclass passes its ``template`` (a regular expression with named groups, each an id
    or an action word; the custom_id fits Discord's 100 characters), takes those groups as
    keyword arguments, builds its own look in ``__init__`` and implements :meth:`handle`.
    Errors raised by :meth:`handle` go through :func:`report_error`.

    The click is acknowledged before :meth:`handle` runs, as :attr:`ack` says (default: a
    deferred update of the message the component is on), so no database write, drawing
    or upload stands between the member's click and Discord's 3 s deadline. A deferred
    update or a private "thinking…" is sent from the gateway's payload, before discord.py
    builds the interaction (:mod:`cogs.early_acks`); a public placeholder or a modal waits
    for :meth:`check`: who may use the component, so that someone who may not never opens
    a modal or leaves a public "thinking…" placeholder behind.
    """

    ack: ClassVar[Ack] = "update"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> Self:
        fields: dict[str, Any] = {
            name: int(value) if value.isdigit() else value
            for name, value in match.groupdict().items()
        }
        item = cls(**fields)
        item._unknown_id = any(isinstance(v, int) and v > MAX_ID for v in fields.values())
        return item

    _unknown_id = False  # an id in the custom_id beyond SQLite's range: it leads nowhere

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            interaction.client.early_acks.taken(interaction)  # acknowledged from the gateway
            if self._unknown_id:
                raise Refused(say("component-unknown"))
            await self.check(interaction)
            await acknowledge(interaction, self.ack)
            async with interaction.client.handlers.work():
                await self.handle(interaction)
        except Exception as error:
            await report_error(interaction, error, where=self.custom_id)

    async def check(self, interaction: discord.Interaction[Any]) -> None:
        """Whether the member may use this component (before it is acknowledged, unless it
        was acknowledged from the gateway's payload): at most
        one database read (``tests/test_acks.py``); raise a :class:`bot.errors.PhrasedError`
        to refuse them alone (ephemeral). The default lets everyone through."""

    async def handle(self, interaction: discord.Interaction[Any]) -> None:
        """What a click does."""
        raise NotImplementedError


def opening_id(base: str) -> str:
    """A modal custom_id unique to one opening: ``base`` and 8 random hex digits.

    discord.py keeps one open modal per custom_id; were two openings to share one (two
    members, or one member on two devices), the later would replace the earlier and the
    earlier's submission would be dropped ("Modal interaction referencing unknown
    custom_id"). ``base`` ≤ 91 characters (Discord: custom_id ≤ 100)."""
    return f"{base}:{secrets.token_hex(4)}"


class Modal(discord.ui.Modal):
    """A modal acknowledged on submit before :meth:`submit` runs (as :attr:`ack` says;
    default: a deferred update of the message whose button opened it), whose errors go
    through :func:`report_error`."""

    ack: ClassVar[Ack] = "update"

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await acknowledge(interaction, self.ack)
        async with interaction.client.handlers.work():
            await self.submit(interaction)

    async def submit(self, interaction: discord.Interaction[Any]) -> None:
        """What submitting the modal does."""
        raise NotImplementedError

    async def on_error(  # type: ignore[override]  # discord.py narrows BaseView.on_error
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error, where=self.custom_id)
