"""The emulator's channel rules, through the real discord.py client: permissions computed
the Discord way, sent as ``app_permissions`` on interactions and enforced on the bot's
requests like Discord (403 Missing Access / Missing Permissions); and a repeated nonce with
``enforce_nonce`` returning the message already made."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from tests import test_emulator
from tests.emulator import DiscordEmulator
from tests.emulator.models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)
from tests.test_emulator import Harness

pytestmark = pytest.mark.e2e

# test_emulator's fixtures: discord.py pointed at the emulator, and the TinyBot running there
_redirect_discord = test_emulator._redirect_discord
harness = test_emulator.harness


def _channel(harness: Harness) -> discord.TextChannel:
    channel = harness.bot.get_channel(harness.emu.channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_overwrites_are_applied_in_discords_order(tmp_path: Path) -> None:
    emu = DiscordEmulator(tmp_path)
    helpers = emu.add_role("helpers")
    muted = emu.add_role("muted")
    alice = emu.add_member("alice", roles=["helpers"])
    bob = emu.add_member("bob", roles=["helpers", "muted"])
    root = emu.add_member("root", permissions=ADMINISTRATOR)
    quiet = emu.add_channel("quiet")
    emu.set_overwrite(quiet, emu.guild_id, deny=SEND_MESSAGES)  # @everyone may not speak
    emu.set_overwrite(quiet, helpers, allow=SEND_MESSAGES)  # …helpers may
    emu.set_overwrite(quiet, muted, deny=SEND_MESSAGES | ATTACH_FILES)  # a role deny and an
    # allow of another role: the allow wins (role overwrites are combined, allow over deny)
    emu.set_overwrite(quiet, bob, deny=SEND_MESSAGES)  # the member's own overwrite is last
    assert emu.permissions_in(alice, quiet) & SEND_MESSAGES
    assert not emu.permissions_in(bob, quiet) & SEND_MESSAGES
    assert not emu.permissions_in(bob, quiet) & ATTACH_FILES  # implicitly, without Send
    assert emu.permissions_in(root, quiet) == ALL_PERMISSIONS
    assert emu.permissions_in(alice, emu.channel_id) & SEND_MESSAGES  # other channels: as is
    emu.set_overwrite(quiet, emu.guild_id, deny=VIEW_CHANNEL)
    assert emu.permissions_in(alice, quiet) == 0  # no View Channel: nothing at all
    emu.set_overwrite(quiet, emu.guild_id)  # both 0: removed
    assert emu.permissions_in(alice, quiet) & VIEW_CHANNEL
    with pytest.raises(LookupError):
        emu.set_overwrite(quiet, 12345)


async def test_a_withheld_permission_is_refused_like_discord(harness: Harness) -> None:
    emu, channel = harness.emu, _channel(harness)
    await channel.send("before")
    emu.withhold_from_bot(ATTACH_FILES)
    await channel.send("text still goes")
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("a file", file=discord.File(__file__, "x.py"))
    assert (refused.value.status, refused.value.code) == (403, 50013)
    assert emu.refused[-1] == {"channel": emu.channel_id, "code": 50013, "missing": ATTACH_FILES}

    emu.withhold_from_bot(SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("nothing")
    assert refused.value.code == 50013

    emu.withhold_from_bot(VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("nothing")
    assert refused.value.code == 50001 and refused.value.text == "Missing Access"
    assert [m["content"] for m in emu.messages] == ["before", "text still goes"]


async def test_embeds_without_embed_links_are_dropped(harness: Harness) -> None:
    emu, channel = harness.emu, _channel(harness)
    emu.withhold_from_bot(EMBED_LINKS)
    sent = await channel.send("look", embed=discord.Embed(title="hidden"))
    assert sent.embeds == [] and emu.message(sent.id)["embeds"] == []


async def test_history_and_replies_need_read_message_history(harness: Harness) -> None:
    emu, channel = harness.emu, _channel(harness)
    first = await channel.send("first")
    emu.withhold_from_bot(READ_MESSAGE_HISTORY)
    assert [m async for m in channel.history(limit=10)] == []  # Discord returns no messages
    with pytest.raises(discord.Forbidden):
        await first.reply("a reply")
    with pytest.raises(discord.Forbidden):
        await channel.fetch_message(first.id)


async def test_interactions_carry_the_bots_channel_permissions(harness: Harness) -> None:
    emu, alice = harness.emu, harness.alice
    emu.withhold_from_bot(ATTACH_FILES | EMBED_LINKS)
    ix = await emu.slash_command(alice, "ping", subcommand="secret")
    app = int(ix.payload["app_permissions"])
    assert app == emu.bot_permissions_in()
    assert app & SEND_MESSAGES and not app & (ATTACH_FILES | EMBED_LINKS)
    assert int(ix.payload["member"]["permissions"]) == emu.permissions_in(alice, emu.channel_id)
    assert (await ix.wait_response())["type"] == 5  # an interaction answer needs none of them
    await emu.wait_for_message(lambda m: m["content"] == "psst loud=False", timeout=10)


async def test_the_client_sees_the_same_overwrites(harness: Harness) -> None:
    emu, bot = harness.emu, harness.bot
    emu.withhold_from_bot(ATTACH_FILES)  # sends CHANNEL_UPDATE, as Discord does
    await bot.wait_for("guild_channel_update", timeout=10)
    channel = _channel(harness)
    assert channel.overwrites_for(channel.guild.me).attach_files is False
    text = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
    text |= CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
    assert channel.permissions_for(channel.guild.me).value & text == emu.bot_permissions_in() & text
    # (discord.py also clears voice permissions in a text channel; the emulator keeps them)


async def test_no_message_events_from_a_channel_the_bot_cannot_see(harness: Harness) -> None:
    emu, alice, bot = harness.emu, harness.alice, harness.bot
    hidden = emu.add_channel("hidden")
    emu.withhold_from_bot(VIEW_CHANNEL, hidden)
    await emu.post_message(alice, "unseen", channel_id=hidden)
    await emu.post_message(alice, "seen")
    await asyncio.wait_for(bot.seen_event.wait(), 10)
    assert [m.content for m in bot.seen] == ["seen"]


async def test_a_repeated_nonce_returns_the_message_already_made(harness: Harness) -> None:
    emu, channel = harness.emu, _channel(harness)
    first = await channel.send("result", nonce="cs1-abc")  # discord.py adds enforce_nonce
    again = await channel.send("result, sent again", nonce="cs1-abc")
    assert again.id == first.id and again.content == "result"
    assert emu.nonce_replays == [first.id]
    other = emu.add_channel("other")
    elsewhere = await harness.bot.get_partial_messageable(other).send("x", nonce="cs1-abc")
    assert elsewhere.id != first.id  # another channel: a new message
    emu.clock_offset_s += emu.nonce_window_s + 1  # "the past few minutes" have passed
    late = await channel.send("result", nonce="cs1-abc")
    assert late.id != first.id
    assert [m["content"] for m in emu.messages].count("result") == 2
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("x", nonce="n" * 26)  # Discord: a string nonce is ≤ 25 characters
    assert refused.value.code == 50035
