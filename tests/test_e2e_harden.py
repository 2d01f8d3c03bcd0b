"""End to end: what another member and an outsider can do with someone's session and
results (docs/ARCHITECTURE.md, "Components"): nothing but read a refusal meant for them
alone — no modal of someone else's opens, no public "thinking…" is left behind, a second
opening of a modal never swallows the first, and a custom_id with an id no database holds
answers without an error."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import discord
import pytest
from PIL import Image

from tests.emulator import EmuInteraction, InteractionTimeout, Member
from tests.helpers import World, card_button, confirm_spend, what_was_said

pytestmark = pytest.mark.e2e
JSON = dict[str, object]
EPHEMERAL = 64


async def _refused_alone(ix: EmuInteraction, member: Member, words: str) -> None:
    """The interaction was answered with a message only ``member`` sees (no modal, no
    placeholder anyone else sees) saying ``words``: at once, or after a private "thinking…"
    (a component acknowledged early from its custom_id alone, ``cogs/early_acks.py``)."""
    response = await ix.wait_response()
    assert response["type"] in (4, 5), response  # a message or a private "thinking…", no modal
    assert response["data"]["flags"] & EPHEMERAL, response
    told = await ix.wait_reply()
    assert told["flags"] & EPHEMERAL and words in told["content"]
    if response["type"] == 5:
        assert told.get("ephemeral_for") == member.id


def _public_placeholders(world: World, member: Member) -> list[JSON]:
    """Public messages still "thinking…" that an interaction of ``member`` left."""
    return [
        m
        for m in world.emu.messages
        if m.get("interaction_metadata", {}).get("user", {}).get("id") == str(member.id)
        and not m.get("ephemeral")
        and m.get("flags", 0) & 128  # LOADING
    ]


async def _delivered_job(world: World, prompt: str = "a paper boat") -> tuple[JSON, JSON]:
    """Alice's session card and her first result (job #1), as posted."""
    emu = world.emu
    card = await world.card(
        await emu.slash_command(
            world.alice, "video", subcommand="new", options={"prompt": prompt, "duration": 4}
        )
    )
    await world.generate(card)
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    return emu.message(card["id"]), result


async def test_only_the_owner_opens_extend_edit_and_prompt(world: World) -> None:
    emu = world.emu
    bob = emu.add_member("bob")
    card, result = await _delivered_job(world)
    for action in ("extend", "edit"):
        ix = await emu.click_button(bob, result, f"cs:result:1:{action}")
        await _refused_alone(ix, bob, "Job #1 belongs to")
        assert ix.modal is None
    ix = await emu.click_button(bob, card, card_button(card, "prompt"))
    await _refused_alone(ix, bob, "This session belongs to")
    assert ix.modal is None


async def test_two_openings_of_a_modal_are_two_modals(world: World) -> None:
    """One member opens Extend (and Prompt) twice, on two devices: each submission is
    answered; neither vanishes because the other was opened."""
    emu, alice = world.emu, world.alice
    card, result = await _delivered_job(world)
    first = await emu.click_button(alice, result, "cs:result:1:extend")
    second = await emu.click_button(alice, result, "cs:result:1:extend")
    assert (await first.wait_response())["type"] == 9
    assert (await second.wait_response())["type"] == 9
    assert first.modal is not None and second.modal is not None
    ids = {first.modal["custom_id"], second.modal["custom_id"]}
    assert len(ids) == 2 and all(i.startswith("cs:extend:1:") and len(i) <= 100 for i in ids)
    done = await emu.submit_modal(alice, first, {"seconds": "4", "prompt": "up"})
    assert "extending #1" in (await confirm_spend(emu, alice, done))["content"]
    late = await emu.submit_modal(alice, second, {"seconds": "4", "prompt": "x" * 2000})
    assert (await what_was_said(late))["flags"] & EPHEMERAL  # answered (priced or refused)

    card = emu.message(card["id"])
    one = await emu.click_button(alice, card, card_button(card, "prompt"))
    two = await emu.click_button(alice, card, card_button(card, "prompt"))
    await one.wait_response()
    await two.wait_response()
    assert one.modal is not None and two.modal is not None
    assert one.modal["custom_id"] != two.modal["custom_id"]
    for opener, prompt in ((two, "a boat at dawn"), (one, "a boat at dusk")):
        submitted = await emu.submit_modal(alice, opener, {"prompt": prompt})
        await submitted.wait_response()
        session = await world.bot.services.sessions.get(1)
        await world.reply(lambda m, p=prompt: m["id"] == card["id"] and p in str(m["embeds"]))
        assert session.id == 1
    assert (await world.bot.services.sessions.get(1)).prompt == "a boat at dusk"


