"""End to end, scaled out: two gateway shards (``SHARD_ID`` 0 and 1 of ``SHARD_COUNT=2``,
``RUN_JOBS=false``) and two ``python -m bot worker`` processes, all real processes on one
PostgreSQL (the test server) and one emulated Discord with a guild on each shard, against
the Ark fake. Members of both guilds generate at once: each guild's commands are answered
by its shard, every job is run by a worker, and each is created at Ark once, posted once
in its own guild's channel and captured once. Then a worker is SIGKILLed while it polls
both guilds' jobs: the other takes them over once the leases run out (``JOB_LEASE_S``, 3 s
here), still exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tests.emulator import DiscordEmulator, Member, shard_of, snowflake_on_shard
from tests.fakes.ark import FakeArk
from tests.gates import Gate
from tests.helpers import card_button, confirm_spend
from tests.test_e2e_workers import Stack, _free_port, stack_env

pytestmark = pytest.mark.e2e


@dataclass
class Guilds:
    stack: Stack
    channels: dict[int, int]  # guild id → its channel
    members: dict[int, list[Member]]  # guild id → members generating there


@dataclass
class HeldPolls(Gate):
    """A gate on status polls that also tells which tasks have a poll held at it."""

    tasks: set[str] = field(default_factory=set)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def hold(self, request: web.Request) -> bool:
        self.tasks.add(request.path.rsplit("/", 1)[-1])
        async with self.changed:
            self.changed.notify_all()
        return await super().hold(request)

    async def until(self, count: int) -> None:
        async with asyncio.timeout(60), self.changed:
            await self.changed.wait_for(lambda: len(self.tasks) >= count)


@pytest.fixture
async def guilds(tmp_path: Path, media: Path, postgres_url: str) -> AsyncIterator[Guilds]:
    first = snowflake_on_shard(0, 2)
    async with DiscordEmulator(tmp_path / "emulator", guild_id=first) as emu, FakeArk() as ark:
        second, second_channel = emu.add_guild("Second Guild", guild_id=snowflake_on_shard(1, 2))
        assert (shard_of(first, 2), shard_of(second, 2)) == (0, 1)
        names = {first: ("alice", "bob"), second: ("carol", "dave")}
        members = {g: [emu.add_member(n) for n in names[g]] for g in (first, second)}
        port = _free_port()
        env = stack_env(emu, ark, tmp_path, postgres_url, port)
        env["MAX_RUNNING_JOBS_PER_GUILD"] = "4"
        stack = Stack(emu, ark, members[first][0], env, postgres_url, tmp_path)
        try:
            for shard in (0, 1):  # one at a time, as Discord asks; shard 0 serves references
                serves = str(port if shard == 0 else _free_port())
                await stack.start(f"shard-{shard}", SHARD_ID=str(shard), SHARD_COUNT="2",
                                  RUN_JOBS="false", ASSET_SERVER_PORT=serves)  # fmt: skip
                await emu.wait_shards(shard + 1, timeout=60)
            for name in ("w1", "w2"):
                await stack.start(name, "worker", WORKER_ID=name,
                                  ASSET_SERVER_PORT=str(_free_port()))  # fmt: skip
            yield Guilds(stack, {first: emu.channel_id, second: second_channel}, members)
        finally:
            for gate in (ark.poll_gate, ark.create_gate):
                if gate is not None:
                    gate.open()
            await stack.stop_all()


async def _generate(emu: DiscordEmulator, member: Member, channel: int, media: Path) -> str:
    """``member`` opens a session in ``channel`` and confirms Generate; the card's id."""
    ix = await emu.slash_command(
        member, "video", subcommand="new", channel_id=channel,
        options={"prompt": f"{member.name}'s rocket at dawn", "duration": 4},
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    await ix.wait_response(timeout=30)
    card = await emu.wait_for_message(
        lambda m: m["id"] == str(ix.original_message_id) and "@image1" in str(m["embeds"]), 60
    )
    go = await emu.click_button(member, card, card_button(card, "generate"))
    await confirm_spend(emu, member, go)
    return str(card["id"])


async def _assert_each_exactly_once(guilds: Guilds, cards: list[str]) -> None:
    """Every job posted once in its own guild's channel, created once, captured once."""
    stack, emu = guilds.stack, guilds.stack.emu
    everyone = [(g, m) for g, ms in guilds.members.items() for m in ms]
    for card in cards:  # a card says so once its job's post is recorded
        await emu.wait_for_message(
            lambda m, card=card: m["id"] == card and "delivered below" in str(m.get("embeds")),
            120,
        )
    jobs = stack.rows("SELECT id, guild_id, channel_id, state, delivery_state FROM jobs")
    assert len(jobs) == len(everyone)
    assert {(state, delivered) for _, _, _, state, delivered in jobs} == {
        ("succeeded", "delivered")
    }
    for guild, member in everyone:
        posts = [
            m for m in emu.messages
            if f"<@{member.id}> your video is ready" in m.get("content", "")
        ]  # fmt: skip
        assert len(posts) == 1  # posted once
        assert posts[0]["channel_id"] == str(guilds.channels[guild])  # in its guild
        assert posts[0]["guild_id"] == str(guild)
    kinds = stack.rows("SELECT kind, COUNT(*) FROM ledger WHERE kind != 'grant' GROUP BY kind")
    assert dict(kinds) == {"hold": len(everyone), "capture": len(everyone)}  # captured once
    assert len(stack.ark.creates()) == len(stack.ark.tasks) == len(everyone)  # created once


async def test_members_of_guilds_on_both_shards_generate_and_workers_run_each_job_once(
    guilds: Guilds, media: Path
) -> None:
    emu = guilds.stack.emu
    assert emu.shard_sessions() == {0: 1, 1: 1}
    cards = await asyncio.gather(
        *(
            _generate(emu, member, guilds.channels[guild], media)
            for guild, members in guilds.members.items()
            for member in members
        )
    )
    await _assert_each_exactly_once(guilds, cards)
    owners = {owner for (owner,) in guilds.stack.rows("SELECT claimed_by FROM jobs")}
    assert owners <= {"w1", "w2"}  # the shards ran none
    guild_of_job = dict(guilds.stack.rows("SELECT id, guild_id FROM jobs"))
    assert set(guild_of_job.values()) == set(guilds.channels)  # both shards queued jobs


async def test_a_worker_killed_mid_job_is_taken_over_with_both_shards_running(
    guilds: Guilds, media: Path
) -> None:
    stack, emu = guilds.stack, guilds.stack.emu
    guilds.members = {g: ms[:1] for g, ms in guilds.members.items()}  # one job per guild
    stack.ark.poll_gate = gate = HeldPolls()
    cards = await asyncio.gather(
        *(_generate(emu, ms[0], guilds.channels[g], media) for g, ms in guilds.members.items())
    )
    await gate.until(2)  # both guilds' tasks exist and are being polled
    states = stack.rows("SELECT claimed_by, state FROM jobs")
    assert {state for _, state in states} == {"submitted"}
    killed = states[0][0]
    assert killed in ("w1", "w2")
    await stack.kill(killed)
    stack.ark.poll_gate = None
    gate.open()
    await _assert_each_exactly_once(guilds, cards)  # the other worker resumed them after the lease
    survivor = ({"w1", "w2"} - {killed}).pop()
    assert {owner for (owner,) in stack.rows("SELECT claimed_by FROM jobs")} == {survivor}
