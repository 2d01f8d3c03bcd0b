"""End to end: a member builds a storyboard through its card (issue 17) — `/video
storyboard` with a soundtrack, four shots written in the shot modal, one cut set to
continue, a shot edited, moved and moved back, a fifth added and removed, the price read
shot by shot and confirmed once — and gets the film posted with its shot list; a shot
that fails at the provider is refunded and retried alone from its panel; and the
refusals a member meets on the way: a 9th shot, a length out of range or not a number, a
prompt too long, each said in plain words with the text kept for **Edit shot again**.

Real discord.py against the emulator (Discord's schema and limits, its 3 s deadline), real
SQLite, the real preview renderer, real media from the shared folder.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import av
import discord
import pytest
from PIL import Image

from bot.media.board import BOARD_WIDTH
from bot.media.board.strip import strip_layout
from cogs import fit
from tests.emulator import EmuInteraction
from tests.fakes.ark import FakeArk
from tests.helpers import JSON, World, fields, role_select, running_bot

pytestmark = pytest.mark.e2e

HOSTILE = "@everyone <@1> **bold** ```fence``` \u202eevil\u202c 👨\u200d👩\u200d👧 中文\nZ̸a̷l̵g̶o̵"


def story_id(card: JSON, action: str) -> str:
    """custom_id of the storyboard card's component ending ``:action``."""
    for row in card["components"]:
        for item in row["components"]:
            custom_id = str(item.get("custom_id", ""))
            if custom_id.startswith("cs:story:") and custom_id.endswith(f":{action}"):
                return custom_id
    raise AssertionError(f"no storyboard component {action!r} in {card['components']}")


def component(message: JSON, suffix: str) -> JSON:
    for row in message["components"]:
        for item in row["components"]:
            if str(item.get("custom_id", "")).endswith(suffix):
                return dict(item)
    raise AssertionError(f"no component ending {suffix!r}")


def inputs(opener: EmuInteraction) -> dict[str, str]:
    """The shot modal's inputs and the values they were opened with."""
    assert opener.modal is not None
    found = {}
    for row in opener.modal["components"]:
        for item in row.get("components") or [row.get("component")]:
            if item and item.get("type") == 4:
                found[item["custom_id"]] = item.get("value", "")
    return found


async def open_storyboard(world: World, **attachments: Path) -> JSON:
    ix = await world.emu.slash_command(
        world.alice, "video", subcommand="storyboard", attachments=attachments or None
    )
    card = await world.card(ix)
    assert card["embeds"][0]["title"].startswith("Storyboard #")
    return card


async def write_shot(world: World, message: JSON, custom_id: str, prompt: str,
                     duration: str) -> JSON:  # fmt: skip
    """Open the shot modal from ``custom_id`` on ``message``, write the shot, submit it;
    what the member was told."""
    opener = await world.emu.click_button(world.alice, message, custom_id)
    assert (await opener.wait_response())["type"] == 9
    head, tail = fit.split(prompt, fit.INPUT_VALUE)
    sent = await world.emu.submit_modal(
        world.alice, opener, {"prompt": head, "prompt-more": tail, "duration": duration}
    )
    told = await sent.wait_update()
    assert told["flags"] & 64  # to the member alone
    return told


async def add_shot(world: World, card: JSON, prompt: str, duration: int) -> JSON:
    return await write_shot(world, card, story_id(card, "add"), prompt, str(duration))


async def card_showing(world: World, card: JSON, text: str) -> JSON:
    return await world.reply(lambda m: m["id"] == card["id"] and text in str(m["embeds"]))


async def panel(world: World, card: JSON, number: int) -> JSON:
    """Pick shot ``number`` in the card's shot select; its panel (to the member alone)."""
    select = component(card, ":pick")
    value = next(o["value"] for o in select["options"] if o["label"].startswith(f"Shot {number} "))
    ix = await world.emu.choose(world.alice, card, select["custom_id"], [value])
    shown = await ix.wait_update()
    assert shown["flags"] & 64
    return shown


async def press(world: World, message: JSON, suffix: str) -> JSON:
    ix = await world.emu.click_button(world.alice, message, component(message, suffix)["custom_id"])
    return await ix.wait_update()


