"""Plain data types and helpers shared by the Discord emulator."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions)
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1
#: What a fresh server gives @everyone (view, send, history, attach, embed, reactions, ...).
DEFAULT_EVERYONE_PERMISSIONS = 1071698660929
#: What the emulator grants the bot's managed role.
DEFAULT_BOT_PERMISSIONS = (
    (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 13)  # manage messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 18)  # use external emojis
    | (1 << 31)  # use application commands
    | (1 << 35)  # create public threads
    | (1 << 38)  # send messages in threads
)

# Gateway intents the emulator enforces.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

_last_snowflake = 0
_snowflake_lock = threading.Lock()


def snowflake() -> int:
    """A valid, time-based, strictly increasing Discord snowflake."""
    global _last_snowflake
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    with _snowflake_lock:
        value = max((ms << 22) | (1 << 17) | (1 << 12), _last_snowflake + 1)
        _last_snowflake = value
    return value


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def walk_components(components: list[JSON]) -> Iterator[JSON]:
    """Every component, depth first, inside rows, containers, sections and labels."""
    for comp in components:
        yield comp
        children: list[JSON] = list(comp.get("components") or [])
        for key in ("accessory", "component"):
            child = comp.get(key)
            if isinstance(child, dict):
                children.append(child)
        yield from walk_components(children)


@dataclass
class Member:
    """A guild member the test plays."""

    id: int
    name: str
    permissions: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)
    bot: bool = False
    #: the member's Discord client language, sent as ``locale`` on their interactions
    locale: str = "en-US"

    def user_payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name.title(),
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def member_payload(self, *, with_user: bool = True, with_permissions: bool = False) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            data["user"] = self.user_payload()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


class InteractionTimeout(AssertionError):
    """The bot did not answer an interaction in time."""


@dataclass
class EmuInteraction:
    """An interaction the emulator sent to the bot, and what the bot did with it."""

    id: int
    token: str
    type: int
    payload: JSON
    member: Member
    dispatched_at: float
    #: the callback body the bot sent: {"type": ..., "data": ...}
    response: JSON | None = None
    response_seconds: float | None = None
    modal: JSON | None = None
    followups: list[JSON] = field(default_factory=list)
    #: id of the message that "@original" refers to (None until there is one)
    original_message_id: int | None = None
    #: the interaction that opened the modal this one submits (type 5 only)
    parent: EmuInteraction | None = None
    #: the modal this interaction opened was submitted and that submission answered: the
    #: dialog is gone from the member's screen (Discord closes it on any response)
    modal_closed: bool = False
    #: the message as the bot's first update left it (see :meth:`wait_update`)
    update: JSON | None = None
    _responded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _updated: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _followed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def data(self) -> JSON:
        result: JSON = self.payload.get("data", {})
        return result

    @property
    def message(self) -> JSON | None:
        """The message a component interaction was attached to (as sent)."""
        msg: JSON | None = self.payload.get("message")
        return msg

    async def wait_response(self, timeout: float = 10.0) -> JSON:  # noqa: ASYNC109
        """The callback the bot sent ({"type", "data"}); raises InteractionTimeout."""
        try:
            await asyncio.wait_for(self._responded.wait(), timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"bot did not answer interaction {self.id} "
                f"({self.data.get('name') or self.data.get('custom_id')}) within {timeout}s"
            ) from None
        assert self.response is not None
        return self.response

    def updated(self, message: JSON) -> None:
        """Record the bot's first update of this interaction's message (emulator side)."""
        if self.update is None:
            self.update = message
        self._updated.set()

    def followed_up(self, message: JSON) -> None:
        """Record a followup message (emulator side)."""
        self.followups.append(message)
        self._followed.set()

    async def wait_update(self, timeout: float = 30.0) -> JSON:  # noqa: ASYNC109
        """The message this interaction changed: at once for an UPDATE_MESSAGE (7) response,
        else the first edit of "@original" (or the followup that replaces a "thinking"
        placeholder) after a deferral (5, 6). Raises InteractionTimeout."""
        await self.wait_response(timeout)
        await self._wait(self._updated, "update its message", timeout)
        assert self.update is not None
        return self.update

    async def wait_reply(self, timeout: float = 30.0) -> JSON:  # noqa: ASYNC109
        """What the member was told: the response message itself (CHANNEL_MESSAGE, 4: its
        ``data``), else the first followup after the acknowledgement (which, after a
        "thinking" placeholder, is the placeholder replaced)."""
        response = await self.wait_response(timeout)
        if response["type"] == 4:
            data: JSON = response["data"]
            return {"flags": 0, "content": "", "embeds": [], **data}
        return await self.wait_followup(timeout)

    async def wait_followup(self, timeout: float = 30.0) -> JSON:  # noqa: ASYNC109
        """The first followup message the bot sent (after any response). Raises
        InteractionTimeout."""
        await self.wait_response(timeout)
        await self._wait(self._followed, "follow up", timeout)
        return self.followups[0]

    async def _wait(self, event: asyncio.Event, what: str, timeout: float) -> None:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"bot did not {what} for interaction {self.id} "
                f"({self.data.get('name') or self.data.get('custom_id')}) within {timeout}s"
            ) from None
