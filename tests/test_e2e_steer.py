"""End to end: a member steers a session before Generate (issue 12, "The session"): a role
changed after answering, assets reordered, removed and replaced with the prompt's tags
renumbered, settings changed from the card, a close confirmed and the session reopened,
roles suggested from what the images show and confirmed at Generate, a refused prompt
reopened with its text, and a prompt saved while a clip awaits its fix.

Real discord.py against the emulator, real media from the shared folder, real SQLite, the
real preview renderer.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import av
import pytest

from bot.errors import RolesUnconfirmed
from tests.emulator import EmuInteraction
from tests.helpers import (
    JSON,
    World,
    card_button,
    fields,
    price_question,
    role_select,
    spend_button,
)

pytestmark = pytest.mark.e2e


def component(message: JSON, suffix: str) -> JSON:
    """The component whose custom_id ends with ``suffix``."""
    for row in message["components"]:
        for item in row["components"]:
            if str(item.get("custom_id", "")).endswith(suffix):
                return dict(item)
    raise AssertionError(f"no component ending {suffix!r} in {message['components']}")


def labelled(message: JSON, label: str) -> str:
    """custom_id of the button labelled ``label``."""
    for row in message["components"]:
        for item in row["components"]:
            if item.get("label") == label:
                return str(item["custom_id"])
    raise AssertionError(f"no button {label!r}")


async def open_with(world: World, *files: str, **options: Any) -> JSON:
    """``/video new`` with ``files`` (real media); the card once it lists them all."""
    attachments = {f"asset{i}": world.media / f for i, f in enumerate(files, start=1)}
    ix = await world.emu.slash_command(
        world.alice, "video", subcommand="new", options=options, attachments=attachments
    )
    card = await world.card(ix)
    count = f"Assets ({len(files)})"
    return await world.reply(lambda m: m["id"] == card["id"] and count in str(m["embeds"]))


async def manage(world: World, card: JSON, tag: str) -> JSON:
    """Pick ``tag`` in the card's Manage assets select; its panel (ephemeral)."""
    select = component(card, ":manage")
    value = next(o["value"] for o in select["options"] if o["label"].startswith(f"{tag} · "))
    ix = await world.emu.choose(world.alice, card, select["custom_id"], [value])
    panel = await ix.wait_reply()
    assert panel["flags"] & 64
    return panel


async def click(world: World, message: JSON, custom_id: str) -> EmuInteraction:
    return await world.emu.click_button(world.alice, message, custom_id)


async def session_of(world: World) -> Any:
    found = await world.bot.services.sessions.find_open(
        world.emu.guild_id, world.emu.channel_id, world.alice.id
    )
    assert found is not None
    return found


