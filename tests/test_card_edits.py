"""The card's own edits never cross: a click that changes the session edits the card
through its interaction, a refresh through the channel, and an edit rendered before a
change never lands after one rendered since (cogs/session/cog.py, ``show_card`` and
``refresh_card``).

Real discord.py against the emulator, which holds the refresh's edit at a gate; real SQLite.
"""

from __future__ import annotations

import asyncio

import discord
import pytest

from discord_emulator.gates import Gate
from tests.helpers import World, card_button, new_session

pytestmark = pytest.mark.e2e


async def test_a_click_edit_waits_for_the_refresh_in_flight(world: World) -> None:
    """A refresh rendered "a red kite" and its edit is slow to land; meanwhile alice sets
    "a blue kite" from the card. Her edit lands after the refresh's, so the card ends on
    what she wrote (before, the refresh's older edit could land last and undo it)."""
    emu, alice = world.emu, world.alice
    card = await new_session(world, prompt="a kite")
    cog = world.bot.get_cog("SessionCog")
    assert cog is not None
    session_id = int(card_button(card, "prompt").split(":")[2])
    await world.bot.services.sessions.set_prompt(session_id, alice.id, "a red kite")
    emu.edit_gate = gate = Gate()
    refresh = asyncio.create_task(cog.refresh_card(session_id))
    await asyncio.wait_for(gate.arrived.wait(), 30)  # rendered, its edit held

    opener = await emu.click_button(alice, emu.message(card["id"]), card_button(card, "prompt"))
    assert (await opener.wait_response())["type"] == 9
    submitted = await emu.submit_modal(alice, opener, {"prompt": "a blue kite"})
    assert (await submitted.wait_response())["type"] == 6  # a deferred update of the card
    update = asyncio.ensure_future(submitted.wait_update(60))
    done, _ = await asyncio.wait({update}, timeout=5)  # a ceiling: it waits for the gate
    assert not done, "the click's edit landed while the refresh's older one was held"

    gate.open()
    await asyncio.wait_for(refresh, 30)
    assert "a blue kite" in str((await update)["embeds"])
    assert "a blue kite" in str(emu.message(card["id"])["embeds"])
    assert (await world.bot.services.sessions.get(session_id)).prompt == "a blue kite"


async def test_the_bot_does_not_build_its_own_edits(world: World) -> None:
    """discord.py is not asked to build the bot's own card edits (cogs/client.py): a raw
    edit listener hears none of them, while a member's message posted after them (the
    gateway keeps its order) is heard."""
    emu, alice, bot = world.emu, world.alice, world.bot
    heard: list[str] = []

    async def edited(payload: discord.RawMessageUpdateEvent) -> None:
        heard.append(f"edit {payload.message_id}")

    after = asyncio.Event()

    async def posted(message: discord.Message) -> None:
        if message.content == "after the edits":
            heard.append("message")
            after.set()

    bot.add_listener(edited, "on_raw_message_edit")
    bot.add_listener(posted, "on_message")
    card = await new_session(world, prompt="a kite")  # a placeholder, edited into the card
    opener = await emu.click_button(alice, card, card_button(card, "prompt"))
    await opener.wait_response()
    await (await emu.submit_modal(alice, opener, {"prompt": "a blue kite"})).wait_update()
    await emu.post_message(alice, "after the edits")
    await asyncio.wait_for(after.wait(), 30)
    assert heard == ["message"]
