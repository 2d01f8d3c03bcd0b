"""End to end: without Discord's privileged message-content intent. Discord closes the
gateway with 4014 when a bot asks for an intent its application may not use (the emulator
too); Callsheet then connects without it instead of stopping, says so in its log, and its
session card tells members to add files with ``/video add``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import discord
import pytest
import yarl

from tests.emulator import DiscordEmulator
from tests.emulator.models import INTENT_MESSAGE_CONTENT
from tests.helpers import World, fields, running_bot
from tests.test_emulator import TinyBot, _stop_bot

pytestmark = pytest.mark.e2e

CARD_NOTE = "Use `/video add` to add images, clips or audio"


def _refuse_message_content(emu: DiscordEmulator) -> dict[str, object]:
    emu.allowed_intents &= ~INTENT_MESSAGE_CONTENT  # the portal's switch is off
    return {}


async def test_the_emulator_refuses_a_disallowed_intent_like_discord(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with DiscordEmulator(tmp_path) as emu:
        emu.allowed_intents &= ~INTENT_MESSAGE_CONTENT
        bot = TinyBot(content=True)
        monkeypatch.setattr(discord.http.Route, "BASE", emu.api_base)
        gateway = yarl.URL(emu.gateway_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", gateway)
        try:
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(bot.start("fake-token"), 30)
        finally:
            await bot.close()
        assert emu.gateway_log == ["IDENTIFY", "DISALLOWED"] and not emu.connected
        bot = TinyBot(content=False)  # without it, the same app connects
        task = asyncio.create_task(bot.start("fake-token"))
        await emu.wait_ready(timeout=20, bot_task=task)
        await _stop_bot(bot, task)


async def _open_card(world: World) -> dict[str, object]:
    ix = await world.emu.slash_command(
        world.alice, "video", subcommand="new", options={"prompt": "a red kite"}
    )
    return await world.card(ix)


async def test_refused_the_intent_the_bot_connects_without_it_and_says_so(
    tmp_path: Path, media: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cogs.client")
    async with running_bot(tmp_path, media, setup=_refuse_message_content) as world:
        emu = world.emu
        assert emu.gateway_log == ["IDENTIFY", "DISALLOWED", "IDENTIFY"]
        assert not world.bot.intents.message_content
        (warning,) = [r.getMessage() for r in caplog.records if "message-content" in r.message]
        assert "close code 4014" in warning and "/video add" in warning
        card = await _open_card(world)
        assert fields(card)["Adding files"].startswith(CARD_NOTE)
        assert fields(card)["Assets (0)"] == "*None yet.*"
        # A file posted in the channel without a mention doesn't reach the bot (Discord
        # strips it); one posted mentioning the bot does, and /video add always does.
        plain = await emu.post_message(world.alice, "", [media / "images/rocket.jpg"])
        mention = f"<@{emu.bot_user_id}> this one"
        await emu.post_message(world.alice, mention, [media / "images/rocket.jpg"])
        asked = await world.reply(lambda m: "@image1" in m["content"])
        session = await world.bot.services.sessions.get(1)
        assert session.thread_id is not None  # asked in the session's thread, not a reply
        assert asked["channel_id"] == str(session.thread_id) and "message_reference" not in asked
        added = await emu.slash_command(
            world.alice,
            "video",
            subcommand="add",
            attachments={"asset1": media / "images/coffee.png"},
        )
        await added.wait_response()
        updated = await world.reply(
            lambda m: m["id"] == card["id"] and "Assets (2)" in str(m["embeds"])
        )
        assert fields(updated)["Adding files"].startswith(CARD_NOTE)
        replied_to = [m.get("message_reference", {}).get("message_id") for m in emu.messages]
        assert plain["id"] not in replied_to


async def test_with_the_intent_the_card_says_nothing_of_it(tmp_path: Path, media: Path) -> None:
    async with running_bot(tmp_path, media) as world:
        assert world.emu.gateway_log == ["IDENTIFY"] and world.bot.intents.message_content
        card = await _open_card(world)
        assert "Adding files" not in fields(card)


async def test_turned_off_by_setting_the_bot_never_asks(
    tmp_path: Path, media: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cogs.client")
    async with running_bot(tmp_path, media, message_content_intent=False) as world:
        assert world.emu.gateway_log == ["IDENTIFY"]
        assert any("MESSAGE_CONTENT_INTENT is false" in r.getMessage() for r in caplog.records)
        card = await _open_card(world)
        assert fields(card)["Adding files"].startswith(CARD_NOTE)
