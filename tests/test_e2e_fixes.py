"""End to end: a dead-end fix is never offered. Through the real bot in the Discord
emulator, with real media: a WebM beside a full video budget gets "Remove @video1" (a
button that removes it, then offers the convert that now fits), never a convert the budget
would refuse nor a "trim to 0.0 s"; a 1.6 s OGG gets no convert, only why; a 14×25 GIF's
fix warns that it will look soft; a phone's motion photo is taken as its still with its
video offered as a video, and a HEIC photo is converted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import World
from tests.phone_media import google_motion_photo, heic_photo, short_clip

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
DANGER = 4  # Discord's red button style


def _buttons(message: JSON) -> list[JSON]:
    return [c for row in message["components"] for c in row["components"]]


def _button(message: JSON, label: str) -> str:
    for button in _buttons(message):
        if button.get("label") == label:
            return str(button["custom_id"])
    raise AssertionError(f"no {label!r} button in {[b.get('label') for b in _buttons(message)]}")


async def _click(world: World, message: JSON, label: str) -> None:
    click = await world.emu.click_button(world.alice, message, _button(message, label))
    assert (await click.wait_response())["type"] == 6  # acknowledged first (deferred update)


async def _new_session(world: World, **options: Any) -> JSON:
    ix = await world.emu.slash_command(world.alice, "video", subcommand="new", options=options)
    return await world.card(ix)


async def test_a_dead_end_fix_is_never_offered(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await _new_session(world, prompt="the city at night", duration=15)
    await emu.post_message(alice, "", attachments=[media / "video/city_720p.mp4"])
    await world.reply(lambda m: "Added **@video1** — `city_720p.mp4`" in m["content"])
    # 7.6 s + 7.6 s > 15 s: the second is cut to the 7.4 s left.
    await emu.post_message(alice, "", attachments=[media / "video/city_with_music.mov"])
    mov = await world.reply(lambda m: "city_with_music.mov" in m["content"])
    await _click(world, mov, "Trim to the first 7.4 s")
    await world.reply(lambda m: m["id"] == mov["id"] and "kept as **@video2**" in m["content"])

    # The video budget is used up: converting the WebM would be refused, so it is not offered.
    await emu.post_message(alice, "", attachments=[media / "video/city_720p.webm"])
    webm = await world.reply(lambda m: "city_720p.webm" in m["content"])
    assert "0.0 s" not in webm["content"]
    assert "The other videos use 15 s: remove one to make room for it." in webm["content"]
    buttons = _buttons(webm)
    assert [b["label"] for b in buttons] == [
        "Remove @video1 (7.6 s) to make room",
        "Remove @video2 (7.4 s) to make room",
    ]
    assert {b["style"] for b in buttons} == {DANGER}
    await _click(world, webm, "Remove @video1 (7.6 s) to make room")
    offer = await world.reply(lambda m: m["id"] == webm["id"] and "was removed" in m["content"])
    assert offer["content"].startswith("@video1 was removed to make room. ")
    assert [b["label"] for b in _buttons(offer)] == ["Convert to MP4 (H.264)"]
    await world.reply(lambda m: m["id"] == card["id"] and "city_720p.mp4" not in str(m["embeds"]))
    await _click(world, offer, "Convert to MP4 (H.264)")
    fixed = await world.reply(lambda m: m["id"] == webm["id"] and "Fixed ✓" in m["content"])
    assert "kept as **@video2**" in fixed["content"] and fixed["components"] == []
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    assert [a.tag for a in session.assets] == ["@video1", "@video2"]  # renumbered
    assert session.total_duration_s("video") == pytest.approx(15.0, abs=0.01)

    # 1.6 s of OGG: no convert that would be refused for its length; the reason instead.
    await emu.post_message(alice, "", attachments=[media / "audio/ambi_choir.ogg"])
    choir = await world.reply(lambda m: "ambi_choir.ogg" in m["content"])
    assert choir["components"] == []
    assert "audio clips must be at least 2 s long; this one is 1.6 s" in choir["content"]
    assert "Converting it can't make it longer: upload a clip of at least 2 s." in choir["content"]

    # The 14×25 GIF: its first frame, and a word that 21× will look soft.
    await emu.post_message(alice, "", attachments=[media / "images/no_time_for_that_tiny.gif"])
    gif = await world.reply(lambda m: "no_time_for_that_tiny.gif" in m["content"])
    assert "⚠️ Enlarging it 21× (from 14×25 px) will look soft" in gif["content"]
    await _click(world, gif, "Use the first frame (PNG, enlarged to 300×536)")
    await world.reply(lambda m: m["id"] == gif["id"] and "kept as **@image1**" in m["content"])


async def test_phone_photos_are_taken_as_the_member_means_them(
    world: World, tmp_path: Path
) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await _new_session(world, prompt="a rocket and a cat")
    clip = short_clip(media / "video/city_720p.mp4", tmp_path / "clip.mp4", 2.5)
    photo = google_motion_photo(media / "images/rocket.jpg", clip, tmp_path / "PXL_1_MP.jpg")
    heic = heic_photo(media / "images/chelsea.png", tmp_path / "IMG_0001.HEIC")
    await emu.post_message(alice, "", attachments=[photo, heic])
    still = await world.reply(lambda m: "Added **@image1** — `PXL_1_MP.jpg`" in m["content"])
    assert "It is a motion photo: its still picture was kept" in still["content"]
    offer = await world.reply(lambda m: "It also holds a 2.5 s video" in m["content"])
    cat = await world.reply(lambda m: "Added **@image2** — `IMG_0001.HEIC`" in m["content"])
    assert "It was converted from HEIC to JPEG." in cat["content"]
    await _click(world, offer, "Add its 2.5 s video")
    added = await world.reply(lambda m: m["id"] == offer["id"] and "@video1" in m["content"])
    assert "`PXL_1_MP-video.mp4`" in added["content"]
    await world.reply(lambda m: m["id"] == card["id"] and "Assets (3)" in str(m["embeds"]))
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    assert [(a.tag, a.format) for a in session.assets] == [
        ("@image1", "jpeg"),
        ("@image2", "jpeg"),
        ("@video1", "mp4"),
    ]
