"""The one error path from the core to the member, and the base classes that use it.

Every slash command, component and modal ends here when it raises:

- a :class:`bot.errors.CallsheetError` (or a failed check such as "not a moderator") is the
  member's message: it is sent to them alone (ephemeral);
- anything else is logged with the interaction, command, component, session and job ids,
  and the member reads :data:`SOMETHING_WENT_WRONG`.

:func:`on_app_command_error` is installed as the command tree's error handler
(:meth:`cogs.client.CallsheetBot.setup_hook`); :class:`Component` is the base of every
persistent button and select, :class:`Modal` of every modal (docs/ARCHITECTURE.md, "One
error path").
"""

from __future__ import annotations

import logging
import re
from typing import Any, Self, TypeVar

import discord
from discord import app_commands

from bot.errors import CallsheetError

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Something went wrong on our side; it was logged. Please try again."

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


async def reply(interaction: discord.Interaction[Any], text: str, **kwargs: Any) -> None:
    """Send ``text`` to the member alone, as the response or, once answered, a followup."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, **kwargs)


async def report_error(
    interaction: discord.Interaction[Any], error: BaseException, where: str = ""
) -> None:
    """Tell the member what went wrong: the error's own text for a CallsheetError or a
    failed check, else a plain apology with the error logged alongside its ids."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        error = error.__cause__ or error
    if isinstance(error, CallsheetError | app_commands.CheckFailure):
        text = str(error)
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
        text = SOMETHING_WENT_WRONG
    try:
        await reply(interaction, text)
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
    """

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
        return cls(**fields)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.handle(interaction)
        except Exception as error:
            await report_error(interaction, error, where=self.custom_id)

    async def handle(self, interaction: discord.Interaction[Any]) -> None:
        """What a click does."""
        raise NotImplementedError


class Modal(discord.ui.Modal):
    """A modal whose errors go through :func:`report_error`."""

    async def on_error(  # type: ignore[override]  # discord.py narrows BaseView.on_error
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error, where=self.custom_id)