async def test_a_role_can_be_changed_after_answering(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await open_with(world, "images/coffee.png", duration=4)
    question = await world.reply(lambda m: "Added **@image1**" in m["content"])
    assert "I suggest **object**" in question["content"]
    assets = fields(card)["Assets (1)"]
    assert "`@image1` **object** (suggested)" in assets
    assert "Price" not in fields(card)  # not priced as if the member had chosen
    assert "@image1" in fields(card)["Roles to confirm"]
    shown = await (await click(world, card, card_button(card, "request"))).wait_reply()
    assert "— object (suggested)" in fields(shown)["Images, in order"]

    pick = await emu.choose(alice, question, role_select(question), ["style"])
    answered = await pick.wait_update()
    assert "**style** ✓" in answered["content"] and "change it below" in answered["content"]
    select = component(answered, role_select(answered))
    assert [o["value"] for o in select["options"] if o.get("default")] == ["style"]

    again = await emu.choose(alice, answered, role_select(answered), ["scene"])
    answered = await again.wait_update()
    assert "**scene** ✓" in answered["content"]
    select = component(answered, role_select(answered))
    assert [o["value"] for o in select["options"] if o.get("default")] == ["scene"]
    card = await world.reply(
        lambda m: m["id"] == card["id"] and "**scene** —" in fields(m).get("Assets (1)", "")
    )
    assert "(suggested)" not in fields(card)["Assets (1)"]
    assert int(fields(card)["Price"].split("**")[1]) == world.published_price("preview", 4)
    assert (await session_of(world)).assets[0].role == "scene"


async def test_assets_move_are_removed_and_replaced_and_the_prompt_follows(
    world: World,
) -> None:
    emu, alice = world.emu, world.alice
    card = await open_with(
        world, "images/rocket.jpg", "images/coffee.png", "images/motorcycle_left.png",
        prompt="@image1 at dawn, then @Image2 on the table, and @image3 roars off",
    )  # fmt: skip
    select = component(card, ":manage")
    assert [o["label"] for o in select["options"]] == [
        "@image1 · scene (suggested)", "@image2 · object (suggested)",
        "@image3 · object (suggested)",
    ]  # fmt: skip
    assert len(card["components"]) <= 5

    panel = await manage(world, card, "@image3")
    assert "`motorcycle_left.png`" in panel["content"]
    assert component(panel, ":down")["disabled"]  # already last
    moved = await click(world, panel, component(panel, ":up")["custom_id"])
    panel = await moved.wait_update()
    assert "it is **@image2** now (was @image3)" in panel["content"]
    # Down undoes it, tags and prompt included; up again for what follows.
    back = await click(world, panel, component(panel, ":down")["custom_id"])
    panel = await back.wait_update()
    assert "it is **@image3** now (was @image2)" in panel["content"]
    assert component(panel, ":down")["disabled"]
    session = await session_of(world)
    assert session.prompt == "@image1 at dawn, then @Image2 on the table, and @image3 roars off"
    assert [a.filename for a in session.assets][2] == "motorcycle_left.png"
    moved = await click(world, panel, component(panel, ":up")["custom_id"])
    panel = await moved.wait_update()
    assert "it is **@image2** now (was @image3)" in panel["content"]
    card = await world.reply(lambda m: m["id"] == card["id"] and "@Image3 on the table" in str(m))
    assert card["embeds"][0]["description"] == (
        "@image1 at dawn, then @Image3 on the table, and @image2 roars off"
    )
    session = await session_of(world)
    assert [(a.tag, a.filename) for a in session.assets] == [
        ("@image1", "rocket.jpg"), ("@image2", "motorcycle_left.png"), ("@image3", "coffee.png"),
    ]  # fmt: skip

    panel = await manage(world, card, "@image1")
    removed = await click(world, panel, component(panel, ":remove")["custom_id"])
    told = await removed.wait_update()
    assert "**@image1** removed" in told["content"]
    assert "took that tag out" in told["content"]  # the prompt named it
    assert told["components"] == []
    card = await world.reply(lambda m: m["id"] == card["id"] and "Assets (2)" in str(m))
    assert card["embeds"][0]["description"] == (
        "at dawn, then @Image2 on the table, and @image1 roars off"
    )
    session = await session_of(world)
    assert [(a.tag, a.filename) for a in session.assets] == [
        ("@image1", "motorcycle_left.png"), ("@image2", "coffee.png"),
    ]  # fmt: skip

    panel = await manage(world, card, "@image1")
    role = await emu.choose(alice, panel, role_select(panel), ["character"])
    await role.wait_update()
    replace = await click(world, panel, component(panel, ":replace")["custom_id"])
    waiting = await replace.wait_update()
    assert "Send the file that replaces **@image1**" in waiting["content"]
    await emu.post_message(alice, "", attachments=[world.media / "images/chelsea.png"])
    question = await world.reply(lambda m: "`chelsea.png`" in m["content"])
    assert "Added **@image1**" in question["content"]
    assert "replaces `motorcycle_left.png` as **@image1**" in question["content"]
    session = await session_of(world)
    assert [(a.tag, a.filename, a.role, a.role_suggested) for a in session.assets] == [
        ("@image1", "chelsea.png", "character", False), ("@image2", "coffee.png", "object", True),
    ]  # fmt: skip
    assert session.prompt == "at dawn, then @Image2 on the table, and @image1 roars off"
    assert session.replacing_asset_id is None


async def test_settings_change_from_the_card_within_what_is_offered(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await world.card(
        await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "a kite"})
    )
    assert fields(card)["Settings"].startswith("Seedance 2.0 · 5 s · 16:9 · 480p")
    opened = await click(world, card, card_button(card, "settings"))
    panel = await opened.wait_reply()
    assert panel["flags"] & 64 and len(panel["components"]) == 5
    durations = component(panel, ":duration")
    assert [o["value"] for o in durations["options"]] == [str(s) for s in range(4, 16)]
    models = [o["label"] for o in component(panel, ":model")["options"]]
    assert models == ["Seedance 2.0", "Seedance 2.0 Fast"]

    for name, value in (("duration", "8"), ("resolution", "720p"), ("ratio", "9:16"),
                        ("audio", "off"), ("model", "fast")):  # fmt: skip
        pick = await emu.choose(alice, panel, component(panel, f":{name}")["custom_id"], [value])
        panel = await pick.wait_update()
        chosen = [o["value"] for o in component(panel, f":{name}")["options"] if o.get("default")]
        assert chosen == [value]
    card = await world.reply(
        lambda m: m["id"] == card["id"] and "Fast" in fields(m).get("Settings", "")
    )
    assert fields(card)["Settings"] == "Seedance 2.0 Fast · 8 s · 9:16 · 720p · sound off"
    expected = world.published_price("preview", 8, "720p", "fast")
    assert int(fields(card)["Price"].split("**")[1]) == expected

    # The guild's maximum bounds the lengths offered; a stale pick is refused.
    mod = emu.add_member("mod", permissions=1 << 5)
    ix = await emu.slash_command(mod, "admin", subcommand="config set", options={"max_duration": 6})
    assert (await ix.wait_reply())["content"].startswith("Saved")
    reopened = await (await click(world, card, card_button(card, "settings"))).wait_reply()
    offered = [o["value"] for o in component(reopened, ":duration")["options"]]
    assert offered == ["4", "5", "6"]
    stale = await emu.choose(alice, panel, component(panel, ":duration")["custom_id"], ["12"])
    refusal = await stale.wait_reply()
    assert refusal["flags"] & 64 and "12 is not offered here any more" in refusal["content"]
    assert (await session_of(world)).duration_s == 8