async def test_a_member_builds_four_shots_with_one_soundtrack_and_gets_the_film(
    world: World, media: Path
) -> None:
    emu, alice = world.emu, world.alice
    card = await open_storyboard(world, soundtrack=media / "audio/loop_safari_24s.mp3")
    card = await card_showing(world, card, "Soundtrack: `loop_safari_24s.mp3` (24 s)")
    assert "No shots yet" in card["embeds"][0]["description"]
    # a picture every shot uses, posted in the storyboard's thread: the session's own
    # upload flow asks its role (a soundtrack alone can't anchor a video)
    await emu.post_message(alice, "", [media / "images/rocket.jpg"], channel_id=int(card["id"]))
    question = await world.reply(lambda m: "Added **@image1**" in m["content"])
    assert question["channel_id"] == card["id"]  # in the thread
    welcome = await world.reply(
        lambda m: m["channel_id"] == card["id"] and "workspace" in m["content"]
    )
    assert "your storyboard's workspace" in welcome["content"] and "Add shot" in welcome["content"]
    picked = await emu.choose(alice, question, role_select(question), ["scene"])
    await picked.wait_update()
    card = await card_showing(world, card, "`@image1` scene")
    assert "Up to 8 shots, 4 to 15 seconds each" in card["embeds"][0]["description"]

    prompts = [
        "A courier runs across a rooftop at dusk " + HOSTILE,
        "She leaps the gap between two buildings",
        "A quiet street below, rain on the windows",
        "She lands and looks back at the city",
    ]
    for number, (prompt, seconds) in enumerate(zip(prompts, (4, 5, 4, 6), strict=True), 1):
        told = await add_shot(world, card, prompt, seconds)
        assert told["content"] == f"Shot {number} added ({seconds} s)."
        card = await card_showing(world, card, f"Shots ({number} of 8)")
    assert "Shots (4 of 8) · 19 s in all" in str(card["embeds"])
    lines = card["embeds"][0]["description"].split("\n")
    assert any(
        line.startswith("**1.** 4 s · first shot · not started — A courier") for line in lines
    )
    assert any(line.startswith("**2.** 5 s · cut · not started — She leaps") for line in lines)
    # the shot strip is the card's picture: two rows of tiles would make it taller
    (board,) = card["attachments"]
    with Image.open(emu.attachment_path(board)) as strip:
        assert strip.size == (BOARD_WIDTH, strip_layout(4).height)

    # a second picture, only for shot 3: the others don't use it
    await emu.post_message(alice, "", [media / "images/coffee.png"], channel_id=int(card["id"]))
    question = await world.reply(lambda m: "Added **@image2**" in m["content"])
    await (await emu.choose(alice, question, role_select(question), ["object"])).wait_update()
    card = await card_showing(world, card, "`@image2` object")
    shown = await panel(world, card, 3)
    refs = component(shown, ":refs")
    assert [(o["label"], o.get("default", False)) for o in refs["options"]] == [
        ("@image1 · scene", False), ("@image2 · object", False)
    ]  # fmt: skip
    image2 = refs["options"][1]["value"]
    chose = await emu.choose(alice, shown, refs["custom_id"], [image2])
    shown = await chose.wait_update()
    assert "Only this shot uses `@image2`." in shown["content"]
    card = await card_showing(world, card, "**3.** 4 s · cut · not started — `@image2` A quiet")
    assert "@image2" not in fields(card)["Used by every shot"]

    # shot 2 continues from shot 1's last frame
    shown = await panel(world, card, 2)
    assert "It joins shot 1 by **cut**" in shown["content"]
    cut = component(shown, ":cut")
    assert [o["label"] for o in cut["options"]] == [
        "Continue from shot 1", "Cut", "Match shot 1"
    ]  # fmt: skip
    assert [o.get("description") for o in cut["options"]] == [
        "Starts on its last frame; made after it", "A fresh start; made at the same time",
        "Same files and look, no frame carried over",
    ]  # fmt: skip
    chose = await emu.choose(alice, shown, cut["custom_id"], ["continue"])
    shown = await chose.wait_update()
    assert "It joins shot 1 by **continue**" in shown["content"]
    card = await card_showing(world, card, "**2.** 5 s · continue")

    # shot 4 moved up and back; shot 1 rewritten; a fifth added and removed
    shown = await press(world, await panel(world, card, 4), ":up")
    assert shown["content"].startswith("Moved: it is shot 3 now.")
    card = await card_showing(world, card, "**3.** 6 s · cut · not started — She lands")
    shown = await press(world, shown, ":down")
    assert shown["content"].startswith("Moved: it is shot 4 now.")
    assert component(shown, ":down")["disabled"]  # the last shot
    card = await card_showing(world, card, "**4.** 6 s · cut · not started — She lands")
    edit = component(await panel(world, card, 1), ":edit")["custom_id"]
    opener = await emu.click_button(alice, await panel(world, card, 1), edit)
    await opener.wait_response()
    assert inputs(opener)["prompt"] == prompts[0] and inputs(opener)["duration"] == "4"
    sent = await emu.submit_modal(alice, opener, {"prompt": "A courier runs at dusk"})
    assert (await sent.wait_update())["content"] == "Shot 1 saved."
    card = await card_showing(
        world, card, "**1.** 4 s · first shot · not started — A courier runs at"
    )
    await add_shot(world, card, "one too many", 4)
    card = await card_showing(world, card, "Shots (5 of 8)")
    removed = await press(world, await panel(world, card, 5), ":remove")
    assert removed["content"] == "Shot 5 removed; the shots after it moved up one."
    card = await card_showing(world, card, "Shots (4 of 8) · 19 s in all")

    # the film's sound: the shots' own, then the soundtrack again
    await (await emu.click_button(alice, card, story_id(card, "shots"))).wait_update()
    card = await card_showing(world, card, "the film plays the shots' own sound instead")
    await (await emu.click_button(alice, card, story_id(card, "soundtrack"))).wait_update()
    card = await card_showing(world, card, "the film plays it whole")

    # the price, shot by shot, asked once
    price = fields(card)["Price"]
    assert "credits for 4 shots (19 s in all)" in price
    asked = await emu.click_button(alice, card, story_id(card, "start"))
    question = await asked.wait_update()
    assert question["flags"] & 64
    parts = [line for line in question["content"].split("\n") if line.startswith("Shot ")]
    assert [p.split(":")[0] for p in parts] == [
        "Shot 1 · 4 s", "Shot 2 · 5 s", "Shot 3 · 4 s", "Shot 4 · 6 s"
    ]  # fmt: skip
    total = sum(int(p.split("**")[1]) for p in parts)
    assert f"In all: **{total} credits**" in question["content"]
    go = component(question, f":go:{total}")
    assert go["label"] == f"Confirm {total} credits"
    confirmed = await (await emu.click_button(alice, question, go["custom_id"])).wait_update()
    assert confirmed["content"].startswith(f"Started: 4 shots, {total} credits held.")

    # the film, with its shot list, in the channel
    film = await emu.wait_for_message(
        lambda m: "is a film: 4 shots, 19 s" in m.get("content", ""), timeout=180
    )
    assert film["channel_id"] == str(emu.channel_id)
    shots = next(e for e in film["embeds"] if e.get("title") == "Shots")
    assert [line.split(" · ")[0] for line in shots["description"].split("\n")] == [
        "**1.** 4 s", "**2.** 5 s", "**3.** 4 s", "**4.** 6 s"
    ]  # fmt: skip
    assert "continue" in shots["description"].split("\n")[1]
    (video,) = film["attachments"]
    with av.open(str(emu.attachment_path(video))) as clip:
        assert clip.duration is not None
        assert abs(clip.duration / av.time_base - 19) < 0.5
    with av.open(str(emu.attachment_path(video))) as clip:
        assert clip.streams.audio  # the soundtrack under it
    # each shot's own result keeps the usual result buttons
    storyboard = await world.bot.services.storyboards.get(
        int(card["embeds"][0]["title"].split("#")[1])
    )
    for shot in storyboard.shots:
        post = await world.reply(
            lambda m, job=shot.job_id: any(
                (e.get("footer") or {}).get("text") == f"Callsheet job #{job}"
                for e in m.get("embeds") or []
            ) and "is a film" not in m.get("content", "")
        )  # fmt: skip
        actions = {c["custom_id"].rsplit(":", 1)[1] for row in post["components"]
                   for c in row["components"]}  # fmt: skip
        assert {"regenerate", "extend", "reference"} <= actions, actions
    card = await card_showing(world, card, "The film")
    assert "**4.** 6 s · cut · done" in card["embeds"][0]["description"]

    # joined again, free: a second post of the film with its shot list
    again = await emu.click_button(alice, card, story_id(card, "restitch"))
    said = await again.wait_update()
    assert said["flags"] & 64 and "it's free" in said["content"]
    posts = await emu.wait_for_message(  # the join is real media work: a generous ceiling
        lambda m: (
            len([x for x in emu.messages if "is a film: 4 shots" in x.get("content", "")]) == 2
        ),
        timeout=180,
    )
    assert posts


