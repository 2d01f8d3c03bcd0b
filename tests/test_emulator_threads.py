"""The emulator's threads against the real discord.py client: started from a message or
without one, public and private, members, archiving and locking, permissions, and the
bodies held to Discord's published schema (tests/emulator/threads.py cites the docs)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import yarl

from tests.emulator import DiscordEmulator, Member
from tests.emulator.models import (
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES_IN_THREADS,
)

pytestmark = pytest.mark.e2e

HOSTILE = "‮@everyone <@1> **bold** Z̸̢̛a̷l̵g̶o̵ 🎬\u200b"


class Client(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.created: list[discord.Thread] = []
        self.updated: list[discord.Thread] = []
        self.seen: list[discord.Message] = []
        self.changed = asyncio.Event()

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.created.append(thread)
        self.changed.set()

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        self.updated.append(after)
        self.changed.set()

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot:
            self.seen.append(message)
            self.changed.set()

    async def until(self, check: object) -> None:
        async with asyncio.timeout(10):
            while not check():  # type: ignore[operator]
                self.changed.clear()
                await self.changed.wait()


@dataclass
class Rig:
    emu: DiscordEmulator
    bot: Client
    alice: Member

    @property
    def channel(self) -> discord.TextChannel:
        channel = self.bot.get_channel(self.emu.channel_id)
        assert isinstance(channel, discord.TextChannel)
        return channel


@pytest.fixture(autouse=True)
def _redirect_discord(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with DiscordEmulator(tmp_path) as emu:
        alice = emu.add_member("alice")
        discord.http.Route.BASE = emu.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
        bot = Client()
        task = asyncio.create_task(bot.start("fake-token"))
        await emu.wait_ready(timeout=20, bot_task=task, commands=False)
        try:
            yield Rig(emu, bot, alice)
        finally:
            await bot.close()
            await asyncio.wait_for(task, 10)
        assert emu.unhandled == []


async def test_a_public_thread_from_a_message_shares_its_id(rig: Rig) -> None:
    emu, bot = rig.emu, rig.bot
    card = await rig.channel.send("the card")
    name = (HOSTILE * 10)[:100]  # the longest name, hostile text and all
    thread = await card.create_thread(name=name, auto_archive_duration=1440)
    assert thread.id == card.id and thread.type == discord.ChannelType.public_thread
    assert thread.name == name and thread.parent_id == emu.channel_id
    await bot.until(lambda: bot.created)
    assert bot.get_channel(thread.id) is not None  # THREAD_CREATE reached the cache
    source = emu.message(card.id)
    assert source["thread"]["id"] == str(thread.id) and source["flags"] & (1 << 5)
    assert emu.thread(thread.id)["thread_metadata"]["auto_archive_duration"] == 1440
    assert emu.thread_members(thread.id) == {emu.bot_user_id}

    inside = await thread.send("in the thread")
    assert emu.message(inside.id)["channel_id"] == str(thread.id)
    await emu.post_message(rig.alice, "hello", channel_id=thread.id)
    await bot.until(lambda: bot.seen)
    assert bot.seen[0].channel.id == thread.id and isinstance(bot.seen[0].channel, discord.Thread)
    assert [m["id"] for m in emu.messages_in(emu.channel_id)] == [str(card.id)]  # no notice
    assert emu.thread(thread.id)["message_count"] == 2

    with pytest.raises(discord.HTTPException) as twice:
        await card.create_thread(name="again")
    assert (twice.value.status, twice.value.code) == (400, 160004)


async def test_an_older_message_leaves_a_thread_created_notice(rig: Rig) -> None:
    emu = rig.emu
    emu.thread_notice_after_s = 0.0
    old = await rig.channel.send("an older message")
    thread = await old.create_thread(name="Session #1")
    notice = emu.messages_in(emu.channel_id)[-1]
    assert notice["type"] == 18 and notice["content"] == "Session #1"
    assert notice["message_reference"]["channel_id"] == str(thread.id)


async def test_a_private_thread_is_for_its_members(rig: Rig) -> None:
    emu, alice = rig.emu, rig.alice
    thread = await rig.channel.create_thread(
        name="Private session", type=discord.ChannelType.private_thread, invitable=False
    )
    assert thread.type == discord.ChannelType.private_thread and thread.id != emu.channel_id
    assert emu.messages_in(emu.channel_id) == []  # a private thread says nothing outside
    assert emu.thread(thread.id)["thread_metadata"]["invitable"] is False
    with pytest.raises(PermissionError, match="not a member"):
        await emu.post_message(alice, "let me in", channel_id=thread.id)
    await thread.add_user(discord.Object(alice.id))
    assert emu.thread_members(thread.id) == {emu.bot_user_id, alice.id}
    fetched = await rig.bot.fetch_channel(thread.id)
    assert isinstance(fetched, discord.Thread) and fetched.member_count == 2
    assert fetched.me is not None  # the bot's own thread member comes with it
    await emu.post_message(alice, "in", channel_id=thread.id)
    await rig.bot.until(lambda: rig.bot.seen)
    assert rig.bot.seen[0].channel.id == thread.id


async def test_public_threads_without_a_message_announce_themselves(rig: Rig) -> None:
    thread = await rig.channel.create_thread(
        name="open talk", type=discord.ChannelType.public_thread
    )
    (notice,) = rig.emu.messages_in(rig.emu.channel_id)
    assert notice["type"] == 18 and notice["message_reference"]["channel_id"] == str(thread.id)


async def test_creating_threads_needs_the_permission(rig: Rig) -> None:
    emu = rig.emu
    card = await rig.channel.send("card")
    emu.withhold_from_bot(CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS)
    with pytest.raises(discord.Forbidden) as refused:
        await card.create_thread(name="no")
    assert refused.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await rig.channel.create_thread(name="no", type=discord.ChannelType.private_thread)
    assert emu.threads == []


async def test_posting_in_a_thread_needs_send_messages_in_threads(rig: Rig) -> None:
    emu = rig.emu
    thread = await (await rig.channel.send("card")).create_thread(name="t")
    emu.withhold_from_bot(SEND_MESSAGES_IN_THREADS)
    with pytest.raises(discord.Forbidden) as refused:
        await thread.send("quiet")
    assert refused.value.code == 50013
    await rig.channel.send("the channel itself still takes Send Messages")


async def test_the_creator_archives_and_only_manage_threads_locks(rig: Rig) -> None:
    emu, bot = rig.emu, rig.bot
    thread = await (await rig.channel.send("card")).create_thread(name="t")
    said = await thread.send("before")
    with pytest.raises(discord.Forbidden):
        await thread.edit(archived=True, locked=True)
    await thread.edit(locked=False)  # not a change: nothing to refuse
    archived = await thread.edit(archived=True)
    assert archived.archived and emu.thread(thread.id)["thread_metadata"]["archived"]
    await bot.until(lambda: any(t.archived for t in bot.updated))
    with pytest.raises(discord.HTTPException) as frozen:
        await said.edit(content="after")
    assert (frozen.value.status, frozen.value.code) == (400, 50083)
    with pytest.raises(discord.HTTPException) as frozen:
        await thread.add_user(discord.Object(rig.alice.id))
    assert frozen.value.code == 50083
    await emu.post_message(rig.alice, "a message wakes it", channel_id=thread.id)
    assert not emu.thread(thread.id)["thread_metadata"]["archived"]

    emu.set_overwrite(emu.channel_id, emu.bot_user_id, allow=MANAGE_THREADS)
    locked = await thread.edit(archived=True, locked=True)
    assert locked.locked and locked.archived
    with pytest.raises(PermissionError, match="locked"):
        await emu.post_message(rig.alice, "let me", channel_id=thread.id)


async def test_thread_bodies_are_held_to_the_published_schema(rig: Rig) -> None:
    card = await rig.channel.send("card")
    with pytest.raises(discord.HTTPException) as refused:
        await card.create_thread(name="n" * 101)
    assert refused.value.code == 50035 and "name: Must be 100 or fewer" in refused.value.text
    route = discord.http.Route(
        "POST", "/channels/{c}/messages/{m}/threads", c=rig.emu.channel_id, m=card.id
    )
    with pytest.raises(discord.HTTPException) as refused:
        await rig.bot.http.request(route, json={"name": "x", "auto_archive_duration": 30})
    assert refused.value.code == 50035 and "auto_archive_duration" in refused.value.text
    assert rig.emu.threads == []


async def test_guild_create_lists_the_active_threads(rig: Rig) -> None:
    thread = await (await rig.channel.send("card")).create_thread(name="kept")
    payload = rig.emu._guild_payload(1)
    assert [t["id"] for t in payload["threads"]] == [str(thread.id)]
    await thread.edit(archived=True)
    assert rig.emu._guild_payload(1)["threads"] == []