async def test_close_asks_first_and_a_closed_session_reopens_for_a_while(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await open_with(world, "images/coffee.png")
    asked = await (await click(world, card, card_button(card, "close"))).wait_reply()
    assert asked["flags"] & 64
    assert "let its file go" in asked["content"] and "for 60 minutes" in asked["content"]
    assert (await session_of(world)).state == "open"  # nothing closed yet

    closing = await click(world, asked, labelled(asked, "Close it"))
    done = await closing.wait_update()
    assert "closed" in done["content"] and done["components"] == []
    card = await world.reply(
        lambda m: m["id"] == card["id"] and m["embeds"][0]["footer"]["text"] == "Session closed"
    )
    assert [c["label"] for row in card["components"] for c in row["components"]] == ["Reopen"]
    thread = int(card["id"])  # the session's thread, archived with it
    await emu.wait_for_thread(thread, lambda t: t["thread_metadata"]["archived"])

    again = await (await click(world, card, card_button(card, "reopen"))).wait_reply()
    assert "is open again" in again["content"]
    await emu.wait_for_thread(thread, lambda t: not t["thread_metadata"]["archived"])
    card = await world.reply(lambda m: m["id"] == card["id"] and len(m["components"]) == 3)
    session = await session_of(world)
    assert session.state == "open" and [a.filename for a in session.assets] == ["coffee.png"]

    await emu.slash_command(alice, "video", subcommand="cancel")  # asks, then confirm
    asked = await world.reply(
        lambda m: "let its file go" in m["content"] and m["id"] != asked["id"]
    )
    await (await click(world, asked, labelled(asked, "Close it"))).wait_update()
    card = await world.reply(lambda m: m["id"] == card["id"] and "Session closed" in str(m))
    world.clock.now += timedelta(minutes=61)
    late = await click(world, card, card_button(card, "reopen"))
    refusal = await late.wait_reply()
    assert "more than 60 minutes ago" in refusal["content"]
    card = await world.reply(lambda m: m["id"] == card["id"] and m["components"] == [])


async def test_generates_price_lists_the_suggested_roles_and_confirming_keeps_them(
    world: World,
) -> None:
    emu, alice = world.emu, world.alice
    card = await open_with(
        world, "images/hubble_deep_field.jpg", "images/coffee.png", duration=4,
        prompt="@image1 swirls around @image2",
    )  # fmt: skip
    assert "`@image1` **style** (suggested)" in fields(card)["Assets (2)"]
    go = await click(world, card, card_button(card, "generate"))
    asked = await price_question(emu, go)
    assert "Confirming also keeps the roles I suggested" in asked["content"]
    assert "`@image1` **style**" in asked["content"] and "`@image2` **object**" in asked["content"]
    assert await world.credits(alice) == 100  # nothing held yet

    # A role changed meanwhile is the member's: only the other is still kept on confirm.
    question = await world.reply(lambda m: "Added **@image2**" in m["content"])
    pick = await emu.choose(alice, question, role_select(question), ["composition"])
    await pick.wait_update()
    confirm = await emu.click_button(alice, asked, spend_button(asked, "confirm"))
    started = await confirm.wait_update()
    assert "Job #" in started["content"]
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    price = int(fields(result)["Credits spent"])
    assert await world.credits(alice) == 100 - price
    session = await world.bot.services.sessions.get(
        int(card["embeds"][0]["title"].rsplit("#", 1)[1])
    )
    assert [(a.role, a.role_suggested) for a in session.assets] == [
        ("style", False), ("composition", False),
    ]  # fmt: skip


async def test_generate_alone_refuses_roles_still_suggested(world: World) -> None:
    card = await open_with(world, "images/coffee.png", duration=4)
    session = await session_of(world)
    generation = world.bot.services.generation
    with pytest.raises(RolesUnconfirmed, match="@image1` \\*\\*object"):
        await generation.generate(session.id, world.alice.id)
    assert await world.credits(world.alice) == 100
    assert card["id"]


async def test_a_first_image_in_the_outputs_shape_opens_it_and_framing_is_said(
    world: World, tmp_path: Path
) -> None:
    emu, alice = world.emu, world.alice
    still = tmp_path / "city-frame.png"
    with av.open(str(world.media / "video/city_720p.mp4")) as clip:
        next(clip.decode(video=0)).to_image().save(still)  # a real 1280×720 frame
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"ratio": "16:9"}, attachments={"asset1": still}
    )
    card = await world.card(ix)
    question = await world.reply(lambda m: "Added **@image1**" in m["content"])
    assert "I suggest **first frame**" in question["content"]
    card = await world.reply(lambda m: m["id"] == card["id"] and "Assets (1)" in str(m))
    assert "Framing" not in fields(card)  # the same shape as the video

    panel = await (await click(world, card, card_button(card, "settings"))).wait_reply()
    pick = await emu.choose(alice, panel, component(panel, ":ratio")["custom_id"], ["1:1"])
    await pick.wait_update()
    card = await world.reply(lambda m: m["id"] == card["id"] and "Framing" in fields(m))
    assert fields(card)["Framing"] == (
        "`@image1` (1280×720) is not 1:1: it will be cropped to fill the frame, 44% cut from"
        " its sides."
    )


