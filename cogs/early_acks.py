"""Component clicks acknowledged from the gateway's payload, before discord.py builds them.

discord.py turns an ``INTERACTION_CREATE`` into a :class:`discord.Interaction` by building
its whole message (embeds, every component) and, for a persistent component, that
message's whole view again (``View.from_message``), before any handler runs. Every
gateway event already received is built this way before the first handler's turn, so in a
burst of clicks on session cards that work stood before each acknowledgement.

A component whose acknowledgement needs nothing but its custom_id (``Component.ack`` is a
deferred update or a private "thinking…") is acknowledged from the raw payload first;
discord.py builds the interaction once Discord has the acknowledgement, and the
component's handler finds its response already sent (:meth:`EarlyAcks.taken`). Public
placeholders and modals still wait for the component's ``check`` (docs/ARCHITECTURE.md,
"Instant under a burst").
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import discord
from discord.enums import InteractionResponseType
from discord.webhook.async_ import async_context, interaction_response_params

from cogs.handlers import Handlers

log = logging.getLogger(__name__)

#: Discord's interaction callback for each early ``ack``: its type, and its data.
RESPONSES: dict[str, tuple[InteractionResponseType, dict[str, Any] | None]] = {
    "update": (InteractionResponseType.deferred_message_update, None),
    "private": (InteractionResponseType.deferred_channel_message, {"flags": 64}),  # ephemeral
}
COMPONENT = 3  # Discord's interaction type MESSAGE_COMPONENT
TOKEN_S = 15 * 60  # Discord: an interaction's token is valid for 15 minutes

Observe = Callable[[str, float], None]


class EarlyAcks:
    """Acknowledges component clicks straight from the gateway's payload.

    Args:
        client: the bot; its connection's ``INTERACTION_CREATE`` parser is wrapped once.
        handlers: counts each early acknowledgement as in flight
            (:meth:`cogs.handlers.Handlers.acknowledgement`).
        observe: called with the ``ack`` and the seconds from the interaction's creation
            to Discord having the acknowledgement (``callsheet_ack_seconds``).
    """

    def __init__(self, client: discord.Client, handlers: Handlers, observe: Observe) -> None:
        self._client = client
        self._handlers = handlers
        self._observe = observe
        self._patterns: dict[re.Pattern[str], str] = {}
        self._acknowledged: dict[int, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        parsers: dict[str, Callable[[Any], None]] = client._connection.parsers
        self._parse = parsers["INTERACTION_CREATE"]
        parsers["INTERACTION_CREATE"] = self._received

    def register(self, items: Iterable[type[discord.ui.DynamicItem[Any]]]) -> None:
        """Acknowledge early the clicks of each of ``items`` whose ``ack`` allows it."""
        for item in items:
            how = getattr(item, "ack", None)
            if how in RESPONSES:
                self._patterns[item.__discord_ui_compiled_template__] = how

    def unregister(self, items: Iterable[type[discord.ui.DynamicItem[Any]]]) -> None:
        """Stop acknowledging ``items`` early (their extension was unloaded)."""
        for item in items:
            self._patterns.pop(item.__discord_ui_compiled_template__, None)

    def _early(self, data: dict[str, Any]) -> str | None:
        if data.get("type") != COMPONENT:
            return None
        custom_id = (data.get("data") or {}).get("custom_id")
        if not isinstance(custom_id, str):
            return None
        for pattern, how in self._patterns.items():
            if pattern.fullmatch(custom_id):
                return how
        return None

    def _received(self, data: dict[str, Any]) -> None:
        how = self._early(data)
        if how is None:
            self._parse(data)
            return
        task = asyncio.get_running_loop().create_task(self._acknowledge(data, how))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _acknowledge(self, data: dict[str, Any], how: str) -> None:
        """Acknowledge the interaction of ``data`` as ``how`` says, then, once no other
        acknowledgement is in flight (:meth:`cogs.handlers.Handlers.quiet`), let discord.py
        build and dispatch it."""
        interaction_id = int(data["id"])
        try:
            async with self._handlers.acknowledgement():
                await self._send(interaction_id, data["token"], how)
        except discord.HTTPException:  # the handler acknowledges it again, and reports
            log.warning("could not acknowledge interaction %s early", interaction_id, exc_info=True)
        else:
            # kept until the handler takes it, or its token ends
            self._acknowledged[interaction_id] = how
            asyncio.get_running_loop().call_later(
                TOKEN_S, self._acknowledged.pop, interaction_id, None
            )
            created = discord.utils.snowflake_time(interaction_id)
            self._observe(how, (discord.utils.utcnow() - created).total_seconds())
        # built once the burst's other acknowledgements are out: building one takes ~1 ms
        await self._handlers.quiet()
        try:
            self._parse(data)
        except Exception:  # as discord.py's gateway loop would log it
            log.exception("could not read interaction %s", interaction_id)

    async def _send(self, interaction_id: int, token: str, how: str) -> None:
        """POST the interaction's callback, as ``InteractionResponse.defer`` does.

        Raises:
            discord.HTTPException: Discord refused it (e.g. 10062: over 3 s old).
        """
        kind, body = RESPONSES[how]
        http = self._client.http
        await async_context.get().create_interaction_response(
            interaction_id,
            token,
            session=http._HTTPClient__session,  # type: ignore[attr-defined]  # as Interaction does
            proxy=http.proxy,
            proxy_auth=http.proxy_auth,
            params=interaction_response_params(kind.value, body),
        )

    def taken(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether ``interaction`` was acknowledged early; if so its response is marked as
        sent, so that ``interaction.response.is_done()`` holds and replies follow it."""
        how = self._acknowledged.pop(interaction.id, None)
        if how is None:
            return False
        # discord.py marks a response it sent itself on this attribute (InteractionResponse.defer)
        interaction.response._response_type = RESPONSES[how][0]
        return True
