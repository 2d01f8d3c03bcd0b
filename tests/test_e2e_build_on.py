"""End to end: building on results — extend, insert between, edit, use as reference and
stitch — asserted on the request the (fake) provider received and on what is posted."""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import pytest

from tests.fakes.ark import FakeArk
from tests.helpers import World, confirm_spend, fields, price_question, running_bot

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def ark(tmp_path: Path, media: Path) -> AsyncIterator[FakeArk]:
    result = tmp_path / "provider-result.mp4"
    shutil.copy(media / "video/city_720p.mp4", result)  # 7.6 s 1280×720: a usable reference
    async with FakeArk(result_video=result) as fake:
        yield fake


@pytest.fixture
async def world(tmp_path: Path, media: Path, ark: FakeArk) -> AsyncIterator[World]:
    port = _free_port()
    async with running_bot(
        tmp_path, media, provider="ark", ark_api_key=ark.api_key, ark_base_url=ark.base_url,
        public_base_url=f"http://127.0.0.1:{port}", asset_server_host="127.0.0.1",
        asset_server_port=port,
    ) as running:  # fmt: skip
        yield running


def _content(ark: FakeArk, index: int) -> list[JSON]:
    body: JSON = ark.creates()[index].body
    return list(body["content"])


def _roles(content: list[JSON]) -> list[tuple[str, str]]:
    return [(c["type"], c.get("role", "")) for c in content if c["type"] != "text"]


async def _delivered(world: World, job_id: int) -> JSON:
    return await world.reply(
        lambda m: (
            "your video is ready" in m["content"]
            and m["embeds"][0]["footer"]["text"] == f"Callsheet job #{job_id}"
        )
    )


async def test_extend_insert_edit_reference_and_stitch(
    world: World, ark: FakeArk, media: Path
) -> None:
    emu, alice = world.emu, world.alice
    card = await world.card(
        await emu.slash_command(alice, "video", subcommand="new",
                                options={"prompt": "a city at night", "duration": 4})
    )  # fmt: skip
    await world.generate(card)
    first = await _delivered(world, 1)
    assert fields(first)["Seed number"].isdigit()  # the job's own, as Ark reports it

    # Extend: the result is the clip to extend, its last frame the first frame.
    opener = await emu.click_button(alice, first, "cs:result:1:extend")
    assert (await opener.wait_response())["type"] == 9
    submitted = await emu.submit_modal(
        alice, opener, {"seconds": "6", "prompt": "the camera rises above the roofs"}
    )
    question = await price_question(emu, submitted)
    assert question["content"].startswith("**Extend** job #1 by 6 s.\n")
    assert "of reference video)" in question["content"]  # Ark bills the clip's seconds too
    said = await confirm_spend(emu, alice, submitted)
    assert said["content"].startswith("Job #2 (extending #1) queued") and not said["components"]
    second = await _delivered(world, 2)
    content = _content(ark, 1)
    assert _roles(content) == [("image_url", "reference_image"), ("video_url", "reference_video")]
    text = content[0]["text"]
    assert "Use image 1 as the first frame" in text and "Continue video 1" in text
    assert "the camera rises above the roofs" in text
    assert ark.creates()[1].body["duration"] == 6
    assert any(
        c["custom_id"] == "cs:result:2:stitch" for c in second["components"][0]["components"]
    )

    # Insert between #1 and #2: image-to-video, last frame of #1 → first frame of #2.
    ix = await emu.slash_command(
        alice, "video", subcommand="insert", options={"first": 1, "second": 2, "seconds": 4}
    )
    assert "(a bridge after #1)" in (await confirm_spend(emu, alice, ix))["content"]
    await _delivered(world, 3)
    assert _roles(_content(ark, 2)) == [("image_url", "first_frame"), ("image_url", "last_frame")]

    # Edit #1 with an image of what to put in.
    edit = {"job": 1, "prompt": "put a coffee cup on the street"}
    ix = await emu.slash_command(
        alice, "video", subcommand="edit", options=edit,
        attachments={"image": media / "images/coffee.png"},
    )  # fmt: skip
    assert "(an edit of #1)" in (await confirm_spend(emu, alice, ix))["content"]
    await _delivered(world, 4)
    content = _content(ark, 3)
    assert _roles(content) == [("image_url", "reference_image"), ("video_url", "reference_video")]
    assert "Edit video 1 as described" in content[0]["text"]
    assert all(d.status == 200 for d in ark.downloads) and len(ark.downloads) == 6

    # Use #1 as a reference in the open session.
    ref = await emu.click_button(alice, first, "cs:result:1:reference")
    question = await price_question(emu, ref)
    assert "Nothing is spent now" in question["content"]
    assert (await confirm_spend(emu, alice, ref))["content"] == "Added to your session."
    await world.reply(lambda m: "Added **@video1** — `job-1.mp4`" in m["content"])

    # Stitch the extend chain (#1 then #2) into one video.
    stitch = await emu.click_button(alice, second, "cs:result:2:stitch")
    question = await price_question(emu, stitch)
    assert question["content"].startswith("**Stitch** #1 + #2 into one video.\nStitching is free")
    said = await confirm_spend(emu, alice, stitch)
    assert said["content"] == "Stitched as job #5: the video will be posted here."
    # Delivered like any other result: the embed, "free", the buttons that build on it.
    joined = await _delivered(world, 5)
    assert joined["embeds"][0]["title"] == "🎬 Job #5 — #1 + #2 stitched"
    assert fields(joined)["Credits spent"] == "0 (stitching is free)"
    assert "15 s" in fields(joined)["Video"]  # as measured: two 7.6 s results
    buttons = [c["custom_id"] for row in joined["components"] for c in row["components"]]
    assert buttons == ["cs:result:5:extend", "cs:result:5:edit", "cs:result:5:reference"]
    with av.open(str(emu.attachment_path(joined["attachments"][0]))) as clip:
        assert float(clip.duration / av.time_base) == pytest.approx(15.2, abs=0.2)
    assert len(ark.creates()) == 4  # made here: nothing sent to the provider
    usage = await world.bot.services.generation.ledger.usage(emu.guild_id, world.clock.now)
    assert sum(row["jobs"] for row in usage) == 4  # a stitch is not a generated video


async def test_building_on_someone_elses_result_is_refused(world: World) -> None:
    emu = world.emu
    card = await world.card(
        await emu.slash_command(
            world.alice, "video", subcommand="new", options={"prompt": "x", "duration": 4}
        )
    )
    await world.generate(card)
    first = await _delivered(world, 1)
    bob = emu.add_member("bob")
    ix = await emu.click_button(bob, first, "cs:result:1:reference")
    await ix.wait_response()
    refusal = await world.reply(lambda m: "belongs to" in m.get("content", ""))
    assert refusal["ephemeral"] and refusal["ephemeral_for"] == bob.id
