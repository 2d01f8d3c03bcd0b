"""End to end: ``/video notify on|off`` and the direct message it asks for. The bot opens
the DM channel as Discord does (``POST /users/@me/channels``) and posts there beside the
channel post; a member whose DMs are closed still gets the channel post."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator import DiscordEmulator, Member
from tests.helpers import World, a_failing_job

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


def _dms(emu: DiscordEmulator, member: Member) -> list[JSON]:
    channel = str(emu.dm_channel_id(member))
    return [m for m in emu.messages if m["channel_id"] == channel]


async def _notify(world: World, member: Member, state: str) -> str:
    ix = await world.emu.slash_command(
        member, "video", subcommand="notify", options={"state": state}
    )
    response = await ix.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & 64
    return str((await ix.wait_update())["content"])


async def _session(world: World, member: Member, prompt: str, channel: int | None = None) -> JSON:
    ix = await world.emu.slash_command(
        member, "video", subcommand="new", options={"prompt": prompt, "duration": 4},
        channel_id=channel,
    )  # fmt: skip
    return await world.card(ix)


async def test_a_dm_when_a_job_is_ready_or_fails_and_none_when_off(world: World) -> None:
    emu, alice = world.emu, world.alice
    said = await _notify(world, alice, "on")
    assert said.startswith("Done: you'll get a direct message when a job of yours is ready")
    card = await _session(world, alice, "a kite over the sea")
    await world.generate(card)
    post = await world.reply(lambda m: "your video is ready" in m["content"])
    dm = await world.reply(lambda m: m["channel_id"] == str(emu.dm_channel_id(alice)))
    link = f"https://discord.com/channels/{emu.guild_id}/{post['channel_id']}/{post['id']}"
    assert dm["content"] == f"Your video is ready: job #1 — {link}"
    assert emu.message(post["id"])["attachments"]  # the channel post still happened

    # A failed job: the renderer can't read the picture.
    await a_failing_job(world, card)
    await world.reply(lambda m: "job #2 failed" in m["content"])
    failed = await world.reply(
        lambda m: m["channel_id"] == str(emu.dm_channel_id(alice)) and "#2" in m["content"]
    )
    assert failed["content"].startswith("Job #2 failed: ")
    assert "credits were released" in failed["content"]

    assert (await _notify(world, alice, "off")) == "Done: no more direct messages about your jobs."
    card = await _session(world, alice, "a quiet harbour", emu.add_channel("harbour"))
    await world.generate(card)
    await world.reply(lambda m: "your video is ready" in m["content"] and "#3" in str(m))
    assert len(_dms(emu, alice)) == 2  # nothing more once off


async def test_closed_dms_still_get_the_channel_post(world: World) -> None:
    emu = world.emu
    bob = emu.add_member("bob")
    bob.accepts_dms = False
    await _notify(world, bob, "on")
    await world.generate(await _session(world, bob, "a lantern"), bob)
    post = await world.reply(lambda m: "your video is ready" in m["content"])
    assert f"<@{bob.id}>" in post["content"]
    assert _dms(emu, bob) == []
    # The refused DM held nothing up: bob's next job is delivered too, posted once each.
    await world.generate(await _session(world, bob, "a boat", emu.add_channel("boats")), bob)
    await world.reply(lambda m: "your video is ready" in m["content"] and "#2" in str(m))
    posts = [m for m in emu.messages if "your video is ready" in m.get("content", "")]
    assert len(posts) == 2 and _dms(emu, bob) == []