async def test_view_request_and_building_on_others_is_refused_before_any_public_ack(
    world: World,
) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    bob = emu.add_member("bob")
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "a street", "duration": 4},
        attachments={"asset1": media / "video/city_with_music.mov"},
    )  # fmt: skip
    card = await world.card(ix)
    question = await world.reply(
        lambda m: any("cs:asset:" in str(c) and ":sound" in str(c) for c in m["components"])
    )
    video = next(a for a in (await world.bot.services.sessions.get(1)).assets)
    card = await world.reply(lambda m: m["id"] == card["id"] and "Assets (1)" in str(m["embeds"]))

    view = await emu.click_button(bob, card, card_button(card, "request"))
    answer = await view.wait_reply()
    assert answer["flags"] & EPHEMERAL and "belongs to" in answer["content"]
    assert not answer["embeds"]  # nothing of alice's request

    sound = await emu.click_button(bob, question, f"cs:asset:{video.id}:sound")
    await _refused_alone(sound, bob, "This session belongs to")
    moment = await emu.choose(bob, question, f"cs:frame:{video.id}", ["0.00"])
    await _refused_alone(moment, bob, "This session belongs to")

    await world.generate(card)
    await world.reply(lambda m: "your video is ready" in m["content"])
    stitch = await emu.slash_command(bob, "video", subcommand="stitch", options={"jobs": "1, 1"})
    await _refused_alone(stitch, bob, "Job #1 belongs to")
    assert _public_placeholders(world, bob) == []
    assert len((await world.bot.services.sessions.get(1)).assets) == 1  # nothing added


async def test_a_stitch_of_job_numbers_no_database_holds_is_refused(world: World) -> None:
    emu, alice = world.emu, world.alice
    for jobs, words in (
        (f"1 {'9' * 40}", "List job numbers"),  # longer than any id
        ("1 9999999999999999999", "There is no job #1"),  # 19 digits, beyond int64
        ("٣ ٤", "List job numbers"),  # digits, but not ASCII ones
    ):
        ix = await emu.slash_command(alice, "video", subcommand="stitch", options={"jobs": jobs})
        await _refused_alone(ix, alice, words)
    assert _public_placeholders(world, alice) == []


async def test_a_custom_id_with_an_id_beyond_any_database_is_not_an_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A message carrying a button whose id is 40 digits (or 19, above SQLite's range)
    — an old deployment's, or a forged one — is refused or ignored, never an
    OverflowError."""
    emu, alice = world.emu, world.alice
    view = discord.ui.View(timeout=None)
    huge, big = "9" * 40, str(2**63)
    for custom_id in (f"cs:result:{huge}:extend", f"cs:result:{big}:regenerate",
                      f"cs:card:{big}:prompt", f"cs:asset:{big}:sound"):  # fmt: skip
        view.add_item(discord.ui.Button(label="x", custom_id=custom_id))
    channel = world.bot.get_partial_messageable(emu.channel_id, guild_id=emu.guild_id)
    with caplog.at_level(logging.WARNING):
        sent = await channel.send("old buttons", view=view)
        message = emu.message(sent.id)
        for custom_id in (f"cs:result:{big}:regenerate", f"cs:card:{big}:prompt",
                          f"cs:asset:{big}:sound"):  # fmt: skip
            ix = await emu.click_button(alice, message, custom_id)
            await _refused_alone(ix, alice, "no longer leads anywhere")
        ignored = await emu.click_button(alice, message, f"cs:result:{huge}:extend")
        with pytest.raises(InteractionTimeout):  # no component matches: Discord's deadline
            await ignored.wait_response(timeout=3.5)
    assert not [r for r in caplog.records if r.exc_info or "Overflow" in r.getMessage()]


async def test_forty_files_in_one_message_get_one_summary_and_ten_downloads(
    world: World, tmp_path: Path
) -> None:
    """Forty distinct real PNGs in one message: the session's count limits are checked
    before anything is downloaded (nine images fit, the tenth is read to offer making
    room), and the member reads one summary — nine role questions and the one offer
    aside — instead of forty-one replies."""
    emu, alice = world.emu, world.alice
    await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    pictures = []
    for i in range(40):
        path = tmp_path / f"frame-{i:02d}.png"
        Image.new("RGB", (640, 640), (i * 6, 255 - i * 6, (i * 37) % 256)).save(path)
        pictures.append(path)
    reads_before = len(emu.attachment_reads)
    posted = await emu.post_message(alice, "", attachments=pictures)
    summary = await world.reply(lambda m: "of 40 files added" in m["content"])
    session = await world.bot.services.sessions.get(1)

    assert session.thread_id is not None and summary["channel_id"] == str(session.thread_id)

    def answers(m: dict[str, Any]) -> bool:  # what the bot said about the files since, in
        return (  # the session's thread (the files waited for it, were it not made yet)
            int(m["channel_id"]) == session.thread_id
            and int(m["id"]) > int(posted["id"])
            and "frame-" in m["content"]
        )

    await world.reply(lambda m: answers(m) and "cs:fix:" in str(m["components"]))
    replies = [m for m in emu.messages if answers(m)]
    assert len(emu.attachment_reads) - reads_before == 10
    text = summary["content"]
    assert text.startswith("9 of 40 files added to session #1. Added: **@image1**, ")
    assert "**@image9**." in text and len(text) <= 2000
    assert "`frame-10.png` was not added: a request takes at most 9 images" in text
    assert "more" in text.splitlines()[-1]  # thirty refusals do not fit: "…and N more"
    offers = [m for m in replies if "cs:fix:" in str(m["components"])]
    questions = [m for m in replies if "cs:role:" in str(m["components"])]
    assert len(offers) == 1 and "frame-09.png" in offers[0]["content"]
    assert len(questions) == 9 and len(replies) == 11
    assert len((await world.bot.services.sessions.get(1)).assets) == 9
