"""Component clicks acknowledged from the gateway's payload, before discord.py builds the
interaction (cogs/early_acks.py; docs/ARCHITECTURE.md, "Instant under a burst").

Real discord.py against the emulator (which refuses a second acknowledgement with 40060
and one after 3 s with 10062, as Discord does), real media, real SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from cogs.early_acks import EarlyAcks
from tests.helpers import (
    JSON,
    World,
    card_button,
    new_session,
    price_question,
    role_select,
    what_was_said,
)

pytestmark = pytest.mark.e2e
CHOSEN = "`@image1` **character**"  # the card's asset line once the role is chosen


@pytest.fixture
def answered_before_read(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[int, bool]:
    """Interaction id → whether the emulator had its acknowledgement when discord.py began
    to build the interaction."""
    seen: dict[int, bool] = {}
    early: EarlyAcks = world.bot.early_acks
    parse: Callable[[Any], None] = early._parse

    def recording(data: dict[str, Any]) -> None:
        seen[int(data["id"])] = world.emu.interaction(int(data["id"])).response is not None
        parse(data)

    monkeypatch.setattr(early, "_parse", recording)
    return seen


async def _role_question(world: World) -> tuple[JSON, JSON]:
    """alice's card and the role question of the image she posted in its thread."""
    card = await new_session(world, prompt="a kite")
    thread = await world.emu.wait_for_thread(card["id"], lambda t: True, 30)
    await world.emu.post_message(
        world.alice,
        "",
        attachments=[world.media / "images/rocket.jpg"],
        channel_id=int(thread["id"]),
    )
    question = await world.reply(lambda m: "Added **@image1**" in m["content"])
    return card, question


async def test_a_role_select_is_acknowledged_before_discord_py_reads_it(
    world: World, answered_before_read: dict[int, bool]
) -> None:
    card, question = await _role_question(world)
    pick = await world.emu.choose(world.alice, question, role_select(question), ["character"])
    assert (await pick.wait_response())["type"] == 6  # a deferred update
    answered = await pick.wait_update()
    assert "character" in answered["content"]
    assert answered_before_read[pick.id] is True
    assert pick.followups == []  # no second acknowledgement refused, no apology
    await world.reply(lambda m: m["id"] == card["id"] and CHOSEN in str(m.get("embeds")))


async def test_generate_answers_with_a_private_thinking_sent_early(
    world: World, answered_before_read: dict[int, bool]
) -> None:
    card, question = await _role_question(world)
    pick = await world.emu.choose(world.alice, question, role_select(question), ["character"])
    await pick.wait_update()
    card = await world.reply(lambda m: m["id"] == card["id"] and CHOSEN in str(m.get("embeds")))
    go = await world.emu.click_button(world.alice, card, card_button(card, "generate"))
    offer = await price_question(world.emu, go)  # private "thinking…", then the price
    assert "credits" in offer["content"]
    assert answered_before_read[go.id] is True


async def test_someone_else_is_refused_in_private_after_the_early_acknowledgement(
    world: World, answered_before_read: dict[int, bool]
) -> None:
    bob = world.emu.add_member("bob")
    _, question = await _role_question(world)
    pick = await world.emu.choose(bob, question, role_select(question), ["character"])
    assert (await pick.wait_response())["type"] == 6
    told = await what_was_said(pick)
    assert told["flags"] & 64 and told["ephemeral_for"] == bob.id
    assert "belongs to" in told["content"]
    assert answered_before_read[pick.id] is True


async def test_a_button_that_opens_a_modal_is_read_first(
    world: World, answered_before_read: dict[int, bool]
) -> None:
    card = await new_session(world, prompt="a kite")
    opened = await world.emu.click_button(world.alice, card, card_button(card, "prompt"))
    assert (await opened.wait_response())["type"] == 9  # the modal is the response
    assert answered_before_read[opened.id] is False  # read first: its answer is the modal


async def test_an_early_acknowledgement_refused_leaves_the_handler_to_answer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord refusing the early acknowledgement (here: a wrong token) is logged, and the
    handler acknowledges and answers as it would have without it."""
    early: EarlyAcks = world.bot.early_acks
    send = early._send

    async def with_a_wrong_token(interaction_id: int, token: str, how: str) -> None:
        await send(interaction_id, "not-the-token", how)

    monkeypatch.setattr(early, "_send", with_a_wrong_token)
    card, question = await _role_question(world)
    pick = await world.emu.choose(world.alice, question, role_select(question), ["character"])
    assert (await pick.wait_response())["type"] == 6
    await pick.wait_update()
    await world.reply(lambda m: m["id"] == card["id"] and CHOSEN in str(m.get("embeds")))
    assert pick.followups == []


async def test_a_click_is_built_only_once_the_other_acknowledgements_are_out(
    world: World, answered_before_read: dict[int, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another acknowledgement is in flight, a click is acknowledged but discord.py
    does not build it (its handler does not run); it is built and handled once that
    acknowledgement is out."""
    _, question = await _role_question(world)
    handlers, early = world.bot.handlers, world.bot.early_acks
    monkeypatch.setattr(handlers, "_max_wait_s", 60.0)  # waits for the held one, however slow
    acknowledged = asyncio.Event()
    observe = early._observe

    def observed(how: str, seconds: float) -> None:
        observe(how, seconds)
        acknowledged.set()  # the bot has Discord's answer; next it waits to build the click

    monkeypatch.setattr(early, "_observe", observed)
    async with handlers.acknowledgement():  # another member's, still in flight
        pick = await world.emu.choose(world.alice, question, role_select(question), ["character"])
        assert (await pick.wait_response())["type"] == 6
        await asyncio.wait_for(acknowledged.wait(), 30)
        assert pick.id not in answered_before_read and pick.update is None
    answered = await pick.wait_update()
    assert "character" in answered["content"] and answered_before_read[pick.id] is True
