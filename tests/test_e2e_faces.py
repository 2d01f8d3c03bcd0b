"""End to end: the face pre-check through the real bot in the Discord emulator — a real
face in a photo and in a video clip is shown to the member (the picture or frame, the
face outlined), marked on the board, and holds Generate until the member answers; a drawn
face is kept with one click (seeds 000, 002, 004: providers reject realistic faces)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from bot.errors import CallsheetError
from bot.media.board import AMBER, board_layout, face_badge
from bot.media.faces import PREVIEW_SIDE
from tests.face_set import _smiley
from tests.helpers import World, card_button, fields, labelled_button, new_session

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
OUTLINE = np.array((255, 176, 0))  # the face preview's outline colour


def _generate_disabled(card: JSON) -> bool:
    generate = card_button(card, "generate")
    for row in card["components"]:
        for component in row["components"]:
            if component["custom_id"] == generate:
                return bool(component.get("disabled", False))
    raise AssertionError("no Generate button")


def _pixels(world: World, attachment: JSON) -> npt.NDArray[np.int16]:
    with Image.open(world.emu.attachment_path(attachment)) as image:
        assert image.format == "JPEG"
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _board_marked(world: World, card: JSON) -> bool:
    """Whether the card's board shows the "FACE?" badge on its first tile."""
    (board,) = card["attachments"]
    box = face_badge(board_layout(1).tiles[0].media)
    badge = _pixels(world, board)[box.y0 : box.y1, box.x0 : box.x1]
    return bool(np.all(np.abs(badge - np.array(AMBER)) <= 12, axis=2).mean() > 0.5)


def _outlined(pixels: npt.NDArray[np.int16]) -> int:
    """How many pixels of a face preview carry the outline's colour."""
    return int(np.all(np.abs(pixels - OUTLINE) <= 40, axis=2).sum())


def _city_with_a_face(media: Path, out: Path) -> Path:
    """4 s of the city footage at 960×720, 25 fps, with the astronaut portrait shown in it
    from 1.5 s to 3.5 s (real H.264 through PyAV)."""
    with Image.open(media / "images/astronaut.png") as portrait:
        face = portrait.convert("RGB").resize((400, 400))
    rate = Fraction(25)
    with av.open(str(media / "video/city_720p.mp4")) as source, av.open(str(out), "w") as sink:
        stream = sink.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 960, 720, "yuv420p"
        for index, frame in enumerate(source.decode(video=0)):
            if index == 100:
                break
            picture = frame.to_image().resize((960, 720))
            if 1.5 <= index / rate < 3.5:
                picture.paste(face, (280, 160))
            encoded = av.VideoFrame.from_image(picture)
            encoded.pts, encoded.time_base = index, 1 / rate
            sink.mux(stream.encode(encoded))
        sink.mux(stream.encode(None))
    return out


async def test_a_real_face_in_a_photo_is_shown_marked_and_holds_generate(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await new_session(world, prompt="an astronaut waves")
    await emu.post_message(alice, "", attachments=[media / "images/astronaut.png"])
    warning = await world.reply(lambda m: "realistic human face" in m["content"])
    (picture,) = warning["attachments"]
    assert picture["filename"] == "face.jpg"
    shown = _pixels(world, picture)
    assert max(shown.shape[:2]) <= PREVIEW_SIDE and _outlined(shown) > 400
    card = await world.reply(lambda m: m["id"] == card["id"] and "@image1" in str(m["embeds"]))
    assert _generate_disabled(card)
    assert "@image1 may show a realistic face" in fields(card)["Before you generate"]
    # A person: suggested as a character, and marked as only suggested.
    question = await world.reply(lambda m: "Added **@image1**" in m["content"])
    assert "I suggest **character**" in question["content"]
    assert "`@image1` **character** (suggested)" in fields(card)["Assets (1)"]
    assert _board_marked(world, card)
    # A stale card's click still meets the service's own check: nothing is held.
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    with pytest.raises(CallsheetError, match="@image1 may show a realistic face"):
        await world.bot.services.generation.generate(session.id, alice.id)
    assert await world.credits(alice) == 100

    keep = await emu.click_button(alice, warning, labelled_button(warning, "Keep it"))
    answered = await keep.wait_update()
    assert "kept as a drawn or stylised image" in answered["content"]
    card = await world.reply(lambda m: m["id"] == card["id"] and not _generate_disabled(m))
    assert "Before you generate" not in fields(card)
    assert not _board_marked(world, card)
    await world.generate(card)
    await world.reply(lambda m: "your video is ready" in m["content"])


async def test_a_real_face_in_a_video_shows_its_frame_and_can_be_removed(
    world: World, tmp_path: Path
) -> None:
    emu, alice = world.emu, world.alice
    clip = _city_with_a_face(world.media, tmp_path / "street-interview.mp4")
    card = await new_session(world, prompt="a street")
    await emu.post_message(alice, "", attachments=[clip])
    warning = await world.reply(lambda m: "realistic human face" in m["content"])
    assert "@video1" in warning["content"]
    (picture,) = warning["attachments"]
    frame = _pixels(world, picture)
    assert frame.shape[:2] == (480, 640)  # the 960×720 frame, at most 640 px long
    assert _outlined(frame) > 400
    card = await world.reply(lambda m: m["id"] == card["id"] and "@video1" in str(m["embeds"]))
    assert _generate_disabled(card) and _board_marked(world, card)

    remove = await emu.click_button(alice, warning, labelled_button(warning, "Remove @video1"))
    answered = await remove.wait_update()
    assert "removed from the session" in answered["content"]
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.assets == ()


async def test_a_street_clip_without_faces_asks_nothing(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await new_session(world, prompt="a street")
    await emu.post_message(alice, "", attachments=[media / "video/city_720p.mp4"])
    added = await world.reply(lambda m: "Added **@video1**" in m["content"])
    assert added["attachments"] == []
    card = await world.reply(lambda m: m["id"] == card["id"] and "@video1" in str(m["embeds"]))
    assert not _generate_disabled(card) and not _board_marked(world, card)
    assert not [m for m in emu.messages if "realistic human face" in m.get("content", "")]


async def test_a_drawn_face_is_kept_with_one_click(world: World, tmp_path: Path) -> None:
    emu, alice = world.emu, world.alice
    drawing = tmp_path / "my-character.png"
    _smiley(640, "navajowhite", "saddlebrown", True, True).save(drawing)
    card = await new_session(world, prompt="my character waves")
    await emu.post_message(alice, "", attachments=[drawing])
    warning = await world.reply(lambda m: "realistic human face" in m["content"])
    card = await world.reply(lambda m: m["id"] == card["id"] and _generate_disabled(m))
    keep = await emu.click_button(alice, warning, labelled_button(warning, "Keep it"))
    answered = await keep.wait_update()
    assert answered["content"] == "**@image1** kept as a drawn or stylised image."
    assert answered["components"] == []
    card = await world.reply(lambda m: m["id"] == card["id"] and not _generate_disabled(m))
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and [a.face_flag for a in session.assets] == ["kept"]
    await world.generate(card)
    await world.reply(lambda m: "your video is ready" in m["content"])
