"""End to end: members read Callsheet in their Discord locale (``interaction.locale``), the
card in its owner's, and posts without an interaction in the guild's (docs/ARCHITECTURE.md
"Words"); the slash commands carry Chinese descriptions through discord.py's Translator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import DiscordEmulator
from tests.helpers import World, card_button, fields, role_select, running_bot

pytestmark = pytest.mark.e2e

JSON = dict[str, Any]


async def test_a_chinese_member_reads_a_chinese_card_and_chinese_errors(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    mei = emu.add_member("mei", locale="zh-CN")
    card = await world.card(
        await emu.slash_command(mei, "video", subcommand="new", options={"prompt": "城市夜景"})
    )
    embed = card["embeds"][0]
    assert embed["title"] == "🎬 视频会话 #1"
    assert set(fields(card)) >= {"素材（0）", "设置", "模式", "价格"}
    assert fields(card)["模式"] == "文生视频"
    assert embed["footer"]["text"].startswith("把文件发到这里")
    labels = [c["label"] for row in card["components"] for c in row["components"]]
    assert labels == ["提示词", "查看请求", "生成", "关闭", "设置"]

    # A refused upload and the role question speak her language too.
    await emu.post_message(mei, "", attachments=[media / "audio/ambi_choir.ogg"])
    refused = await world.reply(lambda m: "ambi_choir.ogg" in m["content"])
    assert refused["content"].startswith("未添加 `ambi_choir.ogg`：")
    assert "音频片段至少 2 秒" in refused["content"]
    assert "转换格式无法让它变长" in refused["content"]
    await emu.post_message(mei, "", attachments=[media / "images/rocket.jpg"])
    question = await world.reply(lambda m: "rocket.jpg" in m["content"] and "建议" in m["content"])
    assert question["content"].startswith("已添加 **@image1**")
    select = next(
        c for row in question["components"] for c in row["components"]
        if c["custom_id"] == role_select(question)
    )  # fmt: skip
    assert select["placeholder"] == "@image1 用来做什么？"
    assert {o["label"] for o in select["options"]} >= {"首帧", "尾帧", "角色", "风格"}

    # An error from a slash command: a second session in the same channel.
    again = await emu.slash_command(mei, "video", subcommand="new")
    error = await again.wait_reply()
    assert error["flags"] & 64
    assert error["content"] == (
        "你在这个频道已经有一个打开的会话：往里面添加素材，或先用 `/video cancel` 关闭它。"
    )

    # An error from a component follows whoever clicked, not the card's owner.
    english = await emu.click_button(alice, card, card_button(card, "generate"))
    assert (await english.wait_reply())["content"] == f"This session belongs to <@{mei.id}>."
    chinese = await emu.click_button(mei, card, card_button(card, "request"))
    request = (await chinese.wait_reply())["embeds"][0]
    assert request["title"] == "请求 — 参考生视频"  # a wide view: suggested as a scene
    assert "给好奇的你：视频服务实际收到的提示词" in {f["name"] for f in request["fields"]}

    # Alice's own card, in the same channel, stays English.
    theirs = await world.card(
        await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "a kite"})
    )
    assert theirs["embeds"][0]["title"] == "🎬 Video session #2"


def _walk(options: list[JSON], where: str) -> list[tuple[str, JSON]]:
    found: list[tuple[str, JSON]] = []
    for option in options:
        path = f"{where} {option['name']}"
        found.append((path, option))
        found += _walk(option.get("options") or [], path)
    return found


async def test_every_command_and_option_is_described_in_both_languages(world: World) -> None:
    described = []
    for command in world.emu.commands:
        described.append((f"/{command['name']}", command))
        described += _walk(command.get("options") or [], f"/{command['name']}")
    assert len(described) > 100
    for path, item in described:
        assert item["description"] not in ("", "…"), path
        chinese = (item.get("description_localizations") or {}).get("zh-CN")
        assert chinese and chinese != item["description"], path
        assert not item.get("name_localizations"), path  # names stay English
        for choice in item.get("choices") or []:
            localized = choice.get("name_localizations") or {}
            words = choice["name"] != str(choice["value"]) and "Seedance" not in choice["name"]
            if words:  # identifiers (16:9, 720p, fal) and brand names read the same anywhere
                assert localized.get("zh-CN"), (path, choice["name"])
    new = world.emu.command("video")
    assert new["description_localizations"]["zh-CN"] == "用 Seedance 2.0 制作视频"


@pytest.fixture
async def chinese_guild(tmp_path: Path, media: Path) -> AsyncIterator[World]:
    async with running_bot(tmp_path, media, guild_locale="zh-CN") as running:
        yield running


async def test_posts_without_an_interaction_use_the_guild_language(chinese_guild: World) -> None:
    emu: DiscordEmulator = chinese_guild.emu
    mod = emu.add_member("mod", permissions=1 << 5)  # Manage Server, an English client
    log_channel = emu.add_channel("callsheet-log")
    ix = await emu.slash_command(
        mod, "admin", subcommand="config set", options={"audit_channel": log_channel}
    )
    reply = await ix.wait_reply()
    assert reply["content"] == "Saved. It applies now."  # the moderator's own locale
    posted = await chinese_guild.reply(lambda m: m["channel_id"] == str(log_channel))
    assert f"<@{mod.id}> **修改了配置**：" in posted["content"]  # the guild's
