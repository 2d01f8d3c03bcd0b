"""End to end: intake that never wastes a member's money — one-click fixes, the face
pre-check, a video's sound and frames as new assets, hostile files, and the asset board,
all through the real bot in the Discord emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image

from tests.corpus import make_corpus
from tests.helpers import World, fields, labelled_button, new_session

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


async def test_a_too_long_1080p_clip_is_fixed_with_one_click(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await new_session(world, prompt="city")
    await emu.post_message(alice, "", attachments=[media / "video/city_20s_1080p.mp4"])
    refusal = await world.reply(lambda m: "city_20s_1080p.mp4" in m["content"])
    assert "at most 15 s long" in refusal["content"] and "at most 720p" in refusal["content"]
    assert "One click can fix it" in refusal["content"]
    # The session makes a 5 s clip (the default), so the trims keep 5 s, not 15 s.
    click, double = await asyncio.gather(  # a double click on two fixes: one wins
        emu.click_button(alice, refusal, labelled_button(refusal, "Trim to the first 5 s")),
        emu.click_button(alice, refusal, labelled_button(refusal, "Keep 3.7–8.7 s")),
    )
    assert (await click.wait_response())["type"] == 6
    fixed = await world.reply(lambda m: m["id"] == refusal["id"] and "Fixed ✓" in m["content"])
    assert "@video1" in fixed["content"] and fixed["components"] == []
    await world.reply(lambda m: "Added **@video1** — `city_20s_1080p-fixed.mp4`" in m["content"])
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    (video,) = session.assets
    assert video.duration_s == pytest.approx(5.0, abs=0.15)
    assert video.width is not None and video.height is not None
    assert video.width * video.height <= 927_408
    pending = world.bot.settings.data_dir / "sessions" / str(session.id) / "pending"
    originals = list(pending.iterdir())
    assert [p.suffix for p in originals] == [".mp4"]  # the original is kept
    await double.wait_response()
    loser = await world.reply(lambda m: "already fixed" in m.get("content", ""))
    assert loser["ephemeral"]
    assert "Trim to the first" not in str(emu.message(int(card["id"]))["embeds"])


async def test_flac_is_converted_and_an_undecodable_tiff_is_refused_plainly(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    await new_session(world, prompt="music")
    files = [media / "audio/loop_garzul.flac", media / "images/multipage_rgb.tif"]
    await emu.post_message(alice, "", attachments=files)
    flac = await world.reply(lambda m: "loop_garzul.flac" in m["content"])
    tiff = await world.reply(lambda m: "multipage_rgb.tif" in m["content"])
    assert tiff["components"] == [] and "JPEG, PNG or WebP" in tiff["content"]
    click = await emu.click_button(alice, flac, labelled_button(flac, "Convert FLAC to MP3"))
    await click.wait_response()
    added = await world.reply(
        lambda m: "Added **@audio1** — `loop_garzul-fixed.mp3`" in m["content"]
    )
    assert "background music" in added["content"]


async def test_a_guild_can_block_faces_and_members_can_remove_flagged_assets(
    world: World,
) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    await new_session(world, prompt="two people")
    await emu.post_message(alice, "", attachments=[media / "images/astronaut.png"])
    warning = await world.reply(lambda m: "realistic human face" in m["content"])
    remove = await emu.click_button(alice, warning, labelled_button(warning, "Remove @image1"))
    await remove.wait_update()
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.assets == ()

    mod = emu.add_member("mod", permissions=1 << 5)
    block = {"face_check": "block"}
    ix = await emu.slash_command(mod, "admin", subcommand="config set", options=block)
    assert (await ix.wait_reply())["content"].startswith("Saved")
    await emu.post_message(alice, "", attachments=[media / "images/astronaut.png"])
    blocked = await world.reply(lambda m: "this server blocks them" in m["content"])
    assert "astronaut.png" in blocked["content"]
    await emu.post_message(alice, "", attachments=[media / "images/chelsea.png"])
    cat = await world.reply(lambda m: "— `chelsea.png`" in m["content"])
    assert "Added **@image1**" in cat["content"]  # tags renumber: the removed one's is free


async def test_a_videos_sound_and_a_moment_become_new_assets(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await new_session(world, prompt="city")
    await emu.post_message(alice, "", attachments=[media / "video/city_with_music.mov"])
    question = await world.reply(lambda m: "Added **@video1**" in m["content"])
    sound = await emu.click_button(alice, question, labelled_button(question, "sound as audio"))
    await sound.wait_response()
    await world.reply(lambda m: "Added **@audio1** — `city_with_music-sound.mp3`" in m["content"])
    asset_id = question["components"][0]["components"][0]["custom_id"].split(":")[2]
    pick = await emu.choose(alice, question, f"cs:frame:{asset_id}", ["3.80"])
    await pick.wait_response()
    frame = await world.reply(
        lambda m: "Added **@image1** — `city_with_music-3.8s.png`" in m["content"]
    )
    assert "first frame" in frame["content"]
    card = await world.reply(lambda m: m["id"] == card["id"] and "Assets (3)" in str(m["embeds"]))
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    audio = session.assets_of("audio")[0]
    assert audio.duration_s == pytest.approx(7.6, abs=0.2)
    with av.open(str(audio.path)) as clip:
        assert clip.streams.audio[0].codec_context.name.startswith("mp3")


async def test_the_card_carries_a_readable_asset_board(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await new_session(world, prompt="board")
    await emu.post_message(
        alice, "", attachments=[media / "images/rocket.jpg", media / "audio/loop_tabla.mp3"]
    )
    card = await world.reply(
        lambda m: m["id"] == card["id"] and "Assets (2)" in str(m["embeds"]) and m["attachments"]
    )
    (board,) = card["attachments"]
    assert board["filename"] == "board.jpg"
    assert "/board.jpg?" in card["embeds"][0]["image"]["url"]  # resolved like Discord does
    with Image.open(emu.attachment_path(board)) as image:
        assert image.format == "JPEG" and image.width == 1200
    assert "`@audio1`" in fields(card)["Assets (2)"]


async def test_hostile_files_are_refused_through_the_bot(world: World, tmp_path: Path) -> None:
    emu, alice = world.emu, world.alice
    corpus = make_corpus(tmp_path / "corpus")
    await new_session(world, prompt="hostile")
    chosen = {
        name: corpus[name]
        for name in (
            "zip_as_png",
            "truncated_mp4",
            "png_bomb",
            "stream_bomb_mkv",
            "empty",
            "gif_frame_bomb",
            "jpeg_zip_polyglot",
            "random_mov",
        )
        if name in corpus
    }
    assert len(chosen) == 8, sorted(corpus)
    await emu.post_message(alice, "", attachments=list(chosen.values()))
    for path in chosen.values():
        refusal = await world.reply(
            lambda m, n=path.name: n in m["content"] and "was not added" in m["content"]
        )
        assert refusal["components"] == []
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.assets == ()
    assert await world.credits(alice) == 100
