"""Threads in the Discord emulator, as Discord documents them.

Sources: Discord's developer docs, ``topics/threads`` ("Public & Private Threads", "Active &
Archived Threads", "Permissions", "Editing & Deleting Threads", "New Message Types") and
``resources/channel`` (Start Thread from Message, Start Thread without Message, Modify
Channel for a thread, Add Thread Member); request bodies are held to the published OpenAPI
schemas like every other route (:mod:`discord_emulator.spec`).

What is modelled:

* A public thread started from a message (``POST /channels/{id}/messages/{id}/threads``)
  has the message's id, and the message then carries ``thread`` and the ``HAS_THREAD``
  flag (a MESSAGE_UPDATE). A thread without a message (``POST /channels/{id}/threads``)
  is private (type 12) unless ``type`` says 11. A message can start one thread only
  (400, code 160004).
* THREAD_CREATE (``newly_created``, with the bot's thread member) goes to sessions with the
  GUILDS intent; a public thread started without a message, or from a message older than
  :attr:`ThreadsMixin.thread_notice_after_s`, leaves a THREAD_CREATED (type 18) system
  message in the parent channel (the docs call the age "still TBD … a very small value",
  so it is a knob).
* Permissions come from the parent channel: creating needs Create Public Threads or Create
  Private Threads, posting needs Send Messages in Threads (Send Messages has no effect in
  threads), a private thread is seen only by its members and by Manage Threads; refusals
  are 403 with code 50013.
* ``PATCH /channels/{thread}``: ``name``, ``archived`` and ``auto_archive_duration`` by the
  thread's creator or Manage Threads; ``locked`` and ``rate_limit_per_user`` by Manage
  Threads only; unarchiving a locked thread needs the creator or Manage Threads.
  THREAD_UPDATE follows. Sending a message unarchives a thread unless it is locked;
  editing a message in an archived thread is refused (400, code 50083).
* ``PUT /channels/{thread}/thread-members/{user}`` (204; needs Send Messages in Threads and
  an active thread) and THREAD_MEMBERS_UPDATE (to sessions with GUILD_MEMBERS, or when the
  bot itself was added).
* GUILD_CREATE lists the active threads the bot can see.

Not modelled: announcement and forum threads, the THREAD_STARTER_MESSAGE (type 21) a
thread from a message shows first, auto-archiving after inactivity, thread list sync.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from .gates import Gate
from .models import (
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    DISCORD_EPOCH_MS,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    JSON,
    MANAGE_CHANNELS,
    MANAGE_THREADS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    Member,
    iso_now,
    snowflake,
)

if TYPE_CHECKING:
    from .server import DiscordEmulator

PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
MESSAGE_FLAG_HAS_THREAD = 1 << 5
MESSAGE_THREAD_CREATED = 18


def _error(status: int, code: int, message: str) -> Exception:
    from .server import DiscordHTTPError

    return DiscordHTTPError(status, code, message)


def _age_s(snowflake_id: int) -> float:
    ms = (snowflake_id >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.now(dt.UTC).timestamp() - ms / 1000


class ThreadsMixin:
    """The thread routes and driver helpers of :class:`~discord_emulator.DiscordEmulator`."""

    #: starting a public thread from a message older than this (seconds) posts a
    #: THREAD_CREATED system message in the parent channel, as Discord does for "older"
    #: messages (the docs leave the age "TBD … a very small value")
    thread_notice_after_s: float = 10.0
    #: active threads a guild may hold (Discord: 1000; more is 400, code 160006)
    max_active_threads: int = 1000
    #: hold requests to start a thread (before it is made), so a test can act while the bot
    #: waits for its thread
    thread_gate: Gate | None = None
    #: hold the answer to a request that started a thread (the thread exists and was
    #: announced), so a test can act before the bot knows its thread
    thread_made_gate: Gate | None = None

    def _init_threads(self: DiscordEmulator) -> None:
        self._thread_members: dict[int, dict[int, str]] = {}  # thread → user → joined at

    def _add_thread_routes(self: DiscordEmulator, router: web.UrlDispatcher, ch: str) -> None:
        router.add_post(ch + "/messages/{msg:\\d+}/threads", self._h_thread_from_message)
        router.add_post(ch + "/threads", self._h_thread_without_message)
        router.add_patch(ch, self._h_channel_patch)
        router.add_put(ch + "/thread-members/{user}", self._h_thread_member_put)

    # ------------------------------------------------------------------ model

    def is_thread(self: DiscordEmulator, channel_id: int) -> bool:
        """Whether ``channel_id`` is a thread."""
        return self._channels.get(channel_id, {}).get("type") in THREAD_TYPES

    def thread(self: DiscordEmulator, thread_id: int | str) -> JSON:
        """The thread channel object as it is now (raises KeyError for a non-thread)."""
        thread_id = int(thread_id)
        if not self.is_thread(thread_id):
            raise KeyError(f"no thread {thread_id}")
        return self._thread_payload(thread_id)

    @property
    def threads(self: DiscordEmulator) -> list[JSON]:
        """Every thread of the guild (active and archived), oldest first."""
        return [self._thread_payload(cid) for cid in self._channels if self.is_thread(cid)]

    def thread_members(self: DiscordEmulator, thread_id: int | str) -> set[int]:
        """The user ids that are members of the thread."""
        return set(self._thread_members.get(int(thread_id), {}))

    def messages_in(self: DiscordEmulator, channel_id: int | str) -> list[JSON]:
        """The messages everyone in ``channel_id`` sees (not deleted, not ephemeral),
        oldest first."""
        wanted = str(channel_id)
        return [m for m in self.messages if m["channel_id"] == wanted and not m.get("ephemeral")]

    def _thread_payload(self: DiscordEmulator, thread_id: int) -> JSON:
        data = dict(self._channels[thread_id])
        data["thread_metadata"] = dict(data["thread_metadata"])
        data["member_count"] = min(len(self._thread_members.get(thread_id, {})), 50)
        return data

    def _thread_member(self: DiscordEmulator, thread_id: int, user_id: int) -> JSON:
        return {
            "id": str(thread_id),
            "user_id": str(user_id),
            "join_timestamp": self._thread_members[thread_id][user_id],
            "flags": 0,
        }

    def _bot_thread_payload(self: DiscordEmulator, thread_id: int) -> JSON:
        """The thread as the bot reads it: with its own thread member when it is one."""
        data = self._thread_payload(thread_id)
        if self.bot_user_id in self._thread_members.get(thread_id, {}):
            data["member"] = self._thread_member(thread_id, self.bot_user_id)
        return data

    def _visible_to_bot(self: DiscordEmulator, thread_id: int) -> bool:
        thread = self._channels[thread_id]
        if thread["type"] != PRIVATE_THREAD:
            return True
        if self.bot_user_id in self._thread_members.get(thread_id, {}):
            return True
        return bool(self.bot_permissions_in(thread_id) & MANAGE_THREADS)

    def _active_threads(self: DiscordEmulator) -> list[JSON]:
        """The active threads the bot can see (GUILD_CREATE's ``threads``)."""
        return [
            {k: v for k, v in self._bot_thread_payload(cid).items() if k != "guild_id"}
            for cid, channel in self._channels.items()
            if channel.get("type") in THREAD_TYPES
            and not channel["thread_metadata"]["archived"]
            and self._visible_to_bot(cid)
        ]

    # ------------------------------------------------------------------ creating

    def _new_thread(
        self: DiscordEmulator,
        thread_id: int,
        parent_id: int,
        kind: int,
        body: JSON,
        owner: Member,
    ) -> JSON:
        now = iso_now()
        metadata: JSON = {
            "archived": False,
            "archive_timestamp": now,
            "auto_archive_duration": body.get("auto_archive_duration") or 4320,
            "locked": False,
            "create_timestamp": now,
        }
        if kind == PRIVATE_THREAD:
            invitable = body.get("invitable")
            metadata["invitable"] = True if invitable is None else bool(invitable)
        self._channels[thread_id] = {
            "id": str(thread_id),
            "type": kind,
            "guild_id": self._channels[parent_id]["guild_id"],
            "parent_id": str(parent_id),
            "owner_id": str(owner.id),
            "name": body["name"],
            "last_message_id": None,
            "rate_limit_per_user": body.get("rate_limit_per_user") or 0,
            "flags": 0,
            "message_count": 0,
            "total_message_sent": 0,
            "member_count": 1,
            "thread_metadata": metadata,
        }
        self._thread_members[thread_id] = {owner.id: now}
        return self._channels[thread_id]

    async def _announce_thread(self: DiscordEmulator, thread_id: int) -> None:
        data = {**self._bot_thread_payload(thread_id), "newly_created": True}
        await self._dispatch("THREAD_CREATE", data, intent=INTENT_GUILDS)
        async with self._cond:
            self._cond.notify_all()

    async def _thread_created_notice(
        self: DiscordEmulator, parent_id: int, thread_id: int, owner: Member
    ) -> None:
        """THREAD_CREATED (type 18) in the parent: content is the thread's name, the
        reference points at the thread."""
        thread = self._channels[thread_id]
        notice = self._new_message(parent_id, owner, {"content": thread["name"]}, [])
        notice["type"] = MESSAGE_THREAD_CREATED
        notice["message_reference"] = {
            "type": 0,
            "channel_id": str(thread_id),
            "guild_id": thread["guild_id"],
        }
        await self._store_and_announce(notice, created=True)

    def _thread_parent(self: DiscordEmulator, channel_id: int) -> JSON:
        """The channel a thread is started in; refuses other channel types and a guild at
        its active thread limit."""
        active = [
            c
            for c in self._channels.values()
            if c.get("type") in THREAD_TYPES and not c["thread_metadata"]["archived"]
        ]
        if len(active) >= self.max_active_threads:
            raise _error(400, 160006, "Maximum number of active threads reached")
        channel = self._channels[channel_id]
        if channel["type"] not in (0, 5):
            raise _error(400, 50024, "Cannot execute action on this channel type")
        return channel

    async def _hold_thread_start(self: DiscordEmulator, request: web.Request) -> None:
        """Wait at :attr:`thread_gate`, if one is set."""
        if self.thread_gate is not None and not await self.thread_gate.hold(request):
            raise _error(499, 0, "client went away before the thread was started")

    async def _hold_thread_made(self: DiscordEmulator, request: web.Request) -> None:
        """Wait at :attr:`thread_made_gate`, if one is set."""
        if self.thread_made_gate is not None and not await self.thread_made_gate.hold(request):
            raise _error(499, 0, "client went away before the thread was answered")

    async def _h_thread_from_message(self: DiscordEmulator, request: web.Request) -> web.Response:
        from .server import _json

        await self._hold_thread_start(request)
        channel_id = self._channel(request)
        message = self._get_message(channel_id, int(request.match_info["msg"]))
        body, _ = await self._read_body(request)
        parent = self._thread_parent(channel_id)
        self._require_bot(channel_id, VIEW_CHANNEL | READ_MESSAGE_HISTORY | CREATE_PUBLIC_THREADS)
        thread_id = int(message["id"])
        if thread_id in self._channels:
            raise _error(400, 160004, "A thread has already been created for this message")
        kind = 10 if parent["type"] == 5 else PUBLIC_THREAD
        self._new_thread(thread_id, channel_id, kind, body, self.bot_member)
        await self._announce_thread(thread_id)
        marked = {
            **message,
            "thread": self._thread_payload(thread_id),
            "flags": message.get("flags", 0) | MESSAGE_FLAG_HAS_THREAD,
        }
        await self._store_and_announce(marked, created=False)
        if _age_s(thread_id) > self.thread_notice_after_s:
            await self._thread_created_notice(channel_id, thread_id, self.bot_member)
        await self._hold_thread_made(request)
        return _json(self._bot_thread_payload(thread_id), status=201)

    async def _h_thread_without_message(
        self: DiscordEmulator, request: web.Request
    ) -> web.Response:
        from .server import _json

        await self._hold_thread_start(request)
        channel_id = self._channel(request)
        body, _ = await self._read_body(request)
        parent = self._thread_parent(channel_id)
        kind = body.get("type") or PRIVATE_THREAD
        if (kind == 10) != (parent["type"] == 5):
            raise _error(400, 50024, "Cannot execute action on this channel type")
        needed = CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else CREATE_PUBLIC_THREADS
        self._require_bot(channel_id, VIEW_CHANNEL | needed)
        thread_id = snowflake()
        self._new_thread(thread_id, channel_id, kind, body, self.bot_member)
        await self._announce_thread(thread_id)
        if kind != PRIVATE_THREAD:
            await self._thread_created_notice(channel_id, thread_id, self.bot_member)
        await self._hold_thread_made(request)
        return _json(self._bot_thread_payload(thread_id), status=201)

    # ------------------------------------------------------------------ changing

    async def _h_channel_patch(self: DiscordEmulator, request: web.Request) -> web.Response:
        from .server import _json

        channel_id = self._channel(request)
        body, _ = await self._read_body(request)
        if not self.is_thread(channel_id):
            self._require_bot(channel_id, MANAGE_CHANNELS)
            raise _error(400, 50024, "Cannot execute action on this channel type")
        if not self._visible_to_bot(channel_id):
            raise _error(404, 10003, "Unknown Channel")
        thread = self._channels[channel_id]
        metadata = thread["thread_metadata"]
        perms = self.bot_permissions_in(channel_id)
        moderator = bool(perms & MANAGE_THREADS)
        creator = int(thread["owner_id"]) == self.bot_user_id
        unarchiving = body.get("archived") is False
        if metadata["archived"] and not unarchiving:
            raise _error(400, 50083, "Operation cannot be performed on an archived thread")
        changed = {
            key
            for key, value in body.items()
            if value is not None and value != thread.get(key, metadata.get(key))
        }
        if changed & {"locked", "rate_limit_per_user"} and not moderator:
            raise _error(403, 50013, "Missing Permissions")
        fields = {"name", "archived", "auto_archive_duration"} & changed
        if fields - {"archived"} or body.get("archived"):
            if not (moderator or creator):
                raise _error(403, 50013, "Missing Permissions")
        if unarchiving:
            if self.bot_user_id not in self._thread_members.get(channel_id, {}) and not moderator:
                raise _error(403, 50001, "Missing Access")
            if metadata["locked"] and not (moderator or creator):
                raise _error(403, 50013, "Missing Permissions")
        for key in ("name", "rate_limit_per_user"):
            if body.get(key) is not None:
                thread[key] = body[key]
        for key in ("archived", "auto_archive_duration", "locked", "invitable"):
            if body.get(key) is not None:
                metadata[key] = body[key]
        if body.get("archived") is not None or body.get("auto_archive_duration") is not None:
            metadata["archive_timestamp"] = iso_now()
        await self._thread_updated(channel_id)
        return _json(self._bot_thread_payload(channel_id))

    async def _h_thread_member_put(self: DiscordEmulator, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        if not self.is_thread(channel_id) or not self._visible_to_bot(channel_id):
            raise _error(404, 10003, "Unknown Channel")
        ident = request.match_info["user"]
        user_id = self.bot_user_id if ident == "@me" else int(ident)
        member = self._member_by_id(user_id)
        if member is None:
            raise _error(404, 10013, "Unknown User")
        if self._channels[channel_id]["thread_metadata"]["archived"]:
            raise _error(400, 50083, "Operation cannot be performed on an archived thread")
        self._require_bot(channel_id, VIEW_CHANNEL | SEND_MESSAGES_IN_THREADS)
        await self.add_to_thread(channel_id, member)
        return web.Response(status=204)

    async def add_to_thread(self: DiscordEmulator, thread_id: int, member: Member) -> None:
        """Make ``member`` a member of the thread (THREAD_MEMBERS_UPDATE)."""
        joined = self._thread_members.setdefault(thread_id, {})
        if member.id in joined:
            return
        joined[member.id] = iso_now()
        added = {
            **self._thread_member(thread_id, member.id),
            "member": member.member_payload(),
        }
        data = {
            "id": str(thread_id),
            "guild_id": self._channels[thread_id]["guild_id"],
            "member_count": min(len(joined), 50),
            "added_members": [added],
        }
        intent = None if member.id == self.bot_user_id else INTENT_GUILD_MEMBERS
        await self._dispatch("THREAD_MEMBERS_UPDATE", data, intent=intent)

    # ------------------------------------------------------------------ messages in threads

    def _check_post_in_thread(self: DiscordEmulator, thread_id: int, author: Member) -> None:
        """Whether ``author`` may post in the thread now (raises: 403 for the bot, a
        PermissionError for a member the test plays)."""
        thread = self._channels[thread_id]
        perms = self.permissions_in(author, thread_id)
        moderator = bool(perms & MANAGE_THREADS)
        refusal = None
        if not perms & SEND_MESSAGES_IN_THREADS:
            refusal = "needs Send Messages in Threads"
        elif (
            thread["type"] == PRIVATE_THREAD
            and author.id not in self._thread_members.get(thread_id, {})
            and not moderator
        ):
            refusal = "is not a member of this private thread"
        elif thread["thread_metadata"]["locked"] and not moderator:
            refusal = "cannot post in a locked thread"
        if refusal is None:
            return
        if author.id == self.bot_user_id:
            raise _error(403, 50013, "Missing Permissions")
        raise PermissionError(f"{author.name} {refusal}")

    async def _posted_in_thread(self: DiscordEmulator, thread_id: int) -> None:
        """Count a new message; a message unarchives an (unlocked) archived thread."""
        thread = self._channels[thread_id]
        thread["message_count"] += 1
        thread["total_message_sent"] += 1
        metadata = thread["thread_metadata"]
        if metadata["archived"]:
            metadata["archived"] = False
            metadata["archive_timestamp"] = iso_now()
            await self._thread_updated(thread_id)

    async def _thread_updated(self: DiscordEmulator, thread_id: int) -> None:
        await self._dispatch("THREAD_UPDATE", self._thread_payload(thread_id), intent=INTENT_GUILDS)
        async with self._cond:
            self._cond.notify_all()

    async def wait_for_thread(
        self: DiscordEmulator,
        thread_id: int | str,
        predicate: Callable[[JSON], bool],
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> JSON:
        """The thread once ``predicate`` holds for it (checked now and after each change)."""
        thread_id = int(thread_id)

        def check() -> bool:
            return self.is_thread(thread_id) and predicate(self._thread_payload(thread_id))

        try:
            async with asyncio.timeout(timeout):
                async with self._cond:
                    await self._cond.wait_for(check)
        except TimeoutError:
            state = self._channels.get(thread_id)
            raise AssertionError(f"thread {thread_id} never matched; it is {state}") from None
        return self._thread_payload(thread_id)

    def _check_edit_in_thread(self: DiscordEmulator, channel_id: int) -> None:
        if self.is_thread(channel_id) and self._channels[channel_id]["thread_metadata"]["archived"]:
            raise _error(400, 50083, "Operation cannot be performed on an archived thread")

    def _thread_interaction_channel(self: DiscordEmulator, channel_id: int) -> JSON:
        """The ``channel`` of an interaction in a thread."""
        return self._thread_payload(channel_id)


__all__ = ["PRIVATE_THREAD", "PUBLIC_THREAD", "ThreadsMixin"]
