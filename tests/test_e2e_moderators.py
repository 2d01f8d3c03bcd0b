"""End to end, for moderators: ``allowance show`` and ``prices show`` show only their part,
``/admin jobs list`` lists recent finished and failed jobs (a job that failed for real, with
why; by member too), and every command option carries a real description."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import World, a_failing_job, moderate

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
MANAGE_GUILD = 1 << 5


def _options(node: JSON, path: str) -> Iterator[tuple[str, JSON]]:
    for option in node.get("options", []):
        where = f"{path} {option['name']}"
        yield where, option
        yield from _options(option, where)


async def test_every_command_option_has_a_real_description(world: World) -> None:
    described = 0
    for command in world.emu.commands:
        for where, option in _options(command, command["name"]):
            text = option["description"]
            assert text not in ("…", "...", "") and len(text) >= 8, (where, text)
            described += 1
    assert described > 60


async def test_shows_show_their_part_and_jobs_lists_finished_and_failed(world: World) -> None:
    emu, alice = world.emu, world.alice
    mod = emu.add_member("mod", permissions=MANAGE_GUILD)
    allowance = await moderate(world, mod, "allowance show")
    names = [f["name"] for f in allowance["embeds"][0]["fields"]]
    assert names == ["Allowance", "Caps"]
    prices = await moderate(world, mod, "prices show")
    assert [f["name"] for f in prices["embeds"][0]["fields"]] == ["Prices (credits)"]
    everything = await moderate(world, mod, "config show")
    assert len(everything["embeds"][0]["fields"]) > 3

    bob = emu.add_member("bob")
    cards: dict[int, JSON] = {}
    for member, prompt in ((alice, "a kite"), (bob, "a boat")):
        ix = await emu.slash_command(
            member, "video", subcommand="new", options={"prompt": prompt, "duration": 4}
        )
        cards[member.id] = await world.card(ix)
        await world.generate(cards[member.id], member)
        await world.reply(lambda m, who=member: f"<@{who.id}> your video is ready" in m["content"])
    finished = await moderate(world, mod, "jobs list", show="finished")
    lines = finished["content"].splitlines()
    assert [line.split(" ")[0] for line in lines] == ["**#2**", "**#1**"]  # newest first
    assert f"<@{bob.id}> · delivered 2026-11-25 12:00 · 4 s 480p · 4 credits" in lines[0]
    mine = await moderate(world, mod, "jobs list", show="finished", member=alice)
    assert mine["content"].splitlines() == [
        f"**#1** <@{alice.id}> · delivered 2026-11-25 12:00 · 4 s 480p · 4 credits"
    ]
    failed = await moderate(world, mod, "jobs list", show="failed")
    assert failed["content"] == "No such jobs lately."
    running = await moderate(world, mod, "jobs list")
    assert running["content"] == "No jobs are running or queued."

    # Bob's next job fails for real (the renderer can't read his picture): it is listed
    # among the failed ones, with why, and not among the finished ones or Alice's.
    await a_failing_job(world, cards[bob.id], bob)
    await world.reply(lambda m: "job #3 failed" in m["content"])
    failed = await moderate(world, mod, "jobs list", show="failed")
    (line,) = failed["content"].splitlines()
    assert line.startswith(
        f"**#3** <@{bob.id}> · failed 2026-11-25 12:00 · 4 s 480p · 4 credits — "
    )
    assert line.split(" — ", 1)[1].startswith("The preview could not be rendered")  # why
    bobs = await moderate(world, mod, "jobs list", show="failed", member=bob)
    assert bobs["content"] == failed["content"]
    alices = await moderate(world, mod, "jobs list", show="failed", member=alice)
    assert alices["content"] == "No such jobs lately."
    finished = await moderate(world, mod, "jobs list", show="finished")
    assert [line.split(" ")[0] for line in finished["content"].splitlines()] == ["**#2**", "**#1**"]
