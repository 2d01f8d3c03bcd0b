"""End to end: the one error path (cogs/errors.py). A CallsheetError reaches the member as
its own text, ephemeral; anything else as a plain apology, logged with the interaction's
ids — from a slash command, a component and a modal alike.

The unexpected errors are real: the bot's boards folder is replaced by a file, so the next
asset board cannot be written (an OSError inside the handler).
"""

from __future__ import annotations

import logging
import shutil

import pytest

from bot.words import Words
from tests.helpers import World, card_button, fields, role_select

SOMETHING_WENT_WRONG = Words.english().text("something-went-wrong")

pytestmark = pytest.mark.e2e


def _break_boards(world: World) -> None:
    boards = world.bot.settings.data_dir / "boards"
    shutil.rmtree(boards, ignore_errors=True)
    boards.write_bytes(b"not a folder")


async def test_unexpected_error_in_a_slash_command_is_an_apology_and_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    emu, alice = world.emu, world.alice
    _break_boards(world)
    with caplog.at_level(logging.ERROR, logger="cogs.errors"):
        ix = await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "x"})
        response = await ix.wait_response()
        said = await ix.wait_reply()
    assert response["type"] == 5  # acknowledged at once with a "thinking…" placeholder
    assert said["flags"] & 64 and said["content"] == SOMETHING_WENT_WRONG
    assert emu.message(ix.original_message_id or 0).get("deleted")  # not left for all to see
    record = next(r for r in caplog.records if r.name == "cogs.errors")
    assert "command=video new" in record.getMessage()
    assert f"user={alice.id}" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], OSError)


async def test_callsheet_error_in_a_component_is_the_members_message(world: World) -> None:
    emu, alice = world.emu, world.alice
    bob = emu.add_member("bob")
    ix = await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "a cat"})
    card = await world.card(ix)
    click = await emu.click_button(bob, card, card_button(card, "generate"))
    response = await click.wait_reply()
    assert response["flags"] & 64
    assert response["content"] != SOMETHING_WENT_WRONG
    assert str(alice.id) in response["content"]  # "… belongs to <@alice>"


async def test_unexpected_error_in_a_component_after_it_answered_is_a_followup(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="new", attachments={"asset1": media / "images/rocket.jpg"}
    )
    card = await world.card(ix)
    question = await world.reply(lambda m: "Added **@image1**" in m["content"])
    await world.reply(  # the command's own card refresh (with the board) is done
        lambda m: m["id"] == card["id"] and "@image1" in fields(m).get("Assets (1)", "")
    )
    _break_boards(world)
    with caplog.at_level(logging.ERROR, logger="cogs.errors"):
        pick = await emu.choose(alice, question, role_select(question), ["character"])
        await pick.wait_update()  # the answer was shown first
        apology = await world.reply(
            lambda m: m.get("ephemeral_for") == alice.id and m["content"] == SOMETHING_WENT_WRONG
        )
    assert apology["ephemeral"]
    messages = [r.getMessage() for r in caplog.records if r.name == "cogs.errors"]
    assert len(messages) == 1 and "component=cs:role:" in messages[0]


async def test_callsheet_error_in_a_modal_keeps_the_session(world: World) -> None:
    emu, alice = world.emu, world.alice
    ix = await emu.slash_command(alice, "video", subcommand="new")
    card = await world.card(ix)
    opener = await emu.click_button(alice, card, card_button(card, "prompt"))
    await opener.wait_response()
    bad = await emu.submit_modal(alice, opener, {"prompt": "@video3 runs"})
    answer = await bad.wait_reply()
    assert answer["flags"] & 64 and "@video3" in answer["content"]
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.state == "open"
