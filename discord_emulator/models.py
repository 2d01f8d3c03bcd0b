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
MANAGE_CHANNELS = 1 << 4
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1
#: What a fresh server gives @everyone (view, send, history, attach, embed, reactions, ...).
DEFAULT_EVERYONE_PERMISSIONS = 1071698660929
#: What the emulator grants the bot's managed role.
DEFAULT_BOT_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | MANAGE_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | (1 << 18)  # use external emojis
    | (1 << 31)  # use application commands
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)
#: Channel types whose permissions are their parent channel's (announcement, public and
#: private threads).
THREAD_TYPES = frozenset({10, 11, 12})

# Gateway intents the emulator enforces.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
#: The privileged intents (topics/gateway "Privileged Intents") and the application flag
#: that says an unverified app may use each (``GATEWAY_*_LIMITED``).
PRIVILEGED_INTENTS = {
    INTENT_GUILD_MEMBERS: 1 << 15,
    INTENT_GUILD_PRESENCES: 1 << 13,
    INTENT_MESSAGE_CONTENT: 1 << 19,
}

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

_last_snowflake = 0
_snowflake_lock = threading.Lock()


def shard_of(guild_id: int, num_shards: int) -> int:
    """The shard that gets a guild's events (Discord's Gateway docs, "Sharding":
    ``shard_id = (guild_id >> 22) % num_shards``)."""
    return (guild_id >> 22) % num_shards


def snowflake_on_shard(shard_id: int, num_shards: int) -> int:
    """A valid guild snowflake that ``(id >> 22) % num_shards`` puts on ``shard_id``: a
    fresh one, moved back by at most ``num_shards - 1`` milliseconds."""
    value = snowflake()
    return value - (((shard_of(value, num_shards) - shard_id) % num_shards) << 22)


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
    #: whether they take direct messages from the bot (False: Discord refuses a DM with
    #: 403 "Cannot send messages to this user", code 50007)
    accepts_dms: bool = True

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

    def member_payload(
        self, *, with_user: bool = True, with_permissions: bool = False,
        permissions: int | None = None,
    ) -> JSON:  # fmt: skip
        """The guild member object; ``with_permissions`` adds ``permissions`` (the member's
        in the channel of an interaction: ``permissions``, default their guild-wide ones)."""
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
            data["permissions"] = str(self.permissions if permissions is None else permissions)
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
