"""End to end: ``/help`` tells a member, alone and in their language, what Callsheet does,
the first three steps, the templates, Seedance's limits in plain words and their credits."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.seedance.templates import TEMPLATES
from bot.words import Words
from tests.emulator import Member
from tests.helpers import World, fields

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
WORDS = Words()


async def _help(world: World, member: Member) -> JSON:
    ix = await world.emu.slash_command(member, "help")
    response = await ix.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & 64  # private, at once
    assert ix.response_seconds is not None and ix.response_seconds < 3
    shown = await ix.wait_update()
    message = world.emu.message(shown["id"])
    assert message["ephemeral"] and message["ephemeral_for"] == member.id
    return message


async def test_help_in_english(world: World) -> None:
    message = await _help(world, world.alice)
    embed = message["embeds"][0]
    assert embed["title"] == "Callsheet — direct a Seedance video from this chat"
    assert "Seedance 2.0" in embed["description"]
    shown = fields(message)
    steps = shown["Start in three steps"].splitlines()
    assert [line[:3] for line in steps] == ["1. ", "2. ", "3. "]
    assert "`/video new`" in steps[0] and "**Generate**" in steps[2]
    templates = "\n".join(
        f["value"] for f in embed["fields"] if f["name"] == "Templates (`/video template`)"
    )
    for template in TEMPLATES:  # every template, by name, with when to use it
        assert f"**{WORDS.text(template.name)}** — {WORDS.text(template.hint)}" in templates
    assert shown["Seedance's limits"].splitlines() == [
        "• Videos of 4–15 s, at 480p / 720p, in 16:9, 9:16, 1:1, 4:3, 3:4, 21:9",
        "• Up to 9 pictures (JPEG/PNG/WEBP; 300–6,000 px a side; at most 30 MB each)",
        "• Up to 3 video clips (MOV/MP4; 2–15 s each, 15 s in all; at most 50 MB each)",
        "• Up to 3 audio files (MP3/WAV; 2–15 s each, 15 s in all; at most 15 MB each)",
        "• At most 12 files in all; a prompt of up to 1,000 words (or 500 Chinese characters)",
    ]
    assert shown["Your credits"].startswith("100 available, 0 held")
    assert re.search(r"\bseeds?\b", str(embed), re.IGNORECASE) is None  # no sources cited


async def test_help_in_chinese_with_the_members_balance(world: World) -> None:
    mei = world.emu.add_member("mei", locale="zh-CN")
    message = await _help(world, mei)
    embed = message["embeds"][0]
    assert embed["title"] == "Callsheet — 在聊天里导演一段 Seedance 视频"
    shown = fields(message)
    assert shown["你的积分"].startswith("可用 100，冻结 0")
    assert shown["Seedance 的限制"].splitlines()[0].startswith("• 视频时长 4–15 秒")
