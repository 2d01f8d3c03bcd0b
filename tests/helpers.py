"""Shared helpers for end-to-end tests: a running bot in the Discord emulator, and small
readers for the messages it posts (python-discord's one shared test-helpers module)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings
from cogs.client import CallsheetBot
from tests.emulator import DiscordEmulator, EmuInteraction, Member

JSON = dict[str, Any]


@dataclass
class Clock:
    """An injectable UTC clock that tests move forward by hand."""

    now: datetime = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """The emulator, the running bot, a member called alice, and the real media folder."""

    emu: DiscordEmulator
    bot: CallsheetBot
    alice: Member
    media: Path
    clock: Clock

    async def reply(self, predicate: Callable[[JSON], bool]) -> JSON:
        """The first bot message (new or edited) matching ``predicate``."""
        return await self.emu.wait_for_message(predicate, timeout=30)

    async def card(self, ix: EmuInteraction) -> JSON:
        """The session card a ``/video new`` interaction posts: acknowledged at once with a
        public "thinking…" placeholder (within Discord's 3 s), which the card replaces."""
        response = await ix.wait_response()
        assert response["type"] == 5 and not response["data"].get("flags", 0) & 64
        assert ix.response_seconds is not None and ix.response_seconds < 3
        card = await ix.wait_update()
        assert card["embeds"], card
        return self.emu.message(card["id"])

    def published_price(
        self, provider: str, seconds: int, resolution: str = "480p", model: str = "standard"
    ) -> int:
        """What ``seconds`` of ``model`` at ``resolution`` cost at ``provider``'s published
        rate and the default 10 credits per US dollar (no references)."""
        offer = self.bot.services.providers[provider].profile.offer(model)
        assert offer is not None
        return math.ceil(seconds * offer.rate.usd_per_second[resolution] * 10 - 1e-9)

    async def generate(self, card: JSON, member: Member | None = None) -> JSON:
        """Press Generate on ``card`` and confirm its price; return what the confirm said
        (the member's private price message, edited: "Job #1 started…")."""
        who = member or self.alice
        go = await self.emu.click_button(who, card, card_button(card, "generate"))
        return await confirm_spend(self.emu, who, go)

    async def credits(self, member: Member) -> int:
        """Run /credits as ``member``; return the available balance it shows."""
        statement = await credits_statement(self.emu, member)
        return int(fields(statement)["Available"])


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    media: Path,
    setup: Callable[[DiscordEmulator], dict[str, Any]] | None = None,
    guild_locale: str = "en-US",
    **settings: Any,
) -> AsyncIterator[World]:
    """Start the emulator and the real bot (480p default; ``settings`` override; ``setup``
    prepares the emulator before the bot connects and returns more settings;
    ``guild_locale`` is the guild's preferred locale)."""
    clock = Clock()
    async with DiscordEmulator(
        tmp_path / "emulator", enforce_interaction_deadline=True, guild_locale=guild_locale
    ) as emu:
        options: dict[str, Any] = {"default_resolution": "480p", **settings}
        if setup is not None:
            options.update(setup(emu))
        config = Settings(
            discord_token="emulated-token",
            data_dir=tmp_path / "data",
            discord_api_base=emu.api_base,
            discord_gateway_url=emu.gateway_url,
            _env_file=None,
            **options,
        )
        alice = emu.add_member("alice")
        bot = CallsheetBot(config, clock=clock)
        task = asyncio.create_task(bot.start("emulated-token"))
        try:
            await emu.wait_ready(timeout=30, bot_task=task)
            yield World(emu, bot, alice, media, clock)
        finally:
            await bot.close()
            await asyncio.wait_for(task, 30)
        assert emu.unhandled == []


async def moderate(world: World, mod: Member, subcommand: str, **options: Any) -> JSON:
    """Run ``/admin <subcommand>`` as ``mod``; return the (private) reply it leaves."""
    ix = await world.emu.slash_command(mod, "admin", subcommand=subcommand, options=options)
    await ix.wait_response()
    return await world.emu.wait_for_message(
        lambda m: m["id"] == str(ix.original_message_id) and not m["flags"] & 128
    )


