"""End to end: the moderator's console through the real bot in the Discord emulator.

Permissions (command and stale button), grants/bans/config applying at once and landing in
the audit log, scheduled refills on an injectable clock, 50 concurrent Generate clicks on a
balance worth 3 jobs, and the usage chart and CSV.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.words import Words
from cogs.checks import NOT_A_MODERATOR as NOT_A_MODERATOR_PHRASE
from tests.emulator import Member
from tests.helpers import (
    World,
    card_button,
    credits_statement,
    fields,
    price_question,
    spend_button,
    what_was_said,
)

NOT_A_MODERATOR = Words.english().text(NOT_A_MODERATOR_PHRASE)

pytestmark = pytest.mark.e2e

MANAGE_GUILD = 1 << 5
JSON = dict[str, Any]


@pytest.fixture
async def mod(world: World) -> Member:
    return world.emu.add_member("mod", permissions=MANAGE_GUILD)


async def admin(world: World, caller: Member, subcommand: str, **options: Any) -> JSON:
    """Run ``/admin <subcommand>``; return the (ephemeral) reply message or callback data."""
    ix = await world.emu.slash_command(caller, "admin", subcommand=subcommand, options=options)
    response = await ix.wait_response()
    if response["type"] == 4:
        data: JSON = response["data"]
        return data
    return await world.emu.wait_for_message(
        lambda m: m["id"] == str(ix.original_message_id) and not m["flags"] & 128
    )


def _example_option(option: JSON, world: World, role_id: int) -> Any:
    """A valid value for a required option of the registered schema."""
    if option.get("choices"):
        return option["choices"][0]["value"]
    return {
        3: "because",
        4: max(1, int(option.get("min_value", 1))),
        5: True,
        6: world.alice,
        7: world.emu.channel_id,
        8: role_id,
        10: max(1.0, float(option.get("min_value", 1.0))),
    }[option["type"]]


def _admin_subcommands(world: World) -> list[tuple[str, list[JSON]]]:
    (command,) = [c for c in world.emu.commands if c["name"] == "admin"]
    found = []
    for child in command["options"]:
        if child["type"] == 1:
            found.append((child["name"], child.get("options", [])))
        else:
            for sub in child["options"]:
                found.append((f"{child['name']} {sub['name']}", sub.get("options", [])))
    return found


async def test_admin_is_hidden_and_refused_for_members(world: World) -> None:
    emu, alice = world.emu, world.alice
    (command,) = [c for c in emu.commands if c["name"] == "admin"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    with pytest.raises(PermissionError):
        await emu.slash_command(alice, "admin", subcommand="audit")
    # A server admin may show the command to anyone (integration settings); the handler
    # must still refuse every action.
    emu.command_overrides.add(("admin", alice.id))
    role_id = emu.add_role("Creator")
    subcommands = _admin_subcommands(world)
    assert len(subcommands) >= 18
    for name, schema in subcommands:
        required = [o for o in schema if o.get("required")]
        options = {o["name"]: _example_option(o, world, role_id) for o in required}
        reply = await admin(world, alice, name, **options)
        assert reply["content"] == NOT_A_MODERATOR, name
        assert reply["flags"] & 64
    assert await world.bot.services.moderation.audit.latest(emu.guild_id) == []
    assert await world.credits(alice) == 100


async def test_grants_bans_and_config_apply_at_once_and_are_audited(
    world: World, mod: Member
) -> None:
    emu, alice = world.emu, world.alice
    log_channel = emu.add_channel("callsheet-log")
    reply = await admin(world, mod, "config set", audit_channel=log_channel, reason="set up")
    assert reply["content"].startswith("Saved")
    reply = await admin(world, mod, "credits grant", member=alice, amount=50, reason="contest")
    assert "they now have 150" in reply["content"]
    assert await world.credits(alice) == 150
    posted = await world.reply(
        lambda m: m["channel_id"] == str(log_channel) and "granted credits" in m["content"]
    )
    assert f"<@{mod.id}>" in posted["content"] and "(contest)" in posted["content"]
    # Stored timestamps are shown as the UTC minute (ledger, audit) or day (/credits).
    ledger = await admin(world, mod, "credits ledger", member=alice)
    assert ledger["embeds"][0]["description"].splitlines() == [
        "`2026-11-25 12:00` A moderator granted 50 credits — contest",
        "`2026-11-25 12:00` Starting allowance: +100 credits",
    ]
    statement = fields(await credits_statement(emu, alice))
    assert statement["Latest entries"].splitlines() == [
        "`2026-11-25` Granted by a moderator +50 — contest",
        "`2026-11-25` Starting allowance +100",
    ]

    card = await world.card(
        await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "a kite"})
    )
    await admin(world, mod, "members ban", member=alice, reason="spamming renders", days=1.0)
    # A card drawn after the ban disables Generate and says why.
    banned = await world.card(
        await emu.slash_command(
            alice, "video", subcommand="new", options={"prompt": "a kite"},
            channel_id=emu.add_channel("banned"),
        )
    )  # fmt: skip
    assert fields(banned)["You can't generate now"].endswith(
        "paused your generations on this server until 2026-11-26 12:00 UTC: spamming renders"
    )
    generate = next(
        c for row in banned["components"] for c in row["components"]
        if c["custom_id"].endswith(":generate")
    )  # fmt: skip
    assert generate["disabled"]
    # The card drawn before it still offers Generate: the click is refused, nothing held.
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    refused = await go.wait_reply()
    assert refused["flags"] & 64 and "spamming renders" in refused["content"]
    assert refused["content"].endswith(
        "paused your generations on this server until 2026-11-26 12:00 UTC: spamming renders"
    )
    assert await world.credits(alice) == 150

    await admin(world, mod, "members unban", member=alice, reason="apologised")
    await world.generate(card)
    await world.reply(lambda m: "your video is ready" in m["content"])

    reply = await admin(world, mod, "config set", max_duration=6, default_duration=5)
    assert reply["content"].startswith("Saved")
    bad = await admin(world, mod, "config set", default_duration=9)
    assert "not saved" in bad["content"] and "maximum (6 s)" in bad["content"]
    too_long = await emu.slash_command(
        alice, "video", subcommand="new", channel_id=emu.add_channel("two"),
        options={"duration": 10},
    )  # fmt: skip
    assert "4–6 s here" in (await too_long.wait_reply())["content"]

    audit = await admin(world, mod, "audit")
    text = audit["embeds"][0]["description"]
    for action in ("changed the configuration", "granted credits", "**banned**", "unbanned"):
        assert action in text
    assert text.index("unbanned") < text.index("**banned**")  # newest first
    assert (
        f"`2026-11-25 12:00` <@{mod.id}> **banned** → <@{alice.id}>: for 1 day(s)"
        " (spamming renders)" in text.splitlines()
    )


async def test_refills_follow_the_clock(world: World, mod: Member) -> None:
    alice = world.alice
    await admin(
        world, mod, "allowance set", refill_period="daily", refill_amount=20, refill_cap=60,
    )  # fmt: skip
    assert await world.credits(alice) == 100  # today's refill: already above the cap
    await admin(world, mod, "credits set", member=alice, balance=10, reason="reset")
    statement = await credits_statement(world.emu, alice)
    assert fields(statement)["Available"] == "10"  # no second refill today
    assert fields(statement)["Next refill"].startswith("+20")
    world.clock.now += timedelta(days=1)
    assert await world.credits(alice) == 30
    assert await world.credits(alice) == 30  # once per day, however often asked
    world.clock.now += timedelta(days=1)
    assert await world.credits(alice) == 50
    world.clock.now += timedelta(days=1)
    assert await world.credits(alice) == 60  # never above the cap
    await admin(world, mod, "allowance member", member=alice, amount=100)
    await admin(world, mod, "allowance set", refill_cap=40)
    world.clock.now += timedelta(days=1)
    assert await world.credits(alice) == 100  # her override also lifts her cap


async def test_fifty_concurrent_generates_on_a_balance_worth_three(
    world: World, mod: Member
) -> None:
    emu, alice = world.emu, world.alice
    await admin(world, mod, "credits set", member=alice, balance=12, reason="three 4 s videos")
    cards = []
    for i in range(50):
        channel = emu.add_channel(f"take-{i}")
        ix = await emu.slash_command(
            alice, "video", subcommand="new", channel_id=channel,
            options={"prompt": f"take {i}", "duration": 4},
        )  # fmt: skip
        cards.append(await world.card(ix))
    clicks = await asyncio.gather(
        *(emu.click_button(alice, card, card_button(card, "generate")) for card in cards)
    )
    questions = await asyncio.gather(*(price_question(emu, ix) for ix in clicks))
    assert all("= **4** credits; you have 12." in q["content"] for q in questions)
    confirms = await asyncio.gather(
        *(emu.click_button(alice, q, spend_button(q, "confirm")) for q in questions)
    )
    said = await asyncio.gather(*(what_was_said(ix) for ix in confirms))
    started = [m for m in said if m["content"].startswith("Job #")]
    refused = [m for m in said if "costs 4 credits and you have 0" in m["content"]]
    assert (len(started), len(refused)) == (3, 47)
    assert all(m["flags"] & 64 for m in said)

    def delivered() -> int:
        return sum("your video is ready" in m.get("content", "") for m in emu.messages)

    await world.reply(lambda _: delivered() >= 3)
    assert delivered() == 3
    assert await world.credits(alice) == 0
    ledger = world.bot.services.moderation.ledger
    kinds = [e.kind for e in await ledger.entries(emu.guild_id, alice.id, 100)]
    assert kinds.count("hold") == 3 and kinds.count("capture") == 3

    report = await admin(world, mod, "usage", days=7)
    assert "3 jobs, 0 failed, 12 s delivered, 12 credits spent" in report["content"]
    png, table = sorted(report["attachments"], key=lambda a: a["filename"])[::-1]
    assert png["filename"] == "usage.png" and table["filename"] == "usage.csv"
    with Image.open(emu.attachment_path(png)) as chart:
        assert chart.format == "PNG" and chart.size == (800, 450)
    rows = list(csv.DictReader(io.StringIO(emu.attachment_path(table).read_text())))
    assert sum(int(r["credits"]) for r in rows) == 12
    assert {r["user_id"] for r in rows} == {str(alice.id)}


async def test_a_stale_cancel_button_is_refused_then_a_moderator_refunds(
    world: World, mod: Member
) -> None:
    emu, alice = world.emu, world.alice
    card = await world.card(
        await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "queued"})
    )
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    ledger = world.bot.services.moderation.ledger
    request = compile_request(session, "tags", DEFAULT_LIMITS)
    world.bot.services.runner.max_running = 0  # every slot is taken: the job waits
    # A job waiting in the queue (as after a restart): real rows, nobody running it.
    outcome = await ledger.create_job_with_hold(
        session_id=session.id, guild_id=emu.guild_id, channel_id=emu.channel_id,
        user_id=alice.id, provider="preview", request_json=request_to_json(request), price=10,
        now=world.clock(), duration_s=5, resolution="480p",
    )  # fmt: skip
    assert outcome.created and await world.credits(alice) == 90
    listing = await admin(world, mod, "jobs list")
    assert listing["content"].startswith(f"**#{outcome.job_id}** <@{alice.id}> · queued")
    message = next(m for m in emu.messages if m.get("content") == listing["content"])
    custom_id = f"cs:admin:cancel:{outcome.job_id}"

    mod.permissions = 0  # demoted after the list was posted
    stale = await emu.click_button(mod, message, custom_id)
    assert (await stale.wait_reply())["content"] == NOT_A_MODERATOR
    assert await world.credits(alice) == 90

    mod.permissions = MANAGE_GUILD
    again = await emu.click_button(mod, message, custom_id)
    assert "cancelled; 10 credits released" in (await again.wait_reply())["content"]
    notice = await world.reply(lambda m: "cancelled by a moderator" in m["content"])
    assert f"<@{alice.id}>" in notice["content"]
    assert await world.credits(alice) == 100
    assert (await world.bot.services.sessions.get(session.id)).state == "open"
    assert "Generate" in str(emu.message(int(card["id"]))["components"])


async def test_a_jobs_list_longer_than_a_message_says_how_many_more(
    world: World, mod: Member
) -> None:
    """Sixty queued jobs: ``/admin jobs list`` shows the lines one message holds, then how
    many more, with a Cancel button for the first 25 (Discord's most), and the strict
    emulator refuses nothing."""
    emu, alice = world.emu, world.alice
    await admin(world, mod, "credits set", member=alice, balance=60, reason="sixty jobs")
    world.bot.services.runner.max_running = 0  # every slot is taken: the jobs wait
    ledger, sessions = world.bot.services.moderation.ledger, world.bot.services.sessions
    for number in range(60):
        session = await sessions.open_session(emu.guild_id, 10_000 + number, alice.id,
                                              prompt=f"take {number}")  # fmt: skip
        request = compile_request(session, "tags", DEFAULT_LIMITS)
        outcome = await ledger.create_job_with_hold(
            session_id=session.id, guild_id=emu.guild_id, channel_id=session.channel_id,
            user_id=alice.id, provider="preview", request_json=request_to_json(request),
            price=1, now=world.clock(), duration_s=5, resolution="480p",
        )  # fmt: skip
        assert outcome.created
    listing = await admin(world, mod, "jobs list")
    lines = listing["content"].splitlines()
    assert len(listing["content"]) <= 2000 and 10 < len(lines) < 60
    assert lines[-1] == f"…and {60 - (len(lines) - 1)} more"
    assert all(line.startswith("**#") for line in lines[:-1])
    buttons = [c["custom_id"] for row in listing["components"] for c in row["components"]]
    assert len(buttons) == 25 and all(b.startswith("cs:admin:cancel:") for b in buttons)
    assert emu.rejected == []


async def test_sessions_only_open_in_allowed_channels(world: World, mod: Member) -> None:
    emu, alice = world.emu, world.alice
    studio_channel = emu.add_channel("studio")
    reply = await admin(world, mod, "config channel", action="allow", channel=studio_channel)
    assert reply["content"].startswith("Saved")
    refused = await emu.slash_command(alice, "video", subcommand="new")
    text = (await refused.wait_reply())["content"]
    assert f"<#{studio_channel}>" in text
    await world.card(
        await emu.slash_command(alice, "video", subcommand="new", channel_id=studio_channel)
    )
    await admin(world, mod, "config channel", action="everywhere")
    await world.card(await emu.slash_command(alice, "video", subcommand="new"))
