"""End to end: ``/video history`` pages through a member's videos, newest first, each with
its first frame, prompt, price and result buttons, and the pages and buttons keep working
after the bot restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cogs.client import CallsheetBot
from tests.emulator import DiscordEmulator, EmuInteraction, Member
from tests.helpers import confirm_spend, fields, price_question, running_bot

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


async def _history(emu: DiscordEmulator, member: Member) -> JSON:
    ix = await emu.slash_command(member, "video", subcommand="history")
    response = await ix.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & 64  # private, at once
    shown = await ix.wait_update()
    return emu.message(shown["id"])


def _buttons(message: JSON) -> list[tuple[str, bool]]:
    return [
        (c["custom_id"], bool(c.get("disabled")))
        for row in message["components"]
        for c in row["components"]
    ]


async def _page(emu: DiscordEmulator, member: Member, message: JSON, custom_id: str) -> JSON:
    click: EmuInteraction = await emu.click_button(member, message, custom_id)
    await click.wait_update()
    return emu.message(message["id"])


async def test_history_pages_newest_first_and_survives_a_restart(
    tmp_path: Path, media: Path
) -> None:
    async with running_bot(tmp_path, media) as world:
        emu, alice = world.emu, world.alice
        bob = emu.add_member("bob")
        assert (await _history(emu, bob))["content"] == (
            "You have no videos here yet. Start one with `/video new`."
        )
        ix = await emu.slash_command(
            alice, "video", subcommand="new", options={"prompt": "a paper boat", "duration": 4}
        )
        await world.generate(await world.card(ix))
        first = await world.reply(lambda m: "your video is ready" in m["content"])
        again = await emu.click_button(alice, first, "cs:result:1:regenerate")
        await confirm_spend(emu, alice, again)
        await world.reply(
            lambda m: "your video is ready" in m["content"] and m["id"] != first["id"]
        )

        newest = await _history(emu, alice)
        assert newest["ephemeral"] and newest["ephemeral_for"] == alice.id
        embed = newest["embeds"][0]
        assert embed["title"].startswith("🎬 Job #2") and embed["description"] == "a paper boat"
        assert embed["footer"]["text"] == "Video 1 of 2"
        assert fields(newest)["Credits spent"] == "4"
        (thumb,) = newest["attachments"]
        assert f"/{thumb['filename']}?" in embed["image"]["url"]
        with Image.open(emu.attachment_path(thumb)) as picture:
            assert picture.format == "JPEG" and picture.width <= 480
        newer, older = f"cs:history:{alice.id}:0", f"cs:history:{alice.id}:1"
        assert _buttons(newest) == [
            ("cs:result:2:regenerate", False), ("cs:result:2:extend", False),
            ("cs:result:2:edit", False), ("cs:result:2:reference", False),
            (newer, True), (older, False),
        ]  # fmt: skip

        settings = world.bot.settings
        await world.bot.close()
        restarted = CallsheetBot(settings, clock=world.clock)
        task = asyncio.create_task(restarted.start("emulated-token"))
        try:
            await emu.wait_identified(2)
            page = await _page(emu, alice, newest, older)
            assert page["embeds"][0]["title"].startswith("🎬 Job #1")
            assert page["embeds"][0]["footer"]["text"] == "Video 2 of 2"
            assert (f"cs:history:{alice.id}:2", True) in _buttons(page)  # no older one
            regenerate = await emu.click_button(alice, page, "cs:result:1:regenerate")
            question = await price_question(emu, regenerate)
            assert question["content"].startswith("**Regenerate** job #1")
            back = await _page(emu, alice, page, newer)
            assert back["embeds"][0]["footer"]["text"] == "Video 1 of 2"
        finally:
            await restarted.close()
            await asyncio.wait_for(task, 30)