async def a_failing_job(world: World, card: JSON, member: Member | None = None) -> JSON:
    """Add a picture to the card's session, spoil its file on disk (the renderer then
    fails for real) and Generate; return the card as it was before."""
    emu, who = world.emu, member or world.alice
    ix = await emu.slash_command(
        who, "video", subcommand="add", attachments={"asset1": world.media / "images/coffee.png"}
    )
    await ix.wait_response()
    await world.reply(lambda m: "Added **@image1**" in m["content"])
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, who.id)
    assert session is not None
    session.assets[0].path.write_bytes(b"the disk ate it")
    card = await world.reply(lambda m: m["id"] == card["id"] and "@image1" in str(m["embeds"]))
    await world.generate(card, who)
    return card


async def credits_statement(emu: DiscordEmulator, member: Member) -> JSON:
    """Run /credits; return the ephemeral statement message (deferred, then followed up)."""
    ix = await emu.slash_command(member, "credits")
    response = await ix.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & 64  # ephemeral
    message = await emu.wait_for_message(
        lambda m: m["id"] == str(ix.original_message_id) and bool(m.get("embeds"))
    )
    assert message["ephemeral"] and message["ephemeral_for"] == member.id
    return message


async def price_question(emu: DiscordEmulator, ix: EmuInteraction) -> JSON:
    """The price question ``ix`` was answered with: a private "thinking…" acknowledgement
    (within Discord's 3 s) replaced by the price in words and Confirm / Cancel."""
    response = await ix.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & 64, response
    update = await ix.wait_update()
    message = emu.message(update["id"])
    assert message["ephemeral"] and message["ephemeral_for"] == ix.member.id
    return message


def spend_button(message: JSON, action: str) -> str:
    """custom_id of a price question's ``confirm`` or ``cancel`` button."""
    for row in message["components"]:
        for component in row["components"]:
            if component["custom_id"].startswith("cs:spend:") and component["custom_id"].endswith(
                f":{action}"
            ):
                return str(component["custom_id"])
    raise AssertionError(f"no {action} on {message['content']!r}")


async def confirm_spend(emu: DiscordEmulator, member: Member, ix: EmuInteraction) -> JSON:
    """Confirm the price question ``ix`` was answered with; return the question as the
    confirm left it ("Job #1 started…", its buttons gone)."""
    question = await price_question(emu, ix)
    confirm = await emu.click_button(member, question, spend_button(question, "confirm"))
    return await confirm.wait_update()


async def what_was_said(ix: EmuInteraction) -> JSON:
    """What a click acknowledged by a deferred update said: its message edited, or a
    private followup (a refusal), whichever came first."""
    update = asyncio.ensure_future(ix.wait_update())
    followup = asyncio.ensure_future(ix.wait_followup())
    done, pending = await asyncio.wait({update, followup}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return next(iter(done)).result()


def role_select(message: JSON) -> str:
    """custom_id of the role select on a role question."""
    for row in message["components"]:
        for component in row["components"]:
            if component["custom_id"].startswith("cs:role:"):
                return str(component["custom_id"])
    raise AssertionError(f"no role select on {message['content']!r}")


def card_button(card: JSON, action: str) -> str:
    """custom_id of a session card button (prompt, generate, close)."""
    for row in card["components"]:
        for component in row["components"]:
            if component["custom_id"].endswith(f":{action}"):
                return str(component["custom_id"])
    raise AssertionError(f"no {action} button")


def labelled_button(message: JSON, label_part: str) -> str:
    """custom_id of the button on ``message`` whose label contains ``label_part``."""
    for row in message["components"]:
        for component in row["components"]:
            if label_part in component.get("label", ""):
                return str(component["custom_id"])
    raise AssertionError(f"no button with {label_part!r} in {message['components']}")


async def new_session(world: World, **options: Any) -> JSON:
    """alice's ``/video new`` with ``options``; the session card it posts."""
    ix = await world.emu.slash_command(world.alice, "video", subcommand="new", options=options)
    return await world.card(ix)


def fields(message: JSON) -> dict[str, str]:
    """Name → value of the first embed's fields."""
    return {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