async def test_refused_shots_say_why_and_keep_the_text(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await open_storyboard(world)

    # a length out of range: refused in plain words, the text kept
    told = await add_shot(world, card, "the " + HOSTILE, 20)
    assert "4–15 seconds" in told["content"] and "20" in told["content"]
    again = component(told, ":again")
    assert again["label"] == "Edit shot again"
    opener = await emu.click_button(alice, told, again["custom_id"])
    await opener.wait_response()
    assert inputs(opener) == {"prompt": "the " + HOSTILE, "prompt-more": "", "duration": "20"}
    fixed = await emu.submit_modal(alice, opener, {"duration": "15"})
    assert (await fixed.wait_update())["content"] == "Shot 1 added (15 s)."

    # not a number
    told = await add_shot(world, card, "a second shot", "x")  # type: ignore[arg-type]
    assert told["content"].startswith('The length must be a whole number of seconds, 4 to 15; "x"')

    # a prompt too long for a shot (the modal holds 8,000; 7,000 here): refused, all kept
    long = ("a rooftop chase at dusk " + HOSTILE) * 400
    long = long[: fit.PROMPT_CHARS + 1000]
    told = await add_shot(world, card, long, 5)
    assert "at most" in told["content"] and len(told["content"]) <= fit.CONTENT
    opener = await emu.click_button(alice, told, component(told, ":again")["custom_id"])
    await opener.wait_response()
    kept = inputs(opener)
    assert kept["prompt"] + kept["prompt-more"] == long and kept["duration"] == "5"

    # eight shots, then a ninth refused in plain words
    for number in range(2, 9):
        await add_shot(world, card, f"shot {number}", 4)
    card = await card_showing(world, card, "Shots (8 of 8)")
    assert len(component(card, ":pick")["options"]) == 8
    assert len(card["components"]) <= 5
    told = await add_shot(world, card, "the ninth", 4)
    assert told["content"] == "A storyboard holds at most 8 shots. Remove one to add another."
    storyboard = await world.bot.services.storyboards.get(
        int(card["embeds"][0]["title"].split("#")[1])
    )
    assert [shot.prompt for shot in storyboard.shots][-1] == "shot 8"
    assert len(storyboard.shots) == 8
    with Image.open(emu.attachment_path(card["attachments"][0])) as strip:
        assert strip.size == (BOARD_WIDTH, strip_layout(8).height)

    # someone else's card: nothing opens for them, they alone are told whose it is
    bob = emu.add_member("bob")
    for action in ("add", "start"):
        tried = await emu.click_button(bob, card, story_id(card, action))
        told = await tried.wait_reply()
        assert told["flags"] & 64 and "belongs to" in told["content"], told
        assert tried.modal is None
    assert emu.rejected == []


@pytest.fixture
async def ark(tmp_path: Path, media: Path) -> AsyncIterator[FakeArk]:
    result = tmp_path / "provider-result.mp4"
    shutil.copy(media / "video/city_720p.mp4", result)
    async with FakeArk(result_video=result, polls_before_done=10**6, run_s=None) as fake:
        yield fake  # a task ends only when the test says so


async def test_a_failed_shot_is_retried_alone_from_its_panel(
    tmp_path: Path, media: Path, ark: FakeArk
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    async with running_bot(
        tmp_path, media, provider="ark", ark_api_key=ark.api_key, ark_base_url=ark.base_url,
        public_base_url=f"http://127.0.0.1:{port}", asset_server_host="127.0.0.1",
        asset_server_port=port,
    ) as world:  # fmt: skip
        emu, alice = world.emu, world.alice
        card = await open_storyboard(world)
        await world.reply(lambda m: m["channel_id"] == card["id"])  # its thread
        await emu.post_message(alice, "", [media / "images/rocket.jpg"], channel_id=int(card["id"]))
        question = await world.reply(lambda m: "Added **@image1**" in m["content"])
        await (await emu.choose(alice, question, role_select(question), ["scene"])).wait_update()
        await add_shot(world, card, "the rocket on the pad", 4)
        await add_shot(world, card, "the rocket in the sky", 5)
        card = await world.reply(
            lambda m: m["id"] == card["id"] and "Price" in fields(m) and "Shots (2 of 8)" in str(m)
        )
        before = await world.credits(alice)
        ark.fail_task_with = ("OutputVideoSensitiveContentDetected", "the output was refused")
        question = await (
            await emu.click_button(alice, card, story_id(card, "start"))
        ).wait_update()
        total = int(question["content"].split("In all: **")[1].split(" ")[0])
        go = component(question, f":go:{total}")["custom_id"]
        await (await emu.click_button(alice, question, go)).wait_update()
        await ark.wait_until(lambda: len(ark.tasks) == 2)
        ark.fail_task_with = None
        # the two run at once, in either order: shot 1 (4 s) is made, shot 2 (5 s) fails
        first, second = sorted(ark.tasks.values(), key=lambda task: task.body["duration"])
        assert (first.body["duration"], second.body["duration"]) == (4, 5)
        first.fail_with = None
        for task in (first, second):
            await ark.finish(task.id)
        card = await world.reply(
            lambda m: m["id"] == card["id"] and "**2.** 5 s · cut · failed" in str(m["embeds"])
            and "**1.** 4 s · first shot · done" in str(m["embeds"])
        )  # fmt: skip
        shown = await panel(world, card, 2)
        assert "It failed:" in shown["content"] and "Its credits came back" in shown["content"]
        part = total - (before - await world.credits(alice))  # shot 2's part, given back
        assert 0 < part < total

        retried = await press(world, shown, ":retry")
        assert retried["content"] == "Shot 2 is being made again; the other shots are kept."
        await ark.wait_until(lambda: len(ark.tasks) == 3)  # only shot 2 again
        (again,) = [t for t in ark.tasks.values() if t.id not in (first.id, second.id)]
        await ark.finish(again.id)
        film = await world.emu.wait_for_message(
            lambda m: "is a film: 2 shots, 9 s" in m.get("content", ""), timeout=180
        )
        assert film["attachments"]
        assert before - await world.credits(alice) == total  # each shot paid once
        assert len(ark.tasks) == 3


def _selects(message: JSON) -> list[str]:
    """custom_ids of the settings panel's selects (``cs:set:<session>:<name>``)."""
    return [
        str(item["custom_id"])
        for row in message["components"]
        for item in row["components"]
        if str(item.get("custom_id", "")).startswith("cs:set:")
    ]


async def test_a_storyboard_s_settings_leave_out_the_clip_length(world: World) -> None:
    """Each shot has its own length, so a storyboard's Settings offer no clip length (a
    plain session's still do: tests/test_e2e_surface.py); a change of shape keeps it out,
    and a length select forged for its session is refused in plain words."""
    emu, alice = world.emu, world.alice
    card = await open_storyboard(world)
    settings = component(card, ":settings")["custom_id"]
    session_id = settings.split(":")[2]
    shown = await (await emu.click_button(alice, card, settings)).wait_update()
    assert shown["flags"] & 64
    names = [c.rsplit(":", 1)[1] for c in _selects(shown)]
    assert names == ["ratio", "resolution", "model", "audio"]
    ratio = next(c for c in _selects(shown) if c.endswith(":ratio"))
    value = next(o["value"] for o in component(shown, ":ratio")["options"] if not o.get("default"))
    shown = await (await emu.choose(alice, shown, ratio, [value])).wait_update()
    assert [c.rsplit(":", 1)[1] for c in _selects(shown)] == names
    assert next(o for o in component(shown, ":ratio")["options"] if o["value"] == value)["default"]

    forged = discord.ui.View(timeout=None)
    six = discord.SelectOption(label="6 s", value="6")
    forged.add_item(discord.ui.Select(custom_id=f"cs:set:{session_id}:duration", options=[six]))
    channel = world.bot.get_partial_messageable(emu.channel_id, guild_id=emu.guild_id)
    sent = await channel.send("an old panel", view=forged)
    ix = await emu.choose(alice, emu.message(sent.id), f"cs:set:{session_id}:duration", ["6"])
    answer = await ix.wait_followup()
    assert answer["flags"] & 64 and "6 is not offered here" in answer["content"]
    session = await world.bot.services.sessions.get(int(session_id))
    assert session.duration_s != 6
