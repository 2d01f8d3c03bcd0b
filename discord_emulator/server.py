"""A loopback Discord (gateway + REST v10) that the real discord.py client talks to.

All state lives in this object (server side), so the bot may run in-process or as a
separate process pointed at ``api_base`` / ``gateway_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
import json
import logging
import mimetypes
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, WSMsgType, web

from .gates import Gate
from .models import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EMBED_LINKS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    JSON,
    MANAGE_MESSAGES,
    MENTION_EVERYONE,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    PRIVILEGED_INTENTS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    SEND_TTS_MESSAGES,
    THREAD_TYPES,
    VIEW_CHANNEL,
    EmuInteraction,
    Member,
    iso_now,
    shard_of,
    snowflake,
    walk_components,
)
from .spec import discord_spec
from .threads import ThreadsMixin

log = logging.getLogger("discord_emulator")

API_PREFIX = "/api/v10"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
HEARTBEAT_INTERVAL_MS = 41250

# option types
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11

STRING_OPTION_MAX = 6000  # Discord: the longest string option value, max_length or not

_WIRE_HIDDEN_KEYS = ("ephemeral", "ephemeral_for", "deleted")


class DiscordHTTPError(Exception):
    """Raised inside handlers; becomes a Discord-shaped JSON error response."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def response(self) -> web.Response:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return _json(body, status=self.status)


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses bodies whose content-type is exactly "application/json"
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _form_error(path: str, code: str, message: str) -> DiscordHTTPError:
    errors: JSON = {}
    node = errors
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = {"_errors": [{"code": code, "message": message}]}
    return DiscordHTTPError(400, 50035, "Invalid Form Body", errors)


# Discord's locales (https://discord.com/developers/docs/reference#locales).
LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el "
    "bg ru uk hi th zh-CN ja zh-TW ko".split()
)


def _check_texts(node: JSON, where: str) -> None:
    """Discord's rules for a chat-input command's texts, recursively over its options and
    choices: names (and their localizations) are 1–32 lowercase letters, digits, ``-`` or
    ``_``; descriptions and choice names 1–100 characters; localization keys are locales."""
    is_choice = "value" in node and "type" not in node
    names = {"": node.get("name", ""), **(node.get("name_localizations") or {})}
    for locale, name in names.items():
        if locale and locale not in LOCALES:
            raise _form_error(f"{where}name_localizations", "UNKNOWN_LOCALE", locale)
        if is_choice:
            if not 1 <= len(name) <= 100:
                raise _form_error(f"{where}name", "BASE_TYPE_BAD_LENGTH", "1–100 characters")
        elif not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
            raise _form_error(f"{where}name", "APPLICATION_COMMAND_INVALID_NAME", name)
    if not is_choice:
        texts = {"": node.get("description", ""), **(node.get("description_localizations") or {})}
        for locale, text in texts.items():
            if locale and locale not in LOCALES:
                raise _form_error(f"{where}description_localizations", "UNKNOWN_LOCALE", locale)
            if not 1 <= len(text) <= 100:
                raise _form_error(f"{where}description", "BASE_TYPE_BAD_LENGTH", text)
    for i, option in enumerate(node.get("options") or []):
        _check_texts(option, f"{where}options.{i}.")
    for i, choice in enumerate(node.get("choices") or []):
        _check_texts(choice, f"{where}choices.{i}.")


