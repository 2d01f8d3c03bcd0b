"""End to end: a session opens only where the bot may do what a session needs. With a
permission withheld in the channel (the emulator computes the bot's channel permissions
the Discord way and sends them as ``app_permissions``), ``/video new`` and
``/video template`` tell the member exactly which permissions are missing, open nothing,
and tell the moderators (audit log and audit channel) once. Taken away while a job runs,
the result waits (nothing is sent for Discord to refuse), the moderators are told, and it
is posted once the permission is back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.emulator.models import (
    ATTACH_FILES,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
)
from tests.fakes.ark import FakeArk
from tests.helpers import World, running_bot
from tests.test_e2e_jobs import _ark_settings

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
MANAGE_GUILD = 1 << 5

NAMES = {
    VIEW_CHANNEL: "View Channel",
    SEND_MESSAGES: "Send Messages",
    EMBED_LINKS: "Embed Links",
    ATTACH_FILES: "Attach Files",
    READ_MESSAGE_HISTORY: "Read Message History",
}


async def _new(world: World, **options: Any) -> JSON:
    ix = await world.emu.slash_command(
        world.alice, "video", subcommand="new", options={"prompt": "a fox", **options}
    )
    response = await ix.wait_response()
    assert response["type"] == 5  # acknowledged first, as every command
    return await ix.wait_followup()


def _listed(content: str) -> list[str]:
    return [line.removeprefix("• ") for line in content.splitlines() if line.startswith("• ")]


@pytest.mark.parametrize(
    ("withheld", "named"),
    [
        (VIEW_CHANNEL, list(NAMES)),  # without View Channel Discord grants nothing there
        (SEND_MESSAGES, [SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES]),  # (implicitly denied)
        (EMBED_LINKS, [EMBED_LINKS]),
        (ATTACH_FILES, [ATTACH_FILES]),
        (READ_MESSAGE_HISTORY, [READ_MESSAGE_HISTORY]),
    ],
    ids=["view", "send", "embed", "attach", "history"],
)
async def test_the_member_is_told_exactly_what_is_missing(
    world: World, withheld: int, named: list[int]
) -> None:
    emu = world.emu
    emu.withhold_from_bot(withheld)
    told = await _new(world)
    assert told["flags"] & 64  # the member's alone; the public placeholder is gone
    assert _listed(told["content"]) == [NAMES[bit] for bit in named]
    assert "Edit Channel → Permissions" in told["content"]
    assert (
        await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, world.alice.id)
        is None
    )
    assert emu.refused == []  # found before any call Discord would have refused
    emu.withhold_from_bot(0)  # a moderator fixes it: the session opens
    ix = await emu.slash_command(world.alice, "video", subcommand="new", options={"prompt": "x"})
    assert (await world.card(ix))["embeds"]


async def test_moderators_are_told_once_in_the_audit_log_and_channel(world: World) -> None:
    emu = world.emu
    log_channel = await _audit_channel(world)
    emu.withhold_from_bot(ATTACH_FILES | EMBED_LINKS)
    await _new(world)
    posted = await world.reply(
        lambda m: (
            m["channel_id"] == str(log_channel) and "missing channel permissions" in m["content"]
        )
    )
    assert f"<#{emu.channel_id}> the bot lacks Embed Links, Attach Files" in posted["content"]
    assert f"<@{world.alice.id}>" in posted["content"]
    template = await emu.slash_command(
        world.alice, "video", subcommand="template", options={"template": "first_frame"}
    )
    assert _listed((await template.wait_followup())["content"]) == ["Embed Links", "Attach Files"]
    entries = await world.bot.services.moderation.audit.latest(emu.guild_id)
    assert [e.action for e in entries].count("bot.permissions") == 1  # once, not per attempt


async def test_a_chinese_member_reads_discords_chinese_names(world: World) -> None:
    emu = world.emu
    wang = emu.add_member("wang", locale="zh-CN")
    emu.withhold_from_bot(ATTACH_FILES)
    ix = await emu.slash_command(wang, "video", subcommand="new", options={"prompt": "狐狸"})
    told = await ix.wait_followup()
    assert _listed(told["content"]) == ["附加文件"] and "编辑频道 → 权限" in told["content"]


async def _audit_channel(world: World) -> int:
    mod = world.emu.add_member("mod", permissions=MANAGE_GUILD)
    log_channel = world.emu.add_channel("callsheet-log")
    ix = await world.emu.slash_command(
        mod, "admin", subcommand="config set", options={"audit_channel": log_channel}
    )
    await ix.wait_followup()
    return log_channel


async def test_a_result_waits_for_a_permission_taken_away(tmp_path: Path, media: Path) -> None:
    async with (
        FakeArk(polls_before_done=10**6, run_s=None) as ark,
        running_bot(tmp_path, media, **_ark_settings(ark)) as world,
    ):
        emu = world.emu
        log_channel = await _audit_channel(world)
        ix = await emu.slash_command(
            world.alice, "video", subcommand="new", options={"prompt": "a kite", "duration": 4}
        )
        card = await world.card(ix)
        await world.generate(card)
        await ark.wait_until(lambda: len(ark.tasks) == 1)
        emu.withhold_from_bot(ATTACH_FILES)  # a moderator's channel override, mid-job
        await world.bot.wait_for("guild_channel_update", timeout=10)
        (task,) = ark.tasks.values()
        await ark.finish(task.id)
        told = await world.reply(
            lambda m: m["channel_id"] == str(log_channel) and "video waits" in m["content"]
        )
        assert f"<#{emu.channel_id}> the bot lacks Attach Files" in told["content"]
        assert emu.refused == []  # nothing was sent for Discord to refuse
        assert not [m for m in emu.messages if "your video is ready" in m["content"]]
        emu.withhold_from_bot(0)  # given back
        await world.bot.wait_for("guild_channel_update", timeout=10)
        world.bot.services.runner.wake()
        await world.reply(lambda m: "your video is ready" in m["content"])
        assert len([m for m in emu.messages if "your video is ready" in m["content"]]) == 1