async def test_a_refused_prompt_reopens_with_the_members_text(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await open_with(world, "images/coffee.png")
    hostile = ("@image1 meets @image7 <@&1> ```` @everyone \u202e" * 80)[:4000]
    opener = await click(world, card, card_button(card, "prompt"))
    await opener.wait_response()
    bad = await emu.submit_modal(alice, opener, {"prompt": hostile})
    refusal = await bad.wait_reply()
    assert refusal["flags"] & 64 and "@image7" in refusal["content"]
    assert (await session_of(world)).prompt == ""  # not saved…
    assert (await session_of(world)).prompt_draft == hostile  # …but kept

    again = await click(world, refusal, labelled(refusal, "Edit prompt again"))
    assert (await again.wait_response())["type"] == 9
    inputs = [c for row in again.modal["components"] for c in row.get("components", [row])]
    inputs = [c.get("component", c) for c in inputs]
    assert "".join(c.get("value", "") for c in inputs) == hostile  # all of it, as written
    fixed = await emu.submit_modal(alice, again, {"prompt": "@image1 steams on the table"})
    saved = await fixed.wait_reply()
    assert "Prompt saved" in saved["content"]
    card = await world.reply(lambda m: m["id"] == card["id"] and "steams" in str(m["embeds"]))
    session = await session_of(world)
    assert session.prompt == "@image1 steams on the table" and session.prompt_draft is None


async def test_a_prompt_sent_while_a_clip_awaits_its_fix_is_saved(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    await emu.post_message(alice, "", attachments=[world.media / "video/city_720p.webm"])
    offer = await world.reply(lambda m: "city_720p.webm" in m["content"] and m["components"])
    opener = await click(world, card, card_button(card, "prompt"))
    await opener.wait_response()
    sent = await emu.submit_modal(alice, opener, {"prompt": "the camera glides like @video1"})
    told = await sent.wait_reply()
    assert "Prompt saved" in told["content"] and "still being added or fixed" in told["content"]
    assert (await session_of(world)).prompt == "the camera glides like @video1"

    convert = offer["components"][0]["components"][0]["custom_id"]
    fixing = await click(world, offer, convert)
    await fixing.wait_update()
    card = await world.reply(
        lambda m: m["id"] == card["id"] and "Assets (1)" in str(m) and "Roles to confirm" in str(m)
    )
    assert "@video1" in fields(card)["Assets (1)"]
    assert "Before you generate" not in fields(card)  # the tag names the clip now