@dataclass
class _Session:
    session_id: str
    intents: int
    identify: JSON
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    events: list[tuple[int, str]] = field(default_factory=list)
    #: ``[shard_id, num_shards]`` from IDENTIFY (Discord's default: ``[0, 1]``)
    shard: tuple[int, int] = (0, 1)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class DiscordEmulator(ThreadsMixin):
    """Loopback Discord. See the package docstring for the driver API."""

    def __init__(
        self,
        tmp_dir: Path,
        *,
        bot_name: str = "Callsheet",
        guild_name: str = "Test Guild",
        channel_name: str = "general",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_interaction_deadline: bool = False,
        guild_locale: str = "en-US",
        guild_id: int | None = None,
    ) -> None:
        self.tmp_dir = Path(tmp_dir)
        #: the guild's preferred locale (``preferred_locale``, ``guild_locale`` on interactions)
        self.guild_locale = guild_locale
        #: like Discord, answer 404 Unknown interaction to callbacks later than 3 s
        self.enforce_interaction_deadline = enforce_interaction_deadline
        self.files_dir = self.tmp_dir / "discord-emulator-files"
        self.host = host
        self._port = port
        #: a chosen id puts the guild on a chosen shard (:func:`shard_of`)
        self.guild_id = guild_id if guild_id is not None else snowflake()
        self.channel_id = snowflake()
        self.application_id = snowflake()
        self.bot_user_id = self.application_id  # like real bots: app id == bot user id
        self.owner_id = snowflake()
        self.guild_name = guild_name
        self.channel_name = channel_name
        #: every guild the bot is in → its name; more come from :meth:`add_guild`
        self._guild_names: dict[int, str] = {self.guild_id: guild_name}
        self.everyone_permissions = everyone_permissions
        self.bot_role_id = snowflake()
        self._roles: dict[int, JSON] = {
            self.guild_id: self._role_payload(self.guild_id, "@everyone", everyone_permissions, 0),
            self.bot_role_id: {
                **self._role_payload(self.bot_role_id, bot_name, bot_permissions, 1),
                "managed": True,
                "tags": {"bot_id": str(self.bot_user_id)},
            },
        }
        self.bot_member = Member(
            id=self.bot_user_id,
            name=bot_name.lower(),
            permissions=bot_permissions | everyone_permissions,
            roles=[self.bot_role_id],
            bot=True,
        )
        self.members: dict[int, Member] = {}
        self._channels: dict[int, JSON] = {
            self.channel_id: {
                "id": str(self.channel_id),
                "type": 0,
                "guild_id": str(self.guild_id),
                "name": channel_name,
                "position": 0,
                "parent_id": None,
                "topic": None,
                "nsfw": False,
                "permission_overwrites": [],
                "rate_limit_per_user": 0,
                "last_message_id": None,
                "flags": 0,
            }
        }
        self._dm_by_user: dict[int, int] = {}
        #: (command name, user id) pairs a server admin allowed in the integration settings,
        #: which override ``default_member_permissions`` as on Discord
        self.command_overrides: set[tuple[str, int]] = set()
        #: hold file uploads to channels (before, or with ``upload_gate_after_create`` after,
        #: the message is created) so a test can kill the bot mid-upload
        self.upload_gate: Gate | None = None
        self.upload_gate_after_create = False
        #: hold the bot's edits of channel messages before they apply, so a test can order
        #: them against other edits
        self.edit_gate: Gate | None = None
        #: CDN URLs expire like Discord's; tests move ``clock_offset_s`` to expire them
        self.cdn_ttl_s = 24 * 3600.0
        self.clock_offset_s = 0.0
        self._cdn_key = secrets.token_bytes(16)
        self.refreshed_urls: list[str] = []
        #: the privileged intents the application may use (its developer-portal switches);
        #: an IDENTIFY asking for another is closed with 4014 "Disallowed intent(s)"
        self.allowed_intents = sum(PRIVILEGED_INTENTS)
        #: a repeated nonce (with ``enforce_nonce``) within this many seconds returns the
        #: message it made (Discord: "the past few minutes")
        self.nonce_window_s = 180.0
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        #: ids of messages returned again for a repeated nonce instead of posting anew
        self.nonce_replays: list[int] = []

        # command registry: None = global, else guild id
        self._commands: dict[int | None, dict[str, JSON]] = {}
        self.command_puts = 0

        self._messages: dict[int, JSON] = {}
        # ids of messages stored, edited or deleted, in order: waiters read only what changed
        self._changed: list[int] = []
        self._files: dict[int, Path] = {}
        # bytes of stored files not yet written to their path: disk writes stay off the
        # loop's hot path (a burst of card edits would otherwise delay every ack it times)
        self._unwritten: dict[int, bytes] = {}
        self._interactions: dict[int, EmuInteraction] = {}
        self._by_token: dict[str, EmuInteraction] = {}
        self._sessions: dict[str, _Session] = {}
        self._ready_sessions: set[str] = set()
        self._init_threads()

        self.unhandled: list[str] = []
        #: ids of the attachments downloaded, one entry per download
        self.attachment_reads: list[int] = []
        #: "IDENTIFY" / "RESUME" / "RESUME-FAILED" in the order the client sent them
        self.gateway_log: list[str] = []
        self.requests: list[str] = []
        self.rejected: list[JSON] = []
        #: requests refused for missing permissions: {"channel", "code", "missing" (bits)}
        self.refused: list[JSON] = []
        self.typing: list[int] = []
        self.reactions: list[tuple[int, str]] = []
        self.bot_token: str | None = None

        self._cond = asyncio.Condition()
        self._bg_tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._app = self._build_app()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self._port)
        await self._site.start()
        server = self._site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self._port = sockets[0].getsockname()[1]
        log.info("discord emulator listening on %s", self.base_url)

    async def close(self) -> None:
        if self._bg_tasks:
            await asyncio.gather(*self._bg_tasks, return_exceptions=True)
        for session in self._sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001, message=b"emulator shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self._port}/"

    def env(self) -> dict[str, str]:
        """Environment for running the bot as a separate process."""
        return {"DISCORD_API_BASE": self.api_base, "DISCORD_GATEWAY_URL": self.gateway_url}

    # ------------------------------------------------------------------ guild model

    @staticmethod
    def _role_payload(role_id: int, name: str, permissions: int, position: int) -> JSON:
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def add_role(self, name: str, permissions: int = 0) -> int:
        """Create a guild role; returns its id (pass it or its name to add_member)."""
        role_id = snowflake()
        self._roles[role_id] = self._role_payload(role_id, name, permissions, len(self._roles))
        return role_id

    def role_id(self, name: str) -> int:
        for rid, role in self._roles.items():
            if role["name"] == name:
                return rid
        raise KeyError(f"no role named {name!r}")

    @property
    def roles(self) -> list[JSON]:
        """The first guild's roles."""
        return self._guild_roles(self.guild_id)

    def _guild_roles(self, guild_id: int) -> list[JSON]:
        """A guild's roles: an added guild has its own @everyone (its id) with the first
        guild's permissions, and the first guild's other roles (see :meth:`add_guild`)."""
        if guild_id == self.guild_id:
            return list(self._roles.values())
        everyone = {**self._roles[self.guild_id], "id": str(guild_id)}
        return [everyone, *(r for rid, r in self._roles.items() if rid != self.guild_id)]

    # ------------------------------------------------------------------ guilds

    def add_guild(
        self, name: str = "Second Guild", *, guild_id: int | None = None
    ) -> tuple[int, int]:
        """Add another guild the bot is in, with one text channel; return ``(guild id,
        channel id)``. A chosen ``guild_id`` puts it on a chosen shard
        (:func:`snowflake_on_shard`). A simplification of Discord's separate guilds: the
        members, the owner and the roles (with their permissions) are the first guild's,
        each guild with its own @everyone role (id = guild id). Sends GUILD_CREATE to the
        shard that holds it if the bot is connected (as when a bot joins a guild)."""
        new_id = guild_id if guild_id is not None else snowflake()
        if new_id in self._guild_names:
            raise ValueError(f"guild {new_id} exists")
        self._guild_names[new_id] = name
        channel_id = snowflake()
        self._channels[channel_id] = {
            **self._channels[self.channel_id],
            "id": str(channel_id),
            "guild_id": str(new_id),
            "name": self.channel_name,
            "position": 0,
            "permission_overwrites": [],
            "last_message_id": None,
        }
        if self._ready_sessions:
            self._spawn(
                self._dispatch(
                    "GUILD_CREATE",
                    {"guild_id": str(new_id)},  # routes it to its shard
                    transform=lambda session, _: self._guild_payload(session.intents, new_id),
                )
            )
        return new_id, channel_id

    @property
    def guild_ids(self) -> list[int]:
        """Every guild the bot is in, the first first."""
        return list(self._guild_names)

    def guild_of(self, channel_id: int) -> int | None:
        """The guild a channel (or thread) is in; ``None`` for a DM."""
        guild = self._channels[channel_id].get("guild_id")
        return None if guild is None else int(guild)

    def _system_channel(self, guild_id: int) -> int:
        for cid, channel in self._channels.items():
            if channel["type"] == 0 and channel.get("guild_id") == str(guild_id):
                return cid
        raise LookupError(f"guild {guild_id} has no text channel")

    def _compute_permissions(self, role_ids: Iterable[int]) -> int:
        perms = self.everyone_permissions
        for rid in role_ids:
            perms |= int(self._roles[rid]["permissions"])
        if perms & ADMINISTRATOR:
            perms = ALL_PERMISSIONS
        return perms

    # ------------------------------------------------------------------ permissions

    def permissions_in(self, member: Member | int, channel_id: int) -> int:
        """``member``'s (or the bot's: pass ``emu.bot_user_id``) permissions in a channel,
        computed as Discord documents it (topics/permissions "Permission Overwrites" and
        "Implicit Permissions"): the guild owner and administrators have all; otherwise the
        member's roles, then the channel's @everyone overwrite, its role overwrites
        together, the member's own overwrite; without View Channel nothing, and without
        Send Messages (Send Messages in Threads in a thread) no TTS, @everyone mentions,
        attachments or embeds. A thread has its parent channel's overwrites."""
        if isinstance(member, int):
            found = self._member_by_id(member)
            if found is None:
                raise LookupError(f"no member {member}")
            member = found
        channel = self._channels[channel_id]
        if channel["type"] == 1:  # a DM: no guild permissions apply
            return ALL_PERMISSIONS
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = member.permissions | self.everyone_permissions  # @everyone's apply to all
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        thread = channel["type"] in THREAD_TYPES
        source = self._channels[int(channel["parent_id"])] if thread else channel
        overwrites = {int(o["id"]): o for o in source.get("permission_overwrites") or []}

        def apply(perms: int, allow: int, deny: int) -> int:
            return (perms & ~deny) | allow

        everyone = overwrites.get(int(source["guild_id"]))
        if everyone is not None:
            perms = apply(perms, int(everyone["allow"]), int(everyone["deny"]))
        allow = deny = 0
        for role_id in member.roles:
            role = overwrites.get(role_id)
            if role is not None and role["type"] == 0:
                allow |= int(role["allow"])
                deny |= int(role["deny"])
        perms = apply(perms, allow, deny)
        own = overwrites.get(member.id)
        if own is not None and own["type"] == 1:
            perms = apply(perms, int(own["allow"]), int(own["deny"]))
        if not perms & VIEW_CHANNEL:
            return 0
        if not perms & (SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES):
            perms &= ~(SEND_TTS_MESSAGES | MENTION_EVERYONE | ATTACH_FILES | EMBED_LINKS)
        return perms

    def bot_permissions_in(self, channel_id: int | None = None) -> int:
        """The bot's permissions in ``channel_id`` (default: the main channel)."""
        return self.permissions_in(self.bot_member, channel_id or self.channel_id)

    def set_overwrite(
        self, channel_id: int, target: Member | int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set the channel's permission overwrite for a member (a :class:`Member`, or the
        bot's user id) or a role (a role id; the guild id is @everyone), replacing any
        earlier one for it; both 0 removes it. Sends CHANNEL_UPDATE if the bot is connected,
        as Discord does."""
        channel = self._channels[channel_id]
        if isinstance(target, Member):
            target_id, kind = target.id, 1
        elif target in self._roles or target in self._guild_names:  # a role, or @everyone
            target_id, kind = target, 0
        elif self._member_by_id(target) is not None:
            target_id, kind = target, 1
        else:
            raise LookupError(f"no role or member {target}")
        kept = [o for o in channel["permission_overwrites"] if int(o["id"]) != target_id]
        if allow or deny:
            kept.append(
                {"id": str(target_id), "type": kind, "allow": str(allow), "deny": str(deny)}
            )
        channel["permission_overwrites"] = kept
        if self._ready_sessions:
            self._spawn(self._dispatch("CHANNEL_UPDATE", self._channel_payload(channel_id)))

    def withhold_from_bot(self, permissions: int, channel_id: int | None = None) -> None:
        """Deny the bot ``permissions`` in a channel (a member overwrite, the way a server
        admin does it in the channel's settings)."""
        self.set_overwrite(channel_id or self.channel_id, self.bot_user_id, deny=permissions)

    def set_role_permissions(self, role_id: int, permissions: int) -> None:
        """Change a role's guild-wide permissions (the guild id is @everyone; the bot's
        managed role is ``bot_role_id``); the bot's and the role's members' permissions
        follow (members added with explicit ``permissions`` keep them), and GUILD_ROLE_UPDATE
        is sent if the bot is connected."""
        role = self._roles[role_id]
        role["permissions"] = str(permissions)
        if role_id == self.guild_id:
            self.everyone_permissions = permissions
        for member in (self.bot_member, *self.members.values()):
            if member is self.bot_member or role_id in member.roles:
                member.permissions = self._compute_permissions(member.roles)
        if self._ready_sessions:
            data = {"guild_id": str(self.guild_id), "role": dict(role)}
            self._spawn(self._dispatch("GUILD_ROLE_UPDATE", data))

    def _require_dm_open(self, channel_id: int) -> None:
        """A DM to a user who does not take DMs from the bot: 403, code 50007 "Cannot send
        messages to this user" (Discord's JSON error codes)."""
        channel = self._channels[channel_id]
        if channel["type"] != 1:
            return
        recipient = self._member_by_id(int(channel["recipients"][0]["id"]))
        if recipient is not None and not recipient.accepts_dms:
            raise DiscordHTTPError(403, 50007, "Cannot send messages to this user")

    def _require_bot(self, channel_id: int, needed: int) -> None:
        """Refuse a bot request in a channel the way Discord does: 403 Missing Access (50001)
        without View Channel, 403 Missing Permissions (50013) without the rest of
        ``needed``. Send Messages stands for Send Messages in Threads in a thread."""
        channel = self._channels[channel_id]
        if channel["type"] == 1:
            return
        if channel["type"] in THREAD_TYPES and needed & SEND_MESSAGES:
            needed = (needed & ~SEND_MESSAGES) | SEND_MESSAGES_IN_THREADS
        have = self.bot_permissions_in(channel_id)
        if not have & VIEW_CHANNEL:
            self.refused.append({"channel": channel_id, "code": 50001, "missing": VIEW_CHANNEL})
            raise DiscordHTTPError(403, 50001, "Missing Access")
        missing = needed & ~have
        if missing:
            self.refused.append({"channel": channel_id, "code": 50013, "missing": missing})
            raise DiscordHTTPError(403, 50013, "Missing Permissions")

    def add_member(
        self,
        name: str,
        permissions: int | None = None,
        roles: Sequence[int | str] = (),
        locale: str = "en-US",
    ) -> Member:
        """Add a guild member (``locale``: their client's language, as Discord sends it on
        their interactions); sends GUILD_MEMBER_ADD if the bot is connected."""
        role_ids = [r if isinstance(r, int) else self.role_id(r) for r in roles]
        for rid in role_ids:
            if rid not in self._roles:
                raise KeyError(f"unknown role id {rid}")
        perms = self._compute_permissions(role_ids) if permissions is None else permissions
        if perms & ADMINISTRATOR:
            perms = ALL_PERMISSIONS
        member = Member(id=snowflake(), name=name, permissions=perms, roles=role_ids, locale=locale)
        self.members[member.id] = member
        if self._ready_sessions:
            for guild_id in self._guild_names:  # a member of every guild (see add_guild)
                data = {**member.member_payload(), "guild_id": str(guild_id)}
                self._spawn(self._dispatch("GUILD_MEMBER_ADD", data, intent=INTENT_GUILD_MEMBERS))
        return member

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    def _member_by_id(self, user_id: int) -> Member | None:
        if user_id == self.bot_user_id:
            return self.bot_member
        return self.members.get(user_id)

    def _guild_payload(self, intents: int, guild_id: int | None = None) -> JSON:
        guild = self.guild_id if guild_id is None else guild_id
        members = [self.bot_member]
        if intents & INTENT_GUILD_MEMBERS:
            members += list(self.members.values())
        channels = []
        for ch in self._channels.values():
            if ch["type"] == 0 and ch.get("guild_id") == str(guild):
                channels.append({k: v for k, v in ch.items() if k != "guild_id"})
        threads = [t for t in self._active_threads() if self.guild_of(int(t["parent_id"])) == guild]
        return {
            "id": str(guild),
            "name": self._guild_names[guild],
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.guild_locale,
            "system_channel_id": str(self._system_channel(guild)),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "features": [],
            "roles": self._guild_roles(guild),
            "emojis": [],
            "stickers": [],
            "soundboard_sounds": [],
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members) + 1,
            "members": [m.member_payload() for m in members],
            "channels": channels,
            "threads": threads,
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "embedded_activities": [],
            "application_command_counts": {},
            "lazy": True,
        }

    def _channel_payload(self, channel_id: int) -> JSON:
        return dict(self._channels[channel_id])

    def add_channel(self, name: str) -> int:
        """Add a text channel to the guild; sends CHANNEL_CREATE if the bot is connected."""
        channel_id = snowflake()
        self._channels[channel_id] = {
            **self._channels[self.channel_id],
            "id": str(channel_id),
            "name": name,
            "position": len(self._channels),
            "last_message_id": None,
        }
        if self._ready_sessions:
            self._spawn(self._dispatch("CHANNEL_CREATE", dict(self._channels[channel_id])))
        return channel_id

    def dm_channel_id(self, member: Member) -> int:
        """The DM channel between ``member`` and the bot (created on first use)."""
        if member.id not in self._dm_by_user:
            cid = snowflake()
            self._channels[cid] = {
                "id": str(cid),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [member.user_payload()],
            }
            self._dm_by_user[member.id] = cid
        return self._dm_by_user[member.id]

    # ------------------------------------------------------------------ app plumbing

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        r = app.router
        p = API_PREFIX
        r.add_get("/", self._ws_handler)
        r.add_get("/attachments/{channel}/{att}/{filename}", self._h_attachment)
        r.add_get(p + "/users/@me", self._h_me)
        r.add_get(p + "/users/{user_id:\\d+}", self._h_user)
        r.add_post(p + "/users/@me/channels", self._h_create_dm)
        r.add_post(p + "/attachments/refresh-urls", self._h_refresh_urls)
        r.add_get(p + "/oauth2/applications/@me", self._h_app_info)
        r.add_get(p + "/applications/@me", self._h_app_info)
        r.add_get(p + "/gateway", self._h_gateway)
        r.add_get(p + "/gateway/bot", self._h_gateway_bot)
        # application commands
        cmds = p + "/applications/{app}/commands"
        gcmds = p + "/applications/{app}/guilds/{guild}/commands"
        for base in (cmds, gcmds):
            r.add_put(base, self._h_commands_put)
            r.add_get(base, self._h_commands_get)
            r.add_post(base, self._h_command_post)
            r.add_get(base + "/{cmd}", self._h_command_get)
            r.add_patch(base + "/{cmd}", self._h_command_patch)
            r.add_delete(base + "/{cmd}", self._h_command_delete)
        # interactions / webhooks
        r.add_post(p + "/interactions/{ix_id}/{token}/callback", self._h_callback)
        wh = p + "/webhooks/{app}/{token}"
        r.add_post(wh, self._h_followup)
        r.add_get(wh + "/messages/{msg}", self._h_webhook_get)
        r.add_patch(wh + "/messages/{msg}", self._h_webhook_patch)
        r.add_delete(wh + "/messages/{msg}", self._h_webhook_delete)
        # channels
        ch = p + "/channels/{channel:\\d+}"
        r.add_get(ch, self._h_channel_get)
        r.add_post(ch + "/typing", self._h_typing)
        r.add_get(ch + "/messages", self._h_history)
        r.add_post(ch + "/messages", self._h_channel_post)
        r.add_get(ch + "/messages/{msg:\\d+}", self._h_channel_msg_get)
        r.add_patch(ch + "/messages/{msg:\\d+}", self._h_channel_msg_patch)
        r.add_delete(ch + "/messages/{msg:\\d+}", self._h_channel_msg_delete)
        react = ch + "/messages/{msg:\\d+}/reactions/{emoji}/@me"
        r.add_put(react, self._h_reaction_put)
        r.add_delete(react, self._h_reaction_delete)
        self._add_thread_routes(r, ch)
        # guild
        g = p + "/guilds/{guild:\\d+}"
        r.add_get(g, self._h_guild_get)
        r.add_get(g + "/channels", self._h_guild_channels)
        r.add_get(g + "/roles", self._h_guild_roles)
        r.add_get(g + "/members/{user:\\d+}", self._h_guild_member)
        r.add_put(g + "/members/{user:\\d+}/roles/{role:\\d+}", self._h_member_role_put)
        r.add_delete(g + "/members/{user:\\d+}/roles/{role:\\d+}", self._h_member_role_delete)
        r.add_route("*", "/{tail:.*}", self._h_unhandled)
        return app

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = request.path
        if path.startswith(API_PREFIX):
            self.requests.append(f"{request.method} {path[len(API_PREFIX) :]}")
            public = path.startswith((API_PREFIX + "/webhooks/", API_PREFIX + "/interactions/"))
            auth = request.headers.get("Authorization", "")
            if not public:
                if not auth.startswith("Bot ") or not auth[4:].strip():
                    return _json({"message": "401: Unauthorized", "code": 0}, status=401)
                self.bot_token = auth[4:].strip()
        try:
            response: web.StreamResponse = await handler(request)
        except DiscordHTTPError as exc:
            if exc.status == 400:
                self.rejected.append(
                    {"route": f"{request.method} {path}", "code": exc.code, "errors": exc.errors}
                )
                log.warning("emulator rejected %s %s: %s", request.method, path, exc.errors)
            return exc.response()
        return response

    async def _h_unhandled(self, request: web.Request) -> web.Response:
        path = request.path
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        entry = f"{request.method} {path}"
        self.unhandled.append(entry)
        log.warning("discord emulator: unhandled route %s", entry)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    @staticmethod
    def _no_content() -> web.Response:
        return web.Response(status=204)

    # ------------------------------------------------------------------ gateway

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self._h_unhandled(request)
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True, autoping=True)
        await ws.prepare(request)
        session: _Session | None = None
        await ws.send_str(
            json.dumps(
                {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None}
            )
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                data = payload.get("d")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    session = await self._identify(ws, data)
                elif op == 6:
                    session = await self._resume(ws, data)
                elif op == 8 and session is not None:
                    await self._request_members(session, data)
                else:
                    log.debug("gateway op %s ignored", op)
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                self._ready_sessions.discard(session.session_id)
                async with self._cond:
                    self._cond.notify_all()
        return ws

    @property
    def application_flags(self) -> int:
        """The application's flags: the command badge and, per allowed privileged intent,
        its ``GATEWAY_*_LIMITED`` flag (an unverified app's switch in the portal)."""
        flags = 1 << 23
        for intent, flag in PRIVILEGED_INTENTS.items():
            if self.allowed_intents & intent:
                flags |= flag
        return flags

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> _Session | None:
        self.bot_token = str(data.get("token", ""))
        self.gateway_log.append("IDENTIFY")
        asked = int(data.get("intents", 0))
        disallowed = sum(
            i for i in PRIVILEGED_INTENTS if asked & i and not self.allowed_intents & i
        )
        if disallowed:  # Discord: close code 4014 "Disallowed intent(s)"
            self.gateway_log.append("DISALLOWED")
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = data.get("shard") or [0, 1]
        if not (  # Discord: close code 4010 "Invalid shard"
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
            and 0 <= shard[0] < shard[1]
        ):
            self.gateway_log.append("INVALID-SHARD")
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        # a fresh IDENTIFY drops sessions that are not connected any more
        for sid in [s for s, sess in self._sessions.items() if sess.ws is None]:
            del self._sessions[sid]
        session = _Session(
            session_id=secrets.token_hex(16),
            intents=int(data.get("intents", 0)),
            identify=data,
            shard=(shard[0], shard[1]),
        )
        session.ws = ws
        self._sessions[session.session_id] = session
        ready = {
            "v": 10,
            "user": {
                **self.bot_member.user_payload(),
                "bot": True,
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [
                {"id": str(guild_id), "unavailable": True}
                for guild_id in self._guild_names
                if self._holds(session, guild_id)
            ],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["us-east"],
            "auth": {},
            "_trace": ['["discord-emulator",{"micros":0}]'],
        }
        ready["shard"] = shard
        await self._send_event(session, "READY", ready)
        for guild_id in list(self._guild_names):
            if self._holds(session, guild_id):
                payload = self._guild_payload(session.intents, guild_id)
                await self._send_event(session, "GUILD_CREATE", payload)
        self._ready_sessions.add(session.session_id)
        async with self._cond:
            self._cond.notify_all()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> _Session | None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None:
            self.gateway_log.append("RESUME-FAILED")
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return None
        self.gateway_log.append("RESUME")
        session.ws = ws
        last = int(data.get("seq") or 0)
        async with session.lock:
            for seq, raw in session.events:
                if seq > last:
                    await ws.send_str(raw)
        await self._send_event(session, "RESUMED", {"_trace": ["discord-emulator"]})
        self._ready_sessions.add(session.session_id)
        async with self._cond:
            self._cond.notify_all()
        return session

    async def _request_members(self, session: _Session, data: JSON) -> None:
        members = [self.bot_member, *self.members.values()]
        wanted = data.get("user_ids")
        if wanted:
            ids = {int(u) for u in (wanted if isinstance(wanted, list) else [wanted])}
            members = [m for m in members if m.id in ids]
        query = data.get("query")
        if query:
            members = [m for m in members if m.name.startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(data.get("guild_id") or self.guild_id),
            "members": [m.member_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._send_event(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_event(self, session: _Session, event: str, data: JSON) -> None:
        async with session.lock:
            session.seq += 1
            raw = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
            session.events.append((session.seq, raw))
            ws = session.ws
            if ws is not None and not ws.closed:
                try:
                    await ws.send_str(raw)
                except ConnectionResetError:
                    log.debug("gateway send failed; event kept for RESUME")

    @staticmethod
    def _holds(session: _Session, guild_id: int | None) -> bool:
        """Whether ``session``'s shard gets the events of ``guild_id`` (Discord's Gateway
        docs, "Sharding": ``shard_id = (guild_id >> 22) % num_shards``; DMs, with no
        guild, go to shard 0 only)."""
        shard_id, num_shards = session.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, num_shards))

    async def _dispatch(
        self,
        event: str,
        data: JSON,
        *,
        intent: int | None = None,
        transform: Callable[[_Session, JSON], JSON | None] | None = None,
    ) -> int:
        """Send a dispatch to every live session whose shard holds the event's guild;
        returns how many received it."""
        sent = 0
        guild = data.get("guild_id")
        for session in list(self._sessions.values()):
            if intent is not None and not session.intents & intent:
                continue
            if not self._holds(session, None if guild is None else int(guild)):
                continue
            payload = transform(session, data) if transform else data
            if payload is None:
                continue
            await self._send_event(session, event, payload)
            if session.ws is not None:
                sent += 1
        return sent

    async def force_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client drops the socket and RESUMEs."""
        for session in self._sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))

    @property
    def connected(self) -> bool:
        return bool(self._ready_sessions)

    async def wait_ready(
        self,
        timeout: float = 30.0,  # noqa: ASYNC109
        *,
        commands: bool = True,
        bot_task: asyncio.Future[Any] | None = None,
    ) -> None:
        """Bot identified and got READY + GUILD_CREATE; with ``commands`` also that it
        registered its application commands (any PUT/POST of commands). Pass the
        ``bot.start()`` task as ``bot_task`` to fail fast if the bot crashes."""

        def ok() -> bool:
            return bool(self._ready_sessions) and (not commands or self.command_puts > 0)

        async def waiter() -> None:
            async with self._cond:
                await self._cond.wait_for(ok)

        wait_task = asyncio.ensure_future(waiter())
        pending: set[asyncio.Future[Any]] = {wait_task}
        if bot_task is not None:
            pending.add(bot_task)
        done, _ = await asyncio.wait(pending, timeout=timeout, return_when="FIRST_COMPLETED")
        if wait_task in done:
            return
        wait_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await wait_task
        if bot_task is not None and bot_task in done:
            exc = None if bot_task.cancelled() else bot_task.exception()
            raise AssertionError(f"bot task ended before it was ready: {exc!r}") from exc
        raise AssertionError(
            f"bot not ready after {timeout}s (connected={self.connected}, "
            f"command syncs={self.command_puts}, requests={self.requests[-10:]})"
        )

    async def wait_shards(self, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until ``count`` gateway sessions (shards) are connected and have READY."""

        async def waiter() -> None:
            async with self._cond:
                await self._cond.wait_for(lambda: len(self._ready_sessions) >= count)

        await asyncio.wait_for(waiter(), timeout)

    def shard_sessions(self) -> dict[int, int]:
        """Connected sessions per shard id."""
        found: dict[int, int] = {}
        for sid in self._ready_sessions:
            shard_id = self._sessions[sid].shard[0]
            found[shard_id] = found.get(shard_id, 0) + 1
        return found

    async def wait_for_connection(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        await self.wait_ready(timeout, commands=False)

    async def wait_identified(self, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has identified ``count`` times (a restarted process identifies
        afresh) and is connected."""

        def ok() -> bool:
            return self.gateway_log.count("IDENTIFY") >= count and bool(self._ready_sessions)

        async def waiter() -> None:
            async with self._cond:
                await self._cond.wait_for(ok)

        await asyncio.wait_for(waiter(), timeout)

    async def wait_disconnected(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until no bot session is connected (e.g. after killing the process)."""

        async def waiter() -> None:
            async with self._cond:
                await self._cond.wait_for(lambda: not self._ready_sessions)

        await asyncio.wait_for(waiter(), timeout)

    # ------------------------------------------------------------------ REST: basics

    # ------------------------------------------------------------------ CDN signatures

    def now(self) -> float:
        """The emulator's clock (real time plus ``clock_offset_s``, which tests move)."""
        return time.time() + self.clock_offset_s

    def _cdn_sign(self, bare_url: str) -> str:
        """A CDN URL signed like Discord's: ``ex`` (expiry) / ``is`` (issued) in hex seconds
        and an ``hm`` HMAC; it stops working after ``cdn_ttl_s``."""
        issued = int(self.now())
        expires = issued + int(self.cdn_ttl_s)
        path = bare_url.removeprefix(self.base_url)
        mac = hmac.new(self._cdn_key, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()
        return f"{bare_url}?ex={expires:08x}&is={issued:08x}&hm={mac}&"

    def _cdn_signature_ok(self, path: str, query: Mapping[str, str]) -> bool:
        try:
            expires = int(query["ex"], 16)
        except (KeyError, ValueError):
            return False
        mac = hmac.new(self._cdn_key, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, query.get("hm", "")) and expires > self.now()

    async def _h_refresh_urls(self, request: web.Request) -> web.Response:
        body = await request.json()
        urls = body.get("attachment_urls")
        if not isinstance(urls, list) or not 1 <= len(urls) <= 50:
            raise DiscordHTTPError(400, 50035, "attachment_urls: 1 to 50 URLs")
        self.refreshed_urls.extend(urls)
        refreshed = [
            {"original": url, "refreshed": self._cdn_sign(str(url).split("?", 1)[0])}
            for url in urls
        ]
        return _json({"refreshed_urls": refreshed})

    async def _h_me(self, request: web.Request) -> web.Response:
        return _json(
            {
                **self.bot_member.user_payload(),
                "bot": True,
                "verified": True,
                "mfa_enabled": False,
                "locale": "en-US",
                "email": None,
                "bio": "",
            }
        )

    async def _h_user(self, request: web.Request) -> web.Response:
        member = self._member_by_id(int(request.match_info["user_id"]))
        if member is None:
            raise DiscordHTTPError(404, 10013, "Unknown User")
        return _json(member.user_payload())

    async def _h_app_info(self, request: web.Request) -> web.Response:
        owner = Member(id=self.owner_id, name="owner", permissions=0)
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot_member.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner.user_payload(),
                "team": None,
                "flags": self.application_flags,
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "tags": [],
                "approximate_guild_count": 1,
                "bot": {**self.bot_member.user_payload(), "bot": True},
                "integration_types_config": {"0": {}},
            }
        )

    async def _h_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url.rstrip("/")})

    async def _h_gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": self.gateway_url.rstrip("/"),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _h_attachment(self, request: web.Request) -> web.StreamResponse:
        att_id = int(request.match_info["att"])
        path = self._files.get(att_id)
        if path is None or path.name != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        if not self._cdn_signature_ok(request.path, request.query):
            return web.Response(status=404, text="This content is no longer available.")
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.attachment_reads.append(att_id)
        data = self._unwritten.get(att_id)
        if data is None:
            if not path.exists():
                return web.Response(status=404, text="Not Found")
            data = path.read_bytes()
        return web.Response(body=data, content_type=ctype)

    async def _h_guild_get(self, request: web.Request) -> web.Response:
        data = self._guild_payload(0, self._check_guild(request))
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)
        return _json(data)

    async def _h_guild_channels(self, request: web.Request) -> web.Response:
        guild = str(self._check_guild(request))
        return _json(
            [
                c
                for c in self._channels.values()
                if c.get("guild_id") == guild and c["type"] not in THREAD_TYPES
            ]
        )

    async def _h_guild_roles(self, request: web.Request) -> web.Response:
        return _json(self._guild_roles(self._check_guild(request)))

    async def _h_guild_member(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        member = self._member_by_id(int(request.match_info["user"]))
        if member is None:
            raise DiscordHTTPError(404, 10007, "Unknown Member")
        return _json(member.member_payload())

    async def _member_role_change(self, request: web.Request, add: bool) -> web.Response:
        guild = self._check_guild(request)
        member = self.members.get(int(request.match_info["user"]))
        role_id = int(request.match_info["role"])
        if member is None:
            raise DiscordHTTPError(404, 10007, "Unknown Member")
        if role_id not in self._roles:
            raise DiscordHTTPError(404, 10011, "Unknown Role")
        if add and role_id not in member.roles:
            member.roles.append(role_id)
        elif not add and role_id in member.roles:
            member.roles.remove(role_id)
        member.permissions = self._compute_permissions(member.roles)
        data = {**member.member_payload(), "guild_id": str(guild)}
        await self._dispatch("GUILD_MEMBER_UPDATE", data, intent=INTENT_GUILD_MEMBERS)
        return self._no_content()

    async def _h_member_role_put(self, request: web.Request) -> web.Response:
        return await self._member_role_change(request, True)

    async def _h_member_role_delete(self, request: web.Request) -> web.Response:
        return await self._member_role_change(request, False)

    def _check_guild(self, request: web.Request) -> int:
        guild = int(request.match_info["guild"])
        if guild not in self._guild_names:
            raise DiscordHTTPError(404, 10004, "Unknown Guild")
        return guild

    async def _h_create_dm(self, request: web.Request) -> web.Response:
        body, _ = await self._read_body(request)
        member = self.members.get(int(body["recipient_id"]))
        if member is None:
            raise DiscordHTTPError(400, 50007, "Cannot send messages to this user")
        return _json(self._channel_payload(self.dm_channel_id(member)))

    # ------------------------------------------------------------------ REST: commands

    def _check_app(self, request: web.Request) -> int | None:
        if int(request.match_info["app"]) != self.application_id:
            raise DiscordHTTPError(404, 10002, "Unknown Application")
        guild = request.match_info.get("guild")
        if guild is None:
            return None
        if int(guild) not in self._guild_names:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        return int(guild)

    def _normalise_command(self, body: JSON, scope: int | None, old: JSON | None) -> JSON:
        if not body.get("name"):
            raise _form_error("name", "BASE_TYPE_REQUIRED", "This field is required")
        cmd: JSON = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **body,
        }
        cmd["id"] = old["id"] if old else str(snowflake())
        cmd["application_id"] = str(self.application_id)
        cmd["version"] = str(snowflake())
        if scope is not None:
            cmd["guild_id"] = str(scope)
        else:
            cmd.setdefault("contexts", [0, 1, 2])
            cmd.setdefault("integration_types", [0])
        if cmd["type"] == 1 and not re.fullmatch(r"[-_\w]{1,32}", cmd["name"]):
            raise _form_error("name", "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if cmd["type"] == 1:
            _check_texts(cmd, "")
        return cmd

    async def _commands_changed(self) -> None:
        self.command_puts += 1
        async with self._cond:
            self._cond.notify_all()

    async def _h_commands_put(self, request: web.Request) -> web.Response:
        scope = self._check_app(request)
        body, _ = await self._read_body(request)
        old = self._commands.get(scope, {})
        new: dict[str, JSON] = {}
        for item in body:
            key = f"{item.get('type', 1)}:{item.get('name')}"
            new[key] = self._normalise_command(item, scope, old.get(key))
        self._commands[scope] = new
        await self._commands_changed()
        return _json(list(new.values()))

    async def _h_commands_get(self, request: web.Request) -> web.Response:
        scope = self._check_app(request)
        return _json(list(self._commands.get(scope, {}).values()))

    async def _h_command_post(self, request: web.Request) -> web.Response:
        scope = self._check_app(request)
        body, _ = await self._read_body(request)
        key = f"{body.get('type', 1)}:{body.get('name')}"
        store = self._commands.setdefault(scope, {})
        existed = key in store
        store[key] = self._normalise_command(body, scope, store.get(key))
        await self._commands_changed()
        return _json(store[key], status=200 if existed else 201)

    def _find_command_by_id(self, request: web.Request) -> tuple[int | None, str, JSON]:
        scope = self._check_app(request)
        for key, cmd in self._commands.get(scope, {}).items():
            if cmd["id"] == request.match_info["cmd"]:
                return scope, key, cmd
        raise DiscordHTTPError(404, 10063, "Unknown application command")

    async def _h_command_get(self, request: web.Request) -> web.Response:
        return _json(self._find_command_by_id(request)[2])

    async def _h_command_patch(self, request: web.Request) -> web.Response:
        scope, key, cmd = self._find_command_by_id(request)
        body = await request.json()
        updated = self._normalise_command({**cmd, **body}, scope, cmd)
        del self._commands[scope][key]
        self._commands[scope][f"{updated['type']}:{updated['name']}"] = updated
        await self._commands_changed()
        return _json(updated)

    async def _h_command_delete(self, request: web.Request) -> web.Response:
        scope, key, _ = self._find_command_by_id(request)
        del self._commands[scope][key]
        await self._commands_changed()
        return self._no_content()

    @property
    def commands(self) -> list[JSON]:
        """Every application command the bot registered (global, then guild)."""
        out: list[JSON] = []
        for scope in sorted(self._commands, key=lambda s: (s is not None, s or 0)):
            out.extend(self._commands[scope].values())
        return out

    def command(self, name: str, type: int = 1) -> JSON:
        """The registered command ``name`` (guild commands win over global ones)."""
        key = f"{type}:{name}"
        for scope in (self.guild_id, None):
            cmd = self._commands.get(scope, {}).get(key)
            if cmd is not None:
                return cmd
        raise LookupError(
            f"command {name!r} is not registered; registered: {[c['name'] for c in self.commands]}"
        )

    # ------------------------------------------------------------------ bodies and files

    async def _read_body(self, request: web.Request) -> tuple[JSON, dict[int, tuple[str, bytes]]]:
        files: dict[int, tuple[str, bytes]] = {}
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            body: JSON = {}
            reader = await request.multipart()
            index = 0
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                name = part.name or ""
                raw = bytes(await part.read(decode=False))
                if name == "payload_json":
                    body = json.loads(raw.decode())
                elif part.filename is not None:
                    m = re.fullmatch(r"files\[(\d+)\]", name)
                    files[int(m.group(1)) if m else index] = (part.filename, raw)
                    index += 1
        else:
            text = await request.text()
            body = json.loads(text) if text.strip() else {}
        self._check_spec(request, body)
        return body, files

    @staticmethod
    def _check_spec(request: web.Request, body: Any) -> None:
        """Refuse a body that Discord's published schema for this route refuses."""
        errors = discord_spec().errors(request.method, request.path.removeprefix(API_PREFIX), body)
        if errors:
            raise DiscordHTTPError(400, 50035, "Invalid Form Body", errors)

    def _store_file(
        self, channel_id: int, filename: str, data: bytes, *, ephemeral: bool = False
    ) -> JSON:
        if len(data) > ATTACHMENT_SIZE_LIMIT:
            raise DiscordHTTPError(413, 40005, "Request entity too large")
        att_id = snowflake()
        safe = Path(filename).name.replace(" ", "_") or "file"
        path = self.files_dir / str(channel_id) / str(att_id) / safe
        self._files[att_id] = path
        self._unwritten[att_id] = data
        url = self._cdn_sign(f"{self.base_url}/attachments/{channel_id}/{att_id}/{safe}")
        att: JSON = {
            "id": str(att_id),
            "filename": safe,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": mimetypes.guess_type(safe)[0] or "application/octet-stream",
        }
        dims = _image_size(safe, data)
        if dims is not None:
            att["width"], att["height"] = dims
        if ephemeral:
            att["ephemeral"] = True
        return att

    def attachment_path(self, attachment: Mapping[str, Any]) -> Path:
        """Local file behind an attachment dict (bot uploads and member uploads)."""
        att_id = int(attachment["id"])
        path = self._files[att_id]
        data = self._unwritten.pop(att_id, None)
        if data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return path

    def _build_attachments(
        self,
        channel_id: int,
        spec: list[JSON] | None,
        files: dict[int, tuple[str, bytes]],
        existing: list[JSON],
        *,
        ephemeral: bool,
    ) -> list[JSON]:
        existing_by_id = {str(a["id"]): a for a in existing}
        result: list[JSON] = []
        used: set[int] = set()
        if spec is None:
            result = list(existing)
        else:
            for i, item in enumerate(spec):
                ident = str(item.get("id"))
                if ident in existing_by_id:
                    att = dict(existing_by_id[ident])
                    if "description" in item:
                        att["description"] = item["description"]
                    result.append(att)
                elif ident.isdigit() and int(ident) in files:
                    idx = int(ident)
                    fname, data = files[idx]
                    att = self._store_file(
                        channel_id, item.get("filename") or fname, data, ephemeral=ephemeral
                    )
                    if item.get("description"):
                        att["description"] = item["description"]
                    result.append(att)
                    used.add(idx)
                else:
                    raise _form_error(
                        f"attachments.{i}.id", "ATTACHMENT_NOT_FOUND", "Unknown attachment"
                    )
        for idx in sorted(set(files) - used):
            fname, data = files[idx]
            result.append(self._store_file(channel_id, fname, data, ephemeral=ephemeral))
        if len(result) > 10:
            raise _form_error(
                "attachments", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."
            )
        return result

    # ------------------------------------------------------------------ messages

    @staticmethod
    def _validate(body: JSON, *, require_content: bool) -> None:
        """Discord's documented message rules that its published schema does not carry
        (the schema itself is checked on every body, see :mod:`discord_emulator.spec`): bots'
        content ≤ 2,000 characters (the schema's 4,000 is for Nitro members), ≤ 6,000
        characters across all embeds, ≤ 5 action rows without the components-v2 flag,
        unique custom_ids, a custom_id on every non-link button, and not empty."""
        content = body.get("content")
        if content and len(content) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = body.get("embeds") or []
        total = 0
        for emb in embeds:
            total += len(emb.get("title") or "") + len(emb.get("description") or "")
            total += sum(
                len(f.get("name", "")) + len(f.get("value", "")) for f in emb.get("fields") or []
            )
            total += len((emb.get("footer") or {}).get("text") or "")
            total += len((emb.get("author") or {}).get("name") or "")
        if total > 6000:
            raise _form_error(
                "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        components = body.get("components") or []
        top_limit = 40 if (body.get("flags") or 0) & (1 << 15) else 5
        if len(components) > top_limit:
            raise _form_error(
                "components", "BASE_TYPE_MAX_LENGTH", f"Must be {top_limit} or fewer in length."
            )
        seen: set[str] = set()
        for comp in walk_components(components):
            cid = comp.get("custom_id")
            if cid is not None:
                if cid in seen:
                    raise _form_error(
                        "components", "COMPONENT_CUSTOM_ID_DUPLICATED", f"Duplicate custom_id {cid}"
                    )
                seen.add(cid)
            if comp.get("type") == 2 and comp.get("style") not in (5, 6) and not cid:
                raise _form_error("components", "BASE_TYPE_REQUIRED", "Button needs custom_id")
        if require_content and not (
            content
            or embeds
            or components
            or body.get("attachments")
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise DiscordHTTPError(400, 50006, "Cannot send an empty message")

    def _normalise_embeds(self, embeds: list[JSON], attachments: list[JSON]) -> list[JSON]:
        by_name = {a["filename"]: a for a in attachments}
        out: list[JSON] = []
        for emb in embeds:
            e = {"type": "rich", **emb}
            for key in ("image", "thumbnail"):
                sub = e.get(key)
                if isinstance(sub, dict) and str(sub.get("url", "")).startswith("attachment://"):
                    att = by_name.get(sub["url"][len("attachment://") :])
                    if att is not None:
                        e[key] = {
                            **sub,
                            "url": att["url"],
                            "proxy_url": att["proxy_url"],
                            **(
                                {"width": att["width"], "height": att["height"]}
                                if "width" in att
                                else {}
                            ),
                        }
            out.append(e)
        return out

    def _mentions(self, content: str) -> list[JSON]:
        out: list[JSON] = []
        for uid in dict.fromkeys(int(x) for x in re.findall(r"<@!?(\d+)>", content or "")):
            member = self._member_by_id(uid)
            if member is not None:
                out.append(
                    {**member.user_payload(), "member": member.member_payload(with_user=False)}
                )
        return out

    def _new_message(
        self,
        channel_id: int,
        author: Member,
        body: JSON,
        attachments: list[JSON],
        *,
        interaction: EmuInteraction | None = None,
        flags: int = 0,
    ) -> JSON:
        is_guild = self._channels.get(channel_id, {}).get("type") != 1
        content = body.get("content") or ""
        msg: JSON = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": author.user_payload(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": self._mentions(content),
            "mention_roles": [],
            "mention_channels": [],
            "attachments": attachments,
            "embeds": self._normalise_embeds(body.get("embeds") or [], attachments),
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": flags,
            "components": body.get("components") or [],
        }
        if is_guild:
            msg["guild_id"] = str(self.guild_of(channel_id) or self.guild_id)
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if body.get("poll"):
            msg["poll"] = body["poll"]
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = self._messages.get(int(ref["message_id"]))
            if target is None or target.get("deleted"):
                if ref.get("fail_if_not_exists", True):
                    raise _form_error(
                        "message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message"
                    )
            else:
                msg["type"] = 19
                msg["message_reference"] = {
                    "type": 0,
                    "message_id": str(target["id"]),
                    "channel_id": str(target["channel_id"]),
                    **({"guild_id": msg["guild_id"]} if is_guild else {}),
                }
                msg["referenced_message"] = self._wire(target)
        if author.bot:
            msg["author"]["bot"] = True
        if interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            msg["interaction_metadata"] = self._interaction_metadata(interaction)
            if interaction.type == 2:
                msg["type"] = 20
                msg["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": self._command_display_name(interaction),
                    "user": interaction.member.user_payload(),
                }
            if flags & MESSAGE_FLAG_EPHEMERAL:
                msg["ephemeral"] = True
                msg["ephemeral_for"] = interaction.member.id
        return msg

    @staticmethod
    def _command_display_name(ix: EmuInteraction) -> str:
        parts = [ix.data.get("name", "")]
        opts = ix.data.get("options") or []
        while opts and opts[0].get("type") in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
            parts.append(opts[0]["name"])
            opts = opts[0].get("options") or []
        return " ".join(p for p in parts if p)

    def _interaction_metadata(self, ix: EmuInteraction) -> JSON:
        meta: JSON = {
            "id": str(ix.id),
            "type": ix.type,
            "user": ix.member.user_payload(),
            "authorizing_integration_owners": {"0": str(ix.payload["guild_id"])},
        }
        if ix.type == 2:
            meta["name"] = self._command_display_name(ix)
            meta["command_type"] = 1
        if ix.original_message_id is not None:
            meta["original_response_message_id"] = str(ix.original_message_id)
        if ix.type == 3 and ix.message is not None:
            meta["interacted_message_id"] = str(ix.message["id"])
        if ix.type == 5 and ix.parent is not None:
            meta["triggering_interaction_metadata"] = self._interaction_metadata(ix.parent)
        return meta

    def _wire(self, msg: JSON) -> JSON:
        return {k: v for k, v in msg.items() if k not in _WIRE_HIDDEN_KEYS}

    def _gateway_message(self, msg: JSON) -> JSON:
        data = self._wire(msg)
        if "guild_id" in msg:
            member = self._member_by_id(int(msg["author"]["id"]))
            if member is not None and "webhook_id" not in msg:
                data["member"] = member.member_payload(with_user=False)
        return data

    def _content_filter(self, session: _Session, data: JSON) -> JSON | None:
        is_dm = "guild_id" not in data
        needed = INTENT_DIRECT_MESSAGES if is_dm else INTENT_GUILD_MESSAGES
        if not session.intents & needed:
            return None
        if not is_dm and not self.bot_permissions_in(int(data["channel_id"])) & VIEW_CHANNEL:
            return None  # Discord sends no events of a channel the bot cannot see
        if session.intents & INTENT_MESSAGE_CONTENT or is_dm:
            return data
        if int(data["author"]["id"]) == self.bot_user_id:
            return data
        if any(int(m["id"]) == self.bot_user_id for m in data.get("mentions", [])):
            return data
        stripped = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        stripped.pop("poll", None)
        return stripped

    async def _store_and_announce(self, msg: JSON, *, created: bool) -> None:
        self._messages[int(msg["id"])] = msg
        self._changed.append(int(msg["id"]))
        channel = self._channels.get(int(msg["channel_id"]))
        if created and channel is not None:
            channel["last_message_id"] = msg["id"]
        if not msg.get("ephemeral"):
            event = "MESSAGE_CREATE" if created else "MESSAGE_UPDATE"
            await self._dispatch(event, self._gateway_message(msg), transform=self._content_filter)
        async with self._cond:
            self._cond.notify_all()

    def _apply_edit(self, msg: JSON, body: JSON, files: dict[int, tuple[str, bytes]]) -> JSON:
        self._validate(body, require_content=False)
        new = dict(msg)
        channel_id = int(msg["channel_id"])
        if "attachments" in body or files:
            new["attachments"] = self._build_attachments(
                channel_id,
                body.get("attachments"),
                files,
                msg.get("attachments", []),
                ephemeral=bool(msg.get("ephemeral")),
            )
        if "content" in body:
            new["content"] = body["content"] or ""
            new["mentions"] = self._mentions(new["content"])
        if "embeds" in body:
            new["embeds"] = self._normalise_embeds(body["embeds"] or [], new["attachments"])
        if "components" in body:
            new["components"] = body["components"] or []
        if "poll" in body:
            new["poll"] = body["poll"]
        if body.get("flags") is not None:
            keep = msg.get("flags", 0) & (MESSAGE_FLAG_EPHEMERAL | (1 << 15))
            new["flags"] = keep | (
                int(body["flags"]) & ~(MESSAGE_FLAG_EPHEMERAL | MESSAGE_FLAG_LOADING)
            )
        new["flags"] = new.get("flags", 0) & ~MESSAGE_FLAG_LOADING
        if not (new["content"] or new["embeds"] or new["components"] or new["attachments"]):
            if not msg.get("flags", 0) & MESSAGE_FLAG_LOADING or body:
                raise DiscordHTTPError(400, 50006, "Cannot send an empty message")
        new["edited_timestamp"] = iso_now()
        return new

    def _get_message(self, channel_id: int | None, message_id: int) -> JSON:
        """``channel_id`` given = a channel route: ephemeral messages do not exist there."""
        msg = self._messages.get(message_id)
        if msg is not None and channel_id is not None and msg.get("ephemeral"):
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        if (
            msg is None
            or msg.get("deleted")
            or (channel_id is not None and int(msg["channel_id"]) != channel_id)
        ):
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return msg

    async def _delete(self, msg: JSON) -> None:
        msg["deleted"] = True
        self._changed.append(int(msg["id"]))
        if not msg.get("ephemeral"):
            data: JSON = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
            await self._dispatch(
                "MESSAGE_DELETE",
                data,
                intent=INTENT_GUILD_MESSAGES if "guild_id" in msg else INTENT_DIRECT_MESSAGES,
            )
        async with self._cond:
            self._cond.notify_all()

    @property
    def messages(self) -> list[JSON]:
        """Current state of every (non-deleted) message, oldest first."""
        return [m for m in self._messages.values() if not m.get("deleted")]

    @property
    def deleted_messages(self) -> list[JSON]:
        return [m for m in self._messages.values() if m.get("deleted")]

    def message(self, message_id: int | str) -> JSON:
        """Current state of a message (deleted ones carry ``"deleted": True``)."""
        return self._messages[int(message_id)]

    def interaction(self, interaction_id: int) -> EmuInteraction:
        """An interaction the emulator sent, with what the bot has answered so far."""
        return self._interactions[interaction_id]

    @property
    def change_count(self) -> int:
        """How many times a message was stored, edited or deleted: a cursor for
        :meth:`wait_changes`."""
        return len(self._changed)

    async def wait_changes(self, seen: int) -> tuple[int, list[JSON]]:
        """Wait until messages changed after cursor ``seen``; return the new cursor and each
        changed message once, as it is now (a deleted one carries ``"deleted": True``)."""
        async with self._cond:
            await self._cond.wait_for(lambda: len(self._changed) > seen)
        fresh = dict.fromkeys(self._changed[seen:])
        return len(self._changed), [self._messages[i] for i in fresh]

    async def wait_for_message(
        self,
        predicate: Callable[[JSON], bool],
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> JSON:
        """First stored message (new or edited) matching ``predicate``; existing ones first.

        ``predicate`` must depend on the message alone: after the first look at every
        message, a wake-up looks only at the messages changed since (so hundreds of waiters
        in a burst cost the emulator's loop what changed, not everything stored)."""

        found: list[JSON] = []
        seen = 0

        def check() -> bool:
            nonlocal seen
            fresh = self._changed[seen:] if seen else list(self._messages)
            seen = len(self._changed)
            for message_id in dict.fromkeys(fresh):
                msg = self._messages[message_id]
                if not msg.get("deleted") and predicate(msg):
                    found.append(msg)
                    return True
            return False

        try:
            async with asyncio.timeout(timeout):
                async with self._cond:
                    await self._cond.wait_for(check)
        except TimeoutError:
            summary = [
                (m["author"]["username"], m["content"][:60], len(m.get("embeds", [])))
                for m in self.messages[-8:]
            ]
            raise AssertionError(
                f"no matching message within {timeout}s; last messages: {summary}; "
                f"rejected: {self.rejected}; unhandled: {self.unhandled}"
            ) from None
        return found[0]

    # ------------------------------------------------------------------ REST: channels

    def _channel(self, request: web.Request) -> int:
        channel_id = int(request.match_info["channel"])
        if channel_id not in self._channels:
            raise DiscordHTTPError(404, 10003, "Unknown Channel")
        return channel_id

    async def _h_channel_get(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL)
        if self.is_thread(channel_id):
            if not self._visible_to_bot(channel_id):  # a private thread it is not in
                raise DiscordHTTPError(403, 50001, "Missing Access")
            return _json(self._bot_thread_payload(channel_id))
        return _json(self._channel_payload(channel_id))

    async def _h_typing(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        self._require_bot(channel_id, SEND_MESSAGES)
        self.typing.append(channel_id)
        return self._no_content()

    async def _h_history(self, request: web.Request) -> web.Response:
        """Discord: needs View Channel; "if the current user is missing the
        READ_MESSAGE_HISTORY permission in the channel, then no messages will be returned"."""
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL)
        if not self.bot_permissions_in(channel_id) & READ_MESSAGE_HISTORY:
            return _json([])
        q = request.query
        limit = min(int(q.get("limit", 50)), 100)
        msgs = [
            m
            for m in self.messages
            if int(m["channel_id"]) == channel_id and not m.get("ephemeral")
        ]
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])]
            msgs = msgs[:limit]
        else:
            msgs = msgs[-limit:]
        msgs.sort(key=lambda m: int(m["id"]), reverse=True)
        return _json([self._wire(m) for m in msgs])

    async def _h_channel_post(self, request: web.Request) -> web.Response:
        """Create Message. Permissions as Discord documents them: Send Messages (in a
        thread, Send Messages in Threads), Attach Files for files, Read Message History for
        a reply; a bot's embeds without Embed Links and its TTS without Send TTS Messages
        are dropped, not refused."""
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL | SEND_MESSAGES)
        self._require_dm_open(channel_id)
        body, files = await self._read_body(request)
        needed = ATTACH_FILES if files or body.get("attachments") else 0
        if (body.get("message_reference") or {}).get("message_id"):
            needed |= READ_MESSAGE_HISTORY
        self._require_bot(channel_id, needed)
        have = self.bot_permissions_in(channel_id)
        if body.get("embeds") and not have & EMBED_LINKS:
            body = {**body, "embeds": []}
        if body.get("tts") and not have & SEND_TTS_MESSAGES:
            body = {**body, "tts": False}
        gate = self.upload_gate if files else None
        if gate is not None and not self.upload_gate_after_create:
            if not await gate.hold(request):
                raise DiscordHTTPError(499, 0, "client went away before the upload finished")
        self._validate(
            {**body, "attachments": body.get("attachments") or list(files)}, require_content=True
        )
        nonce = body.get("nonce")
        key = (channel_id, self.bot_user_id, str(nonce))
        if body.get("enforce_nonce") and nonce is not None:
            earlier = self._nonce_match(key)
            if earlier is not None:
                self.nonce_replays.append(int(earlier["id"]))
                return _json(self._wire(earlier))
        attachments = self._build_attachments(
            channel_id, body.get("attachments"), files, [], ephemeral=False
        )
        flags = int(body.get("flags") or 0) & ~(MESSAGE_FLAG_EPHEMERAL | MESSAGE_FLAG_LOADING)
        if self.is_thread(channel_id):
            self._check_post_in_thread(channel_id, self.bot_member)
            await self._posted_in_thread(channel_id)
        msg = self._new_message(channel_id, self.bot_member, body, attachments, flags=flags)
        if nonce is not None:
            self._nonces[key] = (int(msg["id"]), self.now())
        await self._store_and_announce(msg, created=True)
        if gate is not None and self.upload_gate_after_create:
            await gate.hold(request)  # created, but the client may never hear about it
        return _json(self._wire(msg))

    def _nonce_match(self, key: tuple[int, int, str]) -> JSON | None:
        """Create Message with ``enforce_nonce``: "If another message was created by the
        same author with the same nonce, that message will be returned and no new message
        will be created" — within "the past few minutes" (``nonce_window_s``, on the
        emulator's clock, which tests move)."""
        seen = self._nonces.get(key)
        if seen is None or self.now() - seen[1] > self.nonce_window_s:
            return None
        earlier = self._messages.get(seen[0])
        if earlier is None or earlier.get("deleted"):
            return None
        return earlier

    async def _h_channel_msg_get(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        msg = self._get_message(channel_id, int(request.match_info["msg"]))
        return _json(self._wire(msg))

    async def _h_channel_msg_patch(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL)
        msg = self._get_message(channel_id, int(request.match_info["msg"]))
        if int(msg["author"]["id"]) != self.bot_user_id:
            raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
        self._check_edit_in_thread(int(msg["channel_id"]))
        body, files = await self._read_body(request)
        self._require_bot(channel_id, ATTACH_FILES if files else 0)
        if body.get("embeds") and not self.bot_permissions_in(channel_id) & EMBED_LINKS:
            body = {**body, "embeds": []}
        if self.edit_gate is not None:
            if not await self.edit_gate.hold(request):
                raise DiscordHTTPError(499, 0, "client went away before the edit applied")
            msg = self._get_message(channel_id, int(request.match_info["msg"]))  # as it is now
        new = self._apply_edit(msg, body, files)
        await self._store_and_announce(new, created=False)
        return _json(self._wire(new))

    async def _h_channel_msg_delete(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL)
        msg = self._get_message(channel_id, int(request.match_info["msg"]))
        if int(msg["author"]["id"]) != self.bot_user_id:
            self._require_bot(channel_id, MANAGE_MESSAGES)
        await self._delete(msg)
        return self._no_content()

    async def _h_reaction_put(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        self._require_bot(channel_id, VIEW_CHANNEL | READ_MESSAGE_HISTORY | ADD_REACTIONS)
        msg = self._get_message(channel_id, int(request.match_info["msg"]))
        self.reactions.append((int(msg["id"]), request.match_info["emoji"]))
        return self._no_content()

    async def _h_reaction_delete(self, request: web.Request) -> web.Response:
        msg = self._get_message(self._channel(request), int(request.match_info["msg"]))
        item = (int(msg["id"]), request.match_info["emoji"])
        if item in self.reactions:
            self.reactions.remove(item)
        return self._no_content()

    # ------------------------------------------------------------------ REST: interactions

    async def _h_callback(self, request: web.Request) -> web.Response:
        ix = self._interactions.get(int(request.match_info["ix_id"]))
        if ix is None or ix.token != request.match_info["token"]:
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        if ix.response is not None:
            raise DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")
        elapsed = asyncio.get_running_loop().time() - ix.dispatched_at
        if self.enforce_interaction_deadline and elapsed > 3.0:
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        body, files = await self._read_body(request)
        rtype = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        result: JSON = {
            "interaction": {
                "id": str(ix.id),
                "type": ix.type,
                "response_message_loading": False,
                "response_message_ephemeral": False,
            }
        }
        channel_id = int(ix.payload["channel_id"])
        if rtype == 4 or rtype == 5:
            flags = int(data.get("flags") or 0)
            ephemeral = bool(flags & MESSAGE_FLAG_EPHEMERAL)
            if rtype == 4:
                self._validate(
                    {**data, "attachments": data.get("attachments") or list(files)},
                    require_content=True,
                )
                attachments = self._build_attachments(
                    channel_id, data.get("attachments"), files, [], ephemeral=ephemeral
                )
                msg = self._new_message(
                    channel_id, self.bot_member, data, attachments, interaction=ix, flags=flags
                )
            else:
                msg = self._new_message(
                    channel_id,
                    self.bot_member,
                    {},
                    [],
                    interaction=ix,
                    flags=(flags & MESSAGE_FLAG_EPHEMERAL) | MESSAGE_FLAG_LOADING,
                )
            ix.original_message_id = int(msg["id"])
            await self._store_and_announce(msg, created=True)
            result["interaction"].update(
                response_message_id=msg["id"],
                response_message_loading=rtype == 5,
                response_message_ephemeral=ephemeral,
            )
            result["resource"] = {"type": rtype, "message": self._wire(msg)}
        elif rtype == 6 and ix.message is None:
            pass  # e.g. a modal opened by a slash command: a plain acknowledgement
        elif rtype in (6, 7):
            if ix.message is None:
                raise DiscordHTTPError(400, 40043, "Interaction has no message to update")
            target = self._messages[int(ix.message["id"])]
            ix.original_message_id = int(target["id"])
            if rtype == 7:
                new = self._apply_edit(target, data, files)
                await self._store_and_announce(new, created=False)
                target = new
                ix.updated(new)
            result["interaction"]["response_message_id"] = target["id"]
            result["interaction"]["response_message_ephemeral"] = bool(target.get("ephemeral"))
            result["resource"] = {"type": rtype, "message": self._wire(target)}
        elif rtype == 9:
            if ix.type == 5:
                raise DiscordHTTPError(400, 50035, "A modal cannot answer a modal submit")
            if not data.get("custom_id") or not data.get("title") or not data.get("components"):
                raise _form_error(
                    "data", "BASE_TYPE_REQUIRED", "Modal needs custom_id/title/components"
                )
            ix.modal = data
        elif rtype == 8:
            pass  # autocomplete result
        elif rtype == 1:
            pass
        else:
            raise _form_error("type", "BASE_TYPE_CHOICES", f"Unsupported callback type {rtype}")
        ix.response = {"type": rtype, "data": data}
        ix.response_seconds = elapsed
        if ix.type == 5 and ix.parent is not None:
            ix.parent.modal_closed = True  # the dialog closes once its submit is answered
        ix._responded.set()
        async with self._cond:
            self._cond.notify_all()
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json(result)
        return self._no_content()

    def _interaction_for_webhook(self, request: web.Request) -> EmuInteraction:
        if int(request.match_info["app"]) != self.application_id:
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        ix = self._by_token.get(request.match_info["token"])
        if ix is None:
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        if ix.response is None:
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        return ix

    def _webhook_message(self, ix: EmuInteraction, ident: str) -> JSON:
        if ident == "@original":
            if ix.original_message_id is None:
                raise DiscordHTTPError(404, 10008, "Unknown Message")
            return self._get_message(None, ix.original_message_id)
        msg = self._get_message(None, int(ident))
        allowed = {ix.original_message_id, *(int(f["id"]) for f in ix.followups)}
        if int(msg["id"]) not in allowed:
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return msg

    async def _h_followup(self, request: web.Request) -> web.Response:
        ix = self._interaction_for_webhook(request)
        body, files = await self._read_body(request)
        flags = int(body.get("flags") or 0)
        channel_id = int(ix.payload["channel_id"])
        original = self._messages.get(ix.original_message_id) if ix.original_message_id else None
        if (
            original is not None
            and ix.response is not None
            and ix.response["type"] == 5
            and original.get("flags", 0) & MESSAGE_FLAG_LOADING
            and not original.get("deleted")  # a deleted placeholder is not replaced
        ):
            # Discord turns the first followup after a "thinking" defer into the original
            msg = self._apply_edit(original, body, files)
            await self._store_and_announce(msg, created=False)
            ix.updated(msg)
        else:
            self._validate(
                {**body, "attachments": body.get("attachments") or list(files)},
                require_content=True,
            )
            ephemeral = bool(flags & MESSAGE_FLAG_EPHEMERAL)
            if self.is_thread(channel_id) and not ephemeral:
                await self._posted_in_thread(channel_id)
            attachments = self._build_attachments(
                channel_id, body.get("attachments"), files, [], ephemeral=ephemeral
            )
            msg = self._new_message(
                channel_id,
                self.bot_member,
                body,
                attachments,
                interaction=ix,
                flags=flags & ~MESSAGE_FLAG_LOADING,
            )
            await self._store_and_announce(msg, created=True)
        ix.followed_up(msg)
        if request.query.get("wait") in ("1", "true", "True"):
            return _json(self._wire(msg))
        return self._no_content()

    async def _h_webhook_get(self, request: web.Request) -> web.Response:
        ix = self._interaction_for_webhook(request)
        return _json(self._wire(self._webhook_message(ix, request.match_info["msg"])))

    async def _h_webhook_patch(self, request: web.Request) -> web.Response:
        ix = self._interaction_for_webhook(request)
        msg = self._webhook_message(ix, request.match_info["msg"])
        body, files = await self._read_body(request)
        new = self._apply_edit(msg, body, files)
        await self._store_and_announce(new, created=False)
        if int(new["id"]) == ix.original_message_id:
            ix.updated(new)
        for i, f in enumerate(ix.followups):
            if f["id"] == new["id"]:
                ix.followups[i] = new
        return _json(self._wire(new))

    async def _h_webhook_delete(self, request: web.Request) -> web.Response:
        ix = self._interaction_for_webhook(request)
        await self._delete(self._webhook_message(ix, request.match_info["msg"]))
        return self._no_content()

    # ------------------------------------------------------------------ driver: interactions

    def _interaction_base(self, member: Member, itype: int, data: JSON, channel_id: int) -> JSON:
        channel = self._channels[channel_id]
        permissions = self.permissions_in(member, channel_id)
        guild = str(self.guild_of(channel_id) or self.guild_id)
        payload = {
            "id": str(snowflake()),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild_id": guild,
            "guild": {"id": guild, "locale": self.guild_locale, "features": []},
            "channel_id": str(channel_id),
            "channel": {
                "id": str(channel_id),
                "type": channel["type"],
                "guild_id": guild,
                "name": channel.get("name"),
                "position": 0,
                "parent_id": channel.get("parent_id"),
                "nsfw": False,
                "permissions": str(permissions),
                "flags": 0,
                "last_message_id": channel.get("last_message_id"),
                "rate_limit_per_user": 0,
                "topic": None,
            },
            "member": member.member_payload(with_permissions=True, permissions=permissions),
            "token": "emu-ix-" + secrets.token_urlsafe(48),
            "version": 1,
            "app_permissions": str(self.bot_permissions_in(channel_id)),
            "locale": member.locale,
            "guild_locale": self.guild_locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": guild},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if self.is_thread(channel_id):
            payload["channel"] = {
                **self._thread_interaction_channel(channel_id),
                "permissions": str(permissions),
            }
        return payload

    async def _send_interaction(
        self, member: Member, payload: JSON, parent: EmuInteraction | None = None
    ) -> EmuInteraction:
        if not self._ready_sessions:
            raise RuntimeError("the bot is not connected to the emulator (await emu.wait_ready())")
        ix = EmuInteraction(
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            member=member,
            dispatched_at=asyncio.get_running_loop().time(),
            parent=parent,
        )
        self._interactions[ix.id] = ix
        self._by_token[ix.token] = ix
        ix.dispatched_at = asyncio.get_running_loop().time()
        await self._dispatch("INTERACTION_CREATE", payload)
        return ix

    def _member_of(self, member: Member) -> Member:
        if member.id not in self.members:
            raise LookupError(f"{member.name} is not a member of the emulated guild")
        return member

    def _resolved_for(self, resolved: JSON, kind: int, value: Any) -> str:
        """Fill ``resolved`` for user/role/channel/mentionable values; returns the id."""
        if isinstance(value, Member):
            resolved.setdefault("users", {})[str(value.id)] = value.user_payload()
            resolved.setdefault("members", {})[str(value.id)] = value.member_payload(
                with_user=False, with_permissions=True
            )
            return str(value.id)
        ident = int(value)
        if kind in (OPT_ROLE, OPT_MENTIONABLE) and ident in self._roles:
            resolved.setdefault("roles", {})[str(ident)] = self._roles[ident]
            return str(ident)
        if kind == OPT_CHANNEL and ident in self._channels:
            ch = self._channels[ident]
            resolved.setdefault("channels", {})[str(ident)] = {
                "id": str(ident),
                "type": ch["type"],
                "name": ch.get("name"),
                "permissions": str(ALL_PERMISSIONS),
                "guild_id": ch.get("guild_id", str(self.guild_id)),
                "parent_id": None,
                "flags": 0,
            }
            return str(ident)
        member = self._member_by_id(ident)
        if member is not None and kind in (OPT_USER, OPT_MENTIONABLE):
            return self._resolved_for(resolved, kind, member)
        raise ValueError(f"cannot resolve {value!r} for option type {kind}")

    def _convert_option(
        self,
        schema: JSON,
        value: Any,
        resolved: JSON,
        channel_id: int,
    ) -> Any:
        kind = schema["type"]
        name = schema["name"]
        if kind == OPT_STRING:
            if not isinstance(value, str):
                raise TypeError(f"option {name!r} is a string option, got {value!r}")
            if "min_length" in schema and len(value) < schema["min_length"]:
                raise ValueError(f"option {name!r}: shorter than min_length")
            # a member's client holds them to max_length, and never sends more than 6,000
            # (Discord: "max_length … (minimum 1, maximum 6000)")
            if len(value) > schema.get("max_length", STRING_OPTION_MAX):
                raise ValueError(f"option {name!r}: longer than max_length")
            out: Any = value
        elif kind == OPT_INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"option {name!r} is an integer option, got {value!r}")
            out = value
        elif kind == OPT_NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"option {name!r} is a number option, got {value!r}")
            out = value
        elif kind == OPT_BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError(f"option {name!r} is a boolean option, got {value!r}")
            out = value
        elif kind in (OPT_USER, OPT_ROLE, OPT_CHANNEL, OPT_MENTIONABLE):
            out = self._resolved_for(resolved, kind, value)
        elif kind == OPT_ATTACHMENT:
            if isinstance(value, Mapping):
                att = dict(value)
            else:
                path = Path(value)
                att = self._store_file(channel_id, path.name, path.read_bytes(), ephemeral=True)
            resolved.setdefault("attachments", {})[att["id"]] = att
            out = att["id"]
        else:
            raise TypeError(f"option type {kind} not supported by the emulator")
        if kind in (OPT_INTEGER, OPT_NUMBER):
            if "min_value" in schema and out < schema["min_value"]:
                raise ValueError(f"option {name!r}: {out} < min_value {schema['min_value']}")
            if "max_value" in schema and out > schema["max_value"]:
                raise ValueError(f"option {name!r}: {out} > max_value {schema['max_value']}")
        choices = schema.get("choices")
        if choices and out not in [c["value"] for c in choices]:
            raise ValueError(f"option {name!r}: {out!r} is not one of the choices {choices}")
        return out

    def _build_options(
        self,
        schemas: list[JSON],
        values: Mapping[str, Any],
        resolved: JSON,
        channel_id: int,
        where: str,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in schemas}
        unknown = set(values) - set(by_name)
        if unknown:
            raise LookupError(f"{where} has no option(s) {sorted(unknown)}; has {sorted(by_name)}")
        out: list[JSON] = []
        for schema in schemas:
            name = schema["name"]
            if name not in values:
                if schema.get("required"):
                    raise ValueError(f"{where}: required option {name!r} missing")
                continue
            out.append(
                {
                    "name": name,
                    "type": schema["type"],
                    "value": self._convert_option(schema, values[name], resolved, channel_id),
                }
            )
        return out

    async def slash_command(
        self,
        member: Member,
        name: str,
        *,
        subcommand: str | None = None,
        options: Mapping[str, Any] | None = None,
        attachments: Mapping[str, Path | Mapping[str, Any]] | None = None,
        channel_id: int | None = None,
    ) -> EmuInteraction:
        """Invoke ``/name [group] [subcommand] options...`` as ``member``.

        ``subcommand`` may be ``"sub"`` or ``"group sub"``. ``attachments`` maps attachment
        option names to local files (served back by the emulator). Options are typed
        from the registered schema; unknown commands/options raise.
        """
        self._member_of(member)
        channel_id = channel_id or self.channel_id
        cmd = self.command(name)
        perms = cmd.get("default_member_permissions")
        overridden = (name, member.id) in self.command_overrides
        if perms is not None and not overridden and member.permissions & int(perms) != int(perms):
            if not member.permissions & ADMINISTRATOR:
                raise PermissionError(f"{member.name} cannot see /{name} (needs {perms})")
        values: dict[str, Any] = dict(options or {})
        overlap = set(values) & set(attachments or {})
        if overlap:
            raise ValueError(f"options given twice: {overlap}")
        values.update(attachments or {})
        resolved: JSON = {}
        schemas: list[JSON] = cmd.get("options") or []
        path = (subcommand or "").split()
        top: list[JSON]
        where = f"/{name}"
        if path:
            chain: list[JSON] = []
            current = schemas
            for part in path:
                match = next(
                    (
                        o
                        for o in current
                        if o["name"] == part
                        and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
                    ),
                    None,
                )
                if match is None:
                    raise LookupError(
                        f"{where} has no subcommand {part!r}; has "
                        f"{[o['name'] for o in current if o['type'] in (1, 2)]}"
                    )
                chain.append(match)
                where += f" {part}"
                current = match.get("options") or []
            if chain[-1]["type"] != OPT_SUB_COMMAND:
                raise LookupError(f"{where} is a group; name a subcommand")
            leaf = self._build_options(current, values, resolved, channel_id, where)
            node: JSON = {"name": chain[-1]["name"], "type": OPT_SUB_COMMAND, "options": leaf}
            for parent in reversed(chain[:-1]):
                node = {"name": parent["name"], "type": OPT_SUB_COMMAND_GROUP, "options": [node]}
            top = [node]
        else:
            if any(o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in schemas):
                raise LookupError(f"/{name} needs a subcommand")
            top = self._build_options(schemas, values, resolved, channel_id, where)
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if top:
            data["options"] = top
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        payload = self._interaction_base(member, 2, data, channel_id)
        return await self._send_interaction(member, payload)

    def find_component(self, message: Mapping[str, Any], custom_id: str) -> JSON:
        """The component with ``custom_id`` anywhere in ``message``'s components."""
        for comp in walk_components(list(message.get("components") or [])):
            if comp.get("custom_id") == custom_id:
                return comp
        ids = [
            c.get("custom_id")
            for c in walk_components(list(message.get("components") or []))
            if c.get("custom_id")
        ]
        raise LookupError(f"no component {custom_id!r} in message {message.get('id')}; has {ids}")

    def _component_interaction(
        self, member: Member, message: Mapping[str, Any], data: JSON
    ) -> JSON:
        current = self._get_message(None, int(message["id"]))
        if current.get("ephemeral") and current.get("ephemeral_for") != member.id:
            raise PermissionError(f"{member.name} cannot see ephemeral message {current['id']}")
        payload = self._interaction_base(member, 3, data, int(current["channel_id"]))
        payload["message"] = self._wire(current)
        return payload

    async def click_button(
        self, member: Member, message: Mapping[str, Any], custom_id: str
    ) -> EmuInteraction:
        """Press a button (component_type 2) on the current state of ``message``."""
        self._member_of(member)
        current = self._get_message(None, int(message["id"]))
        comp = self.find_component(current, custom_id)
        if comp.get("type") != 2:
            raise TypeError(f"{custom_id!r} is not a button (type {comp.get('type')})")
        if comp.get("disabled"):
            raise PermissionError(f"button {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        return await self._send_interaction(
            member, self._component_interaction(member, current, data)
        )

    async def choose(
        self,
        member: Member,
        message: Mapping[str, Any],
        custom_id: str,
        values: Sequence[Any],
    ) -> EmuInteraction:
        """Pick ``values`` in a select menu (string select: option values; user/role/
        channel selects: ids or Members)."""
        self._member_of(member)
        current = self._get_message(None, int(message["id"]))
        comp = self.find_component(current, custom_id)
        ctype = comp.get("type")
        if ctype not in (3, 5, 6, 7, 8):
            raise TypeError(f"{custom_id!r} is not a select menu (type {ctype})")
        if comp.get("disabled"):
            raise PermissionError(f"select {custom_id!r} is disabled")
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise ValueError(f"select {custom_id!r} takes {lo}..{hi} values, got {len(values)}")
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        if ctype == 3:
            allowed = [o["value"] for o in comp.get("options", [])]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"select {custom_id!r} has no option(s) {bad}; has {allowed}")
            data["values"] = list(values)
        else:
            kind = {5: OPT_USER, 6: OPT_ROLE, 7: OPT_CHANNEL, 8: OPT_MENTIONABLE}[ctype]
            resolved: JSON = {}
            data["values"] = [self._resolved_for(resolved, kind, v) for v in values]
            data["resolved"] = resolved
        if "id" in comp:
            data["id"] = comp["id"]
        return await self._send_interaction(
            member, self._component_interaction(member, current, data)
        )

    async def submit_modal(
        self,
        member: Member,
        opener: EmuInteraction,
        values: Mapping[str, str | Sequence[str]],
    ) -> EmuInteraction:
        """Submit the modal the bot answered ``opener`` with (text inputs by custom_id).

        As on Discord, a modal is a dialog on the screen of the member whose interaction
        opened it: only they can submit it (:class:`PermissionError` for anyone else), and
        it closes once a submission of it is answered (a failed one — no answer within
        3 s — leaves it open to submit again; :class:`LookupError` after it closed). The
        submission carries the modal's own custom_id, so two openings with one custom_id
        reach the bot alike."""
        self._member_of(member)
        if opener.modal is None:
            kind = None if opener.response is None else opener.response["type"]
            raise LookupError(
                f"interaction {opener.id} was not answered with a modal (type {kind})"
            )
        if member.id != opener.member.id:
            raise PermissionError(
                f"{member.name} cannot submit the modal shown to {opener.member.name}"
            )
        if opener.modal_closed:
            raise LookupError(f"the modal of interaction {opener.id} was submitted and closed")
        modal = opener.modal
        remaining = dict(values)

        def submit(comp: JSON) -> JSON | None:
            ctype = comp.get("type")
            if ctype == 1:
                inner = [x for x in (submit(c) for c in comp.get("components", [])) if x]
                return {"type": 1, "components": inner} if inner else None
            if ctype == 18:
                child = submit(comp["component"])
                if child is None:
                    return None
                out18: JSON = {"type": 18, "component": child}
                if "id" in comp:
                    out18["id"] = comp["id"]
                return out18
            cid = comp.get("custom_id")
            if cid is None:
                return None
            if ctype == 4:
                value = remaining.pop(cid, comp.get("value") or "")
                if not isinstance(value, str):
                    raise TypeError(f"text input {cid!r} takes a string")
                if comp.get("required", True) and not value:
                    raise ValueError(f"text input {cid!r} is required")
                if value and len(value) < comp.get("min_length", 0):
                    raise ValueError(f"text input {cid!r} shorter than min_length")
                if len(value) > comp.get("max_length", 4000):
                    raise ValueError(f"text input {cid!r} longer than max_length")
                out: JSON = {"type": 4, "custom_id": cid, "value": value}
            else:
                picked = remaining.pop(cid, [])
                out = {"type": ctype, "custom_id": cid, "values": list(picked)}
            if "id" in comp:
                out["id"] = comp["id"]
            return out

        components = [x for x in (submit(c) for c in modal.get("components", [])) if x]
        if remaining:
            raise LookupError(f"modal {modal['custom_id']!r} has no input(s) {sorted(remaining)}")
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        channel_id = int(opener.payload["channel_id"])
        payload = self._interaction_base(member, 5, data, channel_id)
        if opener.type == 3 and opener.message is not None:
            current = self._messages.get(int(opener.message["id"]))
            if current is not None and not current.get("deleted"):
                payload["message"] = self._wire(current)
        return await self._send_interaction(member, payload, parent=opener)

    # ------------------------------------------------------------------ driver: messages

    async def post_message(
        self,
        member: Member,
        content: str = "",
        attachments: Sequence[Path] = (),
        *,
        reply_to: Mapping[str, Any] | None = None,
        channel_id: int | None = None,
    ) -> JSON:
        """``member`` posts a message (files are served by the emulator) → MESSAGE_CREATE."""
        self._member_of(member)
        channel_id = channel_id or self.channel_id
        if channel_id not in self._channels:
            raise LookupError(f"unknown channel {channel_id}")
        atts = [
            self._store_file(channel_id, Path(p).name, Path(p).read_bytes()) for p in attachments
        ]
        body: JSON = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to["id"]}
        if not content and not atts:
            raise ValueError("a message needs content or attachments")
        if self.is_thread(channel_id):
            self._check_post_in_thread(channel_id, member)
            await self._posted_in_thread(channel_id)
        msg = self._new_message(channel_id, member, body, atts)
        msg["nonce"] = str(snowflake())
        await self._store_and_announce(msg, created=True)
        return msg


def _image_size(filename: str, data: bytes) -> tuple[int, int] | None:
    ctype = mimetypes.guess_type(filename)[0] or ""
    if not ctype.startswith("image/"):
        return None
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a project dependency
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            return int(width), int(height)
    except Exception:
        return None


def cleanup_files(emu: DiscordEmulator) -> None:
    """Remove the emulator's stored files (the tmp dir usually takes care of it)."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(emu.files_dir)
