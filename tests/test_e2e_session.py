"""End to end: the real bot (real discord.py client, ``CallsheetBot``) against the loopback
Discord emulator, real media, real SQLite, the real preview renderer.

A member opens a session, uploads a real image, video and audio file, picks roles in the
selects, writes the prompt in the modal, clicks Generate and gets an MP4 in the channel.
"""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.helpers import (
    World,
    card_button,
    fields,
    role_select,
)

pytestmark = pytest.mark.e2e


async def test_a_member_directs_a_video_from_real_media(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    assert {c["name"] for c in emu.commands} >= {"video", "credits"}
    before = await world.credits(alice)
    assert before == 100  # the guild's starting allowance

    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"duration": 4, "ratio": "16:9"},
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    card = await world.card(ix)
    assert card["embeds"][0]["title"].startswith("🎬 Video session #")
    image_q = await world.reply(lambda m: "Added **@image1**" in m["content"])
    assert "I suggest **scene**" in image_q["content"]  # a wide view, nothing in the middle
    thread = emu.thread(card["id"])  # the session's own thread, started from its card
    assert image_q["channel_id"] == thread["id"]

    posted = await emu.post_message(
        alice,
        "motion and music",
        attachments=[media / "video/city_720p.mp4", media / "audio/loop_tabla.mp3"],
        channel_id=int(thread["id"]),
    )
    video_q = await world.reply(lambda m: "Added **@video1**" in m["content"])
    audio_q = await world.reply(lambda m: "Added **@audio1**" in m["content"])
    assert video_q["message_reference"]["message_id"] == posted["id"]

    for question, role in ((image_q, "first_frame"), (video_q, "rhythm"), (audio_q, "beat_sync")):
        pick = await emu.choose(alice, question, role_select(question), [role])
        await pick.wait_update()
    assert "rhythm" in emu.message(video_q["id"])["content"]
    card = await world.reply(
        lambda m: m["id"] == card["id"] and "beat sync" in m["embeds"][0]["fields"][0]["value"]
    )
    assets = fields(card)["Assets (3)"]
    assert "`@image1` **first frame**" in assets and "`@video1` **rhythm**" in assets

    opener = await emu.click_button(alice, card, card_button(card, "prompt"))
    assert (await opener.wait_response())["type"] == 9
    bad = await emu.submit_modal(alice, opener, {"prompt": "@image1 meets @image7"})
    answer = await bad.wait_reply()
    assert answer["flags"] & 64 and "@image7" in answer["content"]

    opener = await emu.click_button(alice, card, card_button(card, "prompt"))
    await opener.wait_response()
    saved = await emu.submit_modal(
        alice, opener, {"prompt": "@image1 lifts off; cut on the beat of @audio1"}
    )
    await saved.wait_update()
    card = emu.message(card["id"])
    assert "Request" not in fields(card)  # the compiled prompt is under View request
    view = await emu.click_button(alice, card, card_button(card, "request"))
    shown = {f["name"]: f["value"] for f in (await view.wait_reply())["embeds"][0]["fields"]}
    request = shown["For the curious: the prompt exactly as the provider receives it"]
    assert "@Image1 as first frame. match @Video1 rhythm. sync to @Audio1 beat." in request
    price = int(fields(card)["Price"].split("**")[1])
    assert price == 6  # 4 s × 1 credit/s at 480p × 1.5 for a video reference

    started = await world.generate(card)
    assert started["content"].startswith("Job #1 started") and not started["components"]
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    assert f"<@{alice.id}>" in result["content"]
    assert fields(result)["Credits spent"] == str(price)
    (attachment,) = result["attachments"]
    with av.open(str(emu.attachment_path(attachment))) as clip:
        video, audio = clip.streams.video[0], clip.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        assert (video.codec_context.width, video.codec_context.height) == (864, 480)
        assert float(clip.duration / av.time_base) == pytest.approx(4.0, abs=0.1)
    assert await world.credits(alice) == before - price


async def test_broken_files_are_refused_and_cost_nothing(world: World, tmp_path: Path) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "city"})
    await world.card(ix)
    truncated = tmp_path / "clip.mp4"
    truncated.write_bytes((media / "video/city_720p.mp4").read_bytes()[:50_000])
    await emu.post_message(
        alice, "", attachments=[media / "images/multipage_rgb.tif", truncated,
                                media / "video/city_20s_1080p.mp4"]
    )  # fmt: skip
    tiff = await world.reply(lambda m: "multipage_rgb.tif" in m["content"])
    assert "was not added" in tiff["content"] and "JPEG, PNG or WebP" in tiff["content"]
    cut = await world.reply(lambda m: "clip.mp4" in m["content"])
    assert "was not added" in cut["content"]
    long = await world.reply(lambda m: "city_20s_1080p.mp4" in m["content"])
    assert "at most 15 s long" in long["content"] and "this one is 20 s" in long["content"]
    assert "at most 720p (1280×720)" in long["content"] and "927,408" not in long["content"]
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.assets == ()
    assert await world.credits(alice) == 100


async def test_a_failed_render_refunds_and_keeps_the_session(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"duration": 4},
        attachments={"asset1": media / "images/coffee.png"},
    )  # fmt: skip
    card = await world.card(ix)
    await world.reply(lambda m: "Added **@image1**" in m["content"])
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    session.assets[0].path.write_bytes(b"the disk ate it")  # the renderer fails for real
    card = await world.reply(lambda m: m["id"] == card["id"] and "@image1" in str(m["embeds"]))
    await world.generate(card)
    failed = await world.reply(lambda m: "failed" in m["content"] and "released" in m["content"])
    assert f"<@{alice.id}>" in failed["content"] and "Generate" in failed["content"]
    assert await world.credits(alice) == 100
    reopened = await world.bot.services.sessions.get(session.id)
    assert reopened.state == "open"


async def test_someone_else_cannot_press_your_buttons(world: World) -> None:
    emu, alice = world.emu, world.alice
    bob = emu.add_member("bob")
    card = await world.card(
        await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "a kite"})
    )
    ix = await emu.click_button(bob, card, card_button(card, "generate"))
    answer = await ix.wait_reply()
    assert answer["flags"] & 64 and "belongs to" in answer["content"]
    assert await world.credits(alice) == 100


async def test_cancel_closes_the_session(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    ix = await emu.slash_command(alice, "video", subcommand="cancel")
    answer = await ix.wait_reply()
    assert "closed" in answer["content"]
    closed = await world.reply(
        lambda m: m["id"] == card["id"] and m["embeds"][0]["footer"]["text"] == "Session closed"
    )
    labels = [c["label"] for row in closed["components"] for c in row["components"]]
    assert labels == ["Reopen"]  # for the idle-timeout period (test_e2e_steer.py)
    again = await emu.slash_command(alice, "video", subcommand="cancel")
    assert "no open session" in (await again.wait_reply())["content"]


async def test_video_add_takes_attachments_without_the_content_intent(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    none = await emu.slash_command(
        alice, "video", subcommand="add", attachments={"asset1": media / "images/coffee.png"}
    )
    assert "no open session" in (await none.wait_reply())["content"]
    await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    files = {"asset1": media / "images/coffee.png", "asset2": media / "audio/ambi_choir.ogg"}
    ix = await emu.slash_command(alice, "video", subcommand="add", attachments=files)
    assert (await ix.wait_response())["type"] == 5  # deferred: probing may take a while
    await world.reply(lambda m: "Added **@image1**" in m["content"])
    refused = await world.reply(lambda m: "ambi_choir.ogg" in m["content"])
    assert "at least 2 s long; this one is 1.6 s" in refused["content"]  # what no fix cures
    await world.reply(lambda m: "1 of 2 files added" in m["content"])


async def test_a_template_asks_for_its_assets_and_gives_them_their_roles(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="template",
        options={"template": "three_modal", "scene": "a rider weaving through rainy streets"},
    )  # fmt: skip
    card = await world.card(ix)
    checklist = await world.reply(lambda m: "Drop these in this channel" in m["content"])
    assert "image: " in checklist["content"] and "audio: " in checklist["content"]
    assert "rainy streets" in card["embeds"][0]["description"]
    await emu.post_message(
        alice, "", attachments=[media / "images/chelsea.png", media / "video/city_720p.mp4",
                                media / "audio/loop_tabla.mp3"],
    )  # fmt: skip
    card = await world.reply(lambda m: m["id"] == card["id"] and "Assets (3)" in str(m["embeds"]))
    assets = fields(card)["Assets (3)"]
    assert "`@image1` **character**" in assets and "`@video1` **camera movement**" in assets
    assert "`@audio1` **background music**" in assets


async def test_view_request_shows_what_the_provider_receives(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="new",
        options={"prompt": 'She says "hello there" to @image1', "duration": 4},
        attachments={"asset1": media / "images/rocket.jpg", "asset2": media / "images/coffee.png"},
    )  # fmt: skip
    card = await world.card(ix)
    card = await world.reply(lambda m: m["id"] == card["id"] and "Assets (2)" in str(m["embeds"]))
    view = await emu.click_button(alice, card, card_button(card, "request"))
    embed = (await view.wait_reply())["embeds"][0]
    request = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "The request — reference-to-video"
    assert "scene" in request["Images, in order"]  # suggested from what each shows
    assert "reference_image" not in str(embed) and "dialect" not in str(embed)
    assert (
        "@Image1 as scene. @Image2 as object."
        in request["For the curious: the prompt exactly as the provider receives it"]
    )
    assert request["Price"] == "4 credits"
    card = emu.message(int(card["id"]))
    assert "Check before you pay" not in str(card["embeds"])  # audio is on: dialogue is fine


async def test_moderators_pick_only_configured_providers(world: World) -> None:
    emu = world.emu
    mod = emu.add_member("mod", permissions=1 << 5)
    ix = await emu.slash_command(mod, "admin", subcommand="config set", options={"provider": "fal"})
    answer = (await ix.wait_reply())["content"]
    assert "has not configured fal" in answer and "preview" in answer


async def test_dialogue_without_sound_is_flagged_before_paying(world: World) -> None:
    emu, alice = world.emu, world.alice
    ix = await emu.slash_command(
        alice, "video", subcommand="new",
        options={"prompt": 'The robot says "we made it" and waves', "audio": False},
    )  # fmt: skip
    card = await world.card(ix)
    warning = fields(card)["Check before you pay"]
    assert "quotes" in warning and "sound" in warning.lower()
